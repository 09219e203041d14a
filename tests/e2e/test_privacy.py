"""Personal information (个人信息保护法; issue 12, item 17): the form's
privacy notice and consent, stored with the request; `ysqgk retention`
removing the personal data of requests concluded long ago while the
yearly report and the event chains stay as they were. On a stack of its
own: `ysqgk audit verify` must see only chains these tests wrote."""

import json
import os
import re
import subprocess
import unittest

import stack
import test_citizen_helpers as h
import test_staff_common as staff_h

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

    def test_staff_registering_a_paper_request_are_not_asked(self):
        # PIPL Art. 13(3): the statutory duty is the basis, not consent.
        clerk = staff_h.Staff(S, self.agency)
        body = staff_h.applicant(channel="post", received_on=str(staff_h.today()))
        del body["declaration"], body["privacy_consent"]
        r = clerk.post_json("/api/v1/agencies/%s/requests" % self.agency, body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(h.row(S, r.json()["tracking_no"],
                               "privacy_notice_version AS v, privacy_consent_at AS at"),
                         {"v": None, "at": None})


def report(agency, year):
    r = S.ysqgk("report", "--year", str(year), "--agency", agency, "--format", "json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    for volatile in ("generated_at", "generated"):
        out.pop(volatile, None)
    return out


# The report starts in 2019 (the revised Regulations): a short period
# keeps the old requests inside it; the default (10) is the form's test.
YEARS = 3


def retention(*args):
    env = dict(os.environ, YSQGK_RETENTION_YEARS=str(YEARS))
    return subprocess.run([stack.binary(), "--config", S.config, "retention", *args],
                          capture_output=True, text=True, env=env)


PERSONAL = ("id_type", "id_number_enc", "id_number_hash", "legal_representative", "contact_name",
            "work_unit", "phone_enc", "phone_hash", "fax", "email", "address", "postcode")


class RetentionTest(unittest.TestCase):
    """Requests concluded at fixed dates, written with SQL over requests
    submitted through the API (their event chains are real)."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "ret")
        cls.year = stack.beijing_today().year
        cls.old_person = cls.concluded(h.person(fax="010-87654321", work_unit="第一中学"),
                                       YEARS + 1)
        cls.old_org = cls.concluded(h.organisation(), YEARS + 1)
        cls.recent = cls.concluded(h.person(), YEARS - 1)
        cls.open = S.post_json("/api/v1/agencies/%s/requests" % cls.agency,
                               h.api_body(h.person())).json()["tracking_no"]

    @classmethod
    def concluded(cls, fields, years_ago):
        """A request answered on 15 June `years_ago` years back: more than
        years_ago - ½ and less than years_ago + 1 years before today."""
        r = S.post_json("/api/v1/agencies/%s/requests" % cls.agency, h.api_body(fields))
        assert r.status == 201, r
        no = r.json()["tracking_no"]
        y = cls.year - years_ago
        S.psql("UPDATE requests SET status = 'answered', received_on = '%d-05-04',"
               " due_on = '%d-06-01', concluded_on = '%d-06-15', outcome = 'disclosed'"
               " WHERE tracking_no = '%s'" % (y, y, y, no))
        return no

    def personal(self, no):
        return h.row(S, no, "name, credit_code, pseudonymised_at IS NOT NULL AS done, "
                     + ", ".join(PERSONAL))

    def audit_lines(self):
        return int(S.psql("SELECT count(*) FROM audit_log l JOIN agencies a ON a.id = l.agency_id"
                          " WHERE l.action = 'retention_pseudonymised' AND a.code = '%s'"
                          % self.agency))

    def test_retention_removes_personal_data_and_keeps_report_and_chains(self):
        reports = {y: report(self.agency, y) for y in (self.year - YEARS - 1, self.year - YEARS + 1, self.year)}
        untouched = {no: self.personal(no) for no in (self.recent, self.open)}
        self.assertIsNotNone(self.personal(self.old_person)["phone_enc"])

        r = retention("--dry-run")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"%s: 2 request\(s\) concluded before" % re.escape(self.agency))
        self.assertIsNone(self.personal(self.old_person)["done"] or None)
        self.assertEqual(self.audit_lines(), 0)

        # Batches of one: two transactions, two audit lines.
        r = retention("--batch", "1")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.audit_lines(), 2)
        person = self.personal(self.old_person)
        self.assertEqual(person["name"], "（已删除）")
        self.assertTrue(person["done"])
        for col in PERSONAL:
            self.assertIsNone(person[col], col)
        org = self.personal(self.old_org)
        self.assertEqual(org["name"], "示例科技有限公司")     # not personal information
        self.assertEqual(org["credit_code"], h.VALID_CREDIT)
        for col in PERSONAL:
            self.assertIsNone(org[col], col)
        for no, before in untouched.items():
            self.assertEqual(self.personal(no), before, no)

        # The report, the event chains and the status page are as before.
        for y, before in reports.items():
            self.assertEqual(report(self.agency, y), before, y)
        r = S.ysqgk("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(int(S.psql("SELECT count(*) FROM requests WHERE tracking_no = '%s'"
                                    % self.old_person)), 1)

        # Idempotent: nothing more to do, no further audit line.
        r = retention()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.audit_lines(), 2)
        self.assertNotIn(self.agency, r.stdout)
        self.assertEqual(self.personal(self.old_person), person)

    def test_bad_arguments_and_settings(self):
        self.assertEqual(retention("--batch", "0").returncode, 2)
        self.assertEqual(retention("--now").returncode, 2)
        env = dict(os.environ, YSQGK_RETENTION_YEARS="0")
        r = subprocess.run([stack.binary(), "--config", S.config, "retention"],
                           capture_output=True, text=True, env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("retention_years", r.stderr)
