"""The report for staff, through nginx on a stack of its own (these tests
POST more than the per-address limit allows): sign-in and scope, the page,
the API, CSV, table 二 and the prose, publishing with its checks, later
changes shown as differences, the carry-over check across a published
year, the administrator's ledger upload, and the page in a real browser
(printed to PDF, page 1 as PNG)."""

import csv
import io
import os
import re
import shutil
import subprocess
import unittest

import stack
from test_report_helpers import Ledger, new_agency, report
from test_staff_common import PASSWORD, Client, Staff, add_user, own_stack

BROWSER_DIR = os.path.join(stack.ROOT, "tests", "browser")
SCREENSHOTS = os.path.join(stack.ROOT, "tests", "out", "screenshots")

TABLE2_2021 = {
    "rules_issued": 1, "rules_repealed": 0, "rules_in_force": 12,
    "normative_docs_issued": 5, "normative_docs_repealed": 2, "normative_docs_in_force": 40,
    "licensing_decisions": 310, "penalty_decisions": 25, "coercion_decisions": 3,
    "charges_amount": "12.3456",
}
PROSE = {"one": "本年度政府信息公开工作总体情况。\n第二段。", "five": "存在的问题和改进措施。",
         "six": "无"}


class ReportPagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = cls.s = own_stack()
        try:
            cls.gov = new_agency(s, "pg")
            cls.dept = new_agency(s, "pd", parent=cls.gov)
            cls.stranger_agency = new_agency(s, "px")
            led = Ledger(s, cls.dept)
            led.add("P", "2021-03-01", "2021-03-20", "disclosed")
            led.add("B", "2021-11-20", "2022-01-10", "partial")
            led.add("P", "2021-06-01", "2021-06-20", "other_no_fee")
            led.insert()
            cls.head = Staff(s, cls.dept, "head")
            cls.clerk = Staff(s, cls.dept, "clerk")
            cls.admin = Staff(s, cls.gov, "admin")
            cls.stranger = Staff(s, cls.stranger_agency, "clerk")
        except Exception:
            s.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.s.stop()

    def api(self, who, year, agency, extra=""):
        return who.get("/api/v1/reports/%d?agency=%s%s" % (year, agency, extra))

    # ---- sign-in and scope -----------------------------------------------------

    def test_staff_only_and_scoped(self):
        anon = Client(self.s)
        r = anon.get("/staff/report")
        self.assertEqual(r.status, 303)
        self.assertIn("/staff/login", r.header("Location"))
        self.assertEqual(anon.get("/api/v1/reports/2021?agency=%s" % self.dept).status, 401)
        # A clerk sees their own agency, not its parent nor a stranger's.
        self.assertEqual(self.api(self.clerk, 2021, self.dept).status, 200)
        self.assertEqual(self.api(self.clerk, 2021, self.gov).status, 404)
        self.assertEqual(self.api(self.stranger, 2021, self.dept).status, 404)
        # The administrator of the government sees it and its department.
        self.assertEqual(self.api(self.admin, 2021, self.dept).status, 200)
        gov = self.api(self.admin, 2021, self.gov).json()
        self.assertEqual(gov["includes"][0]["code"], self.gov)
        self.assertIn(self.dept, [a["code"] for a in gov["includes"]])
        # Without agency=, the member's own.
        r = self.clerk.get("/api/v1/reports/2021")
        self.assertEqual(r.json()["agency"], self.dept)
        # Years outside 2019 … this year.
        self.assertEqual(self.api(self.clerk, 2018, self.dept).status, 422)
        self.assertEqual(self.api(self.clerk, 2999, self.dept).status, 422)

    # ---- the page and its exports ------------------------------------------------

    def test_page_csv_and_json(self):
        r = self.clerk.get("/staff/report?year=2021&agency=%s" % self.dept)
        self.assertEqual(r.status, 200, r)
        page = r.text
        for label in ("一、总体情况", "二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况",
                      "四、政府信息公开行政复议、行政诉讼情况", "五、存在的主要问题及改进情况",
                      "六、其他需要报告的事项", "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                      "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
                      "本年制发件数", "数据校验"):
            self.assertIn(label, page)
        self.assertIn('<option value="2021" selected>', page)
        # The clerk may not publish: no button.
        self.assertNotIn('action="/staff/report/publish"', page)
        # The row of received requests: 2 persons, 1 business, 3 in all.
        row = re.search(r'<tr data-row="received">(.*?)</tr>', page, re.S).group(1)
        self.assertEqual(re.findall(r"<td>(\d+)</td>", row), ["2", "1", "0", "0", "0", "0", "3"])
        r = self.clerk.get("/staff/report?year=2021&agency=%s&format=csv" % self.dept)
        self.assertEqual(r.status, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/csv"))
        self.assertIn('filename="report-%s-2021.csv"' % self.dept, r.header("Content-Disposition"))
        cells = {(x["table"], x["row"], x["column"]): x["value"]
                 for x in csv.DictReader(io.StringIO(r.text))}
        self.assertEqual(cells[("table3", "other_no_fee", "person")], "1")
        self.assertEqual(cells[("table3", "carried_out", "business")], "1")
        r = self.clerk.get("/api/v1/reports/2021?agency=%s&format=csv" % self.dept)
        self.assertTrue(r.header("Content-Type").startswith("text/csv"))
        j = self.clerk.get("/staff/report?year=2021&agency=%s&format=json" % self.dept).json()
        for key in ("year", "format", "agency", "table3", "table4", "table2", "checks"):
            self.assertIn(key, j)
        self.assertEqual(j["table3"]["received"]["person"], 2)

    # ---- table 二 and the prose ---------------------------------------------------

    def test_table2_checks_each_cell(self):
        agency = new_agency(self.s, "pt", parent=self.gov)
        head = Staff(self.s, agency, "head")
        bad = {"rules_issued": 1.5, "rules_repealed": -1, "charges_amount": "1.23456",
               "rules_in_force": "十二", "no_such_cell": 1}
        r = head.post_json("/api/v1/reports/2021/table2", {"agency": agency, "cells": bad})
        self.assertEqual(r.status, 422)
        errors = r.json()["errors"]
        self.assertEqual(sorted(errors), sorted(bad))
        self.assertIn("整数", errors["rules_issued"])
        self.assertIn("负数", errors["rules_repealed"])
        self.assertIn("4位小数", errors["charges_amount"])
        # Issue 12, item 9: a count is a JSON integer — "5", 5.0, [5] are not.
        for v in ("5", 5.0, [5], {"n": 5}, True):
            r = head.post_json("/api/v1/reports/2021/table2", {"agency": agency, "cells": {"rules_issued": v}})
            self.assertEqual(r.status, 422, repr(v))
            self.assertIn("整数", r.json()["errors"]["rules_issued"], repr(v))
        self.assertEqual(self.api(head, 2021, agency).json()["table2"], {})
        r = head.post_json("/api/v1/reports/2021/table2", {"agency": agency, "cells": TABLE2_2021})
        self.assertEqual(r.status, 200, r)
        t2 = self.api(head, 2021, agency).json()
        self.assertEqual(t2["table2"]["charges_amount"], 12.3456)
        self.assertEqual(t2["table2"]["licensing_decisions"], 310)
        self.assertEqual(t2["table2_missing"], [])
        # null clears one cell, the others stay.
        head.post_json("/api/v1/reports/2021/table2", {"agency": agency,
                                                       "cells": {"penalty_decisions": None}})
        self.assertEqual(self.api(head, 2021, agency).json()["table2_missing"],
                         ["penalty_decisions"])
        # The 2019 format for 2020: a change may be negative, 2021 cells do not exist.
        r = head.post_json("/api/v1/reports/2020/table2", {"agency": agency, "cells": {
            "licensing_items_change": -3, "procurement_amount": 0.5}})
        self.assertEqual(r.status, 200, r)
        r = head.post_json("/api/v1/reports/2020/table2", {"agency": agency, "cells": {
            "rules_issued": 1}})
        self.assertEqual(r.status, 422)
        # The form: one field per cell of the year's format, errors shown
        # beside the field, what was typed kept.
        form = head.get("/staff/report/table2?year=2020&agency=%s" % agency).text
        self.assertEqual(len(re.findall(r'<input type="text" id="c-', form)), 22)
        self.assertIn('value="-3"', form)
        fields = {"year": "2021", "agency": agency, "rules_issued": "2",
                  "coercion_decisions": "3.5"}
        token_page = "/staff/report/table2?year=2021&agency=%s" % agency
        r = head.post_form("/staff/report/table2", fields, token_from=token_page)
        self.assertEqual(r.status, 422)
        self.assertRegex(r.text, r'id="c-coercion_decisions" name="coercion_decisions" '
                                 r'value="3.5"[^>]*aria-invalid="true"')
        fields["coercion_decisions"] = "4"
        r = head.post_form("/staff/report/table2", fields, token_from=token_page)
        self.assertEqual(r.status, 303)
        self.assertIn("done=table2", r.header("Location"))
        t2 = self.api(head, 2021, agency).json()["table2"]
        self.assertEqual((t2["rules_issued"], t2["coercion_decisions"]), (2, 4))
        self.assertEqual(self.s.psql(
            "SELECT count(*) > 0 FROM audit_log l JOIN agencies a ON a.id = l.agency_id"
            " WHERE l.action = 'report_table2_saved' AND a.code = '%s'" % agency), "t")

    def test_prose_shows_as_paragraphs(self):
        agency = new_agency(self.s, "pp", parent=self.gov)
        clerk = Staff(self.s, agency, "clerk")
        r = clerk.post_json("/api/v1/reports/2021/prose", dict(PROSE, agency=agency))
        self.assertEqual(r.status, 200, r)
        page = clerk.get("/staff/report?year=2021&agency=%s" % agency).text
        self.assertIn('<p class="prose">本年度政府信息公开工作总体情况。</p>', page)
        self.assertIn('<p class="prose">第二段。</p>', page)
        r = clerk.post_form("/staff/report/prose", {"year": "2021", "agency": agency,
                                                    "six": "<script>x</script>"},
                            token_from="/staff/report/prose?year=2021&agency=%s" % agency)
        self.assertEqual(r.status, 303)
        page = clerk.get("/staff/report?year=2021&agency=%s" % agency).text
        self.assertIn("&lt;script&gt;x&lt;/script&gt;", page)
        self.assertIn("第二段。", page)          # sections not posted are kept
        r = clerk.post_json("/api/v1/reports/2021/prose", {"agency": agency, "five": "长" * 20001})
        self.assertEqual(r.status, 422)

    # ---- publishing ----------------------------------------------------------------

    def fill(self, who, agency, year, cells):
        r = who.post_json("/api/v1/reports/%d/table2" % year, {"agency": agency, "cells": cells})
        self.assertEqual(r.status, 200, r)
        r = who.post_json("/api/v1/reports/%d/prose" % year, dict(PROSE, agency=agency))
        self.assertEqual(r.status, 200, r)

    def publish(self, who, agency, year, expect):
        r = who.post_json("/api/v1/reports/%d/publish" % year, {"agency": agency})
        self.assertEqual(r.status, expect, r)
        return r.json()

    def test_publish_freezes_and_later_changes_show(self):
        agency = new_agency(self.s, "pf", parent=self.gov)
        led = Ledger(self.s, agency)
        led.add("P", "2021-03-01", "2021-03-20", "disclosed")
        led.add("N", "2021-12-01")
        led.insert()
        head = Staff(self.s, agency, "head")
        clerk = Staff(self.s, agency, "clerk")
        # Only a head or an administrator; only a year that is over; only
        # with table 二 and the prose complete.
        self.assertEqual(self.publish(clerk, agency, 2021, 403)["status"], 403)
        this_year = int(self.s.psql("SELECT extract(year FROM now() AT TIME ZONE 'Asia/Shanghai')"))
        reasons = self.publish(head, agency, this_year, 409)["reasons"]
        self.assertTrue(any("尚未结束" in x for x in reasons), reasons)
        reasons = self.publish(head, agency, 2021, 409)["reasons"]
        self.assertTrue(any("表二还有 10 项未填写" in x for x in reasons), reasons)
        self.assertTrue(any("第一、五、六部分" in x for x in reasons), reasons)
        self.fill(head, agency, 2021, TABLE2_2021)
        # The page offers the button now.
        page = head.get("/staff/report?year=2021&agency=%s" % agency).text
        self.assertIn('action="/staff/report/publish"', page)
        self.assertEqual(self.publish(head, agency, 2021, 201)["version"], 1)
        snap = self.s.psql(
            "SELECT s.version, s.published_by = st.id, s.content->'table3'->'received'->>'total'"
            " FROM report_snapshots s JOIN agencies a ON a.id = s.agency_id"
            " JOIN staff st ON st.username = '%s' WHERE a.code = '%s'" % (head.username, agency))
        self.assertEqual(snap, "1|t|2")
        self.assertIn('"version": 1', self.s.psql(
            "SELECT data::text FROM audit_log l JOIN agencies a ON a.id = l.agency_id"
            " WHERE l.action = 'report_published' AND a.code = '%s'" % agency))
        reasons = self.publish(head, agency, 2021, 409)["reasons"]
        self.assertTrue(any("与已发布的第1版相同" in x for x in reasons), reasons)

        # A request registered late, back-dated into 2021: the published
        # report stays, the change shows beside it.
        late = Ledger(self.s, agency)
        late.n = 50
        late.add("P", "2021-12-31", backdated=True)
        late.insert()
        rep = self.api(head, 2021, agency).json()
        self.assertEqual(rep["status"], "published")
        self.assertEqual(rep["published"]["version"], 1)
        self.assertEqual(rep["table3"]["received"]["person"], 1)
        diffs = {(d["table"], d["row"], d["column"]): (d["published"], d["current"])
                 for d in rep["differences"]}
        self.assertEqual(diffs[("table3", "received", "person")], (1, 2))
        self.assertEqual(diffs[("table3", "carried_out", "total")], (1, 2))
        draft = self.api(head, 2021, agency, "&draft=1").json()
        self.assertEqual(draft["status"], "draft")
        self.assertEqual(draft["table3"]["received"]["person"], 2)
        page = head.get("/staff/report?year=2021&agency=%s" % agency).text
        self.assertIn("自发布以来，以下内容已经变化", page)
        self.assertIn("表三 一、本年新收政府信息公开申请数量 · 自然人：已发布 1，现为 2", page)

        # 2022 carries in what 2021 now carries out, not what was published:
        # a red error naming the cell, and no publishing.
        rep = self.api(head, 2022, agency).json()
        carry = [c for c in rep["checks"] if c["code"] == "carry_over"][0]
        self.assertFalse(carry["ok"])
        cells = {(f["row"], f["column"]) for f in carry["failures"]}
        self.assertEqual(cells, {("carried_in", "person"), ("carried_in", "total")})
        self.assertIn("2021年度报告（已发布）", carry["failures"][0]["message"])
        page = head.get("/staff/report?year=2022&agency=%s" % agency).text
        self.assertIn('class="alert error" role="alert"', page)
        self.assertIn("数据校验未通过，本报告不能发布", page)
        self.assertIn('<td class="bad">', page)
        r = self.s.ysqgk("report", "--year", "2022", "--agency", agency)
        self.assertEqual(r.returncode, 1)
        self.assertIn("check failed", r.stderr)
        self.fill(head, agency, 2022, TABLE2_2021)
        reasons = self.publish(head, agency, 2022, 409)["reasons"]
        self.assertTrue(any("数据校验未通过" in x for x in reasons), reasons)
        # The correction of 2021 as version 2, then 2022 agrees and goes out.
        self.assertEqual(self.publish(head, agency, 2021, 201)["version"], 2)
        self.assertEqual(self.api(head, 2021, agency).json()["differences"], [])
        self.assertEqual(self.api(head, 2022, agency).json()["checks_failed"], 0)
        self.assertEqual(self.publish(head, agency, 2022, 201)["version"], 1)
        # Snapshots cannot be changed, even by the database owner.
        with self.assertRaises(RuntimeError):
            self.s.psql("UPDATE report_snapshots SET version = 9")

    def test_publish_through_the_page(self):
        agency = new_agency(self.s, "pw", parent=self.gov)
        self.fill(self.admin, agency, 2020, {
            k: 0 for k in ("rules_made", "rules_published", "rules_published_total",
                           "normative_docs_made", "normative_docs_published",
                           "normative_docs_published_total", "licensing_items_prev",
                           "licensing_items_change", "licensing_decisions",
                           "other_services_items_prev", "other_services_items_change",
                           "other_services_decisions", "penalty_items_prev",
                           "penalty_items_change", "penalty_decisions", "coercion_items_prev",
                           "coercion_items_change", "coercion_decisions", "charges_items_prev",
                           "charges_items_change", "procurement_items", "procurement_amount")})
        path = "/staff/report?year=2020&agency=%s" % agency
        r = self.admin.post_form("/staff/report/publish", {"year": "2020", "agency": agency},
                                 token_from=path)
        self.assertEqual(r.status, 303)
        self.assertIn("done=published", r.header("Location"))
        page = self.admin.get(r.header("Location")).text
        self.assertIn("年度报告已发布。", page)
        self.assertIn("以下是发布时的内容", page)
        self.assertIn("（六）其他处理", page)

    # ---- the ledger upload ------------------------------------------------------------

    def test_admin_import_page(self):
        self.assertEqual(self.clerk.get("/admin/import").status, 403)
        page = self.admin.get("/admin/import")
        self.assertEqual(page.status, 200)
        self.assertIn('<textarea id="i-csv" name="csv"', page.text)
        agency = new_agency(self.s, "pi", parent=self.gov)
        head = ("agency_code,tracking_no,applicant_kind,name,channel,received_on,description,"
                "concluded_on,outcome\n")
        bad = head + ("%s,,person,张三,post,2021-03-01,申请,2021-03-05,disclosed\n"
                      "%s,,person,李四,post,2021-03-01,申请,,\n"
                      "%s,,person,王五,post,2021-03-01,申请,,\n") % (
                          agency, agency, self.stranger_agency)
        r = self.admin.post_form("/admin/import", {"csv": bad}, token_from="/admin/import")
        self.assertEqual(r.status, 422)
        self.assertIn("没有导入任何申请", r.text)
        self.assertIn("第 4 行，agency_code 列", r.text)
        self.assertIn("不在您管理的范围内", r.text)
        self.assertEqual(report(self.s, agency, 2021)["table3"]["received"]["total"], 0)
        good = head + ("%s,,person,张三,post,2021-03-01,申请,2021-03-05,disclosed\n"
                       "%s,,person,李四,post,2021-03-01,申请,,\n") % (agency, agency)
        r = self.admin.post_form("/admin/import", {"csv": good, "dry_run": "1"},
                                 token_from="/admin/import")
        self.assertIn("2 行全部正确", r.text)
        self.assertEqual(report(self.s, agency, 2021)["table3"]["received"]["total"], 0)
        r = self.admin.post_form("/admin/import", {"csv": good}, token_from="/admin/import")
        self.assertEqual(r.status, 200, r)
        self.assertIn("已导入 2 件申请", r.text)
        self.assertIn("%s-2021-000001" % agency, r.text)
        self.assertEqual(report(self.s, agency, 2021)["table3"]["received"]["total"], 2)
        self.assertEqual(self.s.psql(
            "SELECT DISTINCT e.actor_kind || ':' || s.username FROM request_events e"
            " JOIN requests r ON r.id = e.request_id JOIN agencies a ON a.id = r.agency_id"
            " JOIN staff s ON s.id = e.actor_staff_id WHERE a.code = '%s'" % agency),
            "import:%s" % self.admin.username)

    # ---- a real browser --------------------------------------------------------------

    def test_browser_renders_and_prints(self):
        if not (shutil.which("node") and os.path.exists("/usr/bin/chromium") and
                os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core"))):
            self.skipTest("chromium or playwright-core missing (make test installs them)")
        if not shutil.which("pdftoppm") and os.getuid() == 0:
            # poppler-utils: the PDF's first page as an image.
            subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                            "poppler-utils"], capture_output=True,
                           env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        agency = new_agency(self.s, "pb", parent=self.gov, name="示例县交通运输局")
        led = Ledger(self.s, agency)
        for i, kind in enumerate("PPBRNLOP"):
            led.add(kind, "2021-0%d-10" % (i + 1), "2021-0%d-20" % (i + 1),
                    ["disclosed", "partial", "deny_process", "unable_not_held"][i % 4])
        led.add("P", "2021-12-20")
        led.insert()
        head = Staff(self.s, agency, "head")
        self.fill(head, agency, 2021, TABLE2_2021)
        env = dict(os.environ, YSQGK_URL="http://127.0.0.1:%d" % self.s.port,
                   YSQGK_REPORT_USER=head.username, YSQGK_REPORT_PASSWORD=PASSWORD,
                   YSQGK_REPORT_PATH="/staff/report?year=2021&agency=%s" % agency,
                   YSQGK_SCREENSHOTS=SCREENSHOTS)
        r = subprocess.run(["node", "--test", "--test-concurrency=1", "report.test.mjs"],
                           cwd=BROWSER_DIR, env=env, capture_output=True, text=True,
                           timeout=300)
        self.assertEqual(r.returncode, 0, r.stdout[-4000:] + r.stderr[-2000:])
        self.assertTrue(os.path.getsize(os.path.join(SCREENSHOTS, "report-print.pdf")) > 10000)
        if shutil.which("pdftoppm"):
            self.assertTrue(os.path.exists(os.path.join(SCREENSHOTS, "report-print-page1.png")))


if __name__ == "__main__":
    unittest.main()
