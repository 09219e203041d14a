-- 003_staff.sql: what the staff queue and workflow need beyond 001.
--
-- * requests.clock_stopped_since: the day the clock stopped (补正 awaited,
--   consultation or fee pending), NULL while it runs. With it the queue
--   tells "overdue" from "paused" without recomputing each row's deadline.
-- * requests.repeat_of: a likely repeat of an earlier request of the same
--   applicant (same identity-number hash or credit code, similar
--   description, Art. 35 and 36 ⑹), set by a trigger on insert so that
--   every way of creating a request flags it.
-- * request_counts: the number of requests per agency and status, kept by
--   a trigger, so the queue's counts cost one index lookup at any size.
-- * Keyset indexes for the queue: (agency, due date with unconfirmed
--   submissions first, id), for open requests, per status, and for all;
--   (agency, id) for "newest first"; a trigram index for the text search.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

ALTER TABLE requests
	ADD COLUMN clock_stopped_since date,
	ADD COLUMN repeat_of bigint REFERENCES requests (id),
	ADD CONSTRAINT requests_clock_stopped_after_received
		CHECK (clock_stopped_since IS NULL
		       OR (received_on IS NOT NULL AND clock_stopped_since >= received_on));

-- The sort key of the queue: unconfirmed submissions (no due date yet)
-- first, then the soonest due.
CREATE FUNCTION queue_due_key(due date) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
	SELECT coalesce(due, '-infinity'::date)
$$;

CREATE INDEX requests_queue_open_key_idx
	ON requests (agency_id, queue_due_key(due_on), id)
	WHERE status IN ('submitted', 'in_progress', 'awaiting_supplement',
			 'consulting', 'awaiting_fee');
CREATE INDEX requests_queue_status_key_idx
	ON requests (agency_id, status, queue_due_key(due_on), id);
CREATE INDEX requests_queue_all_key_idx
	ON requests (agency_id, queue_due_key(due_on), id);
CREATE INDEX requests_agency_newest_idx ON requests (agency_id, id);
CREATE INDEX requests_text_trgm_idx
	ON requests USING gin ((name || ' ' || description) gin_trgm_ops);
CREATE INDEX requests_repeat_of_idx ON requests (repeat_of)
	WHERE repeat_of IS NOT NULL;

-- Same applicant (keyed hash of the identity number, or the credit code),
-- one of their 50 latest requests to this agency with a similar
-- description (trigram similarity >= 0.5) or the same document number.
CREATE FUNCTION requests_flag_repeat() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.repeat_of IS NOT NULL
	   OR (NEW.id_number_hash IS NULL AND NEW.credit_code IS NULL) THEN
		RETURN NEW;
	END IF;
	SELECT o.id INTO NEW.repeat_of FROM (
		SELECT id, description, document_ref FROM requests
		 WHERE agency_id = NEW.agency_id
		   AND ((NEW.id_number_hash IS NOT NULL
			 AND id_number_hash = NEW.id_number_hash)
			OR (NEW.credit_code IS NOT NULL
			    AND credit_code = NEW.credit_code))
		 ORDER BY id DESC LIMIT 50
	) o
	WHERE similarity(o.description, NEW.description) >= 0.5
	   OR (o.document_ref IS NOT NULL AND o.document_ref = NEW.document_ref)
	ORDER BY o.id DESC LIMIT 1;
	RETURN NEW;
END;
$$;

CREATE TRIGGER requests_repeat
	BEFORE INSERT ON requests
	FOR EACH ROW EXECUTE FUNCTION requests_flag_repeat();

CREATE TABLE request_counts (
	agency_id	bigint NOT NULL REFERENCES agencies (id),
	status		text NOT NULL,
	n		bigint NOT NULL DEFAULT 0,
	PRIMARY KEY (agency_id, status)
);

INSERT INTO request_counts (agency_id, status, n)
	SELECT agency_id, status, count(*) FROM requests GROUP BY 1, 2;

CREATE FUNCTION request_counts_track() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		UPDATE request_counts SET n = n - 1
		 WHERE agency_id = OLD.agency_id AND status = OLD.status;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		INSERT INTO request_counts (agency_id, status, n)
		VALUES (NEW.agency_id, NEW.status, 1)
		ON CONFLICT (agency_id, status)
		DO UPDATE SET n = request_counts.n + 1;
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER requests_count_insert_delete
	AFTER INSERT OR DELETE ON requests
	FOR EACH ROW EXECUTE FUNCTION request_counts_track();
CREATE TRIGGER requests_count_update
	AFTER UPDATE OF status, agency_id ON requests
	FOR EACH ROW
	WHEN (OLD.status IS DISTINCT FROM NEW.status
	      OR OLD.agency_id IS DISTINCT FROM NEW.agency_id)
	EXECUTE FUNCTION request_counts_track();

