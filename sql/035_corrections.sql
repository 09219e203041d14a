-- 035_corrections.sql: correction requests (更正申请, Art. 41; issue 18
-- section 5).
--
-- Art. 41: a citizen, legal person or other organisation with evidence
-- that government information an agency provides about themselves is
-- inaccurate may ask the agency to correct it. Such a request arrives
-- like a disclosure request (the same applicant fields, channels, clock
-- and steps) but asks for something else and ends otherwise:
--   requests.request_kind      'disclosure' (every request so far) or
--                              'correction';
--   requests.correction_wrong  what in the information is inaccurate;
--   requests.correction_should what it should say;
--   (which information: requests.description; the evidence: files of
--   purpose 'evidence').
-- Its outcomes: `corrected` (已更正), `referred` (not this agency's to
-- correct: the applicant is told the agency that can), `refused` (不予
-- 更正, with reasons). They are no rows of table 三, and the report counts
-- disclosure requests only: its two indexes (005) are rebuilt with the
-- same predicate so that REPORT_TABLE3 stays index-only.

ALTER TABLE requests
	ADD COLUMN request_kind text NOT NULL DEFAULT 'disclosure'
		CONSTRAINT requests_request_kind_check
		CHECK (request_kind IN ('disclosure', 'correction')),
	ADD COLUMN correction_wrong text
		CHECK (length(correction_wrong) BETWEEN 1 AND 20000),
	ADD COLUMN correction_should text
		CHECK (length(correction_should) BETWEEN 1 AND 20000),
	ADD CONSTRAINT requests_correction_fields
		CHECK (request_kind = 'correction'
		       OR (correction_wrong IS NULL AND correction_should IS NULL)),
	DROP CONSTRAINT requests_outcome_check,
	ADD CONSTRAINT requests_outcome_check CHECK (outcome IN (
		'disclosed', 'partial',
		'deny_secret', 'deny_law', 'deny_security',
		'deny_third_party', 'deny_internal',
		'deny_process', 'deny_enforcement', 'deny_query',
		'unable_not_held', 'unable_create',
		'unable_unclear',
		'reject_petition', 'reject_repeat',
		'reject_publication', 'reject_mass',
		'reject_confirm',
		'other_no_supplement', 'other_no_fee', 'other',
		'corrected', 'referred', 'refused')),
	-- A correction's outcomes end corrections only; a correction may
	-- also end as a withdrawal or a lapsed 补正 (other, other_no_*), the
	-- ways any request ends.
	ADD CONSTRAINT requests_outcome_fits_kind
		CHECK (outcome IS NULL OR request_kind = 'correction'
		       OR outcome NOT IN ('corrected', 'referred', 'refused'));

ALTER TABLE files
	DROP CONSTRAINT files_purpose_check,
	ADD CONSTRAINT files_purpose_check CHECK (purpose IN (
		'id_copy', 'authorization', 'other', 'supplement',
		'registration', 'reply', 'notice', 'seal', 'evidence'));

DROP INDEX requests_report_concluded_idx;
CREATE INDEX requests_report_concluded_idx
	ON requests (agency_id, concluded_on)
	INCLUDE (received_on, applicant_kind, outcome)
	WHERE concluded_on IS NOT NULL AND request_kind = 'disclosure';

DROP INDEX requests_report_open_idx;
CREATE INDEX requests_report_open_idx
	ON requests (agency_id, received_on)
	INCLUDE (applicant_kind)
	WHERE concluded_on IS NULL AND received_on IS NOT NULL
	      AND request_kind = 'disclosure';
