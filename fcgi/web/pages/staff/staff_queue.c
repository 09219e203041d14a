/*
 * The queue: an agency's requests, soonest due first (unconfirmed online
 * submissions, which have no due date yet, before them), with filters, the
 * counts per status, and keyset pagination — the page after a row asks for
 * rows whose (due key, id) is greater, an index range scan however deep
 * the page (sql/003_staff.sql has the indexes).
 *
 * Query parameters (page and API alike): agency (administrators), status
 * (a status code, "open" the default, or "all"), due_within (working days),
 * overdue=1, kind, outcome, year, q (tracking number, or text in name and
 * description), mine=1 (assigned to the member signed in), approval=1
 * (awaiting a head's approval, 待审批), sort (the table's sortable headers:
 * due, due_desc, received, received_desc, number, newest), after (the cursor
 * of the last page), limit (1-200, default 50).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/auth.h"
#include "core/calendar_cache.h"
#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/workflow_rules.h"
#include "web/csrf.h"
#include "web/http.h"
#include "web/page_cache.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff_queue.h"
#include "core/clock.h"
#include "domain/vocab.h"

/* Every QUEUE_* statement selects the same columns (staff.stmts,
 * QUEUE_COLUMN_NAMES, each list checked at startup): read them by name. */
#define QUEUE_COL(name) COL(QUEUE_OPEN, name)

#define QUEUE_DEFAULT_LIMIT 50
#define QUEUE_MAX_LIMIT 200

/* An order of the queue: the table header it belongs to, its direction,
 * its statement and the column its keyset cursor carries. */
struct queue_sort {
	const char *code;
	const char *label;	/* in the filter form's 排序 */
	const char *column;	/* the header: number, received or due */
	bool descending;
	enum stmt stmt;		/* unused for the default (queue_statement) */
	int key;		/* the cursor's key column; -1: the id alone */
};

static const struct queue_sort queue_sorts[] = {
	/* The default first: unconfirmed submissions, then soonest due. */
	{ "due", "按答复期限（由近到远）", "due", false, STMT_QUEUE_OPEN, QUEUE_COL(due_key) },
	{ "due_desc", "按答复期限（由远到近）", "due", true, STMT_QUEUE_DUE_DESC,
	  QUEUE_COL(due_key) },
	{ "received", "按收到日期（由早到晚）", "received", false, STMT_QUEUE_RECEIVED,
	  QUEUE_COL(received_key) },
	{ "received_desc", "按收到日期（由晚到早）", "received", true, STMT_QUEUE_RECEIVED_DESC,
	  QUEUE_COL(received_key) },
	{ "number", "按编号（由小到大）", "number", false, STMT_QUEUE_OLDEST, -1 },
	{ "newest", "最新提交在前", "number", true, STMT_QUEUE_NEWEST, -1 },
};
#define QUEUE_SORT_DEFAULT (&queue_sorts[0])

static const struct queue_sort *sort_find(const char *code)
{
	for (size_t i = 0; i < sizeof queue_sorts / sizeof queue_sorts[0]; i++)
		if (!strcmp(queue_sorts[i].code, code))
			return &queue_sorts[i];
	return NULL;
}

static const struct queue_sort *sort_of(const char *column, bool descending)
{
	for (size_t i = 0; i < sizeof queue_sorts / sizeof queue_sorts[0]; i++)
		if (!strcmp(queue_sorts[i].column, column) && queue_sorts[i].descending == descending)
			return &queue_sorts[i];
	return QUEUE_SORT_DEFAULT;
}

/* The due-date filters (due_within, overdue) run QUEUE_OPEN_BY_DUE, soonest
 * due first whatever the sort asked for. */
static bool by_due_filter(const struct queue_query *qq)
{
	return qq->params[7] || qq->params[9];
}

static const char *query(struct request *req, const char *name)
{
	const char *v = fields_get(&req->query, name);
	return v && *v ? v : NULL;
}

static const char *fmt(struct request *req, int32_t d)
{
	char buf[DATE_STR_SIZE];
	return arena_strdup(req->arena, date_format(d, buf));
}

static bool is_tracking_no(const char *q)
{
	/* <code>-<year>-<number of 6 or more digits> */
	const char *dash = strrchr(q, '-');
	if (!dash || strlen(dash + 1) < 6 || strspn(dash + 1, "0123456789") != strlen(dash + 1))
		return false;
	return dash - q > 5 && dash[-5] == '-' && strspn(dash - 4, "0123456789") >= 4;
}

