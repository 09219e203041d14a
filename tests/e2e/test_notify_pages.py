"""Issue 14's pages: the applicant's choice of notice (通知方式) on the form,
the receipt and the API; changing it and the contact details from the
status page; the request's messages on the staff page and "send again" of
a dead one; staff accounts' e-mail and phone. On a stack of its own."""

import json
import re
import secrets
import unittest

import stack
import test_citizen_helpers as h
import test_staff_common as sc

S = None

RAW_CODES = ("new_submission", "supplement_due", "contact_changed", ">queued<", ">dead<",
             ">sent<", ">sms<", ">email<")


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def notify_of(tracking_no):
    return S.psql("SELECT notify FROM requests WHERE tracking_no = '%s'" % tracking_no)


class ApplyChoiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "nt")

    def test_form_offers_the_three_choices_with_labels(self):
        r = h.Client(S).get("/apply/" + self.agency)
        self.assertEqual(r.status, 200)
        page = h.text_of(r.text)
        for label in ("通知方式", "电子邮件", "短信", "不需要通知"):
            self.assertIn(label, page)
        for value in ("email", "sms", "none"):
            self.assertIn('name="notify" value="%s"' % value, r.text)
        # A blank form preselects nothing: the rule decides on what is typed.
        self.assertEqual(h.checked_values(r.text, "notify"), [])

    def test_sms_chosen_is_stored_and_on_the_receipt(self):
        c = h.Client(S)
        r = c.submit(self.agency, h.person(notify="sms"))
        self.assertEqual(r.status, 201, r)
        no, _ = h.receipt_keys(r.text)
        self.assertEqual(notify_of(no), "sms")
        self.assertRegex(h.text_of(r.text), r"通知方式\s*短信")

    def test_default_is_email_when_an_address_was_given(self):
        c = h.Client(S)
        no, _ = c.apply(self.agency, h.person())
        self.assertEqual(notify_of(no), "email")
        no, _ = c.apply(self.agency, h.person(email="", provision_forms=["paper"],
                                              obtain_methods=["post"]))
        self.assertEqual(notify_of(no), "sms")

    def test_sms_without_a_mobile_number_is_422_with_the_input_kept(self):
        c = h.Client(S)
        r = c.submit(self.agency, h.person(notify="sms", phone="010-12345678"))
        self.assertEqual(r.status, 422, r)
        self.assertIn("短信通知需要11位手机号码", h.field_error(r.text, "notify"))
        self.assertEqual(h.checked_values(r.text, "notify"), ["sms"])
        self.assertEqual(h.input_value(r.text, "phone"), "010-12345678")
        self.assertEqual(h.input_value(r.text, "email"), "zhangsan@example.com")
        # The error summary names the field and links to it.
        self.assertIn('href="#f-notify-email"', r.text)

    def test_rerendered_form_preselects_the_default(self):
        c = h.Client(S)
        r = c.submit(self.agency, h.person(description="短"))
        self.assertEqual(r.status, 422, r)
        self.assertEqual(h.checked_values(r.text, "notify"), ["email"])
        r = c.submit(self.agency, h.person(description="短", email="",
                                           provision_forms=["paper"], obtain_methods=["post"]))
        self.assertEqual(h.checked_values(r.text, "notify"), ["sms"])

    def test_api_takes_and_answers_notify(self):
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        h.api_body(h.person(notify="none")))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["notify"], "none")
        self.assertEqual(notify_of(r.json()["tracking_no"]), "none")
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        h.api_body(h.person(notify="fax")))
        self.assertEqual(r.status, 422, r)
        self.assertIn("notify", r.json()["errors"])
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        h.api_body(h.person(notify="email", email="",
                                            provision_forms=["paper"], obtain_methods=["post"])))
        self.assertEqual(r.status, 422, r)
        self.assertIn("电子邮箱", r.json()["errors"]["notify"])


