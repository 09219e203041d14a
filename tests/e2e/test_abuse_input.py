"""Abuse through input: script stored in every field that staff, the
applicant or the report later show; SQL injection strings in every field
and parameter; oversized, truncated and malformed bodies and headers.
On a stack of its own with nginx's POST limit off (these tests POST a lot;
test_abuse_limits checks the limits).

What is asserted: a stored value comes back verbatim (database, JSON) and
is shown escaped exactly once in every HTML page that shows it; no HTML
page ever holds a `<script` (the templates have none: the CSP forbids
inline scripts); Mustache in a value is never expanded; an injected
parameter is a 4xx (never a 5xx, never slow, never more rows)."""

import json
import re
import socket
import time
import unittest
import urllib.parse

import test_citizen_helpers as ch
import test_staff_common as h

S = None
TAG_RE = re.compile(r"alert\(&quot;([a-z0-9_]+)&quot;\)")


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def payload(tag):
    """Script, SQL and Mustache in one value; `tag` names the field."""
    return '<script>alert("%s")</script>\'; DROP TABLE requests; --{{site.name}}' % tag


def escaped(tag):
    return ("&lt;script&gt;alert(&quot;%s&quot;)&lt;/script&gt;&#39;; DROP TABLE requests; "
            "--{{site.name}}" % tag)


# The app's own script files (issue 16: the print button's), the only
# <script> a page may hold; the CSP refuses any other source.
OWN_SCRIPT_RE = re.compile(r'<script src="/static/[a-z]+\.js" defer></script>')


def markup(page):
    """The page lower-cased without the app's own script tags, for the
    check that no value became markup."""
    return OWN_SCRIPT_RE.sub("", page).lower()


def tags_shown(page):
    """The tags whose payload the page shows (escaped, whole)."""
    return {t for t in TAG_RE.findall(page) if escaped(t) in page}


class PageCheck:
    def check_page(self, r, tags, what):
        """r is an HTML page that must show each of tags escaped once, and
        no markup from any value."""
        self.assertLess(r.status, 500, "%s: %r" % (what, r))
        self.assertIn("text/html", r.header("Content-Type") or "", what)
        page = r.text
        self.assertNotRegex(markup(page), r"<\s*script", what)
        self.assertNotIn("&amp;lt;", page, "%s: escaped twice" % what)
        self.assertNotIn("&amp;quot;", page, "%s: escaped twice" % what)
        missing = set(tags) - tags_shown(page)
        self.assertEqual(missing, set(), "%s does not show %s" % (what, sorted(missing)))


def citizen_client():
    """An anonymous browser with its CSRF cookie and token."""
    c = h.Client(S)
    c.form_token = c.token("/status")
    return c


