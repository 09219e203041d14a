"""The year's edges in tables 三 and 四 (issue 10, item 5): for every row of
table 三, every applicant column, and every column of table 四, a request
or an appeal whose date (received, concluded, filed, decided) falls on 1
January and one whose date falls on 31 December, so that moving any year
boundary of the report's SQL by one day fails a test.

The expected numbers are not written out by hand cell by cell: a small
model of the counting rules of docs/report.md (`model_table3`,
`model_table4`, written from the document, not from the SQL) is applied to
the very cases the test creates. The model itself is checked against a few
numbers worked out by hand (`ModelTest`). Every report of 2022–2026 is
compared whole, so each edge case is seen in the year on each side of its
edge (and the years beyond), and the checks of the report are recomputed
here from its own numbers. `test_cases_cover_every_cell_on_both_edges`
makes sure the cases do reach every cell on both edges.

The edges crossed are the year ends 2022|2023, 2023|2024, 2024|2025 and
2025|2026: D = 31 December of Y, J = 1 January of Y+1. All dates are fixed;
an import takes no future date, so a year end after today (at the
test-dates instant of 31 December 2025) is left out."""

import datetime
import itertools
import os
import tempfile
import unittest

import stack
from test_report_helpers import (COLUMNS, KINDS, OUTCOMES, ROWS_2021, T4_CELLS, Ledger,
                                 new_agency, report, sql_str)

# The year ends 2022|2023 … 2025|2026, those of them in the past: the
# import takes no future date, so on 31 December 2025 (a test-dates
# instant) 2025|2026 is left out. Every report is in the 2021 format, the
# one the model knows.
BOUNDARIES = tuple(y for y in (2022, 2023, 2024, 2025)
                   if datetime.date(y + 1, 1, 1) <= stack.beijing_today())
YEARS = tuple(range(BOUNDARIES[0], BOUNDARIES[-1] + 2))   # the reports compared
LATEST = datetime.date(BOUNDARIES[-1] + 1, 1, 1)          # no case is dated later
GROUPS = ("review", "suit_direct", "suit_after_review")
RESULTS = ("upheld", "corrected", "other")
LETTER = {k: l for l, k in zip("PBRNLO", KINDS)}


def day(y, m, d):
    return datetime.date(y, m, d)


def dec31(y):
    return day(y, 12, 31)


def jan1(y):
    return day(y, 1, 1)


# ---- the model: docs/report.md, "Table 三" and "Table 四" -------------------

def model_table3(requests, year):
    """Table 三 of `year` (2021 format) for requests given as dicts with
    kind, received, concluded (None: open) and outcome."""
    assert year >= 2021, "the model knows the 2021 format only"
    y0, y1 = jan1(year), dec31(year)
    t = {row: {c: 0 for c in COLUMNS} for row in ROWS_2021}
    for r in requests:
        rec, con = r["received"], r["concluded"]
        if rec is None:
            continue                      # never received: nowhere
        rows = []
        # 一、本年新收: received in Y.
        if y0 <= rec <= y1:
            rows.append("received")
        # 二、上年结转: received before Y0, not concluded before Y0.
        if rec < y0 and (con is None or con >= y0):
            rows.append("carried_in")
        # 三: concluded in Y, in its outcome's row and in （七）总计.
        if con is not None and y0 <= con <= y1:
            rows += [r["outcome"], "concluded_total"]
        # 四、结转下年度: received on or before Y1, not concluded by Y1.
        if rec <= y1 and (con is None or con > y1):
            rows.append("carried_out")
        for row in rows:
            t[row][r["kind"]] += 1
            t[row]["total"] += 1
    return t


def model_table4(appeals, year):
    """Table 四 of `year` for appeals given as dicts with group, filed,
    decided (None: pending) and result."""
    y0, y1 = jan1(year), dec31(year)
    t = {c: 0 for c in T4_CELLS}
    for a in appeals:
        filed, decided = a["filed"], a["decided"]
        if decided is not None and y0 <= decided <= y1:
            t["%s_%s" % (a["group"], a["result"])] += 1          # decided in Y
        elif filed <= y1 and (decided is None or decided > y1):
            t["%s_pending" % a["group"]] += 1                    # pending at Y1
    for g in GROUPS:
        t["%s_total" % g] = sum(t["%s_%s" % (g, c)] for c in RESULTS + ("pending",))
    return t


