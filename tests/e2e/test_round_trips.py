"""Round trips to the database per page (issue 17), read from the
Server-Timing header the app sends with `server_timing = on` (the test
stack's setting, deploy/dev-stack.sh): `db;desc="rt=N st=M";dur=MS`.

On a stack of its own with one worker thread, so that the worker's copies
(the session, the agencies, the calendar: core/read_cache.h) warmed by
one request serve the next: a page is measured the second time it is
asked for, as it is under load."""

import re
import unittest

import stack
import test_staff_common as h
import test_uploads as up

S = None
TIMING = re.compile(r'^db;desc="rt=(\d+) st=(\d+)";dur=(\d+\.\d{3})$')


def setUpModule():
    global S
    S = stack.Stack(env={"RATE_LIMITS": "off", "THREADS": "1"}).start()
    up.S = S        # its uploader's helpers use the module's stack


def tearDownModule():
    S.stop()


def db_use(r):
    """(round trips, statements, ms) of a response's Server-Timing."""
    value = r.header("Server-Timing")
    assert value, "no Server-Timing header: %r" % r
    m = TIMING.match(value)
    assert m, "Server-Timing not as expected: %r" % value
    return int(m.group(1)), int(m.group(2)), float(m.group(3))


def round_trips(fetch):
    """The fewest round trips of three fetches after a first that warms the
    worker's copies, with the statements and that response. The fewest: a
    staff session's copy lasts SESSION_COPY_SECONDS (web/auth.c), so one of
    the fetches may read it afresh (and write its idle time back)."""
    first = fetch()
    assert first.status == 200, first
    best = None
    for _ in range(3):
        r = fetch()
        assert r.status == 200, r
        rt, st, _ = db_use(r)
        if best is None or rt < best[0]:
            best = (rt, st, r)
    return best




class ServerTimingTest(unittest.TestCase):
    def test_healthz_is_one_statement_in_one_round_trip(self):
        rt, st, ms = db_use(S.get("/healthz"))
        self.assertEqual((rt, st), (1, 1))
        self.assertGreater(ms, 0)

    def test_a_page_without_the_database_says_none(self):
        rt, st, ms = db_use(S.get("/healthz/live"))
        self.assertEqual((rt, st, ms), (0, 0, 0.0))

    def test_every_answer_has_it_errors_too(self):
        self.assertIsNotNone(S.get("/no-such-page").header("Server-Timing"))

    def test_off_there_is_none(self):
        """Production's default: the header tells how a page works inside."""
        S.set_setting("server_timing", "off")
        try:
            self.assertIsNone(S.get("/healthz").header("Server-Timing"))
            self.assertIsNone(S.get("/").header("Server-Timing"))
        finally:
            S.set_setting("server_timing", "on")
        self.assertIsNotNone(S.get("/healthz").header("Server-Timing"))


class RequestPageTest(unittest.TestCase):
    """The staff request page and its API in one round trip, whatever the
    request's state shows (issue 17)."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "rt")
        cls.clerk = up.StaffUploader(S, cls.agency)
        cls.head = h.Staff(S, cls.agency, "head")

    def assert_one_round_trip(self, staff, rid):
        for path, json_ in (("/staff/requests/%d" % rid, False),
                            ("/api/v1/requests/%d" % rid, True)):
            rt, st, r = round_trips(lambda: staff.get(path, json_=json_))
            self.assertEqual(rt, 1, "%s: %d round trips, %d statements" % (path, rt, st))
            # The page's twelve reads of the request; the forms' choices
            # (the agency's staff, phrases, transfer choices) are the
            # worker's copies, as the API that has no forms.
            self.assertEqual(st, 12, "%s: %d statements" % (path, st))

    def test_a_new_online_request(self):
        rid, _, _ = h.submit_online(S, self.agency)
        self.assert_one_round_trip(self.clerk, rid)

    def test_a_request_asked_for_a_supplement(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "supplement", {"what": "请写明文件的名称"})
        self.assert_one_round_trip(self.clerk, rid)

    def test_an_extension_awaiting_approval(self):
        rid = self.clerk.register()
        self.clerk.act(rid, "extend", {"reason": "情况复杂", "days": 5})
        self.assert_one_round_trip(self.clerk, rid)
        self.assert_one_round_trip(self.head, rid)     # with 审批 at the top

    def test_a_reply_with_files(self):
        rid = self.clerk.register()
        fid = self.clerk.upload(rid, "公开的文件.pdf", up.pdf(3000))["id"]
        self.clerk.act(rid, "reply", {"outcome": "disclosed", "text": "现将所申请的信息提供给您。",
                                      "files": [fid]})
        self.assert_one_round_trip(self.clerk, rid)

    def test_by_tracking_number_one_more(self):
        """A tracking number typed into the address (the app's own links
        name the id) is looked up first: the page's reads need the id."""
        rid, no, _ = h.submit_online(S, self.agency)
        rt, st, r = round_trips(lambda: self.clerk.get("/staff/requests/" + no.upper()))
        self.assertEqual(rt, 2, "%d round trips, %d statements" % (rt, st))
        self.assertIn(no, r.text)


