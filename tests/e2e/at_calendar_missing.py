"""Issue 16, item 12: run by test_staff_queue_table.CalendarMissingTest
under tests/at.sh at Mon 2098-12-08 10:00 Beijing, far beyond any
schedule the project ships: a schedule for 2098 is imported first, none
for 2099. Due dates counted into 2099 are provisional (暂定) in the queue,
the request page and the JSON; the global administrators, who may import
the calendar, see a banner on staff pages from 1 November (the boundary is
in tests/unit/test_deadline.c), until 2099 is imported. Named without the
test_ prefix so that the whole suite does not run it at the real date."""

import re
import tempfile
import time
import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


BANNER = "2099年节假日安排尚未导入"


class CalendarMissingAtInstantTest(unittest.TestCase):
    """Named so that they run in this order: the last imports 2099."""

    @classmethod
    def setUpClass(cls):
        assert str(h.today()) == "2098-12-08", h.today()
        # Before any page: no worker has a copy of the calendar yet
        # (core/calendar_cache.c loads one on first use).
        cls.import_cli("date,kind,name\n2098-10-01,holiday,国庆节\n")
        cls.agency = h.new_agency(S, "cm")
        cls.clerk = h.Staff(S, cls.agency)
        cls.admin = h.Staff(S, None, "admin")
        # Received today: 20 working days on, 2099's 元旦 unknown, Mon 01-05.
        cls.late = cls.clerk.register(name="跨年甲", id_number=h.resident_id("11010519800101011"))
        # Received Mon 11-03: due Mon 12-01, inside 2098.
        cls.early = cls.clerk.register("2098-11-03", name="年内乙",
                                       id_number=h.resident_id("11010519800101012"))

    @staticmethod
    def import_cli(csv_text):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write(csv_text)
        r = S.ysqgk("holidays", "import", f.name)
        assert r.returncode == 0, r.stderr

    def test_1_provisional_due_dates(self):
        rows = {r["id"]: r for r in self.clerk.queue()["requests"]}
        self.assertEqual((rows[self.late]["due_on"], rows[self.late]["provisional"]), ("2099-01-05", True))
        self.assertEqual((rows[self.early]["due_on"], rows[self.early]["provisional"]), ("2098-12-01", False))
        self.assertIs(self.clerk.request(self.late)["deadline"]["provisional"], True)
        self.assertIs(self.clerk.request(self.early)["deadline"]["provisional"], False)
        page = self.clerk.get("/staff").text
        row = re.search(r"<tr[^>]*>\s*<td class=\"number\"><a href=\"/staff/requests/%d\".*?</tr>" % self.late,
                        page, re.S).group(0)
        self.assertIn("2099-01-05", row)
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
        self.assertEqual(self.admin.get("/staff", json_=True).json()["calendar_missing_year"], 2099)
        self.assertNotIn(BANNER, h.text_of(self.clerk.get("/staff").text))
        self.assertNotIn("calendar_missing_year", self.clerk.queue())
        # An agency's administrator may not import it: no banner either.
        agency_admin = h.Staff(S, self.agency, "admin")
        self.assertNotIn(BANNER, h.text_of(agency_admin.get("/staff").text))

    def test_3_importing_2099_ends_both(self):
        page = self.admin.get("/admin")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = self.admin.post_form("/admin/holidays", {"csv": "date,kind,name\n2099-01-01,holiday,元旦\n",
                                                     "csrf_token": token})
        imported = time.monotonic()
        self.assertEqual(r.status, 200, r)
        self.assertNotIn(BANNER, h.text_of(r.text))
        # 元旦 is a holiday now: one more working day.
        self.assertEqual(self.clerk.request(self.late)["due_on"], "2099-01-06")
        # Every worker thread's calendar follows within CALENDAR_CHECK_SECONDS
        # (core/calendar_cache.h, 60): ask after that, a few times over.
        time.sleep(max(0.0, imported + 62 - time.monotonic()))
        for _ in range(6):
            self.assertIs(self.clerk.request(self.late)["deadline"]["provisional"], False)
            row = next(r for r in self.clerk.queue()["requests"] if r["id"] == self.late)
            self.assertIs(row["provisional"], False)


if __name__ == "__main__":
    unittest.main()
