/*
 * The yearly report for staff: the page (/staff/report), its CSV and JSON
 * (/staff/report?format=csv|json, /api/v1/reports/{year}), and publishing
 * (a frozen snapshot; later changes show as differences from it).
 *
 * Scope: a member sees the report of their own agency; an administrator
 * also those of the agencies below theirs (auth_sees_agency). Publishing
 * is for the 负责人 (head) or an administrator, for a year that is over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/auth.h"
#include "core/db_read.h"
#include "domain/date.h"
#include "web/http.h"
#include "web/pages/pages.h"
/* fcgi/report.h, not pages/report.h beside this file. */
#include "service/report.h"
#include "core/clock.h"

static int this_year(void)
{
	return date_year(clock_today());
}

/* ---- shared with report_forms.c and report_import.c ------------------------ */

bool report_page_scope(struct request *req, const char *year_text, const char *agency,
		       int *year, struct staff_agency *ag)
{
	*year = this_year() - 1;
	if (year_text && *year_text) {
		char *end;
		long y = strtol(year_text, &end, 10);
		if (*end || y < REPORT_FIRST_YEAR || y > this_year()) {
			char msg[120];
			snprintf(msg, sizeof msg, "年度须在%d年至%d年之间", REPORT_FIRST_YEAR,
				 this_year());
			req->log_why = "bad report year";
			respond_error(req, 422, msg);
			return false;
		}
		*year = (int)y;
	}
	if (*year < REPORT_FIRST_YEAR)
		*year = REPORT_FIRST_YEAR;
	return staff_agency(req, agency, ag);
}

bool report_query_scope(struct request *req, int *year, struct staff_agency *ag)
{
	return staff_password_changed_or_respond(req) &&
	       report_page_scope(req, fields_get(&req->query, "year"),
				 fields_get(&req->query, "agency"), year, ag);
}

const char *report_input(struct request *req, const char *name)
{
	if (!json_object_is_type(req->json_body, json_type_object))
		return fields_get(&req->form, name);
	struct json_object *v;
	if (!json_object_object_get_ex(req->json_body, name, &v) || !v)
		return NULL;
	if (json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	return arena_strdup(req->arena,
			    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

void report_audit(struct request *req, const struct staff_agency *ag, const char *action,
		  struct json_object *data)
{
	const char *p[] = {
		req->staff->staff_id_text, ag->id_text, action,
		json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN),
		req->remote_addr && *req->remote_addr ? req->remote_addr : NULL,
	};
	PGresult *res = db_exec(req->db, STMT_REPORT_AUDIT, 5, p);
	PQclear(res);
}

/* ---- answering with CSV ----------------------------------------------------- */

static void respond_csv(struct request *req, const struct report *r)
{
	struct buf *out = &req->worker->out;
	buf_reset(out);
	report_csv(r, out);
	char disposition[160];
	snprintf(disposition, sizeof disposition,
		 "attachment; filename=\"report-%s-%d.csv\"", r->agency_code, r->year);
	http_header(req, "Content-Type", "text/csv; charset=utf-8");
	http_header(req, "Content-Disposition", disposition);
	req->status = 200;
	req->responded = true;
}

static void answer_csv(struct request *req, struct json_object *model)
{
	struct report r;
	report_init(&r);
	report_from_json(model, &r);
	respond_csv(req, &r);
	report_free(&r);
	json_object_put(model);
}

/* ---- the report ---------------------------------------------------------------- */

static bool wants_draft(struct request *req)
{
	const char *d = fields_get(&req->query, "draft");
	return d && *d && strcmp(d, "0");
}

/* The report as shown, or NULL when answered (404, 5xx). */
static struct json_object *load_model(struct request *req, const struct staff_agency *ag,
				      int year, bool with_view)
{
	enum report_status st;
	PGresult *failure = NULL;
	/* The standby, if fresh enough (db_read.h); not right after a save. */
	struct db *db = fields_get(&req->query, "done") ? req->db : db_for_reading(req->worker);
	struct json_object *m = report_model(db, ag->code, year, wants_draft(req),
					     with_view, &st, &failure);
	if (st == REPORT_NO_AGENCY)
		respond_error(req, 404, "没有这个机关");
	else if (st != REPORT_OK)
		respond_db_failure(req, failure);
	PQclear(failure);
	return m;
}

static bool is_publisher(const struct request *req)
{
	return !strcmp(req->staff->role, "head") || !strcmp(req->staff->role, "admin");
}

static bool prose_written(struct json_object *prose, const char *section)
{
	struct json_object *v = json_object_object_get(prose, section);
	const char *s = v ? json_object_get_string(v) : "";
	return s[strspn(s, " \t\r\n")] != '\0';
}

static void add_reason(struct json_object *list, const char *text)
{
	json_object_array_add(list, json_object_new_string(text));
}

/*
 * Why the report (as computed now: `now` in the API shape, with
 * table2_missing) cannot be published; an empty list when it can.
 * `version` is the latest published version, `changes` the number of
 * differences from it.
 */
static struct json_object *publish_blockers(struct request *req, int year,
					    struct json_object *now, int version,
					    size_t changes, int failed)
{
	struct json_object *why = json_object_new_array();
	char text[200];
	if (!is_publisher(req))
		add_reason(why, "只有负责人或系统管理员可以发布年度报告");
	if (year >= this_year()) {
		snprintf(text, sizeof text, "%d年度尚未结束，年度结束后才能发布", year);
		add_reason(why, text);
	}
	if (failed)
		add_reason(why, "数据校验未通过（见上方红色提示）");
	size_t missing = json_object_array_length(json_object_object_get(now, "table2_missing"));
	if (missing) {
		snprintf(text, sizeof text, "表二还有 %zu 项未填写", missing);
		add_reason(why, text);
	}
	struct json_object *prose = json_object_object_get(now, "prose");
	if (!prose_written(prose, "one") || !prose_written(prose, "five") ||
	    !prose_written(prose, "six"))
		add_reason(why, "第一、五、六部分须填写（没有需要报告的事项时填写“无”）");
	if (version && !changes) {
		snprintf(text, sizeof text, "与已发布的第%d版相同，无需重新发布", version);
		add_reason(why, text);
	}
	return why;
}

static struct json_object *year_choices(int selected)
{
	struct json_object *list = json_object_new_array();
	for (int y = this_year(); y >= REPORT_FIRST_YEAR; y--) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "year", json_object_new_int(y));
		model_add_bool(o, "selected", y == selected);
		json_object_array_add(list, o);
	}
	return list;
}

