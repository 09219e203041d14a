"""Issue 11, item 10: a request received before 2019-05-15, the day the
2019 revision of the Regulations came into force (its Art. 56), keeps the
periods of the 2008 Regulations (Art. 24 ¶2): 15 working days, extendable
by at most 15. Imported from a paper ledger (`ysqgk import`) and seen
through the API and the request page. On a stack of its own."""

import os
import tempfile
import unittest

import test_staff_common as h

S = None

HEADER = ("agency_code,tracking_no,applicant_kind,name,channel,received_on,description,"
          "concluded_on,outcome")


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


class OlderRequestsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "ol")
        cls.clerk = h.Staff(S, cls.agency)
        a = cls.agency
        text = (HEADER + "\n"
                "%s,%s-2019-000001,person,张三,post,2019-05-14,旧申请,,\n"
                "%s,%s-2019-000002,person,李四,post,2019-05-15,新申请,,\n") % (a, a, a, a)
        fd, path = tempfile.mkstemp(suffix=".csv")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        r = S.ysqgk("import", path)
        os.unlink(path)
        assert r.returncode == 0, r.stderr
        cls.old = h.request_id(S, "%s-2019-000001" % a)
        cls.new = h.request_id(S, "%s-2019-000002" % a)

    def test_item10_imported_before_2019_05_15_gets_15_working_days(self):
        # Received Tue 2019-05-14: 05-15..17 (3), 05-20..24 (8), 05-27..31
        # (13), 06-03, 06-04 (15): due Tue 4 June 2019.
        r = self.clerk.request(self.old)
        self.assertEqual(r["due_on"], "2019-06-04")
        self.assertEqual(r["deadline"]["period_workdays"], 15)
        self.assertTrue(r["deadline"]["rules_2008"])
        self.assertEqual(r["deadline"]["extension_max_workdays"], 15)
        self.assertEqual(h.row(S, self.old, "due_on")["due_on"], "2019-06-04")
        page = h.text_of(self.clerk.get("/staff/requests/%d" % self.old).text)
        self.assertRegex(page, r"答复期限：\s*2019年6月4日")
        self.assertIn("第二十四条第二款：15个工作日内答复，延期最长15个工作日", page)
        self.assertIn("合计期限 15 个工作日", page)

    def test_item10_received_on_2019_05_15_gets_20_working_days(self):
        # Received Wed 2019-05-15, the day the 2019 revision came into
        # force: 05-16, 17 (2), 05-20..24 (7), 05-27..31 (12), 06-03..06
        # (16), Fri 06-07 off (端午节), 06-10..13 (20): due Thu 13 June.
        r = self.clerk.request(self.new)
        self.assertEqual(r["due_on"], "2019-06-13")
        self.assertEqual(r["deadline"]["period_workdays"], 20)
        self.assertFalse(r["deadline"].get("rules_2008", False))
        page = h.text_of(self.clerk.get("/staff/requests/%d" % self.new).text)
        self.assertRegex(page, r"答复期限：\s*2019年6月13日")
        self.assertNotIn("第二十四条", page)

    def test_item10_extension_of_16_days_refused_for_the_older(self):
        e = self.clerk.act(self.old, "extend", {"reason": "需要调取档案", "days": 16},
                           expect=422)
        self.assertEqual(e["field"], "days")
        self.assertIn("第二十四条第二款", e["error"])
        self.assertIn("15个工作日", e["error"])
        # 15 days are within the 2008 limit: what stops them is the time
        # (long overdue: Art. 33 ¶2 wants the extension within the period).
        e = self.clerk.act(self.old, "extend", {"reason": "需要调取档案", "days": 15},
                           expect=409)
        self.assertIn("届满", e["error"])
        # The newer one: 16 days are within the 2019 limit of 20.
        e = self.clerk.act(self.new, "extend", {"reason": "需要调取档案", "days": 16},
                           expect=409)
        self.assertIn("届满", e["error"])


if __name__ == "__main__":
    unittest.main()
