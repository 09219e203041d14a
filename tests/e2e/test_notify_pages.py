"""Issue 14's pages: the applicant's choice of notice (通知方式) on the form,
the receipt and the API; changing it and the contact details from the
status page; the request's messages on the staff page and "send again" of
a dead one; staff accounts' e-mail and phone. On a stack of its own."""

import json
import re
import unittest

import stack
import test_citizen_helpers as h
import test_staff_common as sc

S = None

RAW_CODES = ("new_submission", "supplement_due", "contact_changed", ">queued<", ">dead<",
             ">sent<", ">sms<", ">email<")


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def notify_of(tracking_no):
    return S.psql("SELECT notify FROM requests WHERE tracking_no = '%s'" % tracking_no)


class ApplyChoiceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "nt")

    def test_form_offers_the_three_choices_with_labels(self):
        r = h.Client(S).get("/apply/" + self.agency)
        self.assertEqual(r.status, 200)
        page = h.text_of(r.text)
        for label in ("通知方式", "电子邮件", "短信", "不需要通知"):
            self.assertIn(label, page)
        for value in ("email", "sms", "none"):
            self.assertIn('name="notify" value="%s"' % value, r.text)
        # A blank form preselects nothing: the rule decides on what is typed.
        self.assertEqual(h.checked_values(r.text, "notify"), [])

    def test_sms_chosen_is_stored_and_on_the_receipt(self):
        c = h.Client(S)
        r = c.submit(self.agency, h.person(notify="sms"))
        self.assertEqual(r.status, 201, r)
        no, _ = h.receipt_keys(r.text)
        self.assertEqual(notify_of(no), "sms")
        self.assertRegex(h.text_of(r.text), r"通知方式\s*短信")

    def test_default_is_email_when_an_address_was_given(self):
        c = h.Client(S)
        no, _ = c.apply(self.agency, h.person())
        self.assertEqual(notify_of(no), "email")
        no, _ = c.apply(self.agency, h.person(email="", provision_forms=["paper"],
                                              obtain_methods=["post"]))
        self.assertEqual(notify_of(no), "sms")

    def test_sms_without_a_mobile_number_is_422_with_the_input_kept(self):
        c = h.Client(S)
        r = c.submit(self.agency, h.person(notify="sms", phone="010-12345678"))
        self.assertEqual(r.status, 422, r)
        self.assertIn("短信通知需要11位手机号码", h.field_error(r.text, "notify"))
        self.assertEqual(h.checked_values(r.text, "notify"), ["sms"])
        self.assertEqual(h.input_value(r.text, "phone"), "010-12345678")
        self.assertEqual(h.input_value(r.text, "email"), "zhangsan@example.com")
        # The error summary names the field and links to it.
        self.assertIn('href="#f-notify-email"', r.text)

    def test_rerendered_form_preselects_the_default(self):
        c = h.Client(S)
        r = c.submit(self.agency, h.person(description="短"))
        self.assertEqual(r.status, 422, r)
        self.assertEqual(h.checked_values(r.text, "notify"), ["email"])
        r = c.submit(self.agency, h.person(description="短", email="",
                                           provision_forms=["paper"], obtain_methods=["post"]))
        self.assertEqual(h.checked_values(r.text, "notify"), ["sms"])

    def test_api_takes_and_answers_notify(self):
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        h.api_body(h.person(notify="none")))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json()["notify"], "none")
        self.assertEqual(notify_of(r.json()["tracking_no"]), "none")
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        h.api_body(h.person(notify="fax")))
        self.assertEqual(r.status, 422, r)
        self.assertIn("notify", r.json()["errors"])
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency,
                        h.api_body(h.person(notify="email", email="",
                                            provision_forms=["paper"], obtain_methods=["post"])))
        self.assertEqual(r.status, 422, r)
        self.assertIn("电子邮箱", r.json()["errors"]["notify"])


class StaffRegisterChoiceTest(unittest.TestCase):
    def test_register_form_has_the_choice_and_stores_it(self):
        agency = sc.new_agency(S, "nr")
        staff = sc.Staff(S, agency)
        page = staff.get("/staff/register").text
        self.assertIn('name="notify" value="sms"', page)
        fields = dict(sc.applicant(), channel="post", received_on=str(sc.today()), notify="sms",
                      agency=agency)
        fields.pop("declaration")
        fields.pop("privacy_consent")
        fields["provision_forms"] = "paper"
        fields["obtain_methods"] = "post"
        r = staff.post_form("/staff/register", fields, token_from="/staff/register")
        self.assertEqual(r.status, 303, r)
        rid = re.search(r"/staff/requests/(\d+)", r.header("Location")).group(1)
        self.assertEqual(sc.row(S, rid, "notify")["notify"], "sms")


if __name__ == "__main__":
    unittest.main()
