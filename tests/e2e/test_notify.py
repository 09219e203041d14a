"""Issue 14: messages reach the applicant and staff. Each step the
applicant must know of queues its message in the step's transaction;
`ysqgk notify` delivers them to a real SMTP server (aiosmtpd) and to an
SMS gateway stand-in that checks Tencent's TC3 signature; refusals are
retried, then dead; `ysqgk deadlines` queues reminders and digests once.
On a stack of its own."""

import email.utils
import os
import tempfile
import unittest

import test_staff_common as h
from mailbox import Mailbox
from sms_gateway import SmsGateway

S = None
BOX = None
GATEWAY = None
SECRETS = None

SMS_TEMPLATES = ("received:1001,confirmed:1002,supplement:1003,supplement_due:1004,"
                 "extension:1005,fee:1006,fee_due:1007,reply:1008,closed:1009,withdrawn:1010")


def setUpModule():
    global S, BOX, GATEWAY, SECRETS
    S = h.own_stack()
    BOX = Mailbox().start()
    GATEWAY = SmsGateway().start()
    SECRETS = tempfile.mkdtemp(prefix="ysqgk-notify-")
    for name, value in (("id", GATEWAY.secret_id), ("key", GATEWAY.secret_key)):
        with open(os.path.join(SECRETS, name), "w") as f:
            f.write(value + "\n")


def tearDownModule():
    BOX.close()
    GATEWAY.stop()
    S.stop()


def notify_env(**kw):
    env = {
        "YSQGK_SMTP_URL": BOX.url, "YSQGK_MAIL_FROM": "ysqgk@agency.example.cn",
        "YSQGK_PUBLIC_URL": "https://ysqgk.example.cn",
        "YSQGK_SMS_PROVIDER": "tencent", "YSQGK_SMS_ENDPOINT": GATEWAY.url,
        "YSQGK_SMS_SECRET_ID_FILE": os.path.join(SECRETS, "id"),
        "YSQGK_SMS_SECRET_KEY_FILE": os.path.join(SECRETS, "key"),
        "YSQGK_SMS_APP_ID": "1400000001", "YSQGK_SMS_SIGN_NAME": "示例县政府",
        "YSQGK_SMS_TEMPLATES": SMS_TEMPLATES,
    }
    env.update(kw)
    return env


def notify_once(**kw):
    """Runs the sender until nothing is due; returns the process."""
    return S.ysqgk_env(notify_env(**kw), "notify", "--once")


def messages(rid):
    out = S.psql("SELECT coalesce(json_agg(m ORDER BY id), '[]') FROM (SELECT id, kind, channel,"
                 " state, attempts, sent_to, message_key::text AS key, last_error, staff_id,"
                 " params FROM messages WHERE request_id = %d) m" % rid)
    import json
    return json.loads(out)


def mail_to(address):
    return [m for m in BOX.messages() if address in m.envelope["rcpt_tos"]]


