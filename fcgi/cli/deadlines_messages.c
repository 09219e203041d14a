/*
 * deadlines_messages: reminders to applicants and digests to staff
 * (deadlines_messages.h). Both are keyed in the outbox (messages.dedup_key)
 * so that the daily run, run twice, queues nothing twice.
 */
#include "cli/deadlines_messages.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/workdays.h"
#include "service/messages.h"

static PGresult *run_list(struct cli_staff *c, enum stmt s, int n, const char *const *params)
{
	PGresult *res = db_exec(&c->db, s, n, params);
	if (db_ok(res))
		return res;
	fprintf(stderr, "ysqgk deadlines: %s\n", res ? PQresultErrorMessage(res) : "no connection");
	PQclear(res);
	return NULL;
}

int deadlines_queue_reminders(struct cli_staff *c, const struct calendar *cal, int32_t today)
{
	char from[DATE_STR_SIZE], to[DATE_STR_SIZE];
	date_format(today, from);
	date_format(window_last_day(cal, today, REMINDER_WORKDAYS), to);
	PGresult *res = run_list(c, STMT_DL_CLOSING_PERIODS, 2, (const char *[]){ from, to });
	if (!res)
		return -1;
	int queued = 0;
	for (int i = 0; i < PQntuples(res) && queued >= 0; i++) {
		const char *id = PQgetvalue(res, i, COL(DL_CLOSING_PERIODS, id));
		const char *kind = PQgetvalue(res, i, COL(DL_CLOSING_PERIODS, kind));
		const char *closes = PQgetvalue(res, i, COL(DL_CLOSING_PERIODS, closes_on));
		struct json_object *params = json_object_new_object();
		json_object_object_add(params, PQgetvalue(res, i, COL(DL_CLOSING_PERIODS, date_key)),
				       json_object_new_string(closes));
		char key[96];
		snprintf(key, sizeof key, "%s:%s:%s", kind, id, closes);
		if (messages_queue_applicant(&c->db, id, 0, kind, params, key))
			queued++;
		else
			queued = -1;
		json_object_put(params);
	}
	PQclear(res);
	return queued;
}

/* ---- the staff's digest --------------------------------------------------- */

struct digest {
	const char *staff_id;
	struct json_object *model;	/* owned; NULL before the first row */
	int items;
};

static struct json_object *section(struct digest *d, const char *name)
{
	struct json_object *list;
	if (!json_object_object_get_ex(d->model, name, &list)) {
		list = json_object_new_array();
		json_object_object_add(d->model, name, list);
		/* Mustache has no "if the list is not empty": a flag heads it. */
		char flag[40];
		snprintf(flag, sizeof flag, "%s_any", name);
		json_object_object_add(d->model, flag, json_object_new_boolean(1));
	}
	return list;
}

static void add_str(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, json_object_new_string(value));
}

/* One row of DL_DIGEST_ROWS into its section; a due row as overdue or
 * due soon, counted as the staff pages count (deadline_remaining). */
static void add_row(struct digest *d, const struct calendar *cal, int32_t today, PGresult *res,
		    int i)
{
	const char *kind = PQgetvalue(res, i, COL(DL_DIGEST_ROWS, section));
	struct json_object *item = json_object_new_object();
	add_str(item, "tracking_no", PQgetvalue(res, i, COL(DL_DIGEST_ROWS, tracking_no)));
	add_str(item, "due_on", PQgetvalue(res, i, COL(DL_DIGEST_ROWS, due_on)));
	add_str(item, "submitted_on", PQgetvalue(res, i, COL(DL_DIGEST_ROWS, submitted_on)));
	const char *name = kind;
	if (!strcmp(kind, "due")) {
		struct deadline dl = {
			.running = PQgetisnull(res, i, COL(DL_DIGEST_ROWS, clock_stopped_since)),
		};
		date_parse(PQgetvalue(res, i, COL(DL_DIGEST_ROWS, due_on)), &dl.due);
		if (!dl.running)
			date_parse(PQgetvalue(res, i, COL(DL_DIGEST_ROWS, clock_stopped_since)),
				   &dl.stopped_since);
		int left = deadline_remaining(cal, &dl, today);
		name = left < 0 ? "overdue" : "due_soon";
		json_object_object_add(item, "left", json_object_new_int(left));
	} else if (!strcmp(kind, "approval")) {
		add_str(item, "what", "延期答复待审批");
		name = "approvals";
	} else if (!strcmp(kind, "deadline_approval")) {
		add_str(item, "what", "延迟答复期限待审批");
		name = "approvals";
	} else if (!strcmp(kind, "complaint")) {
		struct deadline dl = { .running = true };
		date_parse(PQgetvalue(res, i, COL(DL_DIGEST_ROWS, due_on)), &dl.due);
		int left = deadline_remaining(cal, &dl, today);
		json_object_object_add(item, left < 0 ? "overdue" : "left",
				       json_object_new_int(left < 0 ? -left : left));
		name = "complaints";
	}
	json_object_array_add(section(d, name), item);
	d->items++;
}

/* Queues the digest gathered for one member of staff; false on failure. */
static bool queue_digest(struct cli_staff *c, struct digest *d, const char *today_s)
{
	bool ok = true;
	if (d->model && d->items) {
		char key[64];
		snprintf(key, sizeof key, "digest:%s:%s", d->staff_id, today_s);
		add_str(d->model, "date", today_s);
		ok = messages_queue_staff(&c->db, d->staff_id, "digest", d->model, key);
	}
	json_object_put(d->model);
	*d = (struct digest){ 0 };
	return ok;
}

int deadlines_queue_digests(struct cli_staff *c, const struct calendar *cal, int32_t today,
			    int within)
{
	char today_s[DATE_STR_SIZE], limit[DATE_STR_SIZE], since[40];
	date_format(today, today_s);
	date_format(window_last_day(cal, today, within), limit);
	/* Newly assigned: since the same hour yesterday. */
	time_t day_ago = time(NULL) - 24 * 3600;
	strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", gmtime(&day_ago));
	PGresult *res = run_list(c, STMT_DL_DIGEST_ROWS, 2, (const char *[]){ limit, since });
	if (!res)
		return -1;
	struct digest d = { 0 };
	int queued = 0;
	bool ok = true;
	for (int i = 0; i < PQntuples(res) && ok; i++) {
		const char *staff = PQgetvalue(res, i, COL(DL_DIGEST_ROWS, staff_id));
		if (d.staff_id && strcmp(d.staff_id, staff)) {
			queued += d.items > 0;
			ok = queue_digest(c, &d, today_s);
		}
		if (!d.model) {
			d.staff_id = staff;
			d.model = json_object_new_object();
		}
		add_row(&d, cal, today, res, i);
	}
	queued += ok && d.items > 0;
	ok = queue_digest(c, &d, today_s) && ok;
	PQclear(res);
	return ok ? queued : -1;
}
