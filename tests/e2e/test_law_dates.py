"""Issue 11, items 8 and 9: the dates a step may carry, and the fee
notice's period from its delivery.

Item 8: a step is never dated before the previous step nor after today; a
date more than `backdate_workdays` (agency setting, default 5) working
days back needs `backdate_reason` (the registration's `received_on` too)
and is marked in the queue and the log; a date in a year whose report is
published is entered only by the head and shows as a difference calling
for a 更正版.

Item 9: the fee notice states "自收到本通知之日起20个工作日内"; `pay_by`
follows from the delivery (the day issued, handed over or online; entered
with `fee_notice_delivered` for a posted one) and stays empty until then,
so nothing closes the request. On a stack of its own; dates are relative
to Beijing's today, so it passes on any day."""

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


def agency_set(code, key, value):
    r = S.ysqgk("agency", "set", code, key, value)
    assert r.returncode == 0, r.stderr


def publish_as_is(agency, year):
    """Stores the year's report as publishing stores it."""
    content = json.dumps(report(S, agency, year), ensure_ascii=False).replace("'", "''")
    S.psql("INSERT INTO report_snapshots (agency_id, year, content) SELECT id, %d, '%s'"
           " FROM agencies WHERE code = '%s'" % (year, content, agency))


def event_data(rid, action):
    out = S.psql("SELECT data::text FROM request_events WHERE request_id = %d AND action = '%s'"
                 " ORDER BY seq DESC LIMIT 1" % (rid, action))
    return json.loads(out) if out else None


class BackdateBoundsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "bd")
        cls.clerk = h.Staff(S, cls.agency)

    def test_item8_step_not_before_the_previous_step(self):
        # Received three days ago, consulted yesterday, answered yesterday:
        # a reply dated two days ago is after the receipt but before the
        # consultation's answer.
        rid = self.clerk.register(days_ago(3))
        self.clerk.act(rid, "consult", {"party": "某某公司", "date": days_ago(1)})
        self.clerk.act(rid, "consult_answered",
                       {"result": "consent", "answer": "同意", "date": days_ago(1)})
        e = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": days_ago(2)},
                           expect=422)
        self.assertEqual(e["field"], "date")
        self.assertIn("上一办理步骤", e["error"])
        y, m, d = (int(x) for x in days_ago(1).split("-"))
        self.assertIn("%d年%d月%d日" % (y, m, d), e["error"])
        # Nor after today.
        e = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x",
                                          "date": days_ago(-1)}, expect=422)
        self.assertEqual(e["field"], "date")
        j = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": days_ago(1)})
        self.assertEqual(j["concluded_on"], days_ago(1))

    def test_item8_far_back_step_needs_a_reason_and_is_marked(self):
        # Twenty calendar days hold more than five working days, whatever
        # the holidays.
        rid = self.clerk.register(days_ago(30))
        self.assertTrue(h.row(S, rid, "late_entry")["late_entry"])
        fresh = self.clerk.register()
        self.assertFalse(h.row(S, fresh, "late_entry")["late_entry"])
        e = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": days_ago(20)},
                           expect=422)
        self.assertEqual(e["field"], "backdate_reason")
        self.assertIn("补登理由", e["error"])
        self.assertIn("5个工作日", e["error"])
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": days_ago(20),
                                      "backdate_reason": "经办人休假，纸质答复已于当日送达"})
        data = event_data(rid, "replied")
        self.assertEqual(data["backdate_reason"], "经办人休假，纸质答复已于当日送达")
        self.assertGreater(data["backdated_workdays"], 5)
        # The queue and the request page mark it; the log shows the reason.
        rows = {r["id"]: r for r in self.clerk.queue("?status=all")["requests"]}
        self.assertTrue(rows[rid]["late_entry"])
        self.assertFalse(rows[fresh]["late_entry"])
        page = h.text_of(self.clerk.get("/staff/requests/%d" % rid).text)
        self.assertIn("补登理由", page)
        self.assertIn("经办人休假", page)
        queue = h.text_of(self.clerk.get("/staff?agency=%s&status=all" % self.agency).text)
        self.assertIn("超期补登", queue)

    def test_item8_registration_received_on_needs_a_reason(self):
        body = h.applicant(channel="post", received_on=days_ago(30))
        body.pop("declaration", None)
        r = self.clerk.post_json("/api/v1/agencies/%s/requests" % self.agency, body)
        self.assertEqual(r.status, 422, r)
        self.assertIn("backdate_reason", r.json()["errors"])
        body["backdate_reason"] = "纸质台账补录"
        r = self.clerk.post_json("/api/v1/agencies/%s/requests" % self.agency, body)
        self.assertEqual(r.status, 201, r)
        rid = h.request_id(S, r.json()["tracking_no"])
        self.assertEqual(event_data(rid, "registered")["backdate_reason"], "纸质台账补录")
        # Yesterday is within five working days: no reason asked.
        self.clerk.register(days_ago(1), backdate_reason="")

    def test_item8_confirming_an_old_submission_needs_a_reason(self):
        rid, _, _ = h.submit_online(S, self.agency)
        S.psql("UPDATE requests SET submitted_at = now() - interval '40 days' WHERE id = %d" % rid)
        e = self.clerk.act(rid, "confirm", {"date": days_ago(30)}, expect=422)
        self.assertEqual(e["field"], "backdate_reason")
        self.clerk.act(rid, "confirm", {"date": days_ago(30), "backdate_reason": "系统故障期间收到"})
        self.assertEqual(h.row(S, rid, "received_on, late_entry"),
                         {"received_on": days_ago(30), "late_entry": True})
        self.assertEqual(event_data(rid, "confirmed")["backdate_reason"], "系统故障期间收到")

    def test_item8_the_agency_sets_the_bound(self):
        agency = h.new_agency(S, "bw")
        clerk = h.Staff(S, agency)
        agency_set(agency, "backdate_workdays", "60")
        body = h.applicant(channel="post", received_on=days_ago(30))
        body.pop("declaration", None)
        r = clerk.post_json("/api/v1/agencies/%s/requests" % agency, body)
        self.assertEqual(r.status, 201, r)
        rid = h.request_id(S, r.json()["tracking_no"])
        self.assertFalse(h.row(S, rid, "late_entry")["late_entry"])
        agency_set(agency, "backdate_workdays", "0")
        body["received_on"] = days_ago(20)
        r = clerk.post_json("/api/v1/agencies/%s/requests" % agency, body)
        self.assertEqual(r.status, 422, r)
        self.assertIn("0个工作日", r.json()["errors"]["backdate_reason"])
        rid = clerk.register(days_ago(20), backdate_reason="补录")
        e = clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": days_ago(20)},
                      expect=422)
        self.assertEqual(e["field"], "backdate_reason")
        self.assertIn("0个工作日", e["error"])


