-- 018_event_actions_written_out.sql: the list of event names in force,
-- written out once more in full.
--
-- 015, 016 and 017 each added their steps to request_events.action's
-- CHECK by editing the definition in force (so that they could land in
-- any order). The result is right but can be read only from a database.
-- Restating it here changes nothing in a database that has 001–017 and
-- gives the schema one place to read the list from (docs/schema.md;
-- tests/unit/test_vocab.c compares it with domain/vocab.c).

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
		'id_number_viewed', 'contact_viewed'));
