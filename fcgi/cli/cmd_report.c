/*
 * ysqgk report --year Y [--agency CODE] [--format json|csv|html] [--draft]
 *
 * Prints the yearly report of an agency (its descendants summed): as
 * published when it was (with the differences since), else as computed
 * now; --draft always computes now. JSON is the API's shape, CSV the
 * tables' cells, HTML a standalone printable document. Without --agency,
 * the only agency that has no parent. Exits 1 when a check fails (the
 * failures are printed to standard error too).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_staff.h"
#include "service/report.h"
#include "lib/tmpl.h"

#define USAGE "--year YEAR [--agency CODE] [--format json|csv|html] [--draft]"

static int usage(const char *why)
{
	return cli_usage_error("report", USAGE, why);
}

struct options {
	int year;
	const char *agency;
	const char *format;
	bool draft;
};

static int parse_options(int argc, char **argv, struct options *o)
{
	*o = (struct options){ .format = "json" };
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--draft")) {
			o->draft = true;
			continue;
		}
		if (i + 1 >= argc)
			return usage("an option lacks its value");
		const char *v = argv[++i];
		if (!strcmp(argv[i - 1], "--year")) {
			char *end;
			errno = 0;
			long y = strtol(v, &end, 10);
			if (errno || *end || y < REPORT_FIRST_YEAR || y > 2999)
				return usage("--year must be a year from 2019");
			o->year = (int)y;
		} else if (!strcmp(argv[i - 1], "--agency")) {
			o->agency = v;
		} else if (!strcmp(argv[i - 1], "--format")) {
			if (strcmp(v, "json") && strcmp(v, "csv") && strcmp(v, "html"))
				return usage("--format is json, csv or html");
			o->format = v;
		} else {
			return usage("unknown option");
		}
	}
	return o->year ? 0 : usage("needs --year");
}

/* The only agency without a parent, or NULL (message printed). */
static char *default_agency(struct db *db)
{
	const char *p[] = { "0" };
	PGresult *res = db_exec(db, STMT_REPORT_AGENCY_CHOICES, 1, p);
	char *code = NULL;
	int roots = 0;
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++) {
		bool root = !strcmp(PQgetvalue(res, i, COL(REPORT_AGENCY_CHOICES, depth)), "0");
		if (root && roots++ == 0)
			code = strdup(PQgetvalue(res, i, COL(REPORT_AGENCY_CHOICES, code)));
	}
	if (!db_ok(res))
		fprintf(stderr, "ysqgk report: %s", res ? PQresultErrorMessage(res) : "no database\n");
	else if (roots != 1)
		fprintf(stderr, "ysqgk report: %s: name one with --agency\n",
			roots ? "several agencies have no parent" : "there is no agency");
	PQclear(res);
	if (roots != 1) {
		free(code);
		code = NULL;
	}
	return code;
}

/* The stylesheet, for a document that must print without the server. */
static char *read_css(const char *templates_dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/static/report.css", templates_dir);
	FILE *f = fopen(path, "rb");
	if (!f)
		return strdup("");
	struct buf b = BUF_INIT;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	char *css = strdup(buf_str(&b));
	buf_free(&b);
	return css;
}

static bool print_html(struct cli_staff *c, struct json_object *model)
{
	char *css = read_css(c->app->config.templates);
	json_object_object_add(model, "css", json_object_new_string(css));
	free(css);
	/* What is not the published version prints as a draft (草稿 across
	 * every sheet, report.css), as on the report page. */
	const char *status = json_object_get_string(json_object_object_get(model, "status"));
	json_object_object_add(model, "is_draft",
			       json_object_new_boolean(!status || strcmp(status, "published")));
	struct buf out = BUF_INIT;
	char err[256];
	bool ok = tmpl_render(c->app->templates, "report/standalone", model, &out, err,
			      sizeof err);
	if (ok)
		fwrite(buf_str(&out), 1, out.len, stdout);
	else
		fprintf(stderr, "ysqgk report: %s\n", err);
	buf_free(&out);
	return ok;
}

static void print_failures(struct json_object *model)
{
	struct json_object *checks = json_object_object_get(model, "checks");
	for (size_t i = 0; i < json_object_array_length(checks); i++) {
		struct json_object *f = json_object_object_get(
			json_object_array_get_idx(checks, i), "failures");
		for (size_t k = 0; k < json_object_array_length(f); k++)
			fprintf(stderr, "ysqgk report: check failed: %s\n", json_object_get_string(
				json_object_object_get(json_object_array_get_idx(f, k), "message")));
	}
}

static int print_report(struct cli_staff *c, const struct options *o, const char *agency)
{
	enum report_status st;
	PGresult *failure = NULL;
	bool html = !strcmp(o->format, "html");
	struct json_object *m = report_model(&c->db, agency, o->year, o->draft, html, &st,
					     &failure);
	if (st == REPORT_NO_AGENCY) {
		fprintf(stderr, "ysqgk report: no agency with code \"%s\"\n", agency);
		return 1;
	}
	if (st != REPORT_OK) {
		fprintf(stderr, "ysqgk report: database: %s",
			failure ? PQresultErrorMessage(failure) : "connection lost\n");
		PQclear(failure);
		return 1;
	}
	bool ok = true;
	if (html) {
		ok = print_html(c, m);
	} else if (!strcmp(o->format, "csv")) {
		/* The CSV of what is shown: rebuild the report from the model. */
		struct report r;
		report_init(&r);
		report_from_json(m, &r);
		struct buf out = BUF_INIT;
		report_csv(&r, &out);
		fwrite(buf_str(&out), 1, out.len, stdout);
		buf_free(&out);
		report_free(&r);
	} else {
		puts(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PRETTY |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	int failed = json_object_get_int(json_object_object_get(m, "checks_failed"));
	print_failures(m);
	json_object_put(m);
	return ok && !failed ? 0 : 1;
}

int cmd_report(const char *config_path, int argc, char **argv)
{
	struct options o;
	int bad = parse_options(argc, argv, &o);
	if (bad)
		return bad;
	struct cli_staff c;
	if (!cli_staff_open(&c, config_path, "report"))
		return 1;
	char *agency = o.agency ? strdup(o.agency) : default_agency(&c.db);
	int status = agency ? print_report(&c, &o, agency) : 1;
	free(agency);
	cli_staff_close(&c);
	return status;
}
