/*
 * workflow: every step of a request, one transaction each (workflow.h).
 *
 * A step: lock the request row; check that the actor may see it (404) and
 * take the step (403), that its state allows it (409, domain/workflow_rules)
 * and that its input makes sense (422); write the step's own record
 * (supplements, consultations, extensions, fees, appeals); append the event
 * (events.h, hash-chained); recompute the deadline from the events
 * (domain/deadline) and save the cached row; write the notice.
 */
#include "service/workflow.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar_cache.h"
#include "domain/date.h"
#include "domain/fees.h"
#include "domain/remedies.h"
#include "domain/workflow_rules.h"
#include "core/events.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/tmpl.h"
#include "core/clock.h"

/* Practice where the regulation is silent (agency settings override). */
#define DEFAULT_SUPPLEMENT_WORKDAYS	10	/* the applicant's period for 补正 */
#define DEFAULT_FEE_PAY_WORKDAYS	20	/* 2020 measures: pay within 20 working days */
#define DEFAULT_BACKDATE_WORKDAYS	5	/* a step dated further back needs a reason */
#define TEXT_MAX_CHARS			20000

/* The locked row and what the step changes in it. */
struct step {
	const struct context *ctx;
	bool input_typed;	/* a JSON body (typed), not a form (all text) */
	struct db *db;
	struct arena *arena;
	struct json_object *input;
	enum wf_action action;
	enum workflow_actor actor;
	const struct calendar *cal;
	int32_t today;

	const char *id;
	const char *agency_id;
	const char *tracking_no, *name, *description, *applicant_kind;
	const char *agency_code, *agency_name, *office_address, *office_phone;
	const char *office_hours, *document_ref;
	bool agency_is_government;
	const char *government_above;	/* agency_government_above(), or NULL */
	struct json_object *settings;	/* agencies.settings, owned */
	const char *id_number_hash, *credit_code;
	int32_t submitted_on;
	const char *channel;

	/* The cached state, as read and as the step leaves it. */
	enum wf_status status;
	bool has_received;
	int32_t received;
	bool backdated;
	bool late_entry;	/* a step dated beyond backdate_workdays, with its reason */
	const char *outcome;
	bool concluded;
	int32_t concluded_on;
	bool redo;		/* redo_on set: worked again after a decision */
	bool annul_closing;	/* a late supplement reopens a closed request */

	/* The event. */
	struct json_object *data;	/* owned */
	int32_t effective;
	const char *event;		/* the event's action when not the step's own */
	bool clock_changed;		/* recompute the deadline */
	int seq;

	/* A notice to issue with the event. */
	const char *notice_kind, *notice_template, *notice_title, *notice_no;
	struct json_object *notice_model;	/* owned */

	struct workflow_result result;
};

/* ---- small helpers ------------------------------------------------------- */

static const char *fmt_date(struct arena *a, int32_t d)
{
	char buf[DATE_STR_SIZE];
	return arena_strdup(a, date_format(d, buf));
}

const char *workflow_date_cn(struct arena *a, const char *iso)
{
	int32_t d;
	if (!iso || !date_parse(iso, &d))
		return "";
	int y, m, day;
	date_to_ymd(d, &y, &m, &day);
	char buf[32];
	snprintf(buf, sizeof buf, "%d年%d月%d日", y, m, day);
	return arena_strdup(a, buf);
}

static const char *date_cn(struct step *st, int32_t d)
{
	return workflow_date_cn(st->arena, fmt_date(st->arena, d));
}

static bool refuse(struct step *st, enum service_status status, const char *message, const char *field)
{
	st->result.status = status;
	st->result.message = message;
	st->result.field = field;
	return false;
}

