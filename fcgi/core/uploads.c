/* uploads: unattached files and their attaching (uploads.h). */
#include "core/uploads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"

static void log_failure(const char *what, const PGresult *res)
{
	char why[256];
	log_error("%s: %s", what, db_error_text(res, why, sizeof why));
}

static long long insert_row(struct db *db, const unsigned char sha256[BLOB_SHA256_BYTES],
			    long long agency_id, long long staff_id, const struct upload_row *row)
{
	char agency[24], staff[24], request[24], hex[BLOB_SHA256_HEX];
	snprintf(request, sizeof request, "%lld", row->request_id);
	snprintf(agency, sizeof agency, "%lld", agency_id);
	snprintf(staff, sizeof staff, "%lld", staff_id);
	sodium_bin2hex(hex, sizeof hex, sha256, BLOB_SHA256_BYTES);
	const char *p[] = { agency, hex, row->display_name, row->kind, row->mime,
			    row->purpose, staff_id ? staff : NULL,
			    row->request_id ? request : NULL };
	PGresult *res = db_exec(db, STMT_UPLOAD_ADD, 8, p);
	long long id = 0;
	if (db_ok(res) && PQntuples(res) == 1)
		id = atoll(PQgetvalue(res, 0, COL(UPLOAD_ADD, id)));
	else
		log_failure("storing an upload", res);
	PQclear(res);
	return id;
}

long long upload_store(struct db *db, int fd, size_t size,
		       const unsigned char sha256[BLOB_SHA256_BYTES],
		       long long agency_id, long long staff_id, const struct upload_row *row)
{
	if (!db_command(db, "BEGIN"))
		return 0;
	PGresult *failure = NULL;
	long long id = 0;
	if (blob_store_fd(db, fd, size, sha256, &failure))
		id = insert_row(db, sha256, agency_id, staff_id, row);
	else
		log_failure("storing an upload's blob", failure);
	PQclear(failure);
	if (!id || !db_command(db, "COMMIT")) {
		db_command(db, "ROLLBACK");
		return 0;
	}
	return id;
}

int upload_attach(struct db *db, long long file_id, long long request_id,
		  long long agency_id, const char *purpose, char sha256[BLOB_SHA256_HEX])
{
	char file[24], request[24], agency[24];
	snprintf(file, sizeof file, "%lld", file_id);
	snprintf(request, sizeof request, "%lld", request_id);
	snprintf(agency, sizeof agency, "%lld", agency_id);
	const char *p[] = { file, request, agency, purpose };
	PGresult *res = db_exec(db, STMT_UPLOAD_ATTACH, 4, p);
	if (!db_ok(res)) {
		log_failure("attaching an upload", res);
		PQclear(res);
		return -1;
	}
	int found = PQntuples(res) == 1;
	if (found)
		snprintf(sha256, BLOB_SHA256_HEX, "%s", PQgetvalue(res, 0, COL(UPLOAD_ATTACH, sha256)));
	PQclear(res);
	return found;
}
