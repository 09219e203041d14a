"""The yearly report and the Regulations (ogi-rules.md "What else the
Regulations ask"): the publishing deadline of Art. 49 (a department by
31 January, a government by 31 March of the next year, from the agency's
kind) shown with a late mark, and section 六's 信息处理费 figures of the 2021
format (notices issued in the year, the amount they asked, the amount
collected in the year). On a stack of its own."""

import csv
import io
import json
import unittest

from test_report_helpers import Ledger, new_agency, sql_str
from test_staff_common import Staff, own_stack

S = None


def setUpModule():
    global S
    S = own_stack()


def tearDownModule():
    S.stop()


def api(who, agency, year):
    r = who.get("/api/v1/reports/%d?agency=%s" % (year, agency))
    assert r.status == 200, r
    return r.json()


def page(who, agency, year):
    r = who.get("/staff/report?year=%d&agency=%s" % (year, agency))
    assert r.status == 200, r
    return r.text


def snapshot(agency, year, content, published_at):
    """A published version as `publish` stores it, on a chosen day."""
    S.psql("INSERT INTO report_snapshots (agency_id, year, version, published_at, content)"
           " SELECT id, %d, 1, %s::timestamptz, %s::jsonb FROM agencies WHERE code = %s"
           % (year, sql_str(published_at), sql_str(json.dumps(content, ensure_ascii=False)),
              sql_str(agency)))


class PublishingDeadlineTest(unittest.TestCase):
    """Art. 49; the tests' years (2022, 2023) are over on any day they run."""

    def test_department_unpublished_is_late(self):
        dept = new_agency(S, "dl")
        j = api(Staff(S, dept, "head"), dept, 2023)["deadline"]
        self.assertEqual(j["on"], "2024-01-31")
        self.assertFalse(j["government"])
        self.assertIsNone(j["published_on"])
        self.assertTrue(j["late"])
        text = page(Staff(S, dept), dept, 2023)
        self.assertIn("本报告应于2024年1月31日前（含当日）公布，尚未公布。", text)
        self.assertIn("已逾期", text)

    def test_government_by_31_march(self):
        gov = new_agency(S, "gl")
        r = S.ysqgk("agency", "set", gov, "kind", "government")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = api(Staff(S, gov, "head"), gov, 2023)["deadline"]
        self.assertEqual(j["on"], "2024-03-31")
        self.assertTrue(j["government"])
        self.assertIn("本报告应于2024年3月31日前（含当日）公布", page(Staff(S, gov), gov, 2023))

    def test_published_in_time_is_not_late(self):
        gov = new_agency(S, "gt")
        self.assertEqual(S.ysqgk("agency", "set", gov, "kind", "government").returncode, 0)
        head = Staff(S, gov, "head")
        # The first version on the last day (Beijing time), a correction later:
        # the deadline is judged by the first.
        content = api(head, gov, 2022)
        snapshot(gov, 2022, content, "2023-03-31 23:30:00+08")
        S.psql("INSERT INTO report_snapshots (agency_id, year, version, published_at, content)"
               " SELECT agency_id, year, 2, '2023-06-01 10:00+08', content"
               " FROM report_snapshots s JOIN agencies a ON a.id = s.agency_id"
               " WHERE a.code = %s AND year = 2022" % sql_str(gov))
        j = api(head, gov, 2022)["deadline"]
        self.assertEqual(j["published_on"], "2023-03-31")
        self.assertFalse(j["late"])
        text = page(head, gov, 2022)
        self.assertIn("第一版已于2023年3月31日公布", text)
        self.assertNotIn("已逾期", text)

    def test_published_a_day_late(self):
        dept = new_agency(S, "dd")
        head = Staff(S, dept, "head")
        snapshot(dept, 2022, api(head, dept, 2022), "2023-02-01 00:10:00+08")
        j = api(head, dept, 2022)["deadline"]
        self.assertEqual(j["published_on"], "2023-02-01")
        self.assertTrue(j["late"])
        self.assertIn("已逾期", page(head, dept, 2022))


class FeeFiguresTest(unittest.TestCase):
    """Section 六 (国办公开办函〔2021〕30号): 信息处理费 of the year."""

    @classmethod
    def setUpClass(cls):
        cls.gov = new_agency(S, "fg")
        cls.dept = new_agency(S, "fd", parent=cls.gov)
        led = Ledger(S, cls.dept)
        cls.reqs = [led.add("P", "2022-12-01"), led.add("P", "2023-05-02"),
                    led.add("B", "2023-12-01"), led.add("P", "2023-06-01")]
        led.insert()
        # (request, noticed, pay by, amount, paid on)
        cls.fee(cls.reqs[0], "2022-12-20", "2023-01-18", "30.00", "2023-01-04")
        cls.fee(cls.reqs[1], "2023-05-10", "2023-06-07", "100.00", "2023-05-20")
        cls.fee(cls.reqs[2], "2023-12-20", "2024-01-19", "50.50", "2024-01-05")
        cls.fee(cls.reqs[3], "2023-06-10", "2023-07-08", "20.00", None)

    @staticmethod
    def fee(tracking, noticed, pay_by, amount, paid_on):
        S.psql("INSERT INTO fees (request_id, method, units, amount_yuan, notice_on, pay_by,"
               " paid_on, state) SELECT id, 'per_request', 1, %s, %s, %s, %s, %s"
               " FROM requests WHERE tracking_no = %s"
               % (amount, sql_str(noticed), sql_str(pay_by), sql_str(paid_on),
                  sql_str("paid" if paid_on else "expired"), sql_str(tracking)))

    def test_figures_of_the_year(self):
        head = Staff(S, self.dept, "head")
        self.assertEqual(api(head, self.dept, 2023)["fees"],
                         {"notices": 3, "amount_yuan": "170.50", "collected_yuan": "130.00"})
        self.assertEqual(api(head, self.dept, 2022)["fees"],
                         {"notices": 1, "amount_yuan": "30.00", "collected_yuan": "0.00"})
        self.assertEqual(api(head, self.dept, 2024)["fees"]["collected_yuan"], "50.50")
        text = page(head, self.dept, 2023)
        self.assertIn("信息处理费：本年度发出收费通知3件，收费通知的总金额170.50元，"
                      "实际收取的总金额130.00元。", text)
        r = head.get("/api/v1/reports/2023?agency=%s&format=csv" % self.dept)
        cells = {(x["table"], x["row"]): x["value"] for x in csv.DictReader(io.StringIO(r.text))}
        self.assertEqual(cells[("fees", "notices")], "3")
        self.assertEqual(cells[("fees", "collected_yuan")], "130.00")

    def test_parent_sums_its_departments(self):
        admin = Staff(S, self.gov, "admin")
        self.assertEqual(api(admin, self.gov, 2023)["fees"]["notices"], 3)

    def test_none_is_zero(self):
        other = new_agency(S, "fz")
        self.assertEqual(api(Staff(S, other, "head"), other, 2023)["fees"],
                         {"notices": 0, "amount_yuan": "0.00", "collected_yuan": "0.00"})

    def test_not_in_the_2019_format(self):
        head = Staff(S, self.dept, "head")
        self.assertNotIn("信息处理费：本年度", page(head, self.dept, 2020))


if __name__ == "__main__":
    unittest.main()
