/*
 * ysqgk audit verify: walks every request's event chain and names the
 * first broken link. Each event's hash is recomputed from its stored
 * columns with the expression the append used (EVENT_HASH_SQL), and its
 * prev_hash compared with the previous event's hash, in one pass with
 * window functions. A request without any event is reported too (its
 * first event, `submitted` or `registered`, was removed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "event_hash.h"

static const char verify_sql[] =
	"WITH checked AS ("
	" SELECT e.request_id, e.seq,"
	"  e.hash = " EVENT_HASH_SQL("e.request_id", "e.seq", "e.at", "e.effective_on",
				     "e.actor_staff_id", "e.actor_kind", "e.action", "e.data",
				     "e.prev_hash") " AS content_ok,"
	"  e.prev_hash IS NOT DISTINCT FROM lag(e.hash) OVER w AS link_ok,"
	"  e.seq = row_number() OVER w AS seq_ok"
	" FROM request_events e"
	" WINDOW w AS (PARTITION BY e.request_id ORDER BY e.seq))"
	" SELECT c.request_id, r.tracking_no, c.seq, c.content_ok, c.link_ok, c.seq_ok,"
	"  count(*) OVER () AS broken"
	" FROM checked c JOIN requests r ON r.id = c.request_id"
	" WHERE NOT (c.content_ok AND c.link_ok AND c.seq_ok)"
	" ORDER BY c.request_id, c.seq LIMIT 20";

static int verify(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT count(*), count(DISTINCT request_id) FROM request_events");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ysqgk audit verify: %s", PQresultErrorMessage(res));
		PQclear(res);
		return 1;
	}
	printf("checking %s events of %s requests\n", PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	PQclear(res);

	res = PQexec(conn, verify_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ysqgk audit verify: %s", PQresultErrorMessage(res));
		PQclear(res);
		return 1;
	}
	int broken = PQntuples(res) ? atoi(PQgetvalue(res, 0, 6)) : 0;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *why = strcmp(PQgetvalue(res, i, 3), "t")
			? "its content does not match its hash (changed after it was written)"
			: strcmp(PQgetvalue(res, i, 5), "t")
			? "an event before it is missing"
			: "its prev_hash is not the hash of the event before it";
		printf("%s request %s (%s) event %s: %s\n", i ? "also" : "BROKEN:",
		       PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2), why);
	}
	PQclear(res);

	res = PQexec(conn, "SELECT r.id, r.tracking_no FROM requests r WHERE NOT EXISTS"
			   " (SELECT 1 FROM request_events e WHERE e.request_id = r.id)"
			   " ORDER BY r.id LIMIT 20");
	int empty = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : 0;
	for (int i = 0; i < empty; i++)
		printf("BROKEN: request %s (%s) has no events\n", PQgetvalue(res, i, 0),
		       PQgetvalue(res, i, 1));
	PQclear(res);
	if (broken || empty) {
		printf("%d broken link(s)%s\n", broken + empty,
		       broken + empty > 20 ? " (first 20 shown)" : "");
		return 1;
	}
	printf("ok: every chain is intact\n");
	return 0;
}

int cmd_audit(const char *config_path, int argc, char **argv)
{
	if (argc != 2 || strcmp(argv[1], "verify"))
		return cli_usage_error("audit", "verify", "needs verify");
	struct config c;
	if (!cli_load_config(&c, config_path))
		return 1;
	PGconn *conn = cli_connect(&c);
	int status = 1;
	if (conn) {
		status = verify(conn);
		PQfinish(conn);
	}
	config_free(&c);
	return status;
}
