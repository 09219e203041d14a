-- 027_query_code_reissued.sql: a lost 查询码 replaced (issue 16, item 6).
--
-- The code is kept only as a keyed hash, so it cannot be read back. After
-- checking the applicant's identity, the agency's staff issue a new one
-- (service/query_code_reissue.c): requests.query_code_hash is replaced and
-- the event `query_code_reissued` is appended by the staff member, its
-- data {"identity_checked": true} and never the code. The list in force
-- (021's) restated in full, as 018 did.

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
		'query_code_reissued'));
