-- 015_outcome_preconditions.sql: issue 11, item 5 (outcomes only with
-- their preconditions).
--
-- * request_events.action gains the steps of a mass request (Art. 35):
--   `reasons_asked` (the applicant is asked to state reasons, with an
--   answer_by date in the event's data; the clock stops), `reasons_answered`
--   (recorded by staff; the clock resumes) and `reasons_expired` (the daily
--   run: the period passed without reasons; the clock resumes from the day
--   after its last day). The request stays `in_progress` meanwhile, its
--   clock stopped (clock_stopped_since), so no new status is needed.
-- * ... and the steps of a reasonable one that cannot be answered within
--   Art. 33's limits: `deadline_proposed` (staff propose a stated
--   deadline, data.due_on and data.reason), `deadline_set` (the head
--   consents: data.due_on becomes the due date, the applicant is told)
--   and `deadline_refused`.
-- * notices.kind gains `reasons` (政府信息公开申请说明理由告知书) and
--   `deadline` (延迟答复告知书).
--
-- A deny_query reply (Art. 36(7)) names the channel to use in its event's
-- data (`channel_info`); that needs no column.

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
		'reasons_asked', 'reasons_answered', 'reasons_expired',
		'deadline_proposed', 'deadline_set', 'deadline_refused',
		'note', 'assigned', 'edited', 'imported',
		'id_number_viewed', 'contact_viewed'));

ALTER TABLE notices
	DROP CONSTRAINT notices_kind_check,
	ADD CONSTRAINT notices_kind_check CHECK (kind IN (
		'acknowledgement', 'supplement', 'extension',
		'fee', 'reply', 'other', 'reasons', 'deadline'));
