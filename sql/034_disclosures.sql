-- 034_disclosures.sql: the disclosure log (Art. 44, 转主动公开; issue 18 §2).
--
-- * pg_trgm: trigram search over the listings (contrib, shipped in
--   Debian's postgresql-15 package). It is a trusted extension (PostgreSQL
--   13+), so the owner role, which owns the database, creates it without
--   a superuser; `IF NOT EXISTS` leaves one a superuser made alone.
-- * disclosures: a disclosed or partial reply listed publicly, at most one
--   listing per request: its agency, a public title and summary (checked
--   for personal data by domain/privacy_check before they are written),
--   who published it and when; withdrawn_at hides it from the public.
-- * disclosure_files: the released documents (files of purpose 'reply'
--   of the same request) made public with the listing, each ticked by
--   staff one by one; any other file of the request stays private.
-- * disclosure_similar: a request whose description is trigram-similar
--   to a listing (pg_trgm's `%`, similarity >= 0.3, the module's
--   default), linked when staff open the request (any applicant).
-- * request_events.action gains `published` (the reply's own event
--   carries the listing when published with it).
-- * file_downloads.via gains `public` (a listed file, no session).
-- * disclosures and disclosure_files announce their changes (as sql/030):
--   workers keep copies of the public log's reads that take no search
--   words (web/pages/disclosures/), good until a listing changes.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE disclosures (
	id		bigserial PRIMARY KEY,
	request_id	bigint NOT NULL UNIQUE REFERENCES requests (id),
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	title		text NOT NULL
			CONSTRAINT disclosures_title_length
			CHECK (length(btrim(title)) BETWEEN 1 AND 200),
	summary		text NOT NULL
			CONSTRAINT disclosures_summary_length
			CHECK (length(btrim(summary)) BETWEEN 1 AND 2000),
	published_at	timestamptz NOT NULL DEFAULT now(),
	published_by	bigint NOT NULL REFERENCES staff (id),
	withdrawn_at	timestamptz
);

-- The text searched and compared, one expression everywhere.
CREATE FUNCTION disclosure_text(title text, summary text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT title || ' ' || summary $$;

CREATE INDEX disclosures_text_trgm ON disclosures
	USING gin (disclosure_text(title, summary) gin_trgm_ops);
CREATE INDEX disclosures_agency_idx ON disclosures (agency_id, published_at DESC);
CREATE INDEX disclosures_published_idx ON disclosures (published_at DESC)
	WHERE withdrawn_at IS NULL;

CREATE TABLE disclosure_files (
	disclosure_id	bigint NOT NULL REFERENCES disclosures (id),
	file_id		bigint NOT NULL UNIQUE REFERENCES files (id),
	PRIMARY KEY (disclosure_id, file_id)
);

CREATE TABLE disclosure_similar (
	request_id	bigint NOT NULL REFERENCES requests (id),
	disclosure_id	bigint NOT NULL REFERENCES disclosures (id),
	similarity	real NOT NULL CHECK (similarity BETWEEN 0 AND 1),
	linked_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (request_id, disclosure_id)
);

CREATE INDEX disclosure_similar_disclosure_idx ON disclosure_similar (disclosure_id);

ALTER TABLE file_downloads
	DROP CONSTRAINT file_downloads_via_check,
	ADD CONSTRAINT file_downloads_via_check
		CHECK (via IN ('staff', 'status_link', 'public'));

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
		'id_number_viewed', 'contact_viewed', 'contact_changed',
		'query_code_reissued',
		'transferred', 'transferred_in',
		'published'));

CREATE TRIGGER disclosures_announce
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON disclosures
	FOR EACH STATEMENT EXECUTE FUNCTION announce_change();
CREATE TRIGGER disclosure_files_announce
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON disclosure_files
	FOR EACH STATEMENT EXECUTE FUNCTION announce_change();
