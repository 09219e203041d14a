/* workflow_support: the helpers every step uses (workflow_internal.h). */
#include "service/workflow_internal.h"

/* ---- small helpers ------------------------------------------------------- */

const char *step_fmt_date(struct arena *a, int32_t d)
{
	char buf[DATE_STR_SIZE];
	return arena_strdup(a, date_format(d, buf));
}

const char *workflow_date_cn(struct arena *a, const char *iso)
{
	int32_t d;
	char buf[DATE_CN_SIZE];
	if (!iso || !date_parse(iso, &d))
		return "";
	return arena_strdup(a, date_format_cn(d, buf));
}

const char *step_date_cn(struct step *st, int32_t d)
{
	return workflow_date_cn(st->arena, step_fmt_date(st->arena, d));
}

bool step_refuse(struct step *st, enum service_status status, const char *message,
		const char *field)
{
	st->result.status = status;
	st->result.message = message;
	st->result.field = field;
	return false;
}

bool step_refusef(struct step *st, enum service_status status, const char *field, const char *fmt,
		...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return step_refuse(st, status, arena_strdup(st->arena, buf), field);
}

/* A failed statement: 503 when the database is away, else 500, or the
 * rule a constraint names. */
bool step_db_failed(struct step *st, PGresult *res)
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
			return step_refuse(st, SERVICE_FORBIDDEN,
					"只有本机关政府信息公开工作机构负责人可以审批延期（条例第三十三条）", NULL);
		if (constraint && !strcmp(constraint, "extensions_not_own_decision"))
			return step_refuse(st, SERVICE_FORBIDDEN, "不能审批自己提出的延期申请", NULL);
		if (constraint && !strcmp(constraint, "extensions_total_max_20"))
			return step_refuse(st, SERVICE_CONFLICT, "延期合计不得超过20个工作日（条例第三十三条）", NULL);
		/* A new request's number (a transfer's, issue 18) already taken:
		 * the agency's counter is behind (a restore, an import). */
		if (constraint && !strcmp(constraint, "requests_tracking_no_key"))
			return step_refuse(st, SERVICE_FAILED,
					"接收机关的申请编号计数器与已有编号冲突，请联系系统管理员；没有改动任何申请", NULL);
		if (f == DB_FAIL_UNIQUE)
			return step_refuse(st, SERVICE_CONFLICT, "该事项已经办理，不能重复办理", NULL);
		return step_refuse(st, SERVICE_BAD_INPUT, "填写的内容不符合规则，请检查后重试", NULL);
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
PGresult *step_exec(struct step *st, enum stmt s, int n, const char *const *params)
{
	PGresult *res = db_exec(st->db, s, n, params);
	if (!db_ok(res)) {
		step_db_failed(st, res);
		return NULL;
	}
	return res;
}

bool step_exec_ok(struct step *st, enum stmt s, int n, const char *const *params)
{
	PGresult *res = step_exec(st, s, n, params);
	PQclear(res);
	return res != NULL;
}

const char *step_copy_value(struct step *st, const PGresult *res, int row, int c)
{
	if (PQgetisnull(res, row, c))
		return NULL;
	return arena_strdup(st->arena, PQgetvalue(res, row, c));
}

int32_t step_value_date(const PGresult *res, int row, int c)
{
	int32_t d = 0;
	if (!PQgetisnull(res, row, c))
		date_parse(PQgetvalue(res, row, c), &d);
	return d;
}

void step_data_str(struct step *st, const char *key, const char *value)
{
	if (value)
		json_object_object_add(st->data, key, json_object_new_string(value));
}

void step_data_date(struct step *st, const char *key, int32_t d)
{
	step_data_str(st, key, step_fmt_date(st->arena, d));
}

void step_data_int(struct step *st, const char *key, long long v)
{
	json_object_object_add(st->data, key, json_object_new_int64(v));
}

void step_data_bool(struct step *st, const char *key, bool v)
{
	json_object_object_add(st->data, key, json_object_new_boolean(v));
}

/* ---- input --------------------------------------------------------------- */

/* A trimmed, non-empty string field, or NULL. Numbers are accepted as text. */
const char *step_in_str(struct step *st, const char *key)
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

