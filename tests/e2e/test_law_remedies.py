"""The remedies paragraph of every notice (ogi-rules.md "How a request
ends", 行政复议法 as revised in 2023): since 2024-01-01 a decision not to
disclose (deny_*, deny_query included, and partial) goes to review first
and to court within 15 days of the review decision; any other notice offers
review in 60 days or suit in 6 months; a notice dated before 2024 keeps
the old wording. The review body is named in full: the government above
the agency (行政复议法 Art. 24) unless the agency set its own. Deadlines in
notices say （含当日）, and the fee notice states its period from receipt.
On a stack of its own."""

import secrets
import unittest

import test_staff_common as h

S = None

REVIEW_FIRST = "应当先自收到之日起六十日内向"
REVIEW_FIRST_LAW = "《中华人民共和国行政复议法》第二十三条第一款第四项"
SUIT_AFTER_REVIEW = "自收到行政复议决定书之日起十五日内"
REVIEW_OR_SUIT_LAW = "（《中华人民共和国行政复议法》第二十条）"
SUIT_SIX_MONTHS = "六个月内"
OLD_LAW = "（《中华人民共和国政府信息公开条例》第五十一条）"

# Every outcome staff may choose, with what its reply needs.
OUTCOMES = ["disclosed", "partial", "deny_secret", "deny_law", "deny_security",
            "deny_third_party", "deny_internal", "deny_process", "deny_enforcement",
            "deny_query", "unable_not_held", "unable_create", "unable_unclear",
            "reject_petition", "reject_repeat", "reject_publication", "reject_mass",
            "reject_confirm", "other"]


def refusal(outcome):
    return outcome.startswith("deny_") or outcome == "partial"


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def county(prefix):
    """A county government and a department under it; returns their codes and
    the government's name."""
    gov = h.new_agency(S, prefix + "g")
    name = "测试县人民政府" + gov
    for key, value in (("name", name), ("kind", "government")):
        r = S.ysqgk("agency", "set", gov, key, value)
        assert r.returncode == 0, r.stderr
    dept = h.new_agency(S, prefix + "d", parent=gov)
    return gov, dept, name


def notice(j, kind="reply"):
    return [n for n in j["notices"] if n["kind"] == kind][-1]["body"]


class RemediesParagraphTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.gov, cls.dept, cls.gov_name = county("rm")
        cls.clerk = h.Staff(S, cls.dept)

    def reply(self, outcome, received, replied):
        rid = self.clerk.register(received_on=received)
        body = dict(h.outcome_ready(self.clerk, rid, outcome, on=received),
                    outcome=outcome, text="答复正文", date=replied, backdate_reason="纸质档案补录")
        if refusal(outcome):
            body["withheld"] = "不予公开的部分及理由"
        return notice(self.clerk.act(rid, "reply", body))

    def assert_review_first(self, body, what):
        self.assertIn(REVIEW_FIRST + self.gov_name + "申请行政复议", body, what)
        self.assertIn(REVIEW_FIRST_LAW, body, what)
        self.assertIn(SUIT_AFTER_REVIEW, body, what)
        self.assertIn("《中华人民共和国行政诉讼法》第四十五条", body, what)
        self.assertNotIn(SUIT_SIX_MONTHS, body, what)
        self.assertNotIn(OLD_LAW, body, what)

    def assert_review_or_suit(self, body, what):
        self.assertIn("可以自收到之日起六十日内向" + self.gov_name + "申请行政复议"
                      + REVIEW_OR_SUIT_LAW, body, what)
        self.assertIn(SUIT_SIX_MONTHS, body, what)
        self.assertIn("《中华人民共和国行政诉讼法》第四十六条", body, what)
        self.assertNotIn(REVIEW_FIRST, body, what)
        self.assertNotIn(OLD_LAW, body, what)

    def assert_old(self, body, what):
        self.assertIn("可以自收到之日起六十日内向" + self.gov_name + "申请行政复议，或者自收到之日起"
                      "六个月内向有管辖权的人民法院提起行政诉讼" + OLD_LAW, body, what)
        self.assertNotIn(REVIEW_FIRST, body, what)
        self.assertNotIn("行政复议法", body, what)

    def test_every_outcome_from_2024(self):
        today = str(h.today())
        for outcome in OUTCOMES:
            with self.subTest(outcome=outcome):
                body = self.reply(outcome, today, today)
                if refusal(outcome):
                    self.assert_review_first(body, outcome)
                else:
                    self.assert_review_or_suit(body, outcome)
                self.assertEqual(body.count("如对本"), 1, body)     # one paragraph

    def test_every_outcome_before_2024(self):
        # Back-dated: received and answered in December 2023.
        for outcome in OUTCOMES:
            with self.subTest(outcome=outcome):
                self.assert_old(self.reply(outcome, "2023-12-01", "2023-12-29"), outcome)

    def test_the_last_day_of_2023_and_the_first_of_2024(self):
        self.assert_old(self.reply("deny_secret", "2023-12-20", "2023-12-31"), "31 Dec")
        self.assert_review_first(self.reply("deny_secret", "2023-12-20", "2024-01-01"), "1 Jan")
        self.assert_review_or_suit(self.reply("disclosed", "2023-12-20", "2024-01-01"), "1 Jan")

    def test_deny_query_is_review_first(self):
        # Art. 36(7): the national table counts it under 不予公开.
        self.assert_review_first(self.reply("deny_query", str(h.today()), str(h.today())),
                                 "deny_query")

    def test_fee_notice(self):
        rid = self.clerk.register()
        j = self.clerk.act(rid, "fee_notice", {"method": "per_page", "pages": 40})
        body = notice(j, "fee")
        self.assert_review_or_suit(body, "fee")
        self.assertIn("如对本通知不服", body)
        pay_by = j["fees"][0]["pay_by"]
        y, m, d = (int(x) for x in pay_by.split("-"))
        self.assertIn("请自收到本通知之日起20个工作日内，即于%d年%d月%d日前（含当日）缴纳" % (y, m, d),
                      body)

    def test_closing_notices(self):
        # No supplement and no fee in time: the period is moved into the
        # past in the database, then the daily run closes the request.
        rid = self.clerk.register()
        self.clerk.act(rid, "supplement", {"what": "请写明文件名称"})
        S.psql("UPDATE supplements SET asked_on = received_on, answer_by = received_on"
               " FROM requests WHERE requests.id = supplements.request_id AND request_id = %d"
               " AND received_on < current_date" % rid)
        fee = self.clerk.register()
        self.clerk.act(fee, "fee_notice", {"method": "per_page", "pages": 40})
        S.psql("UPDATE fees SET notice_on = current_date - 1, pay_by = current_date - 1"
               " WHERE request_id = %d" % fee)
        r = S.ysqgk("deadlines")
        self.assertEqual(r.returncode, 0, r.stderr)
        j = self.clerk.request(fee)
        self.assertEqual(j["outcome"], "other_no_fee")
        self.assert_review_or_suit(notice(j, "other"), "other_no_fee")


