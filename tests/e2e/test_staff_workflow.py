"""Every step of a request through the staff API (and some through the
pages): each transition, each refusal, the deadlines it sets (hand-worked
on the real calendar), the notices, permissions across agencies and roles,
and concurrent steps. On a stack of its own."""

import datetime
import re
import unittest

import stack
import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def shift_submission(rid, day):
    """Pretends the online submission reached the system on `day`."""
    S.psql("UPDATE requests SET submitted_at = '%s 10:00+08' WHERE id = %d" % (day, rid))


class ConfirmAndRegisterTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)

    def test_confirm_sets_receipt_and_due_date(self):
        rid, _, _ = h.submit_online(S, self.agency)
        r = self.clerk.request(rid)
        self.assertEqual(r["status"], "submitted")
        self.assertNotIn("due_on", r)
        self.assertIn("confirm", r["actions"])
        j = self.clerk.act(rid, "confirm")
        today = str(h.today())
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["received_on"], today)
        self.assertEqual(j["due_on"], h.workdays_add(S, today, 20))
        self.assertEqual(h.events(S, rid), ["submitted", "confirmed"])
        self.assertEqual(h.row(S, rid, "backdated")["backdated"], False)
        e = self.clerk.act(rid, "confirm", expect=409)
        self.assertIn("已经确认", e["error"])

    def test_backdated_confirm_across_national_day(self):
        # Received Friday 2024-09-27; 29 Sep (Sunday) is worked, 1-7 Oct
        # are off, 12 Oct (Saturday) is worked: the 20th working day after
        # is Wednesday 30 October (worked by hand from cn_holidays.csv).
        rid, _, _ = h.submit_online(S, self.agency)
        shift_submission(rid, "2024-09-26")
        j = self.clerk.act(rid, "confirm", {"date": "2024-09-27", "backdate_reason": "纸质档案补录"})
        self.assertEqual(j["received_on"], "2024-09-27")
        self.assertEqual(j["due_on"], "2024-10-30")
        self.assertTrue(j["backdated"])
        self.assertEqual(h.row(S, rid, "backdated")["backdated"], True)

    def test_confirm_dates_out_of_range_are_refused(self):
        rid, _, _ = h.submit_online(S, self.agency)
        tomorrow = h.today() + datetime.timedelta(days=1)
        e = self.clerk.act(rid, "confirm", {"date": str(tomorrow)}, expect=422)
        self.assertEqual(e["field"], "date")
        e = self.clerk.act(rid, "confirm", {"date": "2020-01-02"}, expect=422)
        self.assertIn("在线提交", e["error"])
        e = self.clerk.act(rid, "confirm", {"date": "2024-02-30"}, expect=422)
        self.assertEqual(h.row(S, rid, "status")["status"], "submitted")

    def test_discard_then_nothing_else(self):
        rid, _, _ = h.submit_online(S, self.agency)
        self.clerk.act(rid, "discard", {"reason_code": "test", "reason": "测试提交"})
        self.assertEqual(h.row(S, rid, "status")["status"], "discarded")
        e = self.clerk.act(rid, "confirm", expect=409)
        self.assertIn("作废", e["error"])

    def test_register_on_paper_backdated(self):
        rid = self.clerk.register("2024-09-27", channel="post")
        j = self.clerk.request(rid)
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["due_on"], "2024-10-30")
        self.assertEqual(j["channel"], "post")
        self.assertEqual(h.events(S, rid), ["registered"])
        self.assertNotIn("confirm", j["actions"])

    def test_unknown_action_and_bad_id(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "frobnicate", expect=404)
        self.clerk.act("abc", "note", {"text": "x"}, expect=404)
        self.clerk.act(99999999, "note", {"text": "x"}, expect=404)
        # An API POST must be JSON.
        r = S.request("POST", "/api/v1/requests/%d/note" % rid, body="text=x",
                      headers=dict(self.clerk.headers(),
                                   **{"Content-Type": "application/x-www-form-urlencoded"}))
        self.assertEqual(r.status, 415)


class SupplementTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)

    def test_supplement_stops_and_restarts_the_clock(self):
        rid = self.clerk.register()
        e = self.clerk.act(rid, "supplement", {}, expect=422)
        self.assertEqual(e["field"], "what")
        j = self.clerk.act(rid, "supplement", {"what": "请写明道路名称和年份", "period_workdays": 5})
        self.assertEqual(j["status"], "awaiting_supplement")
        today = str(h.today())
        self.assertEqual(j["supplements"][0]["answer_by"], h.workdays_add(S, today, 5))
        self.assertTrue(j["paused"])
        notice = [n for n in j["notices"] if n["kind"] == "supplement"]
        self.assertEqual(len(notice), 1)
        self.assertIn("请写明道路名称和年份", notice[0]["body"])
        self.assertIn("第三十条", notice[0]["body"])
        # Asked once and in full (Art. 30); no reply meanwhile.
        self.assertIn("第三十条", self.clerk.act(rid, "supplement", {"what": "x"}, expect=409)["error"])
        self.assertIn("补正", self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x"},
                                             expect=409)["error"])
        j = self.clerk.act(rid, "supplement_answered", {"text": "2025年 幸福路"})
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["due_on"], h.workdays_add(S, today, 20))
        self.assertIn("幸福路", j["supplement_text"])
        self.assertFalse(j["paused"])
        e = self.clerk.act(rid, "supplement", {"what": "再补充"}, expect=409)
        self.assertIn("一次性", e["error"])
        self.assertEqual(h.events(S, rid), ["registered", "supplement_asked", "supplement_received"])

    def test_supplement_only_within_7_working_days(self):
        late = self.clerk.register(h.workdays_add(S, h.today(), -8))
        e = self.clerk.act(late, "supplement", {"what": "请明确"}, expect=409)
        self.assertIn("7个工作日", e["error"])
        in_time = self.clerk.register(h.workdays_add(S, h.today(), -7))
        self.clerk.act(in_time, "supplement", {"what": "请明确"})

    def test_applicant_answers_on_the_status_api_but_not_after_the_period(self):
        rid, no, code = h.submit_online(S, self.agency)
        self.clerk.act(rid, "confirm")
        self.clerk.act(rid, "supplement", {"what": "请写明年份"})
        r = S.post_json("/api/v1/status/supplement",
                        {"tracking_no": no, "query_code": code, "text": "2025年"})
        self.assertEqual(r.status, 200, r)
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")
        ev = S.psql("SELECT actor_kind FROM request_events WHERE request_id = %d"
                    " AND action = 'supplement_received'" % rid)
        self.assertEqual(ev, "applicant")

        rid2, no2, code2 = h.submit_online(S, self.agency)
        self.clerk.act(rid2, "confirm")
        self.clerk.act(rid2, "supplement", {"what": "请写明年份"})
        S.psql("UPDATE supplements SET asked_on = {today} - 5, answer_by = {today} - 1"
               " WHERE request_id = {rid}".format(today=stack.TODAY_SQL, rid=rid2))
        r = S.post_json("/api/v1/status/supplement",
                        {"tracking_no": no2, "query_code": code2, "text": "2025年"})
        self.assertEqual(r.status, 409, r)
        self.assertIn("补正期限", r.text)
        self.assertEqual(h.row(S, rid2, "status")["status"], "awaiting_supplement")


class ConsultTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)

    def test_consultation_time_is_not_counted(self):
        # Received 2024-09-27 (due 30 October). Consulted 30 September,
        # answered 10 October: the working days after the 30th up to the
        # 10th are 8, 9 and 10 October (1-7 off), so 3 more days:
        # 31 October, 1 and 4 November.
        rid = self.clerk.register("2024-09-27")
        j = self.clerk.act(rid, "consult", {"party": "某某公司", "date": "2024-09-30", "backdate_reason": "纸质档案补录"})
        self.assertEqual(j["status"], "consulting")
        c = j["consultations"][0]
        # 15 working days after 30 September: 8-12 (5, the 12th a
        # worked Saturday), 14-18 (10), 21-25 (15) October.
        self.assertEqual(c["due_on"], "2024-10-25")
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x"}, expect=409)
        j = self.clerk.act(rid, "consult_answered",
                           {"result": "consent", "answer": "同意", "date": "2024-10-10", "backdate_reason": "纸质档案补录"})
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["due_on"], "2024-11-04")
        self.assertEqual(j["deadline"]["paused_workdays"], 3)

    def test_two_consultations_and_silence(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "consult", {"party": "甲公司"})
        j = self.clerk.act(rid, "consult", {"party": "乙机关", "kind": "co_author"})
        self.assertEqual(len(j["open_consultations"]), 2)
        e = self.clerk.act(rid, "consult_answered", {"result": "consent"}, expect=422)
        self.assertEqual(e["field"], "consultation_id")
        first = j["consultations"][0]["id"]
        second = j["consultations"][1]["id"]
        e = self.clerk.act(rid, "consult_answered", {"consultation_id": first, "result": "silence"},
                           expect=409)
        self.assertIn("届满", e["error"])
        j = self.clerk.act(rid, "consult_answered", {"consultation_id": first, "result": "objection"})
        self.assertEqual(j["status"], "consulting")
        j = self.clerk.act(rid, "consult_answered", {"consultation_id": second, "result": "consent"})
        self.assertEqual(j["status"], "in_progress")
        self.clerk.act(rid, "consult_answered", {"result": "consent"}, expect=409)
        self.clerk.act(rid, "consult", {}, expect=422)


class ExtensionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.other = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, "head")
        cls.head2 = h.Staff(S, cls.agency, "head")
        cls.other_head = h.Staff(S, cls.other, "head")

    def test_propose_and_approve(self):
        # Within the 20 days (Art. 33 ¶2: consent before the deadline);
        # the dates on the real calendar are worked in test_deadline.c.
        received = h.workdays_add(S, h.today(), -3)
        due, extended = h.workdays_add(S, received, 20), h.workdays_add(S, received, 40)
        rid = self.clerk.register(received)
        self.clerk.act(rid, "approve_extension", expect=403)
        self.head.act(rid, "approve_extension", expect=409)
        self.clerk.act(rid, "extend", {"days": 21, "reason": "x"}, expect=422)
        self.clerk.act(rid, "extend", {"days": 10}, expect=422)
        j = self.clerk.act(rid, "extend", {"days": 20, "reason": "需要调取档案"})
        self.assertEqual(j["due_on"], due)
        self.assertEqual(j["open_extension"]["days"], 20)
        e = self.clerk.act(rid, "extend", {"days": 5, "reason": "再延"}, expect=409)
        self.assertIn("审批", e["error"])
        # A clerk cannot decide (Art. 33): 403; nor can a head elsewhere: 404.
        e = self.clerk.act(rid, "approve_extension", expect=403)
        self.assertIn("第三十三条", e["error"])
        self.clerk.act(rid, "refuse_extension", expect=403)
        self.other_head.act(rid, "approve_extension", expect=404)
        j = self.head.act(rid, "approve_extension")
        self.assertEqual(j["due_on"], extended)
        self.assertEqual(j["extension_days"], 20)
        notice = [n for n in j["notices"] if n["kind"] == "extension"]
        self.assertEqual(len(notice), 1)
        y, m, d = (int(x) for x in extended.split("-"))
        self.assertIn("%d年%d月%d日" % (y, m, d), notice[0]["body"])
        self.assertIn("需要调取档案", notice[0]["body"])
        e = self.clerk.act(rid, "extend", {"days": 1, "reason": "再延"}, expect=409)
        self.assertIn("已经延期", e["error"])
        self.assertEqual(h.events(S, rid), ["registered", "extension_proposed", "extension_approved"])

    def test_no_extension_once_overdue(self):
        # Received 2024-09-27, due 2024-10-30: an extension now would not
        # cure the delay (Art. 33 ¶2), so it is neither proposed nor offered.
        rid = self.clerk.register("2024-09-27")
        e = self.clerk.act(rid, "extend", {"days": 20, "reason": "需要调取档案"}, expect=409)
        self.assertIn("2024年10月30日", e["error"])
        self.assertIn("第三十三条", e["error"])
        self.assertNotIn("extend", self.clerk.request(rid)["can"])
        self.assertEqual(h.events(S, rid), ["registered"])

    def test_nobody_approves_their_own_proposal(self):
        rid = self.clerk.register()
        self.head.act(rid, "extend", {"reason": "案情复杂"})
        e = self.head.act(rid, "approve_extension", expect=403)
        self.assertIn("自己", e["error"])
        self.head2.act(rid, "refuse_extension", {"reason": "无必要"})
        j = self.clerk.request(rid)
        self.assertEqual(j["extension_days"], 0)
        self.assertEqual([x["state"] for x in j["extensions"]], ["refused"])
        # After a refusal a new proposal may be made.
        self.clerk.act(rid, "extend", {"days": 5, "reason": "补充理由"})
        j = self.head.act(rid, "approve_extension")
        self.assertEqual(j["due_on"], h.workdays_add(S, h.today(), 25))


class FeeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)

    def test_per_page(self):
        rid = self.clerk.register()
        e = self.clerk.act(rid, "fee_notice", {"method": "per_page", "pages": 30}, expect=409)
        self.assertIn("不收费", e["error"])
        self.clerk.act(rid, "fee_notice", {"method": "by_weight"}, expect=422)
        j = self.clerk.act(rid, "fee_notice", {"method": "per_page", "pages": 101})
        self.assertEqual(j["status"], "awaiting_fee")
        # 70 pages at 10 + 1 page at 20 (progressive).
        self.assertEqual(j["fees"][0]["amount_yuan"], "720.00")
        self.assertEqual(j["fees"][0]["pay_by"], h.workdays_add(S, h.today(), 20))
        body = [n for n in j["notices"] if n["kind"] == "fee"][0]["body"]
        self.assertIn("720.00", body)
        self.assertIn("第四十二条", body)
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x"}, expect=409)
        self.clerk.act(rid, "fee_notice", {"method": "per_page", "pages": 40}, expect=409)
        j = self.clerk.act(rid, "fee_paid")
        self.assertEqual(j["status"], "in_progress")
        self.assertEqual(j["due_on"], h.workdays_add(S, h.today(), 20))
        self.clerk.act(rid, "fee_paid", expect=409)

    def test_per_request_counts_the_applicants_month(self):
        idno = h.resident_id("11010519800101%03d" % (hash(self.agency) % 1000))
        ids = [self.clerk.register(id_number=idno, description="申请第%d件：本县某年度财政预算文件" % i)
               for i in range(11)]
        e = self.clerk.act(ids[0], "fee_notice", {"method": "per_request"}, expect=409)
        self.assertIn("前10件", e["error"])
        j = self.clerk.act(ids[10], "fee_notice", {"method": "per_request"})
        self.assertEqual(j["fees"][0]["units"], 11)
        self.assertEqual(j["fees"][0]["amount_yuan"], "100.00")


class ReplyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)

    def test_partial_reply_notice(self):
        rid = self.clerk.register()
        e = self.clerk.act(rid, "reply", {"outcome": "partial", "text": "提供招标文件"}, expect=422)
        self.assertEqual(e["field"], "withheld")
        self.clerk.act(rid, "reply", {"outcome": "other_no_fee", "text": "x"}, expect=422)
        self.clerk.act(rid, "reply", {"outcome": "partial", "withheld": "x"}, expect=422)
        j = self.clerk.act(rid, "reply", {"outcome": "partial", "text": "提供招标文件",
                                          "withheld": "投标人报价属于商业秘密",
                                          "notice_no": "〔2026〕第1号"})
        self.assertEqual(j["status"], "answered")
        self.assertEqual(j["outcome"], "partial")
        self.assertEqual(j["concluded_on"], str(h.today()))
        # Concluded: the deadline box keeps the date, without days left.
        self.assertTrue(j["deadline"]["concluded"])
        page = h.text_of(self.clerk.get("/staff/requests/%d" % rid).text)
        self.assertRegex(page, r"答复期限：\s*\d{4}年\d+月\d+日\s*(（暂定[^）]*）\s*)?（已办结：")
        self.assertNotIn("还剩", page)
        self.assertNotIn("今天到期", page)
        n = [n for n in j["notices"] if n["kind"] == "reply"][0]
        self.assertEqual(n["title"], "政府信息公开申请答复书")
        self.assertEqual(n["notice_no"], "〔2026〕第1号")
        # Partly withheld: review first since 2024 (test_law_remedies.py).
        for part in ("第三十七条", "提供招标文件", "投标人报价属于商业秘密", "行政复议",
                     "六十日", "十五日", "张三", S.psql("SELECT tracking_no FROM requests WHERE id=%d" % rid)):
            self.assertIn(part, n["body"])
        self.assertNotIn("}}", n["body"])
        self.assertNotIn("联系电话", n["body"])     # the agency gave none
        self.assertTrue(n["body"].startswith("张三："), n["body"][:40])
        e = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "再答复"}, expect=409)
        self.assertIn("不能重复答复", e["error"])
        for action, body in (("supplement", {"what": "x"}), ("extend", {"reason": "x"}),
                             ("consult", {"party": "x"}), ("fee_notice", {"method": "per_page", "pages": 50}),
                             ("withdraw", {}), ("assign", {"to": self.clerk.username})):
            self.clerk.act(rid, action, body, expect=409)
        # Notes and appeals still go on a concluded request.
        self.clerk.act(rid, "note", {"text": "已电话告知"})
        self.assertEqual(h.events(S, rid)[-2:], ["replied", "note"])

    def test_each_outcome_names_its_basis(self):
        cases = {
            "disclosed": "第三十六条第（二）项", "deny_secret": "第十四条",
            "deny_third_party": "第十五条", "deny_internal": "第十六条第一款",
            "deny_process": "第十六条第二款", "deny_query": "第三十六条第（七）项",
            "unable_not_held": "第三十六条第（四）项", "unable_create": "第三十八条",
            "unable_unclear": "第三十条", "reject_petition": "第三十九条第一款",
            "reject_repeat": "第三十六条第（六）项", "reject_publication": "第三十九条第二款",
            "reject_mass": "第三十五条",
        }
        for outcome, article in cases.items():
            with self.subTest(outcome=outcome):
                rid = self.clerk.register()
                body = dict(h.outcome_ready(self.clerk, rid, outcome),
                            outcome=outcome, text="答复正文", withheld="理由")
                j = self.clerk.act(rid, "reply", body)
                self.assertEqual(j["outcome"], outcome)
                body = [n for n in j["notices"] if n["kind"] == "reply"][0]["body"]
                self.assertIn(article, body)
                self.assertIn("行政诉讼", body)
                ev = [e for e in j["events"] if e["action"] == "replied"][0]
                self.assertIn(article, ev["data"]["basis"])

    def test_alternative_bases(self):
        rid = self.clerk.register()
        j = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "见政府网站",
                                          "already_published": True})
        self.assertIn("第三十六条第（一）项", j["notices"][-1]["body"])
        rid = self.clerk.register()
        j = self.clerk.act(rid, "reply", {"outcome": "unable_not_held", "text": "本机关未制作",
                                          "other_agency": "县交通运输局"})
        body = j["notices"][-1]["body"]
        self.assertIn("第三十六条第（五）项", body)
        self.assertIn("县交通运输局", body)

    def test_backdated_reply(self):
        rid = self.clerk.register("2024-09-27")
        e = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": "2024-09-26"},
                           expect=422)
        self.assertIn("收到申请之日", e["error"])
        j = self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "x", "date": "2024-10-29", "backdate_reason": "纸质档案补录"})
        self.assertEqual(j["concluded_on"], "2024-10-29")
        ev = [e for e in j["events"] if e["action"] == "replied"][0]
        self.assertEqual(ev["effective_on"], "2024-10-29")
        self.assertTrue(ev["data"]["backdated"])
        self.assertEqual(j["notices"][-1]["issued_on"], "2024-10-29")

    def test_withdraw_before_and_after_receipt(self):
        rid, _, _ = h.submit_online(S, self.agency)
        self.clerk.act(rid, "withdraw", {"reason": "申请人来电撤回"})
        self.assertEqual(h.row(S, rid, "status, outcome"), {"status": "withdrawn", "outcome": None})
        rid = self.clerk.register()
        j = self.clerk.act(rid, "withdraw")
        self.assertEqual((j["status"], j["outcome"]), ("withdrawn", "other"))
        self.assertIn("撤回", self.clerk.act(rid, "reply", {"outcome": "other", "text": "x"},
                                             expect=409)["error"])

    def test_appeals(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "reply", {"outcome": "deny_process", "text": "x", "withheld": "过程稿"})
        self.clerk.act(rid, "appeal", {"kind": "complaint", "filed_on": str(h.today())}, expect=422)
        self.clerk.act(rid, "appeal", {"kind": "review"}, expect=422)
        self.clerk.act(rid, "appeal", {"kind": "review", "filed_on": str(h.today()),
                                       "result": "upheld"}, expect=422)
        j = self.clerk.act(rid, "appeal", {"kind": "review", "body": "县人民政府",
                                           "filed_on": str(h.today())})
        appeal = j["appeals"][0]
        self.assertEqual(appeal["result"], "pending")
        j = self.clerk.act(rid, "appeal", {"appeal_id": appeal["id"], "result": "corrected",
                                           "decided_on": str(h.today())})
        self.assertEqual(j["appeals"][0]["result"], "corrected")
        self.clerk.act(rid, "appeal", {"appeal_id": appeal["id"], "result": "upheld"}, expect=409)
        j = self.clerk.act(rid, "appeal", {"kind": "suit_direct", "filed_on": str(h.today()),
                                           "result": "upheld", "decided_on": str(h.today())})
        self.assertEqual(sorted(a["kind"] for a in j["appeals"]), ["review", "suit_direct"])
        self.assertEqual(h.events(S, rid)[-3:], ["appeal_filed", "appeal_decided", "appeal_filed"])
        # The appeal's note shows on the request page, escaped.
        self.clerk.act(rid, "appeal", {"kind": "suit_after_review", "filed_on": str(h.today()),
                                       "note": "复议后起诉<b>备注</b>"})
        page = self.clerk.get("/staff/requests/%s" % rid).text
        self.assertIn("备注：复议后起诉&lt;b&gt;备注&lt;/b&gt;", page)

    def test_notes_and_assignment(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "note", {}, expect=422)
        self.clerk.act(rid, "note", {"text": "内部：与档案室确认"})
        other = h.add_user(S, h.new_agency(S))
        e = self.clerk.act(rid, "assign", {"to": other}, expect=422)
        self.assertEqual(e["field"], "to")
        j = self.clerk.act(rid, "assign", {"to": self.clerk.username.upper()})
        self.assertTrue(j["assigned_to"])
        self.assertEqual(j["assigned_username"], self.clerk.username)
        j = self.clerk.act(rid, "assign", {"to": ""})
        self.assertNotIn("assigned_to", j)


class PermissionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parent = h.new_agency(S, "gov")
        cls.a = h.new_agency(S, "a", parent=cls.parent)
        cls.b = h.new_agency(S, "b")
        cls.clerk_a = h.Staff(S, cls.a)
        cls.clerk_b = h.Staff(S, cls.b)
        cls.admin = h.Staff(S, cls.parent, "admin")
        cls.rid = cls.clerk_a.register()
        cls.no = S.psql("SELECT tracking_no FROM requests WHERE id = %d" % cls.rid)

    def test_other_agency_is_404_everywhere(self):
        b = self.clerk_b
        self.assertEqual(b.get("/api/v1/requests/%d" % self.rid).status, 404)
        self.assertEqual(b.get("/api/v1/requests/%s" % self.no).status, 404)
        self.assertEqual(b.get("/staff/requests/%d" % self.rid).status, 404)
        self.assertEqual(b.get("/staff/requests/%s" % self.no).status, 404)
        self.assertEqual(b.get("/api/v1/requests?agency=%s" % self.a).status, 404)
        self.assertEqual(b.queue("?q=%s" % self.no)["requests"], [])
        for action in ("note", "reply", "approve_extension", "confirm"):
            b.act(self.rid, action, {"text": "x", "outcome": "disclosed"}, expect=404)
        r = b.post_form("/staff/requests/%d/note" % self.rid, {"text": "x"}, token_from="/staff")
        self.assertEqual(r.status, 404)
        self.assertEqual(h.events(S, self.rid), ["registered"])

    def test_admin_of_parent_sees_but_does_not_act(self):
        j = self.admin.request(self.rid)
        self.assertEqual(j["tracking_no"], self.no)
        self.assertEqual(j["actions"], [])
        self.assertEqual(self.admin.queue("?agency=%s" % self.a)["agency"]["code"], self.a)
        self.assertEqual(self.admin.get("/api/v1/requests?agency=%s" % self.b).status, 404)
        e = self.admin.act(self.rid, "note", {"text": "x"}, expect=403)
        self.assertIn("管理员", e["error"])

    def test_without_a_session(self):
        r = S.get("/api/v1/requests/%d" % self.rid)
        self.assertEqual(r.status, 401)
        r = S.post_json("/api/v1/requests/%d/note" % self.rid, {"text": "x"})
        self.assertEqual(r.status, 401)
        r = S.get("/staff/requests/%d?tab=1" % self.rid)
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/staff/login?next=/staff/requests/%d%%3Ftab%%3D1" % self.rid)
        r = S.get("/staff")
        self.assertEqual((r.status, r.header("Location")), (303, "/staff/login"))