class EmailTest(unittest.TestCase):
    def test_each_step_is_mailed_once_with_its_message_id(self):
        agency = h.new_agency(S, "nm")
        staff = h.Staff(S, agency)
        rid, tracking, code = h.submit_online(S, agency, email="applicant-a@example.com",
                                              notify="email")
        staff.act(rid, "confirm")
        staff.act(rid, "supplement", {"what": "请写明所需文件的年份"})
        r = notify_once()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        queued = messages(rid)
        self.assertEqual([m["kind"] for m in queued], ["received", "confirmed", "supplement"])
        self.assertTrue(all(m["state"] == "sent" for m in queued), queued)
        self.assertEqual(queued[0]["sent_to"], "a***@example.com")

        mails = mail_to("applicant-a@example.com")
        self.assertEqual(len(mails), 3)
        subjects = [str(m["Subject"]) for m in mails]
        self.assertIn(tracking, subjects[0])
        self.assertIn("已受理", subjects[1])
        self.assertIn("补正", subjects[2])
        body = mails[2].get_body().get_content()
        self.assertIn("请写明所需文件的年份", body)
        self.assertIn("https://ysqgk.example.cn/status", body)
        for m in mails:
            # The query code never leaves in a message (issue 14).
            self.assertNotIn(code, m.as_string())
            self.assertNotIn(code.replace("-", ""), m.get_body().get_content())
            self.assertEqual(email.utils.parseaddr(m["From"])[1], "ysqgk@agency.example.cn")
        ids = [m["Message-ID"] for m in mails]
        self.assertEqual(ids, ["<%s@agency.example.cn>" % q["key"] for q in queued])
        # The due date the confirmation names is the request's own.
        due = h.row(S, rid, "due_on")["due_on"]
        y, mo, d = (int(x) for x in due.split("-"))
        self.assertIn("%d年%d月%d日" % (y, mo, d), mails[1].get_body().get_content())

        # Nothing is due any more: a second run sends nothing.
        before = BOX.count()
        r = notify_once()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(BOX.count(), before)

    def test_no_message_for_an_applicant_who_chose_none(self):
        agency = h.new_agency(S, "nn")
        rid, _, _ = h.submit_online(S, agency, notify="none")
        self.assertEqual([m for m in messages(rid) if m["staff_id"] is None], [])

    def test_a_new_submission_alerts_the_clerks_with_an_address(self):
        agency = h.new_agency(S, "na")
        clerk = h.add_user(S, agency)
        r = S.ysqgk("user", "set", clerk, "--email", "clerk-na@example.gov.cn")
        if r.returncode != 0:
            S.psql("UPDATE staff SET email = 'clerk-na@example.gov.cn' WHERE username = '%s'" % clerk)
        h.add_user(S, agency)          # without an address: no alert
        rid, tracking, _ = h.submit_online(S, agency, email=None, notify=None)
        alerts = [m for m in messages(rid) if m["staff_id"] is not None]
        self.assertEqual([m["kind"] for m in alerts], ["new_submission"])
        self.assertEqual(notify_once().returncode, 0)
        mails = mail_to("clerk-na@example.gov.cn")
        self.assertEqual(len(mails), 1)
        self.assertIn(tracking, str(mails[0]["Subject"]))

    def test_a_refused_message_is_retried_then_dead_and_sent_again(self):
        agency = h.new_agency(S, "nr")
        rid, _, _ = h.submit_online(S, agency, email="applicant-r@example.com", notify="email")
        BOX.set_answer(451)
        try:
            r = notify_once()
        finally:
            BOX.set_answer(None)
        self.assertEqual(r.returncode, 1)
        m = [m for m in messages(rid) if m["staff_id"] is None][0]
        self.assertEqual((m["state"], m["attempts"]), ("queued", 1))
        self.assertIn("451", m["last_error"])
        # Not yet due again: the backoff holds it.
        self.assertEqual(notify_once().returncode, 0)
        self.assertEqual(mail_to("applicant-r@example.com"), [])
        # Due now, and past the maximum age: a refusal makes it dead.
        S.psql("UPDATE messages SET next_attempt_at = now(), created_at = now() - interval '3 days'"
               " WHERE id = %d" % m["id"])
        BOX.set_answer(451)
        try:
            notify_once()
        finally:
            BOX.set_answer(None)
        m = [x for x in messages(rid) if x["id"] == m["id"]][0]
        self.assertEqual((m["state"], m["attempts"]), ("dead", 2))
        # Sent again by staff (requeued): delivered, with the same identity.
        S.psql("UPDATE messages SET state = 'queued', attempts = 0, next_attempt_at = now(),"
               " requeued_at = now() WHERE id = %d" % m["id"])
        self.assertEqual(notify_once().returncode, 0)
        mails = mail_to("applicant-r@example.com")
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails[0]["Message-ID"], "<%s@agency.example.cn>" % m["key"])

    def test_a_permanent_refusal_is_dead_at_once(self):
        agency = h.new_agency(S, "np")
        rid, _, _ = h.submit_online(S, agency, email="applicant-p@example.com", notify="email")
        BOX.set_answer(550)
        try:
            notify_once()
        finally:
            BOX.set_answer(None)
        m = [m for m in messages(rid) if m["staff_id"] is None][0]
        self.assertEqual((m["state"], m["attempts"]), ("dead", 1))
        self.assertIn("550", m["last_error"])


class SmsTest(unittest.TestCase):
    def test_steps_reach_the_gateway_signed_with_their_template(self):
        agency = h.new_agency(S, "ns")
        staff = h.Staff(S, agency)
        rid, tracking, code = h.submit_online(S, agency, email=None, phone="13900001234",
                                              notify="sms")
        staff.act(rid, "confirm")
        r = notify_once()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        queued = messages(rid)
        got = [g for g in GATEWAY.received() if g.get("context") in
               {m["key"] for m in queued}]
        self.assertEqual(len(got), 2, GATEWAY.received())
        first, second = sorted(got, key=lambda g: g["template"])
        self.assertEqual(first["template"], "1001")
        self.assertEqual(first["params"], [tracking])
        self.assertEqual(first["phone"], "+8613900001234")
        self.assertEqual(second["template"], "1002")
        self.assertEqual(second["params"][0], tracking)
        self.assertRegex(second["params"][1], r"^\d{4}年\d{1,2}月\d{1,2}日$")
        self.assertTrue(all(code not in str(g) for g in got))
        self.assertEqual([m["sent_to"] for m in queued], ["139****1234"] * 2)

    def test_gateway_errors_are_retried(self):
        agency = h.new_agency(S, "ng")
        rid, _, _ = h.submit_online(S, agency, email=None, phone="13900005678", notify="sms")
        GATEWAY.set_failures(1)
        self.assertEqual(notify_once().returncode, 1)
        m = messages(rid)[0]
        self.assertEqual((m["state"], m["attempts"]), ("queued", 1))
        S.psql("UPDATE messages SET next_attempt_at = now() WHERE id = %d" % m["id"])
        self.assertEqual(notify_once().returncode, 0)
        self.assertEqual(messages(rid)[0]["state"], "sent")