def req(kind, received, concluded=None, outcome=None):
    return dict(kind=kind, received=received, concluded=concluded, outcome=outcome)


def appeal(group, filed, decided=None, result="pending"):
    return dict(group=group, filed=filed, decided=decided, result=result)


class ModelTest(unittest.TestCase):
    """The model against numbers worked out by hand from docs/report.md."""

    def cells(self, t):
        return {(row, c): n for row, cols in t.items() for c, n in cols.items()
                if n and c != "total"}

    def test_model_table3_by_hand(self):
        # Received 31 Dec 2023, concluded 1 Jan 2024: received and carried
        # out in 2023; carried in and concluded in 2024; nowhere in 2022 or 2025.
        r = [req("person", dec31(2023), jan1(2024), "partial")]
        self.assertEqual(self.cells(model_table3(r, 2022)), {})
        self.assertEqual(self.cells(model_table3(r, 2023)),
                         {("received", "person"): 1, ("carried_out", "person"): 1})
        self.assertEqual(self.cells(model_table3(r, 2024)),
                         {("carried_in", "person"): 1, ("partial", "person"): 1,
                          ("concluded_total", "person"): 1})
        self.assertEqual(self.cells(model_table3(r, 2025)), {})
        # Received 1 Jan 2024: new in 2024, nowhere in 2023; concluded
        # 31 Dec 2024: concluded in 2024, not carried out, not in 2025.
        r = [req("research", jan1(2024), dec31(2024), "deny_query")]
        self.assertEqual(self.cells(model_table3(r, 2023)), {})
        self.assertEqual(self.cells(model_table3(r, 2024)),
                         {("received", "research"): 1, ("deny_query", "research"): 1,
                          ("concluded_total", "research"): 1})
        self.assertEqual(self.cells(model_table3(r, 2025)), {})
        # Received 31 Dec 2022 and still open: carried in and out each year after.
        r = [req("org_other", dec31(2022))]
        self.assertEqual(self.cells(model_table3(r, 2022)),
                         {("received", "org_other"): 1, ("carried_out", "org_other"): 1})
        for y in (2023, 2026):
            self.assertEqual(self.cells(model_table3(r, y)),
                             {("carried_in", "org_other"): 1, ("carried_out", "org_other"): 1})
        # Received and concluded on 31 Dec 2023: 2023 only.
        r = [req("business", dec31(2023), dec31(2023), "other")]
        self.assertEqual(self.cells(model_table3(r, 2023)),
                         {("received", "business"): 1, ("other", "business"): 1,
                          ("concluded_total", "business"): 1})
        self.assertEqual(self.cells(model_table3(r, 2024)), {})
        self.assertEqual(model_table3(r, 2023)["received"]["total"], 1)

    def test_model_table4_by_hand(self):
        a = [appeal("review", dec31(2023), jan1(2024), "upheld"),        # pending at 2023's end
             appeal("suit_direct", jan1(2024), dec31(2024), "corrected"),
             appeal("suit_after_review", dec31(2023))]                   # still pending
        nonzero = lambda t: {c: n for c, n in t.items() if n}           # noqa: E731
        self.assertEqual(nonzero(model_table4(a, 2022)), {})
        self.assertEqual(nonzero(model_table4(a, 2023)),
                         {"review_pending": 1, "review_total": 1,
                          "suit_after_review_pending": 1, "suit_after_review_total": 1})
        self.assertEqual(nonzero(model_table4(a, 2024)),
                         {"review_upheld": 1, "review_total": 1,
                          "suit_direct_corrected": 1, "suit_direct_total": 1,
                          "suit_after_review_pending": 1, "suit_after_review_total": 1})
        self.assertEqual(nonzero(model_table4(a, 2025)),
                         {"suit_after_review_pending": 1, "suit_after_review_total": 1})


# ---- the cases -------------------------------------------------------------

