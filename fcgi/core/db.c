#include "core/db.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/log.h"

#define COLUMNS(id, ...)
static const char *const stmt_sql[STMT_COUNT] = {
#define STMT(id, sql) [STMT_##id] = sql,
#include "core/statements.def"
#undef STMT
};

static const char *const stmt_name[STMT_COUNT] = {
#define STMT(id, sql) [STMT_##id] = #id,
#include "core/statements.def"
#undef STMT
};
#undef COLUMNS

/* The names the code reads each result's columns by (columns.h), as
 * written: "id, tracking_no, status". */
#define COLUMNS_STRING(...) #__VA_ARGS__	/* after expanding a list macro */
static const char *const stmt_columns[STMT_COUNT] = {
#define STMT(id, sql)
#define COLUMNS(id, ...) [STMT_##id] = COLUMNS_STRING(__VA_ARGS__),
#include "core/statements.def"
#undef STMT
#undef COLUMNS
};

/* Whether the prepared statement's result has exactly the named columns,
 * in order; else logs the first difference. */
static bool columns_match(PGconn *conn, int i)
{
	PGresult *d = PQdescribePrepared(conn, stmt_name[i]);
	bool ok = PQresultStatus(d) == PGRES_COMMAND_OK;
	const char *p = stmt_columns[i];
	int n = ok ? PQnfields(d) : 0;
	for (int c = 0; ok && c < n; c++) {
		p += strspn(p, ", \t\n");
		size_t len = strcspn(p, ", \t\n");
		const char *have = PQfname(d, c);
		if (!len || strlen(have) != len || strncmp(have, p, len)) {
			log_error("db: %s: column %d is \"%s\" but the code reads \"%.*s\"",
				  stmt_name[i], c, have, (int)len, p);
			ok = false;
		}
		p += len;
	}
	if (ok && *(p + strspn(p, ", \t\n"))) {
		log_error("db: %s: the code names more columns than its %d", stmt_name[i], n);
		ok = false;
	}
	PQclear(d);
	return ok;
}

static bool prepare_all(struct db *db)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		PGresult *res = PQprepare(db->conn, stmt_name[i], stmt_sql[i], 0, NULL);
		bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			log_error("db: cannot prepare %s: %s", stmt_name[i],
				  PQresultErrorMessage(res));
		PQclear(res);
		if (ok && stmt_columns[i])
			ok = columns_match(db->conn, i);
		if (!ok)
			return false;
	}
	return true;
}

/*
 * The conninfo comes first and is expanded; the keywords after it override
 * it, so the timeouts hold whatever the administrator wrote.
 */
static PGconn *connect_with_limits(struct db *db)
{
	char options[64];
	snprintf(options, sizeof options, "-c statement_timeout=%d",
		 db->statement_timeout_ms);
	const char *const keys[] = { "dbname", "connect_timeout", "options",
				     "application_name", NULL };
	const char *const values[] = { db->conninfo, "3", options, "ysqgk", NULL };
	return PQconnectdbParams(keys, values, 1);
}

/* A connection that cannot be trusted (left mid-pipeline, or the server
 * said it ends): the next db_ready() opens a new one. */
static void drop_connection(struct db *db)
{
	PQfinish(db->conn);
	db->conn = NULL;
	db->prepared = false;
	db->server_closing = false;
}

#define CHANGES_CHANNEL "ysqgk_changes"

/* The payload sql/030 sends is the table's name. */
static const char *const topic_table[DB_TOPICS] = {
	[DB_TOPIC_AGENCIES] = "agencies",
	[DB_TOPIC_HOLIDAYS] = "holidays",
	[DB_TOPIC_STAFF] = "staff",
	[DB_TOPIC_SESSIONS] = "sessions",
	[DB_TOPIC_COMPLAINTS] = "complaints",
	[DB_TOPIC_DISCLOSURES] = "disclosures",
	[DB_TOPIC_DISCLOSURE_FILES] = "disclosure_files",
	[DB_TOPIC_REPLY_PHRASES] = "reply_phrases",
};

/*
 * A topic's generation takes a new value on each change, drawn from one
 * counter for the whole process: a value is never seen twice, even after
 * db_close() and db_open() start a connection's counters again.
 */
static atomic_ulong generations;

static void topic_changed(struct db *db, enum db_topic t)
{
	db->topic_generation[t] = atomic_fetch_add(&generations, 1) + 1;
}

/* LISTEN on a fresh connection; every copy kept from before is stale. */
static bool listen_now(struct db *db)
{
	PGresult *res = PQexec(db->conn, "LISTEN " CHANGES_CHANNEL);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_warn("db: cannot listen for changes: %s", PQerrorMessage(db->conn));
	PQclear(res);
	for (int t = 0; t < DB_TOPICS; t++)
		topic_changed(db, (enum db_topic)t);
	return ok;
}

void db_listen_for_changes(struct db *db)
{
	db->listens = true;
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK && db->prepared)
		db->prepared = listen_now(db);
}

