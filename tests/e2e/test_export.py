"""The register (台账, issue 18 §3) through nginx: export.xlsx and export.csv
of any queue filter, scoped exactly like the queue (a second agency's rows
never appear, with any filter, in either format); the XLSX read back with
zipfile and the XML parser (header, labels, a date cell, the frozen header
row, the autofilter, formula-like text stored as a string); the label CSV
with its BOM and the injection guard; every page of the filter, not one;
the import flavour re-imported into an empty database unchanged; who may
export, and the audit_log line of each export. On a stack of its own."""

import csv
import datetime
import io
import json
import os
import re
import tempfile
import unittest
import urllib.parse
import xml.etree.ElementTree as ET
import zipfile

import test_staff_common as h

S = None
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
HEADER = ["编号", "申请人", "类型", "收到日期", "内容摘要", "办理状态", "答复日期",
          "办理结果", "是否延期", "是否收费", "复议诉讼"]
BOM = b"\xef\xbb\xbf"
# A description a spreadsheet would evaluate if it were written as a formula.
FORMULA = "=1+1 请公开本县道路维修工程的招标文件"
FILTERS = ["", "status=all", "status=answered", "status=in_progress", "overdue=1",
           "due_within=20", "kind=person", "kind=business", "outcome=disclosed",
           "year={y1}", "status=all&year={y1}", "q=道路", "q={b_no}", "sort=newest",
           "status=all&sort=newest", "status=all&q=张", "status=all&kind=person&year={year}",
           # Issue 16, item 11: the table's sorts, 我的 and 待审批.
           "sort=due_desc", "status=all&sort=due_desc", "sort=received", "status=all&sort=received_desc",
           "status=all&sort=number", "mine=1", "status=all&mine=1&sort=newest", "approval=1"]


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def cell_ref(ref):
    """'C12' -> (11, 2): zero-based row and column."""
    m = re.match(r"([A-Z]+)(\d+)$", ref)
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


class Workbook:
    """An XLSX read back with zipfile and ElementTree: cells as
    (type, text, number format) by position, the sheet's XML."""

    def __init__(self, data):
        z = zipfile.ZipFile(io.BytesIO(data))
        self.names = z.namelist()
        self.sheet_xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
        sheet = ET.fromstring(self.sheet_xml)
        shared = []
        if "xl/sharedStrings.xml" in self.names:
            for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
                shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
        styles = ET.fromstring(z.read("xl/styles.xml"))
        formats = {int(f.get("numFmtId")): f.get("formatCode")
                   for f in styles.findall("m:numFmts/m:numFmt", NS)}
        xfs = [int(x.get("numFmtId", "0")) for x in styles.findall("m:cellXfs/m:xf", NS)]
        self.cells = {}
        self.formulas = len(sheet.findall(".//m:f", NS))
        for c in sheet.findall("m:sheetData/m:row/m:c", NS):
            t = c.get("t", "n")
            if t == "s":
                text = shared[int(c.find("m:v", NS).text)]
            elif t == "inlineStr":
                text = "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
            else:
                v = c.find("m:v", NS)
                text = v.text if v is not None else ""
            fmt = formats.get(xfs[int(c.get("s", "0"))])
            self.cells[cell_ref(c.get("r"))] = (t, text, fmt)
        self.sheet = sheet

    def rows(self):
        n = max(r for r, _ in self.cells) + 1 if self.cells else 0
        out = []
        for r in range(n):
            out.append([self.cells.get((r, c), ("", "", None))[1] for c in range(len(HEADER))])
        return out

    def value(self, r, c):
        return self.cells.get((r, c))


def excel_date(serial):
    return str(datetime.date(1899, 12, 30) + datetime.timedelta(days=int(float(serial))))


def csv_rows(body):
    assert body.startswith(BOM), body[:10]
    return list(csv.reader(io.StringIO(body[len(BOM):].decode("utf-8"), newline="")))


def url(query):
    return urllib.parse.quote(query, safe="=&")


