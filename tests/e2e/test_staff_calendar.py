"""Working days and deadlines from the command line: `ysqgk workdays add`
(hand-worked across Spring Festival, National Day, 调休 weekends and a year
end), `ysqgk deadlines` (the daily list, and closing requests whose 补正 or
fee period has passed), `ysqgk holidays import` and the admin page (open
requests follow a calendar change), and `ysqgk audit verify` finding a
broken hash chain. On a stack of its own."""

import datetime
import re
import tempfile
import unittest

import stack
import test_staff_common as h

S = None


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


class WorkdaysCommandTest(unittest.TestCase):
    def test_hand_worked_cases(self):
        cases = [
            # Fri 27 Sep 2024 + 20: Sun 29 Sep worked, 1-7 Oct off, Sat 12 Oct
            # worked: 29, 30 Sep, 8-12, 14-18, 21-25, 28-30 Oct.
            ("2024-09-27", 20, "2024-10-30"),
            # The day after is the worked Sunday.
            ("2024-09-27", 1, "2024-09-29"),
            # Thu 8 Feb 2024 + 3: Fri 9th, 10-17 off, Sun 18th worked, Mon 19th.
            ("2024-02-08", 3, "2024-02-19"),
            # Fri 24 Jan 2025 + 5: Sun 26th worked, Mon 27th, 28 Jan-4 Feb off,
            # 5, 6, 7 Feb.
            ("2025-01-24", 5, "2025-02-07"),
            # Year end: Fri 27 Dec 2024 + 5: 30, 31 Dec, 1 Jan off, 2, 3, 6 Jan.
            ("2024-12-27", 5, "2025-01-06"),
            # Thu 28 Sep 2023 + 1: 29 Sep-6 Oct off, Sat 7 Oct worked.
            ("2023-09-28", 1, "2023-10-07"),
            # Backwards from Mon 19 Feb 2024: Sun 18 (worked), 10-17 off,
            # Fri 9, Thu 8, Wed 7, Tue 6.
            ("2024-02-19", -5, "2024-02-06"),
            ("2024-05-06", 0, "2024-05-06"),
        ]
        for start, n, want in cases:
            with self.subTest(start=start, n=n):
                r = S.ysqgk("workdays", "add", start, str(n))
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stdout.strip(), want)

    def test_misuse_and_uncovered_years(self):
        self.assertEqual(S.ysqgk("workdays", "add", "2024-02-30", "1").returncode, 2)
        self.assertEqual(S.ysqgk("workdays", "add", "2024-02-01", "x").returncode, 2)
        self.assertEqual(S.ysqgk("workdays").returncode, 2)
        r = S.ysqgk("workdays", "add", "2090-06-01", "3")
        self.assertEqual(r.returncode, 0)
        self.assertIn("no holiday schedule for 2090", r.stderr)


class DeadlinesCommandTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.agency = h.new_agency(S, "dl")
        cls.clerk = h.Staff(S, cls.agency)

    def tracking(self, rid):
        return S.psql("SELECT tracking_no FROM requests WHERE id = %d" % rid)

    def test_expired_supplement_and_fee_are_closed(self):
        supp = self.clerk.register()
        self.clerk.act(supp, "supplement", {"what": "请写明文件名称"})
        fee = self.clerk.register(h.today() - datetime.timedelta(days=10))
        self.clerk.act(fee, "fee_notice", {"method": "per_page", "pages": 50})
        waiting = self.clerk.register()
        self.clerk.act(waiting, "supplement", {"what": "请写明年份"})
        # Their periods ended yesterday.
        S.psql("UPDATE supplements SET asked_on = {today} - 10, answer_by = {today} - 1"
               " WHERE request_id = {rid}".format(today=stack.TODAY_SQL, rid=supp))
        S.psql("UPDATE fees SET notice_on = {today} - 10, pay_by = {today} - 2"
               " WHERE request_id = {rid}".format(today=stack.TODAY_SQL, rid=fee))
        r = S.ysqgk("deadlines")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("closed %s: other_no_supplement" % self.tracking(supp), r.stdout)
        self.assertIn("closed %s: other_no_fee" % self.tracking(fee), r.stdout)
        self.assertNotIn(self.tracking(waiting) + ": other", r.stdout)
        today = h.today()
        self.assertEqual(h.row(S, supp, "status, outcome, concluded_on"),
                         {"status": "closed", "outcome": "other_no_supplement",
                          "concluded_on": str(today)})
        self.assertEqual(h.row(S, fee, "status, outcome, concluded_on"),
                         {"status": "closed", "outcome": "other_no_fee",
                          "concluded_on": str(today - datetime.timedelta(days=1))})
        self.assertEqual(h.events(S, supp)[-1], "supplement_expired")
        self.assertEqual(S.psql("SELECT actor_kind FROM request_events WHERE request_id = %d"
                                " ORDER BY seq DESC LIMIT 1" % fee), "system")
        body = S.psql("SELECT body FROM notices WHERE request_id = %d AND kind = 'other'" % supp)
        self.assertIn("第三十条", body)
        self.assertEqual(S.psql("SELECT state FROM fees WHERE request_id = %d" % fee), "expired")
        # Run again: nothing more to close, the request stays closed.
        r = S.ysqgk("deadlines")
        self.assertNotIn("closed", r.stdout.split("\n")[0])
        self.assertEqual(h.events(S, supp).count("supplement_expired"), 1)
        # A late supplement needs its good reason (Art. 30; issue 11, item 4).
        r = self.clerk.act(supp, "supplement_answered", {"text": "迟到的补正"}, expect=422)
        self.assertEqual(r["field"], "late_reason")
        self.assertEqual(h.row(S, supp, "status")["status"], "closed")

    def test_overdue_and_due_soon_are_listed(self):
        overdue = self.clerk.register("2024-01-02")
        soon = self.clerk.register(h.workdays_add(S, h.today(), -19))
        later = self.clerk.register()
        answered = self.clerk.register("2024-01-03")
        self.clerk.act(answered, "reply", {"outcome": "disclosed", "text": "x"})
        r = S.ysqgk("deadlines", "--within", "3")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = {l.split()[0]: l for l in r.stdout.splitlines() if l and l.split()[0].startswith(self.agency)}
        self.assertIn("OVERDUE", lines[self.tracking(overdue)])
        self.assertIn("due soon", lines[self.tracking(soon)])
        self.assertNotIn(self.tracking(later), lines)
        self.assertNotIn(self.tracking(answered), lines)
        self.assertIn("[%s]" % self.agency, r.stdout)
        self.assertEqual(S.ysqgk("deadlines", "--within", "x").returncode, 2)


