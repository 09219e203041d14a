"""Tables 三 and 四 of the yearly report, computed by `ysqgk report` from
requests and appeals written into the database, against tables worked out
by hand (docs/report.md says how each request counts). Both formats, a
parent summing its children, an empty year, CSV and JSON."""

import csv
import io
import json
import os
import tempfile
import unittest

import stack
from test_report_helpers import (COLUMNS, KINDS, OUTCOMES, ROWS_2019, ROWS_2021, T4_CELLS,
                                 Ledger, add_tables, new_agency, report, table, table4)

# Agency A's 2021 report, worked out by hand from the requests of setUpClass.
# received: the 21 of group 1 (P 4, B 4, R 4, N 3, L 3, O 3) plus c R, d N,
# e L, f O, g P, h N, l P, p L and the imported m1 B, m2 N.
A_2021 = table(ROWS_2021, {
    "received": {"P": 6, "B": 5, "R": 5, "N": 6, "L": 5, "O": 4},
    "carried_in": {"P": 1, "B": 1},                     # a (Dec 2020), b (open since 2019)
    "disclosed": {"P": 2, "L": 1},                      # group 1, a, e
    "partial": {"B": 1},
    "deny_secret": {"R": 1},
    "deny_law": {"N": 2},                               # group 1, d (extended)
    "deny_security": {"L": 1},
    "deny_third_party": {"O": 1},
    "deny_internal": {"P": 1},
    "deny_process": {"B": 1},
    "deny_enforcement": {"R": 1},
    "deny_query": {"N": 1},
    "unable_not_held": {"L": 1, "B": 1},                # group 1, m1 (imported)
    "unable_create": {"O": 1},
    "unable_unclear": {"P": 1},
    "reject_petition": {"B": 1},
    "reject_repeat": {"R": 1},
    "reject_publication": {"N": 1},
    "reject_mass": {"L": 1},
    "reject_confirm": {"O": 1},
    "other_no_supplement": {"P": 1, "O": 1},            # group 1, f (abandoned)
    "other_no_fee": {"B": 1, "P": 1},                   # group 1, g (fee unpaid)
    "other": {"R": 1, "N": 1},                          # group 1, h (withdrawn)
    "concluded_total": {"P": 6, "B": 5, "R": 4, "N": 5, "L": 4, "O": 4},
    "carried_out": {"P": 1, "B": 1, "R": 1, "N": 1, "L": 1},   # l, b, c, m2, p
})

# 2020 in the 2019 format: a P and o R received; q1 P, q2 B, q3 N received
# and ended otherwise (（六）其他处理, one row); b carried in and out.
A_2020 = table(ROWS_2019, {
    "received": {"P": 2, "R": 1, "B": 1, "N": 1},
    "carried_in": {"B": 1},
    "deny_secret": {"R": 1},
    "other_total": {"P": 1, "B": 1, "N": 1},
    "concluded_total": {"P": 1, "B": 1, "R": 1, "N": 1},
    "carried_out": {"P": 1, "B": 1},
})

A_2019 = table(ROWS_2019, {"received": {"B": 1}, "carried_out": {"B": 1}})

A_T4_2021 = table4({
    "review_upheld": 1, "review_corrected": 2, "review_total": 3,
    "suit_direct_other": 1, "suit_direct_pending": 1, "suit_direct_total": 2,
    "suit_after_review_pending": 1, "suit_after_review_total": 1,
})
A_T4_2020 = table4({"review_upheld": 1, "review_pending": 1, "review_total": 2})

# The sibling department, its own child, and the government itself (2021).
B_2021 = table(ROWS_2021, {
    "received": {"P": 1, "O": 1}, "disclosed": {"P": 1},
    "concluded_total": {"P": 1}, "carried_out": {"O": 1}})
BSUB_2021 = table(ROWS_2021, {
    "received": {"L": 1}, "carried_in": {"N": 1}, "reject_repeat": {"L": 1},
    "concluded_total": {"L": 1}, "carried_out": {"N": 1}})
GOV_2021 = table(ROWS_2021, {
    "received": {"R": 1}, "deny_query": {"R": 1}, "concluded_total": {"R": 1}})


class ReportTablesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        s = cls.s = stack.shared()
        cls.gov = new_agency(s, "rg")
        cls.a = new_agency(s, "ra", parent=cls.gov)
        cls.b = new_agency(s, "rb", parent=cls.gov)
        cls.bsub = new_agency(s, "rs", parent=cls.b)
        cls.other = new_agency(s, "rx")          # not below gov: never counted there
        led = Ledger(s, cls.a)
        # Group 1: every outcome once in 2021, the kinds in turn.
        g1 = []
        for i, outcome in enumerate(OUTCOMES):
            kind = "PBRNLO"[i % 6]
            g1.append(led.add(kind, "2021-03-%02d" % (i + 1), "2021-04-%02d" % (i + 1),
                              outcome))
        a = led.add("P", "2020-12-20", "2021-01-10", "disclosed")       # crosses the year end
        led.add("B", "2019-06-01")                                      # open for three years
        led.add("R", "2021-12-15", "2022-01-05", "partial")             # December → January
        led.add("N", "2021-05-06", "2021-06-30", "deny_law", extension_days=20)
        e = led.add("L", "2021-02-01", "2021-03-10", "disclosed")       # supplemented, answered
        f = led.add("O", "2021-07-01", "2021-07-20", "other_no_supplement")  # abandoned
        led.add("P", "2021-08-01", "2021-08-30", "other_no_fee")        # fee not paid
        led.add("N", "2021-09-01", "2021-09-03", "other", status="withdrawn")
        led.add("P", None, status="withdrawn")                          # withdrawn unreceived
        led.add("R", None, status="submitted")                          # never confirmed
        led.add("B", None, status="discarded")
        led.add("P", "2021-12-30", backdated=True)                      # registered in 2022
        led.add("P", "2022-02-01", "2022-02-10", "disclosed")           # next year only
        o = led.add("R", "2020-03-01", "2020-03-20", "deny_secret")      # 2020 only
        led.add("L", "2021-12-01", status="awaiting_supplement",
                clock_stopped_since="2021-12-05")
        led.add("P", "2020-05-01", "2020-06-01", "other_no_supplement")  # q1
        led.add("B", "2020-05-02", "2020-06-02", "other_no_fee")         # q2
        led.add("N", "2020-05-03", "2020-05-04", "other", status="withdrawn")  # q3
        led.insert()
        s.psql("INSERT INTO supplements (request_id, asked_on, what, answer_by, answered_on,"
               " answer, state) SELECT id, '2021-02-03', '请说明文件名称', '2021-02-20',"
               " '2021-02-10', '某某文件', 'answered' FROM requests WHERE tracking_no = '%s'" % e)
        s.psql("INSERT INTO supplements (request_id, asked_on, what, answer_by, state)"
               " SELECT id, '2021-07-02', '请说明文件名称', '2021-07-19', 'expired'"
               " FROM requests WHERE tracking_no = '%s'" % f)
        led.appeal(g1[0], "review", "2021-04-01", "upheld", "2021-05-01")
        led.appeal(g1[1], "review", "2021-04-02", "corrected", "2021-06-01")
        led.appeal(g1[2], "suit_direct", "2021-04-03", "other", "2021-07-01")
        led.appeal(g1[3], "suit_after_review", "2021-11-01", "upheld", "2022-02-01")
        led.appeal(o, "review", "2020-12-01", "corrected", "2021-01-15")  # pending at 2020's end
        led.appeal(g1[4], "suit_direct", "2021-10-01")                  # still pending
        led.appeal(o, "review", "2020-04-01", "upheld", "2020-05-01")
        cls.a_crossing = a
        # Two requests of a paper ledger, through the import command.
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False,
                                         encoding="utf-8") as fh:
            fh.write("agency_code,tracking_no,applicant_kind,name,channel,received_on,"
                     "description,concluded_on,outcome\n")
            fh.write("%s,,business,某公司,post,2021-10-10,台账里的申请,2021-10-20,"
                     "unable_not_held\n" % cls.a)
            fh.write("%s,,nonprofit,某协会,in_person,2021/11/11,台账里的未办结申请,,\n" % cls.a)
        try:
            r = s.ysqgk("import", fh.name)
            assert r.returncode == 0, r.stderr
        finally:
            os.unlink(fh.name)
        # The sibling, its child and the government.
        lb = Ledger(s, cls.b)
        lb.add("P", "2021-04-01", "2021-04-10", "disclosed")
        t = lb.add("O", "2021-06-01")
        lb.insert()
        lb.appeal(t, "review", "2021-12-01")
        ls = Ledger(s, cls.bsub)
        ls.add("L", "2021-01-05", "2021-01-25", "reject_repeat")
        ls.add("N", "2020-11-30")
        ls.insert()
        lg = Ledger(s, cls.gov)
        lg.add("R", "2021-05-01", "2021-05-20", "deny_query")
        lg.insert()
        lx = Ledger(s, cls.other)
        lx.add("P", "2021-05-01", "2021-05-20", "disclosed")
        lx.insert()

    def assertTable3(self, expected, got):
        self.assertEqual(sorted(got), sorted(expected), "rows of the format")
        for row in expected:
            self.assertEqual(got[row], expected[row], "row %s" % row)

    def assertChecksPass(self, rep):
        self.assertEqual([c["code"] for c in rep["checks"]],
                         ["balance", "concluded_sum", "total_column", "table4_total",
                          "carry_over"])
        for c in rep["checks"]:
            self.assertTrue(c["ok"], c)
        self.assertEqual(rep["checks_failed"], 0)

    def test_2021_format_every_outcome_and_kind(self):
        rep = report(self.s, self.a, 2021)
        self.assertEqual(rep["year"], 2021)
        self.assertEqual(rep["format"], "2021")
        self.assertEqual(rep["agency"], self.a)
        self.assertEqual(rep["status"], "draft")
        self.assertIsNone(rep["published"])
        self.assertTable3(A_2021, rep["table3"])
        self.assertEqual(rep["table4"], A_T4_2021)
        self.assertChecksPass(rep)
        self.assertEqual(rep["previous_year"]["carried_out"], A_2020["carried_out"])

    def test_2019_format_for_2020_and_2019(self):
        rep = report(self.s, self.a, 2020)
        self.assertEqual(rep["format"], "2019")
        # One （六） row, none of the 2021 rows under it.
        self.assertIn("other_total", rep["table3"])
        for row in ("other_no_supplement", "other_no_fee", "other"):
            self.assertNotIn(row, rep["table3"])
        self.assertTable3(A_2020, rep["table3"])
        self.assertEqual(rep["table4"], A_T4_2020)
        self.assertChecksPass(rep)
        # Table 二 in the 2019 form: its cells, none entered yet.
        self.assertEqual(rep["table2"], {})
        self.assertIn("procurement_amount", rep["table2_missing"])
        self.assertIn("licensing_items_change", rep["table2_missing"])
        self.assertEqual(len(rep["table2_missing"]), 22)
        rep = report(self.s, self.a, 2019)
        self.assertTable3(A_2019, rep["table3"])
        self.assertChecksPass(rep)

    def test_year_n_carried_out_is_year_n_plus_1_carried_in(self):
        for year in (2019, 2020, 2021, 2022):
            this = report(self.s, self.a, year)["table3"]
            following = report(self.s, self.a, year + 1)["table3"]
            self.assertEqual(this["carried_out"], following["carried_in"], year)
        t2022 = report(self.s, self.a, 2022)["table3"]
        self.assertEqual(t2022["carried_in"], A_2021["carried_out"])
        # The December request was answered in January: partial in 2022.
        self.assertEqual(t2022["partial"]["research"], 1)

    def test_parent_sums_children_and_grandchildren(self):
        self.assertTable3(BSUB_2021, report(self.s, self.bsub, 2021)["table3"])
        b = report(self.s, self.b, 2021)
        self.assertTable3(add_tables(B_2021, BSUB_2021), b["table3"])
        self.assertEqual([a["code"] for a in b["includes"]], [self.b, self.bsub])
        gov = report(self.s, self.gov, 2021)
        self.assertTable3(add_tables(GOV_2021, A_2021, B_2021, BSUB_2021), gov["table3"])
        self.assertEqual(gov["table4"]["review_pending"], 1)
        self.assertEqual(gov["table4"]["review_total"], 4)
        self.assertEqual(gov["table4"]["suit_direct_total"], 2)
        self.assertEqual(sorted(a["code"] for a in gov["includes"]),
                         sorted([self.gov, self.a, self.b, self.bsub]))
        self.assertNotIn(self.other, [a["code"] for a in gov["includes"]])
        self.assertChecksPass(gov)

    def test_empty_year_is_all_zero_in_both_formats(self):
        e = new_agency(self.s, "re")
        for year, rows in ((2020, ROWS_2019), (2021, ROWS_2021)):
            rep = report(self.s, e, year)
            self.assertTable3(table(rows, {}), rep["table3"])
            self.assertEqual(rep["table4"], table4({}))
            self.assertChecksPass(rep)
        # The printable page: every row of the format, every cell 0, like
        # the example report of a township that had no request.
        page = report(self.s, e, 2020, fmt="html")
        for label in ("一、本年新收政府信息公开申请数量", "二、上年结转政府信息公开申请数量",
                      "三、本年度办理结果", "（三）不予公开", "6.属于四类过程性信息",
                      "（六）其他处理", "（七）总计", "四、结转下年度继续办理",
                      "未经复议直接起诉", "复议后起诉", "第二十条第（九）项", "政府集中采购"):
            self.assertIn(label, page)
        self.assertNotIn("3.其他", page)               # a 2021 row
        self.assertEqual(page.count("<td>0</td>"), len(ROWS_2019) * 7 + 15)
        page = report(self.s, e, 2021, fmt="html")
        self.assertIn("1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请", page)
        self.assertIn("本年收费金额（单位：万元）", page)
        self.assertEqual(page.count("<td>0</td>"), len(ROWS_2021) * 7 + 15)

    def test_html_prints_as_a_draft_until_published(self):
        """Issue 16, item 13: a draft prints with 草稿 across it — the
        printable file of the command line too, not only the page."""
        e = new_agency(self.s, "rd")
        self.assertIn('class="report-page draft"', report(self.s, e, 2021, fmt="html"))
        published = json.dumps(report(self.s, e, 2021), ensure_ascii=False).replace("'", "''")
        self.s.psql("INSERT INTO report_snapshots (agency_id, year, content) SELECT id, 2021,"
                    " '%s' FROM agencies WHERE code = '%s'" % (published, e))
        page = report(self.s, e, 2021, fmt="html")
        self.assertIn('class="report-page"', page)
        self.assertNotIn("draft", page.split("</style>")[1])
        self.assertIn('class="report-page draft"', report(self.s, e, 2021, fmt="html", draft=True))

    def test_csv_has_every_cell_with_its_codes(self):
        text = report(self.s, self.a, 2021, fmt="csv")
        rows = list(csv.DictReader(io.StringIO(text)))
        self.assertEqual(list(rows[0].keys()),
                         ["table", "row", "column", "value", "row_label", "column_label"])
        t3 = [r for r in rows if r["table"] == "table3"]
        self.assertEqual(len(t3), len(ROWS_2021) * len(COLUMNS))
        for r in t3:
            self.assertEqual(int(r["value"]), A_2021[r["row"]][r["column"]], r)
        t4 = {(r["row"] + "_" + r["column"]): int(r["value"]) for r in rows
              if r["table"] == "table4"}
        self.assertEqual(t4, A_T4_2021)
        t2 = [r for r in rows if r["table"] == "table2"]
        self.assertEqual(len(t2), 10)
        self.assertTrue(all(r["value"] == "" for r in t2))
        deny = [r for r in t3 if r["row"] == "deny_process" and r["column"] == "business"][0]
        self.assertEqual(deny["row_label"], "（三）不予公开 6.属于四类过程性信息")
        self.assertEqual(deny["column_label"], "商业企业")

    def test_cli_misuse_and_unknown_agency(self):
        r = self.s.ysqgk("report", "--agency", self.a)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--year", r.stderr)
        r = self.s.ysqgk("report", "--year", "2018", "--agency", self.a)
        self.assertEqual(r.returncode, 2)
        r = self.s.ysqgk("report", "--year", "2021", "--agency", self.a, "--format", "xml")
        self.assertEqual(r.returncode, 2)
        r = self.s.ysqgk("report", "--year", "2021", "--agency", "no-such-agency")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no-such-agency", r.stderr)


if __name__ == "__main__":
    unittest.main()