class StoredScriptTest(unittest.TestCase, PageCheck):
    """Every free-text field a citizen, a clerk, a head or an administrator
    fills in, then every page that shows it."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "xss")
        cls.clerk = h.Staff(S, cls.agency, "clerk")
        cls.head = h.Staff(S, cls.agency, "head")
        cls.admin = h.Staff(S, cls.agency, "admin")
        a = cls.admin
        # An account whose display name is a payload (the admin page's form).
        cls.clerk2_name = "x" + cls.clerk.username
        r = a.post_form("/admin/users", {"username": cls.clerk2_name, "display_name": payload("display"),
                                         "role": "clerk", "agency": cls.agency}, token_from="/admin")
        assert r.status == 201, r

        # A: a person's online request through every step with text.
        cls.a_id, cls.a_no, cls.a_code = h.submit_online(
            S, cls.agency, name="张" + payload("name"), work_unit=payload("work_unit"),
            address=payload("address"), description="请公开：" + payload("description"),
            document_ref=payload("document_ref"), id_type="other",
            id_number="<b>1</b>'--\"><svg onload=x>")
        c, hd, rid = cls.clerk, cls.head, cls.a_id
        c.act(rid, "confirm")
        c.act(rid, "supplement", {"what": payload("what")})
        r = S.post_json("/api/v1/status/supplement", {"tracking_no": cls.a_no, "query_code": cls.a_code,
                                                      "text": payload("supplement_text")})
        assert r.status == 200, r
        c.act(rid, "consult", {"party": payload("party"), "kind": "third_party"})
        c.act(rid, "consult_answered", {"result": "objection", "answer": payload("answer")})
        c.act(rid, "extend", {"reason": payload("extend_refused"), "days": 5})
        hd.act(rid, "refuse_extension", {"reason": payload("refuse_reason")})
        c.act(rid, "extend", {"reason": payload("extend_reason"), "days": 10})
        hd.act(rid, "approve_extension", {"reason": payload("approve_reason")})
        c.act(rid, "note", {"text": payload("note")})
        c.act(rid, "assign", {"to": cls.clerk2_name})
        c.act(rid, "reply", {"outcome": "partial", "text": payload("reply_text"),
                             "withheld": payload("withheld"), "notice_no": payload("notice_no")})
        c.act(rid, "appeal", {"kind": "review", "body": payload("appeal_body"),
                              "filed_on": str(h.today()), "note": payload("appeal_note")})

        # B: an organisation's submission, discarded.
        cls.b_id, _, _ = h.submit_online(
            S, cls.agency, **h.organisation(name=payload("org_name"),
                                            legal_representative=payload("legal_rep"),
                                            contact_name=payload("contact")))
        c.act(cls.b_id, "discard", {"reason_code": "test", "reason": payload("discard_reason")})
        # C: registered on paper, withdrawn by the clerk.
        cls.c_id = c.register(name=payload("paper_name"))
        c.act(cls.c_id, "withdraw", {"reason": payload("staff_withdraw")})
        # D: withdrawn by the applicant.
        cls.d_id, cls.d_no, cls.d_code = h.submit_online(S, cls.agency)
        r = S.post_json("/api/v1/status/withdraw", {"tracking_no": cls.d_no, "query_code": cls.d_code,
                                                    "reason": payload("applicant_withdraw")})
        assert r.status == 200, r
        # E: not held here, another agency named.
        cls.e_id = c.register()
        c.act(cls.e_id, "reply", {"outcome": "unable_not_held", "text": payload("unable_text"),
                                  "other_agency": payload("other_agency")})

    def test_values_are_stored_verbatim(self):
        got = h.row(S, self.a_id, "name, work_unit, address, description, document_ref, supplement_text")
        self.assertEqual(got, {"name": "张" + payload("name"), "work_unit": payload("work_unit"),
                               "address": payload("address"),
                               "description": "请公开：" + payload("description"),
                               "document_ref": payload("document_ref"),
                               "supplement_text": payload("supplement_text")})
        j = self.clerk.request(self.a_id)
        self.assertEqual(j["description"], "请公开：" + payload("description"))
        data = json.dumps(j["events"], ensure_ascii=False)
        for tag in ("note", "party", "answer", "withheld", "appeal_body"):
            self.assertIn(json.dumps(payload(tag), ensure_ascii=False)[1:-1], data, tag)
        self.assertEqual([x["note"] for x in j["appeals"]], [payload("appeal_note")])
        # Notices are plain text: the payload verbatim, no entities.
        bodies = S.psql("SELECT string_agg(body, '|') FROM notices WHERE request_id = %d" % self.a_id)
        for tag in ("what", "reply_text", "withheld"):
            self.assertIn(payload(tag), bodies, tag)
        self.assertNotIn("&lt;", bodies)
        self.assertEqual(S.psql("SELECT display_name FROM staff WHERE username = '%s'" % self.clerk2_name),
                         payload("display"))
        self.assertEqual(S.psql("SELECT to_regclass('requests') IS NOT NULL"), "t")

    def test_staff_request_page(self):
        r = self.clerk.get("/staff/requests/%d" % self.a_id)
        self.check_page(r, {"name", "work_unit", "address", "description", "document_ref", "what",
                            "supplement_text", "party", "answer", "extend_refused", "refuse_reason",
                            "extend_reason", "note", "display", "withheld",
                            "appeal_body"}, "request page A")
        self.check_page(self.clerk.get("/staff/requests/%d" % self.b_id),
                        {"org_name", "legal_rep", "contact", "discard_reason"}, "request page B")
        self.check_page(self.clerk.get("/staff/requests/%d" % self.c_id),
                        {"paper_name", "staff_withdraw"}, "request page C")
        self.check_page(self.clerk.get("/staff/requests/%d" % self.d_id),
                        {"applicant_withdraw"}, "request page D")
        # (The reply's text is on its notice: test_notices.)
        self.check_page(self.clerk.get("/staff/requests/%d" % self.e_id), set(), "request page E")
        # Also when a refused step shows the page again with the input.
        r = self.clerk.post_form("/staff/requests/%d/note" % self.a_id,
                                 {"text": payload("refused_note") + "x" * 20001},
                                 token_from="/staff/requests/%d" % self.a_id)
        self.assertEqual(r.status, 422)
        self.check_page(r, {"name"}, "refused step")

    def test_refused_forms_echo_escaped(self):
        token = self.clerk.token("/staff/register")
        fields = {"csrf_token": token, "agency": self.agency, "channel": "post",
                  "received_on": payload("received_on"), "applicant_kind": "person"}
        for name in ("name", "work_unit", "address", "description", "document_ref", "email",
                     "phone", "postcode", "id_number"):
            fields[name] = payload("reg_" + name)
        r = self.clerk.post_form("/staff/register", fields)
        self.assertEqual(r.status, 422, r)
        self.check_page(r, {"reg_name", "reg_work_unit", "reg_address", "reg_description",
                            "reg_document_ref", "reg_email", "reg_phone"}, "refused registration")
        anon = h.Client(S)
        # A username of at most 64 characters (longer: 400, not echoed).
        r = anon.post_form("/staff/login", {"username": payload("login")[:64], "password": payload("pw"),
                                            "next": payload("next")})
        self.assertEqual(r.status, 401, r)
        self.assertNotRegex(markup(r.text), r"<\s*script")
        self.assertNotIn(payload("pw"), r.text)
        self.assertNotIn(escaped("pw"), r.text)

    def test_full_identity_number_on_request(self):
        token = self.clerk.token("/staff/requests/%d" % self.a_id)
        r = self.clerk.post_form("/staff/requests/%d/reveal" % self.a_id, {"csrf_token": token})
        self.check_page(r, {"name"}, "revealed")
        # (Other documents' numbers are kept in capitals.)
        self.assertIn("&lt;B&gt;1&lt;/B&gt;&#39;--&quot;&gt;&lt;SVG ONLOAD=X&gt;", r.text)
        self.assertNotIn("<svg", r.text.lower())

    def test_queue_and_search(self):
        r = self.clerk.get("/staff?status=all")
        self.check_page(r, {"name", "description", "org_name", "paper_name", "display"}, "queue")
        r = self.clerk.get("/staff?status=all&q=" + h_quote(payload("search")))
        self.check_page(r, {"search"}, "queue search echo")
        # The search finds the stored payload as text.
        j = self.clerk.queue("?status=all&q=" + h_quote("alert(\"org_name\")"))
        self.assertEqual([x["id"] for x in j["requests"]], [self.b_id])

    def test_notices(self):
        notices = self.clerk.request(self.a_id)["notices"]
        kinds = {n["kind"]: int(n["id"]) for n in notices}
        self.assertLessEqual({"supplement", "extension", "reply"}, set(kinds))
        expect = {"supplement": {"what"}, "extension": {"extend_reason"},
                  "reply": {"reply_text", "withheld", "notice_no"}}
        for kind, tags in expect.items():
            r = self.clerk.get("/staff/requests/%d/notices/%d" % (self.a_id, kinds[kind]))
            self.assertEqual(r.status, 200)
            self.check_page(r, tags, "notice " + kind)
        e = [n for n in self.clerk.request(self.e_id)["notices"] if n["kind"] == "reply"][0]
        r = self.clerk.get("/staff/requests/%d/notices/%d" % (self.e_id, int(e["id"])))
        self.check_page(r, {"unable_text", "other_agency"}, "notice unable")

    def test_citizen_status_pages(self):
        c = citizen_client()
        r = c.post_form("/status", {"tracking_no": self.a_no, "query_code": self.a_code,
                                    "csrf_token": c.form_token})
        self.assertEqual(r.status, 200, r)
        # Internal notes and staff names are never shown to the applicant.
        self.check_page(r, {"name", "description", "supplement_text", "what", "reply_text", "withheld"},
                        "status page")
        for internal in ("note", "display", "appeal_note", "refuse_reason"):
            self.assertNotIn(escaped(internal), r.text, internal)
        r = c.post_form("/status", {"tracking_no": self.d_no, "query_code": self.d_code,
                                    "csrf_token": c.form_token})
        self.check_page(r, set(), "status page D")
        # The withdrawal's confirmation page echoes the reason.
        _, no, code = h.submit_online(S, self.agency)
        r = c.post_form("/status/withdraw", {"tracking_no": no, "query_code": code,
                                             "reason": payload("confirm_reason"),
                                             "csrf_token": c.form_token})
        self.check_page(r, {"confirm_reason"}, "withdraw confirmation")
        # The 补正 form page after an error keeps the text.
        r = c.post_form("/status/supplement", {"tracking_no": no, "query_code": code,
                                               "text": payload("late_supplement"),
                                               "csrf_token": c.form_token})
        self.assertIn(r.status, (200, 409, 422))
        self.assertNotRegex(markup(r.text), r"<\s*script")

    def test_admin_page(self):
        self.check_page(self.admin.get("/admin"), {"display"}, "admin page")
        token = self.admin.token("/admin")
        # Refused input comes back escaped: the calendar's pasted text (an
        # administrator of all agencies changes the calendar), a username
        # that is not one.
        everyone = h.Staff(S, None, "admin")
        r = everyone.post_form("/admin/holidays", {"csv": "date,kind,name\n2030-01-02,holiday,%s\n%s\n"
                                                   % (payload("holiday"), payload("csv_line")),
                                                   "csrf_token": everyone.token("/admin")})
        self.assertEqual(r.status, 422, r)
        self.check_page(r, {"holiday", "csv_line"}, "refused calendar")
        r = self.admin.post_form("/admin/users", {"username": payload("username"), "display_name": "x",
                                                  "role": "clerk", "agency": self.agency, "csrf_token": token})
        self.assertEqual(r.status, 422, r)
        self.check_page(r, set(), "refused account")
        self.assertEqual(S.psql("SELECT count(*) FROM holidays WHERE day = '2030-01-02'"), "0")

    def test_report_prose(self):
        year = h.today().year
        token = self.head.token("/staff/report/prose?year=%d" % year)
        r = self.head.post_form("/staff/report/prose", {
            "year": year, "agency": self.agency, "csrf_token": token,
            "one": payload("prose_one"), "five": payload("prose_five"), "six": payload("prose_six")})
        self.assertIn(r.status, (200, 303), r)
        self.check_page(self.head.get("/staff/report/prose?year=%d&agency=%s" % (year, self.agency)),
                        {"prose_one", "prose_five", "prose_six"}, "prose form")
        self.check_page(self.head.get("/staff/report?year=%d&agency=%s" % (year, self.agency)),
                        {"prose_one", "prose_five", "prose_six"}, "report page")
        j = self.head.get("/api/v1/reports/%d?agency=%s" % (year, self.agency)).json()
        self.assertEqual(j["prose"], {"one": payload("prose_one"), "five": payload("prose_five"),
                                      "six": payload("prose_six")})

    def test_imported_ledger_rows(self):
        csv = ("agency_code,tracking_no,applicant_kind,name,channel,received_on,description,"
               "concluded_on,outcome\n%s,,person,\"%s\",post,%s,\"%s\",,\n"
               % (self.agency, payload("import_name").replace('"', '""'), h.today(),
                  payload("import_desc").replace('"', '""')))
        token = self.admin.token("/admin/import")
        r = self.admin.post_form("/admin/import", {"csv": csv, "csrf_token": token})
        self.assertIn(r.status, (200, 201, 303), r)
        self.assertNotRegex(markup(r.text), r"<\s*script")
        rid = int(S.psql("SELECT r.id FROM requests r WHERE r.name = '%s'"
                         % payload("import_name").replace("'", "''")))
        self.check_page(self.clerk.get("/staff/requests/%d" % rid), {"import_name", "import_desc"},
                        "imported request")
        # A refused import echoes the pasted text escaped.
        r = self.admin.post_form("/admin/import", {"csv": csv.replace(",post,", ",%s," % payload("bad")),
                                                   "csrf_token": token})
        self.assertEqual(r.status, 422, r)
        self.assertNotRegex(markup(r.text), r"<\s*script")


INJECTIONS = ["' OR '1'='1", "1 OR 1=1", "1; DROP TABLE requests; --",
              "1' UNION SELECT password_hash FROM staff--", "'||(SELECT pg_sleep(3))||'",
              "%", "_", "\\", "$1", "-1", "99999999999999999999", "1e999", "0x10", "NaN",
              "\u202e1", "{{site.name}}"]
BAD_DATES = ["2024-02-30", "2024-13-01", "10000-01-01", "0001-01-01", "2024-01-01T00:00",
             "2024-01-01'--", "20240101"]


class InjectionTest(unittest.TestCase):
    """Injection strings in every parameter and path capture of every route
    and in every typed field of every step: each is refused (4xx) or
    matches nothing, quickly, and changes nothing."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "inj")
        cls.other = h.new_agency(S, "injo")
        cls.clerk = h.Staff(S, cls.agency)
        cls.admin = h.Staff(S, cls.agency, "admin")
        cls.rid = cls.clerk.register()
        cls.notice_rid = cls.clerk.register()
        cls.clerk.act(cls.notice_rid, "supplement", {"what": "请补充说明所需信息的时间范围。"})
        h.Staff(S, cls.other).register()

    def setUp(self):
        self.before = S.psql("SELECT (SELECT count(*) FROM requests) || '/' ||"
                             " (SELECT count(*) FROM request_events) || '/' || (SELECT count(*) FROM staff)")

    def tearDown(self):
        S.psql("DELETE FROM status_lookup_failures")

    def probe(self, r_or_fn, what, ok=(400, 401, 403, 404, 405, 409, 413, 415, 422, 429)):
        t0 = time.time()
        r = r_or_fn() if callable(r_or_fn) else r_or_fn
        self.assertLess(time.time() - t0, 2.5, "%s was slow" % what)
        self.assertIn(r.status, ok, "%s: %r" % (what, r))
        if "html" in (r.header("Content-Type") or ""):
            self.assertNotRegex(markup(r.text), r"<\s*script", what)
        return r

    def assert_nothing_changed(self):
        now = S.psql("SELECT (SELECT count(*) FROM requests) || '/' ||"
                     " (SELECT count(*) FROM request_events) || '/' || (SELECT count(*) FROM staff)")
        self.assertEqual(now, self.before)

    def test_queue_parameters(self):
        c = self.clerk
        for p in ("agency", "status", "due_within", "overdue", "kind", "outcome", "year", "q",
                  "sort", "limit", "after"):
            for v in INJECTIONS:
                if (p, v) == ("due_within", "99999999999999999999"):
                    continue    # test_queue_numbers_that_overflow_are_refused
                what = "queue %s=%r" % (p, v)
                query = "%s=%s" % (p, h_quote(v)) + ("" if p == "status" else "&status=all")
                r = self.probe(lambda: c.get("/api/v1/requests?" + query), what, ok=(200, 404, 422))
                if r.status == 200:
                    # Only a text search answers with what it found: nothing
                    # (LIKE's % and _ are taken literally). overdue is any
                    # value but 0, an unknown sort the default one; limit
                    # see test_queue_numbers_that_overflow_are_refused.
                    self.assertIn(p, ("q", "overdue", "sort", "limit"), what)
                    self.assertEqual(r.json()["agency"]["code"], self.agency, what)
                    if p == "q":
                        self.assertEqual(r.json()["requests"], [], what)
                self.probe(lambda: c.get("/staff?" + query), what + " (page)", ok=(200, 404, 422))
        self.assert_nothing_changed()

    # The queue's numbers are read strictly: no atoi() wrap-around ("9"*20)
    # and no trailing text ("1 OR 1=1").
    def test_queue_numbers_that_overflow_are_refused(self):
        for p, v in (("due_within", "99999999999999999999"), ("due_within", "4294967296"),
                     ("limit", "4294967297"), ("limit", "1 OR 1=1"), ("limit", "1e999")):
            r = self.clerk.get("/api/v1/requests?%s=%s" % (p, urllib.parse.quote(v)))
            self.assertEqual(r.status, 422, "%s=%s: %r" % (p, v, r))

    def test_path_captures(self):
        c, a = self.clerk, self.admin
        token = c.token("/staff")
        for v in INJECTIONS + ["..%2f..%2fetc%2fpasswd", "1%00", "1/../2"]:
            q = h_quote(v) if "%" not in v[1:] else v
            self.probe(lambda: c.get("/api/v1/requests/" + q), "request %r" % v)
            self.probe(lambda: c.get("/staff/requests/" + q), "request page %r" % v)
            self.probe(lambda: c.post_json("/api/v1/requests/%s/note" % q, {"text": "x"}),
                       "step on %r" % v)
            self.probe(lambda: c.post_json("/api/v1/requests/%d/%s" % (self.rid, q), {"text": "x"}),
                       "action %r" % v)
            self.probe(lambda: c.post_form("/staff/requests/%s/note" % q, {"text": "x", "csrf_token": token}),
                       "form step on %r" % v)
            self.probe(lambda: c.post_form("/staff/requests/%s/reveal" % q, {"csrf_token": token}),
                       "reveal %r" % v)
            self.probe(lambda: c.get("/staff/requests/%d/notices/%s" % (self.notice_rid, q)), "notice %r" % v)
            self.probe(lambda: c.get("/staff/requests/%s/notices/1" % q), "notice of %r" % v)
            self.probe(lambda: c.get("/api/v1/reports/" + q), "report %r" % v)
            self.probe(lambda: c.post_json("/api/v1/reports/%s/prose" % q, {"one": "x"}), "prose %r" % v)
            self.probe(lambda: S.get("/apply/" + q), "form of %r" % v)
            self.probe(lambda: S.post_json("/api/v1/agencies/%s/requests" % q, h.applicant()),
                       "submit to %r" % v)
            self.probe(lambda: a.post_form("/admin/users/%s/reset" % q, {"csrf_token": a.token("/admin")}),
                       "reset %r" % v)
            self.probe(lambda: a.post_form("/admin/users/%s/%s" % (c.username, q),
                                           {"csrf_token": a.token("/admin")}), "user action %r" % v)
        self.assert_nothing_changed()
        self.assertEqual(S.psql("SELECT count(*) FROM staff WHERE username = '%s' AND NOT disabled"
                                " AND NOT must_change_password" % c.username), "1")

    def test_report_parameters(self):
        c = self.clerk
        for v in INJECTIONS:
            for path in ("/staff/report", "/staff/report/table2", "/staff/report/prose",
                         "/api/v1/reports/%d" % h.today().year):
                for p in ("year", "agency", "format", "draft", "done"):
                    if path.startswith("/api") and p == "year":
                        continue
                    self.probe(lambda: c.get("%s?%s=%s" % (path, p, h_quote(v))), "%s %s=%r" % (path, p, v),
                               ok=(200, 404, 422))
            for path in ("/api/v1/reports/%d/prose" % h.today().year, "/api/v1/reports/%d/table2"
                         % h.today().year):
                self.probe(lambda: c.post_json(path + "?agency=" + h_quote(v), {"one": "x"}),
                           "%s agency=%r" % (path, v), ok=(200, 403, 404, 422))
        self.assert_nothing_changed()

    def test_public_parameters_and_sign_in(self):
        for v in INJECTIONS:
            self.probe(lambda: S.get("/status?no=" + h_quote(v)), "status no=%r" % v, ok=(200,))
            self.probe(lambda: S.get("/staff/login?next=" + h_quote(v)), "login next=%r" % v, ok=(200,))
            # A name with a bidi override cannot exist: 422 (item 10).
            r = self.probe(lambda: S.post_json("/api/v1/session", {"username": v, "password": v}),
                           "sign-in as %r" % v, ok=(422,) if "\u202e" in v else (401,))
            self.assertIsNone(r.header("Set-Cookie"))
        for v in INJECTIONS[:4]:
            self.probe(lambda: S.post_json("/api/v1/status", {"tracking_no": v, "query_code": v}),
                       "status look-up %r" % v, ok=(404, 422, 429))
        self.assert_nothing_changed()

    def test_typed_fields_of_every_step(self):
        c, rid = self.clerk, self.rid
        today = str(h.today())
        steps = [
            ("confirm", {}, "date"), ("supplement", {"what": "补充"}, "period_workdays"),
            ("supplement", {"what": "补充"}, "answer_by"),
            ("supplement_answered", {"text": "补正内容"}, "date"),
            ("consult", {"party": "某公司"}, "kind"), ("consult", {"party": "某公司"}, "date"),
            ("consult_answered", {"result": "consent"}, "consultation_id"),
            ("consult_answered", {}, "result"),
            ("extend", {"reason": "情况复杂"}, "days"),
            ("fee_notice", {}, "method"), ("fee_notice", {"method": "per_page"}, "pages"),
            ("fee_notice", {"method": "per_page", "pages": 500}, "pay_by"),
            ("fee_paid", {}, "date"),
            ("reply", {"text": "答复"}, "outcome"),
            ("reply", {"text": "答复", "outcome": "disclosed"}, "date"),
            ("withdraw", {}, "date"),
            ("appeal", {"filed_on": today}, "kind"), ("appeal", {"kind": "review"}, "filed_on"),
            ("appeal", {"kind": "review", "filed_on": today}, "result"),
            ("appeal", {"kind": "review", "filed_on": today, "result": "upheld"}, "decided_on"),
            ("appeal", {"result": "upheld"}, "appeal_id"),
            ("assign", {}, "to"),
            ("approve_extension", {}, "extension_id"),
            ("ask_reasons", {}, "date"), ("ask_reasons", {}, "period_workdays"),
            ("ask_reasons", {}, "answer_by"), ("reasons_answered", {}, "date"),
            ("set_deadline", {"reason": "档案多"}, "due_on"),
            ("supplement", {"what": "补充"}, "date"),
        ]
        for action, base, field in steps:
            for v in INJECTIONS + (BAD_DATES if field in ("date", "answer_by", "pay_by", "filed_on",
                                                          "decided_on", "due_on") else []):
                body = dict(base, **{field: v})
                self.probe(lambda: c.post_json("/api/v1/requests/%d/%s" % (rid, action), body),
                           "%s %s=%r" % (action, field, v), ok=(403, 404, 409, 422))
        self.assertEqual(h.events(S, rid), ["registered"])
        self.assert_nothing_changed()

    def test_fields_a_client_may_not_set(self):
        """Mass assignment: keys of the stored row in the body are ignored
        (or refused), never written."""
        extra = {"status": "answered", "outcome": "disclosed", "channel": "in_person",
                 "received_on": "2020-01-01", "due_on": "2099-01-01", "tracking_no": "x-2020-000001",
                 "agency_id": 1, "agency": self.other, "id": 1, "query_code": "AAAAA-AAAAA",
                 "query_code_hash": "\\x00", "submitted_at": "2000-01-01T00:00:00+08:00",
                 "repeat_of": 1, "assigned_to": 1, "backdated": True, "extension_days": 20}
        r = S.post_json("/api/v1/agencies/%s/requests" % self.agency, h.applicant(**extra))
        self.assertIn(r.status, (201, 422), r)
        if r.status == 201:
            no = r.json()["tracking_no"]
            self.assertTrue(no.startswith(self.agency + "-"), no)
            got = h.row(S, h.request_id(S, no), "status, outcome, channel, received_on, due_on,"
                        " agency_id = (SELECT id FROM agencies WHERE code = '%s') AS own,"
                        " submitted_at > now() - interval '1 minute' AS now,"
                        " assigned_to, backdated, extension_days" % self.agency)
            self.assertEqual(got, {"status": "submitted", "outcome": None, "channel": "online",
                                   "received_on": None, "due_on": None, "own": True, "now": True,
                                   "assigned_to": None, "backdated": False,
                                   "extension_days": 0})
        # A step's body cannot name another request, actor or sequence.
        target = self.clerk.register()
        before = S.psql("SELECT count(*) FROM request_events WHERE request_id = %d" % self.rid)
        j = self.clerk.act(target, "note", {"text": "备注", "request_id": self.rid, "id": self.rid,
                                            "actor_staff_id": self.admin.id, "seq": 1,
                                            "effective_on": "2000-01-01", "actor_kind": "system"})
        self.assertEqual(S.psql("SELECT count(*) FROM request_events WHERE request_id = %d" % self.rid),
                         before)
        self.assertEqual(S.psql("SELECT actor_staff_id || ',' || actor_kind || ',' || effective_on"
                                " FROM request_events WHERE request_id = %d AND seq = %d"
                                % (target, j["seq"])), "%d,staff,%s" % (self.clerk.id, h.today()))


