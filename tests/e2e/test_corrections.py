"""Corrections (更正申请, Art. 41; issue 18, section 5): an applicant with
evidence that government information about themselves is inaccurate asks
the agency to correct it. Through nginx: the apply form's choice at the top
and its correction fields (errors beside them, the input kept, the
evidence uploaded as `evidence`), the API's `"request_kind": "correction"`
(citizen and staff registration), the staff reply with each of the three
outcomes (corrected, referred with the agency named, refused with its
reasons) and the notice 更正申请答复书 as a PDF, the disclosure outcomes
refused for a correction and the correction's for a disclosure request
(422 naming `outcome`), the applicant's status page and e-mail, the
queue's chip 更正, and the yearly report: a correction changes no cell of
table 三 or 四 (a disclosure request, the control, does). On a stack of its
own."""

import unittest

import test_citizen_helpers as ch
import test_staff_common as h
import test_uploads as tu
from test_notice_pdf import pdf_text

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


WRONG = "户籍登记信息中我的出生日期登记为1949年1月31日"
SHOULD = "出生日期应为1949年12月31日，与居民身份证一致"


def correction(**kw):
    """A correction as the API takes it: no provision forms are asked."""
    body = h.applicant(request_kind="correction",
                       description="本局2025年3月出具的户籍证明中关于本人出生日期的记录",
                       correction_wrong=WRONG, correction_should=SHOULD,
                       provision_forms=None, obtain_methods=None)
    body.update(kw)
    return {k: v for k, v in body.items() if v is not None}


def form_fields(**kw):
    f = ch.person(request_kind="correction",
                  description="本局2025年3月出具的户籍证明中关于本人出生日期的记录",
                  correction_wrong=WRONG, correction_should=SHOULD)
    del f["provision_forms"], f["obtain_methods"]
    f.update(kw)
    return f


class Applicant(ch.Client):
    def submit_multipart(self, agency, fields, files=()):
        """The apply form as a browser posts it: csrf_token first, then the
        fields, then the files."""
        token = self.form(agency)
        pairs = [("csrf_token", self.csrf()), ("submit_token", token)]
        pairs += tu.form_pairs(fields)
        ct, body = tu.multipart(pairs, files)
        return self._keep(S.request("POST", "/apply/" + agency, body=body,
                                    headers=self._headers({"Content-Type": ct})))


def reply_notice(rid):
    return S.psql("SELECT n.id FROM notices n WHERE n.request_id = %d AND n.kind = 'reply'"
                  " AND n.pdf_file_id IS NOT NULL" % rid)


class CorrectionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "cr")
        cls.clerk = h.Staff(S, cls.agency)

    def register(self, **kw):
        """A correction received on paper today (staff registration)."""
        body = correction(channel="post", received_on=str(h.today()), **kw)
        body.pop("declaration", None)
        r = self.clerk.post_json("/api/v1/agencies/%s/requests" % self.agency, body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["request_kind"], "correction")
        return h.request_id(S, r.json()["tracking_no"])

    # ---- applying ---------------------------------------------------------

    def test_api_takes_a_correction_and_stores_its_fields(self):
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency, correction())
        self.assertEqual(r.status, 201, r)
        j = r.json()
        self.assertEqual(j["request_kind"], "correction")
        self.assertEqual(j["request_kind_label"], "申请更正与本人相关的政府信息")
        rid = h.request_id(S, j["tracking_no"])
        self.assertEqual(h.row(S, rid, "request_kind, correction_wrong, correction_should,"
                                       " provision_forms"),
                         {"request_kind": "correction", "correction_wrong": WRONG,
                          "correction_should": SHOULD, "provision_forms": []})
        # The applicant's status answer names it and its fields.
        st = S.post_json("/api/v1/status", {"tracking_no": j["tracking_no"],
                                            "query_code": j["query_code"]}).json()
        self.assertEqual((st["request_kind"], st["correction_wrong"], st["correction_should"]),
                         ("correction", WRONG, SHOULD))

    def test_api_refuses_a_correction_without_its_fields_or_an_unknown_kind(self):
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        correction(correction_wrong=None, correction_should=""))
        self.assertEqual(r.status, 422, r)
        errors = r.json()["errors"]
        self.assertIn("不准确", errors["correction_wrong"])
        self.assertIn("应当是什么", errors["correction_should"])
        self.assertNotIn("provision_forms", errors)
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        correction(request_kind="rectify"))
        self.assertEqual(r.status, 422, r)
        self.assertIn("request_kind", r.json()["errors"])
        # A disclosure request still asks for its provision forms.
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        h.applicant(provision_forms=None))
        self.assertEqual(r.status, 422, r)
        self.assertIn("provision_forms", r.json()["errors"])

    def test_the_form_offers_the_choice_and_the_correction_fields(self):
        plain = S.get("/apply/%s" % self.agency).text
        self.assertIn("申请更正与本人相关的政府信息", plain)
        self.assertIn("申请公开政府信息", plain)
        self.assertNotIn('name="correction_wrong"', plain)
        page = S.get("/apply/%s?kind=correction&type=person" % self.agency).text
        self.assertIn("更正申请表", page)
        self.assertEqual(ch.input_value(page, "request_kind"), "correction")
        for name in ("description", "correction_wrong", "correction_should"):
            self.assertIsNotNone(ch.textarea_value(page, name), name)
        self.assertIn('name="evidence"', page)
        self.assertNotIn('name="provision_forms"', page)
        # The privacy notice names what the data is for.
        self.assertIn("用于办理本次更正申请", page)
        self.assertIn("用于办理本次政府信息公开申请", plain)

    def test_form_errors_sit_beside_the_field_with_the_input_kept(self):
        a = Applicant(S)
        r = a.submit_multipart(self.agency, form_fields(correction_should=""))
        self.assertEqual(r.status, 422, r)
        self.assertIn("应当是什么", ch.field_error(r.text, "correction_should"))
        self.assertEqual(ch.textarea_value(r.text, "correction_wrong"), WRONG)
        self.assertEqual(ch.input_value(r.text, "request_kind"), "correction")
        self.assertIn("更正申请表", r.text)

    def test_form_submits_a_correction_with_its_evidence(self):
        a = Applicant(S)
        r = a.submit_multipart(self.agency, form_fields(),
                               [("evidence", "户口簿.png", tu.PNG)])
        self.assertEqual(r.status, 201, ch.text_of(r.text)[:3000])
        self.assertIn("申请更正与本人相关的政府信息", ch.text_of(r.text))
        no, code = ch.receipt_keys(r.text)
        rid = h.request_id(S, no)
        self.assertEqual(h.row(S, rid, "request_kind")["request_kind"], "correction")
        self.assertEqual(S.psql("SELECT string_agg(purpose, ',') FROM files"
                                " WHERE request_id = %d" % rid), "evidence")
        page = ch.text_of(a.lookup(no, code).text)
        self.assertIn("不准确的内容", page)
        self.assertIn(SHOULD, page)

    def test_staff_register_form_takes_a_correction(self):
        page = self.clerk.get("/staff/register").text
        self.assertIn('name="request_kind" value="correction"', page)
        body = correction(channel="post", received_on=str(h.today()), name="赵更正")
        body.pop("declaration", None)
        body.pop("privacy_consent", None)
        fields = dict(body, agency=self.agency, csrf_token=self.clerk.token("/staff/register"))
        r = self.clerk.post_form("/staff/register", fields)
        self.assertIn(r.status, (200, 201, 303), r)
        got = S.psql("SELECT row_to_json(x) FROM (SELECT request_kind, correction_should,"
                     " status FROM requests WHERE name = '赵更正') x")
        self.assertIn('"request_kind":"correction"', got)
        self.assertIn(SHOULD, got)

    # ---- replying ---------------------------------------------------------

    def test_corrected_issues_its_notice_pdf_and_tells_the_applicant(self):
        rid = self.register()
        self.clerk.act(rid, "reply", {"outcome": "corrected",
                                      "text": "已将出生日期更正为1949年12月31日"})
        self.assertEqual(h.row(S, rid, "status, outcome"),
                         {"status": "answered", "outcome": "corrected"})
        nid = int(reply_notice(rid))
        pdf = self.clerk.get("/staff/requests/%d/notices/%d.pdf" % (rid, nid))
        self.assertEqual(pdf.status, 200, pdf)
        self.assertEqual(pdf.header("Content-Type"), "application/pdf")
        text = "".join(pdf_text(pdf.body).split())
        self.assertIn("更正申请答复书", text)
        self.assertIn("已予以更正", text)
        self.assertIn("第四十一条", text)
        self.assertIn("更正申请", S.psql("SELECT body FROM notices WHERE id = %d" % nid))
        # The applicant hears of it through the outbox, as of any reply.
        self.assertEqual(S.psql("SELECT count(*) FROM messages WHERE request_id = %d"
                                " AND kind = 'reply'" % rid), "1")
        # The staff page and its JSON.
        j = self.clerk.request(rid)
        self.assertEqual((j["request_kind"], j["outcome"], j["outcome_label"]),
                         ("correction", "corrected", "已更正"))

    def test_referred_names_the_agency_with_the_power_to_correct(self):
        rid = self.register()
        e = self.clerk.act(rid, "reply", {"outcome": "referred", "text": "该记录由公安机关制作"},
                           expect=422)
        self.assertEqual(e["field"], "other_agency")
        self.clerk.act(rid, "reply", {"outcome": "referred", "text": "该记录由公安机关制作",
                                      "other_agency": "某县公安局"})
        body = S.psql("SELECT body FROM notices WHERE request_id = %d AND kind = 'reply'" % rid)
        self.assertIn("有权更正该信息的机关是某县公安局", body)

    def test_refused_states_its_reasons(self):
        rid = self.register()
        e = self.clerk.act(rid, "reply", {"outcome": "refused", "text": "经核实"}, expect=422)
        self.assertEqual(e["field"], "reason")
        self.clerk.act(rid, "reply", {"outcome": "refused", "text": "经核实原始档案",
                                      "reason": "原始档案记载与现有记录一致，申请人未提供相反证据"})
        body = S.psql("SELECT body FROM notices WHERE request_id = %d AND kind = 'reply'" % rid)
        self.assertIn("不予更正的理由", body)
        self.assertIn("原始档案记载与现有记录一致", body)

    def test_status_page_shows_the_answer(self):
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency, correction())
        no, code = r.json()["tracking_no"], r.json()["query_code"]
        rid = h.request_id(S, no)
        self.clerk.act(rid, "confirm")
        self.clerk.act(rid, "reply", {"outcome": "refused", "text": "经核实",
                                      "reason": "申请人未提供证据"})
        st = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code}).json()
        self.assertEqual((st["outcome"], st["outcome_text"]), ("refused", "不予更正"))
        page = ch.text_of(ch.Client(S).lookup(no, code).text)
        self.assertIn("不予更正", page)
        self.assertIn("申请更正与本人相关的政府信息", page)

    def test_outcomes_of_the_other_kind_are_refused(self):
        rid = self.register()
        for outcome in ("disclosed", "unable_not_held", "other"):
            e = self.clerk.act(rid, "reply", {"outcome": outcome, "text": "答复"}, expect=422)
            self.assertEqual(e["field"], "outcome", outcome)
            self.assertIn("更正申请的答复结果", e["error"])
        plain = self.clerk.register()
        for outcome in ("corrected", "referred", "refused"):
            e = self.clerk.act(plain, "reply", {"outcome": outcome, "text": "答复",
                                                "reason": "理由", "other_agency": "某局"},
                               expect=422)
            self.assertEqual(e["field"], "outcome", outcome)
        self.assertEqual(h.row(S, rid, "status")["status"], "in_progress")
        self.assertEqual(h.row(S, plain, "status")["status"], "in_progress")
        # The staff page offers a correction only its own outcomes.
        page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertIn('value="corrected"', page)
        self.assertNotIn('value="disclosed"', page)
        self.assertIn("不予更正的理由", page)

    def test_queue_marks_a_correction(self):
        rid = self.register()
        rows = {r["id"]: r for r in self.clerk.queue("?status=all")["requests"]}
        self.assertEqual(rows[rid]["request_kind"], "correction")
        self.assertEqual(rows[rid]["request_kind_label"], "更正")
        page = self.clerk.get("/staff?status=all").text
        self.assertIn('<span class="flag request-kind">更正</span>', page)


