-- report_dataset.sql: N requests (and some appeals) for measuring the
-- yearly report, generated with generate_series, reproducible (the values
-- are hashes of the row number, not random()).
--
--   psql -v n=1000000 -v prefix=perf -f tests/perf/report_dataset.sql
--
-- Makes agency :prefix (a government) with 20 departments :prefix-01 …
-- :prefix-20, then n requests spread evenly over the departments and the
-- years 2019–2026 (received on any day of the year; 97 % concluded 0–89
-- days later, so some cross the year end; 3 % still open), every
-- applicant kind and outcome, and an appeal for one request in 50.
-- Rows are marked imported (like a paper ledger: no query code, no
-- contact needed). Run it once per prefix: the tracking numbers repeat.
--
-- Needs a superuser (the dev stack's): the per-row triggers are switched
-- off for the load (session_replication_role = replica) — the per-status
-- counter would otherwise update one row a million times in one
-- transaction — and request_counts is recomputed at the end. The rows
-- are generated consistent, so the foreign keys skipped hold.
\set ON_ERROR_STOP 1
\if :{?n}
\else
\set n 1000000
\endif
\if :{?prefix}
\else
\set prefix perf
\endif

INSERT INTO agencies (code, name, kind)
VALUES (:'prefix', '性能测试县人民政府', 'government')
ON CONFLICT (code) DO NOTHING;

INSERT INTO agencies (code, name, parent_id)
SELECT :'prefix' || '-' || lpad(d::text, 2, '0'), '性能测试部门' || d,
       (SELECT id FROM agencies WHERE code = :'prefix')
  FROM generate_series(1, 20) AS d
ON CONFLICT (code) DO NOTHING;

BEGIN;
SET LOCAL session_replication_role = replica;
CREATE TEMP TABLE perf_outcome (k int PRIMARY KEY, code text NOT NULL) ON COMMIT DROP;
INSERT INTO perf_outcome (k, code)
SELECT ordinality - 1, code FROM unnest(ARRAY[
	'disclosed', 'partial', 'deny_secret', 'deny_law', 'deny_security',
	'deny_third_party', 'deny_internal', 'deny_process', 'deny_enforcement',
	'deny_query', 'unable_not_held', 'unable_create', 'unable_unclear',
	'reject_petition', 'reject_repeat', 'reject_publication', 'reject_mass',
	'reject_confirm', 'other_no_supplement', 'other_no_fee', 'other'])
	WITH ORDINALITY AS o (code, ordinality);

CREATE TEMP TABLE perf_kind (k int PRIMARY KEY, code text NOT NULL) ON COMMIT DROP;
INSERT INTO perf_kind (k, code)
SELECT ordinality - 1, code FROM unnest(ARRAY[
	'person', 'business', 'research', 'nonprofit', 'legal_service', 'org_other'])
	WITH ORDINALITY AS o (code, ordinality);

-- h1…h4: independent hashes of the row number, each in 0 … 2^31-1.
INSERT INTO requests (agency_id, tracking_no, applicant_kind, name, description,
		      channel, submitted_at, received_on, status, outcome,
		      concluded_on, imported)
SELECT a.id,
       a.code || '-' || v.year || '-' || lpad(v.i::text, 7, '0'),
       k.code, '申请人' || v.i, '性能测试申请 ' || v.i, 'in_person',
       v.received::timestamp AT TIME ZONE 'Asia/Shanghai', v.received,
       CASE WHEN v.open THEN 'in_progress'
	    WHEN o.code IN ('other_no_supplement', 'other_no_fee', 'other') THEN 'closed'
	    ELSE 'answered' END,
       CASE WHEN v.open THEN NULL ELSE o.code END,
       CASE WHEN v.open THEN NULL ELSE v.received + v.h3 % 90 END,
       true
  FROM (SELECT i,
	       2019 + (i / 20) % 8 AS year,
	       make_date(2019 + (i / 20) % 8, 1, 1) + (h1 % 365) AS received,
	       h1, h2, h3, h4 % 100 < 3 AS open
	  FROM (SELECT i,
		       hashint8(i) & 2147483647 AS h1,
		       hashint8(i + 1000000007) & 2147483647 AS h2,
		       hashint8(i + 2000000011) & 2147483647 AS h3,
		       hashint8(i + 3000000019) & 2147483647 AS h4
		  FROM generate_series(0, :n - 1) AS i) AS s) AS v
  JOIN agencies a ON a.code = :'prefix' || '-' || lpad((v.i % 20 + 1)::text, 2, '0')
  JOIN perf_kind k ON k.k = v.h2 % 6
  JOIN perf_outcome o ON o.k = (v.h2 / 6) % 21;

-- One request in 50 appealed, filed 10–69 days after its conclusion,
-- decided 0–179 days later or still pending.
INSERT INTO appeals (request_id, kind, filed_on, result, decided_on)
SELECT r.id, (ARRAY['review', 'suit_direct', 'suit_after_review'])[1 + r.id % 3],
       r.concluded_on + (10 + r.id % 60)::int,
       CASE WHEN r.id % 7 = 0 THEN 'pending'
	    ELSE (ARRAY['upheld', 'corrected', 'other'])[1 + (r.id / 3) % 3] END,
       CASE WHEN r.id % 7 = 0 THEN NULL
	    ELSE r.concluded_on + (10 + r.id % 60 + r.id % 180)::int END
  FROM requests r JOIN agencies a ON a.id = r.agency_id
 WHERE a.parent_id = (SELECT id FROM agencies WHERE code = :'prefix')
   AND r.concluded_on IS NOT NULL AND r.id % 50 = 0;

INSERT INTO request_counts (agency_id, status, n)
SELECT r.agency_id, r.status, count(*)
  FROM requests r JOIN agencies a ON a.id = r.agency_id
 WHERE a.parent_id = (SELECT id FROM agencies WHERE code = :'prefix')
 GROUP BY 1, 2
ON CONFLICT (agency_id, status) DO UPDATE SET n = EXCLUDED.n;
COMMIT;

VACUUM ANALYZE requests;
VACUUM ANALYZE appeals;