class ConcurrencyTest(unittest.TestCase):
    def test_two_replies_at_once_one_wins(self):
        agency = h.new_agency(S)
        c1, c2 = h.Staff(S, agency), h.Staff(S, agency)
        for _ in range(3):
            rid = c1.register()
            clients = [c1, c2]
            results = h.parallel(2, lambda i: clients[i].post_json(
                "/api/v1/requests/%d/reply" % rid,
                {"outcome": "disclosed", "text": "答复%d" % i}))
            self.assertEqual(sorted(r.status for r in results), [200, 409], results)
            loser = [r for r in results if r.status == 409][0]
            self.assertIn("不能重复答复", loser.json()["error"])
            self.assertEqual(h.events(S, rid).count("replied"), 1)
            self.assertEqual(S.psql("SELECT count(*) FROM notices WHERE request_id = %d"
                                    " AND kind = 'reply'" % rid), "1")

    def test_concurrent_steps_keep_the_chain(self):
        agency = h.new_agency(S)
        clerk = h.Staff(S, agency)
        rid = clerk.register()
        results = h.parallel(6, lambda i: clerk.post_json(
            "/api/v1/requests/%d/note" % rid, {"text": "备注%d" % i}))
        self.assertEqual([r.status for r in results], [200] * 6)
        self.assertEqual(h.events(S, rid).count("note"), 6)
        self.assertEqual(S.psql("SELECT string_agg(seq::text, ',' ORDER BY seq) FROM request_events"
                                " WHERE request_id = %d" % rid), "1,2,3,4,5,6,7")


