"""Issue 16, item 12: run by test_staff_queue_table.CalendarMissingTest
under tests/at.sh at Mon 2026-12-07 10:00 Beijing: the shipped calendar
holds 2026 but not 2027. Due dates counted into 2027 are provisional (暂定)
in the queue, the request page and the JSON; the global administrators,
who may import the calendar, see a banner on staff pages from 1 November
(the boundary is in tests/unit/test_deadline.c), until 2027 is imported.
Named without the test_ prefix so that the whole suite does not run it at
the real date."""

import re
import time
import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


BANNER = "2027年节假日安排尚未导入"


class CalendarMissingAtInstantTest(unittest.TestCase):
    """Named so that they run in this order: the last imports 2027."""

    @classmethod
    def setUpClass(cls):
        assert str(h.today()) == "2026-12-07", h.today()
        assert S.psql("SELECT count(*) FROM holidays WHERE day >= '2027-01-01'") == "0", \
            "the shipped calendar holds 2027: move this test's instant a year on"
        cls.agency = h.new_agency(S, "cm")
        cls.clerk = h.Staff(S, cls.agency)
        cls.admin = h.Staff(S, None, "admin")
        # Received today: 20 working days on, 2027's 元旦 unknown, Mon 01-04.
        cls.late = cls.clerk.register(name="跨年甲", id_number=h.resident_id("11010519800101011"))
        # Received Mon 11-02: due Mon 11-30, inside 2026.
        cls.early = cls.clerk.register("2026-11-02", name="年内乙",
                                       id_number=h.resident_id("11010519800101012"))

    def test_1_provisional_due_dates(self):
        rows = {r["id"]: r for r in self.clerk.queue()["requests"]}
        self.assertEqual((rows[self.late]["due_on"], rows[self.late]["provisional"]), ("2027-01-04", True))
        self.assertEqual((rows[self.early]["due_on"], rows[self.early]["provisional"]), ("2026-11-30", False))
        self.assertIs(self.clerk.request(self.late)["deadline"]["provisional"], True)
        self.assertIs(self.clerk.request(self.early)["deadline"]["provisional"], False)
        page = self.clerk.get("/staff").text
        row = re.search(r"<tr[^>]*>\s*<td class=\"number\"><a href=\"/staff/requests/%d\".*?</tr>" % self.late,
                        page, re.S).group(0)
        self.assertIn("2027-01-04", row)
        self.assertIn("暂定", h.text_of(row))
        row = re.search(r"<tr[^>]*>\s*<td class=\"number\"><a href=\"/staff/requests/%d\".*?</tr>" % self.early,
                        page, re.S).group(0)
        self.assertNotIn("暂定", h.text_of(row))
        self.assertIn("暂定", h.text_of(self.clerk.get("/staff/requests/%d" % self.late).text))

    def test_2_the_banner_for_administrators_who_may_import(self):
        page = h.text_of(self.admin.get("/staff").text)
        self.assertIn(BANNER, page)
        self.assertIn("导入工作日历", page)
        self.assertIn('href="/admin#h-csv"', self.admin.get("/admin").text)
        self.assertEqual(self.admin.get("/staff", json_=True).json()["calendar_missing_year"], 2027)
        self.assertNotIn(BANNER, h.text_of(self.clerk.get("/staff").text))
        self.assertNotIn("calendar_missing_year", self.clerk.queue())
        # An agency's administrator may not import it: no banner either.
        agency_admin = h.Staff(S, self.agency, "admin")
        self.assertNotIn(BANNER, h.text_of(agency_admin.get("/staff").text))

    def test_3_importing_2027_ends_both(self):
        page = self.admin.get("/admin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = self.admin.post_form("/admin/holidays", {"csv": "date,kind,name\n2027-01-01,holiday,元旦\n",
                                                     "csrf_token": token})
        imported = time.monotonic()
        self.assertEqual(r.status, 200, r)
        self.assertNotIn(BANNER, h.text_of(r.text))
        # 元旦 is a holiday now: one more working day.
        self.assertEqual(self.clerk.request(self.late)["due_on"], "2027-01-05")
        # Every worker thread's calendar follows within CALENDAR_CHECK_SECONDS
        # (core/calendar_cache.h, 60): ask after that, a few times over.
        time.sleep(max(0.0, imported + 62 - time.monotonic()))
        for _ in range(6):
            self.assertIs(self.clerk.request(self.late)["deadline"]["provisional"], False)
            row = next(r for r in self.clerk.queue()["requests"] if r["id"] == self.late)
            self.assertIs(row["provisional"], False)


if __name__ == "__main__":
    unittest.main()
