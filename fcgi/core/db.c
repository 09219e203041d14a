#include "core/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static void connect_now(struct db *db)
{
	db->last_attempt = time(NULL);
	db->prepared = false;
	if (db->conn && PQstatus(db->conn) != CONNECTION_OK) {
		PQreset(db->conn);
	} else if (!db->conn) {
		db->conn = connect_with_limits(db);
	}
	if (PQstatus(db->conn) != CONNECTION_OK) {
		log_warn("db: cannot connect: %s", PQerrorMessage(db->conn));
		return;
	}
	/* A connection that survived a failed prepare (say, migrations not yet
	 * applied) still holds the statements that did prepare. */
	PQclear(PQexec(db->conn, "DEALLOCATE ALL"));
	db->prepared = prepare_all(db);
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
	if (db->conn && PQstatus(db->conn) == CONNECTION_OK && db->prepared)
		return true;
	/* Reconnecting blocks for up to connect_timeout: while the database is
	 * down, try once a second per thread and answer 503 in between. */
	if (time(NULL) - db->last_attempt < 1)
		return false;
	connect_now(db);
	return db->conn && PQstatus(db->conn) == CONNECTION_OK && db->prepared;
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
	PGresult *res = PQexecPrepared(db->conn, stmt_name[s], nparams, params,
				       lengths, formats, result_binary ? 1 : 0);
	if (!db_ok(res) && PQstatus(db->conn) != CONNECTION_OK)
		db->prepared = false;
	return res;
}

bool db_command(struct db *db, const char *sql)
{
	if (!db->conn)
		return false;
	PGresult *res = PQexec(db->conn, sql);
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