static bool refusef(struct step *st, enum service_status status, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static bool refusef(struct step *st, enum service_status status, const char *field, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return refuse(st, status, arena_strdup(st->arena, buf), field);
}

/* A failed statement: 503 when the database is away, else 500, or the
 * rule a constraint names. */
static bool db_failed(struct step *st, PGresult *res)
{
	enum db_failure f = db_failure_of(st->db, res);
	const char *name = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
	const char *constraint = name ? arena_strdup(st->arena, name) : NULL;
	char why[512];
	if (f == DB_FAIL_CHECK || f == DB_FAIL_UNIQUE) {
		log_warn("workflow %s: %s", wf_action_code(st->action),
			 db_error_text(res, why, sizeof why));
		PQclear(res);
		if (constraint && !strcmp(constraint, "extensions_decider_is_head"))
			return refuse(st, SERVICE_FORBIDDEN, "只有本机关政府信息公开工作机构负责人可以审批延期（条例第三十三条）", NULL);
		if (constraint && !strcmp(constraint, "extensions_not_own_decision"))
			return refuse(st, SERVICE_FORBIDDEN, "不能审批自己提出的延期申请", NULL);
		if (constraint && !strcmp(constraint, "extensions_total_max_20"))
			return refuse(st, SERVICE_CONFLICT, "延期合计不得超过20个工作日（条例第三十三条）", NULL);
		if (f == DB_FAIL_UNIQUE)
			return refuse(st, SERVICE_CONFLICT, "该事项已经办理，不能重复办理", NULL);
		return refuse(st, SERVICE_BAD_INPUT, "填写的内容不符合规则，请检查后重试", NULL);
	}
	if (f == DB_FAIL_DOWN || f == DB_FAIL_TIMEOUT)
		st->result.status = SERVICE_UNAVAILABLE;
	else
		st->result.status = SERVICE_FAILED;
	if (st->result.status == SERVICE_FAILED)
		log_error("workflow %s: %s", wf_action_code(st->action),
			  db_error_text(res, why, sizeof why));
	st->result.message = st->result.status == SERVICE_UNAVAILABLE
		? "系统暂时无法办理，您的操作没有保存，请稍后重试"
		: "服务器内部错误，您的操作没有保存";
	PQclear(res);
	return false;
}

/* Runs a statement; on failure sets the result and returns NULL. */
static PGresult *exec(struct step *st, enum stmt s, int n, const char *const *params)
{
	PGresult *res = db_exec(st->db, s, n, params);
	if (!db_ok(res)) {
		db_failed(st, res);
		return NULL;
	}
	return res;
}

static bool exec_ok(struct step *st, enum stmt s, int n, const char *const *params)
{
	PGresult *res = exec(st, s, n, params);
	PQclear(res);
	return res != NULL;
}

static const char *copy_value(struct step *st, const PGresult *res, int row, int c)
{
	if (PQgetisnull(res, row, c))
		return NULL;
	return arena_strdup(st->arena, PQgetvalue(res, row, c));
}

static int32_t value_date(const PGresult *res, int row, int c)
{
	int32_t d = 0;
	if (!PQgetisnull(res, row, c))
		date_parse(PQgetvalue(res, row, c), &d);
	return d;
}

static void data_str(struct step *st, const char *key, const char *value)
{
	if (value)
		json_object_object_add(st->data, key, json_object_new_string(value));
}

static void data_date(struct step *st, const char *key, int32_t d)
{
	data_str(st, key, fmt_date(st->arena, d));
}

static void data_int(struct step *st, const char *key, long long v)
{
	json_object_object_add(st->data, key, json_object_new_int64(v));
}

static void data_bool(struct step *st, const char *key, bool v)
{
	json_object_object_add(st->data, key, json_object_new_boolean(v));
}

/* ---- input --------------------------------------------------------------- */

/* A trimmed, non-empty string field, or NULL. Numbers are accepted as text. */
static const char *in_str(struct step *st, const char *key)
{
	struct json_object *v;
	if (!st->input || !json_object_object_get_ex(st->input, key, &v) || !v)
		return NULL;
	enum json_type t = json_object_get_type(v);
	if (t != json_type_string && t != json_type_int)
		return NULL;
	const char *s = json_object_get_string(v);
	while (*s && isspace((unsigned char)*s))
		s++;
	size_t len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (!len)
		return NULL;
	char *out = arena_strndup(st->arena, s, len);
	/* Line ends as LF only: what a textarea sends is CRLF. */
	char *w = out;
	for (const char *r = out; *r; r++)
		if (*r != '\r')
			*w++ = *r;
	*w = '\0';
	return out;
}

static bool in_bool(struct step *st, const char *key)
{
	struct json_object *v;
	if (!st->input || !json_object_object_get_ex(st->input, key, &v) || !v)
		return false;
	if (json_object_get_type(v) == json_type_boolean)
		return json_object_get_boolean(v);
	const char *s = json_object_get_string(v);
	return s && (!strcmp(s, "1") || !strcmp(s, "true") || !strcmp(s, "on") ||
		     !strcmp(s, "yes"));
}

/* A text field of at most TEXT_MAX_CHARS; `required` refuses a missing one. */
static bool in_text(struct step *st, const char *key, bool required,
		    const char *what, const char **out)
{
	*out = in_str(st, key);
	if (!*out && required)
		return refusef(st, SERVICE_BAD_INPUT, key, "请填写%s", what);
	if (*out && utf8_length(*out, strlen(*out)) > TEXT_MAX_CHARS)
		return refusef(st, SERVICE_BAD_INPUT, key, "%s不能超过20000字", what);
	return true;
}

/* Whether the input is a JSON body (typed) rather than a form's fields
 * (every value a string). */
static bool input_is_json(const struct step *st)
{
	return st->input && st->input_typed;
}

/*
 * An integer field in [min, max]; absent gives `def`. A form sends text;
 * a JSON body must send a JSON integer (issue 12, item 9): "5" is a
 * string, 5.0 a fraction, [30] a list — each refused, never read as a
 * number or taken as absent.
 */
static bool in_int(struct step *st, const char *key, int min, int max, int def,
		   const char *what, int *out)
{
	*out = def;
	struct json_object *v;
	if (!st->input || !json_object_object_get_ex(st->input, key, &v) || !v)
		return true;
	long long n;
	if (input_is_json(st)) {
		if (!json_object_is_type(v, json_type_int))
			return refusef(st, SERVICE_BAD_INPUT, key, "%s应为整数（JSON 数字，不加引号、不带小数）", what);
		n = json_object_get_int64(v);
	} else {
		const char *s = in_str(st, key);
		if (!s)
			return true;
		char *end;
		n = strtoll(s, &end, 10);
		if (*end)
			n = (long long)min - 1;
	}
	if (n < min || n > max)
		return refusef(st, SERVICE_BAD_INPUT, key, "%s应为%d到%d之间的整数", what, min, max);
	*out = (int)n;
	return true;
}

/*
 * A JSON body's values are strings, integers, booleans or null: no step
 * takes a fraction, a list or an object, and one sent is refused naming
 * its field rather than ignored as if absent (issue 12, item 9).
 */
static bool input_types_ok(struct step *st)
{
	if (!input_is_json(st))
		return true;
	json_object_object_foreach(st->input, key, v) {
		enum json_type t = json_object_get_type(v);
		if (t == json_type_double || t == json_type_array || t == json_type_object)
			return refusef(st, SERVICE_BAD_INPUT, arena_strdup(st->arena, key),
				       "“%s”的类型不正确：应为文字或整数", key);
	}
	return true;
}

/* A date field; absent gives `def`. */
static bool in_date(struct step *st, const char *key, int32_t def, int32_t *out)
{
	const char *s = in_str(st, key);
	*out = def;
	if (!s)
		return true;
	if (!date_parse(s, out))
		return refuse(st, SERVICE_BAD_INPUT, "日期格式应为 YYYY-MM-DD，且是真实存在的日期", key);
	return true;
}

/* ---- back-dating (issue 11, item 8) -------------------------------------- */

static int setting_int(struct step *st, const char *key, int min, int max, int def);

/* The date of the request's latest dated step (STMT_WF_LAST_STEP_ON); 0
 * when there is none. */
static bool last_step_on(struct step *st, int32_t *out)
{
	PGresult *res = exec(st, STMT_WF_LAST_STEP_ON, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	*out = value_date(res, 0, COL(WF_LAST_STEP_ON, last_on));
	PQclear(res);
	return true;
}

static bool report_published(struct step *st, int year, bool *out)
{
	char y[16];
	snprintf(y, sizeof y, "%d", year);
	PGresult *res = exec(st, STMT_WF_REPORT_PUBLISHED, 2, (const char *[]){ st->agency_id, y });
	if (!res)
		return false;
	*out = !strcmp(PQgetvalue(res, 0, COL(WF_REPORT_PUBLISHED, published)), "t");
	PQclear(res);
	return true;
}

/*
 * A date before today given to a step (ogi-rules.md "Time limits"): the
 * day the thing happened counts, not the day it was entered (Art. 31,
 * 33), but entering it late is bounded. More than the agency's
 * backdate_workdays working days back it needs a reason, kept in the
 * event (backdate_reason) and marking the request (late_entry, shown in
 * the queue). A date in a year whose yearly report is already published
 * (Art. 50) changes published figures: only a head enters it (the head's
 * approval is the entering itself), the event says which year, and the
 * report shows the change as a difference calling for a 更正版
 * (docs/report.md, "Publishing").
 */
static bool backdate_allowed(struct step *st, const char *key, int32_t d)
{
	if (d >= st->today)
		return true;
	if (!st->cal)
		return refuse(st, SERVICE_UNAVAILABLE, "工作日历暂时无法读取，请稍后重试", NULL);
	int limit = setting_int(st, "backdate_workdays", 0, 60, DEFAULT_BACKDATE_WORKDAYS);
	int back = workdays_between(st->cal, d, st->today);
	if (back > limit) {
		const char *reason;
		if (!in_text(st, "backdate_reason", false, "补登理由", &reason))
			return false;
		if (!reason)
			return refusef(st, SERVICE_BAD_INPUT, "backdate_reason",
				       "该日期（%s）早于今天%d个工作日，超过本机关的补登期限（%d个工作日）：请写明补登理由",
				       date_cn(st, d), back, limit);
		data_str(st, "backdate_reason", reason);
		data_int(st, "backdated_workdays", back);
		st->late_entry = true;
	}
	int year = date_year(d);
	bool published;
	if (!report_published(st, year, &published))
		return false;
	if (!published)
		return true;
	if (!st->ctx->staff || strcmp(st->ctx->staff->role, "head"))
		return refusef(st, SERVICE_FORBIDDEN, key,
			       "%d年的政府信息公开工作年度报告已经公布：日期在该年度的步骤须经负责人同意，由负责人录入，并发布年度报告更正版",
			       year);
	data_int(st, "published_report_year", year);
	return true;
}

/* The date a back-datable step counts from: `date`, or today. It lies
 * between the previous step's date (the date of receipt at the earliest)
 * and today, within the bounds of backdate_allowed(). */
static bool step_date(struct step *st, const char *key, int32_t *out)
{
	if (!in_date(st, key, st->today, out))
		return false;
	if (*out > st->today)
		return refuse(st, SERVICE_BAD_INPUT, "日期不能晚于今天", key);
	if (st->has_received && *out < st->received)
		return refusef(st, SERVICE_BAD_INPUT, key, "日期不能早于收到申请之日（%s）",
			       date_cn(st, st->received));
	int32_t last;
	if (!last_step_on(st, &last))
		return false;
	if (last && *out < last)
		return refusef(st, SERVICE_BAD_INPUT, key, "日期不能早于上一办理步骤的日期（%s）", date_cn(st, last));
	if (*out < st->today)
		json_object_object_add(st->data, "backdated", json_object_new_boolean(1));
	return backdate_allowed(st, key, *out);
}

static const char *setting_str(struct step *st, const char *key, const char *def)
{
	struct json_object *v;
	if (st->settings && json_object_object_get_ex(st->settings, key, &v) &&
	    json_object_get_type(v) == json_type_string && *json_object_get_string(v))
		return json_object_get_string(v);
	return def;
}

static int setting_int(struct step *st, const char *key, int min, int max, int def)
{
	struct json_object *v;
	if (st->settings && json_object_object_get_ex(st->settings, key, &v) &&
	    json_object_get_type(v) == json_type_int) {
		int n = json_object_get_int(v);
		if (n >= min && n <= max)
			return n;
	}
	return def;
}

/* ---- notices ------------------------------------------------------------- */

/*
 * The remedies paragraph (Art. 51) of a notice: which one follows the
 * outcome the step sets (none for a fee notice) and the notice's date
 * (domain/remedies.h); the review body is named in full (行政复议法
 * Art. 24), the court as the agency set it.
 */
static void add_remedies(struct step *st, struct json_object *m)
{
	const char *outcome = st->concluded ? st->outcome : NULL;
	enum remedy_paragraph p = remedy_paragraph(outcome, st->effective);
	json_object_object_add(m, remedy_paragraph_code(p), json_object_new_boolean(1));
	json_object_object_add(m, "review_body", json_object_new_string(
		review_body_choose(setting_str(st, "review_body", NULL), st->government_above,
				   st->agency_is_government, NULL)));
	json_object_object_add(m, "court", json_object_new_string(
		setting_str(st, "court", "有管辖权的人民法院")));
}

/* The model every notice template gets: agency, applicant, request. */
static struct json_object *notice_model(struct step *st)
{
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "agency_name", json_object_new_string(st->agency_name));
	/* An empty string is truthy in a section: leave unknown ones out. */
	if (*st->office_address)
		json_object_object_add(m, "office_address", json_object_new_string(st->office_address));
	if (*st->office_phone)
		json_object_object_add(m, "office_phone", json_object_new_string(st->office_phone));
	if (*st->office_hours)
		json_object_object_add(m, "office_hours", json_object_new_string(st->office_hours));
	json_object_object_add(m, "applicant_name", json_object_new_string(st->name));
	json_object_object_add(m, "tracking_no", json_object_new_string(st->tracking_no));
	json_object_object_add(m, "description", json_object_new_string(st->description));
	if (*st->document_ref)
		json_object_object_add(m, "document_ref",
				       json_object_new_string(st->document_ref));
	if (st->has_received)
		json_object_object_add(m, "received_text",
				       json_object_new_string(date_cn(st, st->received)));
	json_object_object_add(m, "issued_text", json_object_new_string(date_cn(st, st->effective)));
	add_remedies(st, m);
	return m;
}

static void set_notice(struct step *st, const char *kind, const char *template,
		       const char *title)
{
	st->notice_kind = kind;
	st->notice_template = template;
	st->notice_title = title;
	json_object_put(st->notice_model);
	st->notice_model = notice_model(st);
}

static void notice_str(struct step *st, const char *key, const char *value)
{
	if (value)
		json_object_object_add(st->notice_model, key, json_object_new_string(value));
}

static bool issue_notice(struct step *st)
{
	if (!st->notice_kind)
		return true;
	struct buf body = BUF_INIT;
	char err[256];
	bool ok = tmpl_render(st->ctx->app->templates, st->notice_template,
			      st->notice_model, &body, err, sizeof err);
	if (!ok) {
		log_error("notice %s: %s", st->notice_template, err);
		buf_free(&body);
		st->result.status = SERVICE_FAILED;
		st->result.message = "告知书模板缺失，操作没有保存";
		return false;
	}
	char seq[16];
	snprintf(seq, sizeof seq, "%d", st->seq);
	const char *params[] = { st->id, seq, st->notice_kind, st->notice_no,
				 st->notice_title, buf_str(&body),
				 fmt_date(st->arena, st->effective) };
	ok = exec_ok(st, STMT_WF_NOTICE_ADD, 7, params);
	buf_free(&body);
	return ok;
}

/* ---- the deadline -------------------------------------------------------- */

static bool clock_kind_of(const char *action, enum clock_kind *k)
{
	static const struct { const char *action; enum clock_kind kind; } map[] = {
		{ "confirmed", CLOCK_RECEIVED },
		{ "registered", CLOCK_RECEIVED },
		{ "imported", CLOCK_RECEIVED },
		{ "supplement_asked", CLOCK_SUPPLEMENT_ASKED },
		{ "supplement_received", CLOCK_SUPPLEMENT_RECEIVED },
		{ "consulted", CLOCK_PAUSE },
		{ "fee_notice", CLOCK_PAUSE },
		{ "consult_answered", CLOCK_RESUME },
		{ "fee_paid", CLOCK_RESUME },
		{ "extension_approved", CLOCK_EXTENSION_APPROVED },
		{ "redo_ordered", CLOCK_REDO },
		/* Art. 35: the time the applicant has to state reasons is
		 * not counted, like a supplement's (ogi-rules.md). */
		{ "reasons_asked", CLOCK_PAUSE },
		{ "reasons_answered", CLOCK_RESUME },
		{ "reasons_expired", CLOCK_RESUME },
		{ "deadline_set", CLOCK_DUE_SET },
	};
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
		if (!strcmp(action, map[i].action)) {
			*k = map[i].kind;
			return true;
		}
	}
	return false;
}

/* The clock events of a request; -1 when the database failed. */
static int load_clock(struct db *db, const char *request_id, struct clock_event **out,
		      PGresult **failure)
{
	const char *params[] = { request_id };
	PGresult *res = db_exec(db, STMT_WF_CLOCK_EVENTS, 1, params);
	*out = NULL;
	if (!db_ok(res)) {
		*failure = res;
		return -1;
	}
	int n = PQntuples(res), used = 0;
	struct clock_event *ev = calloc((size_t)n + 1, sizeof *ev);
	if (!ev)
		abort();
	for (int i = 0; i < n; i++) {
		enum clock_kind k;
		int32_t d;
		if (!clock_kind_of(PQgetvalue(res, i, COL(WF_CLOCK_EVENTS, action)), &k) ||
		    !date_parse(PQgetvalue(res, i, COL(WF_CLOCK_EVENTS, effective_on)), &d))
			continue;
		/* A repeated receipt event (an import after a registration)
		 * does not move the date of receipt. */
		if (k == CLOCK_RECEIVED) {
			bool seen = false;
			for (int j = 0; j < used; j++)
				seen |= ev[j].kind == CLOCK_RECEIVED;
			if (seen)
				continue;
		}
		int days = atoi(PQgetvalue(res, i, COL(WF_CLOCK_EVENTS, days)));
		int32_t until;
		if (k == CLOCK_DUE_SET) {
			if (!date_parse(PQgetvalue(res, i, COL(WF_CLOCK_EVENTS, due_on)), &until))
				continue;
			days = until;
		}
		ev[used++] = (struct clock_event){ k, d, days };
	}
	PQclear(res);
	*out = ev;
	*failure = NULL;
	return used;
}