class ProvisionalDueDateTest(unittest.TestCase):
    """A due date in a year whose holiday schedule is not imported is still
    computed, and marked provisional on the request page, the status page
    and in `ysqgk deadlines` (which warns). Whether today's due date falls
    in such a year depends on the test clock (make test-dates runs this in
    2027 and 2028 too): the marks must follow the calendar either way."""

    def test_marks_follow_the_calendar(self):
        agency = h.new_agency(S, "prov")
        clerk = h.Staff(S, agency)
        rid, no, code = h.submit_online(S, agency)
        j = clerk.act(rid, "confirm")
        due = j["due_on"]
        self.assertEqual(due, h.workdays_add(S, str(h.today()), 20))
        year = int(due[:4])
        known = S.psql("SELECT count(*) > 0 FROM holidays WHERE day BETWEEN '%d-01-01'"
                       " AND '%d-12-31'" % (year, year)) == "t"
        deadline = clerk.request(rid)["deadline"]
        self.assertEqual(deadline.get("provisional_year"), None if known else year)
        page = clerk.get("/staff/requests/%d" % rid).text
        self.assertEqual("尚未导入" in page, not known)
        status = S.post_json("/api/v1/status", {"tracking_no": no, "query_code": code}).json()
        self.assertEqual(status.get("due_provisional", False), not known)
        r = S.ysqgk("deadlines", "--within", "100")
        self.assertEqual(r.returncode, 0, r.stderr)
        line = next(l for l in r.stdout.splitlines() if l.startswith(no))
        self.assertEqual("(provisional)" in line, not known, line)
        if not known:
            self.assertIn("holiday schedule of %d is not imported" % year, r.stderr)


