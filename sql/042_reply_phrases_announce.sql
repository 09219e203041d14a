-- 042_reply_phrases_announce.sql: the reply phrases announce their changes
-- (issue 17), as the agencies and the staff do (sql/030).
--
-- The request page's forms list the phrases of the request's agency, its
-- clerks and heads, and the agencies it may be transferred to. Each worker
-- now keeps those three reads per agency (core/read_cache.h) instead of
-- making them on every view; an added, renamed or deleted phrase must end
-- every worker's copy at once.

CREATE TRIGGER reply_phrases_announce
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON reply_phrases
	FOR EACH STATEMENT EXECUTE FUNCTION announce_change();
