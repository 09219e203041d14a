"""The staff queue: sorting (unconfirmed first, then soonest due), keyset
pagination, counts per status, every filter, overdue / due-soon / paused
marks and the repeat-request flag. On a stack of its own."""

import re
import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


class QueueTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "q")
        c = cls.clerk = h.Staff(S, cls.agency)
        today = h.today()
        # Two years back is overdue, last year answered, whatever today is.
        cls.y2, cls.y1 = today.year - 2, today.year - 1
        cls.sub1, cls.no1, _ = h.submit_online(S, cls.agency, name="网上甲",
                                               id_number=h.resident_id("11010519700101001"))
        cls.sub2, _, _ = h.submit_online(S, cls.agency, name="网上乙",
                                         id_number=h.resident_id("11010519700101002"))
        cls.overdue = c.register("%d-01-02" % cls.y2, name="逾期丙", id_number=h.resident_id("11010519700101003"))
        cls.late_pause = c.register("%d-01-03" % cls.y2, name="暂停丁", id_number=h.resident_id("11010519700101004"))
        c.act(cls.late_pause, "consult", {"party": "某公司"})
        cls.soon_received = h.workdays_add(S, today, -18)   # last year in early January
        cls.soon = c.register(cls.soon_received, name="将到期戊",
                              id_number=h.resident_id("11010519700101005"))
        cls.normal = c.register(today, name="正常己", id_number=h.resident_id("11010519700101006"))
        cls.paused = c.register(today, name="补正庚", id_number=h.resident_id("11010519700101007"))
        c.act(cls.paused, "supplement", {"what": "请明确"})
        cls.answered = c.register("%d-03-03" % cls.y1, name="已答辛", id_number=h.resident_id("11010519700101008"))
        c.act(cls.answered, "reply", {"outcome": "disclosed", "text": "x"})
        cls.org = c.register(today, org=True, name="某某科研院")

    def ids(self, j):
        return [r["id"] for r in j["requests"]]

    def test_default_order_and_marks(self):
        j = self.clerk.queue()
        ids = self.ids(j)
        # Unconfirmed submissions first, then by due date (the answered one not shown).
        self.assertEqual(ids[:2], [self.sub1, self.sub2])
        self.assertNotIn(self.answered, ids)
        dues = [r.get("due_on") for r in j["requests"][2:]]
        self.assertEqual(dues, sorted(dues))
        rows = {r["id"]: r for r in j["requests"]}
        self.assertTrue(rows[self.overdue]["overdue"])
        self.assertTrue(rows[self.late_pause]["overdue"])      # paused after its deadline
        self.assertTrue(rows[self.soon]["due_soon"])
        self.assertFalse(rows[self.soon]["overdue"])
        self.assertTrue(rows[self.paused]["paused"])
        self.assertFalse(rows[self.paused]["overdue"])
        self.assertFalse(rows[self.normal]["overdue"] or rows[self.normal]["due_soon"])
        self.assertNotIn("due_on", rows[self.sub1])

    def test_counts(self):
        c = self.clerk.queue()["counts"]
        self.assertEqual((c["submitted"], c["consulting"], c["awaiting_supplement"], c["answered"]),
                         (2, 1, 1, 1))
        self.assertEqual(c["in_progress"], 4)
        self.assertEqual(c["open"], 8)
        self.assertEqual(c["all"], 9)
        self.assertEqual(c["overdue"], 2)

    def test_keyset_pages_cover_everything_once(self):
        for sort in ("", "&sort=newest", "&status=all"):
            with self.subTest(sort=sort):
                full = self.ids(self.clerk.queue("?limit=200" + sort))
                seen, after = [], None
                for _ in range(20):
                    q = "?limit=2" + sort + ("&after=" + after if after else "")
                    j = self.clerk.queue(q)
                    seen += self.ids(j)
                    after = j["next"]
                    if not after:
                        break
                self.assertEqual(seen, full)
        newest = self.ids(self.clerk.queue("?sort=newest&status=all"))
        self.assertEqual(newest, sorted(newest, reverse=True))

    def test_filters(self):
        q = lambda s: set(self.ids(self.clerk.queue(s)))
        self.assertEqual(q("?overdue=1"), {self.overdue, self.late_pause})
        self.assertEqual(q("?due_within=3"), {self.soon})
        self.assertEqual(q("?status=answered"), {self.answered})
        self.assertEqual(q("?status=all&outcome=disclosed"), {self.answered})
        self.assertEqual(q("?status=all&kind=business"), {self.org})
        self.assertEqual(q("?status=all&year=%d" % self.y2), {self.overdue, self.late_pause})
        soon_last_year = {self.soon} if str(self.soon_received).startswith(str(self.y1)) else set()
        self.assertEqual(q("?status=all&year=%d" % self.y1), {self.answered} | soon_last_year)
        self.assertEqual(q("?status=all&q=%E9%80%BE%E6%9C%9F"), {self.overdue})   # 逾期
        self.assertEqual(q("?status=all&q=" + self.no1.upper()), {self.sub1})
        self.assertEqual(q("?status=all&q=%25"), set())
        self.assertEqual(q("?status=awaiting_supplement"), {self.paused})
        for bad in ("?limit=0", "?limit=500", "?after=zzz", "?after=2024-13-01.5", "?status=open2",
                    "?kind=alien", "?outcome=maybe", "?year=24", "?due_within=x"):
            with self.subTest(bad=bad):
                self.assertEqual(self.clerk.get("/api/v1/requests" + bad).status, 422)

    def test_repeat_requests_are_flagged(self):
        c = self.clerk
        idno = h.resident_id("11010519700101099")
        first = c.register(id_number=idno, description="请公开本县2025年道路维修工程的招标文件和中标结果。")
        again = c.register(id_number=idno, description="请公开本县2025年道路维修工程的招标文件及中标结果")
        other = c.register(id_number=idno, description="请公开本机关2024年度部门决算报告全文。")
        stranger = c.register(id_number=h.resident_id("11010519700101098"),
                              description="请公开本县2025年道路维修工程的招标文件和中标结果。")
        rows = {r["id"]: r for r in c.queue("?limit=200")["requests"]}
        self.assertNotIn("repeat_of", rows[first])
        self.assertEqual(rows[again]["repeat_of"], first)
        self.assertNotIn("repeat_of", rows[other])
        self.assertNotIn("repeat_of", rows[stranger])
        self.assertEqual(c.request(again)["repeat_of"]["id"], first)

    def test_queue_page(self):
        page = self.clerk.get("/staff")
        self.assertEqual(page.status, 200)
        text = h.text_of(page.text)
        self.assertIn("已逾期", text)
        self.assertIn("即将到期", text)
        self.assertIn("计时暂停", text)
        self.assertIn("逾期丙", text)
        m = re.search(r'class="request is-overdue">\s*<a class="number" href="/staff/requests/(\d+)"', page.text)
        self.assertIsNotNone(m)
        page = self.clerk.get("/staff?limit=2")
        nxt = re.search(r'href="(/staff\?[^"]*after=[^"]+)"', page.text).group(1)
        self.assertEqual(self.clerk.get(nxt.replace("&amp;", "&")).status, 200)
        self.assertEqual(self.clerk.get("/staff?status=nope").status, 422)


if __name__ == "__main__":
    unittest.main()