/* '%' + q with LIKE's specials escaped + '%'. */
static const char *like_pattern(struct request *req, const char *q)
{
	size_t n = strlen(q);
	char *out = arena_alloc(req->arena, 2 * n + 3), *w = out;
	*w++ = '%';
	for (; *q; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*w++ = '\\';
		*w++ = *q;
	}
	*w++ = '%';
	*w = '\0';
	return out;
}

/* "key.id": the last row's sort key (a date or -infinity) and id. */
static bool parse_cursor(struct request *req, struct queue_query *qq, const char *after)
{
	const char *dot = strrchr(after, '.');
	if (!dot || !dot[1] || strspn(dot + 1, "0123456789") != strlen(dot + 1) ||
	    strlen(dot + 1) > 18)
		return false;
	qq->after_id = dot + 1;
	if (qq->sort->key < 0)
		return true;
	char *key = arena_strndup(req->arena, after, (size_t)(dot - after));
	int32_t d;
	if (strcmp(key, "-infinity") && !date_parse(key, &d))
		return false;
	/* The due-date pages have no -infinity keys (no unconfirmed rows). */
	if (!strcmp(key, "-infinity") && by_due_filter(qq))
		key = "0001-01-01";
	qq->after_key = key;
	return true;
}

/*
 * A whole number of at most three digits, not above max; -1 for anything
 * else (atoi would read "1 OR 1=1" as 1 and wrap on long digit strings).
 */
static int small_number(const char *s, int max)
{
	size_t len = strlen(s);
	if (len < 1 || len > 3 || strspn(s, "0123456789") != len)
		return -1;
	int n = atoi(s);
	return n <= max ? n : -1;
}

