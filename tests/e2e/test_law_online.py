"""Issue 11, item 3: online submissions have a clock too. An unconfirmed
submission past its confirm-by day (the agency's `confirm_workdays`,
default 2 working days) is overdue work: marked in the queue, on the
request page and in `ysqgk deadlines`. Discarding takes a reason code;
discarded ones have their own page; a petition gets a written reply
(reject_petition); an appeal can be recorded against any request. On a
stack of its own."""

import datetime
import json
import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def shift_submission(rid, day):
    S.psql("UPDATE requests SET submitted_at = '%s 10:00+08' WHERE id = %d" % (day, rid))


def days_ago(n):
    return h.today() - datetime.timedelta(days=n)


class ConfirmWindowTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "cw")
        cls.clerk = h.Staff(S, cls.agency)
        # 40 calendar days back: past 2 working days whatever the holidays.
        cls.late, cls.late_no, _ = h.submit_online(S, cls.agency)
        shift_submission(cls.late, days_ago(40))
        cls.fresh, cls.fresh_no, _ = h.submit_online(S, cls.agency)

    def row(self, rid):
        rows = [r for r in self.clerk.queue("?agency=%s" % self.agency)["requests"] if r["id"] == rid]
        self.assertEqual(len(rows), 1)
        return rows[0]

    def test_queue_marks_the_late_one(self):
        late = self.row(self.late)
        self.assertTrue(late["confirm_overdue"])
        self.assertEqual(late["confirm_by"], h.workdays_add(S, days_ago(40), 2))
        self.assertFalse(self.row(self.fresh)["confirm_overdue"])
        page = self.clerk.get("/staff?agency=%s" % self.agency)
        self.assertIn("逾期未确认", h.text_of(page.text))

    def test_request_page_shows_it(self):
        j = self.clerk.request(self.late)
        self.assertTrue(j["confirm_window"]["overdue"])
        self.assertEqual(j["confirm_window"]["workdays"], 2)
        self.assertFalse(self.clerk.request(self.fresh)["confirm_window"]["overdue"])
        page = h.text_of(self.clerk.get("/staff/requests/%d" % self.late).text)
        self.assertIn("已逾期未确认", page)

    def test_deadlines_counts_it(self):
        r = S.ysqgk("deadlines")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = [l for l in r.stdout.splitlines() if self.late_no in l]
        self.assertEqual(len(lines), 1, r.stdout)
        self.assertIn("UNCONFIRMED", lines[0])
        self.assertNotIn(self.fresh_no, r.stdout)
        self.assertRegex(r.stdout, r"[1-9]\d* online submission\(s\) not confirmed in time")

    def test_agency_setting_lengthens_it(self):
        agency = h.new_agency(S, "cx")
        S.psql("UPDATE agencies SET settings = settings || '{\"confirm_workdays\": 20}'"
               " WHERE code = '%s'" % agency)
        clerk = h.Staff(S, agency)
        rid, _, _ = h.submit_online(S, agency)
        shift_submission(rid, days_ago(3))
        w = clerk.request(rid)["confirm_window"]
        self.assertEqual(w["workdays"], 20)
        self.assertFalse(w["overdue"])
        self.assertEqual(w["confirm_by"], h.workdays_add(S, days_ago(3), 20))

    def test_confirmed_in_time_leaves_no_mark(self):
        rid, _, _ = h.submit_online(S, self.agency)
        self.clerk.act(rid, "confirm")
        self.assertNotIn("confirm_window", self.clerk.request(rid))


class DiscardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "dc")
        cls.clerk = h.Staff(S, cls.agency)

    def test_discard_needs_a_known_reason_code(self):
        rid, _, _ = h.submit_online(S, self.agency)
        e = self.clerk.act(rid, "discard", {"reason": "信访"}, expect=422)
        self.assertEqual(e["field"], "reason_code")
        self.assertIn("书面答复", e["error"])
        e = self.clerk.act(rid, "discard", {"reason_code": "petition"}, expect=422)
        self.assertEqual(e["field"], "reason_code")
        self.assertEqual(h.row(S, rid, "status")["status"], "submitted")
        self.clerk.act(rid, "discard", {"reason_code": "duplicate", "reason": "重复提交"})
        data = json.loads(S.psql("SELECT data FROM request_events WHERE request_id = %d"
                                 " AND action = 'discarded'" % rid))
        self.assertEqual(data["reason_code"], "duplicate")

    def test_discarded_page_lists_them(self):
        rid, no, _ = h.submit_online(S, self.agency)
        self.clerk.act(rid, "discard", {"reason_code": "test", "reason": "内部测试"})
        kept, kept_no, _ = h.submit_online(S, self.agency)
        r = self.clerk.get("/api/v1/discarded?agency=%s" % self.agency)
        self.assertEqual(r.status, 200)
        rows = {x["tracking_no"]: x for x in r.json()["requests"]}
        self.assertEqual(rows[no]["reason_code"], "test")
        self.assertNotIn(kept_no, rows)
        page = h.text_of(self.clerk.get("/staff/discarded?agency=%s" % self.agency).text)
        self.assertIn(no, page)
        self.assertIn("测试提交", page)
        self.assertIn("内部测试", page)

    def test_petition_gets_a_written_reply_and_is_counted(self):
        rid, _, _ = h.submit_online(S, self.agency)
        self.clerk.act(rid, "confirm")
        j = self.clerk.act(rid, "reply", {"outcome": "reject_petition", "text": "您反映的问题属于信访事项，请向信访部门提出。"})
        self.assertEqual(j["status"], "answered")
        self.assertEqual(h.row(S, rid, "outcome")["outcome"], "reject_petition")
        self.assertIn("notices", self.clerk.request(rid))

    def test_appeal_against_unconfirmed_and_discarded(self):
        # Non-performance: no reply at all can be challenged (table 四).
        pending, _, _ = h.submit_online(S, self.agency)
        self.assertIn("appeal", self.clerk.request(pending)["actions"])
        self.clerk.act(pending, "appeal", {"kind": "review", "filed_on": str(h.today())})
        gone, _, _ = h.submit_online(S, self.agency)
        self.clerk.act(gone, "discard", {"reason_code": "empty"})
        self.clerk.act(gone, "appeal", {"kind": "suit_direct", "filed_on": str(h.today()),
                                        "result": "corrected", "decided_on": str(h.today())})
        n = S.psql("SELECT count(*) FROM appeals WHERE request_id IN (%d, %d)" % (pending, gone))
        self.assertEqual(n, "2")
        e = self.clerk.act(pending, "appeal", {"kind": "review", "filed_on": str(days_ago(400))},
                           expect=422)
        self.assertEqual(e["field"], "filed_on")


if __name__ == "__main__":
    unittest.main()