bool workflow_deadline(struct db *db, const struct calendar *cal,
		       const char *request_id, struct deadline *out)
{
	struct clock_event *ev;
	PGresult *failure;
	int n = load_clock(db, request_id, &ev, &failure);
	PQclear(failure);
	bool ok = n > 0 && deadline_compute(cal, ev, (size_t)n, out) == DEADLINE_OK;
	free(ev);
	return ok;
}

static const char *opt_date(struct arena *a, bool set, int32_t d)
{
	return set ? fmt_date(a, d) : NULL;
}

int workflow_refresh_deadline(struct db *db, const struct calendar *cal,
			      const char *request_id)
{
	struct deadline dl;
	if (!workflow_deadline(db, cal, request_id, &dl))
		return 0;
	char due[DATE_STR_SIZE], stopped[DATE_STR_SIZE], ext[16];
	date_format(dl.due, due);
	date_format(dl.stopped_since, stopped);
	snprintf(ext, sizeof ext, "%d", dl.extension_days);
	const char *params[] = { request_id, due, ext, dl.running ? NULL : stopped };
	PGresult *res = db_exec(db, STMT_WF_DUE_SAVE, 4, params);
	int changed = db_ok(res) ? atoi(PQcmdTuples(res)) > 0 : -1;
	PQclear(res);
	return changed;
}

/* Recomputes the deadline with the step's event in the log and saves the
 * whole cached state of the row. */
static bool save_state(struct step *st)
{
	struct deadline dl = { 0 };
	bool have_deadline = false;
	if (st->has_received) {
		struct clock_event *ev;
		PGresult *failure;
		int n = load_clock(st->db, st->id, &ev, &failure);
		if (n < 0)
			return db_failed(st, failure);
		enum deadline_error e = n ? deadline_compute(st->cal, ev, (size_t)n, &dl)
					  : DEADLINE_NO_RECEIPT;
		free(ev);
		if (e != DEADLINE_OK && st->clock_changed)
			return refuse(st, SERVICE_BAD_INPUT, deadline_error_message(e), "date");
		have_deadline = e == DEADLINE_OK;
	}
	bool open = wf_status_open(st->status);
	char ext[16];
	snprintf(ext, sizeof ext, "%d", have_deadline ? dl.extension_days : 0);
	const char *params[] = {
		st->id, wf_status_code(st->status),
		opt_date(st->arena, st->has_received, st->received),
		st->backdated ? "true" : "false",
		opt_date(st->arena, have_deadline, dl.due), ext,
		opt_date(st->arena, have_deadline && open && !dl.running, dl.stopped_since),
		st->outcome,
		opt_date(st->arena, st->concluded, st->concluded_on),
		st->late_entry ? "true" : "false",
	};
	return exec_ok(st, STMT_WF_REQUEST_SAVE, 10, params);
}

/* ---- the steps ----------------------------------------------------------- */

static bool do_confirm(struct step *st)
{
	int32_t d;
	if (!in_date(st, "date", st->today, &d))
		return false;
	if (d > st->today)
		return refuse(st, SERVICE_BAD_INPUT, "收到申请的日期不能晚于今天", "date");
	if (d < st->submitted_on)
		return refusef(st, SERVICE_BAD_INPUT, "date", "收到申请的日期不能早于在线提交之日（%s）",
			       date_cn(st, st->submitted_on));
	if (!backdate_allowed(st, "date", d))
		return false;
	st->has_received = true;
	st->received = d;
	st->backdated = d < st->today;
	st->effective = d;
	st->status = WF_IN_PROGRESS;
	st->clock_changed = true;
	data_date(st, "received_on", d);
	if (st->backdated)
		json_object_object_add(st->data, "backdated", json_object_new_boolean(1));
	return true;
}

/* Only a submission with nothing to answer is discarded (ogi-rules.md,
 * "Online submissions"): a petition or complaint sent through the form
 * gets a written reply instead (Art. 39, reject_petition) and is counted. */
static bool do_discard(struct step *st)
{
	const char *reason, *code = in_str(st, "reason_code");
	if (!code || (strcmp(code, "empty") && strcmp(code, "test") &&
		      strcmp(code, "duplicate")))
		return refuse(st, SERVICE_BAD_INPUT, "请选择作废原因：无可答复的内容（empty）、测试（test）或重复提交（duplicate）；信访、举报、投诉应予书面答复，不能作废", "reason_code");
	if (!in_text(st, "reason", false, "作废理由", &reason))
		return false;
	data_str(st, "reason_code", code);
	data_str(st, "reason", reason);
	st->status = WF_DISCARDED;
	return true;
}

/*
 * The applicant's period for a supplement (Art. 30) or for stating
 * reasons (Art. 35): `answer_by`, or `period_workdays` working days from
 * `from` (the day the applicant is asked; the agency's
 * supplement_workdays, default 10), after that day.
 */
static bool applicant_period(struct step *st, const char *what, int32_t from,
			     int32_t *answer_by)
{
	int period;
	int def = setting_int(st, "supplement_workdays", 1, 60, DEFAULT_SUPPLEMENT_WORKDAYS);
	char label[64];
	snprintf(label, sizeof label, "%s（工作日）", what);
	if (!in_int(st, "period_workdays", 1, 60, def, arena_strdup(st->arena, label), &period))
		return false;
	if (!in_date(st, "answer_by", window_last_day(st->cal, from, period), answer_by))
		return false;
	if (*answer_by <= from)
		return refusef(st, SERVICE_BAD_INPUT, "answer_by", "%s应晚于%s", what,
			       from == st->today ? "今天" : date_cn(st, from));
	return true;
}