class OtherPagesTest(unittest.TestCase):
    """The pages issue 17 made one round trip stay so."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "rq")
        cls.clerk = h.Staff(S, cls.agency)

    def test_the_status_look_up(self):
        # One look-up of the agency's first, to warm the worker's copy of
        # the agency; the second request's first look-up is measured.
        for _ in range(2):
            rid, no, code = h.submit_online(S, self.agency)
            r = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code})
            self.assertEqual(r.status, 200, r)
        rt, st, _ = db_use(r)
        self.assertEqual(rt, 1, "%d round trips, %d statements" % (rt, st))
        # The request found with the address's limiter state in one
        # statement; the request's row with its 补正 and its choices; its
        # events, notices and files. The agency is the worker's copy.
        self.assertEqual(st, 5, "%d statements" % st)
        # Asked again, the worker's copy of the answer (StatusCopyTest).
        rt, st, _ = round_trips(lambda: S.post_json("/api/v1/status",
                                                    {"tracking_no": no, "query_code": code}))
        self.assertEqual((rt, st), (1, 1))

    def test_the_queue(self):
        h.submit_online(S, self.agency)
        for path, json_ in (("/staff", False), ("/api/v1/requests", True)):
            rt, st, _ = round_trips(lambda: self.clerk.get(path, json_=json_))
            self.assertEqual(rt, 1, "%s: %d round trips, %d statements" % (path, rt, st))


class StatusCopyTest(unittest.TestCase):
    """The worker keeps a look-up's JSON answer and gives it again only
    while the look-up's own statement proves the page unchanged
    (web/page_cache.h; CITIZEN_LOOKUP_FIND's page_version, sql/043). Each
    change below must show at the very next look-up."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "sc")
        cls.clerk = up.StaffUploader(S, cls.agency)

    def setUp(self):
        self.rid, self.no, self.code = h.submit_online(S, self.agency)

    def look_up(self):
        r = S.post_json("/api/v1/status", {"tracking_no": self.no, "query_code": self.code})
        self.assertEqual(r.status, 200, r)
        return db_use(r)[:2], r.json()

    def assert_kept(self):
        """The answer as it is now, after checking the next one is the copy."""
        _, page = self.look_up()
        use, again = self.look_up()
        self.assertEqual(use, (1, 1), "not served from the copy")
        self.assertEqual(again, page)
        return page

    def assert_changed(self):
        """The next answer is read afresh (the copy was not current)."""
        (rt, st), page = self.look_up()
        self.assertEqual((rt, st), (2, 5), "the look-up, then the page's reads")
        return page

    def test_a_copy_serves_only_as_it_was(self):
        first = self.assert_kept()
        self.assertEqual(first["status"], "submitted")

    def test_a_staff_step_event_and_row(self):
        self.assert_kept()
        self.clerk.act(self.rid, "confirm")
        self.assertNotEqual(self.assert_changed()["status"], "submitted")

    def test_a_supplement_changed_without_an_event(self):
        self.clerk.act(self.rid, "confirm")
        self.clerk.act(self.rid, "supplement", {"what": "请写明时间范围。"})
        self.assertEqual(self.assert_kept()["supplement"]["what"], "请写明时间范围。")
        # sql/043's trigger, not the workflow, must say the page changed.
        S.psql("UPDATE supplements SET what = '请写明文号。' WHERE request_id = %d" % self.rid)
        self.assertEqual(self.assert_changed()["supplement"]["what"], "请写明文号。")

    def test_notices_and_files_changed_without_an_event(self):
        self.clerk.act(self.rid, "confirm")
        fid = self.clerk.upload(self.rid, "公开的文件.pdf", up.pdf(3000))["id"]
        self.clerk.act(self.rid, "reply", {"outcome": "disclosed", "text": "所申请的信息见附件。",
                                           "files": [fid]})
        page = self.assert_kept()
        self.assertTrue(page["notices"])
        self.assertEqual(len(page["released_files"]), 1)
        S.psql("UPDATE notices SET visible_to_applicant = false WHERE request_id = %d" % self.rid)
        self.assertEqual(self.assert_changed()["notices"], [])
        self.assert_kept()
        S.psql("INSERT INTO files (agency_id, request_id, sha256, display_name, kind, mime,"
               " purpose) SELECT agency_id, request_id, sha256, '又一份.pdf', kind, mime,"
               " 'reply' FROM files WHERE id = %d" % fid)
        self.assertEqual(len(self.assert_changed()["released_files"]), 2)

    def test_the_agency_changed(self):
        self.assert_kept()
        S.psql("UPDATE agencies SET office_phone = '0571-87000000' WHERE code = '%s'"
               % self.agency)
        (rt, st), page = self.look_up()
        self.assertEqual(page["agency"]["office_phone"], "0571-87000000")


class QueueCopyTest(unittest.TestCase):
    """The worker keeps each queue page it gave and gives it again only
    while the agency's queue version, read first, is the one it was made
    at (web/page_cache.h; sql/044). Each change below must show at the
    very next view, and only the agency's own changes end its copies."""

    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "qc")
        cls.clerk = h.Staff(S, cls.agency)
        cls.other = h.new_agency(S, "qo")

    def view(self, staff, json_=False, query=""):
        r = staff.get(("/api/v1/requests" if json_ else "/staff") + query, json_=json_)
        self.assertEqual(r.status, 200, r)
        return db_use(r)[:2], r

    def assert_kept(self, staff, json_=False, query=""):
        """The page as it is now, after checking the next view is the copy."""
        _, page = self.view(staff, json_, query)
        use, again = self.view(staff, json_, query)
        self.assertEqual(use, (1, 1), "not served from the copy")
        self.assertEqual(again.body, page.body)
        self.assertEqual(again.header("Content-Type"), page.header("Content-Type"))
        return again.json() if json_ else again.text

    def assert_changed(self, staff, json_=False, query=""):
        (rt, st), page = self.view(staff, json_, query)
        self.assertGreater(st, 1, "served from the copy after a change")
        return page.json() if json_ else page.text

    def rows(self, page):
        return {r["id"]: r for r in page["requests"]}

    def test_html_and_json_each_kept_and_the_form_token_is_the_sessions(self):
        h.submit_online(S, self.agency)
        for json_ in (False, True):
            page = self.assert_kept(self.clerk, json_)
        html_page = self.assert_kept(self.clerk)
        self.assertIn(self.clerk.token("/staff"), html_page)
        # Another member of the agency has a copy of their own.
        other = h.Staff(S, self.agency)
        self.assertIn(other.token("/staff"), self.assert_kept(other))
        self.assertNotIn(other.token("/staff"), self.assert_kept(self.clerk))

    def test_a_submission_a_step_and_a_row_changed_by_hand(self):
        self.assert_kept(self.clerk, True)
        rid, _, _ = h.submit_online(S, self.agency)
        self.assertIn(rid, self.rows(self.assert_changed(self.clerk, True)))
        self.assert_kept(self.clerk, True)
        self.clerk.act(rid, "confirm")
        self.assertEqual(self.rows(self.assert_changed(self.clerk, True))[rid]["status"],
                         "in_progress")
        self.assert_kept(self.clerk, True)
        S.psql("UPDATE requests SET name = '改过的名字' WHERE id = %d" % rid)
        self.assertEqual(self.rows(self.assert_changed(self.clerk, True))[rid]["name"],
                         "改过的名字")

    def test_another_agencys_change_keeps_the_copy(self):
        self.assert_kept(self.clerk, True)
        h.submit_online(S, self.other)
        (rt, st), _ = self.view(self.clerk, True)
        self.assertEqual((rt, st), (1, 1))

    def test_a_proposed_extension_waits_in_the_heads_count(self):
        head = h.Staff(S, self.agency, "head")
        rid = self.clerk.register()
        before = self.assert_kept(head, True)["counts"]["awaiting_approval"]
        self.clerk.act(rid, "extend", {"reason": "情况复杂", "days": 5})
        self.assertEqual(self.assert_changed(head, True)["counts"]["awaiting_approval"],
                         before + 1)

    def test_a_step_in_a_transaction_that_fails_changes_nothing(self):
        """The version is counted at the commit: a step refused by the
        rules leaves the copy as it was."""
        rid, _, _ = h.submit_online(S, self.agency)
        self.clerk.act(rid, "confirm")
        self.assert_kept(self.clerk, True)
        self.clerk.act(rid, "confirm", expect=409)
        (rt, st), _ = self.view(self.clerk, True)
        self.assertEqual((rt, st), (1, 1))


