-- 012_law_today.sql: issue 11 "the law as of today", parts 3, 4 and 6.
--
-- * requests.redo_on: a review decision or judgment revoked the reply and
--   ordered the agency to answer again (行政复议法 Art. 64, 行政诉讼法
--   Art. 70): the request is worked again from that day (the day the
--   decision was received), with a new due date, and replied again. Table
--   三 counts a request by its first reply only (docs/report.md), so the
--   row keeps that reply's outcome and date of conclusion while it is
--   open again and after its new reply; redo_on says why an open request
--   carries an outcome. The state rule is widened for exactly that.
-- * request_events.action gains `redo_ordered` (the step that reopens it).
-- * A discarded submission names why (reason_code in the event's data):
--   `empty` (nothing to answer), `test`, `duplicate` (of a request being
--   handled). A petition or complaint is never discarded: it gets a
--   written reply (Art. 39, outcome reject_petition). Older events carry
--   no code.
-- * notices.annulled_on / annulled_by_seq: a closing for want of a
--   supplement (Art. 30) annulled when a late supplement with a good
--   reason is accepted; the notice stays, its text unchanged, marked.

ALTER TABLE requests
	ADD COLUMN redo_on date,
	ADD CONSTRAINT requests_redo_after_conclusion
		CHECK (redo_on IS NULL
		       OR (concluded_on IS NOT NULL AND redo_on >= concluded_on)),
	DROP CONSTRAINT requests_status_consistent,
	ADD CONSTRAINT requests_status_consistent CHECK (coalesce(
		CASE WHEN redo_on IS NOT NULL THEN
			status NOT IN ('submitted', 'discarded')
			AND received_on IS NOT NULL AND outcome IS NOT NULL
		ELSE CASE status
		WHEN 'submitted' THEN received_on IS NULL AND outcome IS NULL
		WHEN 'discarded' THEN received_on IS NULL AND outcome IS NULL
		WHEN 'withdrawn' THEN
			(received_on IS NULL AND outcome IS NULL)
			OR (received_on IS NOT NULL AND outcome = 'other')
		WHEN 'answered' THEN outcome IS NOT NULL
			AND outcome NOT IN ('other_no_supplement', 'other_no_fee')
		WHEN 'closed' THEN outcome IS NOT NULL
			AND outcome IN ('other_no_supplement', 'other_no_fee', 'other')
		ELSE received_on IS NOT NULL AND outcome IS NULL
		END END, false));

ALTER TABLE request_events
	DROP CONSTRAINT request_events_action_check,
	ADD CONSTRAINT request_events_action_check CHECK (action IN (
		'submitted', 'confirmed', 'registered',
		'discarded',
		'supplement_asked', 'supplement_received',
		'supplement_expired',
		'consulted', 'consult_answered',
		'extension_proposed', 'extension_approved',
		'extension_refused',
		'fee_notice', 'fee_paid', 'fee_expired',
		'replied', 'withdrawn',
		'appeal_filed', 'appeal_decided', 'redo_ordered',
		'note', 'assigned', 'edited', 'imported',
		'id_number_viewed', 'contact_viewed')),
	ADD CONSTRAINT request_events_discard_reason_known CHECK (
		action <> 'discarded' OR NOT data ? 'reason_code'
		OR data->>'reason_code' IN ('empty', 'test', 'duplicate'));

ALTER TABLE notices
	ADD COLUMN annulled_on date,
	ADD COLUMN annulled_by_seq integer,
	ADD CONSTRAINT notices_annulled_complete
		CHECK ((annulled_on IS NULL) = (annulled_by_seq IS NULL)),
	ADD CONSTRAINT notices_annulled_after_issue
		CHECK (annulled_on IS NULL OR annulled_on >= issued_on);