class MalformedTest(unittest.TestCase):
    """Oversized, truncated and malformed bodies and headers on the routes
    that take them: a 4xx, nothing stored, the app still serving."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "bad")
        cls.path = "/api/v1/agencies/%s/requests" % cls.agency
        cls.body = json.dumps(h.applicant(), ensure_ascii=False).encode()
        cls.clerk = h.Staff(S, cls.agency)
        cls.rid = cls.clerk.register()

    def setUp(self):
        self.count = self.requests()

    def tearDown(self):
        self.assertEqual(S.get("/healthz/live").status, 200, "the app stopped serving")
        self.assertEqual(self.requests(), self.count, "something was stored")

    def requests(self):
        return S.psql("SELECT count(*) FROM requests r JOIN agencies a ON a.id = r.agency_id"
                      " WHERE a.code = '%s'" % self.agency)

    def post(self, body, ctype="application/json", path=None, headers=None):
        hd = {"Content-Type": ctype} if ctype else {}
        hd.update(headers or {})
        return S.request("POST", path or self.path, body=body, headers=hd)

    def raw_status(self, data, timeout=5):
        resp = S.raw(data, timeout=timeout)
        return int(resp.split(b" ")[1]) if resp.startswith(b"HTTP/") else None

    def test_truncated_json(self):
        for cut in (1, len(self.body) // 2, len(self.body) - 1):
            r = self.post(self.body[:cut])
            self.assertEqual(r.status, 400, "cut at %d: %r" % (cut, r))
        # A Content-Length shorter than the body: the app reads that much
        # (truncated JSON); the rest is a malformed next request.
        raw = (b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (self.path.encode(), len(self.body) // 2, self.body))
        self.assertEqual(self.raw_status(raw), 400)

    def test_body_cut_off_by_the_client(self):
        for path in (self.path, "/apply/" + self.agency, "/api/v1/session"):
            with socket.create_connection(("127.0.0.1", S.port), timeout=5) as sock:
                sock.sendall(b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 5000\r\n\r\n%s" % (path.encode(), self.body[:100]))
            with socket.create_connection(("127.0.0.1", S.port), timeout=5) as sock:
                sock.sendall(b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Le" % path.encode())
        time.sleep(0.2)

    def test_not_an_object(self):
        routes = [self.path, "/api/v1/status", "/api/v1/status/supplement", "/api/v1/session",
                  "/api/v1/requests/%d/note" % self.rid, "/api/v1/reports/%d/prose" % h.today().year]
        for body in (b"[]", b'"x"', b"1", b"null", b"true", b" ", b"{}{}", b"{,}", b"[{}]",
                     b'{"name": "\xe5\xbc\xa0"', b"\xef\xbb\xbf{}", b'{"a": -}', b'{"a": \'x\'}',
                     b'{"a": "\xc0\xaf"}', b'{"a": 1} x'):
            for path in routes:
                r = self.post(body, headers={"Cookie": "; ".join("%s=%s" % kv for kv in
                                                                 self.clerk.cookies.items())},
                              path=path)
                self.assertIn(r.status, (400, 401, 404, 422), "%s %r: %r" % (path, body, r))
        self.assertEqual(h.events(S, self.rid), ["registered"])

    def test_invalid_utf8_inside_json_strings(self):
        # Overlong, surrogate and beyond-U+10FFFF sequences pass json-c's own
        # check; the sign-in answered 503 as PostgreSQL refused the name.
        for bad in (b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\xaf"):
            r = self.post(b'{"username": "x' + bad + b'", "password": "aaaaaaaaaaaa"}',
                          path="/api/v1/session")
            self.assertEqual(r.status, 400, "%r: %r" % (bad, r))
            r = self.post(self.body.replace("张三".encode(), bad))
            self.assertEqual(r.status, 400, "%r: %r" % (bad, r))

    def test_deep_nesting_and_many_keys(self):
        for body in (b"[" * 200000, b'{"a":' * 100000 + b"1" + b"}" * 100000,
                     json.dumps(dict(h.applicant(), provision_forms=[[[["paper"]]]])).encode()):
            r = self.post(body[:1000000])
            self.assertIn(r.status, (400, 413, 422), r)
        # Unknown keys are ignored, even 40,000 of them (under the 1 MB).
        many = dict(h.applicant(), **{"k%d" % i: i for i in range(40000)})
        r = self.post(json.dumps(many).encode())
        self.assertIn(r.status, (201, 400, 413, 422), r)
        if r.status == 201:
            self.count = str(int(self.count) + 1)
        # Duplicate keys: one of them wins, no crash. (Allowed to create.)
        dup = self.body[:-1] + b', "name": "<b>x</b>", "name": "\\u0000"}'
        r = self.post(dup)
        self.assertIn(r.status, (400, 422), r)

    def test_oversized_values(self):
        for field, n in (("description", 900000), ("name", 300000), ("address", 300000)):
            r = self.post(json.dumps(h.applicant(**{field: "长" * n})).encode())
            self.assertIn(r.status, (413, 422), "%s: %r" % (field, r))
        r = self.post(json.dumps(h.applicant(description="长" * 400000)).encode())
        self.assertEqual(r.status, 413, r)

    def test_content_types(self):
        # The types a cross-site form may send without asking first: the
        # API takes none of them (its CSRF defence), whatever the body.
        boundary = "----x"
        multipart = ("--%s\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n张三\r\n--%s--\r\n"
                     % (boundary, boundary))
        form = "applicant_kind=person&name=%E5%BC%A0&description=" + "x" * 20 + "&declaration=true"
        for ctype, body in (("text/plain", self.body), ("text/plain; charset=utf-8", self.body),
                            ("application/x-www-form-urlencoded", form),
                            ("multipart/form-data; boundary=" + boundary, multipart), (None, self.body)):
            r = self.post(body, ctype=ctype)
            self.assertEqual(r.status, 415, "%s: %r" % (ctype, r))
        # A JSON body sent as a form is not a form either.
        r = self.post(self.body, ctype="application/x-www-form-urlencoded")
        self.assertIn(r.status, (400, 413, 415), r)
        # Nor do the form routes take multipart, but those that take files
        # (issue 15, web/upload.h): the application form does, and refuses
        # one without its CSRF token.
        for path in ("/staff/login", "/status"):
            r = self.post(multipart, ctype="multipart/form-data; boundary=" + boundary, path=path)
            self.assertEqual(r.status, 415, "%s: %r" % (path, r))
        r = self.post(multipart, ctype="multipart/form-data; boundary=" + boundary,
                      path="/apply/" + self.agency)
        self.assertEqual(r.status, 403, r)

    def test_chunked_body_and_smuggling(self):
        body = self.body
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
        raw = (b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n%s" % (self.path.encode(), chunked))
        self.assertEqual(self.raw_status(raw), 201)
        self.count = str(int(self.count) + 1)
        # Both lengths: nginx refuses, or reads the chunked body only; the
        # bytes after it never become a second request to the app.
        smuggled = b"POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (
            self.path.encode(), len(body), body)
        raw = (b"POST /status HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
               b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled)
        resp = S.raw(raw, timeout=3)
        self.assertNotIn(b" 201 ", resp)
        self.assertNotIn(b" 500 ", resp)

    def test_malformed_headers(self):
        get = b"GET /staff HTTP/1.1\r\nHost: localhost\r\n%sConnection: close\r\n\r\n"
        for header, statuses in (
                (b"Cookie: " + b"a" * 20000 + b"\r\n", (400, 494)),
                (b"X-Long: " + b"b" * 40000 + b"\r\n", (400, 494)),
                (b"Cookie: " + b"; ".join(b"c%d=%d" % (i, i) for i in range(300)) + b"\r\n", (303,)),
                (b"Cookie: ysqgk_session\r\n", (303,)),
                (b"Cookie: =;=;;; ysqgk_session=;ysqgk_session==x\r\n", (303,)),
                (b"Cookie: ysqgk_session=" + b"A" * 43 + b"\r\n", (303,)),
                (b"Cookie: ysqgk_session=\xff\xfe" + b"A" * 41 + b"\r\n", (303,)),
                (b"Cookie: ysqgk_session=%00" + b"A" * 40 + b"\r\n", (303,)),
                (b"X-Bad: a\x01b\r\n", (400, 303)),
                (b"Bad Header: x\r\n", (400, 303)),
                (b"Accept: application/json;q=\xff, */*;q=-1\r\n", (303, 401)),
                (b"Content-Length: -1\r\n", (400,)),
                (b"Content-Length: 99999999999999999999\r\n", (400, 413)),
                (b"Transfer-Encoding: gzip\r\n", (400, 501)),
                (b"Host: other\r\n", (303, 400)),
        ):
            status = self.raw_status(get % header)
            self.assertIn(status, statuses, header[:60])
        self.assertIn(self.raw_status(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"), (400, 404, 414))
        self.assertIn(self.raw_status(b"GET /staff HTTP/1.1\r\n\r\n"), (400,))
        self.assertIn(self.raw_status(b"GET /\x00 HTTP/1.1\r\nHost: x\r\n\r\n"), (400,))
        self.assertIn(self.raw_status(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 64), (400, None))
        # A valid session cookie after an invalid one of the same name.
        cookie = "ysqgk_session=bogus; " + "; ".join("%s=%s" % kv for kv in self.clerk.cookies.items())
        r = S.get("/api/v1/session", headers={"Cookie": cookie})
        self.assertIn(r.status, (200, 401))


class StrictTypesTest(unittest.TestCase):
    """Issue 12, item 9: where a step wants an integer, a JSON body must
    send a JSON integer; a fraction, a list or an object is refused in any
    field — 422 naming the field, nothing done."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "typ")
        cls.clerk = h.Staff(S, cls.agency)
        cls.rid = cls.clerk.register()

    def raw_json(self, action, text):
        c = self.clerk
        return c.keep(S.request("POST", "/api/v1/requests/%d/%s" % (self.rid, action), body=text.encode(),
                                headers=c.headers({"Content-Type": "application/json"})))

    def test_item9_integers_are_json_integers(self):
        cases = [("extend", '{"reason": "情况复杂", "days": %s}', "days"),
                 ("supplement", '{"what": "请说明", "period_workdays": %s}', "period_workdays"),
                 ("fee_notice", '{"method": "per_page", "pages": %s}', "pages")]
        for action, template, field in cases:
            for v in ('5.0', '1e309', '[30]', '"5"', '{"n": 5}', '1.5e1', 'true'):
                with self.subTest(action=action, value=v):
                    r = self.raw_json(action, template % v)
                    self.assertEqual(r.status, 422, r)
                    self.assertEqual(r.json().get("field"), field, r)
        self.assertEqual(h.events(S, self.rid), ["registered"])
        # A JSON integer is what works.
        r = self.raw_json("supplement", '{"what": "请说明", "period_workdays": 10}')
        self.assertEqual(r.status, 200, r)

    def test_item9_no_field_takes_a_list_or_a_fraction(self):
        for body, field in [('{"text": ["备注"]}', "text"), ('{"text": "备注", "date": 20260101.0}', "date"),
                            ('{"text": {"a": 1}}', "text")]:
            with self.subTest(body=body):
                r = self.raw_json("note", body)
                self.assertEqual(r.status, 422, r)
                self.assertEqual(r.json().get("field"), field, r)


