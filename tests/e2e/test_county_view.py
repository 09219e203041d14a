"""The county's view (issue 18 §6) through nginx. A parent agency with two
departments (and an unrelated agency beside them), requests in every state
the dashboard counts; each number of /api/v1/dashboard checked against a
count made here — from the rows in the database, and the queue's own
per-request marks (overdue, due_soon) for the deadline columns — the 12-week
trend bucketed here by ISO week, the HTML table equal to the JSON, and who
may look: heads and administrators of an agency with departments (a clerk
403, a department's own head 404; a head's links only into the queue a head
may open). /stats, /stats.csv and /api/v1/stats against `ysqgk report
--format json --draft`, table 三 of every agency, and nothing personal in
them. On a stack of its own; dates relative to the stack's today."""

import csv
import datetime
import io
import json
import re
import unittest

import test_staff_common as h

S = None
OPEN = ("submitted", "in_progress", "awaiting_supplement", "consulting", "awaiting_fee")
METRICS = ["open", "overdue", "due_soon", "awaiting_confirmation", "pending_approvals",
           "replies_this_month"]
BOM = b"\xef\xbb\xbf"


def setUpModule():
    global S
    S = h.own_stack()


def tearDownModule():
    S.stop()


def workday(n):
    return h.workdays_add(S, h.today(), n)


def populate(agency, names):
    """One request in each state the dashboard counts; returns what was
    made, by kind."""
    c = h.Staff(S, agency)
    made = {}
    made["plain"] = c.register(h.today(), name=names[0])
    # Received 25 working days ago: due 5 working days ago.
    made["overdue"] = c.register(workday(-25), name=names[1])
    # Received 18 working days ago: due in 2 working days.
    made["due_soon"] = c.register(workday(-18), name=names[2])
    made["online"] = h.submit_online(S, agency, name=names[3])[0]
    made["extension"] = c.register(h.today(), name=names[4])
    c.act(made["extension"], "extend", {"reason": "情况复杂，需要协调", "days": 10})
    made["replied"] = c.register(h.today(), name=names[5])
    c.act(made["replied"], "reply", {"outcome": "disclosed", "text": "予以公开"})
    # Replied 30 working days ago: in an earlier month whatever today is.
    made["old_reply"] = c.register(workday(-40), name=names[6])
    c.act(made["old_reply"], "reply", {"outcome": "disclosed", "text": "予以公开",
                                       "date": workday(-30),
                                       "backdate_reason": "纸质台账补录"})
    return made


def db_rows(codes):
    out = S.psql(
        "SELECT coalesce(json_agg(json_build_object('agency', a.code, 'id', r.id,"
        " 'status', r.status, 'received_on', r.received_on,"
        " 'concluded_on', r.concluded_on)), '[]')"
        " FROM requests r JOIN agencies a ON a.id = r.agency_id"
        " WHERE a.code IN (%s)" % ", ".join("'%s'" % c for c in codes))
    return json.loads(out)


def proposed_extensions(code):
    return int(S.psql(
        "SELECT count(*) FROM extensions x JOIN requests r ON r.id = x.request_id"
        " JOIN agencies a ON a.id = r.agency_id WHERE a.code = '%s' AND x.state = 'proposed'"
        " AND r.status IN %s" % (code, str(OPEN[1:]))))


class CountyViewTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.parent = h.new_agency(S, "cty")
        cls.d1 = h.new_agency(S, "dpa", parent=cls.parent)
        cls.d2 = h.new_agency(S, "dpb", parent=cls.parent)
        cls.other = h.new_agency(S, "oth")
        cls.codes = [cls.parent, cls.d1, cls.d2]
        cls.made = {}
        for i, code in enumerate(cls.codes + [cls.other]):
            names = ["申请人%d号%d" % (i, k) for k in range(7)]
            cls.made[code] = populate(code, names)
        cls.names = ["申请人%d号%d" % (i, k) for i in range(4) for k in range(7)]
        # A second overdue request in one department only: the counts differ.
        h.Staff(S, cls.d1).register(workday(-30), name="申请人9号9")
        cls.names.append("申请人9号9")
        cls.head = h.Staff(S, cls.parent, role="head")
        cls.admin = h.Staff(S, cls.parent, role="admin")
        cls.dashboard = cls.head.get("/api/v1/dashboard", json_=True).json()

    def dept(self, j, code):
        return next(d for d in j["departments"] if d["code"] == code)

    def test_departments_scoped_to_the_subtree(self):
        self.assertEqual([d["code"] for d in self.dashboard["departments"]],
                         [self.parent] + sorted([self.d1, self.d2]))
        self.assertTrue(self.dept(self.dashboard, self.parent)["is_parent"])
        self.assertFalse(self.dept(self.dashboard, self.d1)["is_parent"])

    def test_each_number_against_an_independent_count(self):
        today = h.today()
        month = today.replace(day=1)
        rows = db_rows(self.codes)
        for code in self.codes:
            mine = [r for r in rows if r["agency"] == code]
            # The queue's own marks per request (domain/deadline), as the
            # administrator who sees every department's queue.
            queue = self.admin.queue("?agency=%s&limit=200" % code)["requests"]
            expect = {
                "open": sum(r["status"] in OPEN for r in mine),
                "overdue": sum(bool(q["overdue"]) for q in queue),
                "due_soon": sum(bool(q["due_soon"]) for q in queue),
                "awaiting_confirmation": sum(r["status"] == "submitted" for r in mine),
                "pending_approvals": proposed_extensions(code),
                "replies_this_month": sum(
                    r["status"] == "answered" and r["concluded_on"] is not None
                    and month <= datetime.date.fromisoformat(r["concluded_on"]) <= today
                    for r in mine),
            }
            got = self.dept(self.dashboard, code)
            self.assertEqual({k: got[k] for k in METRICS}, expect, code)
            # And what the test made: the counts are not all zero.
            self.assertEqual(expect["open"], 5 + (code == self.d1))
            self.assertEqual(expect["overdue"], 1 + (code == self.d1))
            self.assertEqual((expect["due_soon"], expect["awaiting_confirmation"],
                              expect["pending_approvals"], expect["replies_this_month"]),
                             (1, 1, 1, 1))
        totals = self.dashboard["totals"]
        for k in METRICS:
            self.assertEqual(totals[k], sum(self.dept(self.dashboard, c)[k] for c in self.codes))

    def test_trend_by_iso_week(self):
        trend = self.dashboard["trend"]
        self.assertEqual(len(trend), 12)
        today = h.today()
        monday = today - datetime.timedelta(days=today.weekday())
        first = monday - datetime.timedelta(weeks=11)
        self.assertEqual([w["monday"] for w in trend],
                         [str(first + datetime.timedelta(weeks=i)) for i in range(12)])
        received, replied = {}, {}
        for r in db_rows(self.codes):
            if r["received_on"]:
                d = datetime.date.fromisoformat(r["received_on"])
                received[d - datetime.timedelta(days=d.weekday())] = \
                    received.get(d - datetime.timedelta(days=d.weekday()), 0) + 1
            if r["status"] == "answered":
                d = datetime.date.fromisoformat(r["concluded_on"])
                key = d - datetime.timedelta(days=d.weekday())
                replied[key] = replied.get(key, 0) + 1
        for w in trend:
            m = datetime.date.fromisoformat(w["monday"])
            y, wk, _ = m.isocalendar()
            self.assertEqual(w["week"], "%d-W%02d" % (y, wk))
            self.assertEqual((w["received"], w["replied"]),
                             (received.get(m, 0), replied.get(m, 0)), w)
        self.assertEqual(sum(w["replied"] for w in trend), 6)   # 3 today, 3 six weeks ago

    def test_html_equals_json(self):
        r = self.head.get("/staff/dashboard")
        self.assertEqual(r.status, 200, r)
        page = r.text
        self.assertIn("<svg", page)
        for d in self.dashboard["departments"]:
            row = re.search(r"<tr[^>]*>\s*<th scope=\"row\">(?:<a [^>]*>)?%s(?:</a>)?</th>(.*?)</tr>"
                            % re.escape(d["name"]), page, re.S)
            self.assertIsNotNone(row, d["name"])
            cells = [int(x) for x in re.findall(r"<td[^>]*>(?:<a [^>]*>)?(\d+)", row.group(1))]
            self.assertEqual(cells, [d[k] for k in METRICS], d["name"])
        for w in self.dashboard["trend"]:
            self.assertRegex(page, r"%s（%s）</th><td class=\"n\">%d</td><td class=\"n\">%d</td>"
                             % (w["week"], w["monday"], w["received"], w["replied"]))
        # Names link to the queue filtered to the department where the
        # member may open it: a head, the own agency; an administrator, all.
        self.assertIn('href="/staff?agency=%s"' % self.parent, page)
        self.assertNotIn('href="/staff?agency=%s' % self.d1, page)
        admin_page = self.admin.get("/staff/dashboard").text
        for code in self.codes:
            self.assertIn('href="/staff?agency=%s"' % code, admin_page)
            self.assertIn('href="/staff?agency=%s&amp;overdue=1"' % code, admin_page)
        self.assertNotIn(self.other, admin_page)
        # No applicant on the page: counts only.
        for name in self.names:
            self.assertNotIn(name, page)

    def test_admin_sees_the_same_numbers(self):
        j = self.admin.get("/api/v1/dashboard", json_=True).json()
        self.assertEqual([[d[k] for k in ["code"] + METRICS] for d in j["departments"]],
                         [[d[k] for k in ["code"] + METRICS]
                          for d in self.dashboard["departments"]])
        self.assertEqual(j["trend"], self.dashboard["trend"])

    def test_who_may_look(self):
        clerk = h.Staff(S, self.parent)
        self.assertEqual(clerk.get("/api/v1/dashboard", json_=True).status, 403)
        self.assertEqual(clerk.get("/staff/dashboard").status, 403)
        for role in ("head", "admin"):
            member = h.Staff(S, self.d1, role=role)
            self.assertEqual(member.get("/api/v1/dashboard", json_=True).status, 404, role)
            self.assertNotIn('href="/staff/dashboard"', member.get("/staff").text, role)
        self.assertNotIn('href="/staff/dashboard"', clerk.get("/staff").text)
        self.assertIn('href="/staff/dashboard"', self.head.get("/staff").text)
        self.assertEqual(h.Client(S).get("/api/v1/dashboard", json_=True).status, 401)

    def test_a_new_department_shows_the_link_at_once(self):
        # Whether an agency has departments comes from each worker's copy
        # (read_cache): a department added from the command line shows
        # 概况 on the next page, whichever worker serves it.
        top = h.new_agency(S, "new")
        head = h.Staff(S, top, role="head")
        for page in h.parallel(12, lambda i: head.get("/staff").text):
            self.assertNotIn('href="/staff/dashboard"', page)
        h.new_agency(S, "sub", parent=top)
        for page in h.parallel(12, lambda i: head.get("/staff").text):
            self.assertIn('href="/staff/dashboard"', page)
        j = head.get("/api/v1/dashboard", json_=True).json()
        self.assertEqual(len(j["departments"]), 2)

    def test_stats_equal_the_reports_table3(self):
        year = h.today().year
        r = h.Client(S).get("/api/v1/stats", json_=True)
        self.assertEqual(r.status, 200, r)
        j = r.json()
        self.assertEqual(j["year"], year)
        self.assertEqual(j["max_age_seconds"], 300)
        self.assertRegex(j["computed_at"], r"^\d{4}-\d\d-\d\d \d\d:\d\d$")
        by_code = {a["code"]: a for a in j["agencies"]}
        for code in self.codes + [self.other]:
            report = json.loads(S.ysqgk("report", "--year", str(year), "--agency", code,
                                        "--format", "json", "--draft").stdout)
            self.assertEqual(by_code[code]["table3"], report["table3"], code)
        # The parent's report counts its departments: more than its own.
        self.assertGreater(by_code[self.parent]["table3"]["received"]["total"],
                           by_code[self.d2]["table3"]["received"]["total"])
        # The CSV: one line per agency, row and column, the same numbers.
        c = h.Client(S).get("/stats.csv")
        self.assertEqual(c.status, 200)
        self.assertTrue(c.body.startswith(BOM))
        lines = list(csv.reader(io.StringIO(c.body[len(BOM):].decode("utf-8"), newline="")))
        self.assertEqual(lines[0], ["agency", "agency_name", "row", "column", "value",
                                    "row_label", "column_label"])
        seen = 0
        for agency, _, row, col, value, _, _ in lines[1:]:
            if agency in self.codes:
                self.assertEqual(int(value), by_code[agency]["table3"][row][col])
                seen += 1
        self.assertEqual(seen, 3 * len(j["rows"]) * len(j["columns"]))
        # The page: every agency, nothing personal.
        page = h.Client(S).get("/stats")
        self.assertEqual(page.status, 200)
        text = page.text
        for code in self.codes:
            self.assertIn("测试局" + code, text)
        for name in self.names:
            self.assertNotIn(name, text)
            self.assertNotIn(name, c.body.decode("utf-8"))
            self.assertNotIn(name, json.dumps(j, ensure_ascii=False))


if __name__ == "__main__":
    unittest.main()