class CopyBudgetTest(unittest.TestCase):
    """A thread keeps at most PAGE_CACHE_BYTES (1 MB) of copies, whatever
    their number (web/page_cache.h): the least recently used go first."""

    def test_the_oldest_copy_goes_past_a_megabyte(self):
        agency = h.new_agency(S, "cb")
        clerk = h.Staff(S, agency)
        for _ in range(50):
            h.submit_online(S, agency)
        size = len(clerk.get("/staff?view=0").body)
        self.assertGreater(size, 20000, "a page too small to fill the budget")
        pages = 1024 * 1024 // size + 2
        self.assertLess(pages, 64, "the entries, not the bytes, would bound it")
        for i in range(pages):
            clerk.get("/staff?view=%d" % i)
        # The newest is kept; the first went to make room.
        r = clerk.get("/staff?view=%d" % (pages - 1))
        self.assertEqual(db_use(r)[1], 1)
        r = clerk.get("/staff?view=0")
        self.assertGreater(db_use(r)[1], 1)


class SubmissionTest(unittest.TestCase):
    """A submission is one transaction, however its statements travel
    (issue 17 sends several in one round trip): a statement that fails in
    the last round trip before the COMMIT leaves nothing behind."""

    def test_a_failure_in_the_commits_round_trip_rolls_everything_back(self):
        agency = h.new_agency(S, "rf")
        clerk = h.add_user(S, agency)
        r = S.ysqgk("user", "set", clerk, "--email", "clerk@example.com")
        self.assertEqual(r.returncode, 0, r.stderr)
        S.get("/apply/" + agency)
        # The clerks' alert is the last statement before the COMMIT.
        S.psql("CREATE FUNCTION test_fail_alert() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
               " IF NEW.kind = 'new_submission' THEN RAISE EXCEPTION 'alert refused for the test';"
               " END IF; RETURN NEW; END $$;"
               " CREATE TRIGGER test_fail_alert BEFORE INSERT ON messages"
               " FOR EACH ROW EXECUTE FUNCTION test_fail_alert()")
        try:
            r = S.post_json("/api/v1/agencies/%s/requests" % agency, h.applicant())
            self.assertIn(r.status, (500, 503), r)      # nothing saved, try again
        finally:
            S.psql("DROP TRIGGER test_fail_alert ON messages; DROP FUNCTION test_fail_alert()")
        self.assertIn("alert refused for the test", S.logs("app.log"))
        self.assertEqual(S.psql("SELECT count(*) FROM requests r JOIN agencies a"
                                " ON a.id = r.agency_id WHERE a.code = '%s'" % agency), "0")
        self.assertEqual(S.psql("SELECT count(*) FROM messages m JOIN staff s ON s.id = m.staff_id"
                                " WHERE s.username = '%s'" % clerk), "0")
        # The connection is usable again, and the number was given back.
        r = S.post_json("/api/v1/agencies/%s/requests" % agency, h.applicant())
        self.assertEqual(r.status, 201, r)
        self.assertTrue(r.json()["tracking_no"].endswith("-000001"), r.json())
        self.assertEqual(S.psql("SELECT count(*) FROM messages m JOIN staff s ON s.id = m.staff_id"
                                " WHERE s.username = '%s'" % clerk), "1")


if __name__ == "__main__":
    unittest.main()