class InvisibleCharactersTest(unittest.TestCase):
    """Issue 12, item 10: control, bidi, zero-width and tag characters in
    any field of any body → 422 naming the field, nothing stored; TAB and
    LF only in multi-line fields; names stored in NFC."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "inv")
        cls.path = "/api/v1/agencies/%s/requests" % cls.agency
        cls.clerk = h.Staff(S, cls.agency)
        cls.rid = cls.clerk.register()

    def requests(self):
        return int(S.psql("SELECT count(*) FROM requests r JOIN agencies a ON a.id = r.agency_id"
                          " WHERE a.code = '%s'" % self.agency))

    def refused(self, r, field, what):
        self.assertEqual(r.status, 422, "%s: %r" % (what, r))
        self.assertEqual(r.json().get("field"), field, what)
        self.assertIn("不可见字符", r.json()["error"], what)

    def test_item10_citizen_submission(self):
        before = self.requests()
        cases = [("name", "张三\u202e"), ("name", "张\u200b三"), ("address", "北京市\u2066东城区\u2069"),
                 ("address", "北京市\n东城区"), ("work_unit", "某单位\t"), ("email", "zs@example.com\u200d"),
                 ("description", "请公开\u0085本县道路维修工程的招标文件。"),
                 ("description", "\ufeff请公开本县道路维修工程的招标文件。"),
                 ("description", "请公开本县道路维修工程\U000e0041的招标文件。"),
                 ("description", "请公开本县道路维修工程的招标文件\u001b[0m。")]
        for field, value in cases:
            with self.subTest(field=field, value=value):
                self.refused(S.post_json(self.path, h.applicant(**{field: value})), field, repr(value))
        # An array of codes is checked item by item, under its own name.
        self.refused(S.post_json(self.path, h.applicant(provision_forms=["paper\u202e"])),
                     "provision_forms", "array")
        self.assertEqual(self.requests(), before)
        # Multi-line text keeps its lines and tabs.
        ok = S.post_json(self.path, h.applicant(description="请公开以下信息：\n\t1. 招标文件；\n\t2. 中标结果。"))
        self.assertEqual(ok.status, 201, ok)

    def test_item10_form_pages(self):
        """A staff form names the field; the request form shows its
        message beside the field, everything typed kept."""
        c = self.clerk
        page = c.get("/staff/requests/%d" % self.rid).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        r = c.post_form("/staff/requests/%d/note" % self.rid, {"csrf_token": token, "text": "备注\u202e"})
        self.assertEqual(r.status, 422)
        self.assertIn("“text”中含有控制字符或不可见字符（U+202E）", h.text_of(r.text))
        before = self.requests()
        citizen = ch.Client(S)
        fields = ch.person(name="张\u202e三", address="北京市东城区示例街1号\u200b")
        r = citizen.submit(self.agency, fields)
        self.assertEqual(r.status, 422)
        self.assertIn("控制字符", ch.field_error(r.text, "name"))
        self.assertEqual(ch.input_value(r.text, "name"), fields["name"])
        self.assertEqual(ch.input_value(r.text, "phone"), fields["phone"])
        self.assertEqual(self.requests(), before)

    def test_item10_steps(self):
        c = self.clerk
        for action, body, field in [("note", {"text": "备注\u2067"}, "text"),
                                    ("consult", {"party": "某公司\u200c", "kind": "third_party"}, "party"),
                                    ("supplement", {"what": "请说明\u0007"}, "what")]:
            with self.subTest(action=action):
                self.refused(c.post_json("/api/v1/requests/%d/%s" % (self.rid, action), body),
                             field, action)
        self.assertEqual(h.events(S, self.rid), ["registered"])
        r = c.post_json("/api/v1/requests/%d/note" % self.rid, {"text": "第一行\n\t第二行"})
        self.assertEqual(r.status, 200, r)

    def test_item10_names_are_stored_in_nfc(self):
        decomposed = "Jose\u0301 Garci\u0301a"
        rid, _, _ = h.submit_online(S, self.agency, name=decomposed)
        name = self.clerk.get("/api/v1/requests/%d" % rid).json()["applicant"]["name"]
        self.assertEqual(name, "Jos\u00e9 Garc\u00eda")


def h_quote(s):
    return urllib.parse.quote(s, safe="")


if __name__ == "__main__":
    unittest.main()