/* The differences with their numbers as text ("未填" for none). */
static struct json_object *differences_view(struct json_object *differences)
{
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(differences); i++) {
		struct json_object *d = json_object_array_get_idx(differences, i);
		struct json_object *o = json_object_new_object();
		struct json_object *was = json_object_object_get(d, "published");
		struct json_object *now = json_object_object_get(d, "current");
		const char *table = json_object_get_string(json_object_object_get(d, "table"));
		model_add_str(o, "label", json_object_get_string(json_object_object_get(d, "label")));
		if (strcmp(table, "prose")) {
			/* Not "published": a missing key would find the page's. */
			model_add_bool(o, "numbers", true);
			model_add_str(o, "old", was ? json_object_to_json_string(was) : "未填");
			model_add_str(o, "new", now ? json_object_to_json_string(now) : "未填");
		}
		json_object_array_add(list, o);
	}
	return list;
}

static const char *done_notice(const char *done)
{
	if (!done)
		return NULL;
	if (!strcmp(done, "table2"))
		return "表二已保存。";
	if (!strcmp(done, "prose"))
		return "第一、五、六部分已保存。";
	if (!strcmp(done, "published"))
		return "年度报告已发布。";
	return NULL;
}

/* Moves every key of `from` into `to` (from is consumed). */
static void merge_into(struct json_object *to, struct json_object *from)
{
	json_object_object_foreach(from, k, v)
		json_object_object_add(to, k, json_object_get(v));
	json_object_put(from);
}

/*
 * Which year the page shows and why (issue 16, item 13): without a year
 * asked for, the one whose report is due now — the report on year Y is
 * published early in Y+1 (Art. 49: departments by 31 January, governments
 * by 31 March), so the page opens on last year's.
 */
static const char *opened_text(struct request *req, int year, char *out, size_t len)
{
	const char *asked = fields_get(&req->query, "year");
	if (asked && *asked)
		snprintf(out, len, "显示您选择的%d年度报告。", year);
	else
		snprintf(out, len, "显示%d年度报告：每年年初公布上一年度报告（《政府信息公开条例》"
			 "第四十九条：部门于1月31日前、县级以上人民政府于3月31日前），"
			 "所以本页默认打开上一年度。查看其他年度请在上方选择。", year);
	return out;
}

