-- 020_contact_changed.sql: the applicant's change of how they are told
-- and of their e-mail address or phone number, from the status page
-- (issue 14), is an event of the request: `contact_changed`, by the
-- applicant. Its data name only the fields that changed
-- ({"changed": ["notify", "email", "phone"]}), never an address: the log
-- is append-only and never encrypted.
--
-- The list in force (018's) restated with the new name, so that the
-- schema keeps one place to read it from (tests/unit/test_vocab.c
-- compares it with domain/vocab.c).

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
		'note', 'assigned', 'edited', 'imported',
		'id_number_viewed', 'contact_viewed',
		'contact_changed'));
