"""The preview of a notice before it is issued (issue 15, item 1): the step
runs in full in its transaction and is rolled back. Nothing is kept (no
event, notice, file, blob, 文号 or message), and the text previewed is the
text the confirmed step then issues. The API's "preview": true and the
staff form's 预览 button (a page with 确认发出; the PDF inline). On a stack
of its own."""

import base64
import html
import re
import unittest

import test_staff_common as h
from test_notice_pdf import pdf_text, squeeze

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def counts():
    return S.psql(
        "SELECT concat_ws(' ', (SELECT count(*) FROM request_events),"
        " (SELECT count(*) FROM notices), (SELECT count(*) FROM files),"
        " (SELECT count(*) FROM blobs), (SELECT count(*) FROM messages),"
        " (SELECT count(*) || '/' || coalesce(sum(last_no), 0) FROM notice_numbers),"
        " (SELECT count(*) FROM audit_log))")


def last_notice(rid):
    return S.psql("SELECT notice_no || '|' || body FROM notices WHERE request_id = %d"
                  " ORDER BY id DESC LIMIT 1" % rid).split("|", 1)


class NoticePreviewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "pv")
        r = S.ysqgk("agency", "set", cls.agency, "notice_no_prefix", "预政信")
        assert r.returncode == 0, r.stderr
        cls.clerk = h.Staff(S, cls.agency)

    def test_the_api_preview_keeps_nothing_and_matches_the_notice(self):
        rid = self.clerk.register(notify="email", email="pv@example.com")
        before = counts()
        body = {"outcome": "partial", "text": "提供招标文件", "withheld": "评标专家名单涉及个人隐私",
                "preview": True}
        p = self.clerk.act(rid, "reply", body)
        self.assertEqual(counts(), before)
        self.assertTrue(p["preview"])
        self.assertEqual(p["kind"], "reply")
        self.assertRegex(p["notice_no"], r"^预政信〔\d{4}〕\d+号$")
        self.assertIn("评标专家名单涉及个人隐私", p["body"])
        pdf = base64.b64decode(p["pdf_base64"])
        self.assertTrue(pdf.startswith(b"%PDF-"))
        text = squeeze(pdf_text(pdf))
        for part in (p["notice_title"], p["notice_no"], "提供招标文件", "申请行政复议"):
            self.assertIn(squeeze(part), text)
        # A second preview: the same 文号, still nothing kept.
        self.assertEqual(self.clerk.act(rid, "reply", body)["notice_no"], p["notice_no"])
        self.assertEqual(counts(), before)
        # Confirmed: the notice issued is the one previewed, with its 文号.
        del body["preview"]
        self.clerk.act(rid, "reply", body)
        self.assertEqual(last_notice(rid), [p["notice_no"], p["body"].rstrip("\n")])  # psql trims
        self.assertNotEqual(counts(), before)

    def test_a_preview_refused_or_without_notice(self):
        rid = self.clerk.register(notify="none")
        before = counts()
        r = self.clerk.act(rid, "reply", {"outcome": "disclosed", "preview": True}, expect=422)
        self.assertEqual(r["field"], "text")
        r = self.clerk.act(rid, "note", {"text": "内部备注", "preview": True}, expect=422)
        self.assertEqual(r["field"], "preview")
        self.assertIn("不发出告知书", r["error"])
        self.assertEqual(counts(), before)
        # "preview": false is the step itself.
        self.clerk.act(rid, "note", {"text": "内部备注", "preview": False})
        self.assertNotEqual(counts(), before)

    def test_the_form_previews_shows_the_pdf_and_confirms(self):
        rid = self.clerk.register(notify="email", email="pv2@example.com")
        page = self.clerk.get("/staff/requests/%d" % rid).text
        self.assertIn('name="preview" value="1"', page)
        token = self.clerk.token("/staff/requests/%d" % rid)
        fields = {"csrf_token": token, "what": "请写明所需文件的名称<和年份>",
                  "period_workdays": "10"}
        before = counts()
        r = self.clerk.post_form("/staff/requests/%d/supplement" % rid, dict(fields, preview="1"))
        self.assertEqual(r.status, 200, r)
        self.assertIn("确认发出", r.text)
        self.assertIn("政府信息公开申请补正告知书", r.text)
        self.assertIn("请写明所需文件的名称&lt;和年份&gt;", r.text)
        self.assertIn('name="what" value="请写明所需文件的名称&lt;和年份&gt;"', r.text)
        self.assertNotIn('name="preview" value="1"', r.text)
        no = re.search(r'<p class="notice-no">([^<]+)</p>', r.text).group(1)
        pdf = self.clerk.post_form("/staff/requests/%d/supplement" % rid, dict(fields, preview="pdf"))
        self.assertEqual(pdf.status, 200, pdf)
        self.assertEqual(pdf.header("Content-Type"), "application/pdf")
        self.assertIn("请写明所需文件的名称<和年份>", pdf_text(pdf.body))
        self.assertEqual(counts(), before)
        # 确认发出 posts the same fields, without preview.
        before_button = r.text[:r.text.rindex("确认发出")]
        posted = dict(re.findall(r'name="([^"]+)" value="([^"]*)"',
                                 before_button[before_button.rindex("<form"):]))
        posted = {k: html.unescape(v) for k, v in posted.items()}
        self.assertNotIn("preview", posted)
        done = self.clerk.post_form("/staff/requests/%d/supplement" % rid, posted)
        self.assertEqual(done.status, 303, done)
        issued_no, issued_body = last_notice(rid)
        self.assertEqual(issued_no, html.unescape(no))
        self.assertIn("请写明所需文件的名称<和年份>", issued_body)


if __name__ == "__main__":
    unittest.main()