class AuditVerifyTest(unittest.TestCase):
    def test_broken_links_are_named(self):
        agency = h.new_agency(S, "au")
        clerk = h.Staff(S, agency)
        rid = clerk.register()
        clerk.act(rid, "note", {"text": "第一条备注"})
        clerk.act(rid, "note", {"text": "第二条备注"})
        r = S.ysqgk("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("every chain is intact", r.stdout)

        def as_owner(sql):
            S.psql("BEGIN; ALTER TABLE request_events DISABLE TRIGGER request_events_append_only; %s;"
                   " ALTER TABLE request_events ENABLE TRIGGER request_events_append_only; COMMIT" % sql)

        # Someone edits the second event's data.
        data = S.psql("SELECT data::text FROM request_events WHERE request_id = %d AND seq = 2" % rid)
        as_owner("UPDATE request_events SET data = '{\"text\": \"改过的备注\"}'"
                 " WHERE request_id = %d AND seq = 2" % rid)
        r = S.ysqgk("audit", "verify")
        self.assertEqual(r.returncode, 1)
        first = [l for l in r.stdout.splitlines() if l.startswith("BROKEN")][0]
        self.assertIn("request %d " % rid, first)
        self.assertIn("event 2", first)
        self.assertIn("content", first)
        as_owner("UPDATE request_events SET data = '%s' WHERE request_id = %d AND seq = 2"
                 % (data.replace("'", "''"), rid))
        self.assertEqual(S.ysqgk("audit", "verify").returncode, 0)

        # Someone rewrites the third event's link.
        prev = S.psql("SELECT encode(prev_hash, 'hex') FROM request_events"
                      " WHERE request_id = %d AND seq = 3" % rid)
        as_owner("UPDATE request_events SET prev_hash = decode(repeat('ab', 32), 'hex')"
                 " WHERE request_id = %d AND seq = 3" % rid)
        r = S.ysqgk("audit", "verify")
        self.assertEqual(r.returncode, 1)
        self.assertIn("request %d (%s) event 3" % (rid, S.psql("SELECT tracking_no FROM requests WHERE id = %d" % rid)),
                      r.stdout)
        as_owner("UPDATE request_events SET prev_hash = decode('%s', 'hex')"
                 " WHERE request_id = %d AND seq = 3" % (prev, rid))
        self.assertEqual(S.ysqgk("audit", "verify").returncode, 0)

    def test_the_log_refuses_changes(self):
        agency = h.new_agency(S, "au")
        rid = h.Staff(S, agency).register()
        with self.assertRaises(RuntimeError) as cm:
            S.psql("UPDATE request_events SET action = 'note' WHERE request_id = %d" % rid)
        self.assertIn("append-only", str(cm.exception))
        self.assertEqual(S.ysqgk("audit").returncode, 2)


class WorkingCalendarChangeTest(unittest.TestCase):
    """Runs last in this module: it changes the calendar."""

    def test_1_bad_file_is_refused_with_its_line(self):
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("date,kind,name\n2099-01-01,holiday,元旦\n2099-01-05,workday,调休\n")
        r = S.ysqgk("holidays", "import", f.name)
        self.assertEqual(r.returncode, 1)
        self.assertIn("第3行", r.stderr)
        self.assertEqual(S.psql("SELECT count(*) FROM holidays WHERE day >= '2099-01-01'"), "0")
        self.assertEqual(S.ysqgk("holidays", "import", "/nonexistent.csv").returncode, 1)

    def test_2_import_moves_open_due_dates(self):
        agency = h.new_agency(S, "cal")
        clerk = h.Staff(S, agency)
        today = str(h.today())
        open_ = clerk.register()
        done = clerk.register()
        clerk.act(done, "reply", {"outcome": "disclosed", "text": "x"})
        before = h.row(S, open_, "due_on")["due_on"]
        self.assertEqual(before, h.workdays_add(S, today, 20))
        done_due = h.row(S, done, "due_on")["due_on"]
        # A new holiday on a working day inside the period that the calendar
        # does not list yet (right after 元旦 the next working day may be a
        # 调休 Sunday, already listed): the period needs one more.
        day = next(d for d in (h.workdays_add(S, today, n) for n in range(1, 20))
                   if S.psql("SELECT count(*) FROM holidays WHERE day = '%s'" % d) == "0")
        with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
            f.write("date,kind,name\n%s,holiday,测试假日\n" % day)
        r = S.ysqgk("holidays", "import", f.name)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"1 days in .*: 1 added, 0 changed; \d+ open requests checked, [1-9]\d* due dates moved")
        after = h.row(S, open_, "due_on")["due_on"]
        self.assertEqual(after, h.workdays_add(S, today, 20))
        self.assertEqual(after, h.workdays_add(S, before, 1))
        self.assertEqual(h.row(S, done, "due_on")["due_on"], done_due)
        self.assertIn("%s,holiday,测试假日" % day, S.ysqgk("holidays", "list", day[:4]).stdout)
        self.assertEqual(S.psql("SELECT count(*) FROM audit_log WHERE action = 'holidays_changed'"), "1")
        # The same file again changes nothing.
        r = S.ysqgk("holidays", "import", f.name)
        self.assertIn("0 added, 0 changed", r.stdout)

    def test_3_admin_page_import(self):
        # The calendar is every agency's: an administrator of all agencies
        # changes it (issue 12, item 8).
        admin = h.Staff(S, None, "admin")
        page = admin.get("/admin")
        self.assertIn("工作日历", page.text)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = admin.post_form("/admin/holidays", {"csv": "date,kind,name\n2099-13-01,holiday,x\n",
                                                "csrf_token": token})
        self.assertEqual(r.status, 422)
        self.assertIn("第2行", h.text_of(r.text))
        r = admin.post_form("/admin/holidays", {"csv": "date,kind,name\r\n2099-10-01,holiday,国庆节\r\n"
                                                       "2099-09-27,workday,国庆节\r\n",
                                                "csrf_token": token})
        self.assertEqual(r.status, 200, r)
        self.assertIn("已导入2天", h.text_of(r.text))
        self.assertIn("<td>2099</td>", r.text)
        self.assertEqual(h.workdays_add(S, "2099-09-26", 1), "2099-09-27")
        clerk = h.Staff(S, "demo")
        r = clerk.post_form("/admin/holidays", {"csv": "date,kind,name\n", "csrf_token": clerk.token("/staff")})
        self.assertEqual(r.status, 403)


if __name__ == "__main__":
    unittest.main()
