"""Each worker keeps copies of what rarely changes — the agencies, the
holiday calendar, a staff member's session — and the database tells every
worker of a change (sql/030, NOTIFY): issue 17. These tests warm every
worker's copies with requests side by side, change the table from outside
the app (psql, the command line), and expect every worker to answer with
the change at once, with no waiting. On a stack of its own."""

import os
import re
import tempfile
import unittest

import test_citizen_helpers as ch
import test_staff_common as h

S = None
SIDE_BY_SIDE = 24      # more than the app's 8 workers: each one serves some


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def on_every_worker(fn):
    results = h.parallel(SIDE_BY_SIDE, lambda i: fn())
    for r in results:
        if isinstance(r, Exception):
            raise r
    return results


class AgencyCopiesTest(unittest.TestCase):
    def test_a_renamed_agency_shows_at_once_on_home_and_form(self):
        code = h.new_agency(S, "copy")
        for r in on_every_worker(lambda: S.get("/")):
            self.assertIn("测试局" + code, r.text)
        for r in on_every_worker(lambda: S.get("/apply/" + code)):
            self.assertIn("测试局" + code, r.text)
        S.psql("UPDATE agencies SET name = '改名后的局%s' WHERE code = '%s'" % (code, code))
        for r in on_every_worker(lambda: S.get("/")):
            self.assertIn("改名后的局" + code, r.text)
            self.assertNotIn("测试局" + code, r.text)
        for r in on_every_worker(lambda: S.get("/apply/" + code)):
            self.assertIn("改名后的局" + code, r.text)

    def test_an_agency_that_stops_accepting_says_so_at_once(self):
        code = h.new_agency(S, "shut")
        body = dict(h.applicant(), privacy_consent=True)
        on_every_worker(lambda: S.get("/apply/" + code))
        S.psql("UPDATE agencies SET accepting = false WHERE code = '%s'" % code)
        for r in on_every_worker(lambda: S.post_json("/api/v1/agencies/%s/requests" % code, body)):
            self.assertNotEqual(r.status, 201, r)
        self.assertEqual(S.psql("SELECT count(*) FROM requests r JOIN agencies a ON a.id = r.agency_id"
                                " WHERE a.code = '%s'" % code), "0")


TOKENS = re.compile(r'(name="(?:csrf|submit)_token" value=")([^"]*)"')


def tokens_of(page):
    return dict((m.group(1), m.group(2)) for m in TOKENS.finditer(page))


def without_tokens(page):
    return TOKENS.sub(r'\1"', page)


class RenderedFormCopiesTest(unittest.TestCase):
    """The blank apply form is kept rendered by each worker (web/page_cache)
    with only its two tokens filled in per visit."""

    def test_each_visitor_gets_fresh_tokens_in_the_same_page(self):
        code = h.new_agency(S, "form")
        pages = [r.text for r in on_every_worker(lambda: S.get("/apply/%s?type=person" % code))]
        self.assertEqual({without_tokens(p) for p in pages}, {without_tokens(pages[0])})
        csrf = [tokens_of(p)['name="csrf_token" value="'] for p in pages]
        submit = [tokens_of(p)['name="submit_token" value="'] for p in pages]
        self.assertEqual(len(set(csrf)), len(pages))      # each a cookie of its own
        self.assertEqual(len(set(submit)), len(pages))
        self.assertNotIn("\x01", "".join(pages))         # no placeholder left

    def test_a_kept_page_posts(self):
        code = h.new_agency(S, "fpost")
        on_every_worker(lambda: S.get("/apply/" + code))
        for _ in range(3):
            no, query_code = ch.Client(S).apply(code, ch.person())
            self.assertTrue(no and query_code)

    def test_each_address_and_display_has_its_own_page(self):
        code = h.new_agency(S, "fview")
        for _ in range(2):
            person = S.get("/apply/%s?type=person" % code).text
            org = S.get("/apply/%s?type=org" % code).text
            large = S.get("/apply/%s?type=person" % code,
                          headers={"Cookie": "display=large"}).text
            self.assertIn('name="id_type"', person)
            self.assertNotIn("统一社会信用代码", person)
            self.assertIn("统一社会信用代码", org)
            self.assertNotEqual(without_tokens(large), without_tokens(person))
            self.assertIn('class="display-large"', large)
            self.assertNotIn('class="display-large"', person)


