-- 001_core.sql: the core schema of ysqgk (依申请公开).
--
-- Applied by `ysqgk migrate` inside one transaction; never edit it once it has
-- landed, add a new numbered file instead. docs/schema.md describes every table
-- and the rule each constraint enforces.
--
-- Conventions:
-- * Codes are lower-case snake_case text with a CHECK listing the allowed values
--   (the codes of shared/domain/report-format.md wherever one exists), never PG
--   enums: a later migration widens a list with DROP/ADD CONSTRAINT.
-- * Table constraints carry a name that says the rule, so the application can
--   turn a violation (SQLSTATE 23514, constraint name) into a message.
-- * Personal data that needs no clear text is stored encrypted (libsodium
--   secretbox: 24-byte nonce + 16-byte MAC + message) beside a keyed hash
--   (32 bytes) for look-ups; the keys live outside the database.
-- * Dates that the law counts from are `date` (Asia/Shanghai calendar days);
--   moments are `timestamptz`.

-- ---------------------------------------------------------------------------
-- Shared trigger functions
-- ---------------------------------------------------------------------------

-- Append-only tables: refuse UPDATE, DELETE and TRUNCATE for every role,
-- owners and superusers included (only disabling the trigger, which needs
-- ownership, gets round it; the application role owns nothing).
CREATE FUNCTION forbid_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
		USING ERRCODE = 'insufficient_privilege',
		      HINT = 'record a new row instead of changing an old one';
END;
$$;

CREATE FUNCTION touch_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	NEW.updated_at := now();
	RETURN NEW;
END;
$$;

-- ---------------------------------------------------------------------------
-- Agencies and staff
-- ---------------------------------------------------------------------------