class TransferTest(unittest.TestCase):
    """Art. 41: an agency without the power to correct sends the request to
    the one that has it and tells the applicant: a correction transferred
    ends as `referred`, its 更正申请答复书 naming the target and the new
    number, and the new request is a correction too."""

    def test_a_transferred_correction_is_referred_and_stays_a_correction(self):
        gov = h.new_agency(S, "crg")
        a, b = h.new_agency(S, "cra", parent=gov), h.new_agency(S, "crb", parent=gov)
        clerk = h.Staff(S, a)
        body = correction(channel="post", received_on=str(h.today()))
        body.pop("declaration", None)
        r = clerk.post_json("/api/v1/agencies/%s/requests" % a, body)
        rid = h.request_id(S, r.json()["tracking_no"])
        clerk.act(rid, "transfer", {"agency": b, "reason": "该记录由乙局制作和保存"})
        self.assertEqual(h.row(S, rid, "outcome")["outcome"], "referred")
        new = h.row(S, rid, "transferred_to")["transferred_to"]
        self.assertEqual(h.row(S, new, "request_kind, correction_should"),
                         {"request_kind": "correction", "correction_should": SHOULD})
        new_no = S.psql("SELECT tracking_no FROM requests WHERE id = %d" % new)
        notice = S.psql("SELECT body FROM notices WHERE request_id = %d AND kind = 'reply'" % rid)
        self.assertIn("更正申请", notice)
        self.assertIn("新的申请编号为" + new_no, notice)
        self.assertIn("第四十一条", notice)


