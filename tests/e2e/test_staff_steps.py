"""The staff's step forms (issue 16, items 7, 8, 10 and the staff extras):
a refused step comes back with everything typed and its error beside its
field under the citizen form's error summary; a head finds the approval
waiting for them at the top of the request; every form whose step issues
a notice offers its preview; the agency's reply phrases are inserted
without JavaScript; an administrator hands all of a leaving clerk's open
requests to a colleague in one transaction. On a stack of its own."""

import html
import re
import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def field_value(page, field_id):
    """The value an input or a textarea shows, unescaped."""
    m = re.search(r'<textarea id="%s"[^>]*>(.*?)</textarea>' % re.escape(field_id), page, re.S)
    if m:
        return html.unescape(m.group(1))
    m = re.search(r'<input id="%s"[^>]*\bvalue="([^"]*)"' % re.escape(field_id), page)
    return html.unescape(m.group(1)) if m else None


def selected(page, select_id):
    """The values of the options chosen in a select."""
    m = re.search(r'<select id="%s".*?</select>' % re.escape(select_id), page, re.S)
    assert m, select_id
    return re.findall(r'<option value="([^"]*)" selected>', m.group(0))


def form_of(page, action):
    """The <form> posting to the step `action`."""
    m = re.search(r'<form method="post" action="/staff/requests/\d+/%s"[^>]*>.*?</form>'
                  % re.escape(action), page, re.S)
    return m.group(0) if m else None


