"""Every kind of notice proof-read as a PDF (issue 15, items 2-4): the text
pdftotext gets out of each notice's stored PDF holds its title, the key
sentence of its body, its 文号 (the agency numbers its documents:
notice_no_prefix) and, for a reply, the remedies as of its date of issue
(复议前置 for a refusal from 2024-01-01, ogi-rules.md); no clerk's sentence
is wrapped into another ("。，") and no mark is doubled (issue 16). The receipt (受理回执) of a request
registered or confirmed, downloadable from /status; the 征求意见书 to a
third party, addressed to it, never shown to the applicant.

Each notice PDF costs about 0.7 s under ASan: a few requests carry many
steps (a reply, an appeal ordering a redo, the next reply …). On a stack of
its own."""

import datetime
import re
import unittest

import test_staff_common as h
from test_notice_pdf import pdf_text, squeeze

S = None
PREFIX = "证政信"
REFUSAL = "应当先自收到之日起六十日内"          # 复议前置, since 2024-01-01
REVIEW_OR_SUIT = "或者自收到之日起六个月内"      # any other reply since 2024
# Two marks in a row: a clerk's sentence wrapped into the notice's
# ("…答复。，本机关不能…", issue 16 item 10) or a mark doubled.
SEAM = re.compile(r"[。，；：、！][。，；：、！]")
BEFORE_2024 = "《中华人民共和国政府信息公开条例》第五十一条"
PARTY = "示例建设工程有限公司"


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


class NoticeKindsPdfTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "nk")
        r = S.ysqgk("agency", "set", cls.agency, "notice_no_prefix", PREFIX)
        assert r.returncode == 0, r.stderr
        cls.clerk = h.Staff(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, role="head")

    def notices(self, rid):
        """The request's notices in order: (id, kind, title, notice_no)."""
        out = S.psql("SELECT string_agg(concat_ws('|', id, kind, title, notice_no), E'\\n'"
                     " ORDER BY id) FROM notices WHERE request_id = %d" % rid)
        return [tuple(l.split("|")) for l in out.splitlines()]

    def pdf(self, rid, notice_id):
        r = self.clerk.get("/staff/requests/%d/notices/%s.pdf" % (rid, notice_id))
        self.assertEqual(r.status, 200, r)
        # Without the page numbers (—1—) pdftotext puts where a page ends.
        return re.sub(r"—\d+—", "", squeeze(pdf_text(r.body)))

    def redo(self, rid):
        today = str(h.today())
        self.clerk.act(rid, "appeal", {"kind": "review", "filed_on": today})
        appeal = S.psql("SELECT max(id) FROM appeals WHERE request_id = %d" % rid)
        self.clerk.act(rid, "appeal", {"appeal_id": appeal, "result": "corrected",
                                       "decided_on": today, "redo": True})

    def check(self, rid, expected):
        """expected: (kind, title or None, [sentences], remedies or None)
        for each notice of the request, in order."""
        got = self.notices(rid)
        self.assertEqual([g[1] for g in got], [e[0] for e in expected])
        for (nid, kind, title, no), (_, want_title, parts, remedies) in zip(got, expected):
            with self.subTest(request=rid, kind=kind, title=want_title or title):
                if want_title:
                    self.assertEqual(title, want_title)
                self.assertRegex(no, r"^%s〔\d{4}〕\d+号$" % PREFIX)
                text = self.pdf(rid, nid)
                for part in [title, no] + parts + ([remedies] if remedies else []):
                    self.assertIn(squeeze(part), text)
                self.assertNotRegex(text, SEAM)
                if remedies != REFUSAL:
                    self.assertNotIn(REFUSAL, text)

    def test_every_reply_outcome(self):
        """One request: its receipt, a 补正, then each reply outcome in turn,
        each after an appeal ordering a new reply (redo)."""
        rid = self.clerk.register(notify="none")
        self.clerk.act(rid, "supplement", {"what": "请写明所需文件的名称和年份"})
        self.clerk.act(rid, "supplement_answered", {"text": "补正后仍不明确"})
        replies = [
            ("unable_unclear", {}, "经补正后，申请内容仍不明确", REVIEW_OR_SUIT),
            ("disclosed", {}, "所申请公开的信息属于可以公开的政府信息", REVIEW_OR_SUIT),
            ("partial", {"withheld": "评标专家名单涉及个人隐私，不予公开。"},
             "本机关对您申请的信息作区分处理", REFUSAL),
            ("deny_secret", {"withheld": "该文件经依法确定为国家秘密。"}, "本机关决定不予公开", REFUSAL),
            ("deny_query", {"channel_info": "请到不动产登记中心窗口查询"},
             "您可以通过以下途径查询、获取该信息：请到不动产登记中心窗口查询", REFUSAL),
            ("unable_not_held", {"other_agency": "某县住房和城乡建设局。"},
             "该政府信息由某县住房和城乡建设局负责公开", REVIEW_OR_SUIT),
            ("reject_repeat", {}, "本机关对该申请不予处理", REVIEW_OR_SUIT),
            ("other", {}, "本申请以其他方式办结。", REVIEW_OR_SUIT),
        ]
        expected = [("acknowledgement", "政府信息公开申请受理回执",
                     ["本机关将自收到申请之日起20个工作日内", "张三："], None),
                    ("supplement", "政府信息公开申请补正告知书",
                     ["请您对申请作出补正", "请写明所需文件的名称和年份"], None)]
        for i, (outcome, fields, sentence, remedies) in enumerate(replies):
            if i:
                self.redo(rid)
            text = "答复内容第%d项。" % i
            self.clerk.act(rid, "reply", dict(fields, outcome=outcome, text=text))
            parts = [sentence, text] + [v for k, v in fields.items() if k == "withheld"]
            expected.append(("reply", None, parts, remedies))
        self.check(rid, expected)

    def test_the_steps_before_a_reply_and_the_closings(self):
        """One request: receipt, 征求意见书, extension, reasons, stated
        deadline, fee, and its closing for the fee not paid; another
        closed for want of a supplement."""
        rid = self.clerk.register(notify="none")
        # The clerk's words end as they like: the notice's sentence goes on.
        self.clerk.act(rid, "consult", {"party": PARTY + "：", "kind": "third_party"})
        self.clerk.act(rid, "consult_answered", {"result": "consent"})
        self.clerk.act(rid, "extend", {"reason": "需要协调多个部门调取档案。", "days": 10})
        self.head.act(rid, "approve_extension")
        self.clerk.act(rid, "ask_reasons", {"text": "请说明申请用途"})
        self.clerk.act(rid, "reasons_answered", {"text": "用于学术研究"})
        due = h.row(S, rid, "due_on")["due_on"]
        later = str(datetime.date.fromisoformat(due) + datetime.timedelta(days=30))
        self.clerk.act(rid, "set_deadline", {"due_on": later, "reason": "需要逐页核对档案；"})
        self.head.act(rid, "approve_deadline")
        self.clerk.act(rid, "fee_notice", {"method": "per_page", "pages": 60,
                                           "delivery": "handed"})
        S.psql("UPDATE fees SET notice_on = notice_on - 60, delivered_on = delivered_on - 60,"
               " pay_by = pay_by - 60 WHERE request_id = %d" % rid)
        given_up = self.clerk.register(notify="none")
        self.clerk.act(given_up, "supplement", {"what": "请写明所需文件的名称"})
        S.psql("UPDATE supplements SET asked_on = '%s', answer_by = '%s' WHERE request_id = %d"
               % (h.today() - datetime.timedelta(days=10), h.today() - datetime.timedelta(days=3),
                  given_up))
        r = S.ysqgk("deadlines")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(h.row(S, rid, "outcome")["outcome"], "other_no_fee")
        receipt = ("acknowledgement", "政府信息公开申请受理回执", ["本机关将自收到申请之日起"], None)
        self.check(rid, [
            receipt,
            ("consultation", "政府信息公开征求意见书",
             [PARTY + "：", "现书面征求贵方意见", "自收到本征求意见书之日起15个工作日内",
              "逾期未提出意见的，由本机关依照"], None),
            ("extension", "延期答复告知书",
             ["作出答复，理由是：需要协调多个部门调取档案。根据", "答复期限延长10个工作日"], None),
            ("reasons", "政府信息公开申请说明理由告知书", ["请您说明理由", "请说明申请用途"], None),
            ("deadline", "延迟答复告知书", ["理由是：需要逐页核对档案。根据",
                                          "确定延迟答复的合理期限"], None),
            ("fee", "政府信息公开信息处理费缴费通知书", ["金额为人民币"], REVIEW_OR_SUIT),
            ("other", "政府信息公开申请办理告知书",
             ["本机关已通知您缴纳信息处理费，缴费期限至", "您未在期限内缴纳",
              "第四十二条、《政府信息公开信息处理费管理办法》的规定，视为您放弃申请"],
             REVIEW_OR_SUIT),
        ])
        self.check(given_up, [
            receipt,
            ("supplement", "政府信息公开申请补正告知书", ["请写明所需文件的名称"], None),
            ("other", "政府信息公开申请办理告知书",
             ["补正期限至", "您未在期限内补正，也未说明正当理由",
              "第三十条的规定，视为您放弃申请"], REVIEW_OR_SUIT),
        ])

    def test_a_refusal_before_2024_keeps_the_old_remedies(self):
        rid = self.clerk.register(received_on="2023-12-01", notify="none")
        self.clerk.act(rid, "reply", {"outcome": "deny_secret", "text": "经审查。",
                                      "withheld": "该文件属于国家秘密。", "date": "2023-12-15",
                                      "backdate_reason": "纸质档案补录"})
        self.check(rid, [
            ("acknowledgement", None, ["2023年12月1日收到", "即于"], None),
            ("reply", "政府信息不予公开告知书", ["本机关决定不予公开", "〔2023〕"], BEFORE_2024),
        ])

    def test_the_receipt_of_an_online_request_on_the_status_page(self):
        rid, tracking, code = h.submit_online(S, self.agency, email=None, notify="none")
        self.assertEqual(self.notices(rid), [])
        self.clerk.act(rid, "confirm")
        [(nid, kind, title, no)] = self.notices(rid)
        self.assertEqual((kind, title), ("acknowledgement", "政府信息公开申请受理回执"))
        text = self.pdf(rid, nid)
        self.assertIn(squeeze("以本机关确认收到之日为收到申请之日（第三十一条）"), text)
        look = S.post_json("/api/v1/status", {"tracking_no": tracking, "query_code": code,
                                              "privacy_consent": True}).json()
        [receipt] = look["notices"]
        self.assertEqual(receipt["kind"], "acknowledgement")
        r = S.get(receipt["pdf_url"])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(re.sub(r"—\d+—", "", squeeze(pdf_text(r.body))), text)

    def test_the_consultation_is_never_shown_to_the_applicant(self):
        rid, tracking, code = h.submit_online(S, self.agency, email=None, notify="none")
        self.clerk.act(rid, "confirm")
        self.clerk.act(rid, "consult", {"party": PARTY, "kind": "third_party"})
        nid = S.psql("SELECT id FROM notices WHERE request_id = %d AND kind = 'consultation'" % rid)
        file_id = int(S.psql("SELECT pdf_file_id FROM notices WHERE id = %s" % nid))
        text = self.pdf(rid, nid)
        self.assertIn(squeeze(PARTY + "："), text)
        self.assertNotIn("张三", text)
        page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertIn('href="/staff/requests/%d/notices/%s.pdf"' % (rid, nid), page)
        look = S.post_json("/api/v1/status", {"tracking_no": tracking, "query_code": code,
                                              "privacy_consent": True}).json()
        self.assertEqual([n["kind"] for n in look["notices"]], ["acknowledgement"])
        self.assertNotIn("征求意见书", str(look["notices"]))
        # Even a link signed for its file is refused.
        import test_notice_pdf as p
        p.S = S
        import time
        import stack
        exp = int(time.time()) + stack.clock_offset() + 300
        self.assertEqual(S.get(p.signed(file_id, exp)).status, 404)


if __name__ == "__main__":
    unittest.main()
