"""Abuse of access: another agency's data reached by id, number, a record's
own id, the API, the export and the report; steps and administration
outside one's agency or role; CSRF on every form POST (no token, another
session's token, the anonymous token on staff pages) and on the JSON API
(the content types a cross-site form can send); session fixation (a cookie
planted before sign-in never becomes the signed-in session).

test_staff_workflow already covers a request's page, API and steps by id
and number, and the queue's agency= and q=, for another agency; this module
covers the rest. On a stack of its own (nginx's POST limit off)."""

import json
import re
import secrets
import unittest

import test_staff_common as h

S = None
W = None    # the World of this module's tests


def setUpModule():
    global S, W
    S = h.own_stack()
    try:
        W = World.build()
    except Exception:
        S.stop()
        raise


def tearDownModule():
    S.stop()


def year():
    return h.today().year


def snapshot():
    """Counts that no refused request may change."""
    return S.psql("SELECT concat_ws('/', (SELECT count(*) FROM requests), (SELECT count(*) FROM request_events),"
                  " (SELECT count(*) FROM staff), (SELECT count(*) FROM staff WHERE disabled),"
                  " (SELECT count(*) FROM staff WHERE must_change_password),"
                  " (SELECT count(*) FROM notices), (SELECT count(*) FROM report_prose),"
                  " (SELECT count(*) FROM report_snapshots), (SELECT count(*) FROM holidays),"
                  " (SELECT count(*) FROM consultations WHERE result IS NOT NULL),"
                  " (SELECT count(*) FROM appeals WHERE result <> 'pending'),"
                  " (SELECT count(*) FROM extensions WHERE state <> 'proposed'))")


class World:
    """gov ⊃ dept (one county government and its department) and an
    unrelated agency b, each with its staff and requests."""

    @classmethod
    def build(cls):
        w = cls()
        w.gov = h.new_agency(S, "gov")
        w.dept = h.new_agency(S, "dept", parent=w.gov)
        w.b = h.new_agency(S, "b")
        w.clerk = h.Staff(S, w.dept, "clerk")
        w.head = h.Staff(S, w.dept, "head")
        w.admin = h.Staff(S, w.dept, "admin")
        w.gov_admin = h.Staff(S, w.gov, "admin")
        w.clerk_b = h.Staff(S, w.b, "clerk")
        w.head_b = h.Staff(S, w.b, "head")
        w.admin_b = h.Staff(S, w.b, "admin")
        # The department's request with one of each record.
        w.rid = w.clerk.register(name="机密申请人甲")
        w.no = S.psql("SELECT tracking_no FROM requests WHERE id = %d" % w.rid)
        j = w.clerk.act(w.rid, "consult", {"party": "某公司", "kind": "third_party"})
        w.consultation = j["consultations"][0]["id"]
        w.clerk.act(w.rid, "extend", {"reason": "情况复杂", "days": 5})
        j = w.clerk.act(w.rid, "appeal", {"kind": "review", "filed_on": str(h.today())})
        w.appeal = j["appeals"][0]["id"]
        w.rid2 = w.clerk.register()
        j = w.clerk.act(w.rid2, "supplement", {"what": "请补充时间范围。"})
        w.notice = j["notices"][0]["id"]
        # Agency b's own request, in the states that take those ids.
        w.rid_b = w.clerk_b.register()
        w.clerk_b.act(w.rid_b, "consult", {"party": "乙公司", "kind": "third_party"})
        w.clerk_b.act(w.rid_b, "consult", {"party": "丙公司", "kind": "third_party"})
        w.clerk_b.act(w.rid_b, "appeal", {"kind": "review", "filed_on": str(h.today())})
        w.clerk_b.act(w.rid_b, "extend", {"reason": "情况复杂", "days": 5})
        return w


class OtherAgencyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.w = W

    def setUp(self):
        self.before = snapshot()

    def tearDown(self):
        self.assertEqual(snapshot(), self.before, "a refused request changed something")

    def test_notice_by_id_and_under_ones_own_request(self):
        w = self.w
        own = w.clerk.get("/staff/requests/%d/notices/%s" % (w.rid2, w.notice))
        self.assertEqual(own.status, 200)
        for who in (w.clerk_b, w.admin_b, w.head_b):
            r = who.get("/staff/requests/%d/notices/%s" % (w.rid2, w.notice))
            self.assertEqual(r.status, 404)
            # Another agency's notice id under one's own request.
            r = who.get("/staff/requests/%d/notices/%s" % (w.rid_b, w.notice))
            self.assertEqual(r.status, 404)
            self.assertNotIn("请补充时间范围", r.text)
        # Within one agency too: a notice belongs to its own request only.
        self.assertEqual(w.clerk.get("/staff/requests/%d/notices/%s" % (w.rid, w.notice)).status, 404)

    def test_full_identity_number(self):
        w = self.w
        for who in (w.clerk_b, w.admin_b):
            token = who.token("/staff")
            r = who.post_form("/staff/requests/%d/reveal" % w.rid, {"csrf_token": token})
            self.assertEqual(r.status, 404)
            self.assertNotIn(h.VALID_ID, r.text)
            r = who.get("/api/v1/requests/%d" % w.rid)
            self.assertEqual(r.status, 404)

    def test_record_ids_of_another_request(self):
        """A consultation, appeal or extension id names a record of the
        request in the URL only."""
        w = self.w
        r = w.clerk_b.post_json("/api/v1/requests/%d/consult_answered" % w.rid_b,
                                {"consultation_id": str(w.consultation), "result": "consent"})
        self.assertIn(r.status, (409, 422), r)
        r = w.clerk_b.post_json("/api/v1/requests/%d/appeal" % w.rid_b,
                                {"appeal_id": str(w.appeal), "result": "upheld",
                                 "decided_on": str(h.today())})
        self.assertIn(r.status, (409, 422), r)
        for action in ("approve_extension", "refuse_extension"):
            r = w.head_b.post_json("/api/v1/requests/%d/%s" % (w.rid, action), {"reason": "x"})
            self.assertEqual(r.status, 404, r)
        # Assigning one's request to another agency's clerk.
        r = w.clerk_b.post_json("/api/v1/requests/%d/assign" % w.rid_b, {"to": w.clerk.username})
        self.assertIn(r.status, (404, 409, 422), r)

    def test_registering_into_another_agency(self):
        w = self.w
        body = h.applicant(channel="post", received_on=str(h.today()))
        body.pop("declaration")
        r = w.clerk_b.post_json("/api/v1/agencies/%s/requests" % w.dept, body)
        self.assertEqual(r.status, 403, r)
        self.assertEqual(w.clerk_b.get("/staff/register?agency=%s" % w.dept).status, 404)
        token = w.clerk_b.token("/staff/register")
        fields = dict(body, agency=w.dept, csrf_token=token, provision_forms="paper", obtain_methods="post")
        r = w.clerk_b.post_form("/staff/register", fields)
        self.assertEqual(r.status, 404, r)
        # A department's clerk does not register for the parent either.
        r = w.clerk.post_json("/api/v1/agencies/%s/requests" % w.gov, body)
        self.assertEqual(r.status, 403, r)

    def test_queue_search_and_page(self):
        w = self.w
        j = w.clerk_b.queue("?status=all&q=%E6%9C%BA%E5%AF%86%E7%94%B3%E8%AF%B7%E4%BA%BA%E7%94%B2")
        self.assertEqual(j["requests"], [])
        self.assertEqual(j["agency"]["code"], w.b)
        for who in (w.clerk_b, w.admin_b, w.clerk):
            r = who.get("/staff?agency=%s" % w.gov if who is w.clerk else "/staff?agency=%s" % w.dept)
            self.assertEqual(r.status, 404)
            self.assertNotIn(w.no, r.text)
        # The parent's administrator sees the department's queue.
        r = w.gov_admin.get("/staff?agency=%s&status=all" % w.dept)
        self.assertEqual(r.status, 200)
        self.assertIn(w.no, r.text)

    def test_report_page_export_and_api(self):
        w, y = self.w, year()
        paths = ["/staff/report?year=%d&agency=%s" % (y, w.dept),
                 "/staff/report?year=%d&agency=%s&format=csv" % (y, w.dept),
                 "/staff/report?year=%d&agency=%s&format=json" % (y, w.dept),
                 "/api/v1/reports/%d?agency=%s" % (y, w.dept),
                 "/api/v1/reports/%d?agency=%s&format=csv" % (y, w.dept),
                 "/staff/report/table2?year=%d&agency=%s" % (y, w.dept),
                 "/staff/report/prose?year=%d&agency=%s" % (y, w.dept)]
        for who in (w.clerk_b, w.admin_b, w.head_b):
            for path in paths:
                r = who.get(path)
                self.assertEqual(r.status, 404, "%s: %r" % (path, r))
                self.assertNotIn(w.dept, r.text.replace("agency=" + w.dept, ""))
        # A department's clerk does not see the parent's report, whose
        # tables sum the departments.
        for path in paths:
            r = w.clerk.get(path.replace(w.dept, w.gov))
            self.assertEqual(r.status, 404, "%s: %r" % (path, r))
        self.assertEqual(w.gov_admin.get(paths[1]).status, 200)

    def test_report_writes(self):
        w, y = self.w, year()
        for who in (w.head_b, w.admin_b):
            token = who.token("/staff/report")
            form = {"year": y, "agency": w.dept, "csrf_token": token}
            self.assertEqual(who.post_form("/staff/report/prose", dict(form, one="篡改")).status, 404)
            self.assertEqual(who.post_form("/staff/report/table2", dict(form, rules_issued="9")).status, 404)
            self.assertEqual(who.post_form("/staff/report/publish", form).status, 404)
            for what, body in (("prose", {"one": "篡改"}), ("table2", {"rules_issued": 9}), ("publish", {})):
                r = who.post_json("/api/v1/reports/%d/%s?agency=%s" % (y, what, w.dept),
                                  dict(body, agency=w.dept))
                self.assertEqual(r.status, 404, "%s: %r" % (what, r))
        # A clerk of the agency itself may not publish (heads and
        # administrators do).
        r = w.clerk.post_json("/api/v1/reports/%d/publish" % y, {"agency": w.dept})
        self.assertEqual(r.status, 403, r)

    def test_administration_outside_ones_scope(self):
        w = self.w
        a = w.admin_b
        token = a.token("/admin")
        r = a.post_form("/admin/users", {"username": "intruder" + secrets.token_hex(3),
                                         "display_name": "x", "role": "admin", "agency": w.dept,
                                         "csrf_token": token})
        self.assertEqual(r.status, 404, r)
        for target in (w.clerk.username, w.gov_admin.username):
            for action in ("reset", "disable"):
                r = a.post_form("/admin/users/%s/%s" % (target, action), {"csrf_token": token})
                self.assertEqual(r.status, 404, r)
                self.assertNotIn("新密码", r.text)
        self.assertNotIn(w.clerk.username, a.get("/admin").text)
        # A department's administrator does not manage the parent's.
        token = w.admin.token("/admin")
        r = w.admin.post_form("/admin/users/%s/reset" % w.gov_admin.username, {"csrf_token": token})
        self.assertEqual(r.status, 404, r)
        r = w.admin.post_form("/admin/users", {"username": "up" + secrets.token_hex(3), "display_name": "x",
                                               "role": "admin", "agency": w.gov, "csrf_token": token})
        self.assertEqual(r.status, 404, r)
        # Clerks and heads do not administer at all.
        for who in (w.clerk, w.head):
            self.assertEqual(who.get("/admin").status, 403)
            self.assertEqual(who.get("/admin/import").status, 403)
            token = who.token("/staff")
            r = who.post_form("/admin/users", {"username": "x" + secrets.token_hex(3), "display_name": "x",
                                               "role": "admin", "agency": w.dept, "csrf_token": token})
            self.assertEqual(r.status, 403, r)
            r = who.post_form("/admin/users/%s/reset" % w.clerk_b.username, {"csrf_token": token})
            self.assertEqual(r.status, 403, r)
            r = who.post_form("/admin/holidays", {"csv": "date,kind,name\n", "csrf_token": token})
            self.assertEqual(r.status, 403, r)

    def test_import_into_another_agency(self):
        w = self.w
        csv = ("agency_code,tracking_no,applicant_kind,name,channel,received_on,description,"
               "concluded_on,outcome\n%s,,person,张三,post,%s,请公开某文件,,\n" % (w.dept, h.today()))
        token = w.admin_b.token("/admin/import")
        r = w.admin_b.post_form("/admin/import", {"csv": csv, "csrf_token": token})
        self.assertEqual(r.status, 422, r)
        self.assertIn(w.dept, h.text_of(r.text))
        token = w.head.token("/staff")
        self.assertEqual(w.head.post_form("/admin/import", {"csv": csv, "csrf_token": token}).status, 403)


