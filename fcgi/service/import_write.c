/* import_write: the checked rows against the database, and written
 * (import_internal.h). */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar_cache.h"
#include "core/db.h"
#include "domain/date.h"
#include "domain/idcheck.h"
#include "domain/vocab.h"
#include "domain/workflow_rules.h"
#include "core/events.h"
#include "lib/parse.h"
#include "core/pii.h"
#include "service/requests.h"
#include "service/workflow.h"
#include "core/clock.h"
#include "service/import_internal.h"

/* ---- checks against the database ------------------------------------------ */

static bool db_failed(struct ctx *c, PGresult *res, const char *what)
{
	if (db_ok(res))
		return false;
	c->out->status = 2;
	const char *msg = res ? PQresultErrorMessage(res) : "database connection lost";
	c->out->failure = arena_strdup(c->a, *msg ? msg : what);
	return true;
}

/* Sets each row's agency; rows naming an agency out of scope are problems. */
bool import_resolve_agencies(struct ctx *c, struct row *rows, int n)
{
	char scope[24];
	snprintf(scope, sizeof scope, "%lld", c->opt->scope_agency_id);
	const char *p[] = { scope };
	PGresult *res = db_exec(c->db, STMT_IMPORT_AGENCIES, 1, p);
	if (db_failed(c, res, "agencies")) {
		PQclear(res);
		return false;
	}
	for (int i = 0; i < n; i++) {
		for (int k = 0; k < PQntuples(res); k++)
			if (!strcmp(PQgetvalue(res, k, COL(IMPORT_AGENCIES, code)), rows[i].v[C_AGENCY])) {
				rows[i].agency_id = strtoll(PQgetvalue(res, k, COL(IMPORT_AGENCIES, id)), NULL, 10);
				rows[i].agency_id_text = arena_strdup(c->a, PQgetvalue(res, k, COL(IMPORT_AGENCIES, id)));
			}
		if (!rows[i].agency_id && !rows[i].broken)
			import_problem(c, rows[i].line, C_AGENCY, "没有代码为“%s”的机关%s",
				rows[i].v[C_AGENCY],
				c->opt->scope_agency_id ? "，或不在您管理的范围内" : "");
	}
	PQclear(res);
	return true;
}

static int by_tracking(const void *x, const void *y)
{
	const struct row *a = *(const struct row *const *)x, *b = *(const struct row *const *)y;
	int d = strcmp(a->v[C_TRACKING], b->v[C_TRACKING]);
	return d ? d : a->line - b->line;
}

/* Numbers given twice in the file, or already taken. */
bool import_check_numbers_unique(struct ctx *c, struct row *rows, int n)
{
	struct row **sorted = calloc((size_t)n + 1, sizeof *sorted);
	if (!sorted)
		abort();
	int m = 0;
	for (int i = 0; i < n; i++)
		if (rows[i].tn_no)
			sorted[m++] = &rows[i];
	qsort(sorted, (size_t)m, sizeof *sorted, by_tracking);
	struct buf list = BUF_INIT;
	buf_putc(&list, '{');
	for (int i = 0; i < m; i++) {
		if (i && !strcmp(sorted[i]->v[C_TRACKING], sorted[i - 1]->v[C_TRACKING]))
			import_problem(c, sorted[i]->line, C_TRACKING, "编号“%s”与第%d行重复",
				sorted[i]->v[C_TRACKING], sorted[i - 1]->line);
		/* The format was checked: no quote, comma or brace inside. */
		buf_printf(&list, "%s%s", i ? "," : "", sorted[i]->v[C_TRACKING]);
	}
	buf_putc(&list, '}');
	bool ok = true;
	if (m) {
		const char *p[] = { buf_str(&list) };
		PGresult *res = db_exec(c->db, STMT_IMPORT_TRACKING_TAKEN, 1, p);
		if (db_failed(c, res, "tracking numbers")) {
			ok = false;
		} else {
			for (int k = 0; k < PQntuples(res); k++)
				for (int i = 0; i < m; i++)
					if (!strcmp(sorted[i]->v[C_TRACKING], PQgetvalue(res, k, COL(IMPORT_TRACKING_TAKEN, tracking_no))))
						import_problem(c, sorted[i]->line, C_TRACKING,
							"编号“%s”已经存在（已导入或已登记）",
							sorted[i]->v[C_TRACKING]);
		}
		PQclear(res);
	}
	buf_free(&list);
	free(sorted);
	return ok;
}