class PagesTest(unittest.TestCase):
    """The same steps through the HTML forms."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S)
        cls.clerk = h.Staff(S, cls.agency)

    def test_form_step_with_the_session_token(self):
        rid, _, _ = h.submit_online(S, self.agency)
        page = self.clerk.get("/staff/requests/%d" % rid)
        self.assertEqual(page.status, 200)
        self.assertIn("确认收到", page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = self.clerk.post_form("/staff/requests/%d/confirm" % rid, {"csrf_token": token})
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/staff/requests/%d?done=confirm" % rid)
        self.assertIn("已办理：确认收到", self.clerk.get(r.header("Location")).text)
        # A refused step shows the page again with the reason.
        r = self.clerk.post_form("/staff/requests/%d/confirm" % rid, {"csrf_token": token})
        self.assertEqual(r.status, 409)
        self.assertIn("已经确认", h.text_of(r.text))
        # No token, or the anonymous cookie's token: refused.
        r = self.clerk.post_form("/staff/requests/%d/note" % rid, {"text": "x", "csrf_token": ""})
        self.assertEqual(r.status, 403)
        anon = h.Client(S)
        anon_token = anon.token("/staff/login")
        self.clerk.cookies.update(anon.cookies)
        r = self.clerk.post_form("/staff/requests/%d/note" % rid,
                                 {"text": "x", "csrf_token": anon_token})
        self.assertEqual(r.status, 403)
        self.assertNotIn("note", h.events(S, rid))

    def test_full_id_number_only_on_request_and_logged(self):
        rid = self.clerk.register()
        page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertNotIn(h.VALID_ID, page)
        self.assertIn("110105********002X", page)
        self.assertNotIn(h.VALID_ID, self.clerk.get("/api/v1/requests/%d" % rid).text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = self.clerk.post_form("/staff/requests/%d/reveal" % rid, {"csrf_token": token})
        self.assertEqual(r.status, 200)
        self.assertIn(h.VALID_ID, r.text)
        self.assertEqual(h.events(S, rid), ["registered", "id_number_viewed"])
        actor = S.psql("SELECT actor_staff_id FROM request_events WHERE request_id = %d AND seq = 2" % rid)
        self.assertEqual(int(actor), self.clerk.id)

    def test_item13_phone_masked_and_each_look_logged(self):
        """Issue 12, item 13: the phone number is masked like the 证件号码
        on the staff page and in the API; revealing it writes
        `contact_viewed`, and reveals nothing else."""
        rid = self.clerk.register()
        phone = "13812345678"
        page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertNotIn(phone, page)
        self.assertIn("138****5678", page)
        api = self.clerk.get("/api/v1/requests/%d" % rid)
        self.assertNotIn(phone, api.text)
        self.assertEqual(api.json()["applicant"]["phone_masked"], "138****5678")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = self.clerk.post_form("/staff/requests/%d/reveal" % rid, {"csrf_token": token, "what": "contact"})
        self.assertEqual(r.status, 200)
        self.assertIn(phone, r.text)
        self.assertNotIn(h.VALID_ID, r.text)
        self.assertEqual(h.events(S, rid), ["registered", "contact_viewed"])
        r = self.clerk.post_form("/staff/requests/%d/reveal" % rid, {"csrf_token": token, "what": "bank"})
        self.assertEqual(r.status, 422)
        self.assertEqual(h.events(S, rid), ["registered", "contact_viewed"])

    def test_notice_prints(self):
        rid = self.clerk.register()
        j = self.clerk.act(rid, "reply", {"outcome": "deny_law", "text": "依法不予公开",
                                          "withheld": "全部<内容>"})
        nid = j["notices"][-1]["id"]
        r = self.clerk.get("/staff/requests/%d/notices/%s" % (rid, nid))
        self.assertEqual(r.status, 200)
        self.assertIn("政府信息不予公开告知书", r.text)
        self.assertIn("全部&lt;内容&gt;", r.text)
        self.assertEqual(self.clerk.get("/staff/requests/%d/notices/999999" % rid).status, 404)
        other = h.Staff(S, h.new_agency(S))
        self.assertEqual(other.get("/staff/requests/%d/notices/%s" % (rid, nid)).status, 404)

    def test_register_page(self):
        page = self.clerk.get("/staff/register")
        self.assertEqual(page.status, 200)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        fields = dict(h.applicant(), channel="in_person", received_on=str(h.today()),
                      csrf_token=token, agency=self.agency)
        del fields["declaration"]
        bad = dict(fields, name="")
        r = self.clerk.post_form("/staff/register", bad)
        self.assertEqual(r.status, 422)
        r = self.clerk.post_form("/staff/register", fields)
        self.assertEqual(r.status, 303, r)
        self.assertRegex(r.header("Location"), r"^/staff/requests/\d+\?done=register$")


if __name__ == "__main__":
    unittest.main()
