-- 022_files.sql: files kept in PostgreSQL, and every notice as a PDF
-- (issue 15, first slice).
--
-- * blobs / blob_chunks: content-addressed storage. A blob is kept once
--   under its SHA-256 (32 bytes), its bytes in chunks of at most 256 KiB
--   (seq 0, 1, …), written in the transaction of the step that brings it,
--   so that files replicate, back up and restore with everything else.
--   Append-only for the application: a blob is never changed, and since
--   one blob may back several files (the same seal, the same upload), none
--   is deleted by the application (a later `ysqgk files gc`, run as the
--   owner, removes the blobs no file references).
-- * files: a named use of a blob: its agency, its request (NULL while an
--   upload is unattached), display name, kind (lib/filetype's codes), MIME
--   type, purpose, who uploaded it, the notice it renders. Never deleted
--   by the application (like notices); once written only request_id may
--   go from NULL to a request (an upload attached by its step).
-- * file_downloads: who fetched a file and how (a staff session, or a
--   signed link from the status page). Append-only.
-- * notices.pdf_file_id: the PDF issued with the notice; set once, in the
--   step's transaction, then fixed like the notice's text.
-- * notice_numbers: the per-agency, per-year counter of 文号, used when the
--   agency's settings hold `notice_no_prefix` ("某政信" → "某政信〔2026〕12号").
-- * agencies.seal_file_id: the agency's seal (a PNG, purpose 'seal'),
--   drawn over the date of its notices.

CREATE TABLE blobs (
	sha256		bytea PRIMARY KEY
			CONSTRAINT blobs_sha256_length CHECK (length(sha256) = 32),
	size		bigint NOT NULL CHECK (size >= 0),
	created_at	timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE blob_chunks (
	sha256		bytea NOT NULL REFERENCES blobs (sha256),
	seq		integer NOT NULL CHECK (seq >= 0),
	data		bytea NOT NULL
			CONSTRAINT blob_chunks_size CHECK (length(data) <= 262144),
	PRIMARY KEY (sha256, seq)
);

CREATE TRIGGER blobs_no_update
	BEFORE UPDATE OR DELETE ON blobs
	FOR EACH ROW EXECUTE FUNCTION forbid_change();
CREATE TRIGGER blob_chunks_no_update
	BEFORE UPDATE ON blob_chunks
	FOR EACH ROW EXECUTE FUNCTION forbid_change();

CREATE TABLE files (
	id		bigserial PRIMARY KEY,
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	request_id	bigint REFERENCES requests (id),
	sha256		bytea NOT NULL REFERENCES blobs (sha256),
	display_name	text NOT NULL
			CONSTRAINT files_display_name_length
			CHECK (length(display_name) BETWEEN 1 AND 255),
	kind		text NOT NULL CONSTRAINT files_kind_check CHECK (kind IN (
				'pdf', 'ofd', 'jpeg', 'png', 'doc', 'docx', 'xls',
				'xlsx', 'wps', 'et', 'txt', 'zip')),
	mime		text NOT NULL CHECK (length(mime) BETWEEN 1 AND 200),
	purpose		text NOT NULL CONSTRAINT files_purpose_check CHECK (purpose IN (
				'id_copy', 'authorization', 'other', 'supplement',
				'registration', 'reply', 'notice', 'seal')),
	uploaded_by	bigint REFERENCES staff (id),
	notice_id	bigint REFERENCES notices (id),
	created_at	timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT files_notice_has_request
		CHECK (notice_id IS NULL OR (purpose = 'notice' AND request_id IS NOT NULL))
);

CREATE INDEX files_request_idx ON files (request_id) WHERE request_id IS NOT NULL;
CREATE INDEX files_sha256_idx ON files (sha256);

CREATE FUNCTION files_check_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF (NEW.id, NEW.agency_id, NEW.sha256, NEW.display_name, NEW.kind, NEW.mime,
	    NEW.purpose, NEW.uploaded_by, NEW.notice_id, NEW.created_at)
	   IS DISTINCT FROM
	   (OLD.id, OLD.agency_id, OLD.sha256, OLD.display_name, OLD.kind, OLD.mime,
	    OLD.purpose, OLD.uploaded_by, OLD.notice_id, OLD.created_at)
	   OR (OLD.request_id IS NOT NULL
	       AND NEW.request_id IS DISTINCT FROM OLD.request_id) THEN
		RAISE EXCEPTION 'file % is kept as it was stored', OLD.id
			USING ERRCODE = 'insufficient_privilege';
	END IF;
	RETURN NEW;
END;
$$;

CREATE TRIGGER files_fixed
	BEFORE UPDATE ON files
	FOR EACH ROW EXECUTE FUNCTION files_check_update();

CREATE TABLE file_downloads (
	id		bigserial PRIMARY KEY,
	file_id		bigint NOT NULL REFERENCES files (id),
	at		timestamptz NOT NULL DEFAULT now(),
	staff_id	bigint REFERENCES staff (id),
	via		text NOT NULL CHECK (via IN ('staff', 'status_link')),
	CONSTRAINT file_downloads_staff_via
		CHECK ((via = 'staff') = (staff_id IS NOT NULL))
);

CREATE INDEX file_downloads_file_idx ON file_downloads (file_id, at);

CREATE TRIGGER file_downloads_no_update
	BEFORE UPDATE OR DELETE ON file_downloads
	FOR EACH ROW EXECUTE FUNCTION forbid_change();

ALTER TABLE notices ADD COLUMN pdf_file_id bigint REFERENCES files (id);

-- The notice's text, and now its PDF once set, are fixed.
CREATE OR REPLACE FUNCTION notices_check_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF (NEW.id, NEW.request_id, NEW.event_seq, NEW.kind, NEW.notice_no,
	    NEW.title, NEW.body, NEW.issued_on, NEW.created_at)
	   IS DISTINCT FROM
	   (OLD.id, OLD.request_id, OLD.event_seq, OLD.kind, OLD.notice_no,
	    OLD.title, OLD.body, OLD.issued_on, OLD.created_at)
	   OR (OLD.pdf_file_id IS NOT NULL
	       AND NEW.pdf_file_id IS DISTINCT FROM OLD.pdf_file_id) THEN
		RAISE EXCEPTION 'notice % was issued: its text cannot change', OLD.id
			USING ERRCODE = 'insufficient_privilege',
			      HINT = 'issue a new notice instead';
	END IF;
	RETURN NEW;
END;
$$;

CREATE TABLE notice_numbers (
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	year		integer NOT NULL CHECK (year BETWEEN 2000 AND 2999),
	last_no		integer NOT NULL CHECK (last_no >= 1),
	PRIMARY KEY (agency_id, year)
);

ALTER TABLE agencies ADD COLUMN seal_file_id bigint REFERENCES files (id);
