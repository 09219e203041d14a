"""Issue 11, item 7, the issue's example: run by
test_law_consultation.ConsultationOnDueDayTest under tests/at.sh at an
instant after its dates (a step cannot be dated in the future). Named
without the test_ prefix so that the whole suite does not run it at the
real date."""

import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


class DueDayTest(unittest.TestCase):
    def test_item7_consultation_sent_on_due_day_excludes_its_time(self):
        clerk = h.Staff(S, h.new_agency(S, "cq"))
        # Received Tue 2026-11-03: 20 working days end Tue 12-01 (11-04..06,
        # 09..13, 16..20, 23..27, 30, 12-01). A consultation sent on 12-01,
        # still in time, answered Fri 12-04: (12-01, 12-04] = 3 working days
        # are not counted (Art. 33 ¶3): due 12-04, not overdue.
        self.assertGreaterEqual(h.today().isoformat(), "2026-12-04")
        rid = clerk.register("2026-11-03")
        self.assertEqual(clerk.request(rid)["due_on"], "2026-12-01")
        j = clerk.act(rid, "consult", {"party": "某某公司", "date": "2026-12-01"})
        self.assertEqual(j["status"], "consulting")
        j = clerk.act(rid, "consult_answered",
                      {"result": "consent", "answer": "同意", "date": "2026-12-04"})
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["due_on"], "2026-12-04")
        self.assertEqual(j["deadline"]["paused_workdays"], 3)