class DeadlinesTest(unittest.TestCase):
    def test_a_closing_supplement_period_is_reminded_once(self):
        agency = h.new_agency(S, "nd")
        staff = h.Staff(S, agency)
        rid, _, _ = h.submit_online(S, agency, email="applicant-d@example.com", notify="email")
        staff.act(rid, "confirm")
        tomorrow_or_so = h.workdays_add(S, h.today(), 1)
        staff.act(rid, "supplement", {"what": "请补充材料", "answer_by": tomorrow_or_so})
        for _ in range(2):
            r = S.ysqgk("deadlines")
            self.assertEqual(r.returncode, 0, r.stderr)
        due = [m for m in messages(rid) if m["kind"] == "supplement_due"]
        self.assertEqual(len(due), 1)
        self.assertEqual(due[0]["params"]["answer_by"], tomorrow_or_so)

    def test_the_digest_goes_to_staff_once_a_day(self):
        agency = h.new_agency(S, "nx")
        head = h.Staff(S, agency, role="head")
        S.psql("UPDATE staff SET email = 'head-nx@example.gov.cn' WHERE id = %s" % head.id)
        rid, tracking, _ = h.submit_online(S, agency, notify="none")
        for _ in range(2):
            r = S.ysqgk("deadlines", "--mail")
            self.assertEqual(r.returncode, 0, r.stderr)
        digests = S.psql("SELECT count(*) FROM messages WHERE kind = 'digest' AND staff_id = %s"
                         % head.id)
        self.assertEqual(digests, "1")
        self.assertEqual(notify_once().returncode, 0)
        mails = [m for m in mail_to("head-nx@example.gov.cn") if "每日待办" in str(m["Subject"])]
        self.assertEqual(len(mails), 1)
        body = mails[0].get_body().get_content()
        self.assertIn("待确认受理的网上申请", body)
        self.assertIn(tracking, body)

    def test_the_heads_digest_lists_both_kinds_of_proposal(self):
        # A proposed extension (Art. 33 ¶2) and a proposed stated deadline
        # (Art. 35) both wait for a head: both are in the head's digest.
        agency = h.new_agency(S, "np")
        clerk, head = h.Staff(S, agency), h.Staff(S, agency, role="head")
        S.psql("UPDATE staff SET email = 'head-np@example.gov.cn' WHERE id = %s" % head.id)
        extended, stated = clerk.register(), clerk.register()
        clerk.act(extended, "extend", {"reason": "情况复杂", "days": 5})
        clerk.act(stated, "ask_reasons", {"text": "请说明申请用途"})
        clerk.act(stated, "reasons_answered", {"text": "编写地方志"})
        clerk.act(stated, "set_deadline", {"due_on": h.workdays_add(S, h.today(), 60),
                                           "reason": "材料多"})
        r = S.ysqgk("deadlines", "--mail")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(notify_once().returncode, 0)
        mails = [m for m in mail_to("head-np@example.gov.cn") if "每日待办" in str(m["Subject"])]
        self.assertEqual(len(mails), 1)
        body = mails[0].get_body().get_content()
        lines = body.splitlines()
        for rid, what in ((extended, "延期答复待审批"), (stated, "延迟答复期限待审批")):
            no = S.psql("SELECT tracking_no FROM requests WHERE id = %d" % rid)
            self.assertTrue(any(no in line and what in line for line in lines), (no, what, body))


def notice_row(rid, kind):
    import json
    return json.loads(S.psql(
        "SELECT row_to_json(n) FROM (SELECT id, delivery_method, delivered_on::text,"
        " delivery_basis, delivery_ref FROM notices WHERE request_id = %d AND kind = '%s'"
        " ORDER BY id DESC LIMIT 1) n" % (rid, kind)))