static bool do_supplement(struct step *st)
{
	const char *what;
	if (!in_text(st, "what", true, "需要补正的内容", &what))
		return false;
	PGresult *res = exec(st, STMT_WF_SUPPLEMENT_GET, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	bool asked = PQntuples(res) > 0;
	PQclear(res);
	if (asked)
		return refuse(st, SERVICE_CONFLICT, "已经告知过补正：补正应一次性告知（条例第三十条），不能再次要求补正", NULL);
	/* Back-datable like the other steps: a 补正告知书 sent on paper and
	 * recorded later counts from the day it was sent. */
	int32_t d;
	if (!step_date(st, "date", &d))
		return false;
	if (!supplement_request_allowed(st->cal, st->received, d))
		return refusef(st, SERVICE_CONFLICT, NULL,
			       "收到申请之日（%s）起7个工作日的补正告知期限已于%s届满，不能再要求补正（条例第三十条）",
			       date_cn(st, st->received),
			       date_cn(st, window_last_day(st->cal, st->received,
							   OGI_SUPPLEMENT_WINDOW_WORKDAYS)));
	int32_t answer_by;
	if (!applicant_period(st, "补正期限", d, &answer_by))
		return false;
	const char *params[] = { st->id, fmt_date(st->arena, d), what,
				 fmt_date(st->arena, answer_by) };
	if (!exec_ok(st, STMT_WF_SUPPLEMENT_ADD, 4, params))
		return false;
	data_str(st, "what", what);
	data_date(st, "answer_by", answer_by);
	st->effective = d;
	st->status = WF_AWAITING_SUPPLEMENT;
	st->clock_changed = true;
	set_notice(st, "supplement", "notices/supplement", "政府信息公开申请补正告知书");
	notice_str(st, "what", what);
	notice_str(st, "answer_by_text", date_cn(st, answer_by));
	return true;
}

/*
 * Art. 30: a supplement after its answer-by date counts only with a good
 * reason (正当理由), accepted by staff with the reason written down; the
 * applicant is told to contact the office.
 */
static bool late_supplement_accepted(struct step *st, int32_t answer_by)
{
	const char *reason;
	if (st->actor != ACTOR_STAFF)
		return refusef(st, SERVICE_CONFLICT, NULL,
			       "补正期限已于%s届满，不能再提交补正材料；如有正当理由，请与办理机关联系",
			       date_cn(st, answer_by));
	if (!in_text(st, "late_reason", false, "逾期补正的正当理由", &reason))
		return false;
	if (!reason)
		return refusef(st, SERVICE_BAD_INPUT, "late_reason",
			       "补正期限已于%s届满：逾期补正须写明正当理由（条例第三十条）",
			       date_cn(st, answer_by));
	data_str(st, "late_reason", reason);
	data_date(st, "answer_by", answer_by);
	return true;
}

/*
 * A request closed for want of a supplement (other_no_supplement) may be
 * reopened by a late supplement with a good reason within OGI_REOPEN_DAYS
 * of its closing: the closing, a procedural step and not an answer, is
 * annulled with its notice, and the request is worked again, the clock
 * restarting from the supplement's receipt (Art. 30). Table 三 then counts
 * it by its eventual reply; a published report shows the change as a
 * difference (docs/report.md, "Publishing").
 */
static bool reopen_allowed(struct step *st)
{
	if (!st->outcome || strcmp(st->outcome, "other_no_supplement") || st->redo)
		return refuse(st, SERVICE_CONFLICT, "只有因逾期未补正而终止的申请可以因逾期补正重新办理", NULL);
	if (st->actor != ACTOR_STAFF)
		return refuse(st, SERVICE_CONFLICT, "该申请已因逾期未补正终止；如有正当理由，请与办理机关联系", NULL);
	if (st->today > st->concluded_on + OGI_REOPEN_DAYS)
		return refusef(st, SERVICE_CONFLICT, NULL,
			       "该申请已于%s因逾期未补正终止，超过%d日，不能重新办理",
			       date_cn(st, st->concluded_on), OGI_REOPEN_DAYS);
	data_date(st, "annulled_closing_on", st->concluded_on);
	st->outcome = NULL;
	st->concluded = false;
	st->annul_closing = true;
	return true;
}

static bool do_supplement_answered(struct step *st)
{
	const char *text;
	bool applicant = st->actor == ACTOR_APPLICANT;
	if (!in_text(st, "text", applicant, "补正内容", &text))
		return false;
	PGresult *res = exec(st, STMT_WF_SUPPLEMENT_GET, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return refuse(st, SERVICE_CONFLICT, "该申请没有待补正的事项", NULL);
	}
	int32_t asked = value_date(res, 0, COL(WF_SUPPLEMENT_GET, asked_on)), answer_by = value_date(res, 0, COL(WF_SUPPLEMENT_GET, answer_by));
	PQclear(res);
	int32_t d = st->today;
	if (!applicant && !step_date(st, "date", &d))
		return false;
	if (d < asked)
		return refusef(st, SERVICE_BAD_INPUT, "date", "收到补正的日期不能早于告知补正之日（%s）",
			       date_cn(st, asked));
	if (st->status == WF_CLOSED && !reopen_allowed(st))
		return false;
	if (window_over(answer_by, d) && !late_supplement_accepted(st, answer_by))
		return false;
	const char *p1[] = { st->id, fmt_date(st->arena, d), text };
	if (!exec_ok(st, STMT_WF_SUPPLEMENT_ANSWER, 3, p1))
		return false;
	if (text) {
		const char *p2[] = { st->id, text };
		if (!exec_ok(st, STMT_WF_SUPPLEMENT_TEXT_APPEND, 2, p2))
			return false;
	}
	data_str(st, "text", text);
	st->effective = d;
	st->status = WF_IN_PROGRESS;
	st->clock_changed = true;
	return true;
}

/* The day the party received a consultation: not before it was sent, not
 * after today. */
static bool receipt_date_ok(struct step *st, int32_t sent, int32_t received, const char *field)
{
	if (received < sent)
		return refusef(st, SERVICE_BAD_INPUT, field, "对方收到征求意见书之日不能早于发出之日（%s）",
			       date_cn(st, sent));
	if (received > st->today)
		return refuse(st, SERVICE_BAD_INPUT, "对方收到征求意见书之日不能晚于今天", field);
	return true;
}

/*
 * How a consultation (征求意见书) reached the party, and the day it was
 * received: its 15 working days run from that day (Art. 32, 34). Handed
 * over or delivered online, it is the day sent; posted, the day the
 * party signed for it, which the agency may learn only later
 * (consult_received): until then `*known` is false and its window has
 * not started. The request's clock is stopped from the day it is sent
 * either way (Art. 33 ¶3).
 */
static bool consultation_receipt(struct step *st, int32_t sent, const char **delivery,
				 bool *known, int32_t *received)
{
	*delivery = in_str(st, "delivery");
	if (!*delivery)
		*delivery = "in_person";
	if (strcmp(*delivery, "in_person") && strcmp(*delivery, "online") &&
	    strcmp(*delivery, "post"))
		return refuse(st, SERVICE_BAD_INPUT, "送达方式应为当面送达（in_person）、网上或电子方式送达（online）或邮寄（post）", "delivery");
	bool same_day = strcmp(*delivery, "post") != 0;
	*known = in_str(st, "party_received_on") != NULL || same_day;
	if (!in_date(st, "party_received_on", sent, received))
		return false;
	if (same_day && *received != sent)
		return refuse(st, SERVICE_BAD_INPUT, "当面或网上送达的，对方收到征求意见书之日即发出之日", "party_received_on");
	return !*known || receipt_date_ok(st, sent, *received, "party_received_on");
}

static bool do_consult(struct step *st)
{
	const char *party, *kind = in_str(st, "kind"), *delivery;
	if (!in_text(st, "party", true, "征求意见的对象", &party))
		return false;
	if (!kind)
		kind = "third_party";
	if (strcmp(kind, "third_party") && strcmp(kind, "co_author"))
		return refuse(st, SERVICE_BAD_INPUT, "征求意见的对象类型应为第三方（third_party）或共同制作机关（co_author）", "kind");
	int32_t sent, received;
	bool known;
	if (!step_date(st, "date", &sent) ||
	    !consultation_receipt(st, sent, &delivery, &known, &received))
		return false;
	int32_t due = known ? consultation_due(st->cal, received) : 0;
	const char *params[] = { st->id, party, kind, fmt_date(st->arena, sent),
				 opt_date(st->arena, known, due), delivery,
				 opt_date(st->arena, known, received) };
	PGresult *res = exec(st, STMT_WF_CONSULT_ADD, 7, params);
	if (!res)
		return false;
	data_int(st, "consultation_id", atoll(PQgetvalue(res, 0, COL(WF_CONSULT_ADD, id))));
	PQclear(res);
	data_str(st, "party", party);
	data_str(st, "kind", kind);
	data_str(st, "delivery", delivery);
	if (known) {
		data_date(st, "party_received_on", received);
		data_date(st, "due_on", due);
	}
	st->effective = sent;
	st->status = WF_CONSULTING;
	st->clock_changed = true;
	return true;
}

/* An open consultation: the one named by `consultation_id`, else the only
 * one `wanted` accepts, else the only one open. */
struct open_consultation {
	const char *id, *party;
	int32_t sent, due, received;	/* due, received: 0 while not known */
	int open;			/* how many are open */
};

static bool find_open_consultation(struct step *st, bool (*wanted)(const PGresult *, int),
				   struct open_consultation *out)
{
	const char *which = in_str(st, "consultation_id");
	PGresult *res = exec(st, STMT_WF_CONSULT_OPEN, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	int open = PQntuples(res), row = -1, candidates = 0;
	for (int i = 0; i < open; i++) {
		if (which ? !strcmp(which, PQgetvalue(res, i, COL(WF_CONSULT_OPEN, id))) : wanted(res, i)) {
			row = i;
			candidates++;
		}
	}
	/* None is wanted but one is open: the step's own check names why. */
	if (!which && candidates == 0 && open == 1)
		row = 0, candidates = 1;
	if (row < 0 || candidates > 1) {
		PQclear(res);
		return refuse(st, candidates > 1 ? SERVICE_BAD_INPUT : SERVICE_CONFLICT,
			      candidates > 1 ? "有多项正在征求的意见：请指明是哪一项（consultation_id）"
					     : "没有这项正在征求的意见", "consultation_id");
	}
	out->id = copy_value(st, res, row, COL(WF_CONSULT_OPEN, id));
	out->party = copy_value(st, res, row, COL(WF_CONSULT_OPEN, party));
	out->sent = value_date(res, row, COL(WF_CONSULT_OPEN, sent_on));
	out->due = value_date(res, row, COL(WF_CONSULT_OPEN, due_on));
	out->received = value_date(res, row, COL(WF_CONSULT_OPEN, party_received_on));
	out->open = open;
	PQclear(res);
	return true;
}

static bool any_open(const PGresult *res, int row)
{
	(void)res;
	(void)row;
	return true;
}

static bool receipt_unknown(const PGresult *res, int row)
{
	/* res: rows of STMT_WF_CONSULT_OPEN */
	return PQgetisnull(res, row, COL(WF_CONSULT_OPEN, party_received_on));
}

/* A posted consultation: the day the party received it starts its 15
 * working days (Art. 32, 34). */
static bool do_consult_received(struct step *st)
{
	struct open_consultation c;
	int32_t d;
	if (!find_open_consultation(st, receipt_unknown, &c))
		return false;
	if (c.received)
		return refusef(st, SERVICE_CONFLICT, NULL, "已记录对方于%s收到征求意见书",
			       date_cn(st, c.received));
	if (!in_str(st, "date"))
		return refuse(st, SERVICE_BAD_INPUT, "请填写对方收到征求意见书的日期", "date");
	if (!in_date(st, "date", st->today, &d) || !receipt_date_ok(st, c.sent, d, "date"))
		return false;
	int32_t due = consultation_due(st->cal, d);
	const char *params[] = { st->id, c.id, fmt_date(st->arena, d), fmt_date(st->arena, due) };
	if (!exec_ok(st, STMT_WF_CONSULT_RECEIPT, 4, params))
		return false;
	data_int(st, "consultation_id", atoll(c.id));
	data_str(st, "party", c.party);
	data_date(st, "party_received_on", d);
	data_date(st, "due_on", due);
	st->effective = d;
	return true;
}

/*
 * Art. 32, 34: silence is known only once the party's 15 working days
 * from its receipt are over; the clock stood still until then, and
 * resumes on their last day.
 */
static bool silence_known(struct step *st, const struct open_consultation *c)
{
	if (!c->received)
		return refuse(st, SERVICE_CONFLICT, "尚未记录对方收到征求意见书的日期：征求意见的15个工作日自对方收到之日起算（条例第三十二条、第三十四条），期限届满后才能记录逾期未答复", NULL);
	if (!window_over(c->due, st->today))
		return refusef(st, SERVICE_CONFLICT, NULL,
			       "对方于%s收到征求意见书，15个工作日的征求意见期限至%s（条例第三十二条、第三十四条），届满后才能记录逾期未答复",
			       date_cn(st, c->received), date_cn(st, c->due));
	return true;
}

static bool do_consult_answered(struct step *st)
{
	const char *result = in_str(st, "result"), *answer;
	if (!result || (strcmp(result, "consent") && strcmp(result, "objection") &&
			strcmp(result, "silence")))
		return refuse(st, SERVICE_BAD_INPUT, "请选择意见：同意（consent）、不同意（objection）或逾期未答复（silence）", "result");
	if (!in_text(st, "answer", false, "意见内容", &answer))
		return false;
	struct open_consultation c;
	if (!find_open_consultation(st, any_open, &c))
		return false;
	bool silence = !strcmp(result, "silence");
	int32_t d;
	if (silence) {
		if (!silence_known(st, &c))
			return false;
		d = c.due;
	} else {
		if (!step_date(st, "date", &d))
			return false;
		if (d < c.sent)
			return refuse(st, SERVICE_BAD_INPUT, "答复日期不能早于征求意见之日", "date");
		if (c.received && d < c.received)
			return refuse(st, SERVICE_BAD_INPUT, "答复日期不能早于对方收到征求意见书之日", "date");
	}
	const char *params[] = { st->id, c.id, silence ? NULL : fmt_date(st->arena, d),
				 answer, result };
	if (!exec_ok(st, STMT_WF_CONSULT_ANSWER, 5, params))
		return false;
	data_int(st, "consultation_id", atoll(c.id));
	data_str(st, "party", c.party);
	data_str(st, "result", result);
	data_str(st, "answer", answer);
	st->effective = d;
	st->status = c.open > 1 ? WF_CONSULTING : WF_IN_PROGRESS;
	st->clock_changed = true;
	return true;
}

/* The extensions of the request: the open proposal (id, proposer) and the
 * approved total. */
struct extensions {
	const char *open_id;
	long long open_by;
	int open_days;
	int approved_days;
	int approved_count;
};

static bool load_extensions(struct step *st, struct extensions *x)
{
	memset(x, 0, sizeof *x);
	PGresult *res = exec(st, STMT_WF_EXTENSIONS, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *state = PQgetvalue(res, i, COL(WF_EXTENSIONS, state));
		if (!strcmp(state, "proposed")) {
			x->open_id = copy_value(st, res, i, COL(WF_EXTENSIONS, id));
			x->open_by = atoll(PQgetvalue(res, i, COL(WF_EXTENSIONS, proposed_by)));
			x->open_days = atoi(PQgetvalue(res, i, COL(WF_EXTENSIONS, days)));
		} else if (!strcmp(state, "approved")) {
			x->approved_days += atoi(PQgetvalue(res, i, COL(WF_EXTENSIONS, days)));
			x->approved_count++;
		}
	}
	PQclear(res);
	return true;
}

/*
 * Art. 33 ¶2: the extension is consented to and the applicant told within
 * the period it extends; once the request is overdue it cannot cure the
 * delay. (Without a computable deadline there is nothing to judge: the
 * step's own save then reports the problem.)
 */
static bool extension_in_time(struct step *st)
{
	struct deadline dl;
	if (!workflow_deadline(st->db, st->cal, st->id, &dl) ||
	    extension_allowed(st->cal, &dl, st->today))
		return true;
	return refusef(st, SERVICE_CONFLICT, NULL,
		       "答复期限已于%s届满：延期须在答复期限内经负责人同意并告知申请人，期限届满后不能再延期（条例第三十三条）",
		       date_cn(st, dl.due));
}

/*
 * The days an extension asks for: at most 20 (Art. 33 ¶2), or 15 for a
 * request received before 2019-05-15, which the 2008 Regulations govern
 * (their Art. 24 ¶2). Checked before the timing, so that the rule on the
 * length is named whenever it is broken.
 */
static bool extension_days(struct step *st, int *days)
{
	int max = st->has_received ? ogi_extension_max_workdays(st->received)
				   : OGI_EXTENSION_MAX_WORKDAYS;
	if (!in_int(st, "days", 1, OGI_EXTENSION_MAX_WORKDAYS, max, "延长的工作日数", days))
		return false;
	if (*days > max)
		return refusef(st, SERVICE_BAD_INPUT, "days",
			       "该申请于%s收到，适用2008年5月1日起施行的《中华人民共和国政府信息公开条例》第二十四条第二款：延长答复的期限最长不得超过%d个工作日",
			       date_cn(st, st->received), max);
	return true;
}

static bool do_extend(struct step *st)
{
	struct extensions x;
	const char *reason;
	if (!in_text(st, "reason", true, "延期理由", &reason) || !load_extensions(st, &x))
		return false;
	if (x.open_id)
		return refuse(st, SERVICE_CONFLICT, "已有一项延期申请等待负责人审批，不能重复申请", NULL);
	/* Art. 33 ¶2: extended once, by at most 20 working days. */
	if (x.approved_count)
		return refuse(st, SERVICE_CONFLICT, "该申请已经延期，不能再次延期（条例第三十三条）", NULL);
	int days;
	if (!extension_days(st, &days) || !extension_in_time(st))
		return false;
	char d[16];
	snprintf(d, sizeof d, "%d", days);
	const char *params[] = { st->id, st->ctx->staff->staff_id_text, reason, d };
	PGresult *res = exec(st, STMT_WF_EXTENSION_ADD, 4, params);
	if (!res)
		return false;
	data_int(st, "extension_id", atoll(PQgetvalue(res, 0, COL(WF_EXTENSION_ADD, id))));
	PQclear(res);
	data_int(st, "days", days);
	data_str(st, "reason", reason);
	return true;
}

static bool do_decide_extension(struct step *st, bool approve)
{
	struct extensions x;
	const char *reason;
	if (!in_text(st, "reason", false, "审批意见", &reason) || !load_extensions(st, &x))
		return false;
	if (!x.open_id)
		return refuse(st, SERVICE_CONFLICT, "没有等待审批的延期申请", NULL);
	if (x.open_by == st->ctx->staff->staff_id)
		return refuse(st, SERVICE_FORBIDDEN, "不能审批自己提出的延期申请", NULL);
	if (approve && !extension_in_time(st))
		return false;
	const char *params[] = { st->id, x.open_id, approve ? "approved" : "refused",
				 st->ctx->staff->staff_id_text };
	PGresult *res = exec(st, STMT_WF_EXTENSION_DECIDE, 4, params);
	if (!res)
		return false;
	const char *proposal_reason = PQntuples(res) ? copy_value(st, res, 0, COL(WF_EXTENSION_DECIDE, reason)) : "";
	PQclear(res);
	data_int(st, "extension_id", atoll(x.open_id));
	data_int(st, "days", x.open_days);
	data_str(st, "reason", reason);
	if (!approve)
		return true;
	st->clock_changed = true;
	/* The applicant is told (Art. 33 ¶2): the notice names the new date,
	 * filled in by finish_extension_notice() once it is computed. */
	set_notice(st, "extension", "notices/extension", "延期答复告知书");
	char days[16];
	snprintf(days, sizeof days, "%d", x.open_days);
	notice_str(st, "days", days);
	notice_str(st, "reason", proposal_reason);
	/* The period it extends and its article: Art. 33 ¶2, or the 2008
	 * Regulations' Art. 24 ¶2 for a request received before 2019-05-15. */
	char reply[16];
	snprintf(reply, sizeof reply, "%d", ogi_reply_workdays(st->received));
	notice_str(st, "reply_workdays", reply);
	if (ogi_rules_2008(st->received))
		json_object_object_add(st->notice_model, "rules_2008", json_object_new_boolean(1));
	return true;
}

/* How the fee notice reaches the applicant: `delivery` (handed, online,
 * post); by default online for an online request, else handed over. */
static bool fee_delivery(struct step *st, const char **out)
{
	const char *d = in_str(st, "delivery");
	if (!d)
		d = st->channel && !strcmp(st->channel, "online") ? "online" : "handed";
	if (strcmp(d, "handed") && strcmp(d, "online") && strcmp(d, "post"))
		return refuse(st, SERVICE_BAD_INPUT, "请选择送达方式：当面送达（handed）、在线送达（online）或邮寄（post）", "delivery");
	*out = d;
	return true;
}

static bool do_fee_notice(struct step *st)
{
	const char *method = in_str(st, "method");
	if (!method || (strcmp(method, "per_request") && strcmp(method, "per_page")))
		return refuse(st, SERVICE_BAD_INPUT, "请选择计费方式：按件（per_request）或按量（per_page）", "method");
	int units;
	long long amount;
	if (!strcmp(method, "per_page")) {
		if (!in_int(st, "pages", 1, 1000000, 0, "页数", &units))
			return false;
		if (units == 0)
			return refuse(st, SERVICE_BAD_INPUT, "按量计收时请填写页数", "pages");
		amount = fee_per_page(units);
		if (!amount)
			return refusef(st, SERVICE_CONFLICT, NULL, "按量计收：%d页不超过30页，不收费", units);
	} else {
		if (!st->id_number_hash && !st->credit_code)
			return refuse(st, SERVICE_CONFLICT, "无法识别申请人（没有证件号码或统一社会信用代码），不能按件计收", NULL);
		const char *params[] = { st->agency_id, st->id_number_hash, st->credit_code,
					 fmt_date(st->arena, st->received), st->id };
		PGresult *res = exec(st, STMT_WF_FEE_ORDINAL, 5, params);
		if (!res)
			return false;
		units = atoi(PQgetvalue(res, 0, COL(WF_FEE_ORDINAL, ordinal)));
		PQclear(res);
		amount = fee_per_request(units);
		if (!amount)
			return refusef(st, SERVICE_CONFLICT, NULL,
				       "按件计收：这是该申请人本月第%d件申请，每月前10件不收费", units);
	}
	/* The period runs from the applicant's receipt of the notice (2020
	 * measures: 自收到本通知之日起20个工作日内; issue 11, item 9):
	 * handed over or shown online, that is the day issued; posted, the
	 * day of delivery entered later (fee_notice_delivered), and until
	 * then there is no pay_by and nothing closes the request. */
	const char *delivery;
	if (!fee_delivery(st, &delivery))
		return false;
	bool posted = !strcmp(delivery, "post");
	int days = setting_int(st, "fee_pay_workdays", 1, 60, DEFAULT_FEE_PAY_WORKDAYS);
	int32_t pay_by = 0;
	if (posted && in_str(st, "pay_by"))
		return refuse(st, SERVICE_BAD_INPUT, "邮寄送达的收费通知，缴费期限自送达之日起计算：请在送达后录入送达日期", "pay_by");
	if (!posted && !in_date(st, "pay_by", window_last_day(st->cal, st->today, days), &pay_by))
		return false;
	if (!posted && pay_by <= st->today)
		return refuse(st, SERVICE_BAD_INPUT, "缴费期限应晚于今天", "pay_by");
	char u[16], a[32];
	snprintf(u, sizeof u, "%d", units);
	snprintf(a, sizeof a, "%lld.00", amount);
	const char *params[] = { st->id, method, u, a, fmt_date(st->arena, st->today),
				 opt_date(st->arena, !posted, pay_by), delivery,
				 opt_date(st->arena, !posted, st->today) };
	PGresult *res = exec(st, STMT_WF_FEE_ADD, 8, params);
	if (!res)
		return false;
	data_int(st, "fee_id", atoll(PQgetvalue(res, 0, COL(WF_FEE_ADD, id))));
	PQclear(res);
	data_str(st, "method", method);
	data_int(st, "units", units);
	data_str(st, "amount_yuan", a);
	data_str(st, "delivery", delivery);
	if (!posted)
		data_date(st, "pay_by", pay_by);
	st->status = WF_AWAITING_FEE;
	st->clock_changed = true;
	set_notice(st, "fee", "notices/fee", "政府信息公开信息处理费缴费通知书");
	notice_str(st, "method_text", !strcmp(method, "per_page") ? "按量计收" : "按件计收");
	notice_str(st, "units", u);
	notice_str(st, "amount", a);
	/* The measures give the applicant 20 working days from receiving the
	 * notice: the notice states the period, and the day it ends when that
	 * is known (handed over or shown online: received the day issued). */
	char wd[16];
	snprintf(wd, sizeof wd, "%d", posted ? days : workdays_between(st->cal, st->today, pay_by));
	notice_str(st, "pay_workdays", wd);
	if (!posted)
		notice_str(st, "pay_by_text", date_cn(st, pay_by));
	notice_str(st, "remedy_subject", "通知");
	if (!strcmp(method, "per_page"))
		json_object_object_add(st->notice_model, "per_page", json_object_new_boolean(1));
	return true;
}

/* The pending fee: its id and dates; false (409) when there is none. */
static bool pending_fee(struct step *st, const char **id, int32_t *notice_on, int32_t *pay_by,
			int32_t *delivered_on)
{
	PGresult *res = exec(st, STMT_WF_FEE_PENDING, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return refuse(st, SERVICE_CONFLICT, "该申请没有待缴的信息处理费", NULL);
	}
	*id = copy_value(st, res, 0, COL(WF_FEE_PENDING, id));
	*notice_on = value_date(res, 0, COL(WF_FEE_PENDING, notice_on));
	*pay_by = value_date(res, 0, COL(WF_FEE_PENDING, pay_by));		/* 0: posted, not yet delivered */
	*delivered_on = value_date(res, 0, COL(WF_FEE_PENDING, delivered_on));
	PQclear(res);
	return true;
}

/* A posted fee notice was delivered: the applicant's period runs from
 * that day (issue 11, item 9). */
static bool do_fee_delivered(struct step *st)
{
	const char *fee;
	int32_t notice_on, pay_by, delivered, d;
	if (!pending_fee(st, &fee, &notice_on, &pay_by, &delivered))
		return false;
	if (delivered)
		return refusef(st, SERVICE_CONFLICT, NULL, "收费通知已于%s送达", date_cn(st, delivered));
	if (!step_date(st, "date", &d))
		return false;
	if (d < notice_on)
		return refuse(st, SERVICE_BAD_INPUT, "送达日期不能早于收费通知之日", "date");
	int days = setting_int(st, "fee_pay_workdays", 1, 60, DEFAULT_FEE_PAY_WORKDAYS);
	pay_by = window_last_day(st->cal, d, days);
	const char *params[] = { st->id, fee, fmt_date(st->arena, d), fmt_date(st->arena, pay_by) };
	if (!exec_ok(st, STMT_WF_FEE_DELIVER, 4, params))
		return false;
	data_int(st, "fee_id", atoll(fee));
	data_date(st, "delivered_on", d);
	data_date(st, "pay_by", pay_by);
	st->effective = d;
	return true;
}

static bool do_fee_paid(struct step *st)
{
	const char *fee;
	int32_t notice_on, pay_by, delivered, d;
	if (!pending_fee(st, &fee, &notice_on, &pay_by, &delivered) || !step_date(st, "date", &d))
		return false;
	if (d < notice_on)
		return refuse(st, SERVICE_BAD_INPUT, "缴费日期不能早于收费通知之日", "date");
	if (pay_by && window_over(pay_by, d))
		return refusef(st, SERVICE_CONFLICT, NULL, "缴费期限已于%s届满", date_cn(st, pay_by));
	const char *params[] = { st->id, fee, "paid", fmt_date(st->arena, d) };
	if (!exec_ok(st, STMT_WF_FEE_SET, 4, params))
		return false;
	data_int(st, "fee_id", atoll(fee));
	st->effective = d;
	st->status = WF_IN_PROGRESS;
	st->clock_changed = true;
	return true;
}

/* ---- mass requests: asking for reasons (Art. 35) -------------------------- */

enum reasons_state { REASONS_NONE, REASONS_PENDING, REASONS_ANSWERED, REASONS_EXPIRED };

/* The latest request for reasons: its state, day asked and answer-by. */
static bool load_reasons(struct step *st, enum reasons_state *state, int32_t *asked,
			 int32_t *answer_by)
{
	PGresult *res = exec(st, STMT_WF_REASONS_GET, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	*state = REASONS_NONE;
	*asked = *answer_by = 0;
	if (PQntuples(res) == 1) {
		*asked = value_date(res, 0, COL(WF_REASONS_GET, asked_on));
		*answer_by = value_date(res, 0, COL(WF_REASONS_GET, answer_by));
		const char *end = PQgetisnull(res, 0, COL(WF_REASONS_GET, ended_by)) ? "" : PQgetvalue(res, 0, COL(WF_REASONS_GET, ended_by));
		*state = !strcmp(end, "reasons_answered") ? REASONS_ANSWERED
		       : !strcmp(end, "reasons_expired") ? REASONS_EXPIRED : REASONS_PENDING;
	}
	PQclear(res);
	return true;
}

/*
 * Art. 35: when the number or frequency of requests clearly exceeds a
 * reasonable range, the agency may ask the applicant to state reasons.
 * The period runs from today (the agency's supplement_workdays unless
 * given); meanwhile the clock stops (a pause, like a supplement's time it
 * is not counted) and the request stays in progress.
 */
static bool do_ask_reasons(struct step *st)
{
	enum reasons_state state;
	int32_t asked, answer_by;
	const char *text;
	if (!in_text(st, "text", false, "需要说明的事项", &text) ||
	    !load_reasons(st, &state, &asked, &answer_by))
		return false;
	if (state == REASONS_PENDING)
		return refusef(st, SERVICE_CONFLICT, NULL, "已于%s要求申请人说明理由，期限至%s，尚未届满",
			       date_cn(st, asked), date_cn(st, answer_by));
	int32_t d;
	if (!step_date(st, "date", &d) || !applicant_period(st, "说明理由的期限", d, &answer_by))
		return false;
	data_str(st, "text", text);
	data_date(st, "answer_by", answer_by);
	st->effective = d;
	st->clock_changed = true;
	set_notice(st, "reasons", "notices/reasons", "政府信息公开申请说明理由告知书");
	notice_str(st, "text", text);
	notice_str(st, "answer_by_text", date_cn(st, answer_by));
	return true;
}

/* The applicant's reasons arrived (back-datable): the clock resumes. */
static bool do_reasons_answered(struct step *st)
{
	enum reasons_state state;
	int32_t asked, answer_by, d;
	const char *text;
	if (!in_text(st, "text", false, "申请人说明的理由", &text) ||
	    !load_reasons(st, &state, &asked, &answer_by))
		return false;
	if (state != REASONS_PENDING)
		return refuse(st, SERVICE_CONFLICT, "该申请没有等待说明的理由", NULL);
	if (!step_date(st, "date", &d))
		return false;
	if (d < asked)
		return refusef(st, SERVICE_BAD_INPUT, "date", "收到理由的日期不能早于要求说明理由之日（%s）",
			       date_cn(st, asked));
	data_str(st, "text", text);
	data_date(st, "answer_by", answer_by);
	st->effective = d;
	st->clock_changed = true;
	return true;
}

/* System: no reasons by the last day of the period; the clock resumes
 * from the day after it, and the agency decides. */
static bool do_expire_reasons(struct step *st)
{
	enum reasons_state state;
	int32_t asked, answer_by;
	if (!load_reasons(st, &state, &asked, &answer_by))
		return false;
	if (state != REASONS_PENDING)
		return refuse(st, SERVICE_CONFLICT, "该申请没有等待说明的理由", NULL);
	if (!window_over(answer_by, st->today))
		return refusef(st, SERVICE_CONFLICT, NULL, "说明理由的期限至%s，尚未届满", date_cn(st, answer_by));
	data_date(st, "answer_by", answer_by);
	st->effective = answer_by;
	st->clock_changed = true;
	return true;
}

/* ---- mass requests: a longer, stated deadline (Art. 35) ------------------ */

/* The open proposal: *proposer 0 when there is none. */
static bool load_deadline_proposal(struct step *st, long long *proposer, int32_t *due,
				   const char **reason)
{
	PGresult *res = exec(st, STMT_WF_DEADLINE_PENDING, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	*proposer = 0;
	if (PQntuples(res) == 1) {
		*proposer = atoll(PQgetvalue(res, 0, COL(WF_DEADLINE_PENDING, actor_staff_id)));
		*due = value_date(res, 0, COL(WF_DEADLINE_PENDING, due_on));
		*reason = copy_value(st, res, 0, COL(WF_DEADLINE_PENDING, reason));
	}
	PQclear(res);
	return true;
}

/*
 * Like an extension (Art. 33 ¶2), the stated deadline is set and the
 * applicant told within the period it replaces: once the request is
 * overdue it cannot cure the delay.
 */
static bool deadline_in_time(struct step *st, struct deadline *dl)
{
	if (!workflow_deadline(st->db, st->cal, st->id, dl))
		return refuse(st, SERVICE_CONFLICT, "无法计算答复期限，不能确定延迟答复期限", NULL);
	if (extension_allowed(st->cal, dl, st->today))
		return true;
	return refusef(st, SERVICE_CONFLICT, NULL,
		       "答复期限已于%s届满：延迟答复的期限须在答复期限内确定并告知申请人，期限届满后不能再确定（条例第三十三条、第三十五条）",
		       date_cn(st, dl->due));
}

/*
 * Art. 35: the applicant stated reasons the agency finds reasonable, but
 * it cannot answer within Art. 33's limits: it may set a reasonable,
 * stated deadline (not capped at 20 + 20 working days). Proposed by
 * staff, it takes effect with the head's consent (approve_deadline).
 */
static bool do_set_deadline(struct step *st)
{
	enum reasons_state state;
	int32_t asked, answer_by, due, pending_due;
	long long proposer;
	const char *reason, *pending_reason;
	struct deadline dl;
	if (!in_text(st, "reason", true, "延迟答复的理由", &reason) ||
	    !load_reasons(st, &state, &asked, &answer_by) ||
	    !load_deadline_proposal(st, &proposer, &pending_due, &pending_reason))
		return false;
	if (state != REASONS_ANSWERED)
		return refuse(st, SERVICE_CONFLICT, "确定延迟答复的期限前，应当先要求申请人说明理由并收到其理由（条例第三十五条）", NULL);
	if (proposer)
		return refuse(st, SERVICE_CONFLICT, "已有一项延迟答复期限等待负责人审批，不能重复提出", NULL);
	if (!deadline_in_time(st, &dl))
		return false;
	if (!in_date(st, "due_on", 0, &due))
		return false;
	if (!due)
		return refuse(st, SERVICE_BAD_INPUT, "请填写确定的答复期限（YYYY-MM-DD）", "due_on");
	if (due <= dl.due)
		return refusef(st, SERVICE_BAD_INPUT, "due_on", "确定的答复期限应晚于现在的答复期限（%s）",
			       date_cn(st, dl.due));
	data_date(st, "due_on", due);
	data_str(st, "reason", reason);
	return true;
}

static bool do_decide_deadline(struct step *st, bool approve)
{
	long long proposer;
	int32_t due;
	const char *reason, *opinion;
	struct deadline dl;
	if (!in_text(st, "opinion", false, "审批意见", &opinion) ||
	    !load_deadline_proposal(st, &proposer, &due, &reason))
		return false;
	if (!proposer)
		return refuse(st, SERVICE_CONFLICT, "没有等待审批的延迟答复期限", NULL);
	if (proposer == st->ctx->staff->staff_id)
		return refuse(st, SERVICE_FORBIDDEN, "不能审批自己提出的延迟答复期限", NULL);
	if (approve && !deadline_in_time(st, &dl))
		return false;
	if (approve && due <= dl.due)
		return refusef(st, SERVICE_CONFLICT, NULL, "提出的期限（%s）已不晚于现在的答复期限（%s）",
			       date_cn(st, due), date_cn(st, dl.due));
	data_date(st, "due_on", due);
	data_str(st, "reason", reason);
	data_str(st, "opinion", opinion);
	if (!approve)
		return true;
	st->clock_changed = true;
	/* The applicant is told the date (Art. 35). */
	set_notice(st, "deadline", "notices/deadline", "延迟答复告知书");
	notice_str(st, "reason", reason);
	notice_str(st, "due_text", date_cn(st, due));
	return true;
}

/*
 * Outcomes that need a step before them: `unable_unclear` only after a
 * 补正 was asked and given (Art. 30: still unclear after it); `reject_mass`
 * only once the applicant was asked to state reasons and answered, or let
 * the period pass (Art. 35).
 */
static bool outcome_preconditions(struct step *st, const struct wf_outcome *o)
{
	if (!strcmp(o->code, "unable_unclear")) {
		PGresult *res = exec(st, STMT_WF_SUPPLEMENT_GET, 1, (const char *[]){ st->id });
		if (!res)
			return false;
		bool answered = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, COL(WF_SUPPLEMENT_GET, state)), "answered");
		PQclear(res);
		if (!answered)
			return refuse(st, SERVICE_CONFLICT, "申请内容不明确的，应当先告知补正（条例第三十条）；只有申请人补正后仍不明确的，才能答复“补正后申请内容仍不明确”", NULL);
	}
	if (!strcmp(o->code, "reject_mass")) {
		enum reasons_state state;
		int32_t asked, answer_by;
		if (!load_reasons(st, &state, &asked, &answer_by))
			return false;
		if (state == REASONS_NONE)
			return refuse(st, SERVICE_CONFLICT, "以“无正当理由大量反复申请”不予处理前，应当先要求申请人说明理由（条例第三十五条）", NULL);
		if (state == REASONS_PENDING)
			return refusef(st, SERVICE_CONFLICT, NULL,
				       "申请人说明理由的期限至%s：收到理由或期限届满后才能作出不予处理（条例第三十五条）",
				       date_cn(st, answer_by));
	}
	return true;
}

static void conclude(struct step *st, enum wf_status status, const char *outcome, int32_t on)
{
	st->status = status;
	/* Table 三 counts a request by its first conclusion only
	 * (docs/report.md): after a redo the row keeps it; the new one is in
	 * the events and the notice. */
	if (st->redo) {
		data_bool(st, "redo", true);
		return;
	}
	st->outcome = outcome;
	st->concluded = outcome != NULL;
	st->concluded_on = on;
}

static bool do_reply(struct step *st)
{
	const struct wf_outcome *o = wf_outcome_find(in_str(st, "outcome"));
	if (!o || !o->staff_may_choose)
		return refuse(st, SERVICE_BAD_INPUT, "请选择答复结果", "outcome");
	const char *text, *withheld, *other_agency, *channel_info;
	bool must_say_why = o->notice == WF_NOTICE_PARTIAL || o->notice == WF_NOTICE_DENY;
	/* Art. 36(7): the 告知 names the channel the law provides. */
	bool names_channel = o->notice == WF_NOTICE_QUERY;
	if (!in_text(st, "text", true, "答复内容", &text) ||
	    !in_text(st, "withheld", must_say_why, "不予公开的内容及理由", &withheld) ||
	    !in_text(st, "other_agency", false, "负责公开的机关", &other_agency) ||
	    !in_text(st, "channel_info", names_channel,
		     "查询获取的途径（有关法律、行政法规规定的办理渠道）", &channel_info) ||
	    !outcome_preconditions(st, o))
		return false;
	if (!names_channel)
		channel_info = NULL;
	int32_t d;
	if (!step_date(st, "date", &d))
		return false;
	const char *basis = o->basis;
	if (o->basis_alt && ((!strcmp(o->code, "disclosed") && in_bool(st, "already_published")) ||
			     (!strcmp(o->code, "unable_not_held") && other_agency)))
		basis = o->basis_alt;
	st->notice_no = in_str(st, "notice_no");
	st->effective = d;
	data_str(st, "outcome", o->code);
	data_str(st, "basis", basis);
	data_str(st, "withheld", withheld);
	data_str(st, "other_agency", other_agency);
	data_str(st, "channel_info", channel_info);
	data_date(st, "replied_on", d);
	conclude(st, WF_ANSWERED, o->code, d);
	set_notice(st, "reply", wf_notice_template(o->notice), wf_notice_title(o->notice));
	notice_str(st, "outcome_label", o->label);
	notice_str(st, "basis", basis);
	notice_str(st, "reason", o->reason);
	notice_str(st, "text", text);
	notice_str(st, "withheld", withheld);
	notice_str(st, "other_agency", other_agency);
	notice_str(st, "channel_info", channel_info);
	return true;
}

static bool do_withdraw(struct step *st)
{
	const char *reason;
	int32_t d = st->today;
	if (!in_text(st, "reason", false, "撤回理由", &reason))
		return false;
	if (st->actor == ACTOR_STAFF && !step_date(st, "date", &d))
		return false;
	data_str(st, "reason", reason);
	st->effective = d;
	/* Withdrawn before receipt: no request, counted nowhere; after: it
	 * ends as `other` in table 三. */
	if (st->has_received)
		conclude(st, WF_WITHDRAWN, "other", d);
	else
		st->status = WF_WITHDRAWN;
	return true;
}

/*
 * A review decision (行政复议法 Art. 64) or judgment (行政诉讼法 Art. 70)
 * revoked the reply and ordered a new one: the request is worked again
 * from the day the decision was received, within the period it names
 * (default OGI_REDO_WORKDAYS_DEFAULT working days), and replied again.
 */
static bool order_redo(struct step *st, int32_t decided)
{
	if (!st->concluded || st->status == WF_WITHDRAWN || wf_status_open(st->status))
		return refuse(st, SERVICE_CONFLICT, "只有已答复或已终止的申请可以依复议决定或判决重新答复", "redo");
	int days;
	int32_t received;
	if (!in_int(st, "redo_workdays", 1, 60, OGI_REDO_WORKDAYS_DEFAULT,
		    "重新答复期限（工作日）", &days) ||
	    !in_date(st, "decision_received_on", decided, &received))
		return false;
	if (received < decided || received > st->today)
		return refuse(st, SERVICE_BAD_INPUT, "收到决定书的日期应在审结日期与今天之间", "decision_received_on");
	if (!exec_ok(st, STMT_WF_REQUEST_REDO, 2,
		     (const char *[]){ st->id, fmt_date(st->arena, received) }))
		return false;
	data_int(st, "days", days);
	data_date(st, "decision_received_on", received);
	st->event = "redo_ordered";
	st->effective = received;
	st->status = WF_IN_PROGRESS;
	st->redo = true;
	st->clock_changed = true;
	return true;
}

static bool appeal_decided(struct step *st, const char *appeal)
{
	const char *result = in_str(st, "result"), *note;
	int32_t on;
	if (!result || (strcmp(result, "upheld") && strcmp(result, "corrected") &&
			strcmp(result, "other")))
		return refuse(st, SERVICE_BAD_INPUT, "请选择结果：维持（upheld）、纠正（corrected）或其他（other）", "result");
	if (!in_text(st, "note", false, "备注", &note) ||
	    !in_date(st, "decided_on", st->today, &on))
		return false;
	if (on > st->today)
		return refuse(st, SERVICE_BAD_INPUT, "审结日期不能晚于今天", "decided_on");
	const char *params[] = { st->id, appeal, result, fmt_date(st->arena, on), note };
	PGresult *res = exec(st, STMT_WF_APPEAL_DECIDE, 5, params);
	if (!res)
		return false;
	bool found = PQntuples(res) == 1;
	PQclear(res);
	if (!found)
		return refuse(st, SERVICE_CONFLICT, "没有这项尚未审结的复议或诉讼，或审结日期早于立案日期", "appeal_id");
	data_int(st, "appeal_id", atoll(appeal));
	data_str(st, "result", result);
	data_date(st, "decided_on", on);
	st->effective = on;
	st->event = "appeal_decided";
	return !strcmp(result, "corrected") && in_bool(st, "redo") ? order_redo(st, on) : true;
}

static bool do_appeal(struct step *st)
{
	/* Any request may be appealed, an unconfirmed or discarded one too:
	 * not handling it is itself an act that can be challenged
	 * (non-performance, 不履行法定职责; Art. 51). */
	int32_t from = st->has_received ? st->received : st->submitted_on;
	const char *appeal = in_str(st, "appeal_id");
	if (appeal) {
		if (strspn(appeal, "0123456789") != strlen(appeal) || strlen(appeal) > 18)
			return refuse(st, SERVICE_BAD_INPUT, "appeal_id 应为数字", "appeal_id");
		return appeal_decided(st, appeal);
	}
	const char *kind = in_str(st, "kind"), *body, *note, *result = in_str(st, "result");
	if (!kind || (strcmp(kind, "review") && strcmp(kind, "suit_direct") &&
		      strcmp(kind, "suit_after_review")))
		return refuse(st, SERVICE_BAD_INPUT, "请选择类型：行政复议（review）、直接起诉（suit_direct）或复议后起诉（suit_after_review）", "kind");
	if (!in_text(st, "body", false, "复议机关或法院", &body) ||
	    !in_text(st, "note", false, "备注", &note))
		return false;
	int32_t filed, decided = 0;
	if (!in_str(st, "filed_on"))
		return refuse(st, SERVICE_BAD_INPUT, "请填写立案（申请）日期", "filed_on");
	if (!in_date(st, "filed_on", st->today, &filed))
		return false;
	if (filed > st->today || filed < from)
		return refuse(st, SERVICE_BAD_INPUT, "立案日期应在提交（收到）申请之日与今天之间", "filed_on");
	if (!result)
		result = "pending";
	if (strcmp(result, "pending") && strcmp(result, "upheld") &&
	    strcmp(result, "corrected") && strcmp(result, "other"))
		return refuse(st, SERVICE_BAD_INPUT, "结果应为 upheld、corrected、other 或 pending", "result");
	bool pending = !strcmp(result, "pending");
	if (!pending) {
		if (!in_str(st, "decided_on"))
			return refuse(st, SERVICE_BAD_INPUT, "已审结的请填写审结日期", "decided_on");
		if (!in_date(st, "decided_on", st->today, &decided))
			return false;
		if (decided < filed || decided > st->today)
			return refuse(st, SERVICE_BAD_INPUT, "审结日期应在立案日期与今天之间", "decided_on");
	}
	const char *params[] = { st->id, kind, body, fmt_date(st->arena, filed), result,
				 pending ? NULL : fmt_date(st->arena, decided), note };
	PGresult *res = exec(st, STMT_WF_APPEAL_ADD, 7, params);
	if (!res)
		return false;
	data_int(st, "appeal_id", atoll(PQgetvalue(res, 0, COL(WF_APPEAL_ADD, id))));
	PQclear(res);
	data_str(st, "kind", kind);
	data_str(st, "body", body);
	data_date(st, "filed_on", filed);
	data_str(st, "result", result);
	if (!pending)
		data_date(st, "decided_on", decided);
	st->effective = filed;
	if (!strcmp(result, "corrected") && in_bool(st, "redo"))
		return order_redo(st, decided);
	return true;
}

static bool do_note(struct step *st)
{
	const char *text;
	if (!in_text(st, "text", true, "备注内容", &text))
		return false;
	data_str(st, "text", text);
	return true;
}

static bool do_assign(struct step *st)
{
	const char *to = in_str(st, "to"), *staff_id = NULL;
	if (to) {
		char *lower = arena_strdup(st->arena, to);
		for (char *p = lower; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		const char *params[] = { lower, st->agency_id };
		PGresult *res = exec(st, STMT_WF_STAFF_FOR_ASSIGN, 2, params);
		if (!res)
			return false;
		if (PQntuples(res) != 1) {
			PQclear(res);
			return refuse(st, SERVICE_BAD_INPUT, "没有这个经办人：应为本机关启用中的经办人或负责人", "to");
		}
		staff_id = copy_value(st, res, 0, COL(WF_STAFF_FOR_ASSIGN, id));
		data_str(st, "display_name", PQgetvalue(res, 0, COL(WF_STAFF_FOR_ASSIGN, display_name)));
		PQclear(res);
		data_str(st, "to", lower);
		data_int(st, "staff_id", atoll(staff_id));
	}
	const char *params[] = { st->id, staff_id };
	return exec_ok(st, STMT_WF_REQUEST_ASSIGN, 2, params);
}

static bool do_expire_supplement(struct step *st)
{
	PGresult *res = exec(st, STMT_WF_SUPPLEMENT_GET, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	int32_t answer_by = PQntuples(res) == 1 ? value_date(res, 0, COL(WF_SUPPLEMENT_GET, answer_by)) : 0;
	bool asked = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, COL(WF_SUPPLEMENT_GET, state)), "asked");
	PQclear(res);
	if (!asked)
		return refuse(st, SERVICE_CONFLICT, "该申请没有待补正的事项", NULL);
	if (!window_over(answer_by, st->today))
		return refusef(st, SERVICE_CONFLICT, NULL, "补正期限至%s，尚未届满", date_cn(st, answer_by));
	if (!exec_ok(st, STMT_WF_SUPPLEMENT_EXPIRE, 1, (const char *[]){ st->id }))
		return false;
	/* Art. 30: abandoned when the period ends: the first day after it. */
	int32_t on = answer_by + 1 > st->received ? answer_by + 1 : st->received;
	data_date(st, "answer_by", answer_by);
	st->effective = on;
	conclude(st, WF_CLOSED, "other_no_supplement", on);
	set_notice(st, "other", "notices/other", wf_notice_title(WF_NOTICE_OTHER));
	const struct wf_outcome *o = wf_outcome_find("other_no_supplement");
	notice_str(st, "basis", o->basis);
	notice_str(st, "reason", o->reason);
	notice_str(st, "text", "申请人在补正期限内未补正，本机关不再处理该政府信息公开申请。");
	return true;
}

static bool do_expire_fee(struct step *st)
{
	const char *fee;
	int32_t notice_on, pay_by, delivered;
	if (!pending_fee(st, &fee, &notice_on, &pay_by, &delivered))
		return false;
	if (!pay_by)
		return refuse(st, SERVICE_CONFLICT, "收费通知尚未送达，缴费期限尚未开始计算", NULL);
	if (!window_over(pay_by, st->today))
		return refusef(st, SERVICE_CONFLICT, NULL, "缴费期限至%s，尚未届满", date_cn(st, pay_by));
	const char *params[] = { st->id, fee, "expired", NULL };
	if (!exec_ok(st, STMT_WF_FEE_SET, 4, params))
		return false;
	int32_t on = pay_by + 1 > st->received ? pay_by + 1 : st->received;
	data_int(st, "fee_id", atoll(fee));
	data_date(st, "pay_by", pay_by);
	st->effective = on;
	conclude(st, WF_CLOSED, "other_no_fee", on);
	set_notice(st, "other", "notices/other", wf_notice_title(WF_NOTICE_OTHER));
	const struct wf_outcome *o = wf_outcome_find("other_no_fee");
	notice_str(st, "basis", o->basis);
	notice_str(st, "reason", o->reason);
	notice_str(st, "text", "申请人在缴费期限内未缴纳信息处理费，本机关不再处理该政府信息公开申请。");
	return true;
}

static bool run_step(struct step *st)
{
	switch (st->action) {
	case WF_CONFIRM: return do_confirm(st);
	case WF_DISCARD: return do_discard(st);
	case WF_SUPPLEMENT: return do_supplement(st);
	case WF_SUPPLEMENT_ANSWERED: return do_supplement_answered(st);
	case WF_CONSULT: return do_consult(st);
	case WF_CONSULT_ANSWERED: return do_consult_answered(st);
	case WF_CONSULT_RECEIVED: return do_consult_received(st);
	case WF_EXTEND: return do_extend(st);
	case WF_APPROVE_EXTENSION: return do_decide_extension(st, true);
	case WF_REFUSE_EXTENSION: return do_decide_extension(st, false);
	case WF_FEE_NOTICE: return do_fee_notice(st);
	case WF_FEE_DELIVERED: return do_fee_delivered(st);
	case WF_FEE_PAID: return do_fee_paid(st);
	case WF_REPLY: return do_reply(st);
	case WF_WITHDRAW: return do_withdraw(st);
	case WF_APPEAL: return do_appeal(st);
	case WF_NOTE: return do_note(st);
	case WF_ASSIGN: return do_assign(st);
	case WF_EXPIRE_SUPPLEMENT: return do_expire_supplement(st);
	case WF_EXPIRE_FEE: return do_expire_fee(st);
	case WF_ASK_REASONS: return do_ask_reasons(st);
	case WF_REASONS_ANSWERED: return do_reasons_answered(st);
	case WF_EXPIRE_REASONS: return do_expire_reasons(st);
	case WF_SET_DEADLINE: return do_set_deadline(st);
	case WF_APPROVE_DEADLINE: return do_decide_deadline(st, true);
	case WF_REFUSE_DEADLINE: return do_decide_deadline(st, false);
	case WF_ACTION_COUNT: break;
	}
	return refuse(st, SERVICE_NOT_FOUND, "没有这个操作", NULL);
}

/* ---- the transaction ----------------------------------------------------- */

static bool lock_request(struct step *st, const char *request_id)
{
	PGresult *res = exec(st, STMT_WF_REQUEST_LOCK, 1, (const char *[]){ request_id });
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return refuse(st, SERVICE_NOT_FOUND, "没有这件申请", NULL);
	}
	st->id = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, id));
	st->agency_id = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, agency_id));
	if (!wf_status_from_code(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, status)), &st->status)) {
		PQclear(res);
		return refuse(st, SERVICE_FAILED, "申请的状态无法识别", NULL);
	}
	st->has_received = !PQgetisnull(res, 0, COL(WF_REQUEST_LOCK, received_on));
	st->received = value_date(res, 0, COL(WF_REQUEST_LOCK, received_on));
	st->tracking_no = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, tracking_no));
	st->name = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, name));
	st->description = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, description));
	st->applicant_kind = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, applicant_kind));
	st->agency_code = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, agency_code));
	st->agency_name = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, agency_name));
	st->settings = json_tokener_parse(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, settings)));
	st->id_number_hash = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, id_number_hash));
	st->credit_code = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, credit_code));
	st->submitted_on = value_date(res, 0, COL(WF_REQUEST_LOCK, submitted_on));
	st->outcome = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, outcome));
	st->concluded = !PQgetisnull(res, 0, COL(WF_REQUEST_LOCK, concluded_on));
	st->concluded_on = value_date(res, 0, COL(WF_REQUEST_LOCK, concluded_on));
	st->backdated = !strcmp(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, backdated)), "t");
	st->office_address = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, office_address));
	st->office_phone = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, office_phone));
	st->document_ref = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, document_ref));
	st->office_hours = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, office_hours));
	st->agency_is_government = !strcmp(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, agency_kind)), "government");
	st->government_above = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, government_above));
	st->redo = !PQgetisnull(res, 0, COL(WF_REQUEST_LOCK, redo_on));
	st->channel = copy_value(st, res, 0, COL(WF_REQUEST_LOCK, channel));
	st->late_entry = !strcmp(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, late_entry)), "t");
	PQclear(res);
	return true;
}

