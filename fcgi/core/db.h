/*
 * db: one PostgreSQL connection per worker thread, with every statement of
 * statements.def prepared once per connection. A lost connection is
 * re-opened lazily (at most once a second per thread) and its statements
 * prepared again; until then db_ready() is false and pages answer 503.
 */
#ifndef YSQGK_DB_H
#define YSQGK_DB_H

#include <stdbool.h>
#include <time.h>
#include <libpq-fe.h>

/*
 * enum stmt (STMT_<ID> for every statement of statements.def) and the
 * COL() constants of their COLUMNS lists, generated from the statement
 * files without their SQL (core/stmt_names.sh; the Makefile keeps it in
 * build/gen): editing a statement's SQL recompiles db.c alone.
 */
#include "gen/stmt_names.h"

struct db {
	PGconn *conn;
	char *conninfo;
	int statement_timeout_ms;
	bool prepared;
	time_t last_attempt;
	/* The key event_append() MACs events with, and its number (app's). */
	const unsigned char *event_key;
	int event_key_no;
};

/* How a failed statement failed, for choosing the HTTP status. */
enum db_failure {
	DB_FAIL_NONE,
	DB_FAIL_DOWN,		/* connection lost: 503 */
	DB_FAIL_TIMEOUT,	/* statement timeout or cancelled: 503 */
	DB_FAIL_UNIQUE,		/* unique violation: a conflict */
	DB_FAIL_CHECK,		/* check / foreign key / not null: bad data */
	DB_FAIL_SERIALIZATION,	/* serialization failure or deadlock: retry */
	DB_FAIL_OTHER,		/* a bug: 500 */
};

/*
 * Copies conninfo and tries to connect; a failure is retried later. Every
 * statement is cancelled after statement_timeout_ms, so a stuck query
 * gives a 503 instead of a hung worker.
 */
void db_open(struct db *db, const char *conninfo, int statement_timeout_ms);
void db_close(struct db *db);

/* Connected with all statements prepared, reconnecting if needed. */
bool db_ready(struct db *db);

/*
 * Runs a prepared statement with text parameters (NULL = SQL NULL).
 * Always returns a result to PQclear (or NULL when the connection is gone).
 */
PGresult *db_exec(struct db *db, enum stmt s, int nparams,
		  const char *const *params);

/* db_exec with binary parameters where formats[i] is 1 (lengths[i] bytes;
 * both arrays may be NULL) and the result in binary when result_binary. */
PGresult *db_exec_bin(struct db *db, enum stmt s, int nparams, const char *const *params,
		      const int *lengths, const int *formats, bool result_binary);

/* Runs a plain command without parameters (BEGIN, COMMIT, ROLLBACK). */
bool db_command(struct db *db, const char *sql);

/* True when res is a success (tuples or command ok). */
bool db_ok(const PGresult *res);
enum db_failure db_failure_of(struct db *db, const PGresult *res);

/*
 * What a failed result may say in a log (issue 12, item 14): the SQLSTATE,
 * the constraint, table and column names, and the primary message — but
 * never PostgreSQL's DETAIL ("Failing row contains (…)": personal data),
 * and for data exceptions (class 22, whose message quotes the value) not
 * the message either. In buf; "no result" for NULL.
 */
const char *db_error_text(const PGresult *res, char *buf, size_t size);

/*
 * For SQL the program does not prepare (the command line's one-off and
 * streamed queries): the value of column `name` of a row, found by name
 * in the result. A name the result lacks is a programming error: it is
 * logged and reads as NULL ("" / true).
 */
const char *db_value(const PGresult *res, int row, const char *name);
bool db_is_null(const PGresult *res, int row, const char *name);

#endif
