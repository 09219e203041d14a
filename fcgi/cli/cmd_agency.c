/*
 * ysqgk agency: the agencies this deployment serves.
 *
 *   agency add CODE NAME [--parent CODE]   (an existing code: renamed)
 *   agency list                            code, name, parent
 *   agency show CODE                       every editable field, and the
 *        review body its notices name (set, or derived from the hierarchy)
 *   agency set CODE KEY VALUE              one field, checked, in one
 *        transaction with its audit_log line (agencies.h lists the keys;
 *        "" clears an optional one). Exit 2 on a bad key or value.
 *   agency set CODE seal FILE.png          the seal drawn on its notices'
 *        PDFs (agency_seal.h: a PNG of at most 512 KiB)
 */
#include <stdio.h>
#include <string.h>

#include "service/agencies.h"
#include "service/agency_seal.h"
#include "core/db.h"
#include "cli/cli.h"

#define USAGE "add CODE NAME [--parent CODE] | list | show CODE | set CODE KEY VALUE"

static int usage(const char *why)
{
	return cli_usage_error("agency", USAGE, why);
}

static int agency_add(PGconn *conn, int argc, char **argv)
{
	const char *parent = NULL;
	if (argc == 6 && !strcmp(argv[4], "--parent"))
		parent = argv[5];
	else if (argc != 4)
		return usage("add needs CODE NAME [--parent CODE]");
	const char *params[] = { argv[2], argv[3], parent };
	PGresult *res = PQexecParams(conn,
		"INSERT INTO agencies (code, name, parent_id) VALUES ($1, $2,"
		" (SELECT id FROM agencies WHERE code = $3))"
		" ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name",
		3, NULL, params, NULL, NULL, 0);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "ysqgk agency add: %s", PQresultErrorMessage(res));
	PQclear(res);
	if (ok && parent) {
		/* The subselect gives NULL for an unknown parent: say so. */
		const char *p[] = { argv[2] };
		res = PQexecParams(conn, "SELECT parent_id IS NULL AS top FROM agencies WHERE code = $1",
				   1, NULL, p, NULL, NULL, 0);
		if (PQntuples(res) == 1 && !strcmp(db_value(res, 0, "top"), "t")) {
			fprintf(stderr, "ysqgk agency add: no agency with code \"%s\"\n", parent);
			ok = false;
		}
		PQclear(res);
	}
	return ok ? 0 : 1;
}

/* code, name, parent's code: one line each. */
static int agency_list(PGconn *conn)
{
	return cli_print_rows(conn, "agency list",
		"SELECT a.code, a.name, coalesce(p.code, '') AS parent_code FROM agencies a"
		" LEFT JOIN agencies p ON p.id = a.parent_id ORDER BY a.code");
}

static int plain_command(const char *config_path, int argc, char **argv)
{
	struct config c;
	if (!cli_load_config(&c, config_path))
		return 1;
	PGconn *conn = cli_connect(&c);
	int status = 1;
	if (conn) {
		status = !strcmp(argv[1], "add") ? agency_add(conn, argc, argv)
						 : agency_list(conn);
		PQfinish(conn);
	}
	config_free(&c);
	return status;
}

/* key<TAB>value lines; the review body with where it comes from. */
static void print_agency(struct json_object *a)
{
	static const char *const shown[] = { "code", "parent_name", "review_body_named",
					     "review_body_source", "government_above", NULL };
	for (size_t i = 0; shown[i]; i++) {
		if (i == 1)
			for (size_t k = 0; agency_edit_keys[k]; k++) {
				struct json_object *v = json_object_object_get(a, agency_edit_keys[k]);
				printf("%s\t%s\n", agency_edit_keys[k],
				       v ? json_object_get_string(v) : "");
			}
		struct json_object *v = json_object_object_get(a, shown[i]);
		printf("%s\t%s\n", shown[i], v ? json_object_get_string(v) : "");
	}
	const char *src = json_object_get_string(json_object_object_get(a, "review_body_source"));
	if (!strcmp(src, "derived"))
		printf("# the review body is derived from the hierarchy (行政复议法 Art. 24):"
		       " confirm it with `ysqgk agency set CODE review_body NAME`\n");
	else if (!strcmp(src, "unknown"))
		printf("# no review body: no government above this agency; set one with"
		       " `ysqgk agency set CODE review_body NAME`\n");
}

/* `agency set CODE seal FILE.png`: the seal on the agency's notices. */
static int set_seal(struct db *db, const char *code, const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "ysqgk agency set: %s: cannot open\n", path);
		return CLI_USAGE;
	}
	static unsigned char png[AGENCY_SEAL_MAX_BYTES + 1];
	size_t len = fread(png, 1, sizeof png, f);
	fclose(f);
	char msg[512];
	enum agency_edit_status s = agency_seal_set(db, code, png, len, 0, NULL, NULL,
						    msg, sizeof msg);
	if (s != AGENCY_EDIT_OK)
		fprintf(stderr, "ysqgk agency set: %s\n", msg);
	return s == AGENCY_EDIT_OK ? 0 : s == AGENCY_EDIT_DB_FAILED ? 1 : CLI_USAGE;
}

static int edit_command(const char *config_path, int argc, char **argv)
{
	bool show = !strcmp(argv[1], "show");
	if (show ? argc != 3 : argc != 5)
		return usage(show ? "show needs CODE" : "set needs CODE KEY VALUE");
	struct config c;
	if (!cli_load_config(&c, config_path))
		return 1;
	struct db db;
	db_open(&db, c.database, c.statement_timeout_ms);
	int status = 1;
	if (!db_ready(&db)) {
		fprintf(stderr, "ysqgk agency: database: %s",
			db.conn ? PQerrorMessage(db.conn) : "cannot connect (or migrations not applied)\n");
	} else if (show) {
		enum agency_edit_status s;
		struct json_object *a = agency_edit_show(&db, argv[2], &s);
		if (a)
			print_agency(a);
		else if (s == AGENCY_EDIT_NO_AGENCY)
			fprintf(stderr, "ysqgk agency show: no agency with code \"%s\"\n", argv[2]);
		else
			fprintf(stderr, "ysqgk agency show: the database failed\n");
		status = a ? 0 : s == AGENCY_EDIT_NO_AGENCY ? CLI_USAGE : 1;
		json_object_put(a);
	} else if (!strcmp(argv[3], "seal")) {
		status = set_seal(&db, argv[2], argv[4]);
	} else {
		char msg[512];
		struct agency_change change = { argv[3], argv[4] };
		enum agency_edit_status s = agency_edit_set(&db, argv[2], &change, 1, 0, NULL, NULL,
							    msg, sizeof msg, NULL);
		if (s != AGENCY_EDIT_OK)
			fprintf(stderr, "ysqgk agency set: %s\n", msg);
		status = s == AGENCY_EDIT_OK ? 0
			 : s == AGENCY_EDIT_DB_FAILED ? 1 : CLI_USAGE;
	}
	db_close(&db);
	config_free(&c);
	return status;
}

int cmd_agency(const char *config_path, int argc, char **argv)
{
	if (argc < 2)
		return usage("needs add, list, show or set");
	if (!strcmp(argv[1], "add") || !strcmp(argv[1], "list"))
		return plain_command(config_path, argc, argv);
	if (!strcmp(argv[1], "show") || !strcmp(argv[1], "set"))
		return edit_command(config_path, argc, argv);
	return usage("needs add, list, show or set");
}