class StaffRegisterChoiceTest(unittest.TestCase):
    def test_register_form_has_the_choice_and_stores_it(self):
        agency = sc.new_agency(S, "nr")
        staff = sc.Staff(S, agency)
        page = staff.get("/staff/register").text
        self.assertIn('name="notify" value="sms"', page)
        fields = dict(sc.applicant(), channel="post", received_on=str(sc.today()), notify="sms",
                      agency=agency)
        fields.pop("declaration")
        fields.pop("privacy_consent")
        fields["provision_forms"] = "paper"
        fields["obtain_methods"] = "post"
        r = staff.post_form("/staff/register", fields, token_from="/staff/register")
        self.assertEqual(r.status, 303, r)
        rid = re.search(r"/staff/requests/(\d+)", r.header("Location")).group(1)
        self.assertEqual(sc.row(S, rid, "notify")["notify"], "sms")


class StatusContactTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "nc")

    def setUp(self):
        S.psql("DELETE FROM status_lookup_failures")
        self.client = h.Client(S)
        self.no, self.code = self.client.apply(self.agency, h.person())

    def contact(self, **fields):
        return self.client.post("/status/contact", dict(
            tracking_no=self.no, query_code=self.code, **fields))

    def events(self):
        out = S.psql("SELECT coalesce(json_agg(json_build_object('action', action, 'actor',"
                     " actor_kind, 'data', data) ORDER BY seq), '[]') FROM request_events"
                     " WHERE request_id = %s" % h.request_id(S, self.no))
        return json.loads(out)

    def test_status_page_shows_the_choice_masked_and_the_form(self):
        r = self.client.lookup(self.no, self.code)
        self.assertEqual(r.status, 200, r)
        text = h.text_of(r.text)
        self.assertRegex(text, r"通知方式\s*电子邮件（z\*\*\*@example\.com）")
        self.assertIn("修改通知方式和联系方式", text)
        self.assertNotIn("zhangsan@example.com", r.text)
        self.assertEqual(h.checked_values(r.text, "notify"), ["email"])
        self.assertIn('action="/status/contact"', r.text)
        assert_no_raw_code(self, r.text)

    def test_change_is_stored_with_an_event_without_the_address(self):
        r = self.contact(notify="sms", email="lisi@example.org", phone="139 0000 1111")
        self.assertEqual(r.status, 200, r)
        text = h.text_of(r.text)
        self.assertIn("通知方式和联系方式已修改", text)
        self.assertRegex(text, r"通知方式\s*短信（139\*\*\*\*1111）")
        self.assertIn("l***@example.org", text)
        self.assertNotIn("lisi@example.org", r.text)
        self.assertIn("修改通知方式和联系方式", text)   # the timeline
        row = h.row(S, self.no, "notify, email, phone_enc IS NOT NULL AS enc,"
                                " encode(phone_enc, 'escape') LIKE '%13900001111%' AS plain")
        self.assertEqual(row, {"notify": "sms", "email": "lisi@example.org", "enc": True,
                               "plain": False})
        last = self.events()[-1]
        self.assertEqual((last["action"], last["actor"]), ("contact_changed", "applicant"))
        self.assertEqual(sorted(last["data"]["changed"]), ["email", "notify", "phone"])
        dumped = json.dumps(last, ensure_ascii=False)
        for secret in ("lisi", "example.org", "13900001111", "1111"):
            self.assertNotIn(secret, dumped)
        # The same phone again, blank e-mail: nothing changes, no event.
        n = len(self.events())
        r = self.contact(notify="sms", email="", phone="13900001111")
        self.assertEqual(r.status, 200, r)
        self.assertIn("没有需要修改的内容", h.text_of(r.text))
        self.assertEqual(len(self.events()), n)

    def test_new_email_shown_masked_and_on_the_staff_page(self):
        r = S.post_json("/api/v1/status/contact", {"tracking_no": self.no, "query_code": self.code,
                                                   "email": "wangwu@example.net"})
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual((j["notify"], j["notify_to"], j["applicant"]["email_masked"]),
                         ("email", "w***@example.net", "w***@example.net"))
        self.assertNotIn("wangwu@", r.text)
        self.assertEqual(self.events()[-1]["data"], {"changed": ["email"]})
        staff = sc.Staff(S, self.agency)
        page = staff.get("/staff/requests/%s" % self.no).text
        self.assertIn("申请人变更联系方式", sc.text_of(page))
        self.assertIn("修改的项目 电子邮箱", sc.text_of(page))
        assert_no_raw_code(self, page)

    def test_sms_without_a_mobile_number_is_422_with_the_input_kept(self):
        r = self.contact(notify="sms", phone="010-12345678")
        self.assertEqual(r.status, 422, r)
        self.assertIn("短信通知需要11位手机号码", h.field_error(r.text, "notify"))
        self.assertEqual(h.input_value(r.text, "phone"), "010-12345678")
        self.assertEqual(h.checked_values(r.text, "notify"), ["sms"])
        r = self.contact(notify="email", email="not-an-address")
        self.assertEqual(r.status, 422, r)
        self.assertIn("电子邮箱格式不正确", h.field_error(r.text, "email"))
        self.assertEqual(h.row(S, self.no, "notify, email"),
                         {"notify": "email", "email": "zhangsan@example.com"})
        r = S.post_json("/api/v1/status/contact", {"tracking_no": self.no, "query_code": self.code,
                                                   "notify": "fax"})
        self.assertEqual(r.status, 422, r)
        self.assertIn("notify", r.json()["errors"])
        r = S.post_json("/api/v1/status/contact", {"tracking_no": self.no, "query_code": self.code,
                                                   "phone": "12345"})
        self.assertEqual(r.status, 422, r)
        self.assertIn("phone", r.json()["errors"])

    def test_no_change_once_the_personal_data_are_pseudonymised(self):
        S.psql("UPDATE requests SET pseudonymised_at = now() WHERE tracking_no = '%s'" % self.no)
        r = self.client.lookup(self.no, self.code)
        self.assertNotIn('action="/status/contact"', r.text)
        r = self.contact(notify="none")
        self.assertEqual(r.status, 409, r)
        self.assertIn("不能再修改联系方式", h.text_of(r.text))
        r = S.post_json("/api/v1/status/contact", {"tracking_no": self.no, "query_code": self.code,
                                                   "notify": "none"})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(h.row(S, self.no, "notify")["notify"], "email")

    def test_wrong_code_or_no_token_changes_nothing(self):
        r = S.post_json("/api/v1/status/contact", {"tracking_no": self.no,
                                                   "query_code": "ZZZZZ-ZZZZZ", "notify": "none"})
        self.assertEqual(r.status, 404, r)
        r = self.contact(notify="none", csrf_token="x")
        self.assertEqual(r.status, 403, r)
        self.assertEqual(h.row(S, self.no, "notify")["notify"], "email")