class RefusedStepKeepsTheFormTest(unittest.TestCase):
    """Item 7: each step form refused comes back as it was sent."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)

    def post(self, rid, action, fields):
        return self.clerk.post_form("/staff/requests/%d/%s" % (rid, action), fields,
                                    token_from="/staff")

    def assertErrorBeside(self, page, action, field, message_part):
        anchor = "%s-%s" % (action, field)
        err = re.search(r'<p class="field-error" id="%s-err">(.*?)</p>' % re.escape(anchor),
                        page, re.S)
        self.assertIsNotNone(err, "no error beside %s" % anchor)
        self.assertIn(message_part, html.unescape(err.group(1)))
        self.assertRegex(page, r'id="%s"[^>]*aria-invalid="true"' % re.escape(anchor))
        summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
        self.assertIsNotNone(summary, "no error summary")
        self.assertIn('href="#%s"' % anchor, summary.group(0))
        # The summary comes before the forms (at the top, read first).
        self.assertLess(page.index('class="error-summary"'), page.index('id="actions"'))
        # The refused step's form is open.
        self.assertRegex(page, r'<details class="action" id="step-%s" open>' % re.escape(action))

    def test_reply_keeps_outcome_and_text(self):
        rid = self.clerk.register()
        r = self.post(rid, "reply", {"outcome": "partial", "text": "提供招标文件第一册",
                                     "withheld": "", "notice_no": "甲字第7号",
                                     "already_published": "1"})
        self.assertEqual(r.status, 422, r)
        page = r.text
        self.assertEqual(selected(page, "reply-outcome"), ["partial"])
        self.assertEqual(field_value(page, "reply-text"), "提供招标文件第一册")
        self.assertEqual(field_value(page, "reply-notice_no"), "甲字第7号")
        self.assertRegex(page, r'name="already_published" value="1" checked')
        self.assertErrorBeside(page, "reply", "withheld", "不予公开的内容及理由")
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")

    def test_supplement_extension_fee_and_consultation(self):
        rid = self.clerk.register()
        r = self.post(rid, "supplement", {"what": "", "period_workdays": "7"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(field_value(r.text, "supplement-period_workdays"), "7")
        self.assertErrorBeside(r.text, "supplement", "what", "需要补正的内容")

        r = self.post(rid, "extend", {"days": "5", "reason": ""})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(field_value(r.text, "extend-days"), "5")
        self.assertErrorBeside(r.text, "extend", "reason", "延期理由")

        r = self.post(rid, "fee_notice", {"method": "per_page", "pages": "abc",
                                          "delivery": "post"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(selected(r.text, "fee_notice-method"), ["per_page"])
        self.assertEqual(selected(r.text, "fee_notice-delivery"), ["post"])
        self.assertEqual(field_value(r.text, "fee_notice-pages"), "abc")
        self.assertErrorBeside(r.text, "fee_notice", "pages", "页")

        r = self.post(rid, "consult", {"party": "", "kind": "co_author", "delivery": "post",
                                       "backdate_reason": "纸质台账"})
        self.assertEqual(r.status, 422, r)
        self.assertEqual(selected(r.text, "consult-kind"), ["co_author"])
        self.assertEqual(selected(r.text, "consult-delivery"), ["post"])
        self.assertEqual(field_value(r.text, "consult-backdate_reason"), "纸质台账")
        self.assertErrorBeside(r.text, "consult", "party", "征求意见的对象")
        self.assertEqual(h.events(S, rid), ["registered"])

    def test_registration(self):
        token = self.clerk.token("/staff/register?agency=%s" % self.agency)
        r = self.clerk.post_form("/staff/register", {
            "csrf_token": token, "agency": self.agency, "channel": "fax",
            "received_on": str(h.today()), "applicant_kind": "person", "name": "",
            "description": "请公开某某文件", "provision_forms": "paper",
            "obtain_methods": "post", "notify": "none"})
        self.assertEqual(r.status, 422, r)
        page = r.text
        self.assertEqual(field_value(page, "r-desc"), "请公开某某文件")
        self.assertEqual(selected(page, "r-channel"), ["fax"])
        err = re.search(r'<p class="field-error" id="r-name-err">', page)
        self.assertIsNotNone(err, "no error beside the name")
        summary = re.search(r'<div class="error-summary".*?</div>', page, re.S)
        self.assertIsNotNone(summary)
        self.assertIn('href="#r-name"', summary.group(0))

    def test_the_api_answers_as_before(self):
        rid = self.clerk.register()
        j = self.clerk.act(rid, "reply", {"outcome": "partial", "text": "x"}, expect=422)
        self.assertEqual(j["field"], "withheld")
        self.assertIn("不予公开的内容及理由", j["error"])

    def test_back_from_a_preview_keeps_the_form(self):
        rid = self.clerk.register()
        fields = {"outcome": "disclosed", "text": "提供文件", "notice_no": "乙字第1号"}
        r = self.post(rid, "reply", dict(fields, preview="1"))
        self.assertEqual(r.status, 200, r)
        self.assertIn('name="edit" value="1"', r.text)
        r = self.post(rid, "reply", dict(fields, edit="1"))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(selected(r.text, "reply-outcome"), ["disclosed"])
        self.assertEqual(field_value(r.text, "reply-notice_no"), "乙字第1号")
        self.assertEqual(h.events(S, rid), ["registered"])


class ApprovalAtTheTopTest(unittest.TestCase):
    """Item 8: a head finds what waits for their decision first."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")

    def test_extension_and_deadline(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "extend", {"reason": "需要协调调取档案", "days": 10})
        page = self.head.get("/staff/requests/%d" % rid).text
        self.assertIn('id="approvals"', page)
        top = page.index('id="approvals"')
        self.assertLess(top, page.index('class="deadline-box"'))
        self.assertLess(top, page.index('id="actions"'))
        box = page[top:page.index('class="deadline-box"')]
        self.assertIn("需要协调调取档案", box)
        self.assertIn("/approve_extension", box)
        self.assertIn("/refuse_extension", box)
        # The clerk who proposed it has nothing to approve.
        self.assertNotIn('id="approvals"', self.clerk.get("/staff/requests/%d" % rid).text)
        # Decided, nothing waits any more.
        self.head.act(rid, "approve_extension")
        self.assertNotIn('id="approvals"', self.head.get("/staff/requests/%d" % rid).text)


