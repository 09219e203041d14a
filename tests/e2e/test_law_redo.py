"""Issue 11, item 6: an appeal decided `corrected` with an order to answer
again reopens the request (redo): a new due date (the decision's period,
default 20 working days from its receipt), a new reply and notice. Table
三 counts the first reply only; table 四 counts the correction. On a stack
of its own."""

import unittest

import test_staff_common as h
from test_report_helpers import report

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


REPLY = {"outcome": "disclosed", "text": "予以公开，见附件。"}


class RedoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "rd")
        cls.clerk = h.Staff(S, cls.agency)

    def answered(self, clerk=None):
        clerk = clerk or self.clerk
        rid = clerk.register()
        clerk.act(rid, "reply", REPLY)
        return rid

    def test_redo_reopens_counts_first_reply_only(self):
        today = str(h.today())
        agency = h.new_agency(S, "rr")     # alone in its report
        clerk = h.Staff(S, agency)
        rid = self.answered(clerk)
        first = h.row(S, rid, "outcome, concluded_on")
        j = clerk.act(rid, "appeal", {"kind": "review", "filed_on": today})
        appeal = S.psql("SELECT id FROM appeals WHERE request_id = %d" % rid)
        j = clerk.act(rid, "appeal", {"appeal_id": appeal, "result": "corrected",
                                           "decided_on": today, "redo": True})
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["due_on"], h.workdays_add(S, today, 20))
        self.assertEqual(h.events(S, rid)[-1], "redo_ordered")
        self.assertEqual(h.row(S, rid, "outcome, concluded_on"), first)
        self.assertEqual(h.row(S, rid, "redo_on")["redo_on"], today)
        r = clerk.request(rid)
        self.assertIn("reply", r["actions"])
        self.assertTrue(r["deadline"]["redo"])
        # The new reply: recorded, with its notice, not counted again.
        clerk.act(rid, "reply", {"outcome": "partial", "text": "部分公开。",
                                      "withheld": "涉及个人隐私的部分不予公开。"})
        self.assertEqual(h.row(S, rid, "status, outcome, concluded_on"),
                         dict(first, status="answered"))
        self.assertEqual(S.psql("SELECT count(*) FROM notices WHERE request_id = %d"
                                " AND kind = 'reply'" % rid), "2")
        self.assertEqual(h.events(S, rid)[-1], "replied")
        rep = report(S, agency, h.today().year)
        t3 = rep["table3"]
        self.assertEqual(t3["received"]["total"], 1)
        self.assertEqual(t3["disclosed"]["total"], 1)
        self.assertEqual(t3.get("partial", {}).get("total", 0), 0)
        self.assertEqual(t3["carried_out"]["total"], 0)
        self.assertEqual(rep["table4"]["review_corrected"], 1, rep["table4"])

    def test_decision_period_and_receipt(self):
        today = str(h.today())
        rid = self.answered()
        j = self.clerk.act(rid, "appeal", {"kind": "suit_direct", "filed_on": today,
                                           "result": "corrected", "decided_on": today,
                                           "redo": True, "redo_workdays": 15,
                                           "decision_received_on": today})
        self.assertEqual(j["due_on"], h.workdays_add(S, today, 15))
        e = self.clerk.act(rid, "appeal", {"kind": "review", "filed_on": today,
                                           "result": "corrected", "decided_on": today,
                                           "redo": True}, expect=409)
        self.assertEqual(e["field"], "redo")
        e = self.clerk.act(self.answered(), "appeal",
                           {"kind": "review", "filed_on": today, "result": "corrected",
                            "decided_on": today, "redo": True, "redo_workdays": 0},
                           expect=422)
        self.assertEqual(e["field"], "redo_workdays")

    def test_corrected_without_order_stays_answered(self):
        today = str(h.today())
        rid = self.answered()
        j = self.clerk.act(rid, "appeal", {"kind": "review", "filed_on": today,
                                           "result": "corrected", "decided_on": today})
        self.assertEqual(j["status"], "answered")


if __name__ == "__main__":
    unittest.main()