def messages_of(rid):
    out = S.psql("SELECT coalesce(json_agg(row_to_json(x) ORDER BY x.id), '[]') FROM"
                 " (SELECT id, kind, channel, state, attempts, staff_id, last_error,"
                 "  requeued_at IS NOT NULL AS requeued, next_attempt_at <= now() AS due"
                 "  FROM messages WHERE request_id = %d) x" % int(rid))
    return json.loads(out)


def assert_no_raw_code(test, page):
    text = h.text_of(page)
    for code in ("queued", "sending", "dead", "received", "confirmed", "new_submission",
                 "contact_changed", "email", "sms", "none"):
        test.assertIsNone(re.search(r"(?<![\w@.])%s(?![\w])" % code, text),
                          "raw code %r on the page" % code)


class StaffMessagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = sc.new_agency(S, "nm")
        cls.staff = sc.Staff(S, cls.agency)
        # The clerk has an address: a new submission alerts them.
        S.psql("UPDATE staff SET email = 'clerk@example.gov.cn' WHERE username = '%s'"
               % cls.staff.username)
        cls.other = sc.Staff(S, sc.new_agency(S, "nm"))

    def submit(self, **kw):
        rid, _, _ = sc.submit_online(S, self.agency, **kw)
        return rid

    def test_submission_and_confirm_queue_messages_listed_on_the_page(self):
        rid = self.submit()
        kinds = [(m["kind"], m["channel"], m["staff_id"] is not None) for m in messages_of(rid)]
        self.assertIn(("received", "email", False), kinds)
        self.assertIn(("new_submission", "email", True), kinds)
        self.staff.act(rid, "confirm")
        self.assertIn("confirmed", [m["kind"] for m in messages_of(rid)])

        j = self.staff.request(rid)
        self.assertEqual(j["notify"], "email")
        self.assertEqual(j["notify_to"], "z***@example.com")
        listed = [(m["kind"], m["state"]) for m in j["messages"]]
        self.assertEqual(listed, [(m["kind"], m["state"]) for m in messages_of(rid)])
        self.assertEqual(j["messages"][0]["kind_label"], "申请已收到")

        page = self.staff.get("/staff/requests/%d" % rid).text
        text = sc.text_of(page)
        self.assertRegex(text, r"通知方式\s*电子邮件（z\*\*\*@example\.com）")
        for label in ("消息", "申请已收到", "申请已受理", "电子邮件", "待发送", "申请人"):
            self.assertIn(label, text)
        self.assertNotIn("重新发送", text)
        assert_no_raw_code(self, page)

    def test_sms_choice_shows_the_masked_mobile_number(self):
        rid = self.submit(notify="sms")
        j = self.staff.request(rid)
        self.assertEqual((j["notify"], j["notify_label"], j["notify_to"]),
                         ("sms", "短信", "138****5678"))
        self.assertEqual(messages_of(rid)[0]["channel"], "sms")

    def dead_message(self):
        rid = self.submit()
        mid = [m["id"] for m in messages_of(rid) if m["kind"] == "received"][0]
        S.psql("UPDATE messages SET state = 'dead', attempts = 7,"
               " next_attempt_at = now() + interval '1 day',"
               " last_error = '550 5.1.1 mailbox unavailable' WHERE id = %d" % mid)
        return rid, mid

    def test_resend_of_a_dead_message_through_the_api(self):
        rid, mid = self.dead_message()
        page = self.staff.get("/staff/requests/%d" % rid).text
        text = sc.text_of(page)
        for label in ("发送失败", "550 5.1.1 mailbox unavailable", "重新发送"):
            self.assertIn(label, text)
        assert_no_raw_code(self, page)

        path = "/api/v1/requests/%d/messages/%d/resend" % (rid, mid)
        r = self.staff.post_json(path, {})
        self.assertEqual(r.status, 200, r)
        self.assertEqual((r.json()["state"], r.json()["id"]), ("queued", mid))
        m = [m for m in messages_of(rid) if m["id"] == mid][0]
        self.assertEqual((m["state"], m["attempts"], m["requeued"], m["due"], m["last_error"]),
                         ("queued", 0, True, True, "550 5.1.1 mailbox unavailable"))
        audit = json.loads(S.psql(
            "SELECT row_to_json(x) FROM (SELECT actor_staff_id, data FROM audit_log"
            " WHERE action = 'message_requeued' AND (data->>'message_id')::bigint = %d) x" % mid))
        self.assertEqual(audit["actor_staff_id"], self.staff.id)
        self.assertEqual(audit["data"]["request_id"], rid)
        self.assertNotIn("example.com", json.dumps(audit))
        # Not dead any more: 409, and nothing written.
        r = self.staff.post_json(path, {})
        self.assertEqual(r.status, 409, r)
        self.assertEqual(S.psql("SELECT count(*) FROM audit_log WHERE action = 'message_requeued'"
                                " AND (data->>'message_id')::bigint = %d" % mid), "1")

    def test_resend_of_another_agencys_or_requests_message_is_404(self):
        rid, mid = self.dead_message()
        r = self.other.post_json("/api/v1/requests/%d/messages/%d/resend" % (rid, mid), {})
        self.assertEqual(r.status, 404, r)
        other_rid = self.submit()
        r = self.staff.post_json("/api/v1/requests/%d/messages/%d/resend" % (other_rid, mid), {})
        self.assertEqual(r.status, 404, r)
        r = self.staff.post_json("/api/v1/requests/%d/messages/x1/resend" % rid, {})
        self.assertEqual(r.status, 404, r)
        self.assertEqual([m["state"] for m in messages_of(rid) if m["id"] == mid], ["dead"])

    def test_resend_button_on_the_page(self):
        rid, mid = self.dead_message()
        path = "/staff/requests/%d" % rid
        r = self.staff.post_form("%s/messages/%d/resend" % (path, mid), {}, token_from=path)
        self.assertEqual(r.status, 303, r)
        self.assertIn("done=resend", r.header("Location"))
        self.assertEqual([m["state"] for m in messages_of(rid) if m["id"] == mid], ["queued"])
        page = self.staff.get(r.header("Location").split("#")[0]).text
        self.assertIn("重新发送消息", sc.text_of(page))
        # Again: the message is queued now, the page says why not.
        r = self.staff.post_form("%s/messages/%d/resend" % (path, mid), {}, token_from=path)
        self.assertEqual(r.status, 409, r)
        self.assertIn("只有发送失败的消息才能重新发送", sc.text_of(r.text))
        # Without the form's token: refused.
        r = self.staff.post_form("%s/messages/%d/resend" % (path, mid), {"csrf_token": "x"})
        self.assertEqual(r.status, 403, r)