/* Reads the filters; false with a 422 answered. */
bool queue_read_filters(struct request *req, const struct calendar *cal,
			const struct staff_agency *ag, struct queue_query *qq)
{
	memset(qq, 0, sizeof *qq);
	qq->cal = cal;
	qq->today = clock_today();
	qq->confirm_workdays = staff_confirm_workdays(req, ag->id_text);
	const char **p = qq->params;
	p[0] = ag->id_text;
	qq->status = query(req, "status");
	enum wf_status st;
	if (qq->status && !strcmp(qq->status, "open"))
		qq->status = NULL;
	if (qq->status && strcmp(qq->status, "all") && !wf_status_from_code(qq->status, &st))
		return respond_error(req, 422, "status 应为状态代码、open 或 all"), false;
	const char *sort = query(req, "sort");
	qq->sort = sort ? sort_find(sort) : QUEUE_SORT_DEFAULT;
	if (!qq->sort)
		return respond_error(req, 422, "sort 应为 due、due_desc、received、received_desc、number 或 newest"), false;
	const char *limit = query(req, "limit");
	qq->limit = limit ? small_number(limit, QUEUE_MAX_LIMIT) : QUEUE_DEFAULT_LIMIT;
	if (qq->limit < 1)
		return respond_error(req, 422, "limit 应为1到200"), false;
	char lim[16];
	snprintf(lim, sizeof lim, "%d", qq->limit + 1);	/* one more: is there a next page? */
	p[3] = arena_strdup(req->arena, lim);
	p[4] = query(req, "kind");
	if (p[4] && !vocab_has(&vocab_applicant_kind, p[4]))
		return respond_error(req, 422, "kind 应为申请人类型代码"), false;
	p[5] = query(req, "outcome");
	if (p[5] && !wf_outcome_find(p[5]))
		return respond_error(req, 422, "outcome 应为办理结果代码"), false;
	p[6] = query(req, "year");
	if (p[6] && (strlen(p[6]) != 4 || strspn(p[6], "0123456789") != 4))
		return respond_error(req, 422, "year 应为四位年份"), false;
	const char *within = query(req, "due_within");
	if (within) {
		int n = small_number(within, 100);
		if (n < 0)
			return respond_error(req, 422, "due_within 应为0到100个工作日"), false;
		/* Due within n working days of today (workdays.h): today up
		 * to the window's last day, as deadline_remaining() 0..n. */
		p[7] = fmt(req, qq->today);
		p[8] = fmt(req, window_last_day(cal, qq->today, n));
	}
	/* Overdue: the due date is before the day the deadline is judged on
	 * (deadline_judged_on), as deadline_remaining() < 0. */
	const char *overdue = query(req, "overdue");
	if (overdue && strcmp(overdue, "0"))
		p[9] = fmt(req, qq->today);
	const char *q = query(req, "q");
	if (q && utf8_length(q, strlen(q)) > 100)
		return respond_error(req, 422, "搜索内容不能超过100字"), false;
	if (q) {
		char *lower = arena_strdup(req->arena, q);
		for (char *c = lower; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (is_tracking_no(lower))
			p[11] = lower;
		else
			p[10] = like_pattern(req, q);
	}
	p[12] = qq->status && strcmp(qq->status, "all") ? qq->status : NULL;
	if (by_due_filter(qq))
		qq->sort = QUEUE_SORT_DEFAULT;
	const char *mine = query(req, "mine");
	if (mine && strcmp(mine, "0"))
		p[13] = req->staff->staff_id_text;
	const char *approval = query(req, "approval");
	if (approval && strcmp(approval, "0"))
		p[14] = "t";
	/* The open states: the other sorts' statements are not scoped to them. */
	p[15] = qq->status ? NULL : "t";
	const char *after = query(req, "after");
	if (after && !parse_cursor(req, qq, after))
		return respond_error(req, 422, "after 不是有效的翻页位置"), false;
	p[1] = qq->after_key;
	p[2] = qq->after_id;
	return true;
}

static enum stmt queue_statement(const struct queue_query *qq)
{
	/* Overdue and due-soon: open requests with a due date, soonest
	 * first whatever the sort asked for. */
	if (by_due_filter(qq))
		return STMT_QUEUE_OPEN_BY_DUE;
	if (qq->sort != QUEUE_SORT_DEFAULT)
		return qq->sort->stmt;
	if (!qq->status)
		return STMT_QUEUE_OPEN;
	return strcmp(qq->status, "all") ? STMT_QUEUE_STATUS : STMT_QUEUE_ALL;
}

static struct json_object *row_model(const PGresult *res, int i, const struct queue_query *qq)
{
	/* res: a row of any QUEUE_* statement; they share QUEUE_OPEN's columns. */
	struct json_object *r = json_object_new_object();
	const char *status = PQgetvalue(res, i, QUEUE_COL(status));
	model_put(r, "id", json_object_new_int64(atoll(PQgetvalue(res, i, QUEUE_COL(id)))));
	model_put_str(r, "tracking_no", PQgetvalue(res, i, QUEUE_COL(tracking_no)));
	model_put_str(r, "name", PQgetvalue(res, i, QUEUE_COL(name)));
	model_put_str(r, "applicant_kind", PQgetvalue(res, i, QUEUE_COL(applicant_kind)));
	model_put_str(r, "applicant_kind_label", vocab_short(&vocab_applicant_kind, PQgetvalue(res, i, QUEUE_COL(applicant_kind))));
	model_put_str(r, "status", status);
	model_put_str(r, "status_label", vocab_field_label(NULL, "status", status));
	/* A correction (Art. 41) is marked: its own outcomes, not in table 三. */
	const char *request_kind = PQgetvalue(res, i, QUEUE_COL(request_kind));
	model_put_str(r, "request_kind", request_kind);
	if (!strcmp(request_kind, "correction"))
		model_put_str(r, "request_kind_label", vocab_short(&vocab_request_kind, request_kind));
	model_put_str(r, "submitted_at", PQgetvalue(res, i, QUEUE_COL(submitted_at)));
	model_put_str(r, "description", PQgetvalue(res, i, QUEUE_COL(description_start)));
	if (!PQgetisnull(res, i, QUEUE_COL(received_on)))
		model_put_str(r, "received_on", PQgetvalue(res, i, QUEUE_COL(received_on)));
	if (!PQgetisnull(res, i, QUEUE_COL(outcome))) {
		model_put_str(r, "outcome", PQgetvalue(res, i, QUEUE_COL(outcome)));
		model_put_str(r, "outcome_label", vocab_field_label(NULL, "outcome", PQgetvalue(res, i, QUEUE_COL(outcome))));
	}
	if (*PQgetvalue(res, i, QUEUE_COL(assigned_name)))
		model_put_str(r, "assigned_to", PQgetvalue(res, i, QUEUE_COL(assigned_name)));
	/* A step or the receipt entered beyond backdate_workdays (issue 11,
	 * item 8): its reason is in the request's log. */
	model_put_bool(r, "late_entry", !strcmp(PQgetvalue(res, i, QUEUE_COL(late_entry)), "t"));
	if (!PQgetisnull(res, i, QUEUE_COL(repeat_of)))
		model_put(r, "repeat_of",
				       json_object_new_int64(atoll(PQgetvalue(res, i, QUEUE_COL(repeat_of)))));
	enum wf_status st = WF_SUBMITTED;
	wf_status_from_code(status, &st);
	bool open = wf_status_open(st) && st != WF_SUBMITTED;
	bool paused = !PQgetisnull(res, i, QUEUE_COL(clock_stopped_since));
	int32_t due = 0, stopped = 0;
	if (!PQgetisnull(res, i, QUEUE_COL(due_on))) {
		model_put_str(r, "due_on", PQgetvalue(res, i, QUEUE_COL(due_on)));
		date_parse(PQgetvalue(res, i, QUEUE_COL(due_on)), &due);
	}
	if (paused)
		date_parse(PQgetvalue(res, i, QUEUE_COL(clock_stopped_since)), &stopped);
	/* The marks of deadline.h, as the request page shows them. */
	struct deadline dl = { .due = due, .running = !paused, .stopped_since = stopped };
	int left = open && due ? deadline_remaining(qq->cal, &dl, qq->today) : 0;
	if (open && due)
		model_put(r, "working_days_left", json_object_new_int(left));
	/* Counted over a year whose holidays are not imported (暂定). */
	model_put_bool(r, "provisional", due && deadline_provisional(qq->cal, due));
	model_put_bool(r, "overdue", open && due && left < 0);
	model_put_bool(r, "due_soon", open && due && !paused && left >= 0 &&
				      left <= DEADLINE_DUE_SOON_WORKDAYS);
	model_put_bool(r, "paused", open && paused);
	if (st == WF_SUBMITTED) {
		/* An online submission unconfirmed past its confirm-by day is
		 * overdue work (ogi-rules.md, "Online submissions"). */
		int32_t on = 0;
		char day[DATE_STR_SIZE];
		snprintf(day, sizeof day, "%.10s", PQgetvalue(res, i, QUEUE_COL(submitted_at)));
		date_parse(day, &on);
		int32_t by = confirm_due(qq->cal, on, qq->confirm_workdays);
		char by_s[DATE_STR_SIZE];
		model_put_str(r, "confirm_by", date_format(by, by_s));
		model_put_bool(r, "confirm_overdue", window_over(by, qq->today));
	}
	return r;
}

/*
 * A queue page's reads, sent in one round trip (db_exec_steps, issue 17):
 * the rows (when they need no transaction of their own, run_queue), the
 * counts per status, the overdue ones, and for heads what waits for them.
 */
enum { READ_ROWS, READ_COUNTS, READ_OVERDUE, READ_APPROVAL, QUEUE_READS };
struct queue_reads {
	struct db_step steps[QUEUE_READS];
	const char *agency[1], *overdue[2], *plain[5];
};

/* The count of one row and column of a result, 0 when there is none. */
static long long count_of(const PGresult *res, int col)
{
	return PQntuples(res) ? atoll(PQgetvalue(res, 0, col)) : 0;
}

/* Counts per status, overdue, and what waits for a head (待审批):
 * counted for heads only, who decide. */
static void add_counts(struct json_object *m, const struct queue_query *qq,
		       const struct queue_reads *r)
{
	const PGresult *res = r->steps[READ_COUNTS].res;
	struct json_object *counts = json_object_new_object();
	struct json_object *list = json_object_new_array();
	long long open = 0, all = 0;
	for (int s = 0; s < WF_STATUS_COUNT; s++) {
		long long n = 0;
		for (int i = 0; i < PQntuples(res); i++)
			if (!strcmp(PQgetvalue(res, i, COL(QUEUE_COUNTS, status)), wf_status_code(s)))
				n = atoll(PQgetvalue(res, i, COL(QUEUE_COUNTS, n)));
		json_object_object_add(counts, wf_status_code(s), json_object_new_int64(n));
		all += n;
		if (wf_status_open(s))
			open += n;
		struct json_object *c = json_object_new_object();
		model_add_str(c, "status", wf_status_code(s));
		model_add_str(c, "label", wf_status_label(s));
		json_object_object_add(c, "n", json_object_new_int64(n));
		model_add_bool(c, "selected", qq->status && !strcmp(qq->status, wf_status_code(s)));
		json_object_array_add(list, c);
	}
	json_object_object_add(counts, "open", json_object_new_int64(open));
	json_object_object_add(counts, "all", json_object_new_int64(all));
	json_object_object_add(counts, "overdue", json_object_new_int64(
		count_of(r->steps[READ_OVERDUE].res, COL(QUEUE_OVERDUE_COUNT, overdue))));
	if (r->steps[READ_APPROVAL].res)
		json_object_object_add(counts, "awaiting_approval", json_object_new_int64(
			count_of(r->steps[READ_APPROVAL].res, COL(QUEUE_APPROVAL_COUNT, n))));
	json_object_object_add(m, "counts", counts);
	json_object_object_add(m, "status_counts", list);
}

/* No filter but the status, sorted by due date: QUEUE_PLAIN_*. */
static bool is_plain(const struct queue_query *qq)
{
	for (int i = 4; i <= 14; i++)
		if (i != 12 && qq->params[i])
			return false;
	return qq->sort == QUEUE_SORT_DEFAULT;
}

/* The unfiltered views with their generic plans (staff.stmts), as a
 * step; its parameters kept in p[5]. */
static struct db_step plain_step(const struct queue_query *qq, const char *p[5])
{
	p[0] = qq->params[0];
	p[1] = qq->after_key ? qq->after_key : "-infinity";
	p[2] = qq->after_id ? qq->after_id : "0";
	p[3] = qq->params[3];
	p[4] = qq->params[12];
	if (!qq->status)
		return (struct db_step){ .stmt = STMT_QUEUE_PLAIN_OPEN, .nparams = 4, .params = p };
	if (!strcmp(qq->status, "all"))
		return (struct db_step){ .stmt = STMT_QUEUE_PLAIN_ALL, .nparams = 4, .params = p };
	return (struct db_step){ .stmt = STMT_QUEUE_PLAIN_STATUS, .nparams = 5, .params = p };
}

static PGresult *run_plain(struct request *req, const struct queue_query *qq)
{
	const char *p[5];
	struct db_step step = plain_step(qq, p);
	return db_exec(req->db, step.stmt, step.nparams, step.params);
}

/* Runs the page's statement with custom plans (see QUEUE_FILTERS). */
static PGresult *run_queue(struct request *req, const struct queue_query *qq)
{
	if (is_plain(qq))
		return run_plain(req, qq);
	if (qq->in_transaction) {
		db_command(req->db, "SET LOCAL plan_cache_mode = force_custom_plan");
		return db_exec(req->db, queue_statement(qq), QUEUE_PARAMS, qq->params);
	}
	if (!db_command(req->db, "BEGIN READ ONLY"))
		return NULL;
	db_command(req->db, "SET LOCAL plan_cache_mode = force_custom_plan");
	PGresult *res = db_exec(req->db, queue_statement(qq), QUEUE_PARAMS, qq->params);
	db_command(req->db, db_ok(res) ? "COMMIT" : "ROLLBACK");
	return res;
}

PGresult *queue_run(struct request *req, const struct queue_query *qq)
{
	return run_queue(req, qq);
}

void queue_set_page_size(struct request *req, struct queue_query *qq, int rows)
{
	char lim[16];
	snprintf(lim, sizeof lim, "%d", rows + 1);
	qq->limit = rows;
	qq->params[3] = arena_strdup(req->arena, lim);
}

/* The cursor of the page's last row, as `next` names it. */
static const char *page_cursor(struct request *req, const struct queue_query *qq,
			       const PGresult *res)
{
	int last = qq->limit - 1;
	char cursor[64];
	snprintf(cursor, sizeof cursor, "%s.%s",
		 qq->sort->key < 0 ? "" : PQgetvalue(res, last, qq->sort->key),
		 PQgetvalue(res, last, QUEUE_COL(id)));
	return arena_strdup(req->arena, cursor);
}

bool queue_next_page(struct request *req, struct queue_query *qq, const PGresult *res)
{
	if (PQntuples(res) <= qq->limit || !parse_cursor(req, qq, page_cursor(req, qq, res)))
		return false;
	qq->params[1] = qq->after_key;
	qq->params[2] = qq->after_id;
	return true;
}

/* Appends "name=value&" for each query parameter of this page but those
 * in `skip` (NULL-terminated), URL-encoded. */
static void append_query(struct buf *b, struct request *req, const char *const *skip)
{
	for (size_t i = 0; i < req->query.count; i++) {
		bool skipped = false;
		for (const char *const *k = skip; *k; k++)
			skipped = skipped || !strcmp(req->query.items[i].name, *k);
		if (skipped)
			continue;
		for (const char *s = req->query.items[i].name; *s; s++)
			buf_printf(b, isalnum((unsigned char)*s) || *s == '_' ? "%c" : "%%%02X",
				   (unsigned char)*s);
		buf_putc(b, '=');
		for (const char *s = req->query.items[i].value; *s; s++)
			buf_printf(b, isalnum((unsigned char)*s) || strchr("-_.", *s) ? "%c" : "%%%02X",
				   (unsigned char)*s);
		buf_putc(b, '&');
	}
}

/* The query string of this page with `after` replaced, for the next link. */
static const char *next_link(struct request *req, const char *cursor)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "/staff?");
	append_query(&b, req, (const char *const[]){ "after", NULL });
	buf_printf(&b, "after=%s", cursor);
	const char *out = arena_strdup(req->arena, buf_str(&b));
	buf_free(&b);
	return out;
}

