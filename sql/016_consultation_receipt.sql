-- 016_consultation_receipt.sql: a consultation's window runs from the day
-- the party receives it (issue 11, item 7).
--
-- A third party (Art. 32) or co-author (Art. 34) has 15 working days from
-- the day it RECEIVES the consultation (征求意见书) to answer; the request's
-- clock stops from the day it is sent (Art. 33 ¶3).
--
-- * consultations.delivery: how it was delivered: in_person (当面送达),
--   online (网上或电子方式送达) — received the day it is sent — or post
--   (邮寄), received on a day the agency learns later. NULL for a
--   consultation recorded before this migration.
-- * consultations.party_received_on: the day the party received it; due_on
--   (its last day, computed by the application) is known exactly when it
--   is. Existing rows counted from the day sent: that day is kept as their
--   receipt.
-- * request_events: the step that records the receipt, `consult_received`.

ALTER TABLE consultations
	ADD COLUMN delivery text
		CONSTRAINT consultations_delivery_known
		CHECK (delivery IN ('in_person', 'online', 'post')),
	ADD COLUMN party_received_on date;

UPDATE consultations SET party_received_on = sent_on;

ALTER TABLE consultations
	ALTER COLUMN due_on DROP NOT NULL,
	ADD CONSTRAINT consultations_received_after_sent
		CHECK (party_received_on IS NULL OR party_received_on >= sent_on),
	ADD CONSTRAINT consultations_due_follows_receipt
		CHECK ((due_on IS NULL) = (party_received_on IS NULL)),
	ADD CONSTRAINT consultations_due_after_receipt
		CHECK (due_on IS NULL OR due_on >= party_received_on),
	ADD CONSTRAINT consultations_delivered_the_day_sent
		CHECK (delivery IS NULL OR delivery = 'post'
		       OR party_received_on = sent_on),
	ADD CONSTRAINT consultations_silence_after_due
		CHECK (result IS DISTINCT FROM 'silence' OR due_on IS NOT NULL);

-- The event list grows by one name. Other migrations rewrite this list
-- too: extend whatever list is in force rather than restate it.
DO $$
DECLARE
	def text;
BEGIN
	SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
	 WHERE conrelid = 'request_events'::regclass
	   AND conname = 'request_events_action_check';
	IF def IS NULL OR position('''consult_answered''::text' IN def) = 0 THEN
		RAISE EXCEPTION 'request_events_action_check: unexpected definition %', def;
	END IF;
	IF position('''consult_received''' IN def) = 0 THEN
		ALTER TABLE request_events DROP CONSTRAINT request_events_action_check;
		EXECUTE 'ALTER TABLE request_events ADD CONSTRAINT request_events_action_check '
			|| replace(def, '''consult_answered''::text',
				   '''consult_answered''::text, ''consult_received''::text');
	END IF;
END
$$;
