"""`ysqgk import FILE.csv`: a paper ledger into ordinary requests, every row
checked first, all rows or none, each problem named by line and column."""

import json
import os
import tempfile
import unittest

import stack
from test_report_helpers import new_agency, report

HEADER = ("agency_code,tracking_no,applicant_kind,name,channel,received_on,description,"
          "concluded_on,outcome")


class ImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.s = stack.shared()

    def setUp(self):
        self.agency = new_agency(self.s, "ri")

    def write(self, text, bom=False):
        fd, path = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "wb") as f:
            f.write((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
        self.addCleanup(os.unlink, path)
        return path

    def run_import(self, text, *args, bom=False):
        return self.s.ysqgk("import", self.write(text, bom), *args)

    def count(self, agency=None):
        return int(self.s.psql("SELECT count(*) FROM requests r JOIN agencies a ON"
                               " a.id = r.agency_id WHERE a.code = '%s'"
                               % (agency or self.agency)))

    def test_one_bad_row_imports_nothing_and_names_line_and_column(self):
        a = self.agency
        text = "\n".join([
            HEADER,
            "%s,,person,张三,post,2021-03-01,申请一,2021-03-10,disclosed" % a,
            "%s,,business,某公司,in_person,2021-03-02,申请二,," % a,
            "%s,,research,某研究所,email,2021-03-05,申请三,2021-03-04,partial" % a,
            "%s,,nonprofit,某协会,fax,2021-03-06,申请四,2021-03-20,other" % a,
        ]) + "\n"
        r = self.run_import(text)
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"\.csv:4: concluded_on: 办结日期早于收到申请之日")
        self.assertIn("nothing imported (4 rows, 1 problems)", r.stderr)
        self.assertEqual(self.count(), 0)
        # Corrected, the same file goes in whole.
        r = self.run_import(text.replace("2021-03-04,partial", "2021-03-14,partial"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("imported 4 requests", r.stdout)
        self.assertEqual(self.count(), 4)

    def test_corrections_import_with_their_kind_outcomes_and_texts(self):
        a = self.agency
        head = HEADER + ",request_kind,correction_wrong,correction_should"
        good = "%s,,person,张三,post,2021-03-01,户籍记录,2021-03-10,corrected,correction,生日错,应为1月1日" % a
        text = "\n".join([
            head,
            good,
            "%s,,person,李四,post,2021-03-01,户籍记录,2021-03-10,disclosed,correction,错,对" % a,
            "%s,,person,王五,post,2021-03-01,户籍记录,,,correction,,对" % a,
            "%s,,person,赵六,post,2021-03-01,申请,2021-03-10,corrected,,," % a,
            "%s,,person,钱七,post,2021-03-01,申请,,,,错,对" % a,
            "%s,,person,孙八,post,2021-03-01,申请,,,amend,," % a,
        ]) + "\n"
        r = self.run_import(text)
        self.assertEqual(r.returncode, 1)
        for line, col in ((3, "outcome"), (4, "correction_wrong"), (5, "outcome"),
                          (6, "correction_wrong"), (6, "correction_should"), (7, "request_kind")):
            self.assertRegex(r.stderr, r"\.csv:%d: %s: " % (line, col))
        self.assertEqual(self.count(), 0)
        # A correction may also end as any request may (withdrawn: other).
        r = self.run_import("\n".join([head, good, good.replace("张三", "周九").replace(
            "corrected", "other")]) + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.s.psql(
            "SELECT string_agg(request_kind || ':' || outcome || ':' || correction_should, ','"
            " ORDER BY r.id) FROM requests r JOIN agencies a ON a.id = r.agency_id"
            " WHERE a.code = '%s'" % a),
            "correction:corrected:应为1月1日,correction:other:应为1月1日")

    def test_every_problem_is_listed(self):
        a = self.agency
        text = "\n".join([
            HEADER + ",id_type,id_number,phone,email,postcode,status",
            "%s,,alien,张三,post,2021-03-01,申请,2021-03-10,disclosed,,,,,," % a,
            "%s,,person,张三,pigeon,2021-02-30,申请,,,,,,,," % a,
            "%s,,person,张三,post,2021-03-01,申请,2021-03-10,,,,,,," % a,
            "%s,,person,,post,2021-03-01,,2021-03-10,granted,,,,,," % a,
            "%s,%s-2021-000007,person,李四,post,2021-03-01,申请,,,,,,,," % (a, a),
            "%s,%s-2021-000007,person,李四,post,2021-03-01,申请,,,,,,,," % (a, a),
            "%s,other-2021-000001,person,李四,post,2021-03-01,申请,,,,,,,," % (a,),
            "no-such-agency,,person,王五,post,2021-03-01,申请,,,,,,,,",
            "%s,,person,王五,post,2021-03-01,申请,,,resident_id,110105194912310021,"
            "12345,x@,1234," % a,
            "%s,,business,某公司,post,2021-03-01,申请,,,passport,E12345678,,,," % a,
            "%s,,person,王五,post,2021-03-01,申请,2021-03-05,disclosed,,,,,,closed" % a,
            "%s,,person,王五,post,2099-03-01,申请,,,,,,,," % a,
            "%s,,person,王五,post,2021-03-01,申请,,,,,,,,,extra" % a,
        ]) + "\n"
        r = self.run_import(text)
        self.assertEqual(r.returncode, 1)
        expected = [
            ":2: applicant_kind: “alien”不是有效代码",
            ":3: channel: “pigeon”不是有效代码",
            ":3: received_on: 日期“2021-02-30”无效",
            ":4: outcome: 办结日期和办理结果须同时填写",
            ":5: name: 姓名或名称不能为空",
            ":5: description: 申请内容不能为空",
            ":5: outcome: “granted”不是有效代码",
            ":7: tracking_no: 编号“%s-2021-000007”与第6行重复" % a,
            ":8: tracking_no: 编号“other-2021-000001”须为“机关代码-年份-6位以上数字”",
            ":9: agency_code: 没有代码为“no-such-agency”的机关",
            ":10: id_number: 证件号码有误",
            ":10: phone: 电话号码“12345”格式不正确",
            ":10: email: 电子邮箱“x@”格式不正确",
            ":10: postcode: 邮政编码须为6位数字",
            ":11: id_type: 组织申请人不填证件类型和证件号码",
            ":12: status: closed 只用于",
            ":13: received_on: 日期“2099-03-01”须在2000年1月1日至今天之间",
            ":14: 有 16 个字段，表头有 15 个",
        ]
        for e in expected:
            self.assertIn(e, r.stderr)
        self.assertEqual(self.count(), 0)

    def test_header_problems(self):
        r = self.run_import("agency_code,tracking_no,name,colour\n%s,,张三,red\n" % self.agency)
        self.assertEqual(r.returncode, 1)
        self.assertIn(":1: 第4列“colour”不是可以导入的列", r.stderr)
        self.assertIn(":1: applicant_kind: 缺少必需的列“applicant_kind”", r.stderr)
        self.assertIn(":1: outcome: 缺少必需的列“outcome”", r.stderr)
        r = self.run_import("")
        self.assertEqual(r.returncode, 1)
        self.assertIn("文件是空的", r.stderr)
        r = self.run_import(HEADER + "\n")
        self.assertIn("表头之后没有数据", r.stderr)
        path = self.write("x")
        with open(path, "wb") as f:
            f.write(HEADER.encode() + b"\n" + "张三".encode("gbk") + b"\n")
        r = self.s.ysqgk("import", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("不是 UTF-8", r.stderr)
        r = self.run_import(HEADER + '\n"unterminated,\n')
        self.assertIn(":2: 引号没有闭合", r.stderr)

    def test_imported_requests_are_ordinary_requests(self):
        a = self.agency
        text = (HEADER + ",status,id_type,id_number,phone,credit_code,provision_forms,"
                "obtain_methods,ledger_no,backdated\r\n"
                # Quoted fields with a comma, a quote and a line break; a BOM; CRLF.
                '%s,%s-2020-000031,person,"张,三",post,2020/12/28,"请公开""道路""工程\n'
                '招标文件",2021-01-05,disclosed,,resident_id,11010519491231002X,13812345678,,'
                'paper;email,post,〔2020〕31号,是\r\n'
                "%s,,business,某公司,in_person,2021-03-01,申请二,2021-03-03,other,withdrawn,,,,"
                "91350100M000100Y43,,,,\r\n"
                "%s,,org_other,某单位,email,2021-12-20,申请三,,,,,,,,,,,\r\n") % (a, a, a, a)
        r = self.run_import(text, bom=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        rows = self.s.psql(
            "SELECT tracking_no, status, imported, received_on, concluded_on, outcome,"
            " backdated, provision_forms, obtain_methods, id_type,"
            " octet_length(id_number_hash), octet_length(phone_hash), credit_code,"
            " due_on IS NOT NULL, r.name, r.description"
            " FROM requests r JOIN agencies g ON g.id = r.agency_id"
            " WHERE g.code = '%s' ORDER BY tracking_no" % a).split("\n")
        self.assertEqual(rows[0].split("|")[:14], [
            "%s-2020-000031" % a, "answered", "t", "2020-12-28", "2021-01-05", "disclosed",
            "t", "{paper,email}", "{post}", "resident_id", "32", "32", "", "f"])
        self.assertIn("张,三", rows[0])
        self.assertIn('请公开"道路"工程', rows[0])
        self.assertTrue(rows[1].startswith("招标文件"))   # the line break kept
        self.assertEqual(rows[2].split("|")[:6], [
            "%s-2021-000001" % a, "withdrawn", "t", "2021-03-01", "2021-03-03", "other"])
        self.assertIn("91350100M000100Y43", rows[2])
        # The open one has its due date (20 working days, workflow's rules).
        self.assertEqual(rows[3].split("|")[:4] + [rows[3].split("|")[13]],
                         ["%s-2021-000002" % a, "in_progress", "t", "2021-12-20", "t"])
        # One event each: imported, by the import, on the date of receipt,
        # with the ledger's own number.
        events = self.s.psql(
            "SELECT r.tracking_no, e.seq, e.action, e.actor_kind, e.actor_staff_id IS NULL,"
            " e.effective_on, e.data FROM request_events e JOIN requests r ON"
            " r.id = e.request_id JOIN agencies g ON g.id = r.agency_id"
            " WHERE g.code = '%s' ORDER BY r.tracking_no" % a).split("\n")
        self.assertEqual(len(events), 3)
        first = events[0].split("|")
        self.assertEqual(first[1:6], ["1", "imported", "import", "t", "2020-12-28"])
        data = json.loads(first[6])
        self.assertEqual(data["ledger_no"], "〔2020〕31号")
        self.assertEqual(data["line"], 2)
        self.assertEqual(data["outcome"], "disclosed")
        # The hash chain holds.
        r = self.s.ysqgk("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # Online submissions number after the imported ones.
        self.assertEqual(self.s.psql(
            "SELECT t.year || ':' || t.last_no FROM tracking_counters t JOIN agencies g"
            " ON g.id = t.agency_id WHERE g.code = '%s' ORDER BY t.year" % a),
            "2020:31\n2021:2")
        # A second import of the same file is refused whole: the number exists.
        r = self.run_import(text, bom=True)
        self.assertEqual(r.returncode, 1)
        self.assertIn(":2: tracking_no: 编号“%s-2020-000031”已经存在" % a, r.stderr)
        self.assertEqual(self.count(), 3)
        # They count in the report like any other.
        t3 = report(self.s, a, 2021)["table3"]
        self.assertEqual(t3["carried_in"]["person"], 1)
        self.assertEqual(t3["disclosed"]["person"], 1)
        self.assertEqual(t3["other"]["business"], 1)
        self.assertEqual(t3["carried_out"]["org_other"], 1)
        self.assertEqual(t3["received"]["total"], 2)
        # audit_log has the run.
        self.assertIn('"rows": 3', self.s.psql(
            "SELECT data::text FROM audit_log WHERE action = 'import_run'"
            " ORDER BY id DESC LIMIT 5"))

    def test_dry_run_checks_without_importing(self):
        text = HEADER + "\n%s,,person,张三,post,2021-03-01,申请,,\n" % self.agency
        r = self.run_import(text, "--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 rows, all good", r.stdout)
        self.assertEqual(self.count(), 0)

    def test_usage(self):
        r = self.s.ysqgk("import")
        self.assertEqual(r.returncode, 2)
        r = self.s.ysqgk("import", "/nonexistent/ledger.csv")
        self.assertEqual(r.returncode, 1)
        self.assertIn("/nonexistent/ledger.csv", r.stderr)


if __name__ == "__main__":
    unittest.main()
