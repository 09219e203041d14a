"""Personal information (个人信息保护法; issue 12, item 17): the form's
privacy notice and consent, stored with the request; `ysqgk retention`
removing the personal data of requests concluded long ago while the
yearly report and the event chains stay as they were. On a stack of its
own: `ysqgk audit verify` must see only chains these tests wrote."""

import json
import re
import unittest

import stack
import test_citizen_helpers as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


class ConsentFormTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "priv")

    def test_form_shows_notice_and_a_bound_checkbox(self):
        r = S.get("/apply/" + self.agency)
        self.assertEqual(r.status, 200)
        text = h.text_of(r.text)
        for part in ("个人信息处理说明", "用途", "保存期限", "10年", "查阅", "更正", "删除",
                     "联系方式"):
            self.assertIn(part, text, part)
        # The label is bound to the box; the box points at the notice.
        self.assertIn('<input type="checkbox" id="f-privacy_consent" name="privacy_consent"', r.text)
        self.assertIn('<label for="f-privacy_consent">', r.text)
        self.assertRegex(r.text, r'id="f-privacy_consent"[^>]*aria-describedby="privacy-notice')

    def test_without_consent_the_form_comes_back_with_everything_typed(self):
        c = h.Client(S)
        before = h.count_requests(S, self.agency)
        f = h.person(name="王小明", address="某县某路2号", privacy_consent="")
        r = c.submit(self.agency, f)
        self.assertEqual(r.status, 422)
        self.assertIn("个人信息处理说明", h.field_error(r.text, "privacy_consent"))
        self.assertIn('href="#f-privacy_consent"', r.text)
        self.assertEqual(h.input_value(r.text, "name"), "王小明")
        self.assertEqual(h.input_value(r.text, "address"), "某县某路2号")
        self.assertIn('id="f-declaration" name="declaration" value="true" checked', r.text)
        self.assertNotIn('name="privacy_consent" value="true" checked', r.text)
        self.assertEqual(h.count_requests(S, self.agency), before)
        # Another error: the ticked box stays ticked.
        r = c.submit(self.agency, h.person(name=""))
        self.assertEqual(r.status, 422)
        self.assertIn('name="privacy_consent" value="true" checked', r.text)

    def test_consent_is_stored_with_the_notice_version(self):
        no, _ = h.Client(S).apply(self.agency, h.person())
        row = h.row(S, no, "privacy_notice_version AS v,"
                    " abs(extract(epoch FROM privacy_consent_at - submitted_at)) < 5 AS near")
        self.assertEqual(row, {"v": "2026-12", "near": True})

    def test_json_without_consent_is_422_naming_the_field(self):
        path = "/api/v1/agencies/%s/requests" % self.agency
        for consent in (None, False, "true"):
            body = h.api_body(h.person())
            if consent is None:
                del body["privacy_consent"]
            else:
                body["privacy_consent"] = consent
            with self.subTest(consent=consent):
                r = S.post_json(path, body)
                self.assertEqual(r.status, 422, r)
                self.assertEqual(set(r.json()["errors"]), {"privacy_consent"})
        r = S.post_json(path, h.api_body(h.person()))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(h.row(S, r.json()["tracking_no"], "privacy_notice_version AS v"),
                         {"v": "2026-12"})