/* ---- writing ---------------------------------------------------------------- */

static bool exec_ok(struct ctx *c, enum stmt s, int n, const char *const *p, int line)
{
	PGresult *res = db_exec(c->db, s, n, p);
	bool ok = !db_failed(c, res, "insert");
	if (!ok) {
		char msg[600];
		snprintf(msg, sizeof msg, "第%d行：%s", line, c->out->failure);
		c->out->failure = arena_strdup(c->a, msg);
	}
	PQclear(res);
	return ok;
}

/* Online submissions must number after the imported ones. */
static bool bump_counters(struct ctx *c, const struct row *rows, int n)
{
	for (int i = 0; i < n; i++) {
		if (!rows[i].tn_no)
			continue;
		char year[12], no[24];
		snprintf(year, sizeof year, "%d", rows[i].tn_year);
		snprintf(no, sizeof no, "%ld", rows[i].tn_no);
		const char *p[] = { rows[i].agency_id_text, year, no };
		if (!exec_ok(c, STMT_IMPORT_TRACKING_BUMP, 3, p, rows[i].line))
			return false;
	}
	return true;
}

static const char *next_number(struct ctx *c, const struct row *r)
{
	char year[12];
	snprintf(year, sizeof year, "%d", date_year(r->received));
	const char *p[] = { r->agency_id_text, year };
	PGresult *res = db_exec(c->db, STMT_IMPORT_TRACKING_NEXT, 2, p);
	const char *t = NULL;
	if (!db_failed(c, res, "tracking number") && PQntuples(res) == 1) {
		char no[80];
		snprintf(no, sizeof no, "%s-%s-%06ld", r->v[C_AGENCY], year,
			 strtol(PQgetvalue(res, 0, COL(IMPORT_TRACKING_NEXT, last_no)), NULL, 10));
		t = arena_strdup(c->a, no);
	}
	PQclear(res);
	return t;
}

static const char *or_null(const char *s)
{
	return s && *s ? s : NULL;
}

static struct json_object *event_data(struct ctx *c, const struct row *r)
{
	struct json_object *d = json_object_new_object();
	char date[DATE_STR_SIZE];
	json_object_object_add(d, "source", json_object_new_string(
		c->opt->source ? c->opt->source : "ledger.csv"));
	json_object_object_add(d, "line", json_object_new_int(r->line));
	if (*r->v[C_LEDGER_NO])
		json_object_object_add(d, "ledger_no", json_object_new_string(r->v[C_LEDGER_NO]));
	json_object_object_add(d, "received_on", json_object_new_string(
		date_format(r->received, date)));
	json_object_object_add(d, "status", json_object_new_string(r->status));
	if (r->concluded) {
		json_object_object_add(d, "outcome", json_object_new_string(r->v[C_OUTCOME]));
		json_object_object_add(d, "concluded_on", json_object_new_string(
			date_format(r->concluded_on, date)));
	}
	return d;
}