static void add_page_fields(struct request *req, struct json_object *m, int year,
			    const struct staff_agency *ag)
{
	char opened[400];
	model_add_str(m, "opened_text", opened_text(req, year, opened, sizeof opened));
	bool published = !strcmp(json_object_get_string(json_object_object_get(m, "status")),
				 "published");
	struct json_object *pub = json_object_object_get(m, "published");
	struct json_object *diffs = json_object_object_get(m, "differences");
	size_t ndiff = json_object_array_length(diffs);
	int version = pub ? json_object_get_int(json_object_object_get(pub, "version")) : 0;
	model_add_bool(m, "is_published", published);
	model_add_bool(m, "is_draft", !published);
	model_add_bool(m, "has_differences", ndiff > 0);
	json_object_object_add(m, "differences_view", differences_view(diffs));
	size_t missing = json_object_array_length(json_object_object_get(m, "table2_missing"));
	json_object_object_add(m, "missing_count", json_object_new_int((int)missing));
	model_add_bool(m, "has_missing", missing > 0);
	json_object_object_add(m, "years", year_choices(year));
	struct json_object *agencies = staff_agency_choices(req, ag->code);
	model_add_bool(m, "choose_agency", json_object_array_length(agencies) > 1);
	json_object_object_add(m, "agencies", agencies);
	model_add_bool(m, "sums_children",
		       json_object_array_length(json_object_object_get(m, "includes")) > 1);
	model_add_str(m, "notice", done_notice(fields_get(&req->query, "done")));
	/* Publishing takes the report as computed now: judge that one. */
	if (!published) {
		int failed = json_object_get_int(json_object_object_get(m, "checks_failed"));
		struct json_object *why = publish_blockers(req, year, m, version, ndiff, failed);
		model_add_bool(m, "can_publish", json_object_array_length(why) == 0);
		model_add_bool(m, "show_publish", is_publisher(req));
		json_object_object_add(m, "publish_blockers", why);
		model_add_bool(m, "next_is_correction", version > 0);
		json_object_object_add(m, "next_version", json_object_new_int(version + 1));
	}
}

void page_staff_report(struct request *req)
{
	int year;
	struct staff_agency ag;
	if (!report_query_scope(req, &year, &ag))
		return;
	const char *format = fields_get(&req->query, "format");
	bool csv = format && !strcmp(format, "csv");
	if (format && !strcmp(format, "json"))
		req->wants_json = true;
	struct json_object *rm = load_model(req, &ag, year, !csv && !req->wants_json);
	if (!rm)
		return;
	if (csv) {
		answer_csv(req, rm);
		return;
	}
	if (req->wants_json) {
		respond(req, 200, NULL, rm);
		return;
	}
	const char *title = json_object_get_string(json_object_object_get(
		json_object_object_get(rm, "view"), "title"));
	struct json_object *m = staff_model(req, title);
	merge_into(m, rm);
	add_page_fields(req, m, year, &ag);
	respond(req, 200, "report/page", m);
}

void page_api_report(struct request *req)
{
	char year[8];
	int y;
	struct staff_agency ag;
	if (!route_capture(&req->match, "year", year, sizeof year)) {
		respond_error(req, 404, NULL);
		return;
	}
	if (!report_page_scope(req, year, fields_get(&req->query, "agency"), &y, &ag))
		return;
	const char *format = fields_get(&req->query, "format");
	struct json_object *m = load_model(req, &ag, y, false);
	if (!m)
		return;
	if (format && !strcmp(format, "csv"))
		answer_csv(req, m);
	else
		respond(req, 200, NULL, m);
}

/* ---- publishing ---------------------------------------------------------------- */

struct published {
	int status;		/* 201 done; 403, 409, 5xx */
	int version;
	struct json_object *blockers;	/* owned, when 409 for reasons */
};

/* Inserts the snapshot and its audit line; in the open transaction. */
static int insert_snapshot(struct request *req, const struct staff_agency *ag, int year,
			   struct json_object *content)
{
	char y[12];
	snprintf(y, sizeof y, "%d", year);
	const char *p[] = { ag->id_text, y, req->staff->staff_id_text,
			    json_object_to_json_string_ext(content, JSON_C_TO_STRING_PLAIN) };
	PGresult *res = db_exec(req->db, STMT_REPORT_SNAPSHOT_INSERT, 4, p);
	if (!db_ok(res)) {
		if (db_failure_of(req->db, res) == DB_FAIL_UNIQUE) {
			PQclear(res);
			return -409;	/* someone published the same moment */
		}
		respond_db_failure(req, res);
		PQclear(res);
		return -1;
	}
	int version = atoi(PQgetvalue(res, 0, COL(REPORT_SNAPSHOT_INSERT, version)));
	PQclear(res);
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "year", json_object_new_int(year));
	json_object_object_add(data, "version", json_object_new_int(version));
	report_audit(req, ag, "report_published", data);
	json_object_put(data);
	return version;
}

