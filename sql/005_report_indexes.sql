-- 005_report_indexes.sql: what the yearly report's tables need at scale.
--
-- Table 三 of year Y counts the requests alive during Y (docs/report.md):
-- received by 31 December and not concluded before 1 January. That set is
-- the union of
--   concluded on or after 1 January of Y (and received by 31 December), and
--   still open (received, not concluded),
-- so REPORT_TABLE3 (fcgi/pages/report.stmts) reads one index range per
-- branch and agency, index-only: the columns it counts by are included.
-- Measured at 1,000,000 requests (tests/perf/report_dataset.sql): one
-- department-year ~10 ms, a government summing 20 departments ~300 ms.

CREATE INDEX requests_report_concluded_idx
	ON requests (agency_id, concluded_on)
	INCLUDE (received_on, applicant_kind, outcome)
	WHERE concluded_on IS NOT NULL;

CREATE INDEX requests_report_open_idx
	ON requests (agency_id, received_on)
	INCLUDE (applicant_kind)
	WHERE concluded_on IS NULL AND received_on IS NOT NULL;

-- Table 四 joins the appeals of the year to their requests; appeals are
-- found by date (appeals_filed_idx, appeals_decided_idx of 001).

-- report_snapshots: the latest version of an agency's year is found by
-- the unique (agency_id, year, version) index of 001.