def received_carried_cases():
    """Rows 一, 二 and 四 (and the outcome rows on the way): for every
    applicant kind and every year end Y|Y+1, requests received on D or J,
    open, concluded on D or J, or open across two year ends."""
    outcomes = itertools.cycle(OUTCOMES)
    cases = []
    for y in BOUNDARIES:
        d, j = dec31(y), jan1(y + 1)
        for kind in KINDS:
            cases += [
                req(kind, d),                                   # received D, open
                req(kind, j),                                   # received J, open
                req(kind, d, d, next(outcomes)),                # received and concluded D
                req(kind, d, j, next(outcomes)),                # received D, concluded J
                req(kind, j, j, next(outcomes)),                # received and concluded J
                req(kind, jan1(y), d, next(outcomes)),          # received 1 Jan, concluded D
            ]
            if dec31(y + 1) <= LATEST:
                cases.append(req(kind, j, dec31(y + 1), next(outcomes)))  # J to D of Y+1
            if jan1(y + 2) <= LATEST:
                cases.append(req(kind, d, jan1(y + 2), next(outcomes)))   # two year ends
    return cases


def outcome_cases():
    """The outcome rows: every outcome in every applicant column, at every
    year end, concluded on 31 December (received the same day) and on
    1 January (received the day before or the same day)."""
    cases = []
    for outcome in OUTCOMES:
        for kind in KINDS:
            for y in BOUNDARIES:
                d, j = dec31(y), jan1(y + 1)
                cases += [req(kind, d, d, outcome), req(kind, d, j, outcome),
                          req(kind, j, j, outcome)]
    return cases


def appeal_cases():
    """Table 四: for every group and result, appeals decided on 31 December
    and on 1 January, filed on either side; and pending ones filed on D or J,
    still pending or decided after one or two year ends."""
    cases = []
    for y in BOUNDARIES:
        d, j = dec31(y), jan1(y + 1)
        for g in GROUPS:
            for result in RESULTS:
                cases += [
                    appeal(g, day(y, 6, 1), d, result),         # decided D
                    appeal(g, d, d, result),                    # filed and decided D
                    appeal(g, d, j, result),                    # pending at D, decided J
                    appeal(g, j, j, result),                    # filed and decided J
                ]
                if dec31(y + 1) <= LATEST:
                    cases.append(appeal(g, j, dec31(y + 1), result))  # filed J, decided D of Y+1
                if jan1(y + 2) <= LATEST:
                    cases.append(appeal(g, d, jan1(y + 2), result))  # pending at two year ends
            cases += [appeal(g, d), appeal(g, j)]               # filed D or J, still pending
    return cases


def edge_days_table3(requests, year):
    """{(row, kind): {(month, day)}}: for each cell of table 三 of `year`,
    the edge days (1 January, 31 December) on which fall the dates that
    put a request there: received on 1 Jan or 31 Dec of Y (一); received on
    31 Dec of Y-1 or concluded on 1 Jan of Y (二); concluded on 1 Jan or
    31 Dec of Y (三); received on 31 Dec of Y or concluded on 1 Jan of Y+1
    (四)."""
    y0, y1 = jan1(year), dec31(year)
    before, after = y0 - datetime.timedelta(1), y1 + datetime.timedelta(1)
    out = {}
    for r in requests:
        rec, con = r["received"], r["concluded"]
        hits = []
        if rec in (y0, y1):
            hits.append(("received", rec))
        if rec < y0 and (con is None or con >= y0):
            hits += [("carried_in", x) for x in (rec, con) if x in (before, y0)]
        if con in (y0, y1):
            hits += [(r["outcome"], con), ("concluded_total", con)]
        if rec <= y1 and (con is None or con > y1):
            hits += [("carried_out", x) for x in (rec, con) if x in (y1, after)]
        for row, date in hits:
            out.setdefault((row, r["kind"]), set()).add((date.month, date.day))
    return out


def edge_days_table4(appeals, year):
    """{cell: {(month, day)}} for table 四 of `year`: decided on 1 Jan or
    31 Dec of Y (the result's column); filed on 31 Dec of Y or decided on
    1 Jan of Y+1 (尚未审结)."""
    y0, y1 = jan1(year), dec31(year)
    after = y1 + datetime.timedelta(1)
    out = {}
    for a in appeals:
        filed, decided = a["filed"], a["decided"]
        hits = []
        if decided in (y0, y1):
            hits.append(("%s_%s" % (a["group"], a["result"]), decided))
        if filed <= y1 and (decided is None or decided > y1):
            hits += [("%s_pending" % a["group"], x) for x in (filed, decided) if x in (y1, after)]
        for cell, date in hits:
            out.setdefault(cell, set()).add((date.month, date.day))
    return out


