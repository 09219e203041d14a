-- 021_notice_delivery.sql: every notice's delivery on record (送达, issue 14).
--
-- * notices.delivery_method gains `sms` and `announcement` (公告送达);
--   delivery_ref holds the postal or express tracking number, or the
--   relay's reply for e-mail; delivery_basis says what the date rests on:
--   entered by staff from the post's or the applicant's confirmation
--   (`recorded`), the applicant's signature on the 送达回证
--   (`receipt_signed`), or, for e-mail, the relay's acceptance
--   (`relay_accepted`: the message left us; it is not proof that it
--   reached the mailbox, and the pages say so).
-- * messages.notice_id: the notice a message carries, so that the
--   sender can record an e-mail's delivery on it.
-- * request_events.action gains `notice_delivered` (and keeps 020's
--   `contact_changed`): the list restated in full, as 018 did.

ALTER TABLE notices
	DROP CONSTRAINT notices_delivery_method_check,
	ADD CONSTRAINT notices_delivery_method_check CHECK (delivery_method IN (
		'online', 'post', 'express', 'email', 'sms', 'fax', 'pickup',
		'on_site', 'announcement')),
	ADD COLUMN delivery_ref text
		CONSTRAINT notices_delivery_ref_length CHECK (length(delivery_ref) <= 300),
	ADD COLUMN delivery_basis text
		CONSTRAINT notices_delivery_basis_check
		CHECK (delivery_basis IN ('recorded', 'receipt_signed', 'relay_accepted')),
	-- A basis only for a date; a date (entered before 021 or by hand)
	-- always with its method.
	ADD CONSTRAINT notices_delivery_complete CHECK (
		(delivery_basis IS NULL OR delivered_on IS NOT NULL)
		AND (delivered_on IS NULL OR delivery_method IS NOT NULL));

UPDATE notices SET delivery_basis = 'recorded' WHERE delivered_on IS NOT NULL;

ALTER TABLE messages
	ADD COLUMN notice_id bigint REFERENCES notices (id);

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
		'id_number_viewed', 'contact_viewed', 'contact_changed'));