class DeliveryTest(unittest.TestCase):
    """The pages with the sender: a changed address is where the next
    message goes; a dead message sent again from the staff page arrives
    with the identity it had."""

    @classmethod
    def setUpClass(cls):
        from mailbox import Mailbox
        cls.box = Mailbox().start()
        cls.agency = h.new_agency(S, "nd")
        cls.staff = sc.Staff(S, cls.agency)

    @classmethod
    def tearDownClass(cls):
        cls.box.close()

    def notify_once(self):
        """The sender, until nothing is due. Its exit status is not ours to
        check: other tests' SMS messages fail here (no SMS provider)."""
        return S.ysqgk_env({"YSQGK_SMTP_URL": self.box.url,
                            "YSQGK_MAIL_FROM": "ysqgk@agency.example.cn",
                            "YSQGK_PUBLIC_URL": "https://ysqgk.example.cn"}, "notify", "--once")

    def mail_to(self, address):
        return [m for m in self.box.messages() if address in m.envelope["rcpt_tos"]]

    def test_changed_address_and_resend_reach_the_applicant(self):
        S.psql("DELETE FROM status_lookup_failures")
        client = h.Client(S)
        no, code = client.apply(self.agency, h.person(email="first@example.com"))
        r = client.post("/status/contact", {"tracking_no": no, "query_code": code,
                                            "notify": "email", "email": "second@example.com"})
        self.assertEqual(r.status, 200, r)
        self.notify_once()
        self.assertEqual(self.mail_to("first@example.com"), [])
        self.assertEqual(len(self.mail_to("second@example.com")), 1)
        rid = int(h.request_id(S, no))
        received = [m for m in messages_of(rid) if m["kind"] == "received"][0]
        key = S.psql("SELECT message_key FROM messages WHERE id = %d" % received["id"])
        S.psql("UPDATE messages SET state = 'dead', sent_at = NULL, attempts = 9,"
               " last_error = '550 no such user' WHERE id = %d" % received["id"])
        path = "/staff/requests/%d" % rid
        r = self.staff.post_form("%s/messages/%d/resend" % (path, received["id"]), {},
                                 token_from=path)
        self.assertEqual(r.status, 303, r)
        self.notify_once()
        mails = self.mail_to("second@example.com")
        self.assertEqual(len(mails), 2)
        self.assertEqual(mails[0]["Message-ID"], mails[1]["Message-ID"])
        self.assertIn(key, mails[1]["Message-ID"])
        j = self.staff.request(rid)
        sent = [m for m in j["messages"] if m["id"] == received["id"]][0]
        self.assertEqual((sent["state"], sent["sent_to"]), ("sent", "s***@example.com"))