class PreviewOnEveryIssuingFormTest(unittest.TestCase):
    """Item 10: every step form whose step issues a notice has 预览."""

    SAMPLES = {
        "confirm": {}, "supplement": {"what": "请写明文件名称"},
        "reply": {"outcome": "disclosed", "text": "提供文件"},
        "consult": {"party": "甲公司", "kind": "third_party"},
        "extend": {"reason": "需要调档", "days": 5},
        "fee_notice": {"method": "per_page", "pages": 100, "delivery": "handed"},
        "ask_reasons": {}, "discard": {"reason_code": "test"},
        "assign": {}, "note": {"text": "备注"}, "withdraw": {"reason": "撤回"},
        "appeal": {"kind": "review", "filed_on": None},
        "approve_extension": {}, "refuse_extension": {"reason": "不同意"},
    }

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")
        # 转办 (issue 18) goes to another agency of the same government.
        cls.SAMPLES = dict(cls.SAMPLES, transfer={"agency": h.new_agency(S, parent=cls.agency),
                                                  "reason": "不属于本机关"})

    def check_page(self, who, rid):
        page = who.get("/staff/requests/%d" % rid).text
        actions = sorted(set(re.findall(
            r'<form method="post" action="/staff/requests/\d+/([a-z_]+)"', page)))
        checked = []
        for action in actions:
            if action in ("reveal",):
                continue
            sample = dict(self.SAMPLES.get(action, {}))
            if action == "record_delivery":
                sample = {"notice_id": who.request(rid)["notices"][0]["id"], "method": "pickup"}
            for k, v in sample.items():
                if v is None:
                    sample[k] = str(h.today())
            r = who.post_json("/api/v1/requests/%d/%s" % (rid, action),
                              dict(sample, preview=True))
            issues = r.status == 200
            if not issues:
                self.assertEqual(r.json().get("field"), "preview",
                                 "%s: the sample input is refused: %r" % (action, r.json()))
            has_button = 'name="preview"' in form_of(page, action)
            self.assertEqual(has_button, issues, "%s: preview offered %s, notice issued %s"
                             % (action, has_button, issues))
            checked.append(action)
        return checked

    def test_every_form(self):
        rid, _, _ = h.submit_online(S, self.agency)
        checked = self.check_page(self.clerk, rid)
        self.assertIn("confirm", checked)
        self.clerk.act(rid, "confirm")
        checked = self.check_page(self.clerk, rid)
        for action in ("supplement", "reply", "consult", "fee_notice", "extend"):
            self.assertIn(action, checked)
        self.clerk.act(rid, "extend", {"reason": "需要调档", "days": 5})
        self.assertIn("approve_extension", self.check_page(self.head, rid))


