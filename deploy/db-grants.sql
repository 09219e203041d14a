-- ysqgk: what the application role may do, table by table. Run after every
-- migration (ysqgk-migrate does), as a superuser or the owner, in the
-- database:
--   runuser -u postgres -- psql -v ON_ERROR_STOP=1 -d ysqgk -f /usr/local/share/ysqgk/db/grants.sql
-- Idempotent. psql variables: owner (ysqgk_owner), app (ysqgk).
--
-- The rule (docs/schema.md, "Roles and grants"): rows, never the schema.
-- SELECT, INSERT, UPDATE, DELETE on the ordinary tables; only SELECT, INSERT
-- on the append-only logs (their triggers refuse UPDATE and DELETE as well:
-- two locks); SELECT, INSERT, UPDATE on notices (a notice is never deleted);
-- only SELECT on schema_migrations and audit_mac_switch.
-- Stored files (sql/022): SELECT, INSERT only on blobs, blob_chunks and
-- file_downloads (append-only, their triggers agree); SELECT, INSERT,
-- UPDATE on files (an upload is attached to its request later; a trigger
-- keeps everything else as stored) and no DELETE, like notices: a blob may
-- back an issued notice or its seal, and removing what no file references
-- is for `ysqgk files gc`, through files_gc() (sql/024: SECURITY DEFINER,
-- the owner's rights, removing only unattached uploads past the grace and
-- the blobs no file references), which the application role may execute.

\if :{?owner}
\else
\set owner ysqgk_owner
\endif
\if :{?app}
\else
\set app ysqgk
\endif

BEGIN;
-- The schema belongs to the owner (PostgreSQL 15 gives public to the
-- database owner already; an older cluster upgraded to 15 may not).
ALTER SCHEMA public OWNER TO :"owner";
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO :"app";

REVOKE ALL ON ALL TABLES IN SCHEMA public FROM :"app";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app";
REVOKE UPDATE, DELETE ON request_events, audit_log, report_snapshots, complaint_events FROM :"app";
REVOKE DELETE ON notices FROM :"app";
REVOKE UPDATE, DELETE ON blobs, blob_chunks, file_downloads FROM :"app";
REVOKE DELETE ON files FROM :"app";
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM :"app";
REVOKE INSERT, UPDATE, DELETE ON audit_mac_switch FROM :"app";

-- `ysqgk files gc` (sql/024): the one door through which garbage leaves.
GRANT EXECUTE ON FUNCTION files_gc(integer, boolean) TO :"app";

REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM :"app";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app";
COMMIT;
