#include "cli/cli.h"

#include <stdio.h>

int cli_usage_error(const char *name, const char *usage, const char *why)
{
	fprintf(stderr, "ysqgk %s: %s\nusage: ysqgk [--config FILE] %s %s\n", name, why,
		name, usage);
	return CLI_USAGE;
}

bool cli_load_config(struct config *c, const char *path)
{
	char err[512];
	if (config_load(c, path, err, sizeof err))
		return true;
	fprintf(stderr, "ysqgk: configuration: %s\n", err);
	config_free(c);
	return false;
}

PGconn *cli_connect(const struct config *c)
{
	PGconn *conn = PQconnectdb(c->database);
	if (PQstatus(conn) != CONNECTION_OK) {
		fprintf(stderr, "ysqgk: database: %s", PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, NULL, NULL);
	return conn;
}

int cli_print_rows(PGconn *conn, const char *what, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ysqgk %s: %s", what, PQresultErrorMessage(res));
		PQclear(res);
		return 1;
	}
	for (int i = 0; i < PQntuples(res); i++)
		for (int c = 0; c < PQnfields(res); c++)
			printf("%s%c", PQgetvalue(res, i, c), c + 1 < PQnfields(res) ? '\t' : '\n');
	PQclear(res);
	return 0;
}