def staff_contact(username):
    return json.loads(S.psql("SELECT row_to_json(x) FROM (SELECT email, phone FROM staff"
                             " WHERE username = '%s') x" % username))


class StaffContactTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = sc.new_agency(S, "ns")

    def add(self, *extra):
        user = "n" + secrets.token_hex(4)
        r = S.ysqgk("user", "add", user, "--agency", self.agency, "--role", "clerk", *extra,
                    input=sc.PASSWORD + "\n")
        return user, r

    def test_user_add_and_set_take_email_and_phone(self):
        user, r = self.add("--email", " li@example.gov.cn ", "--phone", "010-12345678")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(staff_contact(user), {"email": "li@example.gov.cn", "phone": "010-12345678"})
        r = S.ysqgk("user", "set", user, "--phone", "13800001111")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(staff_contact(user), {"email": "li@example.gov.cn", "phone": "13800001111"})
        r = S.ysqgk("user", "set", user, "--email", "")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(staff_contact(user), {"email": None, "phone": "13800001111"})
        audit = S.psql("SELECT string_agg(data->>'changed', ' ' ORDER BY id) FROM audit_log"
                       " WHERE action = 'user_contact_changed' AND target_staff_id ="
                       " (SELECT id FROM staff WHERE username = '%s')" % user)
        self.assertEqual(audit, '["phone"] ["email"]')
        listed = [l.split("\t") for l in S.ysqgk("user", "list").stdout.splitlines()]
        self.assertIn([user, "clerk", self.agency, user, "enabled", "", "13800001111"], listed)

    def test_bad_values_are_refused(self):
        user, r = self.add("--email", "not-an-address")
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("--email", r.stderr)
        self.assertEqual(S.psql("SELECT count(*) FROM staff WHERE username = '%s'" % user), "0")
        user, r = self.add("--phone", "call me")
        self.assertEqual(r.returncode, 2, r)
        user, r = self.add()
        self.assertEqual(r.returncode, 0, r.stderr)
        for args in (("--email", "a@b"), ("--phone", "12"), ("--fax", "1")):
            r = S.ysqgk("user", "set", user, *args)
            self.assertEqual(r.returncode, 2, "%s: %r" % (args, r))
        self.assertEqual(S.ysqgk("user", "set", user).returncode, 2)
        self.assertEqual(S.ysqgk("user", "set", "nobody-" + user, "--phone", "13800001111").returncode, 1)
        self.assertEqual(staff_contact(user), {"email": None, "phone": None})

    def test_admin_page_form_and_list(self):
        admin = sc.Staff(S, self.agency, "admin")
        page = admin.get("/admin").text
        for name in ("email", "phone"):
            self.assertIn('name="%s"' % name, page)
        user = "w" + secrets.token_hex(4)
        form = {"username": user, "display_name": "王五", "role": "clerk", "agency": self.agency,
                "email": "wang@example.gov.cn", "phone": "13800002222"}
        r = admin.post_form("/admin/users", form, token_from="/admin")
        self.assertEqual(r.status, 201, r)
        self.assertEqual(staff_contact(user), {"email": "wang@example.gov.cn", "phone": "13800002222"})
        text = sc.text_of(admin.get("/admin").text)
        self.assertIn("电子邮箱 wang@example.gov.cn", text)
        bad = dict(form, username="x" + secrets.token_hex(4), email="wang@")
        r = admin.post_form("/admin/users", bad, token_from="/admin")
        self.assertEqual(r.status, 422, r)
        self.assertIn("电子邮箱格式不正确", sc.text_of(r.text))
        bad = dict(form, username="x" + secrets.token_hex(4), phone="电话")
        r = admin.post_form("/admin/users", bad, token_from="/admin")
        self.assertEqual(r.status, 422, r)
        self.assertIn("电话号码格式不正确", sc.text_of(r.text))

        # An existing member's contact details: shown, changed, logged.
        path = "/admin/users/%s/contact" % user
        r = admin.post_form(path, {"email": "wang5@example.gov.cn", "phone": "13800002222"},
                            token_from="/admin")
        self.assertEqual(r.status, 200, r)
        self.assertIn("联系方式已保存", sc.text_of(r.text))
        self.assertIn('value="wang5@example.gov.cn"', r.text)
        r = admin.post_form(path, {"email": "wang5@example.gov.cn", "phone": ""},
                            token_from="/admin")
        self.assertEqual(staff_contact(user), {"email": "wang5@example.gov.cn", "phone": None})
        audit = S.psql("SELECT string_agg(data->>'changed', ' ' ORDER BY id) FROM audit_log"
                       " WHERE action = 'user_contact_changed' AND target_staff_id ="
                       " (SELECT id FROM staff WHERE username = '%s')" % user)
        self.assertEqual(audit, '["email"] ["phone"]')
        r = admin.post_form(path, {"email": "nope", "phone": ""}, token_from="/admin")
        self.assertEqual(r.status, 422, r)
        self.assertEqual(staff_contact(user)["email"], "wang5@example.gov.cn")
        # Another agency's administrator: no such account.
        stranger = sc.Staff(S, sc.new_agency(S, "ns"), "admin")
        r = stranger.post_form(path, {"email": "x@example.com"}, token_from="/admin")
        self.assertEqual(r.status, 404, r)


if __name__ == "__main__":
    unittest.main()