/* Who may see this request: its agency's staff (an administrator also
 * its descendants'); anyone else gets the same 404 as for no request. */
static bool may_see(struct step *st)
{
	if (st->actor != ACTOR_STAFF)
		return true;
	if (!st->ctx->staff || !session_sees_agency(st->db, st->ctx->staff, atoll(st->agency_id)))
		return refuse(st, SERVICE_NOT_FOUND, "没有这件申请", NULL);
	return true;
}

static const char *actor_kind(enum workflow_actor a)
{
	return a == ACTOR_APPLICANT ? "applicant" : a == ACTOR_STAFF ? "staff" : "system";
}

static bool append_event(struct step *st)
{
	struct event e = {
		.request_id = st->id,
		.actor_kind = actor_kind(st->actor),
		.actor_staff_id = st->actor == ACTOR_STAFF ? st->ctx->staff->staff_id_text : NULL,
		.action = st->event ? st->event : wf_action_event(st->action),
		.effective_on = fmt_date(st->arena, st->effective),
		.data = st->data,
	};
	PGresult *failure;
	st->seq = event_append(st->db, &e, &failure);
	if (!st->seq)
		return db_failed(st, failure);
	return true;
}

/* The closing's notice, annulled by a reopening (Art. 30), stays marked. */
static bool annul_closing_notice(struct step *st)
{
	if (!st->annul_closing)
		return true;
	char seq[16];
	snprintf(seq, sizeof seq, "%d", st->seq);
	const char *params[] = { st->id, seq, fmt_date(st->arena, st->today) };
	return exec_ok(st, STMT_WF_NOTICE_ANNUL, 3, params);
}

