-- 037_complaints_announce.sql: the complaints table announces its changes
-- as 030 does for the agencies (issue 17). Every staff page shows heads and
-- administrators the number of open complaints in its header; each worker
-- keeps that count (core/read_cache.h) until a complaint is filed, replied
-- to or removed, so the header costs those pages no round trip. Complaints
-- are few: a notice per change empties little.

CREATE TRIGGER complaints_announce
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON complaints
	FOR EACH STATEMENT EXECUTE FUNCTION announce_change();