/*
 * Publishes the report as computed now, in one REPEATABLE READ
 * transaction: what is checked is what is stored. On a db failure the
 * answer is already given (status -1).
 */
static struct published publish(struct request *req, const struct staff_agency *ag, int year)
{
	struct published out = { 0 };
	struct report now, was;
	struct report_publication pub;
	PGresult *failure = NULL;
	report_init(&now);
	report_init(&was);
	if (!report_begin(req->db, false)) {
		respond_error(req, 503, NULL);
		out.status = -1;
		return out;
	}
	enum report_status st = report_compute(req->db, ag->code, year, &now, &failure);
	if (st == REPORT_OK)
		st = report_published(req->db, ag->id, year, &was, &pub, &failure);
	if (st != REPORT_OK) {
		respond_db_failure(req, failure);
		PQclear(failure);
		db_command(req->db, "ROLLBACK");
		report_free(&now);
		report_free(&was);
		out.status = -1;
		return out;
	}
	struct json_object *content = report_to_json(&now);
	json_object_object_add(content, "table2_missing", report_t2_missing(&now));
	struct json_object *diffs = report_differences(&was, &now);
	struct json_object *checks;
	int failed = report_checks(&now, &checks);
	json_object_put(checks);
	out.blockers = publish_blockers(req, year, content, pub.version,
					json_object_array_length(diffs), failed);
	json_object_put(diffs);
	json_object_object_del(content, "table2_missing");
	if (json_object_array_length(out.blockers)) {
		out.status = is_publisher(req) ? 409 : 403;
		db_command(req->db, "ROLLBACK");
	} else {
		out.version = insert_snapshot(req, ag, year, content);
		if (out.version > 0 && db_command(req->db, "COMMIT")) {
			out.status = 201;
		} else {
			db_command(req->db, "ROLLBACK");
			out.status = out.version == -409 ? 409 : -1;
			if (out.status == -1 && !req->responded)
				respond_error(req, 503, NULL);
		}
	}
	json_object_put(content);
	report_free(&now);
	report_free(&was);
	return out;
}

static const char *first_blocker(const struct published *p)
{
	if (p->blockers && json_object_array_length(p->blockers))
		return json_object_get_string(json_object_array_get_idx(p->blockers, 0));
	return "刚刚有人发布了本年度报告，请刷新后查看";
}

void page_staff_report_publish(struct request *req)
{
	int year;
	struct staff_agency ag;
	if (!report_page_scope(req, fields_get(&req->form, "year"),
			       fields_get(&req->form, "agency"), &year, &ag))
		return;
	struct published p = publish(req, &ag, year);
	if (p.status == 201) {
		char target[160];
		snprintf(target, sizeof target, "/staff/report?year=%d&agency=%s&done=published",
			 year, ag.code);
		respond_redirect(req, target);
	} else if (p.status > 0) {
		req->log_why = "report not publishable";
		respond_error(req, p.status, first_blocker(&p));
	}
	json_object_put(p.blockers);
}

void page_api_report_publish(struct request *req)
{
	char year_text[8];
	int year;
	struct staff_agency ag;
	if (!route_capture(&req->match, "year", year_text, sizeof year_text)) {
		respond_error(req, 404, NULL);
		return;
	}
	if (!report_page_scope(req, year_text, report_input(req, "agency"), &year, &ag))
		return;
	struct published p = publish(req, &ag, year);
	if (p.status == 201) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "year", json_object_new_int(year));
		model_add_str(m, "agency", ag.code);
		json_object_object_add(m, "version", json_object_new_int(p.version));
		respond(req, 201, NULL, m);
	} else if (p.status > 0) {
		struct json_object *m = json_object_new_object();
		model_add_str(m, "error", first_blocker(&p));
		json_object_object_add(m, "status", json_object_new_int(p.status));
		json_object_object_add(m, "reasons", p.blockers ? json_object_get(p.blockers)
								: json_object_new_array());
		req->log_why = "report not publishable";
		respond(req, p.status, NULL, m);
	}
	json_object_put(p.blockers);
}