/* The extension notice names the new due date, known after save_state. */
static bool finish_extension_notice(struct step *st)
{
	if (st->action != WF_APPROVE_EXTENSION)
		return true;
	struct deadline dl;
	if (workflow_deadline(st->db, st->cal, st->id, &dl))
		notice_str(st, "due_text", date_cn(st, dl.due));
	return true;
}

static bool within_transaction(struct step *st, const char *request_id)
{
	const char *why;
	if (!lock_request(st, request_id) || !may_see(st))
		return false;
	enum wf_actor_kind who = st->actor == ACTOR_APPLICANT ? WF_BY_APPLICANT
			       : st->actor == ACTOR_STAFF ? WF_BY_STAFF : WF_BY_SYSTEM;
	if (!wf_actor_may(st->action, who, st->ctx->staff ? st->ctx->staff->role : NULL, &why))
		return refuse(st, SERVICE_FORBIDDEN, why, NULL);
	if (!wf_action_allowed(st->action, st->status, &why))
		return refuse(st, SERVICE_CONFLICT, why, NULL);
	if (st->has_received && !st->cal)
		return refuse(st, SERVICE_UNAVAILABLE, "工作日历暂时无法读取，请稍后重试", NULL);
	return run_step(st) && append_event(st) && save_state(st) &&
	       annul_closing_notice(st) && finish_extension_notice(st) && issue_notice(st);
}

