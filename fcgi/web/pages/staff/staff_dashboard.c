/*
 * The county's view (概况, issue 18 §6): for a parent agency's heads and
 * administrators, each department of its subtree (the parent itself too)
 * with its open requests, overdue, due within 3 working days, online
 * submissions awaiting confirmation, extensions and stated deadlines
 * awaiting a head, and replies this month; and a 12-week trend of
 * requests received and replied. GET /staff/dashboard and
 * GET /api/v1/dashboard, one model.
 *
 * Who sees it: heads and administrators of an agency that has departments
 * (a system administrator: every agency). A clerk gets 403, a member of an
 * agency without departments 404: there is nothing to compare. Each
 * department's numbers link to its queue where the member may open it
 * (administrators: the whole subtree; a head: the own agency), so a head
 * never follows a link into a 404.
 *
 * Both reads go in one round trip (db_exec_steps).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/auth.h"
#include "core/calendar_cache.h"
#include "core/clock.h"
#include "core/read_cache.h"
#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/workdays.h"
#include "web/http.h"
#include "web/pages/pages.h"

#define DEPT_COL(name) COL(DASHBOARD_DEPARTMENTS, name)
#define TREND_WEEKS 12

/* A column of the departments' table: its number, its header, and the
 * queue filter that lists exactly the requests it counts (NULL: none). */
struct dash_metric {
	const char *key;
	const char *label;
	const char *filter;
	int col;
};

static const struct dash_metric metrics[] = {
	{ "open", "未办结", "", DEPT_COL(open) },
	{ "overdue", "已逾期", "&overdue=1", DEPT_COL(overdue) },
	{ "due_soon", "3个工作日内到期", "&due_within=3", DEPT_COL(due_soon) },
	{ "awaiting_confirmation", "网上提交待确认", "&status=submitted",
	  DEPT_COL(awaiting_confirmation) },
	{ "pending_approvals", "待审批", "&approval=1", DEPT_COL(pending_approvals) },
	{ "replies_this_month", "本月答复", NULL, DEPT_COL(replies_this_month) },
};
#define NMETRICS (sizeof metrics / sizeof metrics[0])

static const char *fmt_date(struct request *req, int32_t d)
{
	char buf[DATE_STR_SIZE];
	return arena_strdup(req->arena, date_format(d, buf));
}

static bool may_lead(const struct staff_session *s)
{
	return !strcmp(s->role, "head") || !strcmp(s->role, "admin");
}

bool staff_has_departments(struct request *req)
{
	const struct staff_session *s = req->staff;
	if (!s || !may_lead(s))
		return false;
	char id[24];
	snprintf(id, sizeof id, "%lld", s->agency_id);
	const char *p[] = { id };
	const PGresult *res = read_cached(req->db, STMT_AGENCY_HAS_CHILDREN,
					  READ_UNTIL_AGENCIES_CHANGE, 1, p, NULL);
	return db_ok(res) && PQntuples(res) == 1 &&
	       !strcmp(PQgetvalue(res, 0, COL(AGENCY_HAS_CHILDREN, has_children)), "t");
}

/* The dashboard's days, as text for the statements. */
struct dash_days {
	const char *today, *due_soon_last, *month_first, *trend_monday;
	const char *agency;
	const char *dept_params[4], *trend_params[3];
};

static void dash_days(struct request *req, const struct calendar *cal, struct dash_days *d)
{
	int32_t today = clock_today();
	int y, m, day;
	date_to_ymd(today, &y, &m, &day);
	/* The Monday of this ISO week, and eleven weeks before it. */
	int32_t monday = today - (date_weekday(today) - 1) - 7 * (TREND_WEEKS - 1);
	d->today = fmt_date(req, today);
	/* due_within=3 of the queue: today up to the window's last day. */
	d->due_soon_last = fmt_date(req, window_last_day(cal, today, DEADLINE_DUE_SOON_WORKDAYS));
	d->month_first = fmt_date(req, date_from_ymd(y, m, 1));
	d->trend_monday = fmt_date(req, monday);
	char id[24];
	snprintf(id, sizeof id, "%lld", req->staff->agency_id);
	d->agency = arena_strdup(req->arena, id);
	const char *dp[] = { d->agency, d->today, d->due_soon_last, d->month_first };
	memcpy(d->dept_params, dp, sizeof dp);
	const char *tp[] = { d->agency, d->trend_monday, d->today };
	memcpy(d->trend_params, tp, sizeof tp);
}

