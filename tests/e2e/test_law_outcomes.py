"""Issue 11, item 5: outcomes only with their preconditions, and item 2:
extensions only within the first 20 working days (Art. 33 ¶2).

- `unable_unclear` only after a 补正 was asked and answered (Art. 30);
- `reject_mass` only after the applicant was asked to state reasons
  (`ask_reasons`, with a period that stops the clock) and answered or let
  the period pass; a reasonable mass request can instead get a longer,
  stated deadline (`set_deadline`, the head's approval, its notice)
  (Art. 35);
- `deny_query` (Art. 36(7)) is a 告知 that names the channel to use
  (`channel_info`, required), still counted in table 三 row 8;
- an extension proposed or approved after the due date is refused (409
  naming the rule), and the request stays overdue.
On a stack of its own."""

import datetime
import tempfile
import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def days_ago(n):
    return str(h.today() - datetime.timedelta(days=n))


def notice(j, kind):
    return [n for n in j["notices"] if n["kind"] == kind][-1]["body"]


class UnableUnclearTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "uu")
        cls.clerk = h.Staff(S, cls.agency)

    def reply(self, rid, expect=200):
        return self.clerk.act(rid, "reply", {"outcome": "unable_unclear", "text": "仍不明确"},
                              expect=expect)

    def test_item5_unable_unclear_without_supplement_is_409(self):
        rid = self.clerk.register()
        e = self.reply(rid, expect=409)
        self.assertIn("补正", e["error"])
        self.assertIn("第三十条", e["error"])
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")

    def test_item5_unable_unclear_while_supplement_unanswered_is_409(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "supplement", {"what": "请写明文件名称"})
        # Not answered: the request waits for it (no reply step at all).
        self.reply(rid, expect=409)

    def test_item5_unable_unclear_after_supplement_answered(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "supplement", {"what": "请写明文件名称"})
        self.clerk.act(rid, "supplement_answered", {"text": "补充：某某文件"})
        j = self.reply(rid)
        self.assertEqual(j["status"], "answered")
        self.assertEqual(j["outcome"], "unable_unclear")


class ExtensionAfterDueTest(unittest.TestCase):
    """Item 2 (Art. 33 ¶2): consent and notice within the first 20 days."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "ex")
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")

    def overdue(self):
        # Received 60 days ago: well past 20 working days.
        rid = self.clerk.register(received_on=days_ago(60))
        j = self.clerk.request(rid)
        self.assertTrue(j["due_on"] < str(h.today()), j["due_on"])
        return rid

    def assert_rule(self, e):
        self.assertIn("第三十三条", e["error"])
        self.assertIn("期限届满后不能再延期", e["error"])

    def test_item2_propose_after_due_is_409(self):
        rid = self.overdue()
        due = self.clerk.request(rid)["due_on"]
        self.assert_rule(self.clerk.act(rid, "extend", {"reason": "情况复杂"}, expect=409))
        j = self.clerk.request(rid)
        self.assertEqual(j["due_on"], due)
        self.assertNotIn("extension_proposed", h.events(S, rid))

    def test_item2_approve_after_due_is_409_and_stays_overdue(self):
        # Proposed on the last day (or, on a rest day, while the due date
        # is still ahead); then the calendar makes the plain weekend days
        # of the period working days (a 调休 schedule imported late), so
        # the due date moves before today when the head approves.
        today = h.today()
        received = next(d for d in (today - datetime.timedelta(days=n) for n in range(45, 0, -1))
                        if h.workdays_add(S, d, 20) >= str(today))
        rid = self.clerk.register(received_on=str(received))
        self.clerk.act(rid, "extend", {"reason": "情况复杂", "days": 20})
        listed = set(S.psql("SELECT string_agg(day::text, ',') FROM holidays").split(","))
        days = [received + datetime.timedelta(days=n) for n in range(1, (today - received).days)]
        weekend = [str(d) for d in days if d.weekday() >= 5 and str(d) not in listed]
        self.assertGreaterEqual(len(weekend), 2)
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("date,kind,name\n" + "".join("%s,workday,测试调休\n" % d for d in weekend))
        r = S.ysqgk("holidays", "import", f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        before = self.clerk.request(rid)
        self.assertTrue(before["due_on"] < str(h.today()), before["due_on"])
        self.assert_rule(self.head.act(rid, "approve_extension", {}, expect=409))
        after = self.clerk.request(rid)
        self.assertEqual(after["due_on"], before["due_on"])
        self.assertNotIn("extension_approved", h.events(S, rid))
        self.assertEqual([n for n in after["notices"] if n["kind"] == "extension"], [])
        rows = {r["id"]: r for r in self.clerk.queue("?overdue=1")["requests"]}
        self.assertIn(rid, rows)
        self.assertTrue(rows[rid]["overdue"])


if __name__ == "__main__":
    unittest.main()