static void queue_reads_clear(struct queue_reads *r)
{
	for (int i = 0; i < QUEUE_READS; i++)
		PQclear(r->steps[i].res);
}

/* The page's reads: one round trip, or two where the rows need a
 * transaction of their own (custom plans, run_queue). False having
 * answered a failure; r->steps[i].res to clear either way. */
static bool queue_read(struct request *req, const struct staff_agency *ag,
		       const struct queue_query *qq, struct queue_reads *r)
{
	memset(r, 0, sizeof *r);
	r->agency[0] = ag->id_text;
	r->overdue[0] = ag->id_text;
	r->overdue[1] = fmt(req, qq->today);
	struct db_step *st = r->steps;
	bool plain = is_plain(qq);
	if (plain)
		st[READ_ROWS] = plain_step(qq, r->plain);
	st[READ_COUNTS] = (struct db_step){ STMT_QUEUE_COUNTS, 1, r->agency, NULL };
	st[READ_OVERDUE] = (struct db_step){ STMT_QUEUE_OVERDUE_COUNT, 2, r->overdue, NULL };
	size_t n = READ_APPROVAL;
	if (req->staff && !strcmp(req->staff->role, "head"))
		st[n++] = (struct db_step){ STMT_QUEUE_APPROVAL_COUNT, 1, r->agency, NULL };
	if (!plain) {
		st[READ_ROWS].res = run_queue(req, qq);
		if (!db_ok(st[READ_ROWS].res)) {
			respond_db_failure(req, st[READ_ROWS].res);
			return false;
		}
	}
	/* Without the rows' step when they were read already. */
	size_t first = plain ? READ_ROWS : READ_COUNTS;
	return db_exec_steps_or_respond(req, st + first, n - first);
}

