-- 023_uploads.sql: removing uploads no step attached (issue 15, uploads).
--
-- An upload (a file sent with a form or to POST /api/v1/requests/{id}/files)
-- is stored at once, unattached (files.request_id NULL), so that a form
-- refused for another field keeps it; the step that uses it attaches it.
-- One never attached is removed after a grace period (a day) by
-- `ysqgk files gc` (files_gc(), 024_files_gc.sql).

-- The request an upload was sent for (POST /api/v1/requests/{id}/files):
-- only that request's step may attach it. NULL for a form's upload (the
-- request does not exist yet). Set when stored, never changed.
ALTER TABLE files ADD COLUMN upload_request_id bigint REFERENCES requests (id);
