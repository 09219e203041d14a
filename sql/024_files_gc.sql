-- 024_files_gc.sql: `ysqgk files gc` (issue 15) — what removes the files
-- no request references, and the blobs no file references.
--
-- The application role has no DELETE on files, blobs or blob_chunks
-- (deploy/db-grants.sql), and blobs' trigger refused DELETE to everyone.
-- Removing garbage goes through one door: files_gc(), a SECURITY DEFINER
-- function owned by the owner role (it runs with the owner's rights), that
-- the application role may execute (db-grants.sql) and that removes only
-- (1) uploads never attached to a request (request_id NULL, not a seal,
--     no notice, agency or download pointing at them) older than the
--     grace — an upload is stored unattached in its own transaction and
--     attached by its step; one still unattached after the grace was
--     abandoned (a form never submitted);
-- (2) then the blobs (and their chunks) no files row references, older
--     than the grace too, so that a blob stored a moment ago by an upload
--     whose transaction has not committed is never taken.
-- The command line calls it as the application role, as the other
-- commands do, so that it can also trim the app's cache folder, which the
-- app's user owns (docs/deploy.md "Files"). Nothing else changes: an
-- attached file, a notice's PDF, a seal and every download stay for ever.
-- One transaction with its audit_log line (files_gc).

-- blobs: never updated; deleted only inside files_gc() (which sets the
-- transaction-local flag) and only by a role with DELETE (the owner).
CREATE FUNCTION blobs_check_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' AND current_setting('ysqgk.files_gc', true) = 'on' THEN
		RETURN OLD;
	END IF;
	RAISE EXCEPTION 'blobs are kept as stored: % refused', TG_OP
		USING ERRCODE = 'insufficient_privilege',
		      HINT = 'ysqgk files gc removes the blobs no file references';
END;
$$;

DROP TRIGGER blobs_no_update ON blobs;
CREATE TRIGGER blobs_no_update
	BEFORE UPDATE OR DELETE ON blobs
	FOR EACH ROW EXECUTE FUNCTION blobs_check_change();

CREATE FUNCTION files_gc(grace_hours integer, dry_run boolean,
			 OUT files_removed bigint, OUT blobs_removed bigint,
			 OUT chunks_removed bigint, OUT bytes_removed bigint)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public AS $$
DECLARE
	cutoff timestamptz;
	doomed bigint[];
	orphans bytea[];
BEGIN
	IF grace_hours IS NULL OR grace_hours < 1 THEN
		RAISE EXCEPTION 'the grace is at least one hour, not %', grace_hours
			USING ERRCODE = 'invalid_parameter_value';
	END IF;
	cutoff := now() - make_interval(hours => grace_hours);
	SELECT coalesce(array_agg(f.id), '{}') INTO doomed FROM files f
	WHERE f.request_id IS NULL AND f.purpose <> 'seal' AND f.created_at < cutoff
	  AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.pdf_file_id = f.id)
	  AND NOT EXISTS (SELECT 1 FROM agencies a WHERE a.seal_file_id = f.id)
	  AND NOT EXISTS (SELECT 1 FROM file_downloads d WHERE d.file_id = f.id);
	SELECT coalesce(array_agg(b.sha256), '{}'), count(*), coalesce(sum(b.size), 0)
	  INTO orphans, blobs_removed, bytes_removed FROM blobs b
	WHERE b.created_at < cutoff
	  AND NOT EXISTS (SELECT 1 FROM files f
			  WHERE f.sha256 = b.sha256 AND f.id <> ALL (doomed));
	files_removed := cardinality(doomed);
	SELECT count(*) INTO chunks_removed FROM blob_chunks c WHERE c.sha256 = ANY (orphans);
	IF dry_run THEN
		RETURN;
	END IF;
	PERFORM set_config('ysqgk.files_gc', 'on', true);
	DELETE FROM files WHERE id = ANY (doomed);
	DELETE FROM blob_chunks WHERE sha256 = ANY (orphans);
	DELETE FROM blobs WHERE sha256 = ANY (orphans);
	PERFORM set_config('ysqgk.files_gc', 'off', true);
	IF files_removed > 0 OR blobs_removed > 0 THEN
		INSERT INTO audit_log (action, data) VALUES ('files_gc', jsonb_build_object(
			'by', 'command line', 'grace_hours', grace_hours, 'files', files_removed,
			'blobs', blobs_removed, 'chunks', chunks_removed, 'bytes', bytes_removed));
	END IF;
END;
$$;

-- Only the roles db-grants.sql names may run it (functions are PUBLIC's
-- to execute by default).
REVOKE ALL ON FUNCTION files_gc(integer, boolean) FROM PUBLIC;
