"""The application form (Art. 29): pages, every validation rule, submission
in one transaction, the receipt, double submission, concurrency, personal
data at rest, and the JSON route. On a stack of its own (nginx's POST
limit off: these tests POST a lot)."""

import glob
import json
import os
import re
import subprocess
import unittest

import stack
import test_citizen_helpers as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def year():
    return stack.beijing_today().year


class FormPagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "pages")

    def test_apply_lists_agencies_and_links_forms(self):
        r = S.get("/apply")
        self.assertEqual(r.status, 200)
        self.assertIn('href="/apply/%s"' % self.agency, r.text)
        self.assertIn("测试局" + self.agency, r.text)

    def test_home_links_to_working_forms(self):
        home = S.get("/").text
        self.assertIn('href="/apply/%s"' % self.agency, home)
        for code in re.findall(r'href="/apply/([a-z0-9_-]+)"', home)[:5]:
            self.assertEqual(S.get("/apply/" + code).status, 200, code)

    def test_form_has_labels_tokens_and_honeypot(self):
        r = S.get("/apply/" + self.agency)
        self.assertEqual(r.status, 200)
        page = r.text
        for field in ("name", "id_type", "id_number", "work_unit", "credit_code",
                      "legal_representative", "contact_name", "phone", "email", "address",
                      "postcode", "description", "document_ref", "declaration"):
            self.assertIn('<label for="f-%s"' % field, page, field)
            self.assertIn('id="f-%s"' % field, page, field)
        for kind in ("person", "business", "research", "nonprofit", "legal_service", "org_other"):
            self.assertIn('name="applicant_kind" value="%s"' % kind, page)
        for code in ("paper", "email", "cd", "disk"):
            self.assertIn('name="provision_forms" value="%s"' % code, page)
        for code in ("post", "express", "email", "fax", "pickup", "on_site"):
            self.assertIn('name="obtain_methods" value="%s"' % code, page)
        for label in ("居民身份证", "护照", "港澳居民来往内地通行证", "台湾居民来往大陆通行证",
                      "外国人永久居留身份证", "商业企业", "科研机构", "社会公益组织", "法律服务机构",
                      "纸质", "光盘", "磁盘", "邮寄", "快递", "传真", "自行领取", "当场阅读、抄录",
                      "20个工作日", "第三十一条"):
            self.assertIn(label, page)
        self.assertRegex(page, r'name="csrf_token" value="[^"]+"')
        self.assertRegex(page, r'name="submit_token" value="[A-Za-z0-9_-]{22}"')
        self.assertRegex(page, r'name="website" type="text" tabindex="-1"')
        self.assertNotIn("<script", page)
        self.assertNotIn("style=", page)
        # A fresh form preselects the usual document.
        self.assertIn('<option value="resident_id" selected>', page)

    def test_type_first_then_only_its_fields(self):
        """Issue 16, item 4: the blank form asks the type first (下一步, a GET
        for browsers without :has()); ?type=person|org shows only that
        group, so no field of the other is marked 必填."""
        path = "/apply/" + self.agency
        page = S.get(path).text
        step = re.search(r'<form class="kind-step[^"]*" method="get" action="%s".*?</form>'
                         % re.escape(path), page, re.S)
        self.assertIsNotNone(step, "no first step")
        self.assertEqual(re.findall(r'name="type" value="(\w+)"', step.group(0)), ["person", "org"])
        self.assertIn('name="next" value="1">下一步</button>', step.group(0))
        self.assertNotIn("csrf_token", step.group(0))     # a GET: no token in the address
        self.assertIn('<form class="apply needs-kind"', page)

        def required(text):
            return re.findall(r'<label for="f-(\w+)">[^<]*<span class="req">', text)

        person = S.get(path + "?type=person")
        self.assertEqual(person.status, 200)
        self.assertNotIn("kind-step", person.text)
        both = ["declaration", "privacy_consent"]
        self.assertEqual(required(person.text), ["name", "id_type", "id_number", "phone",
                                                 "description"] + both)
        self.assertEqual(h.checked_values(person.text, "applicant_kind"), ["person"])
        self.assertNotIn('name="credit_code"', person.text)
        self.assertIn('<input type="hidden" name="type" value="person">', person.text)
        org = S.get(path + "?type=org").text
        self.assertEqual(required(org), ["name", "credit_code", "legal_representative",
                                         "contact_name", "phone", "description"] + both)
        self.assertEqual(re.findall(r'name="applicant_kind" value="(\w+)"', org),
                         ["business", "research", "nonprofit", "legal_service", "org_other"])
        self.assertNotIn('name="id_number"', org)
        self.assertIn('href="%s">更改申请人类型</a>' % path, org)
        # 下一步 without a choice: the question again with its error; JSON says the step.
        self.assertEqual(S.get(path + "?type=").status, 422)
        r = S.get(path + "?next=1")
        self.assertEqual(r.status, 422)
        self.assertIn('<form class="kind-step form-section shown"', r.text)
        self.assertIn("请选择申请人类型", h.text_of(r.text))
        self.assertIn('href="#t-person"', r.text)
        j = S.request("GET", path + "?type=org", headers={"Accept": "application/json"}).json()
        self.assertEqual((j["kind_step"], j["show_person"], j["show_org"]), ("org", False, True))
        # An organisation's form sent back without a category stays the organisation's.
        c = h.Client(S)
        r = c.submit(self.agency, h.organisation(applicant_kind="", type="org"))
        self.assertEqual(r.status, 422)
        self.assertNotIn('name="id_number"', r.text)
        self.assertIn('href="#f-applicant_kind-business"', r.text)

    def test_each_form_gets_its_own_token(self):
        c = h.Client(S)
        self.assertNotEqual(c.form(self.agency), c.form(self.agency))

    def test_unknown_agency_is_404_in_chinese(self):
        r = S.get("/apply/no-such-agency")
        self.assertEqual(r.status, 404)
        self.assertIn("受理机关", r.text)
        self.assertEqual(S.post_json("/api/v1/agencies/no-such-agency/requests",
                                     h.api_body(h.person())).status, 404)

    def test_post_without_csrf_token_is_refused(self):
        c = h.Client(S)
        token = c.form(self.agency)
        f = h.person(submit_token=token, csrf_token="wrong")
        before = h.count_requests(S, self.agency)
        self.assertEqual(c.post("/apply/" + self.agency, f).status, 403)
        self.assertEqual(h.count_requests(S, self.agency), before)

    def test_closed_agency_shows_notice_and_refuses(self):
        code = h.new_agency(S, "closed")
        S.psql("UPDATE agencies SET accepting = false WHERE code = '%s'" % code)
        r = S.get("/apply/" + code)
        self.assertEqual(r.status, 200)
        self.assertIn("暂停受理网上申请", r.text)
        self.assertNotIn('name="submit_token"', r.text)
        c = h.Client(S)
        c.csrf()
        r = c.post("/apply/" + code, h.person(submit_token="x" * 22))
        self.assertEqual(r.status, 409)
        self.assertEqual(S.post_json("/api/v1/agencies/%s/requests" % code,
                                     h.api_body(h.person())).status, 409)
        self.assertEqual(h.count_requests(S, code), 0)


class SubmissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "sub")

    def test_person_submission_stores_request_event_and_counter(self):
        c = h.Client(S)
        r = c.submit(self.agency, h.person(phone="138 1234 5678", work_unit="某某学校"))
        self.assertEqual(r.status, 201, r)
        no, code = h.receipt_keys(r.text)
        self.assertRegex(no, r"^%s-%d-\d{6}$" % (re.escape(self.agency), year()))
        # 10 characters of a 32-letter alphabet: 50 bits.
        self.assertRegex(code, r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")
        page = h.text_of(r.text)
        for text in ("申请编号", "查询码", "测试局" + self.agency, "道路维修工程", "第三十一条",
                     "20个工作日", "/status", "北京时间"):
            self.assertIn(text, page)
        self.assertIn('href="/status?no=%s"' % no, r.text)
        got = h.row(S, no, "status, applicant_kind, name, id_type, work_unit, channel,"
                           " received_on, provision_forms, obtain_methods, email, postcode,"
                           " octet_length(query_code_hash) AS qlen, octet_length(id_number_hash) AS ilen,"
                           " octet_length(phone_hash) AS plen, submit_token IS NOT NULL AS has_token")
        self.assertEqual(got, {
            "status": "submitted", "applicant_kind": "person", "name": "张三",
            "id_type": "resident_id", "work_unit": "某某学校", "channel": "online",
            "received_on": None, "provision_forms": ["paper", "email"],
            "obtain_methods": ["email", "post"], "email": "zhangsan@example.com",
            "postcode": "100010", "qlen": 32, "ilen": 32, "plen": 32, "has_token": True})
        events = S.psql("SELECT seq || ' ' || action || ' ' || actor_kind || ' ' ||"
                        " coalesce(actor_staff_id::text, '-') FROM request_events e"
                        " JOIN requests r ON r.id = e.request_id WHERE r.tracking_no = '%s'" % no)
        self.assertEqual(events, "1 submitted applicant -")
        last = S.psql("SELECT last_no FROM tracking_counters t JOIN agencies a ON a.id = t.agency_id"
                      " WHERE a.code = '%s' AND t.year = %d" % (self.agency, year()))
        self.assertEqual(int(last), int(no.rsplit("-", 1)[1]))

    def test_numbers_count_up_per_agency(self):
        other = h.new_agency(S, "seq")
        c = h.Client(S)
        nos = [c.apply(other, h.person())[0] for _ in range(3)]
        self.assertEqual([n.rsplit("-", 1)[1] for n in nos], ["000001", "000002", "000003"])

    def test_organisation_submission(self):
        c = h.Client(S)
        no, code = c.apply(self.agency, h.organisation(applicant_kind="research",
                                                       id_number="ignored for organisations"))
        got = h.row(S, no, "applicant_kind, name, credit_code, legal_representative,"
                           " contact_name, id_type, id_number_enc IS NULL AS no_id")
        self.assertEqual(got, {"applicant_kind": "research", "name": "示例科技有限公司",
                               "credit_code": h.VALID_CREDIT, "legal_representative": "李四",
                               "contact_name": "王五", "id_type": None, "no_id": True})

    def test_other_identity_documents(self):
        c = h.Client(S)
        for id_type, number in (("passport", "E12345678"), ("hk_macao_permit", "H12345678"),
                                ("taiwan_permit", "12345678"),
                                ("foreign_permanent_id", "USA123456789012"),
                                ("other", "军官证 第123号")):
            with self.subTest(id_type=id_type):
                no, _ = c.apply(self.agency, h.person(id_type=id_type, id_number=number))
                self.assertEqual(h.row(S, no, "id_type")["id_type"], id_type)

    def test_full_width_input_is_accepted(self):
        c = h.Client(S)
        no, _ = c.apply(self.agency, h.person(phone="１３８１２３４５６７８",
                                              id_number="１１０１０５１９４９１２３１００２ｘ",
                                              postcode="１０００１０"))
        self.assertEqual(h.row(S, no, "postcode")["postcode"], "100010")

    def test_credit_code_failing_check_is_a_warning_to_confirm(self):
        c = h.Client(S)
        bad = "91350100M000100Y4Z"[:-1] + ("0" if h.VALID_CREDIT[-1] != "0" else "1")
        token = c.form(self.agency)
        before = h.count_requests(S, self.agency)
        r = c.submit(self.agency, h.organisation(credit_code=bad), token)
        self.assertEqual(r.status, 422)
        self.assertIn("校验位", h.field_error(r.text, "credit_code"))
        self.assertIn('name="credit_code_confirmed"', r.text)
        self.assertEqual(h.input_value(r.text, "credit_code"), bad)
        r = c.submit(self.agency, h.organisation(credit_code=bad, credit_code_confirmed="true"), token)
        self.assertEqual(r.status, 201, r)
        no, _ = h.receipt_keys(r.text)
        self.assertEqual(h.row(S, no, "credit_code")["credit_code"], bad)
        self.assertEqual(h.count_requests(S, self.agency), before + 1)
        # A code with a letter outside GB 32100's alphabet cannot be confirmed.
        r = c.submit(self.agency, h.organisation(credit_code="91350100M000100Y4I",
                                                 credit_code_confirmed="true"))
        self.assertEqual(r.status, 422)
        self.assertIn("不允许的字符", h.field_error(r.text, "credit_code"))

    def test_honeypot_filled_is_not_stored(self):
        c = h.Client(S)
        before = h.count_requests(S, self.agency)
        r = c.submit(self.agency, h.person(website="http://spam.example"))
        self.assertEqual(r.status, 422)
        self.assertEqual(h.count_requests(S, self.agency), before)
        self.assertIn("网址", h.field_error(r.text, "website"))


class ValidationTest(unittest.TestCase):
    """Every rule, each with bad input: 422, the message beside its field
    (aria-describedby, aria-invalid), everything typed still there, nothing
    stored."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "val")
        cls.client = h.Client(S)

    def rejected(self, fields, field, fragment):
        before = h.count_requests(S, self.agency)
        r = self.client.submit(self.agency, fields)
        self.assertEqual(r.status, 422, "%s: %r" % (field, r))
        msg = h.field_error(r.text, field)
        self.assertIsNotNone(msg, "no error beside %s" % field)
        self.assertIn(fragment, msg)
        # The message is tied to its control and listed in the summary.
        self.assertIn('href="#f-%s' % field, r.text)
        self.assertRegex(r.text, r'aria-describedby="[^"]*f-%s-err' % re.escape(field))
        self.assertIn('aria-invalid="true"', r.text)
        self.assertIn("提交未成功", r.text)
        self.assertEqual(h.count_requests(S, self.agency), before)
        return r

    def test_rules(self):
        cases = [
            ({"id_number": "110105194912310021"}, "id_number", "校验位"),
            ({"id_number": h.resident_id("11010519490231001")}, "id_number", "出生日期"),
            ({"id_number": h.resident_id("110105%d0101001" % (year() + 1))}, "id_number", "出生日期"),
            ({"id_number": "1101051949123100"}, "id_number", "18位"),
            ({"id_number": ""}, "id_number", "请填写证件号码"),
            ({"id_type": "", "id_number": "E1234567"}, "id_type", "请选择证件类型"),
            ({"id_type": "driving_licence"}, "id_type", "证件类型不正确"),
            ({"id_type": "passport", "id_number": "E1"}, "id_number", "护照号码"),
            ({"id_type": "hk_macao_permit", "id_number": "X12345678"}, "id_number", "港澳"),
            ({"id_type": "taiwan_permit", "id_number": "1234"}, "id_number", "台湾"),
            ({"id_type": "foreign_permanent_id", "id_number": "ABC"}, "id_number", "外国人"),
            ({"id_type": "other", "id_number": "x" * 41}, "id_number", "40"),
            ({"applicant_kind": "alien"}, "applicant_kind", "申请人类型不正确"),
            ({"applicant_kind": ""}, "applicant_kind", "请选择申请人类型"),
            ({"name": ""}, "name", "请填写姓名"),
            ({"name": "   "}, "name", "请填写姓名"),
            ({"name": "名" * 201}, "name", "200"),
            ({"work_unit": "单" * 201}, "work_unit", "200"),
            ({"phone": ""}, "phone", "请填写联系电话"),
            ({"phone": "12345"}, "phone", "电话号码格式不正确"),
            ({"phone": "1381234567"}, "phone", "电话号码格式不正确"),
            ({"phone": "138abc45678"}, "phone", "电话号码格式不正确"),
            ({"email": "not-an-email"}, "email", "电子邮箱格式不正确"),
            ({"email": "a@b@c.cn"}, "email", "电子邮箱格式不正确"),
            ({"email": ""}, "email", "您选择了电子邮件"),
            ({"address": ""}, "address", "您选择了邮寄或快递"),
            ({"postcode": ""}, "postcode", "您选择了邮寄或快递"),
            ({"postcode": "10001"}, "postcode", "6位数字"),
            ({"obtain_methods": ["fax"], "fax": ""}, "fax", "您选择了传真"),
            ({"obtain_methods": ["fax"], "fax": "fax me"}, "fax", "传真号码格式不正确"),
            ({"description": ""}, "description", "请描述"),
            ({"description": "太短了"}, "description", "至少写10个字"),
            ({"description": "长" * 3000}, "description", "2000"),
            ({"description": "这是一段描述\x07含有响铃控制字符的文字"}, "description", "控制字符"),
            ({"document_ref": "号" * 201}, "document_ref", "200"),
            ({"name": "张\n三"}, "name", "不能换行"),
            ({"provision_forms": []}, "provision_forms", "至少选择一种"),
            ({"provision_forms": ["paper", "carrier_pigeon"]}, "provision_forms", "不正确"),
            ({"obtain_methods": []}, "obtain_methods", "至少选择一种"),
            ({"obtain_methods": ["teleport"]}, "obtain_methods", "不正确"),
            ({"declaration": ""}, "declaration", "声明"),
            ({"applicant_kind": "business", "credit_code": ""}, "credit_code", "请填写统一社会信用代码"),
            ({"applicant_kind": "business", "credit_code": "123"}, "credit_code", "18位"),
            ({"applicant_kind": "nonprofit", "credit_code": h.VALID_CREDIT,
              "legal_representative": ""}, "legal_representative", "法定代表人"),
            ({"applicant_kind": "legal_service", "credit_code": h.VALID_CREDIT,
              "legal_representative": "李四", "contact_name": ""}, "contact_name", "联系人"),
        ]
        for overrides, field, fragment in cases:
            with self.subTest(field=field, overrides=str(overrides)[:60]):
                self.rejected(h.person(**overrides), field, fragment)

    def test_every_value_comes_back_after_an_error(self):
        f = h.person(name="王小明", work_unit="第一中学", phone="010-12345678", fax="010-87654321",
                     email="wang@example.cn", address="某县某路2号", postcode="123456",
                     description="测试描述<不完整>", document_ref="某府发〔2025〕1号",
                     provision_forms=["cd", "disk"], obtain_methods=["pickup", "on_site"],
                     id_number="110105194912310021")
        r = self.rejected(f, "id_number", "校验位")
        for name in ("name", "work_unit", "phone", "fax", "email", "address", "postcode",
                     "document_ref", "id_number"):
            self.assertEqual(h.input_value(r.text, name), f[name], name)
        self.assertEqual(h.textarea_value(r.text, "description"), f["description"])
        self.assertEqual(h.checked_values(r.text, "provision_forms"), ["cd", "disk"])
        self.assertEqual(h.checked_values(r.text, "obtain_methods"), ["on_site", "pickup"])
        self.assertEqual(h.checked_values(r.text, "applicant_kind"), ["person"])
        self.assertIn('id="f-declaration" name="declaration" value="true" checked', r.text)
        self.assertIn('<option value="resident_id" selected>', r.text)
        # Several errors at once, each beside its field.
        r = self.client.submit(self.agency, h.person(name="", phone="x", declaration=""))
        self.assertEqual(r.status, 422)
        for field in ("name", "phone", "declaration"):
            self.assertIsNotNone(h.field_error(r.text, field), field)
        self.assertIn("有 3 处需要修改", r.text)

    def test_corrected_form_then_creates_one_request(self):
        c = h.Client(S)
        token = c.form(self.agency)
        before = h.count_requests(S, self.agency)
        r = c.submit(self.agency, h.person(id_number="110105194912310021"), token)
        self.assertEqual(r.status, 422)
        self.assertEqual(h.input_value(r.text, "submit_token"), token)
        r = c.submit(self.agency, h.person(), token)
        self.assertEqual(r.status, 201)
        self.assertEqual(h.count_requests(S, self.agency), before + 1)

    def test_invalid_utf8_is_refused_and_nothing_stored(self):
        c = h.Client(S)
        token = c.form(self.agency)
        before = h.count_requests(S, self.agency)
        body = ("csrf_token=%s&submit_token=%s&applicant_kind=person&name=%%FF%%FE&declaration=true"
                % (c.csrf(), token))
        r = S.request("POST", "/apply/" + self.agency, body=body,
                      headers={"Content-Type": "application/x-www-form-urlencoded",
                               "Cookie": "ysqgk_csrf=" + c.cookies["ysqgk_csrf"]})
        self.assertEqual(r.status, 400)
        raw = json.dumps(h.api_body(h.person()), ensure_ascii=False).encode()
        raw = raw.replace("张三".encode(), b"\xff\xfe")
        self.assertIn(b"\xff", raw)
        r = S.request("POST", "/api/v1/agencies/%s/requests" % self.agency, body=raw,
                      headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        # JSON escapes that decode to a NUL or a lone surrogate.
        for bad in ("张\\u0000三", "\\ud800"):
            body = json.dumps(h.api_body(h.person(name="NAME"))).replace("NAME", bad)
            r = S.request("POST", "/api/v1/agencies/%s/requests" % self.agency, body=body,
                          headers={"Content-Type": "application/json"})
            self.assertIn(r.status, (400, 422), bad)
        self.assertEqual(h.count_requests(S, self.agency), before)

    def test_script_and_sql_in_every_field_are_shown_escaped(self):
        fields = {k: h.PAYLOAD for k in (
            "applicant_kind", "name", "id_type", "id_number", "work_unit", "credit_code",
            "legal_representative", "contact_name", "phone", "email", "address", "postcode",
            "fax", "description", "document_ref", "declaration")}
        fields["provision_forms"] = [h.PAYLOAD]
        fields["obtain_methods"] = [h.PAYLOAD]
        before = h.count_requests(S, self.agency)
        r = self.client.submit(self.agency, fields)
        self.assertEqual(r.status, 422)
        self.assertNotIn("<script>alert", r.text)
        self.assertIn("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&#39; OR", r.text)
        for name in ("name", "work_unit", "phone", "email", "address", "postcode", "fax",
                     "document_ref", "credit_code", "legal_representative", "contact_name",
                     "id_number"):
            self.assertEqual(h.input_value(r.text, name), h.PAYLOAD, name)
        self.assertEqual(h.textarea_value(r.text, "description"), h.PAYLOAD)
        self.assertEqual(h.count_requests(S, self.agency), before)
        self.assertEqual(S.psql("SELECT to_regclass('requests') IS NOT NULL"), "t")

    def test_script_and_sql_are_stored_verbatim(self):
        c = h.Client(S)
        p = h.PAYLOAD
        f = h.person(name="张三" + p, work_unit=p, address=p, description="请公开以下信息：" + p,
                     document_ref=p, id_type="other", id_number="<b>1</b>' OR 1=1--")
        r = c.submit(self.agency, f)
        self.assertEqual(r.status, 201, r)
        self.assertNotIn("<script>alert", r.text)
        self.assertIn("&lt;script&gt;", r.text)
        no, code = h.receipt_keys(r.text)
        got = h.row(S, no, "name, work_unit, address, description, document_ref")
        self.assertEqual(got, {"name": "张三" + p, "work_unit": p, "address": p,
                               "description": "请公开以下信息：" + p, "document_ref": p})
        org = h.organisation(name=p, legal_representative=p, contact_name=p)
        r = c.submit(self.agency, org)
        self.assertEqual(r.status, 201, r)
        no2, _ = h.receipt_keys(r.text)
        self.assertEqual(h.row(S, no2, "name, legal_representative, contact_name"),
                         {"name": p, "legal_representative": p, "contact_name": p})
        status = c.lookup(no, code)
        self.assertEqual(status.status, 200)
        self.assertNotIn("<script>alert", status.text)
        self.assertIn("&lt;script&gt;", status.text)


class DoubleSubmissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "dbl")

    def test_same_form_twice_is_one_request_with_the_same_receipt(self):
        c = h.Client(S)
        token = c.form(self.agency)
        before = h.count_requests(S, self.agency)
        first = c.submit(self.agency, h.person(), token)
        again = c.submit(self.agency, h.person(), token)
        self.assertEqual(first.status, 201)
        self.assertEqual(again.status, 200)
        self.assertEqual(h.receipt_keys(first.text), h.receipt_keys(again.text))
        self.assertIn("已经提交过", again.text)
        self.assertEqual(h.count_requests(S, self.agency), before + 1)
        # The code shown again is the code that opens the request.
        no, code = h.receipt_keys(again.text)
        self.assertEqual(c.lookup(no, code).status, 200)

    def test_after_an_hour_the_code_is_not_shown_again(self):
        c = h.Client(S)
        token = c.form(self.agency)
        no, code = h.receipt_keys(c.submit(self.agency, h.person(), token).text)
        S.psql("UPDATE requests SET submitted_at = submitted_at - interval '2 hours'"
               " WHERE tracking_no = '%s'" % no)
        again = c.submit(self.agency, h.person(), token)
        self.assertEqual(again.status, 200)
        self.assertEqual(h.receipt_keys(again.text), (no, None))
        self.assertIn("查询码已在首次提交时显示", again.text)
        self.assertNotIn(code, again.text)

    def test_simultaneous_double_click_makes_one_request(self):
        c = h.Client(S)
        token = c.form(self.agency)
        csrf = c.csrf()
        before = h.count_requests(S, self.agency)
        results = h.parallel(6, lambda i: c.submit(self.agency, h.person(csrf_token=csrf), token))
        self.assertEqual(sorted(r.status for r in results), [200] * 5 + [201])
        self.assertEqual(len({h.receipt_keys(r.text)[0] for r in results}), 1)
        self.assertEqual(h.count_requests(S, self.agency), before + 1)

    def test_a_new_form_is_a_new_request(self):
        c = h.Client(S)
        a = c.apply(self.agency, h.person())
        b = c.apply(self.agency, h.person())
        self.assertNotEqual(a[0], b[0])

    def test_api_submit_token_is_idempotent(self):
        body = h.api_body(h.person())
        body["submit_token"] = "api-token-0123456789abcdefXYZ"
        path = "/api/v1/agencies/%s/requests" % self.agency
        first, again = S.post_json(path, body), S.post_json(path, body)
        self.assertEqual((first.status, again.status), (201, 200))
        self.assertEqual(first.json()["tracking_no"], again.json()["tracking_no"])
        self.assertEqual(first.json()["query_code"], again.json()["query_code"])
        self.assertTrue(again.json()["repeated"])
        body["submit_token"] = "short"
        r = S.post_json(path, body)
        self.assertEqual(r.status, 422)
        self.assertIn("submit_token", r.json()["errors"])


class ConcurrencyTest(unittest.TestCase):
    def test_fifty_concurrent_submissions_get_fifty_consecutive_numbers(self):
        agency = h.new_agency(S, "race")
        body = h.api_body(h.person())
        path = "/api/v1/agencies/%s/requests" % agency
        results = h.parallel(50, lambda i: S.post_json(path, body))
        self.assertEqual([r.status for r in results if not hasattr(r, "status") or r.status != 201], [])
        numbers = sorted(r.json()["tracking_no"] for r in results)
        self.assertEqual(numbers, ["%s-%d-%06d" % (agency, year(), i) for i in range(1, 51)])
        self.assertEqual(len({r.json()["query_code"] for r in results}), 50)
        self.assertEqual(h.count_requests(S, agency), 50)


class PersonalDataAtRestTest(unittest.TestCase):
    def test_database_dump_holds_no_identity_number_phone_or_query_code(self):
        agency = h.new_agency(S, "pii")
        c = h.Client(S)
        ids = [h.resident_id("4405241880010100%d" % i) for i in range(3)]
        phones = ["1391234%04d" % (7000 + i) for i in range(3)]
        codes = []
        for i in range(3):
            token = c.form(agency)
            r = c.submit(agency, h.person(id_number=ids[i].lower(), phone=phones[i],
                                          fax="021-5555%04d" % i), token)
            self.assertEqual(r.status, 201, r)
            codes.append(h.receipt_keys(r.text)[1])
        codes.append(S.post_json("/api/v1/agencies/%s/requests" % agency,
                                 h.api_body(h.person(id_type="passport", id_number="E99887766",
                                                     phone="+86 139-8888-0000"))).json()["query_code"])
        dump = pg_dump(S)
        self.assertIn("\u5f20\u4e09", dump)  # the dump does hold the clear name: it is not secret
        for secret in ids + [i.lower() for i in ids] + phones + ["E99887766", "13988880000",
                                                                 "139-8888-0000"]:
            self.assertNotIn(secret, dump, secret)
        for code in codes:
            self.assertNotIn(code, dump)
            self.assertNotIn(code.replace("-", ""), dump)
        # …yet the keyed hashes recognise the same applicant.
        same = S.psql("SELECT count(DISTINCT id_number_hash) FROM requests r JOIN agencies a"
                      " ON a.id = r.agency_id WHERE a.code = '%s' AND r.id_type = 'resident_id'" % agency)
        self.assertEqual(same, "3")


def pg_dump(s):
    pgbin = sorted(glob.glob("/usr/lib/postgresql/*/bin"))[-1]
    cmd = [os.path.join(pgbin, "pg_dump"), "-h", os.path.join(s.dir, "pgsock"), "-d", "ysqgk"]
    if os.getuid() == 0:
        cmd[1:1] = ["-U", "postgres"]
    r = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return r.stdout


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "api")
        cls.path = "/api/v1/agencies/%s/requests" % cls.agency

    def test_create_returns_201_with_number_code_and_status(self):
        r = S.post_json(self.path, h.api_body(h.organisation(applicant_kind="org_other")))
        self.assertEqual(r.status, 201, r)
        body = r.json()
        self.assertRegex(body["tracking_no"], r"^%s-\d{4}-\d{6}$" % self.agency)
        self.assertRegex(body["query_code"], r"^[0-9A-Z]{5}-[0-9A-Z]{5}$")
        self.assertEqual(body["status"], "submitted")
        self.assertIn("application/json", r.header("Content-Type"))
        self.assertEqual(S.post_json("/api/v1/status", {"tracking_no": body["tracking_no"],
                                                        "query_code": body["query_code"]}).status, 200)

    def test_invalid_body_gives_422_with_field_messages(self):
        body = h.api_body(h.person(applicant_kind="martian", description="短", phone=""))
        body["declaration"] = False
        body["provision_forms"] = "paper"
        r = S.post_json(self.path, body)
        self.assertEqual(r.status, 422)
        errors = r.json()["errors"]
        self.assertEqual(set(errors), {"applicant_kind", "description", "phone", "declaration",
                                       "provision_forms"})
        self.assertIn("申请人类型", errors["applicant_kind"])

    def test_wrong_types_and_shapes(self):
        for body in ({"name": 42}, {"declaration": "true"}, {"obtain_methods": [1, 2]}):
            full = h.api_body(h.person())
            full.update(body)
            r = S.post_json(self.path, full)
            self.assertEqual(r.status, 422, body)
        self.assertEqual(S.post_json(self.path, ["not", "an", "object"]).status, 400)
        r = S.request("POST", self.path, body="applicant_kind=person",
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 415)

    def test_credit_code_confirmation_through_the_api(self):
        bad = h.VALID_CREDIT[:-1] + ("0" if h.VALID_CREDIT[-1] != "0" else "1")
        body = h.api_body(h.organisation(credit_code=bad))
        r = S.post_json(self.path, body)
        self.assertEqual(r.status, 422)
        self.assertTrue(r.json()["credit_code_unconfirmed"])
        body["credit_code_confirmed"] = True
        self.assertEqual(S.post_json(self.path, body).status, 201)


if __name__ == "__main__":
    unittest.main()
