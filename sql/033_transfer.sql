-- 033_transfer.sql: a request transferred to the right agency (转办,
-- issue 18 section 1).
--
-- A request sent to the wrong agency of the same government is concluded
-- there as `unable_not_held` naming the agency that holds the information
-- (Art. 36(5)), and a new request, linked both ways, is created at that
-- agency as an online submission awaiting its confirmation (its own
-- clock, Art. 31). Both rows are written in one transaction by the
-- `transfer` step (service/workflow_transfer.c):
--   requests.transferred_to   on the original: the new request;
--   requests.transferred_from on the new one: the original.
-- Each link is unique (a request is transferred at most once, and a new
-- request comes from one original). The events: `transferred` on the
-- original (its data names the target and the new tracking number),
-- `transferred_in` on the new one (the original's number and agency),
-- each in its own request's hash chain. The list in force (027's)
-- restated in full, as 018 did.

ALTER TABLE requests
	ADD COLUMN transferred_from bigint REFERENCES requests (id),
	ADD COLUMN transferred_to bigint REFERENCES requests (id),
	ADD CONSTRAINT requests_transferred_from_unique UNIQUE (transferred_from),
	ADD CONSTRAINT requests_transferred_to_unique UNIQUE (transferred_to),
	ADD CONSTRAINT requests_transfer_not_self
		CHECK (transferred_from <> id AND transferred_to <> id);

ALTER TABLE request_events
	DROP CONSTRAINT request_events_action_check,
	ADD CONSTRAINT request_events_action_check CHECK (action IN (
		'submitted', 'confirmed', 'registered',
		'discarded',
		'supplement_asked', 'supplement_received',
		'supplement_expired',
		'consulted', 'consult_answered', 'consult_received',
		'extension_proposed', 'extension_approved',
		'extension_refused',
		'fee_notice', 'fee_notice_delivered', 'fee_paid', 'fee_expired',
		'replied', 'withdrawn',
		'appeal_filed', 'appeal_decided', 'redo_ordered',
		'reasons_asked', 'reasons_answered', 'reasons_expired',
		'deadline_proposed', 'deadline_set', 'deadline_refused',
		'notice_delivered',
		'note', 'assigned', 'edited', 'imported',
		'id_number_viewed', 'contact_viewed', 'contact_changed',
		'query_code_reissued',
		'transferred', 'transferred_in'));

-- The top of an agency's tree: its top-level government (a county
-- government and its departments share one). A transfer stays within it.
CREATE FUNCTION agency_root(agency bigint) RETURNS bigint
LANGUAGE sql STABLE AS $$
	WITH RECURSIVE up (id, parent_id) AS (
		SELECT id, parent_id FROM agencies WHERE id = agency
		UNION ALL
		SELECT a.id, a.parent_id FROM agencies a JOIN up ON a.id = up.parent_id)
	SELECT id FROM up WHERE parent_id IS NULL
$$;