CREATE TABLE agencies (
	id		bigserial PRIMARY KEY,
	-- Appears in URLs and tracking numbers (demo-2026-000123).
	code		text NOT NULL UNIQUE
			CONSTRAINT agencies_code_format CHECK (code ~ '^[a-z0-9_-]{1,32}$'),
	name		text NOT NULL
			CONSTRAINT agencies_name_present
			CHECK (length(btrim(name)) BETWEEN 1 AND 200),
	-- A county government whose yearly report sums its departments.
	parent_id	bigint REFERENCES agencies (id),
	-- Art. 49: a local government reports by 31 March, a department by
	-- 31 January.
	kind		text NOT NULL DEFAULT 'department'
			CHECK (kind IN ('government', 'department')),
	-- The disclosure office, printed on notices and the application page.
	office_address	text,
	office_phone	text,
	office_hours	text,
	-- Whether the online form takes new requests.
	accepting	boolean NOT NULL DEFAULT true,
	-- Per-agency choices where the regulation is silent (docs/schema.md).
	settings	jsonb NOT NULL DEFAULT '{}'
			CONSTRAINT agencies_settings_object
			CHECK (jsonb_typeof(settings) = 'object'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT agencies_not_own_parent CHECK (parent_id <> id)
);

-- The parent chain must end: no agency may be its own ancestor.
CREATE FUNCTION agencies_check_cycle() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.parent_id IS NULL THEN
		RETURN NEW;
	END IF;
	IF EXISTS (
		WITH RECURSIVE up (id) AS (
			SELECT NEW.parent_id
			UNION
			SELECT a.parent_id FROM agencies a JOIN up ON a.id = up.id
			WHERE a.parent_id IS NOT NULL
		)
		SELECT 1 FROM up WHERE id = NEW.id
	) THEN
		RAISE EXCEPTION 'agency % cannot be its own ancestor', NEW.code
			USING ERRCODE = 'check_violation',
			      CONSTRAINT = 'agencies_no_cycle';
	END IF;
	RETURN NEW;
END;
$$;

CREATE TRIGGER agencies_no_cycle
	BEFORE INSERT OR UPDATE OF parent_id ON agencies
	FOR EACH ROW EXECUTE FUNCTION agencies_check_cycle();

CREATE INDEX agencies_parent_idx ON agencies (parent_id) WHERE parent_id IS NOT NULL;

CREATE TABLE staff (
	id		bigserial PRIMARY KEY,
	-- NULL only for a system administrator who manages every agency.
	agency_id	bigint REFERENCES agencies (id),
	username	text NOT NULL UNIQUE
			CONSTRAINT staff_username_format
			CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
	-- crypto_pwhash_str() with Argon2id: "$argon2id$v=19$m=...,t=...,p=1$...".
	password_hash	text NOT NULL
			CONSTRAINT staff_password_argon2id
			CHECK (password_hash LIKE '$argon2id$%'
			       AND length(password_hash) < 128),
	-- head = 负责人 of the disclosure office: approves extensions (Art. 33).
	role		text NOT NULL CHECK (role IN ('clerk', 'head', 'admin')),
	display_name	text NOT NULL
			CONSTRAINT staff_display_name_present
			CHECK (length(btrim(display_name)) BETWEEN 1 AND 100),
	disabled	boolean NOT NULL DEFAULT false,
	must_change_password boolean NOT NULL DEFAULT false,
	failed_logins	integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
	locked_until	timestamptz,
	last_login_at	timestamptz,
	password_changed_at timestamptz NOT NULL DEFAULT now(),
	created_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT staff_agency_unless_admin
		CHECK (agency_id IS NOT NULL OR role = 'admin')
);

CREATE INDEX staff_agency_idx ON staff (agency_id);

CREATE TABLE sessions (
	-- Keyed hash of the random token in the cookie; the token itself is
	-- never stored, so a copy of the database opens no session.
	token_hash	bytea PRIMARY KEY
			CONSTRAINT sessions_token_hash_size
			CHECK (octet_length(token_hash) = 32),
	staff_id	bigint NOT NULL REFERENCES staff (id) ON DELETE CASCADE,
	csrf_token	bytea NOT NULL
			CONSTRAINT sessions_csrf_token_size
			CHECK (octet_length(csrf_token) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	ip		inet,
	user_agent	text,
	CONSTRAINT sessions_expire_after_creation CHECK (expires_at > created_at)
);

CREATE INDEX sessions_staff_idx ON sessions (staff_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

-- Staff actions not tied to one request: sign-in, user and agency changes,
-- calendar edits, report publication. Append-only.
CREATE TABLE audit_log (
	id		bigserial PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	-- NULL when nobody is signed in (e.g. a failed sign-in for an unknown
	-- username) or for the command line.
	actor_staff_id	bigint REFERENCES staff (id),
	agency_id	bigint REFERENCES agencies (id),
	-- The vocabulary is in docs/schema.md; the pattern keeps it code-like.
	action		text NOT NULL
			CONSTRAINT audit_log_action_format
			CHECK (action ~ '^[a-z][a-z0-9_]{0,47}$'),
	target_staff_id	bigint REFERENCES staff (id),
	ip		inet,
	data		jsonb NOT NULL DEFAULT '{}'
			CONSTRAINT audit_log_data_object
			CHECK (jsonb_typeof(data) = 'object')
);

CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_staff_id, at);
CREATE INDEX audit_log_agency_idx ON audit_log (agency_id, at);

CREATE TRIGGER audit_log_append_only
	BEFORE UPDATE OR DELETE ON audit_log
	FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER audit_log_no_truncate
	BEFORE TRUNCATE ON audit_log
	FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

-- ---------------------------------------------------------------------------
-- Requests
-- ---------------------------------------------------------------------------

-- One row per agency and year. A new number is taken with
--   INSERT INTO tracking_counters (agency_id, year, last_no) VALUES ($1, $2, 1)
--   ON CONFLICT (agency_id, year)
--   DO UPDATE SET last_no = tracking_counters.last_no + 1
--   RETURNING last_no;
-- which locks the row until the transaction ends: no gaps from races, no
-- duplicates.
CREATE TABLE tracking_counters (
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	year		integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
	last_no		integer NOT NULL CHECK (last_no >= 0),
	PRIMARY KEY (agency_id, year)
);

CREATE TABLE requests (
	id		bigserial PRIMARY KEY,
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	-- <agency code>-<year>-<6+ digits>; contains the agency code, so it is
	-- unique across agencies too and the status page needs nothing else.
	tracking_no	text NOT NULL UNIQUE
			CONSTRAINT requests_tracking_no_format
			CHECK (tracking_no ~ '^[a-z0-9_-]{1,32}-[0-9]{4}-[0-9]{6,}$'),
	-- Keyed hash of the random query code the applicant keeps.
	query_code_hash	bytea
			CONSTRAINT requests_query_code_hash_size
			CHECK (octet_length(query_code_hash) = 32),

	-- The applicant (Art. 29 ¶1), as given at submission.
	applicant_kind	text NOT NULL CHECK (applicant_kind IN (
				'person', 'business', 'research', 'nonprofit',
				'legal_service', 'org_other')),
	name		text NOT NULL
			CONSTRAINT requests_name_present
			CHECK (length(btrim(name)) BETWEEN 1 AND 200),
	id_type		text CHECK (id_type IN (
				'resident_id', 'passport', 'hk_macao_permit',
				'taiwan_permit', 'foreign_permanent_id', 'other')),
	id_number_enc	bytea
			CONSTRAINT requests_id_number_enc_size
			CHECK (octet_length(id_number_enc) > 40),
	id_number_hash	bytea
			CONSTRAINT requests_id_number_hash_size
			CHECK (octet_length(id_number_hash) = 32),
	-- 统一社会信用代码 (GB 32100-2015): public, so clear text. Only the
	-- alphabet and length are enforced; a failing check character is a
	-- warning the applicant may confirm.
	credit_code	text
			CONSTRAINT requests_credit_code_format
			CHECK (credit_code ~ '^[0-9A-HJ-NPQRTUWXY]{18}$'),
	legal_representative text,
	contact_name	text,
	work_unit	text,
	phone_enc	bytea
			CONSTRAINT requests_phone_enc_size
			CHECK (octet_length(phone_enc) > 40),
	phone_hash	bytea
			CONSTRAINT requests_phone_hash_size
			CHECK (octet_length(phone_hash) = 32),
	fax		text,
	email		text
			CONSTRAINT requests_email_format
			CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+$'
			       AND length(email) <= 254),
	address		text,
	postcode	text
			CONSTRAINT requests_postcode_format
			CHECK (postcode ~ '^[0-9]{6}$'),
	-- Which key encrypted/hashed the personal fields (key rotation).
	pii_key_version	smallint NOT NULL DEFAULT 1 CHECK (pii_key_version >= 1),

	-- The information wanted (Art. 29 ¶2).
	description	text NOT NULL
			CONSTRAINT requests_description_present
			CHECK (length(btrim(description)) BETWEEN 1 AND 20000),
	document_ref	text,
	-- Answers to a 补正 request, appended (Art. 30).
	supplement_text	text,

	-- The form wanted (Art. 29 ¶3).
	provision_forms	text[] NOT NULL DEFAULT '{}'
			CONSTRAINT requests_provision_forms_known
			CHECK (provision_forms <@
			       ARRAY['paper', 'email', 'cd', 'disk']::text[]),
	obtain_methods	text[] NOT NULL DEFAULT '{}'
			CONSTRAINT requests_obtain_methods_known
			CHECK (obtain_methods <@
			       ARRAY['post', 'express', 'email', 'fax', 'pickup',
				     'on_site']::text[]),

	-- How and when it arrived (Art. 31).
	channel		text NOT NULL CHECK (channel IN (
				'online', 'in_person', 'post', 'fax', 'email',
				'other')),
	submitted_at	timestamptz NOT NULL DEFAULT now(),
	-- The date of receipt; NULL until staff confirm or register it.
	received_on	date,
	-- Registered later than it arrived (e.g. a signed-for letter entered
	-- the next week): received_on is earlier than the registration event.
	backdated	boolean NOT NULL DEFAULT false,

	-- Cached from request_events by the application (domain/deadline).
	status		text NOT NULL DEFAULT 'submitted' CHECK (status IN (
				'submitted', 'in_progress',
				'awaiting_supplement', 'consulting',
				'awaiting_fee', 'answered', 'closed',
				'withdrawn', 'discarded')),
	due_on		date,
	-- Approved extension, at most 20 working days (Art. 33 ¶2).
	extension_days	integer NOT NULL DEFAULT 0
			CONSTRAINT requests_extension_max_20
			CHECK (extension_days BETWEEN 0 AND 20),
	-- The report's outcome row (report-format.md, table 三).
	outcome		text CHECK (outcome IN (
				'disclosed', 'partial',
				'deny_secret', 'deny_law', 'deny_security',
				'deny_third_party', 'deny_internal',
				'deny_process', 'deny_enforcement', 'deny_query',
				'unable_not_held', 'unable_create',
				'unable_unclear',
				'reject_petition', 'reject_repeat',
				'reject_publication', 'reject_mass',
				'reject_confirm',
				'other_no_supplement', 'other_no_fee', 'other')),
	concluded_on	date,
	assigned_to	bigint REFERENCES staff (id),

	-- Entered from an older register (ysqgk import): may lack the data an
	-- online submission must carry.
	imported	boolean NOT NULL DEFAULT false,
	-- Random token of the submitting form: a second POST of the same form
	-- finds the first row instead of making a second request.
	submit_token	text
			CONSTRAINT requests_submit_token_format
			CHECK (submit_token ~ '^[A-Za-z0-9_-]{16,64}$'),
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now(),

	CONSTRAINT requests_submit_token_unique UNIQUE (agency_id, submit_token),

	CONSTRAINT requests_outcome_iff_concluded
		CHECK ((outcome IS NULL) = (concluded_on IS NULL)),
	-- Only a received request can be concluded (and counted in table 三).
	CONSTRAINT requests_concluded_after_received
		CHECK (concluded_on IS NULL
		       OR (received_on IS NOT NULL AND concluded_on >= received_on)),
	CONSTRAINT requests_due_after_received
		CHECK (due_on IS NULL
		       OR (received_on IS NOT NULL AND due_on >= received_on)),
	-- The state machine of docs/schema.md, as far as the row can tell.
	CONSTRAINT requests_status_consistent CHECK (coalesce(CASE status
		WHEN 'submitted' THEN received_on IS NULL AND outcome IS NULL
		WHEN 'discarded' THEN received_on IS NULL AND outcome IS NULL
		WHEN 'withdrawn' THEN
			(received_on IS NULL AND outcome IS NULL)
			OR (received_on IS NOT NULL AND outcome = 'other')
		WHEN 'answered' THEN outcome IS NOT NULL
			AND outcome NOT IN ('other_no_supplement', 'other_no_fee')
		WHEN 'closed' THEN outcome IS NOT NULL
			AND outcome IN ('other_no_supplement', 'other_no_fee', 'other')
		ELSE received_on IS NOT NULL AND outcome IS NULL
		END, false)),
	-- Art. 29: a person gives an identity document, an organisation its
	-- credit code; the number is stored encrypted with its hash, or not at
	-- all.
	CONSTRAINT requests_person_identity CHECK (
		CASE WHEN applicant_kind = 'person' THEN
			credit_code IS NULL AND legal_representative IS NULL
			AND (imported OR id_type IS NOT NULL)
		ELSE
			id_type IS NULL
		END),
	CONSTRAINT requests_id_number_complete CHECK (
		(id_type IS NULL) = (id_number_enc IS NULL)
		AND (id_number_enc IS NULL) = (id_number_hash IS NULL)),
	CONSTRAINT requests_phone_complete CHECK (
		(phone_enc IS NULL) = (phone_hash IS NULL)),
	-- Art. 29 ¶1: some way to reach the applicant.
	CONSTRAINT requests_has_contact CHECK (
		imported OR phone_enc IS NOT NULL OR email IS NOT NULL
		OR address IS NOT NULL),
	CONSTRAINT requests_query_code_unless_imported CHECK (
		imported OR query_code_hash IS NOT NULL),
	CONSTRAINT requests_imported_received CHECK (
		NOT imported OR received_on IS NOT NULL)
);

CREATE TRIGGER requests_touch
	BEFORE UPDATE ON requests
	FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- The staff queue: an agency's requests by state, soonest due first.
CREATE INDEX requests_queue_idx ON requests (agency_id, status, due_on, id);
-- Open requests only: the deadline warnings and the "due soon" list.
CREATE INDEX requests_open_idx ON requests (agency_id, due_on, id)
	WHERE status IN ('submitted', 'in_progress', 'awaiting_supplement',
			 'consulting', 'awaiting_fee');
CREATE INDEX requests_assigned_open_idx ON requests (assigned_to, due_on)
	WHERE status IN ('submitted', 'in_progress', 'awaiting_supplement',
			 'consulting', 'awaiting_fee');
-- Table 三: received in Y, concluded in Y, carried over.
CREATE INDEX requests_received_idx ON requests (agency_id, received_on);
CREATE INDEX requests_concluded_idx ON requests (agency_id, concluded_on);
-- Same applicant: fees per calendar month (2020 measures), repeat requests
-- (Art. 36 ⑹), mass requests (Art. 35).
CREATE INDEX requests_id_number_idx ON requests (agency_id, id_number_hash)
	WHERE id_number_hash IS NOT NULL;
CREATE INDEX requests_credit_code_idx ON requests (agency_id, credit_code)
	WHERE credit_code IS NOT NULL;
CREATE INDEX requests_phone_idx ON requests (agency_id, phone_hash)
	WHERE phone_hash IS NOT NULL;

-- ---------------------------------------------------------------------------
-- The event log: the truth from which status and due date are derived
-- ---------------------------------------------------------------------------

CREATE TABLE request_events (
	id		bigserial PRIMARY KEY,
	request_id	bigint NOT NULL REFERENCES requests (id),
	seq		integer NOT NULL CHECK (seq >= 1),
	at		timestamptz NOT NULL DEFAULT now(),
	-- The calendar day the step counts from (a back-dated registration, a
	-- supplement that arrived by post last Friday).
	effective_on	date NOT NULL
			DEFAULT (now() AT TIME ZONE 'Asia/Shanghai')::date,
	actor_staff_id	bigint REFERENCES staff (id),
	actor_kind	text NOT NULL CHECK (actor_kind IN (
				'applicant', 'staff', 'system', 'import')),
	action		text NOT NULL CHECK (action IN (
				'submitted', 'confirmed', 'registered',
				'discarded',
				'supplement_asked', 'supplement_received',
				'supplement_expired',
				'consulted', 'consult_answered',
				'extension_proposed', 'extension_approved',
				'extension_refused',
				'fee_notice', 'fee_paid', 'fee_expired',
				'replied', 'withdrawn',
				'appeal_filed', 'appeal_decided',
				'note', 'assigned', 'edited', 'imported',
				'id_number_viewed', 'contact_viewed')),
	-- The fields the step set or changed.
	data		jsonb NOT NULL DEFAULT '{}'
			CONSTRAINT request_events_data_object
			CHECK (jsonb_typeof(data) = 'object'),
	-- Hash chain, computed by the application: hash covers prev_hash and
	-- this event's content, so a changed or removed event shows.
	prev_hash	bytea
			CONSTRAINT request_events_prev_hash_size
			CHECK (octet_length(prev_hash) = 32),
	hash		bytea NOT NULL
			CONSTRAINT request_events_hash_size
			CHECK (octet_length(hash) = 32),
	CONSTRAINT request_events_seq_unique UNIQUE (request_id, seq),
	CONSTRAINT request_events_first_has_no_prev
		CHECK ((seq = 1) = (prev_hash IS NULL)),
	-- A staff step names its staff member; the applicant and the system
	-- are nobody on the staff list. An import may name who ran it.
	CONSTRAINT request_events_actor_consistent CHECK (CASE actor_kind
		WHEN 'staff' THEN actor_staff_id IS NOT NULL
		WHEN 'import' THEN true
		ELSE actor_staff_id IS NULL
		END)
);

-- Events come in order: seq n+1 follows seq n and carries its hash.
CREATE FUNCTION request_events_check_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	prev bytea;
BEGIN
	IF NEW.seq = 1 THEN
		RETURN NEW;
	END IF;
	SELECT hash INTO prev FROM request_events
	 WHERE request_id = NEW.request_id AND seq = NEW.seq - 1;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'request % has no event % before event %',
			NEW.request_id, NEW.seq - 1, NEW.seq
			USING ERRCODE = 'check_violation',
			      CONSTRAINT = 'request_events_chain';
	END IF;
	IF prev IS DISTINCT FROM NEW.prev_hash THEN
		RAISE EXCEPTION 'event % of request % does not follow the hash of event %',
			NEW.seq, NEW.request_id, NEW.seq - 1
			USING ERRCODE = 'check_violation',
			      CONSTRAINT = 'request_events_chain';
	END IF;
	RETURN NEW;
END;
$$;

CREATE TRIGGER request_events_chain
	BEFORE INSERT ON request_events
	FOR EACH ROW EXECUTE FUNCTION request_events_check_chain();
CREATE TRIGGER request_events_append_only
	BEFORE UPDATE OR DELETE ON request_events
	FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER request_events_no_truncate
	BEFORE TRUNCATE ON request_events
	FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

CREATE INDEX request_events_actor_idx ON request_events (actor_staff_id, at)
	WHERE actor_staff_id IS NOT NULL;

-- ---------------------------------------------------------------------------
-- Notices and the steps with their own records
-- ---------------------------------------------------------------------------

-- The written notices (告知书/答复书) sent to the applicant. Once issued the
-- text is fixed; only its delivery and visibility may be recorded later.
CREATE TABLE notices (
	id		bigserial PRIMARY KEY,
	request_id	bigint NOT NULL,
	event_seq	integer NOT NULL,
	kind		text NOT NULL CHECK (kind IN (
				'acknowledgement', 'supplement', 'extension',
				'fee', 'reply', 'other')),
	-- The agency's own number for the document, e.g. 〔2026〕第12号.
	notice_no	text,
	title		text NOT NULL
			CONSTRAINT notices_title_present
			CHECK (length(btrim(title)) > 0),
	body		text NOT NULL,
	issued_on	date NOT NULL,
	visible_to_applicant boolean NOT NULL DEFAULT true,
	-- How and when it reached the applicant: the remedies' periods
	-- (Art. 51) run from then.
	delivery_method	text CHECK (delivery_method IN (
				'online', 'post', 'express', 'email', 'fax',
				'pickup', 'on_site')),
	delivered_on	date,
	created_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT notices_event_fk FOREIGN KEY (request_id, event_seq)
		REFERENCES request_events (request_id, seq),
	CONSTRAINT notices_delivered_after_issue
		CHECK (delivered_on IS NULL OR delivered_on >= issued_on)
);

CREATE FUNCTION notices_check_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF (NEW.id, NEW.request_id, NEW.event_seq, NEW.kind, NEW.notice_no,
	    NEW.title, NEW.body, NEW.issued_on, NEW.created_at)
	   IS DISTINCT FROM
	   (OLD.id, OLD.request_id, OLD.event_seq, OLD.kind, OLD.notice_no,
	    OLD.title, OLD.body, OLD.issued_on, OLD.created_at) THEN
		RAISE EXCEPTION 'notice % was issued: its text cannot change', OLD.id
			USING ERRCODE = 'insufficient_privilege',
			      HINT = 'issue a new notice instead';
	END IF;
	RETURN NEW;
END;
$$;

CREATE TRIGGER notices_fixed_text
	BEFORE UPDATE ON notices
	FOR EACH ROW EXECUTE FUNCTION notices_check_update();
CREATE TRIGGER notices_no_delete
	BEFORE DELETE ON notices
	FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER notices_no_truncate
	BEFORE TRUNCATE ON notices
	FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();

CREATE INDEX notices_request_idx ON notices (request_id, event_seq);

-- 补正 (Art. 30): asked once and in full, so at most one per request.
CREATE TABLE supplements (
	id		bigserial PRIMARY KEY,
	request_id	bigint NOT NULL REFERENCES requests (id)
			CONSTRAINT supplements_once_per_request UNIQUE,
	asked_on	date NOT NULL,
	what		text NOT NULL
			CONSTRAINT supplements_what_present
			CHECK (length(btrim(what)) > 0),
	answer_by	date NOT NULL,
	answered_on	date,
	answer		text,
	state		text NOT NULL DEFAULT 'asked'
			CHECK (state IN ('asked', 'answered', 'expired')),
	CONSTRAINT supplements_answer_by_after_asked
		CHECK (answer_by >= asked_on),
	CONSTRAINT supplements_answered_after_asked
		CHECK (answered_on IS NULL OR answered_on >= asked_on),
	CONSTRAINT supplements_state_consistent
		CHECK ((state = 'answered') = (answered_on IS NOT NULL))
);

-- Third parties (Art. 32) and co-authoring agencies (Art. 34): 15 working
-- days to answer, not counted in the 20.
CREATE TABLE consultations (
	id		bigserial PRIMARY KEY,
	request_id	bigint NOT NULL REFERENCES requests (id),
	party		text NOT NULL
			CONSTRAINT consultations_party_present
			CHECK (length(btrim(party)) > 0),
	kind		text NOT NULL CHECK (kind IN ('third_party', 'co_author')),
	sent_on		date NOT NULL,
	due_on		date NOT NULL,
	answered_on	date,
	answer		text,
	-- silence: no answer by due_on (for a co-author, consent; Art. 34).
	result		text CHECK (result IN ('consent', 'objection', 'silence')),
	CONSTRAINT consultations_due_after_sent CHECK (due_on >= sent_on),
	CONSTRAINT consultations_answered_after_sent
		CHECK (answered_on IS NULL OR answered_on >= sent_on),
	CONSTRAINT consultations_result_consistent CHECK (
		CASE WHEN result IS NULL OR result = 'silence'
		     THEN answered_on IS NULL
		     ELSE answered_on IS NOT NULL END)
);

CREATE INDEX consultations_request_idx ON consultations (request_id);

-- Extensions (Art. 33 ¶2): proposed by staff, decided by the head of the
-- disclosure office, at most 20 working days in all.
CREATE TABLE extensions (
	id		bigserial PRIMARY KEY,
	request_id	bigint NOT NULL REFERENCES requests (id),
	proposed_by	bigint NOT NULL REFERENCES staff (id),
	proposed_at	timestamptz NOT NULL DEFAULT now(),
	reason		text NOT NULL
			CONSTRAINT extensions_reason_present
			CHECK (length(btrim(reason)) > 0),
	days		integer NOT NULL
			CONSTRAINT extensions_days_1_to_20
			CHECK (days BETWEEN 1 AND 20),
	state		text NOT NULL DEFAULT 'proposed'
			CHECK (state IN ('proposed', 'approved', 'refused')),
	decided_by	bigint REFERENCES staff (id),
	decided_at	timestamptz,
	CONSTRAINT extensions_decided_consistent CHECK (
		(state = 'proposed') = (decided_by IS NULL)
		AND (decided_by IS NULL) = (decided_at IS NULL)),
	-- Nobody approves their own proposal.
	CONSTRAINT extensions_not_own_decision
		CHECK (decided_by <> proposed_by)
);

-- One open proposal at a time.
CREATE UNIQUE INDEX extensions_one_open_idx ON extensions (request_id)
	WHERE state = 'proposed';

-- The decider is a head of the request's agency, and approved extensions add
-- up to at most 20 working days.
CREATE FUNCTION extensions_check_decision() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	total integer;
BEGIN
	-- Checked when the decision is recorded, not again on later edits
	-- (a head who has since left does not void their approval).
	IF NEW.decided_by IS NOT NULL
	   AND (TG_OP = 'INSERT' OR NEW.decided_by IS DISTINCT FROM OLD.decided_by)
	   AND NOT EXISTS (
		SELECT 1 FROM staff s JOIN requests r ON r.agency_id = s.agency_id
		 WHERE s.id = NEW.decided_by AND r.id = NEW.request_id
		   AND s.role = 'head' AND NOT s.disabled
	) THEN
		RAISE EXCEPTION 'only a head of the agency''s disclosure office may decide an extension (Art. 33)'
			USING ERRCODE = 'check_violation',
			      CONSTRAINT = 'extensions_decider_is_head';
	END IF;
	IF NEW.state = 'approved' THEN
		SELECT coalesce(sum(days), 0) INTO total FROM extensions
		 WHERE request_id = NEW.request_id AND state = 'approved'
		   AND id <> NEW.id;
		IF total + NEW.days > 20 THEN
			RAISE EXCEPTION 'extensions of request % would total % working days; at most 20 (Art. 33)',
				NEW.request_id, total + NEW.days
				USING ERRCODE = 'check_violation',
				      CONSTRAINT = 'extensions_total_max_20';
		END IF;
	END IF;
	RETURN NEW;
END;
$$;

CREATE TRIGGER extensions_decision
	BEFORE INSERT OR UPDATE ON extensions
	FOR EACH ROW EXECUTE FUNCTION extensions_check_decision();

CREATE INDEX extensions_request_idx ON extensions (request_id);

-- 信息处理费 (Art. 42, 国办函〔2020〕109号): a notice stops the clock until
-- paid; unpaid by pay_by ends the request (other_no_fee).
CREATE TABLE fees (
	id		bigserial PRIMARY KEY,
	request_id	bigint NOT NULL REFERENCES requests (id),
	method		text NOT NULL CHECK (method IN ('per_request', 'per_page')),
	-- per_page: the number of pages; per_request: the request's ordinal
	-- among the applicant's requests in that calendar month.
	units		integer NOT NULL CHECK (units >= 1),
	amount_yuan	numeric(12, 2) NOT NULL
			CONSTRAINT fees_amount_positive CHECK (amount_yuan > 0),
	notice_on	date NOT NULL,
	pay_by		date NOT NULL,
	paid_on		date,
	state		text NOT NULL DEFAULT 'pending'
			CHECK (state IN ('pending', 'paid', 'expired', 'waived')),
	CONSTRAINT fees_pay_by_after_notice CHECK (pay_by >= notice_on),
	CONSTRAINT fees_paid_after_notice
		CHECK (paid_on IS NULL OR paid_on >= notice_on),
	CONSTRAINT fees_state_consistent
		CHECK ((state = 'paid') = (paid_on IS NOT NULL))
);

CREATE UNIQUE INDEX fees_one_pending_idx ON fees (request_id)
	WHERE state = 'pending';

-- Administrative review and lawsuits (Art. 51), table 四.
CREATE TABLE appeals (
	id		bigserial PRIMARY KEY,
	request_id	bigint NOT NULL REFERENCES requests (id),
	kind		text NOT NULL CHECK (kind IN (
				'review', 'suit_direct', 'suit_after_review')),
	-- The review body or court.
	body		text,
	filed_on	date NOT NULL,
	result		text NOT NULL DEFAULT 'pending' CHECK (result IN (
				'upheld', 'corrected', 'other', 'pending')),
	decided_on	date,
	note		text,
	CONSTRAINT appeals_pending_iff_undecided
		CHECK ((result = 'pending') = (decided_on IS NULL)),
	CONSTRAINT appeals_decided_after_filed
		CHECK (decided_on IS NULL OR decided_on >= filed_on)
);

CREATE INDEX appeals_request_idx ON appeals (request_id);
CREATE INDEX appeals_filed_idx ON appeals (filed_on);
CREATE INDEX appeals_decided_idx ON appeals (decided_on);

-- ---------------------------------------------------------------------------
-- The working-day calendar
-- ---------------------------------------------------------------------------

-- The State Council's schedule: holiday = a day off (any day of the week),
-- workday = a weekend day that is worked (调休上班). Every other Monday to
-- Friday is a working day. Administrators add each November's schedule.
CREATE TABLE holidays (
	day		date PRIMARY KEY,
	kind		text NOT NULL CHECK (kind IN ('holiday', 'workday')),
	name		text NOT NULL
			CONSTRAINT holidays_name_present
			CHECK (length(btrim(name)) > 0),
	CONSTRAINT holidays_workday_is_weekend
		CHECK (kind <> 'workday' OR extract(isodow FROM day) IN (6, 7))
);

-- ---------------------------------------------------------------------------
-- The yearly report
-- ---------------------------------------------------------------------------

-- The cells of table 二 for each format, with their kind:
--   count  a whole number >= 0
--   change a whole number, may be negative (本年增/减)
--   amount a decimal >= 0, in 万元
-- A later migration widens the list with CREATE OR REPLACE.
CREATE FUNCTION report_table2_cell_kind(format text, code text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT s.kind FROM (VALUES
		('2021', 'rules_issued', 'count'),
		('2021', 'rules_repealed', 'count'),
		('2021', 'rules_in_force', 'count'),
		('2021', 'normative_docs_issued', 'count'),
		('2021', 'normative_docs_repealed', 'count'),
		('2021', 'normative_docs_in_force', 'count'),
		('2021', 'licensing_decisions', 'count'),
		('2021', 'penalty_decisions', 'count'),
		('2021', 'coercion_decisions', 'count'),
		('2021', 'charges_amount', 'amount'),
		('2019', 'rules_made', 'count'),
		('2019', 'rules_published', 'count'),
		('2019', 'rules_published_total', 'count'),
		('2019', 'normative_docs_made', 'count'),
		('2019', 'normative_docs_published', 'count'),
		('2019', 'normative_docs_published_total', 'count'),
		('2019', 'licensing_items_prev', 'count'),
		('2019', 'licensing_items_change', 'change'),
		('2019', 'licensing_decisions', 'count'),
		('2019', 'other_services_items_prev', 'count'),
		('2019', 'other_services_items_change', 'change'),
		('2019', 'other_services_decisions', 'count'),
		('2019', 'penalty_items_prev', 'count'),
		('2019', 'penalty_items_change', 'change'),
		('2019', 'penalty_decisions', 'count'),
		('2019', 'coercion_items_prev', 'count'),
		('2019', 'coercion_items_change', 'change'),
		('2019', 'coercion_decisions', 'count'),
		('2019', 'charges_items_prev', 'count'),
		('2019', 'charges_items_change', 'change'),
		('2019', 'procurement_items', 'count'),
		('2019', 'procurement_amount', 'amount')
	) AS s (format, code, kind)
	WHERE s.format = $1 AND s.code = $2
$$;

-- Every key is a cell of the format, every value a number of the cell's
-- kind. Missing keys are cells not yet entered.
CREATE FUNCTION report_table2_cells_ok(format text, cells jsonb) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
	SELECT jsonb_typeof($2) = 'object' AND NOT EXISTS (
		SELECT 1 FROM jsonb_each($2) AS c (code, value)
		 WHERE CASE
			WHEN jsonb_typeof(c.value) <> 'number' THEN true
			ELSE CASE report_table2_cell_kind($1, c.code)
				WHEN 'count' THEN c.value::numeric < 0
					OR c.value::numeric <> trunc(c.value::numeric)
				WHEN 'change' THEN
					c.value::numeric <> trunc(c.value::numeric)
				WHEN 'amount' THEN c.value::numeric < 0
				ELSE true
			END
		END)
$$;

-- Table 二, entered by staff.
CREATE TABLE report_table2 (
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	year		integer NOT NULL CHECK (year BETWEEN 2019 AND 2999),
	format		text NOT NULL CHECK (format IN ('2019', '2021')),
	cells		jsonb NOT NULL DEFAULT '{}'
			CONSTRAINT report_table2_cells_valid
			CHECK (report_table2_cells_ok(format, cells)),
	updated_by	bigint REFERENCES staff (id),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (agency_id, year),
	-- 国办公开办函〔2019〕60号 for 2019–2020, 〔2021〕30号 from 2021.
	CONSTRAINT report_table2_format_of_year
		CHECK ((format = '2019') = (year <= 2020))
);

CREATE TRIGGER report_table2_touch
	BEFORE UPDATE ON report_table2
	FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- Sections 一, 五 and 六: prose written by staff.
CREATE TABLE report_prose (
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	year		integer NOT NULL CHECK (year BETWEEN 2019 AND 2999),
	section		text NOT NULL CHECK (section IN ('one', 'five', 'six')),
	body		text NOT NULL DEFAULT '',
	updated_by	bigint REFERENCES staff (id),
	updated_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (agency_id, year, section)
);

CREATE TRIGGER report_prose_touch
	BEFORE UPDATE ON report_prose
	FOR EACH ROW EXECUTE FUNCTION touch_updated_at();

-- A published report, frozen: all six sections with the computed tables as
-- they stood. A correction is published as the next version. Append-only.
CREATE TABLE report_snapshots (
	id		bigserial PRIMARY KEY,
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	year		integer NOT NULL CHECK (year BETWEEN 2019 AND 2999),
	version		integer NOT NULL DEFAULT 1 CHECK (version >= 1),
	published_at	timestamptz NOT NULL DEFAULT now(),
	published_by	bigint REFERENCES staff (id),
	content		jsonb NOT NULL
			CONSTRAINT report_snapshots_content_object
			CHECK (jsonb_typeof(content) = 'object'),
	CONSTRAINT report_snapshots_version_unique UNIQUE (agency_id, year, version)
);

CREATE TRIGGER report_snapshots_append_only
	BEFORE UPDATE OR DELETE ON report_snapshots
	FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER report_snapshots_no_truncate
	BEFORE TRUNCATE ON report_snapshots
	FOR EACH STATEMENT EXECUTE FUNCTION forbid_change();