class PublishedYearTest(unittest.TestCase):
    def test_item8_a_published_year_takes_the_head_and_shows_a_difference(self):
        agency = h.new_agency(S, "py")
        clerk = h.Staff(S, agency)
        head = h.Staff(S, agency, role="head")
        year = h.today().year - 1
        publish_as_is(agency, year)
        received, replied = "%d-12-01" % year, "%d-12-10" % year
        body = h.applicant(channel="post", received_on=received, backdate_reason="年底台账补录")
        body.pop("declaration", None)
        r = clerk.post_json("/api/v1/agencies/%s/requests" % agency, body)
        self.assertEqual(r.status, 422, r)
        self.assertIn("received_on", r.json()["errors"])
        self.assertIn("负责人", r.json()["errors"]["received_on"])
        self.assertIn("更正版", r.json()["errors"]["received_on"])
        rid = head.register(received, backdate_reason="年底台账补录")
        self.assertEqual(event_data(rid, "registered")["published_report_year"], year)
        e = clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": replied,
                                     "backdate_reason": "补登"}, expect=403)
        self.assertEqual(e["field"], "date")
        self.assertIn("负责人", e["error"])
        head.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": replied,
                                "backdate_reason": "补登"})
        self.assertEqual(event_data(rid, "replied")["published_report_year"], year)
        # The published report now differs: a 更正版 is due.
        diffs = report(S, agency, year)["differences"]
        self.assertIn(("table3", "disclosed", 0, 1),
                      {(d["table"], d["row"], d["published"], d["current"]) for d in diffs
                       if d["column"] == "total"}, diffs)
        # This year's dates are not affected by last year's report.
        rid = clerk.register()
        clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x"})


class FeeDeliveryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "fd")
        cls.clerk = h.Staff(S, cls.agency)

    def fee_notice(self, rid, **kw):
        return self.clerk.act(rid, "fee_notice", dict({"method": "per_page", "pages": 40}, **kw))

    def test_item9_handed_over_the_period_runs_from_the_day_issued(self):
        rid = self.clerk.register()
        j = self.fee_notice(rid)
        fee = j["fees"][0]
        self.assertEqual(fee["delivery"], "handed")
        self.assertEqual(fee["delivered_on"], str(h.today()))
        self.assertEqual(fee["pay_by"], h.workdays_add(S, h.today(), 20))
        body = [n for n in j["notices"] if n["kind"] == "fee"][-1]["body"]
        self.assertIn("请自收到本通知之日起20个工作日内，即于", body)
        self.assertNotIn("fee_notice_delivered", j["actions"])
        e = self.clerk.act(rid, "fee_notice_delivered", {}, expect=409)
        self.assertIn("已于", e["error"])

    def test_item9_shown_online_the_period_runs_from_the_day_issued(self):
        rid, _, _ = h.submit_online(S, self.agency)
        self.clerk.act(rid, "confirm")
        j = self.fee_notice(rid)
        self.assertEqual(j["fees"][0]["delivery"], "online")
        self.assertEqual(j["fees"][0]["pay_by"], h.workdays_add(S, h.today(), 20))

    def test_item9_posted_no_pay_by_until_delivered(self):
        rid = self.clerk.register()
        e = self.clerk.act(rid, "fee_notice", {"method": "per_page", "pages": 40,
                                               "delivery": "post", "pay_by": days_ago(-40)},
                           expect=422)
        self.assertEqual(e["field"], "pay_by")
        e = self.clerk.act(rid, "fee_notice", {"method": "per_page", "pages": 40,
                                               "delivery": "pigeon"}, expect=422)
        self.assertEqual(e["field"], "delivery")
        j = self.fee_notice(rid, delivery="post")
        fee = j["fees"][0]
        self.assertEqual(fee["delivery"], "post")
        self.assertNotIn("pay_by", fee)
        self.assertNotIn("delivered_on", fee)
        body = [n for n in j["notices"] if n["kind"] == "fee"][-1]["body"]
        self.assertIn("请自收到本通知之日起20个工作日内缴纳", body)
        self.assertNotIn("前（含当日）缴纳", body)
        self.assertIn("fee_notice_delivered", j["actions"])
        # Long after the notice, nothing closes the request: its period
        # has not begun.
        S.psql("UPDATE requests SET received_on = received_on - 90 WHERE id = %d" % rid)
        S.psql("UPDATE fees SET notice_on = notice_on - 60 WHERE request_id = %d" % rid)
        r = S.ysqgk("deadlines")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(h.row(S, rid, "status")["status"], "awaiting_fee")
        # Delivered today (the notice's step is dated today): 20 working
        # days from then.
        j = self.clerk.act(rid, "fee_notice_delivered", {})
        fee = j["fees"][0]
        self.assertEqual(fee["delivered_on"], days_ago(0))
        self.assertEqual(fee["pay_by"], h.workdays_add(S, h.today(), 20))
        self.assertEqual(event_data(rid, "fee_notice_delivered")["pay_by"], fee["pay_by"])
        self.assertNotIn("fee_notice_delivered", j["actions"])
        self.clerk.act(rid, "fee_notice_delivered", {"date": days_ago(0)}, expect=409)
        # Now its period runs and ends.
        S.psql("UPDATE fees SET delivered_on = delivered_on - 60, pay_by = pay_by - 60"
               " WHERE request_id = %d" % rid)
        self.assertEqual(S.ysqgk("deadlines").returncode, 0)
        self.assertEqual(h.row(S, rid, "status, outcome"),
                         {"status": "closed", "outcome": "other_no_fee"})

    def test_item9_delivery_not_before_the_notice(self):
        rid = self.clerk.register(days_ago(2))
        self.fee_notice(rid, delivery="post")
        e = self.clerk.act(rid, "fee_notice_delivered", {"date": days_ago(1)}, expect=422)
        self.assertEqual(e["field"], "date")
        page = h.text_of(self.clerk.get("/staff/requests/%d" % rid).text)
        self.assertIn("记录收费通知送达", page)
        self.assertIn("待录入送达日期", page)


if __name__ == "__main__":
    unittest.main()