class CsrfTest(unittest.TestCase):
    """Every form POST: refused with 403 without a token, with another
    session's token, and (staff pages) with an anonymous visitor's token;
    nothing changes. The JSON API refuses the content types a cross-site
    form can send (415)."""

    @classmethod
    def setUpClass(cls):
        cls.w = W

    def setUp(self):
        self.before = snapshot()

    def tearDown(self):
        self.assertEqual(snapshot(), self.before, "a refused request changed something")

    def staff_forms(self):
        w, y = self.w, year()
        return [
            (w.clerk, "/staff/requests/%d/note" % w.rid, {"text": "伪造的备注"}),
            (w.clerk, "/staff/requests/%d/reply" % w.rid2, {"outcome": "disclosed", "text": "伪造答复"}),
            (w.clerk, "/staff/requests/%d/reveal" % w.rid, {}),
            (w.clerk, "/staff/register", dict(h.applicant(), channel="post", received_on=str(h.today()),
                                              provision_forms="paper", obtain_methods="post")),
            (w.clerk, "/staff/password", {"current": h.PASSWORD, "password": "new-password-1",
                                          "password_again": "new-password-1"}),
            (w.head, "/staff/report/prose", {"year": y, "agency": w.dept, "one": "伪造"}),
            (w.head, "/staff/report/table2", {"year": y, "agency": w.dept, "rules_issued": "7"}),
            (w.head, "/staff/report/publish", {"year": y, "agency": w.dept}),
            (w.admin, "/admin/users", {"username": "csrf" + secrets.token_hex(3), "display_name": "x",
                                       "role": "admin", "agency": w.dept}),
            (w.admin, "/admin/users/%s/reset" % w.clerk.username, {}),
            (w.admin, "/admin/users/%s/disable" % w.clerk.username, {}),
            (w.admin, "/admin/holidays", {"csv": "date,kind,name\n%d-12-31,holiday,伪造\n" % y}),
            (w.admin, "/admin/import", {"csv": "agency_code,tracking_no,applicant_kind,name,channel,"
                                        "received_on,description,concluded_on,outcome\n%s,,person,x,post,"
                                        "%s,请公开某文件,,\n" % (w.dept, h.today())}),
            (w.clerk, "/staff/logout", {}),
        ]

    def test_staff_forms(self):
        w = self.w
        anon = h.Client(S)
        anon_token = anon.token("/staff/login")
        for who, path, fields in self.staff_forms():
            other = w.clerk_b if who is not w.clerk_b else w.clerk
            for label, token, extra_cookies in (
                    ("no token", None, {}), ("empty token", "", {}),
                    ("another session's token", other.token("/staff"), {}),
                    ("the anonymous token", anon_token, anon.cookies),
                    ("a token of the right length", "0" * len(who.token("/staff")), {})):
                f = dict(fields)
                if token is not None:
                    f["csrf_token"] = token
                saved = dict(who.cookies)
                who.cookies.update(extra_cookies)
                r = who.s.post_form(path, f, headers=who.headers())
                who.cookies = saved
                self.assertEqual(r.status, 403, "%s with %s: %r" % (path, label, r))
                self.assertIn("text/html", r.header("Content-Type"))
        # Still signed in (the forged sign-out did nothing).
        self.assertEqual(w.clerk.get("/api/v1/session").status, 200)

    def test_public_forms(self):
        _, no, code = h.submit_online(S, self.w.dept)
        self.before = snapshot()
        a, b = h.Client(S), h.Client(S)
        token_b = b.token("/status")
        a.token("/status")
        forms = [("/apply/%s" % self.w.dept, dict(h.applicant(), submit_token=secrets.token_urlsafe(16),
                                                    provision_forms="paper", obtain_methods="post",
                                                    declaration="true", privacy_consent="true")),
                 ("/status", {"tracking_no": no, "query_code": code}),
                 ("/status/supplement", {"tracking_no": no, "query_code": code, "text": "伪造的补正"}),
                 ("/status/withdraw", {"tracking_no": no, "query_code": code, "confirm": "yes"}),
                 ("/staff/login", {"username": self.w.clerk.username, "password": h.PASSWORD})]
        for path, fields in forms:
            for label, token in (("no token", None), ("empty token", ""), ("another browser's token", token_b)):
                f = dict(fields)
                if token is not None:
                    f["csrf_token"] = token
                r = S.post_form(path, f, headers=a.headers())
                self.assertEqual(r.status, 403, "%s with %s: %r" % (path, label, r))
                self.assertNotIn("ysqgk_session=", r.header("Set-Cookie") or "")
        # A session's token does not stand in for a missing anonymous cookie.
        r = S.post_form("/status", {"tracking_no": no, "query_code": code,
                                    "csrf_token": self.w.clerk.token("/staff")})
        self.assertEqual(r.status, 403)
        self.assertEqual(S.psql("SELECT status FROM requests WHERE tracking_no = '%s'" % no), "submitted")

    def test_api_refuses_what_a_cross_site_form_can_send(self):
        w = self.w
        routes = [("/api/v1/requests/%d/note" % w.rid, {"text": "伪造"}),
                  ("/api/v1/requests/%d/reply" % w.rid2, {"outcome": "disclosed", "text": "伪造"}),
                  ("/api/v1/reports/%d/prose" % year(), {"agency": w.dept, "one": "伪造"}),
                  ("/api/v1/agencies/%s/requests" % w.dept,
                   dict(h.applicant(), channel="post", received_on=str(h.today())))]
        for path, body in routes:
            for ctype, data in (("text/plain", json.dumps(body)),
                                ("application/x-www-form-urlencoded",
                                 "&".join("%s=%s" % (k, v) for k, v in body.items() if isinstance(v, str))),
                                ("multipart/form-data; boundary=b",
                                 "--b\r\nContent-Disposition: form-data; name=\"text\"\r\n\r\nx\r\n--b--\r\n")):
                r = S.request("POST", path, body=data,
                              headers={"Content-Type": ctype, "Cookie": "; ".join(
                                  "%s=%s" % kv for kv in w.head.cookies.items())})
                self.assertIn(r.status, (403, 415), "%s as %s: %r" % (path, ctype, r))