/* The link into department `code`'s queue with `filter`, or NULL where
 * there is none or the member may not open that queue (`sees`). */
static const char *queue_link(struct request *req, bool sees, const char *code,
			      const char *filter)
{
	if (!filter || !sees)
		return NULL;
	size_t n = strlen(code) + strlen(filter) + 32;
	char *out = arena_alloc(req->arena, n);
	snprintf(out, n, "/staff?agency=%s%s", code, filter);
	return out;
}

static struct json_object *department(struct request *req, const PGresult *res, int i,
				      long long totals[NMETRICS])
{
	struct json_object *d = json_object_new_object();
	long long id = atoll(PQgetvalue(res, i, DEPT_COL(id)));
	const char *code = PQgetvalue(res, i, DEPT_COL(code));
	model_add_str(d, "code", code);
	model_add_str(d, "name", PQgetvalue(res, i, DEPT_COL(name)));
	model_add_bool(d, "is_parent", id == req->staff->agency_id);
	bool sees = auth_sees_agency(req, id);
	model_add_str(d, "queue_href", queue_link(req, sees, code, ""));
	struct json_object *cells = json_object_new_array();
	for (size_t k = 0; k < NMETRICS; k++) {
		long long n = atoll(PQgetvalue(res, i, metrics[k].col));
		totals[k] += n;
		json_object_object_add(d, metrics[k].key, json_object_new_int64(n));
		struct json_object *c = json_object_new_object();
		json_object_object_add(c, "n", json_object_new_int64(n));
		model_add_str(c, "href", queue_link(req, sees, code, metrics[k].filter));
		model_add_bool(c, "alert", n > 0 && !strcmp(metrics[k].key, "overdue"));
		json_object_array_add(cells, c);
	}
	json_object_object_add(d, "cells", cells);
	return d;
}

static void add_departments(struct request *req, struct json_object *m, const PGresult *res)
{
	long long totals[NMETRICS] = { 0 };
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, department(req, res, i, totals));
	json_object_object_add(m, "departments", list);
	struct json_object *t = json_object_new_object(), *cells = json_object_new_array();
	struct json_object *heads = json_object_new_array();
	for (size_t k = 0; k < NMETRICS; k++) {
		json_object_object_add(t, metrics[k].key, json_object_new_int64(totals[k]));
		json_object_array_add(cells, json_object_new_int64(totals[k]));
		json_object_array_add(heads, json_object_new_string(metrics[k].label));
	}
	json_object_object_add(m, "totals", t);
	json_object_object_add(m, "total_cells", cells);
	json_object_object_add(m, "columns", heads);
}

/* The busiest week's count, received or replied (0: a quiet quarter). */
static long long trend_top(const PGresult *res)
{
	long long top = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		long long a = atoll(PQgetvalue(res, i, COL(DASHBOARD_TREND, received)));
		long long b = atoll(PQgetvalue(res, i, COL(DASHBOARD_TREND, replied)));
		top = a > top ? a : top;
		top = b > top ? b : top;
	}
	return top;
}

/* Inline SVG bars of the trend, built here (no script): two bars a week,
 * received and replied, scaled to the busiest week (top > 0). Only
 * numbers and fixed markup go into it. */