static struct json_object *queue_model(struct request *req, const struct staff_agency *ag,
				       const struct queue_query *qq, bool *failed)
{
	*failed = true;
	struct queue_reads r;
	if (!queue_read(req, ag, qq, &r)) {
		queue_reads_clear(&r);
		return NULL;
	}
	const PGresult *res = r.steps[READ_ROWS].res;
	struct json_object *m = staff_model(req, "申请办理");
	struct json_object *agency = json_object_new_object();
	model_add_str(agency, "code", ag->code);
	model_add_str(agency, "name", ag->name);
	json_object_object_add(m, "agency", agency);
	struct json_object *rows = json_object_new_array();
	int n = PQntuples(res);
	for (int i = 0; i < n && i < qq->limit; i++)
		json_object_array_add(rows, row_model(res, i, qq));
	json_object_object_add(m, "requests", rows);
	if (n > qq->limit) {
		const char *cursor = page_cursor(req, qq, res);
		model_add_str(m, "next", cursor);
		model_add_str(m, "next_link", next_link(req, cursor));
	} else {
		json_object_object_add(m, "next", NULL);
	}
	add_counts(m, qq, &r);
	queue_reads_clear(&r);
	*failed = false;
	return m;
}

/* The link that sorts the queue `sort`, every other parameter kept. */
static const char *sort_link(struct request *req, const struct queue_sort *sort)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "/staff?");
	append_query(&b, req, (const char *const[]){ "sort", "after", "done", NULL });
	buf_printf(&b, "sort=%s", sort->code);
	const char *out = arena_strdup(req->arena, buf_str(&b));
	buf_free(&b);
	return out;
}