static bool id_well_formed(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n;
}

struct workflow_result workflow_act(const struct context *ctx, const char *request_id,
				    const char *action, struct json_object *input,
				    bool input_typed, enum workflow_actor actor)
{
	struct step st = {
		.ctx = ctx,
		.input_typed = input_typed,
		.db = ctx->db,
		.arena = ctx->arena,
		.input = input && json_object_is_type(input, json_type_object) ? input : NULL,
		.actor = actor,
		.today = clock_today(),
		.data = json_object_new_object(),
		.result = { .status = SERVICE_DONE, .message = "已办理" },
	};
	st.effective = st.today;
	if (!wf_action_from_code(action, &st.action)) {
		st.result = (struct workflow_result){ SERVICE_NOT_FOUND, "没有这个操作", NULL, 0 };
	} else if (!id_well_formed(request_id)) {
		st.result = (struct workflow_result){ SERVICE_NOT_FOUND, "没有这件申请", NULL, 0 };
	} else if (actor == ACTOR_STAFF && !ctx->staff) {
		st.result = (struct workflow_result){ SERVICE_NOT_SIGNED_IN, "请先登录", NULL, 0 };
	} else if (!input_types_ok(&st)) {
		/* st.result says which field */
	} else {
		st.cal = calendar_current(ctx->db);
		if (!db_command(ctx->db, "BEGIN")) {
			st.result = (struct workflow_result){ SERVICE_UNAVAILABLE, "系统暂时无法办理，请稍后重试", NULL, 0 };
		} else if (within_transaction(&st, request_id) && db_command(ctx->db, "COMMIT")) {
			st.result.seq = st.seq;
		} else {
			db_command(ctx->db, "ROLLBACK");
			if (st.result.status == SERVICE_DONE)
				st.result = (struct workflow_result){ SERVICE_UNAVAILABLE, "系统暂时无法办理，您的操作没有保存，请稍后重试", NULL, 0 };
		}
	}
	json_object_put(st.data);
	json_object_put(st.settings);
	json_object_put(st.notice_model);
	return st.result;
}