class ReportTest(unittest.TestCase):
    """A correction is no request of table 三 and its appeals none of 四."""

    def test_a_correction_changes_no_report_cell(self):
        agency = h.new_agency(S, "crr")
        clerk = h.Staff(S, agency)
        year = h.today().year

        def tables():
            r = clerk.get("/api/v1/reports/%d?agency=%s" % (year, agency), json_=True)
            self.assertEqual(r.status, 200, r)
            j = r.json()
            return j["table3"], j["table4"], j["previous_year"]

        before = tables()
        body = correction(channel="post", received_on=str(h.today()))
        body.pop("declaration", None)
        open_one = clerk.post_json("/api/v1/agencies/%s/requests" % agency, body)
        self.assertEqual(open_one.status, 201, open_one)
        answered = clerk.post_json("/api/v1/agencies/%s/requests" % agency, body)
        rid = h.request_id(S, answered.json()["tracking_no"])
        clerk.act(rid, "reply", {"outcome": "refused", "text": "经核实", "reason": "无证据"})
        clerk.act(rid, "appeal", {"kind": "review", "filed_on": str(h.today())})
        self.assertEqual(tables(), before)
        # The control: a disclosure request does change it.
        plain = clerk.register()
        clerk.act(plain, "reply", {"outcome": "disclosed", "text": "提供"})
        self.assertNotEqual(tables()[0], before[0])


if __name__ == "__main__":
    unittest.main()