/*
 * The table's header (at desktop width): a sortable column links to its
 * order, ascending first and then the other way; the column sorted by
 * carries aria-sort. Days left sort as the due date does, so only 答复期限
 * carries that order.
 */
static struct json_object *table_head(struct request *req, const struct queue_query *qq)
{
	static const struct { const char *label, *column; } cols[] = {
		{ "编号", "number" }, { "申请人", NULL }, { "收到日期", "received" },
		{ "答复期限", "due" }, { "剩余工作日", NULL }, { "承办人", NULL },
		{ "状态", NULL },
	};
	struct json_object *head = json_object_new_array();
	for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
		struct json_object *c = json_object_new_object();
		model_add_str(c, "label", cols[i].label);
		if (cols[i].column) {
			bool sorted = !strcmp(qq->sort->column, cols[i].column);
			bool next_desc = sorted && !qq->sort->descending;
			model_add_str(c, "href", sort_link(req, sort_of(cols[i].column, next_desc)));
			if (sorted)
				model_add_str(c, "aria_sort", qq->sort->descending ? "descending" : "ascending");
		}
		json_object_array_add(head, c);
	}
	return head;
}

/* The filter form's choices: orders and outcomes, with what was asked. */
static void add_choices(struct request *req, struct json_object *m, const struct queue_query *qq)
{
	struct json_object *sorts = json_object_new_array();
	for (size_t i = 0; i < sizeof queue_sorts / sizeof queue_sorts[0]; i++) {
		struct json_object *o = json_object_new_object();
		model_add_str(o, "code", queue_sorts[i].code);
		model_add_str(o, "label", queue_sorts[i].label);
		model_add_bool(o, "selected", qq->sort == &queue_sorts[i]);
		json_object_array_add(sorts, o);
	}
	json_object_object_add(m, "sorts", sorts);
	struct json_object *outcomes = json_object_new_array();
	for (int i = 0; i < wf_outcome_count; i++) {
		struct json_object *o = json_object_new_object();
		model_add_str(o, "code", wf_outcomes[i].code);
		model_add_str(o, "label", wf_outcomes[i].label);
		model_add_bool(o, "selected", query(req, "outcome") &&
			       !strcmp(query(req, "outcome"), wf_outcomes[i].code));
		json_object_array_add(outcomes, o);
	}
	json_object_object_add(m, "outcomes", outcomes);
}

