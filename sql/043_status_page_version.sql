-- 043_status_page_version.sql: a request's status page knows when it changed
-- (issue 17).
--
-- Each worker keeps the JSON answer of a status look-up it gave
-- (web/page_cache.h) and serves it again only when the database says the
-- page has not changed since: the look-up's one statement
-- (CITIZEN_LOOKUP_FIND) reads the request row's xmin and its last event's
-- seq beside the limiter state. The row's xmin changes with every update
-- of the request and request_events is append-only (sql/001), so those two
-- cover all but the page's other tables: the 补正, the notices and the
-- files. A change to one of those touches its request's row here, so that
-- its xmin changes too. The column itself counts the touches; nothing
-- reads its value.

ALTER TABLE requests ADD COLUMN page_version bigint NOT NULL DEFAULT 0;

CREATE FUNCTION requests_page_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.request_id IS NOT NULL THEN
		UPDATE requests SET page_version = page_version + 1
		 WHERE id = OLD.request_id;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.request_id IS NOT NULL
	   AND (TG_OP = 'INSERT' OR NEW.request_id IS DISTINCT FROM OLD.request_id) THEN
		UPDATE requests SET page_version = page_version + 1
		 WHERE id = NEW.request_id;
	END IF;
	RETURN NULL;
END;
$$;

CREATE TRIGGER supplements_page_changed
	AFTER INSERT OR UPDATE OR DELETE ON supplements
	FOR EACH ROW EXECUTE FUNCTION requests_page_changed();
CREATE TRIGGER notices_page_changed
	AFTER INSERT OR UPDATE ON notices
	FOR EACH ROW EXECUTE FUNCTION requests_page_changed();
CREATE TRIGGER files_page_changed
	AFTER INSERT OR UPDATE OR DELETE ON files
	FOR EACH ROW EXECUTE FUNCTION requests_page_changed();