class ReviewBodyTest(unittest.TestCase):
    """Which body the notices name (行政复议法 Art. 24)."""

    def reply_body(self, agency, outcome="deny_secret"):
        clerk = h.Staff(S, agency)
        rid = clerk.register()
        return notice(clerk.act(rid, "reply", {"outcome": outcome, "text": "x", "withheld": "y"}))

    def test_department_names_its_government(self):
        gov, dept, name = county("rb")
        self.assertIn("向%s申请行政复议" % name, self.reply_body(dept))
        self.assertNotIn("上一级行政机关", self.reply_body(dept))

    def test_township_names_the_county(self):
        gov, _, name = county("rt")
        town = h.new_agency(S, "town", parent=gov)
        self.assertEqual(S.ysqgk("agency", "set", town, "kind", "government").returncode, 0)
        self.assertIn("向%s申请行政复议" % name, self.reply_body(town))

    def test_department_below_a_department_names_the_government(self):
        gov, dept, name = county("rs")
        office = h.new_agency(S, "sub", parent=dept)
        self.assertIn("向%s申请行政复议" % name, self.reply_body(office))

    def test_setting_wins(self):
        gov, dept, name = county("rv")
        own = "国家税务总局测试市税务局" + secrets.token_hex(2)
        r = S.ysqgk("agency", "set", dept, "review_body", own)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = S.ysqgk("agency", "set", dept, "court", "测试市中级人民法院")
        self.assertEqual(r.returncode, 0, r.stderr)
        body = self.reply_body(dept)
        self.assertIn("向%s申请行政复议" % own, body)
        self.assertIn("向测试市中级人民法院提起行政诉讼", body)
        self.assertNotIn(name, body)

    def test_no_parent_uses_the_words_of_the_law(self):
        top = h.new_agency(S, "top")
        self.assertIn("向本级人民政府申请行政复议", self.reply_body(top))


class DeadlinePhrasesTest(unittest.TestCase):
    """（含当日） after every 于…前 in the notices."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "hd")
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")

    def test_supplement_and_extension(self):
        rid = self.clerk.register()
        j = self.clerk.act(rid, "supplement", {"what": "请写明文件名称"})
        self.assertRegex(notice(j, "supplement"), r"请于\d{4}年\d+月\d+日前（含当日）通过")
        rid = self.clerk.register()
        self.clerk.act(rid, "extend", {"reason": "需要调取档案"})
        j = self.head.act(rid, "approve_extension")
        self.assertRegex(notice(j, "extension"), r"本机关将于\d{4}年\d+月\d+日前（含当日）作出答复")

    def test_every_deadline_phrase(self):
        import glob
        import os
        import re
        here = os.path.dirname(os.path.abspath(__file__))
        for path in glob.glob(os.path.join(here, "..", "..", "templates", "notices", "*.mustache")):
            text = open(path, encoding="utf-8").read()
            for m in re.finditer(r"于\{\{&?\w+\}\}前", text):
                self.assertEqual(text[m.end():m.end() + 5], "（含当日）",
                                 "%s: %s" % (os.path.basename(path), m.group(0)))


if __name__ == "__main__":
    unittest.main()