const char *step_in_lower(struct step *st, const char *key)
{
	const char *s = step_in_str(st, key);
	if (!s)
		return NULL;
	char *lower = arena_strdup(st->arena, s);
	for (char *p = lower; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	return lower;
}

bool step_in_bool(struct step *st, const char *key)
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
bool step_in_text(struct step *st, const char *key, bool required,
		    const char *what, const char **out)
{
	*out = step_in_str(st, key);
	if (!*out && required)
		return step_refusef(st, SERVICE_BAD_INPUT, key, "请填写%s", what);
	if (*out && utf8_length(*out, strlen(*out)) > TEXT_MAX_CHARS)
		return step_refusef(st, SERVICE_BAD_INPUT, key, "%s不能超过20000字", what);
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
bool step_in_int(struct step *st, const char *key, int min, int max, int def,
		   const char *what, int *out)
{
	*out = def;
	struct json_object *v;
	if (!st->input || !json_object_object_get_ex(st->input, key, &v) || !v)
		return true;
	long long n;
	if (input_is_json(st)) {
		if (!json_object_is_type(v, json_type_int))
			return step_refusef(st, SERVICE_BAD_INPUT, key, "%s应为整数（JSON 数字，不加引号、不带小数）",
					what);
		n = json_object_get_int64(v);
	} else {
		const char *s = step_in_str(st, key);
		if (!s)
			return true;
		char *end;
		n = strtoll(s, &end, 10);
		if (*end)
			n = (long long)min - 1;
	}
	if (n < min || n > max)
		return step_refusef(st, SERVICE_BAD_INPUT, key, "%s应为%d到%d之间的整数", what, min, max);
	*out = (int)n;
	return true;
}

/*
 * A JSON body's values are strings, integers, booleans or null: no step
 * takes a fraction, a list or an object, and one sent is refused naming
 * its field rather than ignored as if absent (issue 12, item 9). Two lists
 * are taken: "files", the ids of uploads a step attaches, and
 * "public_files", the released documents a listing makes public
 * (workflow_files.c checks their items).
 */
bool step_input_types_ok(struct step *st)
{
	if (!input_is_json(st))
		return true;
	json_object_object_foreach(st->input, key, v) {
		enum json_type t = json_object_get_type(v);
		if (t == json_type_array && (!strcmp(key, "files") || !strcmp(key, "public_files")))
			continue;
		if (t == json_type_double || t == json_type_array || t == json_type_object)
			return step_refusef(st, SERVICE_BAD_INPUT, arena_strdup(st->arena, key),
				       "“%s”的类型不正确：应为文字或整数", key);
	}
	return true;
}

/* A date field; absent gives `def`. */
bool step_in_date(struct step *st, const char *key, int32_t def, int32_t *out)
{
	const char *s = step_in_str(st, key);
	*out = def;
	if (!s)
		return true;
	if (!date_parse(s, out))
		return step_refuse(st, SERVICE_BAD_INPUT, "日期格式应为 YYYY-MM-DD，且是真实存在的日期", key);
	return true;
}

/* ---- back-dating (issue 11, item 8) -------------------------------------- */

/* The date of the request's latest dated step (STMT_WF_LAST_STEP_ON); 0
 * when there is none. */
static bool last_step_on(struct step *st, int32_t *out)
{
	PGresult *res = step_exec(st, STMT_WF_LAST_STEP_ON, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	*out = step_value_date(res, 0, COL(WF_LAST_STEP_ON, last_on));
	PQclear(res);
	return true;
}

static bool report_published(struct step *st, int year, bool *out)
{
	char y[16];
	snprintf(y, sizeof y, "%d", year);
	PGresult *res = step_exec(st, STMT_WF_REPORT_PUBLISHED, 2, (const char *[]){ st->agency_id,
			y });
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
bool step_backdate_allowed(struct step *st, const char *key, int32_t d)
{
	if (d >= st->today)
		return true;
	if (!st->cal)
		return step_refuse(st, SERVICE_UNAVAILABLE, "工作日历暂时无法读取，请稍后重试", NULL);
	int limit = step_setting_int(st, "backdate_workdays", 0, 60, DEFAULT_BACKDATE_WORKDAYS);
	int back = workdays_between(st->cal, d, st->today);
	if (back > limit) {
		const char *reason;
		if (!step_in_text(st, "backdate_reason", false, "补登理由", &reason))
			return false;
		if (!reason)
			return step_refusef(st, SERVICE_BAD_INPUT, "backdate_reason",
				       "该日期（%s）早于今天%d个工作日，超过本机关的补登期限（%d个工作日）：请写明补登理由",
				       step_date_cn(st, d), back, limit);
		step_data_str(st, "backdate_reason", reason);
		step_data_int(st, "backdated_workdays", back);
		st->late_entry = true;
	}
	int year = date_year(d);
	bool published;
	if (!report_published(st, year, &published))
		return false;
	if (!published)
		return true;
	if (!st->ctx->staff || strcmp(st->ctx->staff->role, "head"))
		return step_refusef(st, SERVICE_FORBIDDEN, key,
			       "%d年的政府信息公开工作年度报告已经公布：日期在该年度的步骤须经负责人同意，由负责人录入，并发布年度报告更正版",
			       year);
	step_data_int(st, "published_report_year", year);
	return true;
}

/* The date a back-datable step counts from: `date`, or today. It lies
 * between the previous step's date (the date of receipt at the earliest)
 * and today, within the bounds of step_backdate_allowed(). */
bool step_date(struct step *st, const char *key, int32_t *out)
{
	if (!step_in_date(st, key, st->today, out))
		return false;
	if (*out > st->today)
		return step_refuse(st, SERVICE_BAD_INPUT, "日期不能晚于今天", key);
	if (st->has_received && *out < st->received)
		return step_refusef(st, SERVICE_BAD_INPUT, key, "日期不能早于收到申请之日（%s）",
			       step_date_cn(st, st->received));
	int32_t last;
	if (!last_step_on(st, &last))
		return false;
	if (last && *out < last)
		return step_refusef(st, SERVICE_BAD_INPUT, key, "日期不能早于上一办理步骤的日期（%s）",
				step_date_cn(st, last));
	if (*out < st->today)
		json_object_object_add(st->data, "backdated", json_object_new_boolean(1));
	return step_backdate_allowed(st, key, *out);
}

const char *step_setting_str(struct step *st, const char *key, const char *def)
{
	struct json_object *v;
	if (st->settings && json_object_object_get_ex(st->settings, key, &v) &&
	    json_object_get_type(v) == json_type_string && *json_object_get_string(v))
		return json_object_get_string(v);
	return def;
}

int step_setting_int(struct step *st, const char *key, int min, int max, int def)
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
	/* The notice's own outcome: after a redo the row keeps its first
	 * one, but a refusal then is still a refusal (复议前置). */
	const char *outcome = st->notice_outcome ? st->notice_outcome
			    : st->concluded ? st->outcome : NULL;
	enum remedy_paragraph p = remedy_paragraph(outcome, st->effective);
	json_object_object_add(m, remedy_paragraph_code(p), json_object_new_boolean(1));
	json_object_object_add(m, "review_body", json_object_new_string(
		review_body_choose(step_setting_str(st, "review_body", NULL), st->government_above,
				   st->agency_is_government, NULL)));
	json_object_object_add(m, "court", json_object_new_string(
		step_setting_str(st, "court", "有管辖权的人民法院")));
}

/* The model every notice template gets: agency, applicant, request. */
static struct json_object *notice_model(struct step *st)
{
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "agency_name", json_object_new_string(st->agency_name));
	/* An empty string is truthy in a section: leave unknown ones out. */
	if (*st->office_address)
		json_object_object_add(m, "office_address",
				json_object_new_string(st->office_address));
	if (*st->office_phone)
		json_object_object_add(m, "office_phone", json_object_new_string(st->office_phone));
	if (*st->office_hours)
		json_object_object_add(m, "office_hours", json_object_new_string(st->office_hours));
	json_object_object_add(m, "applicant_name", json_object_new_string(st->name));
	json_object_object_add(m, "tracking_no", json_object_new_string(st->tracking_no));
	json_object_object_add(m, "description", json_object_new_string(st->description));
	/* A correction (Art. 41): notices/header words the request as one. */
	if (st->correction) {
		json_object_object_add(m, "correction", json_object_new_boolean(true));
		if (st->correction_wrong)
			json_object_object_add(m, "correction_wrong",
					       json_object_new_string(st->correction_wrong));
		if (st->correction_should)
			json_object_object_add(m, "correction_should",
					       json_object_new_string(st->correction_should));
	}
	if (*st->document_ref)
		json_object_object_add(m, "document_ref",
				       json_object_new_string(st->document_ref));
	if (st->has_received)
		json_object_object_add(m, "received_text",
				       json_object_new_string(step_date_cn(st, st->received)));
	json_object_object_add(m, "issued_text", json_object_new_string(step_date_cn(st,
			st->effective)));
	add_remedies(st, m);
	return m;
}

void step_set_notice(struct step *st, const char *kind, const char *template,
		       const char *title)
{
	st->notice_kind = kind;
	st->notice_template = template;
	st->notice_title = title;
	json_object_put(st->notice_model);
	st->notice_model = notice_model(st);
}

void step_notice_str(struct step *st, const char *key, const char *value)
{
	if (value)
		json_object_object_add(st->notice_model, key, json_object_new_string(value));
}

const char *step_clause(struct step *st, const char *s)
{
	static const char *const ends[] = { "。", "．", "；", "，", "！", "：", "、", ".", ";",
					    ",", "!", ":", " ", "\t", "\r", "\n", "　" };
	if (!s)
		return NULL;
	size_t n = strlen(s);
	for (bool cut = true; cut && n > 0;) {
		cut = false;
		for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++) {
			size_t k = strlen(ends[i]);
			if (n >= k && !memcmp(s + n - k, ends[i], k)) {
				n -= k;
				cut = true;
				break;
			}
		}
	}
	return arena_strndup(st->arena, s, n);
}

const char *step_sentence(struct step *st, const char *s)
{
	const char *clause = step_clause(st, s);
	if (!clause || !*clause)
		return clause;
	size_t n = strlen(clause);
	char *out = arena_alloc(st->arena, n + sizeof "。");
	memcpy(out, clause, n);
	memcpy(out + n, "。", sizeof "。");
	return out;
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

/* The clock events of a request from its STMT_WF_CLOCK_EVENTS rows (the
 * caller frees *out); their number. */
static int clock_events_of(const PGresult *res, struct clock_event **out)
{
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
	*out = ev;
	return used;
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
	int n = clock_events_of(res, out);
	PQclear(res);
	*failure = NULL;
	return n;
}

bool workflow_deadline(struct db *db, const struct calendar *cal,
		       const char *request_id, struct deadline *out)
{
	const char *params[] = { request_id };
	PGresult *res = db_exec(db, STMT_WF_CLOCK_EVENTS, 1, params);
	bool ok = db_ok(res) && workflow_deadline_of(cal, res, out);
	PQclear(res);
	return ok;
}

bool workflow_deadline_of(const struct calendar *cal, const PGresult *clock_events,
			  struct deadline *out)
{
	struct clock_event *ev;
	int n = clock_events_of(clock_events, &ev);
	bool ok = n > 0 && deadline_compute(cal, ev, (size_t)n, out) == DEADLINE_OK;
	free(ev);
	return ok;
}

/* The deadline as it will be once the step's own event is in the log:
 * for a notice that names it, written before the event is appended (the
 * event carries the notice's PDF hash). */
bool step_deadline_ahead(struct step *st, struct deadline *out)
{
	struct clock_event *ev;
	PGresult *failure;
	int n = load_clock(st->db, st->id, &ev, &failure);
	PQclear(failure);
	if (n < 0)
		return false;
	enum clock_kind k;
	const char *action = st->event ? st->event : wf_action_event(st->action);
	if (clock_kind_of(action, &k)) {
		struct json_object *v;
		int days = json_object_object_get_ex(st->data, "days", &v) ? json_object_get_int(v) : 0;
		if (k == CLOCK_DUE_SET) {
			int32_t until = 0;
			if (json_object_object_get_ex(st->data, "due_on", &v))
				date_parse(json_object_get_string(v), &until);
			days = until;
		}
		struct clock_event *more = realloc(ev, ((size_t)n + 1) * sizeof *ev);
		if (!more)
			abort();
		ev = more;
		ev[n++] = (struct clock_event){ k, st->effective, days };
	}
	bool ok = n > 0 && deadline_compute(st->cal, ev, (size_t)n, out) == DEADLINE_OK;
	free(ev);
	return ok;
}

const char *step_opt_date(struct arena *a, bool set, int32_t d)
{
	return set ? step_fmt_date(a, d) : NULL;
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
bool step_save_state(struct step *st)
{
	struct deadline dl = { 0 };
	bool have_deadline = false;
	if (st->has_received) {
		struct clock_event *ev;
		PGresult *failure;
		int n = load_clock(st->db, st->id, &ev, &failure);
		if (n < 0)
			return step_db_failed(st, failure);
		enum deadline_error e = n ? deadline_compute(st->cal, ev, (size_t)n, &dl)
					  : DEADLINE_NO_RECEIPT;
		free(ev);
		if (e != DEADLINE_OK && st->clock_changed)
			return step_refuse(st, SERVICE_BAD_INPUT, deadline_error_message(e),
					"date");
		have_deadline = e == DEADLINE_OK;
	}
	bool open = wf_status_open(st->status);
	char ext[16];
	snprintf(ext, sizeof ext, "%d", have_deadline ? dl.extension_days : 0);
	const char *params[] = {
		st->id, wf_status_code(st->status),
		step_opt_date(st->arena, st->has_received, st->received),
		st->backdated ? "true" : "false",
		step_opt_date(st->arena, have_deadline, dl.due), ext,
		step_opt_date(st->arena, have_deadline && open && !dl.running, dl.stopped_since),
		st->outcome,
		step_opt_date(st->arena, st->concluded, st->concluded_on),
		st->late_entry ? "true" : "false",
	};
	return step_exec_ok(st, STMT_WF_REQUEST_SAVE, 10, params);
}
