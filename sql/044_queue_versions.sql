-- 044_queue_versions.sql: an agency's queue knows when it changed (issue 17).
--
-- Each worker keeps the queue pages it rendered (web/page_cache.h) and
-- serves one again only when the agency's version, read first in the
-- page's one statement, is the one the copy was made at. The queue shows
-- the agency's requests (their rows, the counts per status, the overdue
-- ones) and, for heads, what waits for their approval (extensions
-- proposed, stated deadlines proposed: request_events). Every change to
-- those counts one here.
--
-- The triggers are deferred to the commit: the version row is locked only
-- while the transaction commits, not while a step renders its notice, so
-- that the agency's steps and submissions do not queue behind each other.
-- Being counted in the committing transaction, a version read is never
-- ahead of the rows it stands for.

CREATE TABLE queue_versions (
	agency_id	bigint PRIMARY KEY REFERENCES agencies (id) ON DELETE CASCADE,
	version		bigint NOT NULL DEFAULT 0
);

-- Each trigger function writes the count itself, not through a shared SQL
-- function: PL/pgSQL keeps its statements' plans, a LANGUAGE sql function
-- called from it is planned at every call (0.05 against 0.10 ms a count
-- with pgbench on the bench's dataset).
CREATE FUNCTION queue_requests_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') THEN
		INSERT INTO queue_versions AS v (agency_id, version) VALUES (OLD.agency_id, 1)
		ON CONFLICT (agency_id) DO UPDATE SET version = v.version + 1;
	END IF;
	IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.agency_id <> OLD.agency_id) THEN
		INSERT INTO queue_versions AS v (agency_id, version) VALUES (NEW.agency_id, 1)
		ON CONFLICT (agency_id) DO UPDATE SET version = v.version + 1;
	END IF;
	RETURN NULL;
END;
$$;

-- Extensions and the events of a stated deadline: their request's agency.
CREATE FUNCTION queue_request_parts_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO queue_versions AS v (agency_id, version)
	SELECT r.agency_id, 1 FROM requests r
	 WHERE r.id = CASE WHEN TG_OP = 'DELETE' THEN OLD.request_id ELSE NEW.request_id END
	ON CONFLICT (agency_id) DO UPDATE SET version = v.version + 1;
	RETURN NULL;
END;
$$;

CREATE CONSTRAINT TRIGGER requests_queue_changed
	AFTER INSERT OR UPDATE OR DELETE ON requests
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION queue_requests_changed();
CREATE CONSTRAINT TRIGGER extensions_queue_changed
	AFTER INSERT OR UPDATE OR DELETE ON extensions
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW EXECUTE FUNCTION queue_request_parts_changed();
CREATE CONSTRAINT TRIGGER request_events_queue_changed
	AFTER INSERT ON request_events
	DEFERRABLE INITIALLY DEFERRED
	FOR EACH ROW
	WHEN (NEW.action IN ('deadline_proposed', 'deadline_set', 'deadline_refused'))
	EXECUTE FUNCTION queue_request_parts_changed();