/* The request row, its `imported` event and, when open, its due date. */
static bool insert_row(struct ctx *c, const struct row *r, const struct calendar *cal)
{
	const char *tracking = *r->v[C_TRACKING] ? r->v[C_TRACKING] : next_number(c, r);
	if (!tracking)
		return false;
	char received[DATE_STR_SIZE], concluded[DATE_STR_SIZE];
	date_format(r->received, received);
	const struct app *app = c->app;
	const char *p[] = {
		r->agency_id_text, tracking, r->v[C_KIND], r->v[C_NAME],
		r->id_number ? r->v[C_ID_TYPE] : NULL,
		r->id_number ? pii_encrypt(app, c->a, r->id_number) : NULL,
		r->id_number ? pii_hash(app, c->a, PII_ID_NUMBER, r->id_number) : NULL,
		or_null(r->v[C_CREDIT]), or_null(r->v[C_LEGAL_REP]), or_null(r->v[C_CONTACT]),
		or_null(r->v[C_WORK_UNIT]),
		r->phone_key ? pii_encrypt(app, c->a, r->phone_store) : NULL,
		r->phone_key ? pii_hash(app, c->a, PII_PHONE, r->phone_key) : NULL,
		or_null(r->v[C_FAX]), or_null(r->v[C_EMAIL]), or_null(r->v[C_ADDRESS]),
		or_null(r->v[C_POSTCODE]), r->v[C_DESCRIPTION], or_null(r->v[C_DOCUMENT_REF]),
		r->provision, r->obtain, r->v[C_CHANNEL], received,
		r->backdated ? "true" : "false", r->status,
		r->concluded ? r->v[C_OUTCOME] : NULL,
		r->concluded ? date_format(r->concluded_on, concluded) : NULL,
		r->request_kind, or_null(r->v[C_CORRECTION_WRONG]),
		or_null(r->v[C_CORRECTION_SHOULD]),
	};
	PGresult *res = db_exec(c->db, STMT_IMPORT_REQUEST_INSERT, 30, p);
	if (db_failed(c, res, "insert")) {
		char msg[600];
		snprintf(msg, sizeof msg, "第%d行：%s", r->line, c->out->failure);
		c->out->failure = arena_strdup(c->a, msg);
		PQclear(res);
		return false;
	}
	const char *id = arena_strdup(c->a, PQgetvalue(res, 0, COL(IMPORT_REQUEST_INSERT, id)));
	PQclear(res);
	struct json_object *data = event_data(c, r);
	struct event ev = {
		.request_id = id, .actor_kind = "import",
		.actor_staff_id = c->opt->actor_staff_id, .action = "imported",
		.effective_on = received, .data = data,
	};
	PGresult *failure = NULL;
	int seq = event_append(c->db, &ev, &failure);
	json_object_put(data);
	if (!seq) {
		db_failed(c, failure, "event");
		PQclear(failure);
		return false;
	}
	if (!r->concluded && (!cal || workflow_refresh_deadline(c->db, cal, id) < 0)) {
		c->out->status = 2;
		c->out->failure = "计算办理期限失败（工作日历或数据库）";
		return false;
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "line", json_object_new_int(r->line));
	json_object_object_add(o, "tracking_no", json_object_new_string(tracking));
	json_object_object_add(o, "id", json_object_new_int64(strtoll(id, NULL, 10)));
	json_object_array_add(c->out->created, o);
	return true;
}

static void audit(struct ctx *c, int n)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "source", json_object_new_string(
		c->opt->source ? c->opt->source : "ledger.csv"));
	json_object_object_add(d, "rows", json_object_new_int(n));
	if (!c->opt->actor_staff_id)
		json_object_object_add(d, "by", json_object_new_string("command line"));
	char scope[24];
	snprintf(scope, sizeof scope, "%lld", c->opt->scope_agency_id);
	const char *p[] = { c->opt->actor_staff_id, c->opt->scope_agency_id ? scope : NULL,
			    json_object_to_json_string_ext(d, JSON_C_TO_STRING_PLAIN) };
	exec_ok(c, STMT_IMPORT_AUDIT, 3, p, 0);
	json_object_put(d);
}

void import_write_all(struct ctx *c, const struct row *rows, int n)
{
	const struct calendar *cal = calendar_current(c->db);
	if (!db_command(c->db, "BEGIN")) {
		c->out->status = 2;
		c->out->failure = "数据库连接失败";
		return;
	}
	bool ok = bump_counters(c, rows, n);
	for (int i = 0; ok && i < n; i++)
		ok = insert_row(c, &rows[i], cal);
	if (ok) {
		audit(c, n);
		ok = c->out->status == 0;
	}
	if (ok && db_command(c->db, "COMMIT")) {
		c->out->imported = n;
		return;
	}
	db_command(c->db, "ROLLBACK");
	c->out->status = 2;
	if (!c->out->failure)
		c->out->failure = "提交失败";
	/* Nothing was written: forget what the rolled-back rows were. */
	json_object_put(c->out->created);
	c->out->created = json_object_new_array();
}
