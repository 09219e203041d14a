-- 019_messages.sql: messages that leave the system (issue 14).
--
-- * requests.notify: how the applicant chose to be told (短信 / 电子邮件 /
--   不需要). Requests stored before this migration get e-mail when they
--   gave an address, else SMS when they gave a phone, else none — the
--   form's own default.
-- * staff.email, staff.phone: where a clerk's alerts and digests go.
-- * messages: the transactional outbox. A step writes its messages in the
--   transaction that writes its event, so a message exists exactly when
--   its cause does; `ysqgk notify` delivers them. `message_key` is the
--   identity the receiving side sees (the Message-ID, the SMS provider's
--   session context): a message sent again after a crash carries the
--   same key. `dedup_key` makes reminders idempotent: `ysqgk deadlines`
--   queues (request, kind, date) once however often it runs.
--   The recipient's address is resolved when the message is sent (the
--   applicant may correct it meanwhile) and recorded, masked, in
--   `sent_to`.

ALTER TABLE requests
	ADD COLUMN notify text NOT NULL DEFAULT 'none'
		CONSTRAINT requests_notify_check
		CHECK (notify IN ('email', 'sms', 'none'));

UPDATE requests
   SET notify = CASE WHEN email IS NOT NULL THEN 'email'
		     WHEN phone_enc IS NOT NULL THEN 'sms'
		     ELSE 'none' END
 WHERE NOT imported;

ALTER TABLE staff
	ADD COLUMN email text
		CONSTRAINT staff_email_format
		CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'
		       AND length(email) <= 254),
	ADD COLUMN phone text
		CONSTRAINT staff_phone_format
		CHECK (phone ~ '^[0-9+() -]{5,30}$');

CREATE TABLE messages (
	id		bigserial PRIMARY KEY,
	-- The request it is about; NULL only for a staff digest.
	request_id	bigint REFERENCES requests (id),
	-- The event that caused it (NULL for reminders and digests).
	event_seq	integer,
	-- The recipient: the applicant when NULL, else this member of staff.
	staff_id	bigint REFERENCES staff (id),
	kind		text NOT NULL CONSTRAINT messages_kind_check CHECK (kind IN (
				'received', 'confirmed', 'supplement',
				'supplement_due', 'reasons', 'extension',
				'fee', 'fee_due', 'reply', 'closed',
				'withdrawn', 'transferred',
				'new_submission', 'digest')),
	channel		text NOT NULL CONSTRAINT messages_channel_check
			CHECK (channel IN ('email', 'sms')),
	-- What the message says: the tracking number, dates, … (never the
	-- query code); rendered by the sender per kind and channel.
	params		jsonb NOT NULL DEFAULT '{}',
	message_key	uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
	dedup_key	text UNIQUE,
	state		text NOT NULL DEFAULT 'queued'
			CONSTRAINT messages_state_check
			CHECK (state IN ('queued', 'sending', 'sent', 'dead')),
	attempts	integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at	timestamptz NOT NULL DEFAULT now(),
	-- A sender holds a message in state 'sending' until then; a sender
	-- killed meanwhile leaves it to be taken again after it.
	lease_until	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- Staff's "send again" of a dead message: its retries and maximum
	-- age count from then.
	requeued_at	timestamptz,
	sent_at		timestamptz,
	sent_to		text,		-- masked: z***@example.com, 138****5678
	-- What the relay or gateway answered: its queue id or serial number.
	provider_ref	text,
	last_error	text,
	CONSTRAINT messages_event_fk FOREIGN KEY (request_id, event_seq)
		REFERENCES request_events (request_id, seq),
	CONSTRAINT messages_recipient CHECK (request_id IS NOT NULL OR staff_id IS NOT NULL),
	CONSTRAINT messages_sent_complete CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);

-- The sender's work list: due messages in order.
CREATE INDEX messages_due_idx ON messages (next_attempt_at, id)
	WHERE state IN ('queued', 'sending');
CREATE INDEX messages_request_idx ON messages (request_id, id)
	WHERE request_id IS NOT NULL;
CREATE INDEX messages_dead_idx ON messages (id) WHERE state = 'dead';
