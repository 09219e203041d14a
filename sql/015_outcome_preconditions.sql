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

-- Other migrations rewrite these lists too (016 may have run before this
-- one on a database that had it first): extend whatever list is in force
-- rather than restate it.
DO $$
DECLARE
	def text;
BEGIN
	SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
	 WHERE conrelid = 'request_events'::regclass
	   AND conname = 'request_events_action_check';
	IF def IS NULL OR position('''redo_ordered''::text' IN def) = 0 THEN
		RAISE EXCEPTION 'request_events_action_check: unexpected definition %', def;
	END IF;
	IF position('''reasons_asked''' IN def) = 0 THEN
		ALTER TABLE request_events DROP CONSTRAINT request_events_action_check;
		EXECUTE 'ALTER TABLE request_events ADD CONSTRAINT request_events_action_check '
			|| replace(def, '''redo_ordered''::text',
				   '''redo_ordered''::text, ''reasons_asked''::text, '
				   '''reasons_answered''::text, ''reasons_expired''::text, '
				   '''deadline_proposed''::text, ''deadline_set''::text, '
				   '''deadline_refused''::text');
	END IF;

	SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
	 WHERE conrelid = 'notices'::regclass AND conname = 'notices_kind_check';
	IF def IS NULL OR position('''other''::text' IN def) = 0 THEN
		RAISE EXCEPTION 'notices_kind_check: unexpected definition %', def;
	END IF;
	IF position('''reasons''' IN def) = 0 THEN
		ALTER TABLE notices DROP CONSTRAINT notices_kind_check;
		EXECUTE 'ALTER TABLE notices ADD CONSTRAINT notices_kind_check '
			|| replace(def, '''other''::text',
				   '''other''::text, ''reasons''::text, ''deadline''::text');
	END IF;
END
$$;