def queue_numbers(who, query):
    """The queue's own rows for a filter, every page, in order."""
    out, after = [], None
    while True:
        q = "?" + "&".join(x for x in (url(query), "limit=200", "after=" + after if after else "")
                           if x)
        j = who.queue(q)
        out += [r["tracking_no"] for r in j["requests"]]
        after = j["next"]
        if not after:
            return out


class ExportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.a = h.new_agency(S, "ex")
        cls.b = h.new_agency(S, "ex")
        c = cls.clerk = h.Staff(S, cls.a)
        cb = cls.clerk_b = h.Staff(S, cls.b)
        today = h.today()
        cls.year = today.year
        cls.y1 = today.year - 1
        # Agency A: every state and column the register shows.
        cls.answered = c.register("%d-03-02" % cls.y1, name="张三",
                                  id_number=h.resident_id("11010519700101011"))
        c.act(cls.answered, "reply", {"outcome": "disclosed", "text": "x"})
        c.act(cls.answered, "appeal", {"kind": "review", "body": "县人民政府",
                                       "filed_on": str(today)})
        cls.formula = c.register(today, name="张四", description=FORMULA,
                                 id_number=h.resident_id("11010519700101012"))
        cls.feed = c.register(today, name="李五", phone="+86 138-1234-5678",
                              id_number=h.resident_id("11010519700101013"))
        c.act(cls.feed, "fee_notice", {"method": "per_page", "pages": 101})
        c.act(cls.feed, "fee_paid")
        cls.extended = c.register(today, org=True, name="@SUM(A1)科技有限公司",
                                  description="-2+3 某项行政许可的审批结果和依据")
        c.act(cls.extended, "extend", {"reason": "情况复杂", "days": 5})
        h.Staff(S, cls.a, role="head").act(cls.extended, "approve_extension",
                                           {"reason": "同意"})
        cls.old = c.register("%d-01-05" % (today.year - 2), name="王六",
                             id_number=h.resident_id("11010519700101014"))
        cls.sub, cls.sub_no, _ = h.submit_online(S, cls.a, name="赵七",
                                                 id_number=h.resident_id("11010519700101015"))
        # A correction (Art. 41), answered with its own outcome.
        body = h.applicant(request_kind="correction", name="钱八", channel="post",
                           received_on=str(today), id_number=h.resident_id("11010519700101016"),
                           description="本局出具的户籍证明中关于本人出生日期的记录",
                           correction_wrong="出生日期登记为1970年1月2日",
                           correction_should="出生日期应为1970年1月1日")
        for key in ("provision_forms", "obtain_methods", "declaration"):
            body.pop(key, None)
        r = c.post_json("/api/v1/agencies/%s/requests" % cls.a, body)
        assert r.status == 201, r
        cls.corrected = h.request_id(S, r.json()["tracking_no"])
        c.act(cls.corrected, "reply", {"outcome": "corrected", "text": "已更正出生日期"})
        # Agency B: rows that would match every filter above.
        cls.b_ids = []
        rid = cb.register("%d-03-02" % cls.y1, name="张三",
                          id_number=h.resident_id("11010519700101021"))
        cb.act(rid, "reply", {"outcome": "disclosed", "text": "x"})
        cls.b_ids.append(rid)
        cls.b_ids.append(cb.register(today, name="张四", description=FORMULA,
                                     id_number=h.resident_id("11010519700101022")))
        cls.b_ids.append(cb.register(today, org=True, name="某公司"))
        cls.b_ids.append(cb.register("%d-01-05" % (today.year - 2), name="王六",
                                     id_number=h.resident_id("11010519700101024")))
        cls.b_ids.append(h.submit_online(S, cls.b, name="赵七")[0])
        cls.b_numbers = {h.row(S, i, "tracking_no")["tracking_no"] for i in cls.b_ids}
        cls.numbers = {rid: h.row(S, rid, "tracking_no")["tracking_no"]
                       for rid in (cls.answered, cls.formula, cls.feed, cls.extended,
                                   cls.old, cls.sub, cls.corrected)}

    def export(self, who, what, query="", expect=200):
        r = who.get("/api/v1/requests/export.%s%s" % (what, "?" + url(query) if query else ""))
        self.assertEqual(r.status, expect, r)
        return r

    def filters(self):
        b_no = sorted(self.b_numbers)[0]
        return [f.format(y1=self.y1, year=self.year, b_no=b_no) for f in FILTERS]

    def test_xlsx_header_labels_dates_frozen_filter_and_text(self):
        r = self.export(self.clerk, "xlsx", "status=all")
        self.assertEqual(r.header("Content-Type"),
                         "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        cd = r.header("Content-Disposition")
        self.assertTrue(cd.startswith("attachment; "), cd)
        name = urllib.parse.unquote(cd.split("filename*=UTF-8''")[1])
        self.assertEqual(name, "台账-测试局%s-%s.xlsx" % (self.a, h.today()))
        wb = Workbook(r.body)
        rows = wb.rows()
        self.assertEqual(rows[0], HEADER)
        by_no = {row[0]: (i, row) for i, row in enumerate(rows) if i}
        self.assertEqual(set(by_no), set(self.numbers.values()))
        # Labels, not codes.
        i, row = by_no[self.numbers[self.answered]]
        self.assertEqual(row[1:3], ["张三", "自然人"])
        self.assertEqual(row[5], "已答复")
        self.assertEqual(row[7], "予以公开")
        self.assertEqual(row[8:], ["否", "否", "行政复议（尚未审结）"])
        # Dates are dates: a number shown as yyyy-mm-dd.
        t, v, fmt = wb.value(i, 3)
        self.assertEqual((t, fmt), ("n", "yyyy-mm-dd"))
        self.assertEqual(excel_date(v), "%d-03-02" % self.y1)
        self.assertEqual(wb.value(i, 6)[0], "n")
        self.assertEqual(by_no[self.numbers[self.feed]][1][9], "是")
        self.assertEqual(by_no[self.numbers[self.extended]][1][8], "是")
        self.assertEqual(by_no[self.numbers[self.extended]][1][2], "商业企业")
        self.assertEqual(by_no[self.numbers[self.sub]][1][3], "")     # not yet received
        # Formula-like text stays text: a string cell, no formula anywhere.
        i, row = by_no[self.numbers[self.formula]]
        self.assertEqual(row[4], FORMULA)
        self.assertIn(wb.value(i, 4)[0], ("s", "inlineStr", "str"))
        self.assertNotEqual(wb.value(i, 4)[0], "str")
        i, row = by_no[self.numbers[self.extended]]
        self.assertEqual(row[1], "@SUM(A1)科技有限公司")
        self.assertIn(wb.value(i, 1)[0], ("s", "inlineStr"))
        self.assertEqual(wb.formulas, 0)
        # Every non-empty cell is a string or a date.
        for (rr, cc), (t, text, fmt) in wb.cells.items():
            self.assertTrue(t in ("s", "inlineStr") or (t == "n" and fmt == "yyyy-mm-dd"),
                            (rr, cc, t, text, fmt))
        # The header row frozen, an autofilter over every row, widths set.
        pane = wb.sheet.find("m:sheetViews/m:sheetView/m:pane", NS)
        self.assertEqual((pane.get("ySplit"), pane.get("topLeftCell"), pane.get("state")),
                         ("1", "A2", "frozen"))
        self.assertEqual(wb.sheet.find("m:autoFilter", NS).get("ref"), "A1:K%d" % len(rows))
        widths = [float(c.get("width")) for c in wb.sheet.findall("m:cols/m:col", NS)]
        self.assertEqual(len(widths), len(HEADER))
        self.assertGreaterEqual(min(widths), 10)

    def test_label_csv_bom_and_injection_guard(self):
        r = self.export(self.clerk, "csv", "status=all")
        self.assertEqual(r.header("Content-Type"), "text/csv; charset=utf-8")
        self.assertIn(".csv", r.header("Content-Disposition"))
        rows = csv_rows(r.body)
        self.assertEqual(rows[0], HEADER)
        by_no = {row[0]: row for row in rows[1:]}
        self.assertEqual(set(by_no), set(self.numbers.values()))
        self.assertEqual(by_no[self.numbers[self.formula]][4], "'" + FORMULA)
        self.assertEqual(by_no[self.numbers[self.extended]][1], "'@SUM(A1)科技有限公司")
        self.assertEqual(by_no[self.numbers[self.extended]][4][:3], "'-2")
        row = by_no[self.numbers[self.answered]]
        self.assertEqual(row[3], "%d-03-02" % self.y1)
        self.assertEqual((row[5], row[7], row[10]), ("已答复", "予以公开", "行政复议（尚未审结）"))
        # No field of the file starts with a formula character unguarded.
        for row in rows:
            for v in row:
                self.assertFalse(v and v[0] in "=+-@\t\r", v)
        self.export(self.clerk, "csv", "format=pdf", expect=422)

    def test_scoped_exactly_like_the_queue_with_every_filter(self):
        for f in self.filters():
            with self.subTest(filter=f):
                expected = queue_numbers(self.clerk, f)
                self.assertFalse(self.b_numbers & set(expected))
                wb = Workbook(self.export(self.clerk, "xlsx", f).body)
                got = [row[0] for row in wb.rows()[1:]]
                self.assertEqual(got, expected)
                got = [row[0] for row in csv_rows(self.export(self.clerk, "csv", f).body)[1:]]
                self.assertEqual(got, expected)
                imp = csv_rows(self.export(self.clerk, "csv", "format=import&" + f).body)
                got = [row[1] for row in imp[1:]]
                self.assertEqual(got, [n for n in expected if n != self.sub_no])
                self.assertEqual({row[0] for row in imp[1:]} - {self.a}, set())
        # Another agency's register is not this member's to ask for.
        for what in ("xlsx", "csv"):
            r = self.export(self.clerk, what, "agency=%s&status=all" % self.b, expect=404)
            self.assertNotIn(sorted(self.b_numbers)[0].encode(), r.body)
        # The other agency's clerk sees only theirs.
        wb = Workbook(self.export(self.clerk_b, "xlsx", "status=all").body)
        self.assertEqual({row[0] for row in wb.rows()[1:]}, self.b_numbers)

    def test_bad_filter_is_422_naming_it(self):
        for q, field in (("status=nope", "status"), ("year=20x1", "year"),
                         ("kind=alien", "kind"), ("due_within=x", "due_within")):
            r = self.export(self.clerk, "xlsx", q, expect=422)
            self.assertIn(field, r.json()["error"])

    def test_who_may_export_and_each_export_is_logged(self):
        r = S.get("/api/v1/requests/export.xlsx")
        self.assertEqual(r.status, 401)
        r = S.get("/api/v1/requests/export.csv?format=import")
        self.assertEqual(r.status, 401)
        for role in ("head", "admin"):
            who = h.Staff(S, self.a, role=role)
            r = self.export(who, "csv", "status=all&q=张")
            rows = csv_rows(r.body)[1:]
            self.assertEqual(r.header("X-Export-Rows"), str(len(rows)))
            line = json.loads(S.psql(
                "SELECT row_to_json(x) FROM (SELECT l.actor_staff_id, a.code, l.data"
                " FROM audit_log l JOIN agencies a ON a.id = l.agency_id"
                " WHERE l.action = 'requests_exported' ORDER BY l.id DESC LIMIT 1) x"))
            self.assertEqual(line["actor_staff_id"], who.id)
            self.assertEqual(line["code"], self.a)
            self.assertEqual(line["data"]["format"], "csv")
            self.assertEqual(line["data"]["filter"], {"status": "all", "q": "张"})
            self.assertEqual(line["data"]["rows"], len(rows))

    def test_queue_page_links_keep_the_filter(self):
        page = self.clerk.get("/staff?status=all&kind=person&after=2020-01-01.1").text
        self.assertIn('href="/api/v1/requests/export.xlsx?agency=%s&amp;status=all&amp;kind=person"'
                      % self.a, page)
        self.assertIn("导出Excel", page)
        self.assertIn('href="/api/v1/requests/export.csv?agency=%s&amp;status=all&amp;kind=person"'
                      % self.a, page)
        self.assertIn("导出CSV", page)

    def test_import_flavour_reimports_unchanged(self):
        """export.csv?format=import, `ysqgk import` into an empty database,
        the same export again: the same file (row order aside: the queue's
        order follows due dates, which an import recomputes)."""
        ex = self
        first = ex.export(ex.clerk, "csv", "format=import&status=all")
        self.assertEqual(first.header("X-Export-Left-Out"), "1")   # the unconfirmed one
        rows = csv_rows(first.body)
        self.assertEqual(rows[0][:9], ["agency_code", "tracking_no", "applicant_kind", "name",
                                       "channel", "received_on", "description",
                                       "concluded_on", "outcome"])
        by_no = {row[1]: dict(zip(rows[0], row)) for row in rows[1:]}
        f = by_no[ex.numbers[ex.formula]]
        self.assertEqual(f["description"], FORMULA)               # as stored, no guard
        self.assertEqual(f["id_number"], h.resident_id("11010519700101012"))
        self.assertEqual(f["status"], "in_progress")
        self.assertEqual(by_no[ex.numbers[ex.answered]]["outcome"], "disclosed")
        self.assertEqual(by_no[ex.numbers[ex.feed]]["status"], "in_progress")
        fixed = by_no[ex.numbers[ex.corrected]]       # a correction keeps its kind
        self.assertEqual((fixed["request_kind"], fixed["outcome"], fixed["correction_should"]),
                         ("correction", "corrected", "出生日期应为1970年1月1日"))
        self.assertEqual(by_no[ex.numbers[ex.answered]]["request_kind"], "disclosure")
        fresh = h.own_stack()
        try:
            r = fresh.ysqgk("agency", "add", ex.a, "测试局" + ex.a)
            self.assertEqual(r.returncode, 0, r.stderr)
            fd, path = tempfile.mkstemp(suffix=".csv")
            with os.fdopen(fd, "wb") as out:
                out.write(first.body)
            self.addCleanup(os.unlink, path)
            r = fresh.ysqgk("import", path)
            self.assertEqual(r.returncode, 0, r.stderr)
            again = h.Staff(fresh, ex.a).get(
                "/api/v1/requests/export.csv?format=import&status=all")
            self.assertEqual(again.status, 200)
            second = csv_rows(again.body)
            self.assertEqual(second[0], rows[0])
            self.assertEqual(sorted(second[1:]), sorted(rows[1:]))
        finally:
            fresh.stop()


class ManyRowsTest(unittest.TestCase):
    """More rows than one page of the queue's statement (250) and than the
    queue's largest page (200): the export has them all, once, in order."""

    def test_every_row_of_the_filter(self):
        agency = h.new_agency(S, "em")
        clerk = h.Staff(S, agency)
        lines = ["agency_code,tracking_no,applicant_kind,name,channel,received_on,"
                 "description,concluded_on,outcome"]
        for i in range(620):
            lines.append("%s,,person,申请人%d,post,2021-03-%02d,申请内容%d,2021-04-01,disclosed"
                         % (agency, i, 1 + i % 28, i))
        fd, path = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(lines) + "\n")
        self.addCleanup(os.unlink, path)
        r = S.ysqgk("import", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        for f in ("status=all", "status=all&sort=newest", "status=all&q=申请"):
            with self.subTest(filter=f):
                expected = queue_numbers(clerk, f)
                self.assertEqual(len(expected), 620)
                got = [row[0] for row in Workbook(
                    clerk.get("/api/v1/requests/export.xlsx?" + url(f)).body).rows()[1:]]
                self.assertEqual(got, expected)
                got = [row[0] for row in csv_rows(
                    clerk.get("/api/v1/requests/export.csv?" + url(f)).body)[1:]]
                self.assertEqual(got, expected)


if __name__ == "__main__":
    unittest.main()