static void count_change(struct db *db, const PGnotify *n)
{
	if (strcmp(n->relname, CHANGES_CHANNEL))
		return;
	for (int t = 0; t < DB_TOPICS; t++) {
		if (!strcmp(n->extra, topic_table[t]))
			topic_changed(db, (enum db_topic)t);
	}
}

void db_poll_changes(struct db *db)
{
	if (!db->listens || !db->conn || PQstatus(db->conn) != CONNECTION_OK)
		return;
	/* libpq's socket is non-blocking: this reads what is there, if anything. */
	if (!PQconsumeInput(db->conn))
		return;		/* the connection broke: db_ready() reconnects */
	if (db->server_closing) {
		drop_connection(db);
		return;
	}
	PGnotify *n;
	while ((n = PQnotifies(db->conn))) {
		count_change(db, n);
		PQfreemem(n);
	}
}

/*
 * libpq hands an error that arrives while no statement runs to the notice
 * receiver: it is the server saying why it is about to close the session
 * (57P01 on shutdown, a terminated backend). Until the socket's end is
 * read the connection still looks healthy, so it is noted here.
 */
static void note_server_notice(void *arg, const PGresult *res)
{
	struct db *db = arg;
	const char *severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
	if (severity && (!strcmp(severity, "FATAL") || !strcmp(severity, "PANIC"))) {
		db->server_closing = true;
		log_warn("db: the server ends the session: %s", PQresultErrorMessage(res));
	} else {
		log_info("db: %s", PQresultErrorMessage(res));
	}
}

static void connect_now(struct db *db)
{
	db->last_attempt = time(NULL);
	db->prepared = false;
	db->server_closing = false;
	if (db->conn && PQstatus(db->conn) != CONNECTION_OK) {
		PQreset(db->conn);
	} else if (!db->conn) {
		db->conn = connect_with_limits(db);
		if (db->conn)
			PQsetNoticeReceiver(db->conn, note_server_notice, db);
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_warn("db: cannot connect: %s", PQerrorMessage(db->conn));
		return;
	}
	/* A connection that survived a failed prepare (say, migrations not yet
	 * applied) still holds the statements that did prepare. */
	PQclear(PQexec(db->conn, "DEALLOCATE ALL"));
	db->prepared = prepare_all(db) && (!db->listens || listen_now(db));
}

void db_open(struct db *db, const char *conninfo, int statement_timeout_ms)
{
	memset(db, 0, sizeof *db);
	db->conninfo = strdup(conninfo);
	db->statement_timeout_ms = statement_timeout_ms;
	connect_now(db);
}

void db_close(struct db *db)
{
	if (db->conn)
		PQfinish(db->conn);
	free(db->conninfo);
	memset(db, 0, sizeof *db);
}

bool db_ready(struct db *db)
{
	if (db->server_closing)
		drop_connection(db);
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK && db->prepared)
		return true;
	/* Reconnecting blocks for up to connect_timeout: while the database is
	 * down, try once a second per thread and answer 503 in between. */
	if (time(NULL) - db->last_attempt < 1)
		return false;
	connect_now(db);
	return db->conn && PQstatus(db->conn) == CONNECTION_OK && db->prepared;
}

/* ---- counting what a request asks (struct db_usage) --------------------- */

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* One round trip of `statements` statements, begun at `start` (now_ns). */
static void count_round_trip(struct db *db, unsigned statements, long long start)
{
	db->usage.round_trips++;
	db->usage.statements += statements;
	db->usage.wait_ns += now_ns() - start;
}

PGresult *db_exec(struct db *db, enum stmt s, int nparams,
		  const char *const *params)
{
	return db_exec_bin(db, s, nparams, params, NULL, NULL, false);
}

PGresult *db_exec_bin(struct db *db, enum stmt s, int nparams, const char *const *params,
		      const int *lengths, const int *formats, bool result_binary)
{
	if (!db->conn)
		return NULL;
	long long start = now_ns();
	PGresult *res = PQexecPrepared(db->conn, stmt_name[s], nparams, params,
				       lengths, formats, result_binary ? 1 : 0);
	count_round_trip(db, 1, start);
	if (!db_ok(res) && PQstatus(db->conn) != CONNECTION_OK)
		db->prepared = false;
	return res;
}

/* Reads one statement's result and the NULL that ends it. */
static PGresult *next_result(PGconn *conn, bool *in_step)
{
	PGresult *res = PQgetResult(conn);
	PGresult *end = res ? PQgetResult(conn) : NULL;
	if (end) {		/* more than one result: not what was sent */
		PQclear(end);
		*in_step = false;
	}
	return res;
}

