"""投诉、举报 (issue 18, section 5; Art. 51 of the Regulations): a citizen
complains about an agency's handling to the supervising (parent) agency,
against a request (proved by its tracking number and query code: a wrong
code is refused beside the field and nothing is stored) or against an
agency directly. The parent's heads (and administrators) list and answer
it; the department's own clerk, head and administrator, clerks of the
parent and another government's staff cannot see it (404). The complainant follows it with
its own number and code and is told of the reply through the outbox. The
deadline is 20 working days (the product's choice). On a stack of its
own, through nginx."""

import re
import secrets
import unittest

import test_citizen_helpers as ch
import test_staff_common as h
from mailbox import Mailbox

S = None
BOX = None


def setUpModule():
    global S, BOX
    S = h.own_stack()
    BOX = Mailbox().start()


def tearDownModule():
    BOX.close()
    S.stop()


def agency_name(code):
    return S.psql("SELECT name FROM agencies WHERE code = '%s'" % code)


def complaints_count():
    return int(S.psql("SELECT count(*) FROM complaints"))


def complaint_row(no, columns):
    return S.psql("SELECT %s FROM complaints WHERE complaint_no = '%s'" % (columns, no))


def complainant(**kw):
    body = {"kind": "complaint", "name": "王小明", "phone": "13912345678",
            "email": "wxm-%s@example.com" % secrets.token_hex(3),
            "body": "申请已超过答复期限，受理机关仍未答复，也没有告知延期。"}
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def receipt(page):
    no = re.search(r'id="complaint-no">([^<]+)<', page)
    code = re.search(r'id="query-code">([^<]+)<', page)
    return (no.group(1) if no else None), (code.group(1) if code else None)


class ComplaintsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gov = h.new_agency(S, "cg")
        cls.a = h.new_agency(S, "ca", parent=cls.gov)
        cls.other = h.new_agency(S, "co")
        cls.head = h.Staff(S, cls.gov, role="head")
        cls.clerk_a = h.Staff(S, cls.a)
        cls.head_a = h.Staff(S, cls.a, role="head")
        cls.clerk_gov = h.Staff(S, cls.gov)
        cls.head_other = h.Staff(S, cls.other, role="head")
        cls.admin_gov = h.Staff(S, cls.gov, role="admin")
        cls.admin_a = h.Staff(S, cls.a, role="admin")
        cls.due = h.workdays_add(S, h.today(), 20)

    def file_json(self, **kw):
        r = S.post_json("/api/v1/complaints", complainant(**kw))
        self.assertEqual(r.status, 201, r)
        return r.json()

    def against_request(self):
        """A request at department a and a complaint about it: (rid, no, code, complaint)."""
        rid, no, code = h.submit_online(S, self.a)
        return rid, no, code, self.file_json(tracking_no=no, query_code=code)

    # ---- filing ---------------------------------------------------------

    def test_form_against_a_request_goes_to_the_parent(self):
        rid, no, code = h.submit_online(S, self.a)
        status = ch.Client(S).lookup(no, code)
        self.assertIn('href="/complaints/new?no=%s"' % no, status.text)
        c = ch.Client(S)
        form = c.get("/complaints/new?no=%s" % no)
        self.assertEqual(form.status, 200)
        self.assertEqual(ch.input_value(form.text, "tracking_no"), no)
        r = c.post("/complaints/new", complainant(tracking_no=no, query_code=code))
        self.assertEqual(r.status, 201, r)
        cno, ccode = receipt(r.text)
        self.assertRegex(cno, r"^ts-\d{4}-\d{6}$")
        self.assertRegex(ccode, r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
        text = ch.text_of(r.text)
        self.assertIn(agency_name(self.gov), text)
        self.assertIn("%s前（收到后20个工作日内）" % self.due, text)
        self.assertEqual(complaint_row(cno, "agency_id = (SELECT id FROM agencies WHERE code = '%s')"
                                       " AND handling_agency_id = (SELECT id FROM agencies WHERE code = '%s')"
                                       " AND request_id = %d AND due_on = '%s'"
                                       % (self.a, self.gov, rid, self.due)), "t")
        # Personal data encrypted, the code only as a keyed hash.
        self.assertEqual(complaint_row(cno, "position('王小明' in encode(name_enc, 'escape')) = 0"
                                       " AND position('13912345678' in encode(phone_enc, 'escape')) = 0"),
                         "t")
        self.assertEqual(S.psql("SELECT string_agg(action, ',') FROM complaint_events e"
                                " JOIN complaints c ON c.id = e.complaint_id"
                                " WHERE c.complaint_no = '%s'" % cno), "filed")

    def test_same_form_posted_twice_files_one(self):
        c = ch.Client(S)
        token = re.search(r'name="submit_token" value="([^"]+)"', c.get("/complaints/new").text).group(1)
        before = complaints_count()
        fields = complainant(agency=self.a, submit_token=token)
        first = c.post("/complaints/new", fields)
        self.assertEqual(first.status, 201, first)
        again = c.post("/complaints/new", fields)
        self.assertEqual(again.status, 200, again)
        self.assertEqual(receipt(again.text), receipt(first.text))
        self.assertIn("已经提交过", ch.text_of(again.text))
        self.assertEqual(complaints_count(), before + 1)

    def test_wrong_code_refused_nothing_stored(self):
        _, no, code = h.submit_online(S, self.a)
        before = complaints_count()
        c = ch.Client(S)
        wrong = "ABCDE-FGHJK" if code != "ABCDE-FGHJK" else "ZZZZZ-ZZZZZ"
        r = c.post("/complaints/new", complainant(tracking_no=no, query_code=wrong))
        self.assertEqual(r.status, 422, r)
        self.assertIn("查询码不正确", ch.field_error(r.text, "query_code"))
        self.assertIn("没有告知延期", ch.textarea_value(r.text, "body"))
        self.assertEqual(ch.input_value(r.text, "name"), "王小明")
        j = S.post_json("/api/v1/complaints", complainant(tracking_no=no, query_code=wrong))
        self.assertEqual(j.status, 422, j)
        self.assertIn("query_code", j.json()["errors"])
        self.assertEqual(complaints_count(), before)

    def test_against_an_agency_by_json(self):
        j = self.file_json(kind="report", agency=self.a, email=None)
        self.assertEqual(j["handling_agency_name"], agency_name(self.gov))
        self.assertEqual(j["agency_name"], agency_name(self.a))
        self.assertEqual(j["due_on"], self.due)
        self.assertEqual(j["due_workdays"], 20)
        self.assertEqual(j["kind_label"], "举报")
        self.assertEqual(j["notify"], "sms")
        self.assertEqual(complaint_row(j["complaint_no"], "request_id IS NULL"), "t")

    def test_top_level_agency_handles_its_own(self):
        j = self.file_json(agency=self.other)
        self.assertEqual(j["handling_agency_name"], agency_name(self.other))

    def test_errors_beside_fields_input_kept(self):
        before = complaints_count()
        r = ch.Client(S).post("/complaints/new", complainant(name="", body="", agency="",
                                                             phone="12ab", email=None))
        self.assertEqual(r.status, 422, r)
        self.assertTrue(ch.field_error(r.text, "name"))
        self.assertTrue(ch.field_error(r.text, "body"))
        self.assertTrue(ch.field_error(r.text, "agency"))
        self.assertTrue(ch.field_error(r.text, "phone"))
        self.assertEqual(ch.input_value(r.text, "phone"), "12ab")
        self.assertIn("提交未成功", r.text)
        self.assertEqual(complaints_count(), before)

    def test_form_without_csrf_token_is_refused(self):
        before = complaints_count()
        r = S.post_form("/complaints/new", complainant(agency=self.a))
        self.assertEqual(r.status, 403, r)
        self.assertEqual(complaints_count(), before)

    def test_home_page_links_to_complaints(self):
        self.assertIn('href="/complaints/new"', S.get("/").text)

    # ---- who sees it ----------------------------------------------------

    def test_only_the_parents_heads_and_admins_see_it(self):
        _, _, _, c = self.against_request()
        cid = complaint_row(c["complaint_no"], "id")
        path = "/api/v1/complaints/%s" % cid
        for staff in (self.head, self.admin_gov):
            listed = staff.get("/api/v1/complaints").json()["complaints"]
            self.assertIn(c["complaint_no"], [x["complaint_no"] for x in listed])
            one = staff.get(path)
            self.assertEqual(one.status, 200, one)
            self.assertEqual(one.json()["complainant"]["name"], "王小明")
        for staff in (self.clerk_a, self.head_a, self.admin_a, self.clerk_gov, self.head_other):
            self.assertEqual(staff.get(path).status, 404, staff.username)
            self.assertEqual(staff.post_json(path + "/reveal", {}).status, 404)
            self.assertEqual(staff.get("/staff/complaints/%s" % cid).status, 404)
            r = staff.post_json(path + "/reply", {"reply": "不应由我答复"})
            self.assertEqual(r.status, 404, r)
            lst = staff.get("/api/v1/complaints")
            self.assertTrue(lst.status == 404 or c["complaint_no"] not in
                            [x["complaint_no"] for x in lst.json()["complaints"]], lst)
        self.assertEqual(self.clerk_a.get("/api/v1/complaints").status, 404)
        self.assertEqual(complaint_row(c["complaint_no"], "status"), "received")

    def test_phone_masked_until_a_logged_look(self):
        c = self.file_json(agency=self.a, phone="13912345678")
        cid = complaint_row(c["complaint_no"], "id")
        path = "/api/v1/complaints/%s" % cid
        shown = self.head.get(path).json()["complainant"]
        self.assertEqual(shown["phone_masked"], "139****5678")
        self.assertNotIn("phone", shown)
        self.assertNotIn("13912345678", self.head.get("/staff/complaints/%s" % cid).text)
        looked = self.head.post_json(path + "/reveal", {})
        self.assertEqual(looked.status, 200, looked)
        self.assertEqual(looked.json()["complainant"]["phone"], "13912345678")
        self.assertEqual(S.psql("SELECT string_agg(action || ':' || coalesce(actor_staff_id::text, ''), ',' ORDER BY seq)"
                                " FROM complaint_events WHERE complaint_id = %s" % cid),
                         "filed:,contact_viewed:%s" % self.head.id)
        page = "/staff/complaints/%s" % cid
        form = self.head.post_form(page + "/reveal", {}, token_from=page)
        self.assertEqual(form.status, 200, form)
        self.assertIn("13912345678", form.text)

    def test_staff_nav_counts_open_complaints(self):
        self.against_request()
        open_now = int(S.psql("SELECT count(*) FROM complaints c JOIN agencies a"
                              " ON a.id = c.handling_agency_id WHERE a.code = '%s'"
                              " AND c.status = 'received'" % self.gov))
        page = self.head.get("/staff").text
        self.assertIn('id="nav-complaints"', page)
        self.assertIn("投诉举报<span class=\"count\">（%d）</span>" % open_now, page)
        self.assertNotIn('id="nav-complaints"', self.clerk_a.get("/staff").text)
        listing = self.head.get("/staff/complaints")
        self.assertEqual(listing.status, 200)
        self.assertIn("未答复 %d 件" % open_now, ch.text_of(listing.text))

    # ---- the reply --------------------------------------------------------

    def test_reply_reaches_the_complainant(self):
        address = "cp-%s@example.com" % secrets.token_hex(3)
        rid, no, code = h.submit_online(S, self.a)
        c = self.file_json(tracking_no=no, query_code=code, email=address)
        cno, ccode = c["complaint_no"], c["query_code"]
        cid = complaint_row(cno, "id")
        api = "/api/v1/complaints/%s/reply" % cid
        empty = self.head.post_json(api, {"reply": "  "})
        self.assertEqual(empty.status, 422, empty)
        self.assertIn("请填写答复内容", empty.json()["errors"]["reply"])
        # Full-width (ideographic) spaces are blanks too (text_trim).
        empty = self.head.post_json(api, {"reply": "\u3000\u3000\u00a0"})
        self.assertEqual(empty.status, 422, empty)
        text = "经核查，该局已于本周作出答复，并责令其改进期限管理。"
        r = self.head.post_json(api, {"reply": text})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["status"], "replied")
        self.assertEqual(self.head.post_json(api, {"reply": "再次答复"}).status, 409)
        self.assertEqual(complaint_row(cno, "replied_by"), str(self.head.id))
        # The complainant sees it with the code, and only with it.
        s = S.post_json("/api/v1/complaints/status", {"complaint_no": cno, "query_code": ccode})
        self.assertEqual(s.status, 200, s)
        self.assertEqual(s.json()["reply"], text)
        self.assertEqual(s.json()["status_label"], "已答复")
        self.assertEqual(s.json()["tracking_no"], no)
        bad = S.post_json("/api/v1/complaints/status", {"complaint_no": cno, "query_code": "ZZZZZ-ZZZZ0"})
        self.assertEqual(bad.status, 404, bad)
        page = ch.Client(S).post("/complaints/status", {"complaint_no": cno.upper(), "query_code": ccode})
        self.assertEqual(page.status, 200, page)
        self.assertIn(text, ch.text_of(page.text))
        # The outbox: one message, sent by e-mail without the code.
        self.assertEqual(S.psql("SELECT m.kind || '/' || m.channel FROM messages m"
                                " JOIN complaints c ON c.id = m.complaint_id"
                                " WHERE c.complaint_no = '%s'" % cno), "complaint_replied/email")
        out = S.ysqgk_env({"YSQGK_SMTP_URL": BOX.url, "YSQGK_MAIL_FROM": "ysqgk@agency.example.cn",
                           "YSQGK_PUBLIC_URL": "https://ysqgk.example.cn"}, "notify", "--once")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        mails = [m for m in BOX.messages() if address in m.envelope["rcpt_tos"]]
        self.assertEqual(len(mails), 1)
        self.assertIn(cno, str(mails[0]["Subject"]))
        body = mails[0].get_body().get_content()
        self.assertIn(agency_name(self.gov), body)
        self.assertIn("https://ysqgk.example.cn/complaints/status", body)
        self.assertNotIn(ccode, mails[0].as_string())

    def test_retention_removes_the_complainants_data_after_the_reply(self):
        """`ysqgk retention`: a complaint replied to more than
        retention_years ago keeps its text and reply, not its complainant."""
        old = self.file_json(agency=self.a, notify="email")
        waiting = self.file_json(agency=self.a)
        old_id = complaint_row(old["complaint_no"], "id")
        r = self.head.post_json("/api/v1/complaints/%s/reply" % old_id, {"reply": "已核查。"})
        self.assertEqual(r.status, 200, r)
        S.psql("UPDATE complaints SET received_on = received_on - 1500, due_on = due_on - 1500,"
               " replied_on = replied_on - 1500 WHERE id = %s" % old_id)
        S.psql("UPDATE complaints SET received_on = received_on - 1500, due_on = due_on - 1500"
               " WHERE complaint_no = '%s'" % waiting["complaint_no"])
        env = {"YSQGK_RETENTION_YEARS": "3"}
        dry = S.ysqgk_env(env, "retention", "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertRegex(dry.stdout, r"would pseudonymise: [1-9]\d* complaint\(s\)")
        self.assertEqual(complaint_row(old["complaint_no"], "pseudonymised_at IS NULL"), "t")
        done = S.ysqgk_env(env, "retention")
        self.assertEqual(done.returncode, 0, done.stderr)
        cols = "name_enc IS NULL, phone_enc IS NULL, phone_hash IS NULL, email IS NULL, notify,"\
               " pseudonymised_at IS NOT NULL, body, reply"
        self.assertEqual(complaint_row(old["complaint_no"], cols),
                         "t|t|t|t|none|t|%s|已核查。" % complainant()["body"])
        self.assertEqual(complaint_row(waiting["complaint_no"], "name_enc IS NULL, email IS NULL"),
                         "f|f")                       # still waiting: kept whole
        shown = self.head.get("/api/v1/complaints/%s" % old_id).json()["complainant"]
        self.assertEqual(shown["name"], "（已删除）")
        self.assertNotIn("phone_masked", shown)
        self.assertEqual(S.psql("SELECT data->>'complaints' FROM audit_log l JOIN agencies a"
                                " ON a.id = l.agency_id WHERE l.action = 'retention_pseudonymised'"
                                " AND a.code = '%s' ORDER BY l.id DESC LIMIT 1" % self.gov), "1")
        again = S.ysqgk_env(env, "retention")
        self.assertIn("pseudonymised: 0 complaint(s)", again.stdout)

    def test_the_heads_daily_digest_lists_complaints_waiting(self):
        address = "head-%s@example.gov.cn" % secrets.token_hex(3)
        S.psql("UPDATE staff SET email = '%s' WHERE id = %s" % (address, self.head.id))
        late = self.file_json(agency=self.a)["complaint_no"]
        S.psql("UPDATE complaints SET received_on = received_on - 60, due_on = due_on - 40"
               " WHERE complaint_no = '%s'" % late)
        r = S.ysqgk("deadlines", "--mail")
        self.assertEqual(r.returncode, 0, r.stderr)
        # (Other tests' messages may be refused for want of an address.)
        S.ysqgk_env({"YSQGK_SMTP_URL": BOX.url, "YSQGK_MAIL_FROM": "ysqgk@agency.example.cn"},
                    "notify", "--once")
        mails = [m for m in BOX.messages() if address in m.envelope["rcpt_tos"]]
        self.assertEqual(len(mails), 1)
        body = mails[0].get_body().get_content()
        self.assertIn("投诉举报待答复", body)
        line = [l for l in body.splitlines() if late in l]
        self.assertEqual(len(line), 1, body)
        self.assertRegex(line[0], r"答复期限 \d{4}-\d\d-\d\d（已超期\d+个工作日）")
        # Not to the department's own head: the complaint is about them.
        S.psql("UPDATE staff SET email = 'a-%s' WHERE id = %s" % (address, self.head_a.id))
        self.assertEqual(S.psql("SELECT count(*) FROM messages WHERE kind = 'digest'"
                                " AND staff_id = %s" % self.head_a.id), "0")

    def test_reply_form_needs_text_and_csrf(self):
        c = self.file_json(agency=self.a)
        cid = complaint_row(c["complaint_no"], "id")
        page = "/staff/complaints/%s" % cid
        no_token = S.post_form(page + "/reply", {"reply": "答复"},
                               headers=self.head.headers())
        self.assertEqual(no_token.status, 403, no_token)
        empty = self.head.post_form(page + "/reply", {"reply": ""}, token_from=page)
        self.assertEqual(empty.status, 422, empty)
        self.assertTrue(ch.field_error(empty.text, "reply"))
        done = self.head.post_form(page + "/reply", {"reply": "已转该局改进。"}, token_from=page)
        self.assertEqual(done.status, 303, done)
        self.assertEqual(complaint_row(c["complaint_no"], "status"), "replied")
        shown = ch.text_of(self.head.get(page).text)
        self.assertIn("已转该局改进。", shown)
        # Labels, never codes (issue 13).
        for code in ("received", "replied", "complaint", "sms", "email"):
            self.assertNotIn(code, shown.replace(c["complaint_no"], ""))

    def test_status_page_shows_progress_and_deadline(self):
        c = self.file_json(agency=self.a)
        r = ch.Client(S).post("/complaints/status", {"complaint_no": c["complaint_no"],
                                                     "query_code": c["query_code"]})
        self.assertEqual(r.status, 200, r)
        text = ch.text_of(r.text)
        self.assertIn("已收到，正在处理", text)
        self.assertIn("%s前（收到后20个工作日内）" % self.due, text)
        self.assertNotIn("received", text)


if __name__ == "__main__":
    unittest.main()