static const char *trend_svg(struct request *req, const PGresult *res, long long top)
{
	struct buf b = BUF_INIT;
	buf_printf(&b, "<svg class=\"trend-chart\" viewBox=\"0 0 %d 110\" role=\"img\" "
		       "aria-label=\"近12周收到与答复的申请数\">", PQntuples(res) * 24);
	for (int i = 0; i < PQntuples(res); i++) {
		long long rec = atoll(PQgetvalue(res, i, COL(DASHBOARD_TREND, received)));
		long long rep = atoll(PQgetvalue(res, i, COL(DASHBOARD_TREND, replied)));
		int h1 = (int)(rec * 100 / top), h2 = (int)(rep * 100 / top);
		buf_printf(&b, "<rect class=\"received\" x=\"%d\" y=\"%d\" width=\"9\" height=\"%d\"/>",
			   i * 24 + 2, 105 - h1, h1);
		buf_printf(&b, "<rect class=\"replied\" x=\"%d\" y=\"%d\" width=\"9\" height=\"%d\"/>",
			   i * 24 + 12, 105 - h2, h2);
	}
	buf_puts(&b, "</svg>");
	const char *out = arena_strdup(req->arena, buf_str(&b));
	buf_free(&b);
	return out;
}

static void add_trend(struct request *req, struct json_object *m, const PGresult *res)
{
	struct json_object *weeks = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *w = json_object_new_object();
		model_add_str(w, "week", PQgetvalue(res, i, COL(DASHBOARD_TREND, week)));
		model_add_str(w, "monday", PQgetvalue(res, i, COL(DASHBOARD_TREND, monday)));
		json_object_object_add(w, "received", json_object_new_int64(
			atoll(PQgetvalue(res, i, COL(DASHBOARD_TREND, received)))));
		json_object_object_add(w, "replied", json_object_new_int64(
			atoll(PQgetvalue(res, i, COL(DASHBOARD_TREND, replied)))));
		json_object_array_add(weeks, w);
	}
	json_object_object_add(m, "trend", weeks);
	long long top = trend_top(res);
	if (!req->wants_json && top > 0)
		model_add_str(m, "trend_svg", trend_svg(req, res, top));
}

/* Who may look: false having answered 403 or 404. */
static bool dashboard_allowed(struct request *req)
{
	if (!may_lead(req->staff)) {
		respond_error(req, 403, "概况仅供机关负责人和管理员查看");
		return false;
	}
	if (!staff_has_departments(req)) {
		respond_error(req, 404, "本机关没有下属部门，请在“申请办理”查看本机关的申请");
		return false;
	}
	return true;
}

static void dashboard(struct request *req, bool page)
{
	if (page && !staff_password_changed_or_respond(req))
		return;
	if (!dashboard_allowed(req))
		return;
	const struct calendar *cal = calendar_current(req->db);
	if (!cal) {
		respond_error(req, 503, NULL);
		return;
	}
	struct dash_days d;
	dash_days(req, cal, &d);
	struct db_step steps[2] = {
		{ STMT_DASHBOARD_DEPARTMENTS, 4, d.dept_params, NULL },
		{ STMT_DASHBOARD_TREND, 3, d.trend_params, NULL },
	};
	if (!db_exec_steps(req->db, steps, 2)) {
		respond_db_failure(req, db_ok(steps[0].res) ? steps[1].res : steps[0].res);
		PQclear(steps[0].res);
		PQclear(steps[1].res);
		return;
	}
	struct json_object *m = staff_model(req, "概况");
	model_add_str(m, "today", d.today);
	model_add_str(m, "month", arena_strndup(req->arena, d.today, 7));
	char month_text[32];
	snprintf(month_text, sizeof month_text, "%.4s年%d月", d.today, atoi(d.today + 5));
	model_add_str(m, "month_text", month_text);
	model_add_str(m, "due_soon_until", d.due_soon_last);
	add_departments(req, m, steps[0].res);
	add_trend(req, m, steps[1].res);
	PQclear(steps[0].res);
	PQclear(steps[1].res);
	respond(req, 200, page ? "staff/dashboard" : NULL, m);
}

void page_staff_dashboard(struct request *req)
{
	dashboard(req, true);
}

void page_api_dashboard(struct request *req)
{
	dashboard(req, false);
}
