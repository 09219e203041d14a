-- 017_backdate_delivery.sql: issue 11, items 8 and 9 (the fee's period).
--
-- * requests.late_entry: a step (or the receipt) was entered with a date
--   more than the agency's backdate_workdays working days back, with its
--   reason (event data `backdate_reason`); the queue marks such a request.
-- * fees.delivery / delivered_on: the fee notice's period runs from the
--   day the applicant receives it (2020 measures: 自收到本通知之日起20个
--   工作日内). Handed over or shown online it is delivered the day issued;
--   posted, staff enter the day of delivery (step fee_notice_delivered).
--   Until then pay_by is NULL and nothing closes the request for
--   non-payment. Existing fees were delivered the day issued.
-- * request_events.action gains `fee_notice_delivered`.

ALTER TABLE requests
	ADD COLUMN late_entry boolean NOT NULL DEFAULT false;

ALTER TABLE fees
	ADD COLUMN delivery text NOT NULL DEFAULT 'handed'
		CONSTRAINT fees_delivery_known CHECK (delivery IN ('handed', 'online', 'post')),
	ADD COLUMN delivered_on date,
	ALTER COLUMN pay_by DROP NOT NULL;

UPDATE fees SET delivered_on = notice_on;

ALTER TABLE fees
	ADD CONSTRAINT fees_delivered_after_notice
		CHECK (delivered_on IS NULL OR delivered_on >= notice_on),
	ADD CONSTRAINT fees_pay_by_unless_posted
		CHECK (pay_by IS NOT NULL OR (delivery = 'post' AND delivered_on IS NULL)),
	ADD CONSTRAINT fees_expired_with_pay_by
		CHECK (state <> 'expired' OR pay_by IS NOT NULL);

-- The event list grows by one name. Other migrations rewrite this list
-- too (016 added consult_received): extend whatever list is in force
-- rather than restate it.
DO $$
DECLARE
	def text;
BEGIN
	SELECT pg_get_constraintdef(oid) INTO def FROM pg_constraint
	 WHERE conrelid = 'request_events'::regclass
	   AND conname = 'request_events_action_check';
	IF def IS NULL OR position('''fee_notice''::text' IN def) = 0 THEN
		RAISE EXCEPTION 'request_events_action_check: unexpected definition %', def;
	END IF;
	IF position('''fee_notice_delivered''' IN def) = 0 THEN
		ALTER TABLE request_events DROP CONSTRAINT request_events_action_check;
		EXECUTE 'ALTER TABLE request_events ADD CONSTRAINT request_events_action_check '
			|| replace(def, '''fee_notice''::text',
				   '''fee_notice''::text, ''fee_notice_delivered''::text');
	END IF;
END
$$;
