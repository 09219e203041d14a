-- 030_change_notices.sql: the database tells the app's workers what changed
-- (issue 17).
--
-- Each worker keeps copies of reads whose tables rarely change — the
-- agencies, the holiday calendar, a staff member's session — so that a page
-- makes no round trip for them (core/read_cache.h). Whatever changes these
-- tables, the app, `ysqgk` on the command line or an administrator in psql,
-- announces it on channel `ysqgk_changes` with the table's name; every
-- worker's connection LISTENs, and drops its copies of that table's reads
-- before its next request (core/db.h, db_poll_changes). NOTIFY is sent at
-- commit, and once per statement here (FOR EACH STATEMENT: an import of 300
-- holidays is one notice).
--
-- Sessions announce only their deletion (sign-out, the sweep, the ten
-- newest kept, every session of an account whose password changed): the
-- idle-time touch is an UPDATE and happens every minute per session, which
-- would empty every worker's copies for nothing. A disabled account or a
-- reset password is a change of `staff`: its sessions end at once.

CREATE FUNCTION announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('ysqgk_changes', TG_TABLE_NAME);
	RETURN NULL;
END;
$$;

CREATE TRIGGER agencies_announce
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON agencies
	FOR EACH STATEMENT EXECUTE FUNCTION announce_change();
CREATE TRIGGER holidays_announce
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON holidays
	FOR EACH STATEMENT EXECUTE FUNCTION announce_change();
CREATE TRIGGER staff_announce
	AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON staff
	FOR EACH STATEMENT EXECUTE FUNCTION announce_change();
CREATE TRIGGER sessions_announce
	AFTER DELETE OR TRUNCATE ON sessions
	FOR EACH STATEMENT EXECUTE FUNCTION announce_change();
