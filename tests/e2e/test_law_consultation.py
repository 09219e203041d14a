"""Issue 11, item 7: a consultation (征求意见书, Arts. 32, 34) records when
it was sent and when the party received it; the party's 15 working days
run from receipt, and silence is recorded only after them; the time spent
consulting is not counted in the reply period (Art. 33 ¶3), also for a
consultation sent on the due day itself. On a stack of its own."""

import datetime
import os
import subprocess
import sys
import unittest

import test_citizen_helpers as ch
import test_staff_common as h

S = None
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# A Monday after the example's dates, 10:00 in Beijing.
DUE_DAY_INSTANT = "2026-12-07T10:00+08:00"


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


class ConsultationOnDueDayTest(unittest.TestCase):
    """The issue's own example, whose dates must lie in the past: the
    example runs in at_due_day.py with the whole stack's clock at a fixed
    instant after them (tests/at.sh), whatever today is."""

    def test_item7_consultation_sent_on_due_day_excludes_its_time(self):
        r = subprocess.run([os.path.join(ROOT, "tests", "at.sh"), DUE_DAY_INSTANT, sys.executable,
                            os.path.join(HERE, "run.py"), "at_due_day.py"],
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout[-3000:] + r.stderr[-2000:])
        self.assertIn("e2e: 1 passed, 0 failed, 0 skipped", r.stdout)


class ConsultationReceiptTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "cr")
        cls.clerk = h.Staff(S, cls.agency)

    def test_item7_posted_consultation_counts_from_the_party_receipt(self):
        # Received Fri 2024-09-27 (due 30 October). A consultation posted
        # Mon 30 September: until its receipt is known its window has not
        # started, and silence cannot be recorded.
        rid = self.clerk.register("2024-09-27")
        j = self.clerk.act(rid, "consult", {"party": "某某公司", "date": "2024-09-30", "backdate_reason": "补登",
                                            "delivery": "post"})
        c = j["consultations"][0]
        self.assertEqual((c["sent_on"], c["delivery"]), ("2024-09-30", "post"))
        self.assertNotIn("party_received_on", c)
        self.assertNotIn("due_on", c)
        e = self.clerk.act(rid, "consult_answered", {"result": "silence"}, expect=409)
        self.assertIn("自对方收到之日起算", e["error"])
        self.assertIn("第三十二条", e["error"])
        page = h.text_of(self.clerk.get("/staff/requests/%d" % rid).text)
        self.assertIn("对方收到日期尚未记录", page)
        self.assertIn("记录对方收到征求意见书的日期", page)
        # The receipt: not before it was sent, not after today, once.
        e = self.clerk.act(rid, "consult_received", {"date": "2024-09-29"}, expect=422)
        self.assertEqual(e["field"], "date")
        e = self.clerk.act(rid, "consult_received", {"date": str(h.today() + datetime.timedelta(days=1))},
                           expect=422)
        self.assertEqual(e["field"], "date")
        self.clerk.act(rid, "consult_received", {}, expect=422)
        # Signed for Thu 10 October: 15 working days from then, 10-11 (1),
        # Sat 10-12 worked (2), 10-14..18 (7), 10-21..25 (12), 10-28..30
        # (15): Wed 30 October — counted from the day sent it would have
        # been 25 October.
        j = self.clerk.act(rid, "consult_received", {"date": "2024-10-10"})
        self.assertEqual(j["status"], "consulting")
        c = j["consultations"][0]
        self.assertEqual((c["party_received_on"], c["due_on"]), ("2024-10-10", "2024-10-30"))
        self.assertEqual(h.events(S, rid)[-1], "consult_received")
        e = self.clerk.act(rid, "consult_received", {"date": "2024-10-11"}, expect=409)
        self.assertIn("已记录", e["error"])
        # 30 October is long past: silence now stands, on that day; the
        # clock stood still from the sending: (09-30, 10-30] is 18 working
        # days, so the reply is due 18 working days after 30 October:
        # 10-31, 11-01 (2), 11-04..08 (7), 11-11..15 (12), 11-18..22 (17),
        # 11-25 (18).
        j = self.clerk.act(rid, "consult_answered", {"result": "silence"})
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["consultations"][0]["result"], "silence")
        self.assertEqual(j["deadline"]["paused_workdays"], 18)
        self.assertEqual(j["due_on"], "2024-11-25")

    def test_item7_silence_only_after_the_window_from_receipt(self):
        # Sent today by post, received today: the window ends 15 working
        # days on, and silence before then is refused, naming the rule.
        today = str(h.today())
        rid = self.clerk.register()
        j = self.clerk.act(rid, "consult", {"party": "乙公司", "delivery": "post",
                                            "party_received_on": today})
        c = j["consultations"][0]
        due = h.workdays_add(S, today, 15)
        self.assertEqual((c["party_received_on"], c["due_on"]), (today, due))
        e = self.clerk.act(rid, "consult_answered", {"result": "silence"}, expect=409)
        self.assertIn("第三十二条、第三十四条", e["error"])
        self.assertIn("届满后才能记录逾期未答复", e["error"])
        # An answer the party actually gave is recorded at once.
        j = self.clerk.act(rid, "consult_answered", {"result": "objection", "answer": "不同意"})
        self.assertEqual(j["status"], "in_progress")

    def test_item7_delivered_on_the_spot_or_online_received_the_day_sent(self):
        rid = self.clerk.register("2024-09-27")
        for delivery in ("in_person", "online"):
            e = self.clerk.act(rid, "consult", {"party": "丙机关", "kind": "co_author",
                                                "date": "2024-09-30", "backdate_reason": "补登", "delivery": delivery,
                                                "party_received_on": "2024-10-08"}, expect=422)
            self.assertEqual(e["field"], "party_received_on")
        e = self.clerk.act(rid, "consult", {"party": "丙机关", "delivery": "fax"}, expect=422)
        self.assertEqual(e["field"], "delivery")
        e = self.clerk.act(rid, "consult", {"party": "丙机关", "date": "2024-09-30", "backdate_reason": "补登",
                                            "delivery": "post", "party_received_on": "2024-09-29"},
                           expect=422)
        self.assertEqual(e["field"], "party_received_on")
        j = self.clerk.act(rid, "consult", {"party": "丙机关", "kind": "co_author",
                                            "date": "2024-09-30", "backdate_reason": "补登", "delivery": "online"})
        c = j["consultations"][0]
        # 15 working days after 30 September: 8-12 (5, the 12th a worked
        # Saturday), 14-18 (10), 21-25 (15) October.
        self.assertEqual((c["party_received_on"], c["due_on"]), ("2024-09-30", "2024-10-25"))
        # Nothing to record: the receipt is known.
        self.clerk.act(rid, "consult_received", {"date": "2024-10-01"}, expect=409)

    def test_item7_exclusion_cites_article_33_paragraph_3(self):
        client = ch.Client(S)
        no, code = client.apply(self.agency, ch.person())
        rid = h.request_id(S, no)
        self.clerk.act(rid, "confirm")
        self.clerk.act(rid, "consult", {"party": "丁公司"})
        status = h.text_of(client.lookup(no, code).text)
        self.assertIn("所需时间不计入答复期限（条例第三十三条第三款）", status)
        page = h.text_of(self.clerk.get("/staff/requests/%d" % rid).text)
        self.assertIn("征求意见所需时间：条例第三十三条第三款", page)
        self.assertIn("所需时间不计入答复期限，条例第三十三条第三款", page)
        for text in (status, page):
            self.assertNotIn("不计入（条例第三十二条、第三十四条）", text)
            self.assertNotIn("不计入答复期限（条例第三十二条、第三十四条）", text)


if __name__ == "__main__":
    unittest.main()
