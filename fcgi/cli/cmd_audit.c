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

#include "core/app.h"
#include "core/db.h"
#include "core/audit_anchor.h"
#include "cli/cli.h"
#include "core/event_hash.h"
#include "core/event_mac.h"
#include "core/pii.h"

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

static int verify_chains(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT count(*) AS events, count(DISTINCT request_id) AS requests"
				" FROM request_events");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ysqgk audit verify: %s", PQresultErrorMessage(res));
		PQclear(res);
		return 1;
	}
	printf("checking %s events of %s requests\n", db_value(res, 0, "events"),
	       db_value(res, 0, "requests"));
	PQclear(res);

	res = PQexec(conn, verify_sql);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ysqgk audit verify: %s", PQresultErrorMessage(res));
		PQclear(res);
		return 1;
	}
	int broken = PQntuples(res) ? atoi(db_value(res, 0, "broken")) : 0;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *why = strcmp(db_value(res, i, "content_ok"), "t")
			? "its content does not match its hash (changed after it was written)"
			: strcmp(db_value(res, i, "seq_ok"), "t")
			? "an event before it is missing"
			: "its prev_hash is not the hash of the event before it";
		printf("%s request %s (%s) event %s: %s\n", i ? "also" : "BROKEN:",
		       db_value(res, i, "request_id"), db_value(res, i, "tracking_no"),
		       db_value(res, i, "seq"), why);
	}
	PQclear(res);

	res = PQexec(conn, "SELECT r.id, r.tracking_no FROM requests r WHERE NOT EXISTS"
			   " (SELECT 1 FROM request_events e WHERE e.request_id = r.id)"
			   " ORDER BY r.id LIMIT 20");
	int empty = PQresultStatus(res) == PGRES_TUPLES_OK ? PQntuples(res) : 0;
	for (int i = 0; i < empty; i++)
		printf("BROKEN: request %s (%s) has no events\n", db_value(res, i, "id"),
		       db_value(res, i, "tracking_no"));
	PQclear(res);
	if (broken || empty) {
		printf("%d broken link(s)%s\n", broken + empty,
		       broken + empty > 20 ? " (first 20 shown)" : "");
		return 1;
	}
	return 0;
}

/* Why one event's MAC fails, or NULL when it is fine (a row of
 * verify_macs's query, after the switch). */
static const char *mac_problem(const struct app *app, PGresult *row)
{
	if (db_is_null(row, 0, "mac"))
		return "it has no MAC though written after the switch to MACs"
		       " (a downgraded event)";
	int key_no = atoi(db_value(row, 0, "mac_key"));
	return event_mac_problem(app_event_key_no(app, key_no), key_no, db_value(row, 0, "hash"),
				 db_value(row, 0, "mac"));
}

/* Streams every MACed or post-switch event (single-row mode) and checks it. */
static int verify_macs(PGconn *conn, const struct app *app)
{
	if (!PQsendQuery(conn, "SELECT e.request_id, r.tracking_no, e.seq,"
			       " encode(e.hash, 'hex') AS hash, e.mac_key, encode(e.mac, 'hex') AS mac"
			       " FROM request_events e JOIN requests r ON r.id = e.request_id"
			       " LEFT JOIN audit_mac_switch s ON true"
			       " WHERE e.mac IS NOT NULL OR e.id >= coalesce(s.first_event_id, 0)"
			       " ORDER BY e.request_id, e.seq") ||
	    !PQsetSingleRowMode(conn)) {
		fprintf(stderr, "ysqgk audit verify: %s", PQerrorMessage(conn));
		return 1;
	}
	int bad = 0;
	bool failed = false;
	PGresult *res;
	while ((res = PQgetResult(conn))) {
		if (PQresultStatus(res) == PGRES_SINGLE_TUPLE) {
			const char *why = mac_problem(app, res);
			if (why && ++bad <= 20)
				printf("BROKEN: request %s (%s) event %s: %s\n",
				       db_value(res, 0, "request_id"), db_value(res, 0, "tracking_no"),
				       db_value(res, 0, "seq"), why);
		} else if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			fprintf(stderr, "ysqgk audit verify: %s", PQresultErrorMessage(res));
			failed = true;
		}
		PQclear(res);
	}
	if (bad)
		printf("%d event(s) with a bad MAC%s\n", bad, bad > 20 ? " (first 20 shown)" : "");
	return bad || failed;
}

static int verify_switch(PGconn *conn)
{
	PGresult *res = PQexec(conn, "SELECT count(*) AS switches FROM audit_mac_switch");
	int rows = PQresultStatus(res) == PGRES_TUPLES_OK ? atoi(db_value(res, 0, "switches")) : -1;
	PQclear(res);
	if (rows == 1)
		return 0;
	printf("BROKEN: audit_mac_switch has %d rows instead of 1\n", rows);
	return 1;
}

static int verify(PGconn *conn, const struct app *app, const char *anchor)
{
	int failed = verify_chains(conn);
	failed |= verify_switch(conn);
	failed |= verify_macs(conn, app);
	if (anchor)
		failed |= audit_anchor_check(conn, app, anchor);
	else
		printf("no --anchor given: a chain cut back at its end would not show\n");
	if (!failed)
		printf("ok: every chain is intact\n");
	return failed;
}

/* The configuration and the secret key's derived keys (no templates). */
static bool load_keys(struct app *app, const char *config_path)
{
	memset(app, 0, sizeof *app);
	if (!cli_load_config(&app->config, config_path))
		return false;
	char err[1024];
	if (!app_load_secret_key(app, err, sizeof err)) {
		fprintf(stderr, "ysqgk audit: %s\n", err);
		config_free(&app->config);
		return false;
	}
	app_derive_keys(app);
	return true;
}

int cmd_audit(const char *config_path, int argc, char **argv)
{
	const char *anchor = NULL;
	bool verifying = argc >= 2 && !strcmp(argv[1], "verify");
	if (verifying && argc == 4 && !strcmp(argv[2], "--anchor"))
		anchor = argv[3];
	else if (!(verifying && argc == 2) && !(argc == 3 && !strcmp(argv[1], "anchor")))
		return cli_usage_error("audit", "verify [--anchor PATH] | anchor PATH",
				       "needs verify or anchor");
	struct app app;
	if (!load_keys(&app, config_path))
		return 1;
	PGconn *conn = cli_connect(&app.config);
	int status = 1;
	if (conn) {
		status = verifying ? verify(conn, &app, anchor)
				   : audit_anchor_write(conn, &app, argv[2]);
		PQfinish(conn);
	}
	config_free(&app.config);
	sodium_memzero(&app, sizeof app);
	return status;
}