# ---- writing them ----------------------------------------------------------

def import_requests(s, agency, cases):
    """Through `ysqgk import`, as a paper ledger would come in."""
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False,
                                     encoding="utf-8") as fh:
        fh.write("agency_code,tracking_no,applicant_kind,name,channel,received_on,"
                 "description,concluded_on,outcome\n")
        for i, r in enumerate(cases):
            fh.write("%s,,%s,申请人%d,post,%s,台账里的申请 %d,%s,%s\n" % (
                agency, r["kind"], i, r["received"].isoformat(), i,
                r["concluded"].isoformat() if r["concluded"] else "", r["outcome"] or ""))
    try:
        rc = s.ysqgk("import", fh.name)
        assert rc.returncode == 0, rc.stderr
    finally:
        os.unlink(fh.name)


def insert_requests(s, agency, cases, chunk=150):
    """Straight into the database (test_report_helpers.Ledger); returns
    the tracking numbers in the order of the cases."""
    led = Ledger(s, agency)
    out = []
    for i, r in enumerate(cases):
        out.append(led.add(LETTER[r["kind"]], r["received"].isoformat(),
                           r["concluded"].isoformat() if r["concluded"] else None,
                           r["outcome"]))
        if len(led.rows) >= chunk or i == len(cases) - 1:
            led.insert()
    return out


def insert_appeals(s, agency, cases, chunk=150):
    """Each appeal on a request of its own (answered in 2022, which
    table 四 does not look at)."""
    tracking = insert_requests(s, agency, [req("person", day(2022, 3, 1), day(2022, 3, 10),
                                               "disclosed") for _ in cases])
    for start in range(0, len(cases), chunk):
        values = ", ".join("(%s, %s, %s, %s, %s)" % (
            sql_str(t), sql_str(a["group"]), sql_str(a["filed"].isoformat()),
            sql_str(a["result"]),
            sql_str(a["decided"].isoformat() if a["decided"] else None))
            for t, a in zip(tracking[start:start + chunk], cases[start:start + chunk]))
        s.psql("INSERT INTO appeals (request_id, kind, body, filed_on, result, decided_on)"
               " SELECT r.id, v.k, '复议机关', v.f::date, v.res, v.d::date"
               " FROM (VALUES %s) AS v (t, k, f, res, d)"
               " JOIN requests r ON r.tracking_no = v.t" % values)
    return [req("person", day(2022, 3, 1), day(2022, 3, 10), "disclosed") for _ in cases]


# ---- the tests -------------------------------------------------------------

class ReportEdgesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # A stack of its own: the requests written straight into the
        # database have no events, which `ysqgk audit verify` of a later
        # module (test_report_import) would report on the shared stack.
        s = cls.s = stack.Stack().start()
        cls.addClassCleanup(s.stop)
        cls.rc_agency = new_agency(s, "re1")
        cls.rc_requests = received_carried_cases()
        import_requests(s, cls.rc_agency, cls.rc_requests)
        cls.out_agency = new_agency(s, "re2")
        cls.out_requests = outcome_cases()
        insert_requests(s, cls.out_agency, cls.out_requests)
        cls.t4_agency = new_agency(s, "re3")
        cls.t4_appeals = appeal_cases()
        cls.t4_requests = insert_appeals(s, cls.t4_agency, cls.t4_appeals)

    def assertChecksHold(self, rep, year):
        """The report's own checks pass, and the relations hold when
        recomputed here from its numbers."""
        for c in rep["checks"]:
            self.assertTrue(c["ok"], (year, c))
        self.assertEqual(rep["checks_failed"], 0, year)
        t3 = rep["table3"]
        for c in COLUMNS:
            self.assertEqual(t3["received"][c] + t3["carried_in"][c],
                             t3["concluded_total"][c] + t3["carried_out"][c],
                             "balance %d %s" % (year, c))
            self.assertEqual(t3["concluded_total"][c], sum(t3[o][c] for o in OUTCOMES),
                             "concluded_sum %d %s" % (year, c))
        for row in ROWS_2021:
            self.assertEqual(t3[row]["total"], sum(t3[row][k] for k in KINDS),
                             "total_column %d %s" % (year, row))
        t4 = rep["table4"]
        for g in GROUPS:
            self.assertEqual(t4["%s_total" % g],
                             sum(t4["%s_%s" % (g, c)] for c in RESULTS + ("pending",)),
                             "table4_total %d %s" % (year, g))
        self.assertEqual(t3["carried_in"], rep["previous_year"]["carried_out"],
                         "carry_over %d" % year)

    def assertReportsMatchModel(self, agency, requests, appeals=()):
        """Every report of YEARS against the model, cell by cell."""
        for year in YEARS:
            rep = report(self.s, agency, year)
            self.assertEqual(rep["format"], "2021")
            expected = model_table3(requests, year)
            self.assertEqual(sorted(rep["table3"]), sorted(expected))
            for row in ROWS_2021:
                self.assertEqual(rep["table3"][row], expected[row],
                                 "%d table 三 row %s" % (year, row))
            self.assertEqual(rep["previous_year"]["carried_out"],
                             model_table3(requests, year - 1)["carried_out"],
                             "%d previous year's row 四" % year)
            self.assertEqual(rep["table4"], model_table4(appeals, year),
                             "%d table 四" % year)
            self.assertChecksHold(rep, year)

    def test_cases_cover_every_cell_on_both_edges(self):
        """The cases themselves, before any report: in each year with
        both of its edges crossed (2023, 2024, 2025), every cell they are meant for is reached by a case whose
        deciding date is 1 January and by one whose deciding date is
        31 December (edge_days_table3/4)."""
        both = {(1, 1), (12, 31)}
        for year in YEARS[1:-1]:
            rc = edge_days_table3(self.rc_requests, year)
            out = edge_days_table3(self.out_requests, year)
            for kind in KINDS:
                for row in ("received", "carried_in", "concluded_total", "carried_out"):
                    self.assertEqual(rc.get((row, kind)), both, (year, row, kind))
                for row in OUTCOMES + ["concluded_total"]:
                    self.assertEqual(out.get((row, kind)), both, (year, row, kind))
            t4 = edge_days_table4(self.t4_appeals, year)
            for cell in T4_CELLS:
                if not cell.endswith("_total"):
                    self.assertEqual(t4.get(cell), both, (year, cell))

    def test_received_carried_in_and_out_on_the_edges(self):
        """Rows 一、二、四 by kind, the requests imported from a ledger."""
        self.assertReportsMatchModel(self.rc_agency, self.rc_requests)

    def test_every_outcome_row_and_kind_on_the_edges(self):
        """Rows （一）…（六）3 and （七）总计, every kind, concluded on 1
        January or 31 December."""
        self.assertReportsMatchModel(self.out_agency, self.out_requests)

    def test_table4_every_group_and_column_on_the_edges(self):
        """Table 四: decided on 1 January or 31 December under their
        result; filed on 31 December and decided 1 January pending at the
        year end; filed on 1 January not pending the year before."""
        self.assertReportsMatchModel(self.t4_agency, self.t4_requests, self.t4_appeals)

    def test_year_end_carries_over_between_consecutive_years(self):
        """Year Y's row 四 is year Y+1's row 二, and table 四's pending
        appeals of Y are those still pending or decided in Y+1 (filed by
        Y1), for each pair of consecutive years."""
        for agency in (self.rc_agency, self.out_agency):
            reps = {y: report(self.s, agency, y) for y in YEARS}
            for y in YEARS[:-1]:
                self.assertEqual(reps[y]["table3"]["carried_out"],
                                 reps[y + 1]["table3"]["carried_in"], (agency, y))
        reps = {y: report(self.s, self.t4_agency, y)["table4"] for y in YEARS}
        for y in YEARS[:-1]:
            for g in GROUPS:
                pending_then = sum(1 for a in self.t4_appeals if a["group"] == g
                                   and a["filed"] <= dec31(y)
                                   and (a["decided"] is None or a["decided"] > dec31(y)))
                self.assertEqual(reps[y]["%s_pending" % g], pending_then, (y, g))


if __name__ == "__main__":
    unittest.main()