class PhrasesTest(unittest.TestCase):
    """Reply phrase templates per agency: kept by administrators, inserted
    by clerks without JavaScript, listed by the API."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.other = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)
        cls.admin = h.Staff(S, cls.agency, role="admin")
        cls.other_admin = h.Staff(S, cls.other, role="admin")

    def add(self, admin, agency, name, body, expect=201):
        r = admin.post_form("/admin/agencies/%s/phrases" % agency, {"name": name, "body": body},
                            token_from="/admin")
        self.assertEqual(r.status, expect, r)
        return r

    def test_admin_adds_and_clerk_inserts(self):
        body = "该信息属于国家秘密，依据条例第十四条不予公开。"
        self.add(self.admin, self.agency, "国家秘密", body)
        r = self.add(self.admin, self.agency, "", "内容", expect=422)
        self.assertIn('id="phrase-name-err"', r.text)
        self.assertEqual(field_value(r.text, "phrase-body"), "内容")
        self.add(self.admin, self.agency, "国家秘密", "另一段", expect=409)
        self.add(self.other_admin, self.other, "别的机关", "别的机关的常用语")
        # The API lists the agency's own phrases only.
        j = self.clerk.get("/api/v1/phrases?agency=%s" % self.agency, json_=True).json()
        self.assertEqual([(p["name"], p["body"]) for p in j["phrases"]], [("国家秘密", body)])
        self.assertEqual(self.clerk.get("/api/v1/phrases?agency=%s" % self.other,
                                        json_=True).status, 404)
        other_id = self.other_admin.get("/admin/agencies/%s/phrases" % self.other,
                                        json_=True).json()["phrases"][0]["id"]

        rid = self.clerk.register()
        page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertIn('id="reply-phrase_id"', page)
        self.assertIn('id="supplement-phrase_id"', page)
        self.assertNotIn("别的机关", page)
        pid = j["phrases"][0]["id"]
        r = self.clerk.post_form("/staff/requests/%d/reply" % rid, {
            "outcome": "deny_secret", "text": "经审查", "withheld": "招标文件第三册",
            "phrase_id": str(pid), "insert_phrase": "withheld"}, token_from="/staff")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(field_value(r.text, "reply-withheld"), "招标文件第三册\n" + body)
        self.assertEqual(field_value(r.text, "reply-text"), "经审查")
        self.assertEqual(selected(r.text, "reply-outcome"), ["deny_secret"])
        self.assertEqual(h.events(S, rid), ["registered"])
        # Into the 补正 form's text too.
        r = self.clerk.post_form("/staff/requests/%d/supplement" % rid, {
            "what": "", "phrase_id": str(pid), "insert_phrase": "what"}, token_from="/staff")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(field_value(r.text, "supplement-what"), body)
        # Another agency's phrase is not there to take.
        r = self.clerk.post_form("/staff/requests/%d/reply" % rid, {
            "outcome": "deny_secret", "text": "经审查", "phrase_id": str(other_id),
            "insert_phrase": "withheld"}, token_from="/staff")
        self.assertEqual(r.status, 422, r)
        self.assertNotIn("别的机关的常用语", r.text)
        self.assertIn('id="reply-phrase_id-err"', r.text)
        # Removed, it is gone from the form.
        r = self.admin.post_form("/admin/agencies/%s/phrases/%s/delete" % (self.agency, pid), {},
                                 token_from="/admin")
        self.assertEqual(r.status, 200, r)
        self.assertNotIn('id="reply-phrase_id"', self.clerk.get("/staff/requests/%d" % rid).text)
        audit = S.psql("SELECT string_agg(action, ',' ORDER BY id) FROM audit_log"
                       " WHERE action LIKE 'phrase%%' AND data->>'name' = '国家秘密'")
        self.assertEqual(audit, "phrase_added,phrase_deleted")

    def test_clerks_do_not_keep_phrases(self):
        r = self.clerk.post_form("/admin/agencies/%s/phrases" % self.agency,
                                 {"name": "x", "body": "y"}, token_from="/staff")
        self.assertEqual(r.status, 403, r)


class ReassignAllTest(unittest.TestCase):
    """A clerk leaves: an administrator hands every open request to a
    colleague in one transaction, each logged as its own event."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.other = h.new_agency(S)
        cls.leaving = h.Staff(S, cls.agency)
        cls.staying = h.Staff(S, cls.agency)
        cls.stranger = h.Staff(S, cls.other)
        cls.admin = h.Staff(S, cls.agency, role="admin")

    def reassign(self, who, to):
        return self.admin.post_form("/admin/users/%s/reassign" % who, {"to": to},
                                    token_from="/admin")

    def assigned(self, rid):
        return S.psql("SELECT coalesce(s.username, '') FROM requests r LEFT JOIN staff s"
                      " ON s.id = r.assigned_to WHERE r.id = %d" % rid)

    def test_all_open_requests_move(self):
        c = self.leaving
        open_ = [c.register(), c.register()]
        done = c.register()
        for rid in open_ + [done]:
            c.act(rid, "assign", {"to": c.username})
        c.act(done, "reply", {"outcome": "disclosed", "text": "提供文件"})
        kept = self.staying.register()
        self.staying.act(kept, "assign", {"to": self.staying.username})

        # To someone of another agency: refused, and nothing moved.
        r = self.reassign(c.username, self.stranger.username)
        self.assertEqual(r.status, 422, r)
        self.assertIn("没有这个经办人", h.text_of(r.text))
        self.assertEqual([self.assigned(x) for x in open_], [c.username] * 2)
        self.assertEqual([h.events(S, x).count("assigned") for x in open_], [1, 1])

        r = self.reassign(c.username, self.staying.username)
        self.assertEqual(r.status, 200, r)
        self.assertIn("2件办理中的申请", h.text_of(r.text))
        for rid in open_:
            self.assertEqual(self.assigned(rid), self.staying.username)
            last = S.psql("SELECT concat_ws('|', e.action, s.role, e.data->>'to')"
                          " FROM request_events e JOIN staff s ON s.id = e.actor_staff_id"
                          " WHERE e.request_id = %d ORDER BY e.seq DESC LIMIT 1" % rid)
            self.assertEqual(last, "assigned|admin|%s" % self.staying.username)
        # The answered request and a colleague's are left as they were.
        self.assertEqual(self.assigned(done), c.username)
        self.assertEqual(self.assigned(kept), self.staying.username)

    def test_only_administrators(self):
        r = self.staying.post_form("/admin/users/%s/reassign" % self.leaving.username,
                                   {"to": self.staying.username}, token_from="/staff")
        self.assertEqual(r.status, 403, r)


if __name__ == "__main__":
    unittest.main()
