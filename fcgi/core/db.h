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

/*
 * What the database announces on channel ysqgk_changes (sql/030): the
 * tables of which workers keep copies (core/read_cache.h).
 */
enum db_topic {
	DB_TOPIC_AGENCIES,
	DB_TOPIC_HOLIDAYS,
	DB_TOPIC_STAFF,
	DB_TOPIC_SESSIONS,
	DB_TOPIC_COMPLAINTS,	/* sql/037 */
	DB_TOPIC_DISCLOSURES,		/* the disclosure log (sql/034) */
	DB_TOPIC_DISCLOSURE_FILES,
	DB_TOPIC_REPLY_PHRASES,	/* sql/042 */
	DB_TOPICS
};
#define DB_TOPIC_BIT(t) (1u << (t))

/*
 * What one request asked of a connection (issue 17): round trips (each
 * statement run alone, each pipeline's sync, each plain command), the
 * statements in them, and the time spent waiting for their answers.
 * A connection's setup (connecting, preparing, LISTEN) is not counted:
 * it belongs to no request. web/server.c zeroes it before each request
 * and reports it in a Server-Timing header when `server_timing` is on.
 */
struct db_usage {
	unsigned round_trips;
	unsigned statements;
	long long wait_ns;
};

struct db {
	PGconn *conn;
	char *conninfo;
	int statement_timeout_ms;
	bool prepared;
	time_t last_attempt;
	/* The key event_append() MACs events with, and its number (app's). */
	const unsigned char *event_key;
	int event_key_no;
	/* Set by db_listen_for_changes(): the connection LISTENs, and each
	 * topic's counter goes up with every change announced (and all of
	 * them on every new connection: what happened while it was away is
	 * not known). */
	bool listens;
	unsigned long topic_generation[DB_TOPICS];
	/* The server announced it is ending the session (a FATAL while idle,
	 * as on its shutdown): the connection is dropped before the next use,
	 * and no copy read over it is served meanwhile (core/read_cache.h). */
	bool server_closing;
	struct db_usage usage;
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

/*
 * From now on (and on every reconnection) the connection LISTENs for the
 * changes sql/030 announces. The web server's workers do; the command line
 * does not need to.
 */
void db_listen_for_changes(struct db *db);

/*
 * Reads the announcements that arrived, without waiting and without a
 * round trip, and counts them per topic. Called before each request, so a
 * topic's generation stays the same while one request is served.
 */
void db_poll_changes(struct db *db);

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

/* One statement of db_exec_steps(). */
struct db_step {
	enum stmt stmt;
	int nparams;
	const char *const *params;
	PGresult *res;		/* set by db_exec_steps: the caller PQclear()s it */
};

/*
 * Runs the statements in one round trip (libpq's pipeline mode, issue 17):
 * all are sent, then every result is read. They run in one implicit
 * transaction: one that fails aborts the rest (their results are failures
 * too, db_ok() false). True when all succeeded; every res is set or NULL
 * (the connection broke), and is the caller's to PQclear() either way.
 */
bool db_exec_steps(struct db *db, struct db_step *steps, size_t n);

/*
 * Runs one write in a transaction of its own, in one round trip, that
 * commits without waiting for its WAL to reach the disk (synchronous_commit
 * off): a crash of the database server may lose the last fraction of a
 * second of such writes, never anything else's. For access records only —
 * a download's line in file_downloads — whose wait for the disk would
 * otherwise hold each download (issue 15); never for a request's state.
 * True when it committed; on a failure the transaction is rolled back.
 */
bool db_exec_no_flush_wait(struct db *db, enum stmt s, int nparams, const char *const *params);

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