class SessionCopiesTest(unittest.TestCase):
    def setUp(self):
        self.agency = h.new_agency(S, "sess")
        self.staff = h.Staff(S, self.agency)

    def session_statuses(self):
        return {r.status for r in on_every_worker(
            lambda: S.get("/api/v1/session", headers=self.staff.headers()))}

    def test_a_disabled_account_is_out_at_once(self):
        self.assertEqual(self.session_statuses(), {200})
        r = S.ysqgk("user", "disable", self.staff.username)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.session_statuses(), {401})

    def test_a_signed_out_session_is_out_at_once(self):
        self.assertEqual(self.session_statuses(), {200})
        r = S.request("DELETE", "/api/v1/session", headers=self.staff.headers())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.session_statuses(), {401})

    def test_a_reset_password_ends_the_sessions_at_once(self):
        self.assertEqual(self.session_statuses(), {200})
        r = S.ysqgk("user", "reset-password", self.staff.username, input="Ein-neues-Passwort-2026\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn(200, self.session_statuses())


class RequestFormCopiesTest(unittest.TestCase):
    """The request page's forms list its agency's clerks and heads, its
    reply phrases and the agencies it may be transferred to, from each
    worker's copies of those three reads: a change shows at once."""

    def setUp(self):
        self.agency = h.new_agency(S, "rf")
        self.clerk = h.Staff(S, self.agency)
        self.rid = self.clerk.register()

    def pages(self):
        return [r.text for r in on_every_worker(
            lambda: S.get("/staff/requests/%d" % self.rid, headers={
                "Cookie": self.clerk.headers()["Cookie"]}))]

    def agency_id(self):
        return S.psql("SELECT id FROM agencies WHERE code = '%s'" % self.agency)

    def test_a_new_phrase_shows_at_once(self):
        for page in self.pages():
            self.assertNotIn("新增的常用语", page)
        S.psql("INSERT INTO reply_phrases (agency_id, name, body) VALUES (%s, '新增的常用语', '正文')"
               % self.agency_id())
        for page in self.pages():
            self.assertIn("新增的常用语", page)
        S.psql("DELETE FROM reply_phrases WHERE agency_id = %s" % self.agency_id())
        for page in self.pages():
            self.assertNotIn("新增的常用语", page)

    def test_a_new_or_disabled_clerk_shows_at_once(self):
        colleague = h.add_user(S, self.agency, name="新来的同事")
        for page in self.pages():
            self.assertIn("新来的同事", page)
        r = S.ysqgk("user", "disable", colleague)
        self.assertEqual(r.returncode, 0, r.stderr)
        for page in self.pages():
            self.assertNotIn("新来的同事", page)

    def test_a_new_agency_of_the_government_is_offered_at_once(self):
        self.pages()
        sibling = h.new_agency(S, "rfs")
        # new_agency's are top-level: put it under the request's root.
        S.psql("UPDATE agencies SET parent_id = %s WHERE code = '%s'" % (self.agency_id(), sibling))
        for page in self.pages():
            self.assertIn("测试局" + sibling, page)
        S.psql("UPDATE agencies SET accepting = false WHERE code = '%s'" % sibling)
        for page in self.pages():
            self.assertNotIn("测试局" + sibling, page)


class CalendarCopiesTest(unittest.TestCase):
    def test_an_imported_holiday_counts_at_once_on_every_worker(self):
        agency = h.new_agency(S, "cal")
        clerk = h.Staff(S, agency)
        today = str(h.today())
        rid = clerk.register()

        def due_dates():
            return {clerk.get("/api/v1/requests/%d" % rid, json_=True).json()["deadline"]["due_on"]
                    for _ in range(1)}

        # Every worker loads its calendar (the request page counts the
        # working days with it).
        self.assertEqual(set().union(*on_every_worker(due_dates)), {h.workdays_add(S, today, 20)})
        day = next(d for d in (h.workdays_add(S, today, n) for n in range(1, 20))
                   if S.psql("SELECT count(*) FROM holidays WHERE day = '%s'" % d) == "0")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("date,kind,name\n%s,holiday,测试假日\n" % day)
        try:
            r = S.ysqgk("holidays", "import", f.name)
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            os.unlink(f.name)
        # One working day later, on every worker at once.
        later = h.workdays_add(S, today, 20)
        self.assertNotIn(day, (today, later))
        self.assertEqual(set().union(*on_every_worker(due_dates)), {later})


if __name__ == "__main__":
    unittest.main()
