/*
 * uploads: files sent with a form or to the staff API (issue 15), kept in
 * PostgreSQL as files rows over blobs (sql/022_files.sql).
 *
 * An upload is stored in its own transaction, unattached (request_id
 * NULL); the step that uses it attaches it in the step's transaction
 * (upload_attach), once. Unattached uploads older than a day are removed
 * by the SQL function files_gc_unattached_uploads() (sql/023_uploads.sql,
 * docs/schema.md), which `ysqgk files gc` calls.
 */
#ifndef YSQGK_UPLOADS_H
#define YSQGK_UPLOADS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/blobs.h"
#include "core/db.h"

struct upload_row {
	const char *display_name, *kind, *mime, *purpose;
	long long request_id;	/* the request it was sent for, or 0 */
	char sha256[BLOB_SHA256_HEX];
};

/*
 * Stores the size bytes of fd (hash sha256) as an unattached file of
 * agency_id (uploaded_by staff_id, 0 for an applicant), in a transaction
 * of its own. The new id, or 0 on a database failure (logged).
 */
long long upload_store(struct db *db, int fd, size_t size,
		       const unsigned char sha256[BLOB_SHA256_BYTES],
		       long long agency_id, long long staff_id, const struct upload_row *row);

/*
 * Attaches upload file_id of agency_id to request_id, in the caller's
 * transaction; purpose NULL accepts any upload's purpose. An upload sent
 * for another request (upload_request_id) is not attached. 1 done (*sha256
 * hex filled), 0 when the file is not an unattached upload of that agency
 * (and purpose), -1 on a database failure.
 */
int upload_attach(struct db *db, long long file_id, long long request_id,
		  long long agency_id, const char *purpose, char sha256[BLOB_SHA256_HEX]);

#endif
