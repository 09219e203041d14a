-- 023_uploads.sql: removing uploads no step attached (issue 15, uploads).
--
-- An upload (a file sent with a form or to POST /api/v1/requests/{id}/files)
-- is stored at once, unattached (files.request_id NULL), so that a form
-- refused for another field keeps it; the step that uses it attaches it.
-- One never attached is removed after a grace period (a day) by
-- files_gc_unattached_uploads(), which `ysqgk files gc` calls as the
-- database owner. It removes only the files rows: the blobs left without
-- any file are the business of the blob sweep of `ysqgk files gc`.
-- A row something still points at (a download logged, an agency's seal,
-- a notice's PDF) is kept.

-- The request an upload was sent for (POST /api/v1/requests/{id}/files):
-- only that request's step may attach it. NULL for a form's upload (the
-- request does not exist yet). Set when stored, never changed.
ALTER TABLE files ADD COLUMN upload_request_id bigint REFERENCES requests (id);

CREATE FUNCTION files_gc_unattached_uploads(grace interval DEFAULT interval '1 day')
RETURNS bigint
LANGUAGE sql AS $$
	WITH gone AS (
		DELETE FROM files f
		WHERE f.request_id IS NULL AND f.notice_id IS NULL
		  AND f.purpose IN ('id_copy', 'authorization', 'other', 'supplement',
				    'registration', 'reply')
		  AND f.created_at < now() - grace
		  AND NOT EXISTS (SELECT 1 FROM file_downloads d WHERE d.file_id = f.id)
		  AND NOT EXISTS (SELECT 1 FROM agencies a WHERE a.seal_file_id = f.id)
		  AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.pdf_file_id = f.id)
		RETURNING 1)
	SELECT count(*) FROM gone
$$;

COMMENT ON FUNCTION files_gc_unattached_uploads(interval) IS
	'Removes uploads no step attached within grace (default a day); returns how many.';
