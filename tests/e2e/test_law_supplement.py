"""Issue 11, item 4 (Art. 30): staff accept a supplement after its
answer-by date with a good reason (正当理由) while the request is open, and
reopen one closed as other_no_supplement within 60 days: the closing and
its notice are annulled, the clock restarts from the supplement's receipt,
and the eventual reply concludes it. On a stack of its own."""

import datetime
import json
import unittest

import test_staff_common as h
from test_report_helpers import report

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def days_ago(n):
    return str(h.today() - datetime.timedelta(days=n))


class LateSupplementTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "ls")
        cls.clerk = h.Staff(S, cls.agency)

    def awaiting_past_due(self):
        """A request whose 补正 period ended three days ago."""
        rid = self.clerk.register()
        self.clerk.act(rid, "supplement", {"what": "请补充所需信息的名称"})
        S.psql("UPDATE supplements SET asked_on = '%s', answer_by = '%s' WHERE request_id = %d"
               % (days_ago(10), days_ago(3), rid))
        return rid

    def test_late_supplement_needs_a_reason(self):
        rid = self.awaiting_past_due()
        e = self.clerk.act(rid, "supplement_answered", {"text": "补充如下"}, expect=422)
        self.assertEqual(e["field"], "late_reason")
        self.assertIn("正当理由", e["error"])
        j = self.clerk.act(rid, "supplement_answered",
                           {"text": "补充如下", "late_reason": "申请人住院，有医院证明"})
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["due_on"], h.workdays_add(S, h.today(), 20))
        self.assertIn("申请人住院", S.psql(
            "SELECT data->>'late_reason' FROM request_events WHERE request_id = %d"
            " AND action = 'supplement_received'" % rid))

    def test_reopen_a_closing_for_want_of_supplement(self):
        rid = self.awaiting_past_due()
        r = S.ysqgk("deadlines")
        self.assertEqual(r.returncode, 0, r.stderr)
        closed = h.row(S, rid, "status, outcome, concluded_on")
        self.assertEqual((closed["status"], closed["outcome"]), ("closed", "other_no_supplement"))
        page = self.clerk.request(rid)
        self.assertIn("supplement_answered", page["actions"])
        # The closing year's report as published (stored as publishing
        # stores it): the reopening shows as a difference, a 更正版 due.
        year = int(closed["concluded_on"][:4])
        agency = h.new_agency(S, "lp")
        S.psql("UPDATE requests SET agency_id = (SELECT id FROM agencies WHERE code = '%s')"
               " WHERE id = %d" % (agency, rid))
        clerk = self.clerk
        self.clerk = h.Staff(S, agency)
        published = report(S, agency, year)
        self.assertEqual(published["table3"]["other_no_supplement"]["total"], 1)
        S.psql("INSERT INTO report_snapshots (agency_id, year, content) SELECT id, %d, '%s'"
               " FROM agencies WHERE code = '%s'"
               % (year, json.dumps(published, ensure_ascii=False).replace("'", "''"), agency))
        e = self.clerk.act(rid, "supplement_answered", {"text": "补充"}, expect=422)
        self.assertEqual(e["field"], "late_reason")
        j = self.clerk.act(rid, "supplement_answered",
                           {"text": "补充", "late_reason": "邮件被退回，已核实"})
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["due_on"], h.workdays_add(S, h.today(), 20))
        self.assertEqual(h.row(S, rid, "outcome, concluded_on"),
                         {"outcome": None, "concluded_on": None})
        notice = S.psql("SELECT annulled_on, annulled_by_seq IS NOT NULL FROM notices"
                        " WHERE request_id = %d AND kind = 'other'" % rid)
        self.assertEqual(notice, "%s|t" % h.today())
        text = h.text_of(self.clerk.get("/staff/requests/%d" % rid).text)
        self.assertIn("撤销", text)
        diffs = report(S, agency, year)["differences"]
        self.assertIn(("table3", "other_no_supplement", 1, 0),
                      {(d["table"], d["row"], d["published"], d["current"]) for d in diffs
                       if d["column"] == "total"}, diffs)
        # The eventual reply concludes it.
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "予以公开。"})
        self.assertEqual(h.row(S, rid, "status, outcome, concluded_on"),
                         {"status": "answered", "outcome": "disclosed",
                          "concluded_on": str(h.today())})
        self.clerk = clerk

    def test_reopen_only_within_60_days_and_by_staff(self):
        rid = self.awaiting_past_due()
        self.assertEqual(S.ysqgk("deadlines").returncode, 0)
        S.psql("UPDATE requests SET received_on = '%s', concluded_on = '%s' WHERE id = %d"
               % (days_ago(100), days_ago(61), rid))
        e = self.clerk.act(rid, "supplement_answered",
                           {"text": "补充", "late_reason": "理由"}, expect=409)
        self.assertIn("60", e["error"])
        self.assertNotIn("supplement_answered", self.clerk.request(rid)["actions"])
        # A closing for an unpaid fee is not reopened this way.
        other = self.clerk.register()
        S.psql("UPDATE requests SET status = 'closed', outcome = 'other_no_fee',"
               " concluded_on = received_on WHERE id = %d" % other)
        self.clerk.act(other, "supplement_answered",
                       {"text": "补充", "late_reason": "理由"}, expect=409)


if __name__ == "__main__":
    unittest.main()
