"""Agencies become editable (issue 11.1): `ysqgk agency set|show` and the
administrator's agency page edit name, parent, kind, review body, court,
office, accepting and the periods, each checked (exit 2 / 422 on bad input)
and written to audit_log; the review body derived from the hierarchy
(行政复议法 Art. 24) is shown for confirmation; `ysqgk check` warns about
an agency with no review body; the status page's overdue text names it.
On a stack of its own."""

import json
import re
import unittest

import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def ysqgk_set(code, key, value, expect=0):
    r = S.ysqgk("agency", "set", code, key, value)
    assert r.returncode == expect, (key, value, r.returncode, r.stderr)
    return r


def show(code):
    r = S.ysqgk("agency", "show", code)
    assert r.returncode == 0, r.stderr
    return dict(line.split("\t", 1) for line in r.stdout.splitlines() if not line.startswith("#"))


def audit(code):
    out = S.psql("SELECT coalesce(json_agg(data ORDER BY id), '[]') FROM audit_log"
                 " WHERE action = 'agency_updated' AND agency_id ="
                 " (SELECT id FROM agencies WHERE code = '%s')" % code)
    return json.loads(out)


class CommandLineTest(unittest.TestCase):
    def test_every_key_set_shown_and_audited(self):
        gov = h.new_agency(S, "cg")
        code = h.new_agency(S, "cl")
        values = {"name": "测试县教育局", "parent": gov, "kind": "government",
                  "review_body": "测试市人民政府", "court": "测试县人民法院",
                  "address": "测试县人民路1号", "phone": "0571-12345678", "hours": "工作日9:00-17:00",
                  "accepting": "false", "confirm_workdays": "2", "supplement_workdays": "15",
                  "fee_pay_workdays": "20", "backdate_workdays": "5"}
        for key, value in values.items():
            ysqgk_set(code, key, value)
        shown = show(code)
        for key, value in values.items():
            self.assertEqual(shown[key], value, key)
        self.assertEqual(shown["review_body_source"], "set")
        row = json.loads(S.psql("SELECT row_to_json(a) FROM agencies a WHERE code = '%s'" % code))
        self.assertEqual(row["office_address"], "测试县人民路1号")
        self.assertFalse(row["accepting"])
        self.assertEqual(row["kind"], "government")
        # Existing setting names: what workflow.c reads.
        self.assertEqual(row["settings"]["supplement_workdays"], 15)
        self.assertEqual(row["settings"]["review_body"], "测试市人民政府")
        lines = audit(code)
        self.assertEqual([a["key"] for a in lines], list(values))
        self.assertEqual(lines[0]["new"], "测试县教育局")
        self.assertEqual(lines[0]["by"], "command line")
        # The same value again changes nothing and logs nothing.
        ysqgk_set(code, "phone", "0571-12345678")
        self.assertEqual(len(audit(code)), len(values))
        # "" clears an optional field or setting.
        ysqgk_set(code, "phone", "")
        ysqgk_set(code, "supplement_workdays", "")
        shown = show(code)
        self.assertEqual(shown["phone"], "")
        self.assertEqual(shown["supplement_workdays"], "")

    def test_bad_input_exits_2_and_changes_nothing(self):
        code = h.new_agency(S, "cb")
        child = h.new_agency(S, "cc", parent=code)
        before = S.psql("SELECT row_to_json(a) FROM agencies a WHERE code = '%s'" % code)
        cases = [("kind", "bureau", "kind"), ("accepting", "maybe", "accepting"),
                 ("supplement_workdays", "0", "1到60"), ("supplement_workdays", "61", "1到60"),
                 ("fee_pay_workdays", "ten", "1到60"), ("confirm_workdays", "11", "1到10"),
                 ("backdate_workdays", "-1", "0到60"), ("name", "", "机关名称"),
                 ("name", "x" * 201, "机关名称"), ("parent", "no-such-agency", "没有代码"),
                 ("parent", code, "自己"), ("parent", child, "成环"),
                 ("colour", "red", "没有设置项"), ("phone", "1\n2", "控制字符")]
        for key, value, says in cases:
            with self.subTest(key=key, value=value):
                r = ysqgk_set(code, key, value, expect=2)
                self.assertIn(says, r.stderr)
        self.assertEqual(S.psql("SELECT row_to_json(a) FROM agencies a WHERE code = '%s'" % code), before)
        self.assertEqual(audit(code), [])
        r = S.ysqgk("agency", "set", "no-such-agency", "name", "x")
        self.assertEqual(r.returncode, 2)
        r = S.ysqgk("agency", "set", code, "name")
        self.assertEqual(r.returncode, 2)
        self.assertIn("usage", r.stderr)
        r = S.ysqgk("agency", "show", "no-such-agency")
        self.assertEqual(r.returncode, 2)

    def test_review_body_derived_and_check_warns(self):
        gov = h.new_agency(S, "dg")
        ysqgk_set(gov, "kind", "government")
        ysqgk_set(gov, "name", "测试县人民政府" + gov)
        dept = h.new_agency(S, "dd", parent=gov)
        shown = show(dept)
        self.assertEqual(shown["review_body_named"], "测试县人民政府" + gov)
        self.assertEqual(shown["review_body_source"], "derived")
        self.assertIn("confirm", S.ysqgk("agency", "show", dept).stdout)
        # A government without a parent: nobody above it.
        shown = show(gov)
        self.assertEqual(shown["review_body_source"], "unknown")
        self.assertEqual(shown["review_body_named"], "上一级人民政府")
        r = S.ysqgk("check")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stderr, r"warning: agency %s \(.*\) has no review body" % gov)
        self.assertNotIn("agency %s " % dept, r.stderr)
        ysqgk_set(gov, "review_body", "测试市人民政府")
        self.assertNotIn("agency %s " % gov, S.ysqgk("check").stderr)


class AdminPageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gov = h.new_agency(S, "pg")
        ysqgk_set(cls.gov, "kind", "government")
        ysqgk_set(cls.gov, "name", "测试县人民政府" + cls.gov)
        cls.admin = h.Staff(S, cls.gov, role="admin")

    def setUp(self):
        self.dept = h.new_agency(S, "pd", parent=self.gov)

    def page(self, code):
        return "/admin/agencies/" + code

    def post_json(self, path, body):
        return self.admin.keep(S.post_json(path, body, headers=self.admin.headers(
            {"Accept": "application/json"})))

    def test_show_confirm_and_edit(self):
        r = self.admin.get("/admin/agencies")
        self.assertEqual(r.status, 200)
        self.assertIn(self.page(self.dept), r.text)
        r = self.admin.get(self.page(self.dept))
        self.assertEqual(r.status, 200)
        text = h.text_of(r.text)
        self.assertIn("按上级机关推定为“测试县人民政府%s”" % self.gov, text)
        j = self.admin.get(self.page(self.dept), json_=True).json()
        self.assertEqual(j["agency"]["review_body_source"], "derived")
        self.assertEqual(j["agency"]["review_body_named"], "测试县人民政府" + self.gov)
        # Confirming stores it as the setting.
        r = self.admin.post_form(self.page(self.dept), {"confirm_review_body": "1"},
                                 token_from=self.page(self.dept))
        self.assertEqual(r.status, 200, r)
        self.assertEqual(show(self.dept)["review_body"], "测试县人民政府" + self.gov)
        self.assertEqual(show(self.dept)["review_body_source"], "set")
        # The whole form, as the browser sends it: only changed keys logged.
        fields = {"name": "测试县交通运输局", "parent": self.gov, "kind": "department",
                  "review_body": "测试县人民政府" + self.gov, "court": "", "address": "交通路2号",
                  "phone": "", "hours": "", "accepting": "true", "confirm_workdays": "",
                  "supplement_workdays": "12", "fee_pay_workdays": "", "backdate_workdays": ""}
        r = self.admin.post_form(self.page(self.dept), fields, token_from=self.page(self.dept))
        self.assertEqual(r.status, 200, r)
        self.assertIn("已保存（修改3项）", h.text_of(r.text))
        keys = [a["key"] for a in audit(self.dept)]
        self.assertEqual(keys, ["review_body", "name", "address", "supplement_workdays"])
        staff_id = S.psql("SELECT actor_staff_id FROM audit_log WHERE action = 'agency_updated'"
                          " ORDER BY id DESC LIMIT 1")
        self.assertEqual(int(staff_id), self.admin.id)

    def test_bad_input_is_422_and_all_or_nothing(self):
        before = show(self.dept)
        fields = {"name": "改了名字", "supplement_workdays": "99"}
        r = self.admin.post_form(self.page(self.dept), fields, token_from=self.page(self.dept))
        self.assertEqual(r.status, 422, r)
        self.assertIn("1到60", h.text_of(r.text))
        self.assertEqual(show(self.dept), before)
        r = self.post_json(self.page(self.dept), {"kind": "bureau"})
        self.assertEqual(r.status, 422, r)
        r = self.post_json(self.page(self.dept), {"hours": "周一至周五", "accepting": False})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["agency"]["hours"], "周一至周五")
        self.assertFalse(r.json()["agency"]["accepting"])

    def test_csrf_scope_and_roles(self):
        # A form without the token is refused, nothing changes.
        r = self.admin.keep(S.post_form(self.page(self.dept), {"name": "无令牌"},
                                        headers=self.admin.headers()))
        self.assertEqual(r.status, 403, r)
        self.assertNotEqual(show(self.dept)["name"], "无令牌")
        # Outside the administrator's scope: 404, as if none.
        other = h.new_agency(S, "po")
        self.assertEqual(self.admin.get(self.page(other)).status, 404)
        self.assertEqual(self.admin.post_json(self.page(other), {"name": "x"}).status, 404)
        # A parent outside the scope is refused.
        r = self.admin.post_json(self.page(self.dept), {"parent": other})
        self.assertEqual(r.status, 422, r)
        # A clerk may not.
        clerk = h.Staff(S, self.dept)
        self.assertEqual(clerk.get(self.page(self.dept)).status, 403)
        self.assertEqual(clerk.post_json(self.page(self.dept), {"name": "x"}).status, 403)


class StatusOverdueTest(unittest.TestCase):
    def test_overdue_text_names_the_review_body(self):
        gov = h.new_agency(S, "sg")
        ysqgk_set(gov, "kind", "government")
        ysqgk_set(gov, "name", "测试县人民政府" + gov)
        dept = h.new_agency(S, "sd", parent=gov)
        clerk = h.Staff(S, dept)
        received = h.workdays_add(S, h.today(), -30)
        body = h.applicant(channel="post", received_on=received, backdate_reason="纸质台账补录")
        body.pop("declaration")
        r = clerk.post_json("/api/v1/agencies/%s/requests" % dept, body)
        self.assertEqual(r.status, 201, r)
        no, code = r.json()["tracking_no"], r.json()["query_code"]
        j = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code}).json()
        self.assertGreater(j["workdays_overdue"], 0)
        self.assertEqual(j["agency"]["review_body"], "测试县人民政府" + gov)
        c = h.Client(S)
        r = c.post_form("/status", {"tracking_no": no, "query_code": code}, token_from="/status")
        self.assertEqual(r.status, 200, r)
        self.assertIn("可以依法向测试县人民政府%s申请行政复议" % gov, h.text_of(r.text))


if __name__ == "__main__":
    unittest.main()
