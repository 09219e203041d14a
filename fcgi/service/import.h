/*
 * import: a paper ledger (台账) as CSV into ordinary requests, all or
 * nothing. docs/import.md is the format; in short: a header row naming
 * the columns (any order), the required ones
 *   agency_code, tracking_no, applicant_kind, name, channel, received_on,
 *   description, concluded_on, outcome
 * and optional ones for the other request fields. Every row is checked
 * first; one bad row imports nothing, and each problem is reported by line
 * (of the file, the header being line 1) and column.
 *
 * Imported requests are ordinary rows of `requests` (imported = true),
 * each with one event: action `imported`, actor_kind `import` (the
 * administrator who uploaded it, or nobody from the command line),
 * effective on the date of receipt — the workflow takes it as the receipt
 * (workflow.c), so an open imported request gets its due date like any
 * other and counts in the report like any other.
 */
#ifndef YSQGK_IMPORT_H
#define YSQGK_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "core/app.h"

/* At most this many data rows in one file (one transaction). */
#define IMPORT_MAX_ROWS 100000
/* At most this many problems are listed (the count goes on). */
#define IMPORT_MAX_ERRORS 200

struct import_options {
	const char *source;		/* file name, for the events and audit_log */
	const char *actor_staff_id;	/* the uploading member, NULL: command line */
	long long scope_agency_id;	/* rows only for this agency and those below
					 * it; 0: every agency */
	bool dry_run;			/* check only, import nothing */
};

struct import_result {
	int status;			/* 0 imported (or checked), 1 refused, 2 failed */
	int rows;			/* data rows in the file */
	int imported;			/* rows written (0 unless all were good) */
	int problems;			/* problems found (may exceed the list) */
	/* [{"line": n, "column": "received_on" or null, "message": "…"}] */
	struct json_object *errors;
	/* [{"line": n, "tracking_no": "…", "id": n}] of the rows written */
	struct json_object *created;
	const char *failure;		/* status 2: what failed (static or arena) */
};

/*
 * Checks and, if every row is good, imports `text` (len bytes) in one
 * transaction. The result's lists are owned by the caller
 * (import_result_free). Works for both the command line and the page: db
 * has every statement prepared; a is scratch memory for this call.
 */
void import_csv(struct db *db, const struct app *app, struct arena *a, const char *text,
		size_t len, const struct import_options *opt, struct import_result *out);

void import_result_free(struct import_result *r);

#endif