/* What only the page shows: the filter as asked, the choices, the table's
 * header, the export's links. */
static void add_page_fields(struct request *req, struct json_object *m,
			    const struct staff_agency *ag, const struct queue_query *qq)
{
	struct json_object *f = json_object_new_object();
	const char *keys[] = { "status", "due_within", "overdue", "kind", "outcome",
			       "year", "q", "sort", "mine", "approval" };
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		model_add_str(f, keys[i], query(req, keys[i]));
	json_object_object_add(m, "filter", f);
	model_add_bool(m, "mine", qq->params[13] != NULL);
	model_add_bool(m, "approval", qq->params[14] != NULL);
	model_add_bool(m, "open_view", !qq->status && !qq->params[13] && !qq->params[14] &&
					!by_due_filter(qq));
	struct json_object *choices = staff_agency_choices(req, ag->code);
	model_add_bool(m, "choose_agency", json_object_array_length(choices) > 1);
	json_object_object_add(m, "agencies", choices);
	add_choices(req, m, qq);
	json_object_object_add(m, "table_head", table_head(req, qq));
	struct json_object *rows;
	model_add_bool(m, "any_requests", json_object_object_get_ex(m, "requests", &rows) &&
					  json_object_array_length(rows) > 0);
	/* 导出Excel / 导出CSV: the register of this very filter, every
	 * page of it (staff_export.c). */
	struct buf eq = BUF_INIT;
	buf_printf(&eq, "agency=%s&", ag->code);
	append_query(&eq, req, (const char *const[]){ "agency", "after", "limit", "done", NULL });
	eq.len--;	/* the last '&' */
	model_add_str(m, "export_query", arena_strndup(req->arena, buf_str(&eq), eq.len));
	buf_free(&eq);
	const char *done = query(req, "done");
	if (done && !strcmp(done, "password"))
		model_add_str(m, "notice", "密码已修改");
}

bool queue_prepare(struct request *req, struct staff_agency *ag, struct queue_query *qq)
{
	if (!staff_agency(req, query(req, "agency"), ag))
		return false;
	const struct calendar *cal = calendar_current(req->db);
	if (!cal) {
		respond_error(req, 503, NULL);
		return false;
	}
	return queue_read_filters(req, cal, ag, qq);
}

/*
 * A worker keeps each queue page it gave (web/page_cache.h) — per member,
 * address, display and day — and gives it again while the agency's queue
 * version (sql/044), read first, is the one it was made at: one statement
 * instead of the page's three or four (issue 17). What else the page
 * shows comes from the worker's copies already (the member, the agencies,
 * the calendar, the open complaints), and a copy goes when one of those
 * changes.
 */
#define QUEUE_COPY_TOPICS (DB_TOPIC_BIT(DB_TOPIC_AGENCIES) | DB_TOPIC_BIT(DB_TOPIC_HOLIDAYS) | \
			   DB_TOPIC_BIT(DB_TOPIC_STAFF) | DB_TOPIC_BIT(DB_TOPIC_COMPLAINTS))

/* The copy of this queue page at the agency's version read now; false
 * having answered when the database failed. */
