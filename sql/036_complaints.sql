-- 036_complaints.sql: complaints and reports (投诉、举报) about an
-- agency's handling of disclosure (Art. 51 of the Regulations; issue 18
-- section 5).
--
-- A citizen complains (投诉: about their own request's handling) or
-- reports (举报: about an agency's disclosure work in general) to the
-- supervising department. Filed against a tracking number (proved with
-- that request's query code: the agency is the request's) or against an
-- agency directly. The handling agency is the supervising (parent)
-- agency of the one complained about; a top-level agency, which has no
-- parent in the system, handles complaints about itself.
--
-- The deadline: 20 working days from receipt. The Regulations set no
-- time for answering a complaint; this is the product's choice, by
-- analogy with the 20 working days of a reply (Art. 33), not the law's.
--
-- Personal data as a request's applicant data (core/pii): the name and
-- the phone number are stored only encrypted (the phone beside its keyed
-- hash), the e-mail in clear as requests.email is (the sender reads it).
-- The query code is stored only as its keyed hash.
--
-- The trail: complaint_events, append-only (forbid_change): filed,
-- replied, and each look of a member of staff at the complainant's full
-- phone number (contact_viewed; shown masked otherwise, as a request's
-- applicant's is). Not the
-- MAC-chained request_events: that chain is per request, and a complaint
-- against an agency has none.

CREATE TABLE complaint_counters (
	year		integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2999),
	last_no		integer NOT NULL CHECK (last_no >= 0)
);

CREATE TABLE complaints (
	id		bigserial PRIMARY KEY,
	-- ts-2026-000001: its own number, the complainant follows it with
	-- its query code as an applicant follows a request.
	complaint_no	text NOT NULL UNIQUE
			CONSTRAINT complaints_no_format
			CHECK (complaint_no ~ '^ts-[0-9]{4}-[0-9]{6,}$'),
	query_code_hash	bytea NOT NULL,
	kind		text NOT NULL CONSTRAINT complaints_kind_check
			CHECK (kind IN ('complaint', 'report')),
	-- The request complained about, when filed against a tracking number.
	request_id	bigint REFERENCES requests (id),
	-- The agency complained about (the request's, when there is one).
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	-- Its supervising agency, or itself at the top (decided on filing).
	handling_agency_id bigint NOT NULL REFERENCES agencies (id),
	name_enc	bytea NOT NULL CHECK (octet_length(name_enc) > 40),
	phone_enc	bytea CHECK (octet_length(phone_enc) > 40),
	phone_hash	bytea,
	email		text CONSTRAINT complaints_email_format
			CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'
			       AND length(email) <= 254),
	-- How the complainant is told of the reply (requests.notify's codes).
	notify		text NOT NULL DEFAULT 'none'
			CONSTRAINT complaints_notify_check
			CHECK (notify IN ('email', 'sms', 'none')),
	body		text NOT NULL CHECK (length(btrim(body)) BETWEEN 1 AND 5000),
	received_on	date NOT NULL,
	due_on		date NOT NULL,
	status		text NOT NULL DEFAULT 'received'
			CONSTRAINT complaints_status_check
			CHECK (status IN ('received', 'replied')),
	reply		text CHECK (length(btrim(reply)) BETWEEN 1 AND 5000),
	replied_by	bigint REFERENCES staff (id),
	replied_on	date,
	created_at	timestamptz NOT NULL DEFAULT now(),
	-- The form's one-time token, as its keyed hash (requests.submit_token
	-- alike): the same form posted twice files one complaint.
	submit_token_hash bytea CONSTRAINT complaints_submit_token_unique UNIQUE,
	CONSTRAINT complaints_reply_complete CHECK ((status = 'replied') =
		(reply IS NOT NULL AND replied_by IS NOT NULL AND replied_on IS NOT NULL)),
	CONSTRAINT complaints_notify_has_address CHECK (
		notify = 'none' OR (notify = 'email' AND email IS NOT NULL)
		OR (notify = 'sms' AND phone_enc IS NOT NULL))
);

CREATE INDEX complaints_handling ON complaints (handling_agency_id, status, due_on);

CREATE TABLE complaint_events (
	complaint_id	bigint NOT NULL REFERENCES complaints (id),
	seq		integer NOT NULL CHECK (seq >= 1),
	action		text NOT NULL CONSTRAINT complaint_events_action_check
			CHECK (action IN ('filed', 'replied', 'contact_viewed')),
	actor_staff_id	bigint REFERENCES staff (id),
	at		timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (complaint_id, seq)
);

CREATE TRIGGER complaint_events_append_only
	BEFORE UPDATE OR DELETE ON complaint_events
	FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER complaint_events_no_truncate
	BEFORE TRUNCATE ON complaint_events
	FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- The complainant's message: a message about a complaint, not a request.
ALTER TABLE messages
	ADD COLUMN complaint_id bigint REFERENCES complaints (id),
	DROP CONSTRAINT messages_recipient,
	ADD CONSTRAINT messages_recipient
		CHECK (request_id IS NOT NULL OR staff_id IS NOT NULL
		       OR complaint_id IS NOT NULL),
	DROP CONSTRAINT messages_kind_check,
	ADD CONSTRAINT messages_kind_check CHECK (kind IN (
		'received', 'confirmed', 'supplement',
		'supplement_due', 'reasons', 'extension',
		'fee', 'fee_due', 'reply', 'closed',
		'withdrawn', 'transferred',
		'new_submission', 'digest',
		'complaint_replied'));
