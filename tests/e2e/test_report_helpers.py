"""Helpers of the report tests (no tests here): agencies of their own,
requests and appeals written straight into the database (the report counts
rows, whatever page made them), the report through `ysqgk report`, and
tables of expected numbers written out by hand."""

import json
import secrets

KINDS = ["person", "business", "research", "nonprofit", "legal_service", "org_other"]
COLUMNS = KINDS + ["total"]

OUTCOMES = [
    "disclosed", "partial", "deny_secret", "deny_law", "deny_security",
    "deny_third_party", "deny_internal", "deny_process", "deny_enforcement",
    "deny_query", "unable_not_held", "unable_create", "unable_unclear",
    "reject_petition", "reject_repeat", "reject_publication", "reject_mass",
    "reject_confirm", "other_no_supplement", "other_no_fee", "other",
]

# The numeric rows of table 三 in each format (report-format.md).
ROWS_2021 = ["received", "carried_in"] + OUTCOMES + ["concluded_total", "carried_out"]
ROWS_2019 = (["received", "carried_in"] + OUTCOMES[:18] + ["other_total"]
             + ["concluded_total", "carried_out"])

T4_CELLS = ["%s_%s" % (g, c) for g in ("review", "suit_direct", "suit_after_review")
            for c in ("upheld", "corrected", "other", "pending", "total")]

SHORT = {"P": "person", "B": "business", "R": "research", "N": "nonprofit",
         "L": "legal_service", "O": "org_other"}


def new_agency(s, prefix="rp", parent=None, name=None):
    code = "%s-%s" % (prefix, secrets.token_hex(3))
    args = ["agency", "add", code, name or ("报告测试局" + code)]
    if parent:
        args += ["--parent", parent]
    r = s.ysqgk(*args)
    assert r.returncode == 0, r.stderr
    return code


def sql_str(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v).replace("'", "''") + "'"


class Ledger:
    """Requests of one agency, numbered agency-YEAR-NNNNNN, inserted in one
    statement. Each row: kind letter (P B R N L O), received (or None),
    concluded, outcome, and optional status, backdated, extension_days."""

    def __init__(self, s, agency):
        self.s = s
        self.agency = agency
        self.rows = []
        self.n = 0

    def add(self, kind, received, concluded=None, outcome=None, status=None,
            backdated=False, extension_days=0, clock_stopped_since=None):
        self.n += 1
        year = (received or "2021")[:4]
        tracking = "%s-%s-%06d" % (self.agency, year, 500000 + self.n)
        if status is None:
            if received is None:
                status = "submitted"
            elif concluded is None:
                status = "in_progress"
            elif outcome in ("other_no_supplement", "other_no_fee", "other"):
                status = "closed"
            else:
                status = "answered"
        self.rows.append(dict(tracking=tracking, kind=SHORT[kind], received=received,
                              concluded=concluded, outcome=outcome, status=status,
                              backdated=backdated, extension_days=extension_days,
                              stopped=clock_stopped_since))
        return tracking

    def insert(self):
        """Not imported: with the query code, contact and identity an
        online or registered request has (as hashes and ciphertext)."""
        values = []
        for r in self.rows:
            person = r["kind"] == "person"
            values.append("(%s)" % ", ".join([
                sql_str(r["tracking"]), sql_str(r["kind"]), sql_str(r["received"]),
                sql_str(r["concluded"]), sql_str(r["outcome"]), sql_str(r["status"]),
                sql_str(r["backdated"]), sql_str(r["extension_days"]), sql_str(r["stopped"]),
                sql_str(person)]))
        self.s.psql(
            "INSERT INTO requests (agency_id, tracking_no, query_code_hash, applicant_kind,"
            " name, id_type, id_number_enc, id_number_hash, email, description, channel,"
            " received_on, concluded_on, outcome, status, backdated, extension_days,"
            " clock_stopped_since, due_on)"
            " SELECT a.id, v.t, sha256(convert_to(v.t, 'UTF8')), v.k, '申请人' || v.t,"
            "  CASE WHEN v.person THEN 'passport' END,"
            "  CASE WHEN v.person THEN decode(repeat('ab', 48), 'hex') END,"
            "  CASE WHEN v.person THEN sha256(convert_to('id' || v.t, 'UTF8')) END,"
            "  'applicant@example.com', '报告测试申请 ' || v.t, 'online',"
            "  v.r::date, v.c::date, v.o, v.st, v.b, v.e, v.cs::date, v.r::date + 28"
            " FROM (VALUES %s) AS v (t, k, r, c, o, st, b, e, cs, person)"
            " JOIN agencies a ON a.code = %s" % (", ".join(values), sql_str(self.agency)))
        self.rows = []

    def appeal(self, tracking, kind, filed, result="pending", decided=None):
        self.s.psql(
            "INSERT INTO appeals (request_id, kind, body, filed_on, result, decided_on)"
            " SELECT id, %s, '复议机关', %s, %s, %s FROM requests WHERE tracking_no = %s"
            % (sql_str(kind), sql_str(filed), sql_str(result), sql_str(decided),
               sql_str(tracking)))


def report(s, agency, year, fmt="json", draft=False, expect_rc=0):
    args = ["report", "--year", str(year), "--agency", agency, "--format", fmt]
    if draft:
        args.append("--draft")
    r = s.ysqgk(*args)
    assert r.returncode == expect_rc, "rc %d: %s" % (r.returncode, r.stderr)
    return json.loads(r.stdout) if fmt == "json" else r.stdout


def table(rows, cells):
    """A table 三 from a few cells given as {row: {kind letter: n}}, every
    other cell 0, the 总计 column the sum of the six (added up here)."""
    t = {row: {c: 0 for c in COLUMNS} for row in rows}
    for row, by_kind in cells.items():
        for k, n in by_kind.items():
            t[row][SHORT[k]] += n
            t[row]["total"] += n
    return t


def add_tables(*tables):
    out = json.loads(json.dumps(tables[0]))
    for t in tables[1:]:
        for row, cells in t.items():
            for c, n in cells.items():
                out[row][c] += n
    return out


def table4(cells):
    t = {c: 0 for c in T4_CELLS}
    t.update(cells)
    return t