class DeliveryTest(unittest.TestCase):
    """送达 on record: the sender records an e-mailed notice's delivery as
    the relay's acceptance; staff record the others (record_delivery)."""

    def test_an_emailed_reply_is_delivered_on_the_relays_acceptance(self):
        agency = h.new_agency(S, "nv")
        staff = h.Staff(S, agency)
        rid, _, _ = h.submit_online(S, agency, email="applicant-v@example.com", notify="email")
        staff.act(rid, "confirm")
        staff.act(rid, "reply", {"outcome": "disclosed", "text": "所申请的信息见附件"})
        self.assertIsNone(notice_row(rid, "reply")["delivered_on"])
        self.assertEqual(notify_once().returncode, 0)
        n = notice_row(rid, "reply")
        self.assertEqual((n["delivery_method"], n["delivery_basis"], n["delivered_on"]),
                         ("email", "relay_accepted", str(h.today())))
        self.assertIn("250", n["delivery_ref"])

    def test_staff_record_a_posted_delivery_with_its_tracking_number(self):
        agency = h.new_agency(S, "nw")
        staff = h.Staff(S, agency)
        rid = staff.register(notify="none")
        staff.act(rid, "reply", {"outcome": "disclosed", "text": "所申请的信息见附件"})
        notice = notice_row(rid, "reply")["id"]
        e = staff.act(rid, "record_delivery", {"notice_id": notice, "method": "post"}, expect=422)
        self.assertEqual(e.get("field"), "ref")
        yesterday = str(h.today() - __import__("datetime").timedelta(days=1))
        e = staff.act(rid, "record_delivery", {"notice_id": notice, "method": "post",
                                               "ref": "EMS1234567890", "date": yesterday},
                      expect=422)
        self.assertEqual(e.get("field"), "date")
        other = staff.register(notify="none")
        staff.act(other, "record_delivery", {"notice_id": notice, "method": "pickup"}, expect=404)
        staff.act(rid, "record_delivery", {"notice_id": notice, "method": "post",
                                           "ref": "EMS1234567890"})
        n = notice_row(rid, "reply")
        self.assertEqual((n["delivery_method"], n["delivery_ref"], n["delivery_basis"],
                          n["delivered_on"]), ("post", "EMS1234567890", "recorded", str(h.today())))
        self.assertEqual(h.events(S, rid)[-1], "notice_delivered")
        # The request page shows it, in words; the timeline names no code.
        text = h.text_of(staff.get("/staff/requests/%d" % rid).text)
        self.assertIn("EMS1234567890", text)
        self.assertIn("邮寄（工作人员登记", text)
        for code in ("recorded", "notice_delivered", "delivery_method"):
            self.assertNotIn(code, text)

    def test_the_applicant_sees_how_and_when_a_notice_reached_them(self):
        agency = h.new_agency(S, "nu")
        staff = h.Staff(S, agency)
        rid, tracking, code = h.submit_online(S, agency, email=None, notify="none")
        staff.act(rid, "confirm")
        staff.act(rid, "reply", {"outcome": "disclosed", "text": "所申请的信息见附件"})
        look = lambda: S.post_json("/api/v1/status", {"tracking_no": tracking, "query_code": code,
                                                       "privacy_consent": True}).json()
        reply = [n for n in look()["notices"] if n["kind"] == "reply"][0]
        self.assertIsNone(reply["delivered_on"])
        staff.act(rid, "record_delivery", {"notice_id": notice_row(rid, "reply")["id"],
                                           "method": "pickup", "receipt_signed": True})
        reply = [n for n in look()["notices"] if n["kind"] == "reply"][0]
        self.assertEqual(reply["delivered_on"], str(h.today()))
        self.assertEqual(reply["delivery_method_label"], "自行领取")
        self.assertEqual(reply["delivery_basis_label"], "送达回证签收")

    def test_the_delivery_receipt_prints_for_the_agencys_staff_only(self):
        agency = h.new_agency(S, "nz")
        staff = h.Staff(S, agency)
        rid = staff.register(notify="none", name="李四")
        staff.act(rid, "reply", {"outcome": "disclosed", "text": "所申请的信息见附件"})
        notice = notice_row(rid, "reply")["id"]
        page = staff.get("/staff/requests/%d/notices/%d/receipt" % (rid, notice))
        self.assertEqual(page.status, 200, page)
        text = h.text_of(page.text)
        for words in ("送达回证", "李四", "政府信息公开申请答复书", "受送达人", "签名或盖章"):
            self.assertIn(words, text)
        stranger = h.Staff(S, h.new_agency(S, "ny"))
        self.assertEqual(stranger.get("/staff/requests/%d/notices/%d/receipt"
                                      % (rid, notice)).status, 404)


if __name__ == "__main__":
    unittest.main()