bool db_exec_steps(struct db *db, struct db_step *steps, size_t n)
{
	for (size_t i = 0; i < n; i++)
		steps[i].res = NULL;
	if (!db->conn || !PQenterPipelineMode(db->conn))
		return false;
	long long start = now_ns();
	bool sent = true;
	for (size_t i = 0; i < n && sent; i++)
		sent = PQsendQueryPrepared(db->conn, stmt_name[steps[i].stmt], steps[i].nparams,
					   steps[i].params, NULL, NULL, 0);
	bool consistent = sent && PQpipelineSync(db->conn);
	bool ok = consistent;
	for (size_t i = 0; i < n && consistent; i++) {
		steps[i].res = next_result(db->conn, &consistent);
		ok = ok && db_ok(steps[i].res);
	}
	if (consistent) {
		PGresult *sync = PQgetResult(db->conn);
		consistent = PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
		PQclear(sync);
	}
	count_round_trip(db, (unsigned)n, start);
	if (!consistent || !PQexitPipelineMode(db->conn)) {
		log_warn("db: a pipeline of %zu statements broke off: %s", n,
			 PQerrorMessage(db->conn));
		drop_connection(db);
		return false;
	}
	return ok;
}

bool db_exec_no_flush_wait(struct db *db, enum stmt s, int nparams, const char *const *params)
{
	struct db_step steps[] = {
		{ .stmt = STMT_TX_BEGIN },
		{ .stmt = STMT_TX_NO_FLUSH_WAIT },
		{ .stmt = s, .nparams = nparams, .params = params },
		{ .stmt = STMT_TX_COMMIT },
	};
	size_t n = sizeof steps / sizeof steps[0];
	bool ok = db_exec_steps(db, steps, n);
	if (!ok) {
		char why[512];
		for (size_t i = 0; i < n; i++) {
			if (steps[i].res && !db_ok(steps[i].res)) {	/* the first: the cause */
				log_warn("db: %s failed: %s", stmt_name[steps[i].stmt],
					 db_error_text(steps[i].res, why, sizeof why));
				break;
			}
		}
		/* A failure skipped the COMMIT: the transaction is still open. */
		if (db->conn)
			db_command(db, "ROLLBACK");
	}
	for (size_t i = 0; i < n; i++)
		PQclear(steps[i].res);
	return ok;
}

bool db_command(struct db *db, const char *sql)
{
	if (!db->conn)
		return false;
	long long start = now_ns();
	PGresult *res = PQexec(db->conn, sql);
	count_round_trip(db, 1, start);
	bool ok = db_ok(res);
	if (!ok) {
		char why[512];
		log_warn("db: %s failed: %s", sql, db_error_text(res, why, sizeof why));
	}
	PQclear(res);
	return ok;
}

bool db_ok(const PGresult *res)
{
	if (!res)
		return false;
	ExecStatusType st = PQresultStatus(res);
	return st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK;
}

static const char *field_or(const PGresult *res, int code, const char *def)
{
	const char *v = PQresultErrorField(res, code);
	return v ? v : def;
}

const char *db_error_text(const PGresult *res, char *buf, size_t size)
{
	if (!res) {
		snprintf(buf, size, "no result");
		return buf;
	}
	const char *state = field_or(res, PG_DIAG_SQLSTATE, "?????");
	const char *message = !strncmp(state, "22", 2)
		? "(data exception: value not logged)"
		: field_or(res, PG_DIAG_MESSAGE_PRIMARY, PQresStatus(PQresultStatus(res)));
	snprintf(buf, size, "%s %s%s%s%s%s%s%s", state, message,
		 PQresultErrorField(res, PG_DIAG_TABLE_NAME) ? " table=" : "",
		 field_or(res, PG_DIAG_TABLE_NAME, ""),
		 PQresultErrorField(res, PG_DIAG_COLUMN_NAME) ? " column=" : "",
		 field_or(res, PG_DIAG_COLUMN_NAME, ""),
		 PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) ? " constraint=" : "",
		 field_or(res, PG_DIAG_CONSTRAINT_NAME, ""));
	return buf;
}

enum db_failure db_failure_of(struct db *db, const PGresult *res)
{
	if (db_ok(res))
		return DB_FAIL_NONE;
	if (!res || !db->conn || PQstatus(db->conn) != CONNECTION_OK)
		return DB_FAIL_DOWN;
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	if (!state)
		return DB_FAIL_OTHER;
	if (!strcmp(state, "57014") || !strncmp(state, "57P", 3) ||
	    !strncmp(state, "08", 2) || !strcmp(state, "53300"))
		return DB_FAIL_TIMEOUT;	/* cancelled, shutting down, connection, too many */
	if (!strcmp(state, "23505"))
		return DB_FAIL_UNIQUE;
	if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2))
		return DB_FAIL_CHECK;
	if (!strcmp(state, "40001") || !strcmp(state, "40P01"))
		return DB_FAIL_SERIALIZATION;
	return DB_FAIL_OTHER;
}

static int column_named(const PGresult *res, const char *name)
{
	int c = PQfnumber(res, name);
	if (c < 0)
		log_error("db: no column \"%s\" in the result", name);
	return c;
}

const char *db_value(const PGresult *res, int row, const char *name)
{
	int c = column_named(res, name);
	return c < 0 ? "" : PQgetvalue(res, row, c);
}

bool db_is_null(const PGresult *res, int row, const char *name)
{
	int c = column_named(res, name);
	return c < 0 || PQgetisnull(res, row, c);
}
