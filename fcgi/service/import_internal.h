/*
 * import_internal: what the two halves of the import share — the columns,
 * a checked row, the run's context. import.c reads and checks the file;
 * import_write.c checks the rows against the database and writes them.
 */
#ifndef YSQGK_IMPORT_INTERNAL_H
#define YSQGK_IMPORT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "core/app.h"
#include "core/db.h"
#include "service/import.h"

enum col {
	C_AGENCY, C_TRACKING, C_KIND, C_NAME, C_CHANNEL, C_RECEIVED, C_DESCRIPTION,
	C_CONCLUDED, C_OUTCOME,
	/* optional */
	C_STATUS, C_ID_TYPE, C_ID_NUMBER, C_CREDIT, C_LEGAL_REP, C_CONTACT, C_WORK_UNIT,
	C_PHONE, C_FAX, C_EMAIL, C_ADDRESS, C_POSTCODE, C_DOCUMENT_REF, C_PROVISION,
	C_OBTAIN, C_BACKDATED, C_LEDGER_NO, C_REQUEST_KIND, C_CORRECTION_WRONG,
	C_CORRECTION_SHOULD,
	NCOLS
};


#define NREQUIRED (C_OUTCOME + 1)

struct ctx {
	struct db *db;
	const struct app *app;
	struct arena *a;
	const struct import_options *opt;
	struct import_result *out;
	int32_t today;
};


/* One data row as read and checked. */
struct row {
	int line;
	const char *v[NCOLS];		/* trimmed; "" when empty or absent */
	long long agency_id;
	const char *agency_id_text;
	int32_t received;
	bool concluded;
	int32_t concluded_on;
	const char *status;
	const char *request_kind;	/* disclosure (the default) or correction */
	const char *id_number;		/* upper-cased */
	const char *phone_store, *phone_key;
	const char *provision, *obtain;	/* PostgreSQL array literals */
	bool backdated;
	int tn_year;
	long tn_no;			/* 0 when the number is to be assigned */
	bool broken;			/* wrong number of fields: not checked further */
};


/* Records a problem of line `line`, column `col` (-1: the whole line). */
void import_problem(struct ctx *c, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* import_write.c: the agencies named (in scope), the tracking numbers
 * given (free and unique), then every row in one transaction. */
bool import_resolve_agencies(struct ctx *c, struct row *rows, int n);
bool import_check_numbers_unique(struct ctx *c, struct row *rows, int n);
void import_write_all(struct ctx *c, const struct row *rows, int n);

#endif
