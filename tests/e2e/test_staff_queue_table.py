"""Issue 16, items 8, 11 and 12 in the queue: the sorts of the desktop
table (server-side, keyset pages, links in the header with aria-sort), the
我的 filter, the 待审批 chip of heads, the staff pages' own header, the
export through the same filters, and provisional due dates and the
administrators' calendar banner at a fixed instant (at_calendar_missing.py
under tests/at.sh). On a stack of its own."""

import html
import os
import re
import subprocess
import sys
import unittest

import test_staff_common as h

S = None
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# A Monday in December far beyond the shipped calendar: 20 working days on
# reach into the next year (at_calendar_missing.py imports this year's).
CALENDAR_MISSING_INSTANT = "2098-12-08T10:00+08:00"
HEAD_ORDER = ["编号", "申请人", "收到日期", "答复期限", "剩余工作日", "承办人", "状态"]


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def ids(j):
    return [r["id"] for r in j["requests"]]


def received_key(r):
    return r.get("received_on") or r["submitted_at"][:10]


class QueueTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "qt")
        c = cls.clerk = h.Staff(S, cls.agency)
        cls.other = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")
        today = h.today()
        cls.online, _, _ = h.submit_online(S, cls.agency, name="网上甲",
                                           id_number=h.resident_id("11010519800101001"))
        cls.old = c.register(h.workdays_add(S, today, -12), name="早收乙",
                             id_number=h.resident_id("11010519800101002"))
        cls.new = c.register(today, name="今收丙", id_number=h.resident_id("11010519800101003"))
        cls.mid = c.register(h.workdays_add(S, today, -5), name="中收丁",
                             id_number=h.resident_id("11010519800101004"))
        cls.closed = c.register(h.workdays_add(S, today, -3), name="已答戊",
                                id_number=h.resident_id("11010519800101005"))
        c.act(cls.closed, "reply", {"outcome": "disclosed", "text": "x"})
        # Waiting for the head: an extension (Art. 33) and a stated
        # deadline (Art. 35) proposed.
        c.act(cls.mid, "extend", {"reason": "情况复杂", "days": 5})
        c.act(cls.new, "ask_reasons", {"text": "请说明申请用途"})
        c.act(cls.new, "reasons_answered", {"text": "编写地方志"})
        c.act(cls.new, "set_deadline", {"due_on": h.workdays_add(S, today, 60), "reason": "材料多"})
        # 我的: one assigned to the other clerk, one to the clerk.
        c.act(cls.old, "assign", {"to": cls.other.username})
        c.act(cls.mid, "assign", {"to": c.username})

    def pages(self, query):
        """Every row of a filter, two at a time by the keyset cursor."""
        seen, after = [], None
        for _ in range(20):
            j = self.clerk.queue("?limit=2&" + query + ("&after=" + after if after else ""))
            seen += ids(j)
            after = j["next"]
            if not after:
                return seen
        self.fail("more than 20 pages")

    def test_item11_sorts_page_by_keyset_and_keep_to_the_open_states(self):
        everything = self.clerk.queue("?status=all&limit=200")["requests"]
        by_id = {r["id"]: r for r in everything}
        open_ids = set(ids(self.clerk.queue("?limit=200")))
        self.assertNotIn(self.closed, open_ids)
        for status in ("", "status=all&"):
            want_ids = set(by_id) if status else open_ids
            rows = [by_id[i] for i in want_ids]
            expect = {
                "number": sorted(want_ids),
                "newest": sorted(want_ids, reverse=True),
                "received": [r["id"] for r in sorted(rows, key=lambda r: (received_key(r), r["id"]))],
                "received_desc": [r["id"] for r in sorted(rows, key=lambda r: (received_key(r), r["id"]),
                                                          reverse=True)],
                # Unconfirmed (no due date) sort first ascending, last descending.
                "due_desc": [r["id"] for r in sorted(rows, key=lambda r: (r.get("due_on", ""), r["id"]),
                                                     reverse=True)],
            }
            for sort, want in expect.items():
                with self.subTest(status=status, sort=sort):
                    q = status + "sort=" + sort
                    self.assertEqual(ids(self.clerk.queue("?limit=200&" + q)), want)
                    self.assertEqual(self.pages(q), want)
        self.assertEqual(self.clerk.get("/api/v1/requests?sort=name").status, 422)

    def test_item11_days_left_and_received_in_the_rows(self):
        rows = {r["id"]: r for r in self.clerk.queue()["requests"]}
        for rid in (self.old, self.mid, self.new):
            d = self.clerk.request(rid)["deadline"]
            self.assertEqual(rows[rid]["working_days_left"], d["working_days_left"])
            self.assertEqual(rows[rid]["provisional"], d["provisional"])
        self.assertNotIn("working_days_left", rows[self.online])
        self.assertFalse(rows[self.online]["provisional"])
        self.assertEqual(rows[self.old]["received_on"], h.workdays_add(S, h.today(), -12))

    def test_item11_mine(self):
        self.assertEqual(ids(self.clerk.queue("?mine=1")), [self.mid])
        self.assertEqual(ids(self.other.queue("?mine=1")), [self.old])
        self.assertEqual(ids(self.head.queue("?mine=1&status=all")), [])
        page = self.clerk.get("/staff?mine=1").text
        self.assertRegex(page, r'<li class="selected"><a href="/staff\?agency=[^"]+&amp;mine=1">我的</a>')
        self.assertIn('name="mine" value="1" checked', page)

    def test_item8_awaiting_approval_chip_for_heads(self):
        j = self.head.queue()
        self.assertEqual(j["counts"]["awaiting_approval"], 2)
        self.assertEqual(set(ids(self.head.queue("?approval=1"))), {self.mid, self.new})
        self.assertNotIn("awaiting_approval", self.clerk.queue()["counts"])
        page = h.text_of(self.head.get("/staff").text)
        self.assertIn("待审批 2", page)
        self.assertNotIn("待审批", h.text_of(self.clerk.get("/staff").text))
        chip = self.head.get("/staff?approval=1").text
        self.assertRegex(chip, r'<li class="approval selected"><a href="/staff\?agency=[^"]+&amp;approval=1">待审批 <b>2</b>')

    def test_item8_approved_leaves_the_chip(self):
        agency = h.new_agency(S, "qa")
        clerk, head = h.Staff(S, agency), h.Staff(S, agency, role="head")
        rid = clerk.register()
        clerk.act(rid, "extend", {"reason": "情况复杂", "days": 5})
        self.assertEqual(head.queue()["counts"]["awaiting_approval"], 1)
        ext = head.request(rid)["extensions"][0]["id"]
        head.act(rid, "approve_extension", {"extension_id": ext, "reason": "同意"})
        self.assertEqual(head.queue()["counts"]["awaiting_approval"], 0)
        self.assertEqual(ids(head.queue("?approval=1")), [])
        # A proposed deadline (Art. 35) waits until it is set or refused,
        # and a later proposal waits again.
        later = h.workdays_add(S, h.today(), 60)
        clerk.act(rid, "ask_reasons", {"text": "请说明申请用途"})
        clerk.act(rid, "reasons_answered", {"text": "编写地方志"})
        clerk.act(rid, "set_deadline", {"due_on": later, "reason": "材料多"})
        self.assertEqual(ids(head.queue("?approval=1")), [rid])
        head.act(rid, "refuse_deadline", {"opinion": "不同意"})
        self.assertEqual(head.queue()["counts"]["awaiting_approval"], 0)
        clerk.act(rid, "set_deadline", {"due_on": later, "reason": "材料多，需检索档案"})
        self.assertEqual(head.queue()["counts"]["awaiting_approval"], 1)
        head.act(rid, "approve_deadline", {"opinion": "同意"})
        self.assertEqual(ids(head.queue("?approval=1")), [])

    def test_item11_table_head_links_and_aria_sort(self):
        page = self.clerk.get("/staff?status=all&sort=received").text
        heads = re.findall(r'<th scope="col"( aria-sort="(\w+)")?>(.*?)</th>', page)
        self.assertEqual([h.text_of(t).strip() for _, _, t in heads], HEAD_ORDER)
        aria = {h.text_of(t).strip(): a for _, a, t in heads if a}
        self.assertEqual(aria, {"收到日期": "ascending"})
        links = {h.text_of(t).strip(): html.unescape(re.search(r'href="([^"]+)"', t).group(1))
                 for _, _, t in heads if "href" in t}
        self.assertEqual(set(links), {"编号", "收到日期", "答复期限"})
        # The other parameters kept; the sorted column turns the other way.
        self.assertEqual(links["收到日期"], "/staff?status=all&sort=received_desc")
        self.assertEqual(links["编号"], "/staff?status=all&sort=number")
        self.assertEqual(links["答复期限"], "/staff?status=all&sort=due")
        page = self.clerk.get("/staff?sort=newest").text
        self.assertIn('<th scope="col" aria-sort="descending"><a href="/staff?sort=number">编号', page)
        # Every row once in the table, and once as a card for phones.
        for rid in ids(self.clerk.queue()):
            self.assertEqual(page.count('href="/staff/requests/%d"' % rid), 2)
        self.assertIn('<option value="received_desc">按收到日期（由晚到早）</option>', page)

    def test_item11_staff_pages_have_their_own_header(self):
        for path in ("/staff", "/staff/requests/%d" % self.old, "/staff/password"):
            with self.subTest(path=path):
                page = self.clerk.get(path).text
                header = re.search(r"<header.*?</header>", page, re.S).group(0)
                self.assertIn('class="site staff-header"', header)
                self.assertIn("退出登录", header)
                self.assertIn("（经办人，", h.text_of(header))
                self.assertNotIn("申请公开", header)
                self.assertEqual(page.count('aria-label="工作人员导航"'), 1)
        citizen = S.get("/apply").text
        self.assertIn("申请公开", re.search(r"<header.*?</header>", citizen, re.S).group(0))
        self.assertNotIn("staff-header", citizen)

    def test_item11_export_link_keeps_the_sort_and_mine(self):
        page = self.clerk.get("/staff?sort=received&mine=1").text
        link = html.unescape(re.search(r'href="(/api/v1/requests/export\.csv\?[^"]+)"', page).group(1))
        self.assertIn("sort=received", link)
        self.assertIn("mine=1", link)
        r = self.clerk.get(link)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("X-Export-Rows"), "1")


class CalendarMissingTest(unittest.TestCase):
    """Item 12 at a fixed instant (tests/at.sh), whatever today is."""

    def test_item12_provisional_due_dates_and_the_banner(self):
        r = subprocess.run([os.path.join(ROOT, "tests", "at.sh"), CALENDAR_MISSING_INSTANT, sys.executable,
                            os.path.join(HERE, "run.py"), "at_calendar_missing.py"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        self.assertIn("e2e: 3 passed, 0 failed, 0 skipped", r.stdout)


if __name__ == "__main__":
    unittest.main()