class SessionFixationTest(unittest.TestCase):
    """A session cookie set by an attacker before sign-in never becomes the
    signed-in session: sign-in always issues a new token."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "fix")

    def session_cookie(self, r):
        for k, v in r.headers:
            if k.lower() == "set-cookie" and v.startswith("ysqgk_session="):
                return v.split(";")[0].split("=", 1)[1]
        return None

    def test_planted_token_through_the_form(self):
        user = h.add_user(S, self.agency)
        planted = secrets.token_urlsafe(32)[:43]
        victim = h.Client(S)
        victim.cookies["ysqgk_session"] = planted
        page = victim.get("/staff/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = victim.post_form("/staff/login", {"username": user, "password": h.PASSWORD, "csrf_token": token})
        self.assertEqual(r.status, 303)
        issued = self.session_cookie(r)
        self.assertIsNotNone(issued, "sign-in set no new session cookie")
        self.assertNotEqual(issued, planted)
        self.assertEqual(victim.get("/api/v1/session").json()["staff"]["username"], user)
        attacker = S.get("/api/v1/session", headers={"Cookie": "ysqgk_session=" + planted})
        self.assertEqual(attacker.status, 401)
        # The signed-in forms carry the session's token, not the one of
        # the page before sign-in.
        self.assertNotEqual(victim.token("/staff"), token)

    def test_planted_token_through_the_api(self):
        user = h.add_user(S, self.agency)
        planted = "A" * 43
        r = S.post_json("/api/v1/session", {"username": user, "password": h.PASSWORD},
                        headers={"Cookie": "ysqgk_session=" + planted})
        self.assertEqual(r.status, 200)
        self.assertNotEqual(self.session_cookie(r), planted)
        self.assertEqual(S.get("/api/v1/session", headers={"Cookie": "ysqgk_session=" + planted}).status, 401)

    def test_attackers_own_session_planted(self):
        """The attacker signs in and plants their own cookie: the victim's
        sign-in opens the victim's own session; the attacker's stays the
        attacker's (it is not raised to the victim's account)."""
        attacker_user = h.add_user(S, self.agency)
        victim_user = h.add_user(S, self.agency, role="head")
        attacker = h.Staff(S, self.agency, username=attacker_user)
        planted = attacker.cookies["ysqgk_session"]
        victim = h.Client(S)
        victim.cookies["ysqgk_session"] = planted
        r = victim.post_json("/api/v1/session", {"username": victim_user, "password": h.PASSWORD})
        self.assertEqual(r.status, 200)
        self.assertNotEqual(victim.cookies["ysqgk_session"], planted)
        self.assertEqual(victim.get("/api/v1/session").json()["staff"]["username"], victim_user)
        j = S.get("/api/v1/session", headers={"Cookie": "ysqgk_session=" + planted}).json()
        self.assertEqual(j["staff"]["username"], attacker_user)
        self.assertEqual(j["staff"]["role"], "clerk")

    def test_each_sign_in_issues_a_new_token(self):
        user = h.add_user(S, self.agency)
        tokens = set()
        for _ in range(3):
            r = S.post_json("/api/v1/session", {"username": user, "password": h.PASSWORD})
            tokens.add(self.session_cookie(r))
        self.assertEqual(len(tokens), 3)
        self.assertEqual(S.psql("SELECT count(DISTINCT csrf_token) FROM sessions s JOIN staff t"
                                " ON t.id = s.staff_id WHERE t.username = '%s'" % user), "3")


if __name__ == "__main__":
    unittest.main()