static bool queue_copy(struct request *req, const struct staff_agency *ag,
		       const struct queue_query *qq, struct page_copy *copy)
{
	const char *params[] = { ag->id_text };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_QUEUE_VERSION, 1, params);
	if (!res)
		return false;
	const char *target = req->target ? req->target : "";
	size_t n = strlen(req->staff->staff_id_text) + strlen(req->staff->role) +
		   strlen(target) + 48;
	char *key = arena_alloc(req->arena, n);
	snprintf(key, n, "queue\n%s\n%s\n%d\n%ld\n%s", req->staff->staff_id_text,
		 req->staff->role, http_display_large(req), (long)qq->today, target);
	*copy = (struct page_copy){ .key = key, .topics = QUEUE_COPY_TOPICS,
		.version = arena_strdup(req->arena,
					PQgetvalue(res, 0, COL(QUEUE_VERSION, version))) };
	PQclear(res);
	return true;
}

static void queue(struct request *req, bool page)
{
	if (page && !staff_password_changed_or_respond(req))
		return;
	struct staff_agency ag;
	struct queue_query qq;
	struct page_copy copy;
	if (!queue_prepare(req, &ag, &qq) || !queue_copy(req, &ag, &qq, &copy))
		return;
	/* The session's form token goes into the page's forms. */
	const char *tokens[] = { csrf_token(req) };
	size_t ntokens = page && !req->wants_json ? 1 : 0;
	if (page_cache_serve(req, &copy, tokens, ntokens))
		return;
	bool failed;
	struct json_object *m = queue_model(req, &ag, &qq, &failed);
	if (failed)
		return;
	if (page)
		add_page_fields(req, m, &ag, &qq);
	if (ntokens)
		model_add_str(m, "csrf_token", page_cache_slot(0));
	page_cache_respond(req, &copy, page ? "staff/queue" : NULL, m, tokens, ntokens);
}

void page_staff_queue(struct request *req)
{
	queue(req, true);
}

void page_api_requests(struct request *req)
{
	queue(req, false);
}

/* ---- discarded submissions ----------------------------------------------- */

static const char *discard_reason(const char *code)
{
	const char *label = vocab_label(&vocab_discard_reason, code);
	return label ? label : "（未注明原因）";
}

/* The discarded submissions on a page of their own, with why each was
 * discarded: no request and counted nowhere, so open to inspection. */
static void discarded(struct request *req, bool page)
{
	if (page && !staff_password_changed_or_respond(req))
		return;
	struct staff_agency ag;
	if (!staff_agency(req, query(req, "agency"), &ag))
		return;
	PGresult *res = db_exec_or_respond(req, req->db, STMT_QUEUE_DISCARDED, 1, (const char *[]){ ag.id_text });
	if (!res)
		return;
	struct json_object *m = staff_model(req, "已作废的提交");
	struct json_object *agency = json_object_new_object();
	model_add_str(agency, "code", ag.code);
	model_add_str(agency, "name", ag.name);
	json_object_object_add(m, "agency", agency);
	struct json_object *rows = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *r = json_object_new_object();
		json_object_object_add(r, "id", json_object_new_int64(atoll(PQgetvalue(res, i, COL(QUEUE_DISCARDED, id)))));
		model_add_str(r, "tracking_no", PQgetvalue(res, i, COL(QUEUE_DISCARDED, tracking_no)));
		model_add_str(r, "name", PQgetvalue(res, i, COL(QUEUE_DISCARDED, name)));
		model_add_str(r, "submitted_at", PQgetvalue(res, i, COL(QUEUE_DISCARDED, submitted_at)));
		model_add_str(r, "reason_code", PQgetvalue(res, i, COL(QUEUE_DISCARDED, reason_code)));
		model_add_str(r, "reason_label", discard_reason(PQgetvalue(res, i, COL(QUEUE_DISCARDED, reason_code))));
		model_add_str(r, "reason", PQgetvalue(res, i, COL(QUEUE_DISCARDED, reason)));
		model_add_str(r, "discarded_on", PQgetvalue(res, i, COL(QUEUE_DISCARDED, discarded_on)));
		model_add_str(r, "description", PQgetvalue(res, i, COL(QUEUE_DISCARDED, description_start)));
		json_object_array_add(rows, r);
	}
	json_object_object_add(m, "requests", rows);
	PQclear(res);
	respond(req, 200, page ? "staff/discarded" : NULL, m);
}

void page_staff_discarded(struct request *req)
{
	discarded(req, true);
}

void page_api_discarded(struct request *req)
{
	discarded(req, false);
}
