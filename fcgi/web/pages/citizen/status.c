/*
 * The applicant's side of a request after submission: the status look-up
 * (tracking number + query code, always POSTed so the code stays out of
 * URLs and logs), the answer to a 补正 request (Art. 30) and withdrawal.
 * The steps themselves go through workflow_act() as the staff's do.
 *
 * Guessing: failed look-ups are counted per client address in the
 * database (status_lookup_failures, 15-minute windows), so the count
 * holds across threads and instances. A try is claimed — counted and
 * decided by one statement — before any code is checked, so concurrent
 * tries check no more codes than one at a time would. A wrong code and an
 * unknown number get the same answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/calendar_cache.h"
#include "core/db_read.h"
#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/idcheck.h"
#include "domain/remedies.h"
#include "web/http.h"
#include "web/pages/citizen/citizen.h"
#include "web/pages/pages.h"
#include "core/pii.h"
#include "service/requests.h"
#include "service/workflow.h"
#include "domain/vocab.h"

/* The first failures of a window cost nothing (typing slips)… */
#define LOOKUP_FREE_FAILURES	3
/* …then each try waits LOOKUP_BASE_DELAY seconds, doubling per failure, */
#define LOOKUP_BASE_DELAY	5
#define LOOKUP_MAX_DELAY	300
/* …and after this many the address is refused until the window ends. */
#define LOOKUP_MAX_FAILURES	10

/* An applicant's answer to a 补正 request. */
#define SUPPLEMENT_MAX_CHARS	5000
#define WITHDRAW_REASON_MAX_CHARS 500

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct code_text {
	const char *code;
	const char *text;
};

/* What each status means, in the applicant's words. */
static const struct {
	const char *code;
	const char *label;
	const char *explain;
} statuses[] = {
	{ "submitted", "已提交，等待受理机关确认收到",
	  "受理机关确认收到申请之日为收到申请之日，20个工作日的答复期限从这一天起算（条例第三十一条、第三十三条）。" },
	{ "in_progress", "已受理，正在办理",
	  "受理机关将在答复期限内作出答复。" },
	{ "awaiting_supplement", "需要您补正申请",
	  "受理机关认为申请内容不够明确，请在补正期限内按下方要求补充说明。答复期限自受理机关收到补正之日起重新计算（条例第三十条）。" },
	{ "consulting", "正在征求意见",
	  "受理机关正在征求第三方或其他机关的意见，所需时间不计入答复期限（条例第三十三条第三款）。" },
	{ "awaiting_fee", "等待缴纳信息处理费",
	  "受理机关已发出收费通知，缴费前答复期限暂停计算；逾期未缴纳的，不再处理该申请。" },
	{ "answered", "已答复", "受理机关已作出答复，答复书见下方。" },
	{ "closed", "已终止办理", "该申请已终止办理，原因见下方告知书。" },
	{ "withdrawn", "已撤回", "该申请已由申请人撤回。" },
	{ "discarded", "未予受理",
	  "该提交未被确认为有效申请（例如重复提交或无法识别的内容）。如有疑问，请联系受理机关。" },
};

/* The events an applicant sees; staff notes, assignments and views of
 * personal data stay internal. */
static const struct code_text event_texts[] = {
	{ "submitted", "网上提交申请" },
	{ "confirmed", "受理机关确认收到申请" },
	{ "registered", "受理机关登记收到申请" },
	{ "discarded", "提交未被受理" },
	{ "supplement_asked", "受理机关告知补正" },
	{ "supplement_received", "受理机关收到补正" },
	{ "supplement_expired", "补正期限届满" },
	{ "consulted", "征求第三方或其他机关意见" },
	{ "consult_answered", "收到征求意见的答复" },
	{ "extension_approved", "延长答复期限" },
	{ "fee_notice", "发出收费通知" },
	{ "fee_notice_delivered", "收费通知已送达" },
	{ "fee_paid", "已缴纳信息处理费" },
	{ "fee_expired", "缴费期限届满" },
	{ "reasons_asked", "受理机关要求说明理由" },
	{ "reasons_answered", "受理机关收到说明的理由" },
	{ "reasons_expired", "说明理由的期限届满" },
	{ "deadline_set", "确定延迟答复的期限" },
	{ "replied", "作出答复" },
	{ "withdrawn", "申请已撤回" },
};

static const struct code_text notice_kinds[] = {
	{ "acknowledgement", "受理回执" },
	{ "supplement", "补正告知书" },
	{ "extension", "延期答复告知书" },
	{ "reasons", "说明理由告知书" },
	{ "deadline", "延迟答复告知书" },
	{ "fee", "收费通知书" },
	{ "reply", "答复书" },
	{ "other", "告知书" },
};

/* The rows of table 三 (report-format.md) as the applicant reads them. */
static const struct code_text outcomes[] = {
	{ "disclosed", "予以公开" },
	{ "partial", "部分公开" },
	{ "deny_secret", "不予公开（属于国家秘密）" },
	{ "deny_law", "不予公开（法律、行政法规禁止公开）" },
	{ "deny_security", "不予公开（危及国家安全、公共安全、经济安全、社会稳定）" },
	{ "deny_third_party", "不予公开（保护第三方合法权益）" },
	{ "deny_internal", "不予公开（属于内部事务信息）" },
	{ "deny_process", "不予公开（属于过程性信息）" },
	{ "deny_enforcement", "不予公开（属于行政执法案卷）" },
	{ "deny_query", "不予公开（属于行政查询事项）" },
	{ "unable_not_held", "无法提供（本机关不掌握相关政府信息）" },
	{ "unable_create", "无法提供（没有现成信息，需要另行制作）" },
	{ "unable_unclear", "无法提供（补正后申请内容仍不明确）" },
	{ "reject_petition", "不予处理（属于信访、举报、投诉类申请）" },
	{ "reject_repeat", "不予处理（重复申请）" },
	{ "reject_publication", "不予处理（要求提供公开出版物）" },
	{ "reject_mass", "不予处理（无正当理由大量、反复申请）" },
	{ "reject_confirm", "不予处理（要求确认或重新出具已获取的信息）" },
	{ "other_no_supplement", "终止办理（逾期未补正）" },
	{ "other_no_fee", "终止办理（逾期未缴纳信息处理费）" },
	{ "other", "其他处理" },
};

static const char *text_of(const struct code_text *t, size_t n, const char *code)
{
	for (size_t i = 0; code && i < n; i++)
		if (!strcmp(t[i].code, code))
			return t[i].text;
	return NULL;
}

static bool status_open(const char *s)
{
	return !strcmp(s, "submitted") || !strcmp(s, "in_progress") ||
	       !strcmp(s, "awaiting_supplement") || !strcmp(s, "consulting") ||
	       !strcmp(s, "awaiting_fee");
}

static void add_str(struct json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

static void add_true(struct json_object *o, const char *key)
{
	json_object_object_add(o, key, json_object_new_boolean(true));
}

/* "2026年3月5日" for "2026-03-05"; NULL for NULL. */
static const char *date_cn(struct arena *a, const char *iso)
{
	int32_t d;
	if (!iso || !date_parse(iso, &d))
		return NULL;
	int y, m, day;
	date_to_ymd(d, &y, &m, &day);
	char buf[48];
	snprintf(buf, sizeof buf, "%d年%d月%d日", y, m, day);
	return arena_strdup(a, buf);
}

static void add_date(struct arena *a, struct json_object *o, const char *key, const char *iso)
{
	if (!iso) {	/* null in JSON: the field is there, the date is not yet */
		json_object_object_add(o, key, NULL);
		return;
	}
	add_str(o, key, iso);
	char k[64];
	snprintf(k, sizeof k, "%s_text", key);
	add_str(o, k, date_cn(a, iso));
}

/* ---- input --------------------------------------------------------------------- */

/* The applicant's fields, from a form or a JSON body. */
static const char *input(struct request *req, const char *name)
{
	if (req->json_body) {
		struct json_object *o;
		return json_object_is_type(req->json_body, json_type_object) &&
		       json_object_object_get_ex(req->json_body, name, &o) &&
		       json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
	}
	return fields_get(&req->form, name);
}

/* The tracking number as typed: trimmed, lower-cased, full-width folded. */
static char *tracking_normalise(struct arena *a, const char *typed)
{
	size_t len = typed ? strlen(typed) : 0;
	char *out = arena_alloc(a, len + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)typed; p && *p; p++) {
		if (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2] >= 0x80) {
			unsigned cp = 0xF000u | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				*o++ = (char)(cp - 0xFF01 + 0x21);
				p += 2;
				continue;
			}
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		*o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	}
	*o = '\0';
	return out;
}

/* ---- the look-up and its limiter ------------------------------------------------- */

enum lookup {
	LOOKUP_FOUND,
	LOOKUP_INCOMPLETE,	/* a field left empty: 422 */
	LOOKUP_WRONG,		/* unknown number or wrong code: 404 */
	LOOKUP_LIMITED,		/* too many failures: 429 */
	LOOKUP_FAILED,		/* the database: already answered */
};

struct lookup_result {
	enum lookup result;
	const char *id;
	struct db *db;			/* where it was found (maybe the standby) */
	const char *tracking_no;	/* normalised */
	const char *query_code;		/* as typed */
	int retry_after;		/* seconds, for LOOKUP_LIMITED */
	struct json_object *errors;	/* LOOKUP_INCOMPLETE */
};

/* 0 when this address may try now, else the seconds to wait (-1: failed). */
static int lookup_wait(struct request *req)
{
	const char *params[] = { http_client_bucket(req) };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_CITIZEN_LOOKUP_STATE, 1, params);
	if (!res)
		return -1;
	int wait = 0;
	if (PQntuples(res) == 1) {
		int failures = atoi(PQgetvalue(res, 0, COL(CITIZEN_LOOKUP_STATE, failures)));
		int since = atoi(PQgetvalue(res, 0, COL(CITIZEN_LOOKUP_STATE, since_failed)));
		int window_left = atoi(PQgetvalue(res, 0, COL(CITIZEN_LOOKUP_STATE, window_left)));
		if (failures >= LOOKUP_MAX_FAILURES) {
			wait = window_left > 0 ? window_left : 1;
		} else if (failures >= LOOKUP_FREE_FAILURES) {
			int shift = failures - LOOKUP_FREE_FAILURES;
			int delay = shift >= 6 ? LOOKUP_MAX_DELAY : LOOKUP_BASE_DELAY << shift;
			if (delay > LOOKUP_MAX_DELAY)
				delay = LOOKUP_MAX_DELAY;
			wait = since < delay ? delay - since : 0;
		}
	}
	PQclear(res);
	return wait;
}

/* Runs a limiter statement for the client's address; false (answered)
 * when the database failed. `claimed` (optional) is whether a row came
 * back, i.e. whether the try may go ahead. */
static bool limiter_exec(struct request *req, enum stmt s, bool *claimed)
{
	char free_failures[8], max_failures[8], base[8], max_delay[8];
	snprintf(free_failures, sizeof free_failures, "%d", LOOKUP_FREE_FAILURES);
	snprintf(max_failures, sizeof max_failures, "%d", LOOKUP_MAX_FAILURES);
	snprintf(base, sizeof base, "%d", LOOKUP_BASE_DELAY);
	snprintf(max_delay, sizeof max_delay, "%d", LOOKUP_MAX_DELAY);
	const char *params[] = { http_client_bucket(req), free_failures, max_failures, base, max_delay };
	PGresult *res = db_exec(req->db, s, s == STMT_CITIZEN_LOOKUP_CLAIM ? 5 : 1, params);
	bool ok = db_ok(res);
	if (!ok)
		respond_db_failure(req, res);
	else if (claimed)
		*claimed = PQntuples(res) == 1;
	PQclear(res);
	return ok;
}

static enum lookup find_in(struct request *req, struct db *db, const char *hash,
			   struct lookup_result *r)
{
	const char *params[] = { r->tracking_no, hash };
	PGresult *res = db_exec_or_respond(req, db, STMT_CITIZEN_STATUS_FIND, 2, params);
	if (!res)
		return LOOKUP_FAILED;
	enum lookup found = LOOKUP_WRONG;
	if (PQntuples(res) == 1) {
		r->id = arena_strdup(req->arena, PQgetvalue(res, 0, COL(CITIZEN_STATUS_FIND, id)));
		r->db = db;
		found = LOOKUP_FOUND;
	}
	PQclear(res);
	return found;
}

/*
 * Finds the request of the POSTed tracking_no and query_code. Reads from
 * the standby when there is one, but asks the primary before counting a
 * failure (a request submitted a moment ago may not have reached it).
 */
static void lookup(struct request *req, struct lookup_result *r)
{
	memset(r, 0, sizeof *r);
	const char *no = input(req, "tracking_no");
	const char *code = input(req, "query_code");
	r->tracking_no = tracking_normalise(req->arena, no);
	r->query_code = code ? code : "";
	if (!*r->tracking_no || !*r->query_code) {
		r->errors = json_object_new_object();
		if (!*r->tracking_no)
			add_str(r->errors, "tracking_no", "请填写申请编号（如 demo-2026-000001）");
		if (!*r->query_code)
			add_str(r->errors, "query_code", "请填写查询码（提交申请时显示的10位字母和数字）");
		r->result = LOOKUP_INCOMPLETE;
		return;
	}
	bool claimed;
	if (!limiter_exec(req, STMT_CITIZEN_LOOKUP_CLAIM, &claimed)) {
		r->result = LOOKUP_FAILED;
		return;
	}
	if (!claimed) {
		int wait = lookup_wait(req);
		if (wait < 0) {
			r->result = LOOKUP_FAILED;
			return;
		}
		req->log_why = "status look-up limited";
		/* A try refused a moment before the wait ended: try again in 1 s. */
		r->retry_after = wait > 0 ? wait : 1;
		r->result = LOOKUP_LIMITED;
		return;
	}
	const char *hash = query_code_hash(req->app, req->arena, r->query_code);
	if (hash && strlen(r->tracking_no) <= 64) {
		struct db *db = db_for_reading(req->worker);
		r->result = find_in(req, db, hash, r);
		if (r->result == LOOKUP_WRONG && db != req->db)
			r->result = find_in(req, req->db, hash, r);
		if (r->result == LOOKUP_FOUND &&
		    !limiter_exec(req, STMT_CITIZEN_LOOKUP_REFUND, NULL))
			r->result = LOOKUP_FAILED;
		if (r->result != LOOKUP_WRONG)
			return;
	}
	/* Already counted by the claim. */
	req->log_why = "status look-up failed";
	r->result = LOOKUP_WRONG;
}

static void set_retry_after(struct request *req, int seconds)
{
	char v[16];
	snprintf(v, sizeof v, "%d", seconds);
	http_header(req, "Retry-After", v);
}

static const char *limited_message(struct request *req, int seconds)
{
	char buf[256];
	if (seconds >= 90)
		snprintf(buf, sizeof buf, "查询失败次数过多，为保护申请人的信息，请%d分钟后再试。", (seconds + 59) / 60);
	else
		snprintf(buf, sizeof buf, "查询失败次数较多，请%d秒后再试，并仔细核对申请编号和查询码。", seconds);
	return arena_strdup(req->arena, buf);
}

#define WRONG_MESSAGE "申请编号或查询码不正确，请核对后重试。查询码在提交申请时显示，区分不出0和O、1和I时均可按数字输入。"

/* ---- the status model ------------------------------------------------------------------ */

static const char *value(struct request *req, PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : arena_strdup(req->arena, PQgetvalue(res, row, col));
}

static struct json_object *applicant_model(struct request *req, PGresult *res)
{
	/* res: the row of STMT_CITIZEN_STATUS_REQUEST */
	struct json_object *a = json_object_new_object();
	const char *kind = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, applicant_kind));
	add_str(a, "kind", kind);
	add_str(a, "kind_text", vocab_label(&vocab_applicant_kind, kind));
	add_str(a, "name", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, name)));
	const char *id_type = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, id_type));
	if (id_type) {
		add_str(a, "id_type", id_type);
		add_str(a, "id_type_text", vocab_label(&vocab_id_type, id_type));
	}
	/* Shown masked only: the page proves knowledge of the query code,
	 * not identity. */
	const char *enc[] = { value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, id_number_enc)),
			      value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, phone_enc)) };
	const char *keys[] = { "id_number_masked", "phone_masked" };
	for (int i = 0; i < 2; i++) {
		if (!enc[i])
			continue;
		char *plain = pii_decrypt(req->app, req->arena, enc[i]);
		if (!plain)
			continue;
		char *masked = arena_alloc(req->arena, strlen(plain) + 1);
		bool ok = i == 0 ? mask_id_number(plain, masked, strlen(plain) + 1)
				 : mask_phone(plain, masked, strlen(plain) + 1);
		sodium_memzero(plain, strlen(plain));
		if (ok)
			add_str(a, keys[i], masked);
	}
	add_str(a, "credit_code", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, credit_code)));
	return a;
}

static bool add_events(struct request *req, struct db *db, const char *id,
		       struct json_object *m)
{
	const char *params[] = { id };
	PGresult *res = db_exec_or_respond(req, db, STMT_CITIZEN_STATUS_EVENTS, 1, params);
	if (!res)
		return false;
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		const char *action = PQgetvalue(res, i, COL(CITIZEN_STATUS_EVENTS, action));
		const char *text = text_of(event_texts, COUNT(event_texts), action);
		if (!text)
			continue;
		struct json_object *e = json_object_new_object();
		int seq = atoi(PQgetvalue(res, i, COL(CITIZEN_STATUS_EVENTS, seq)));
		json_object_object_add(e, "seq", json_object_new_int(seq));
		add_str(e, "action", action);
		add_str(e, "text", text);
		add_str(e, "at", PQgetvalue(res, i, COL(CITIZEN_STATUS_EVENTS, at)));
		add_str(e, "at_text", value(req, res, i, COL(CITIZEN_STATUS_EVENTS, at_text)));
		add_date(req->arena, e, "effective_on",
			 value(req, res, i, COL(CITIZEN_STATUS_EVENTS, effective_on)));
		json_object_array_add(list, e);
	}
	PQclear(res);
	json_object_object_add(m, "events", list);
	return true;
}

static bool add_notices(struct request *req, struct db *db, const char *id,
			struct json_object *m)
{
	const char *params[] = { id };
	PGresult *res = db_exec_or_respond(req, db, STMT_CITIZEN_STATUS_NOTICES, 1, params);
	if (!res)
		return false;
	struct json_object *list = json_object_new_array();
	if (PQntuples(res) > 0)
		add_true(m, "has_notices");
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *n = json_object_new_object();
		const char *kind = PQgetvalue(res, i, COL(CITIZEN_STATUS_NOTICES, kind));
		add_str(n, "kind", kind);
		add_str(n, "kind_text", text_of(notice_kinds, COUNT(notice_kinds), kind));
		add_str(n, "notice_no", value(req, res, i, COL(CITIZEN_STATUS_NOTICES, notice_no)));
		add_str(n, "title", value(req, res, i, COL(CITIZEN_STATUS_NOTICES, title)));
		add_str(n, "body", value(req, res, i, COL(CITIZEN_STATUS_NOTICES, body)));
		add_date(req->arena, n, "issued_on",
			 value(req, res, i, COL(CITIZEN_STATUS_NOTICES, issued_on)));
		add_date(req->arena, n, "delivered_on",
			 value(req, res, i, COL(CITIZEN_STATUS_NOTICES, delivered_on)));
		json_object_array_add(list, n);
	}
	PQclear(res);
	json_object_object_add(m, "notices", list);
	return true;
}

/* The 补正 request, if any; sets *open when the applicant can answer now. */
static bool add_supplement(struct request *req, struct db *db, const char *id,
			   const char *status, struct json_object *m, bool *open)
{
	*open = false;
	const char *params[] = { id };
	PGresult *res = db_exec_or_respond(req, db, STMT_CITIZEN_STATUS_SUPPLEMENT, 1, params);
	if (!res)
		return false;
	if (PQntuples(res) == 1) {
		struct json_object *s = json_object_new_object();
		struct arena *a = req->arena;
		add_date(a, s, "asked_on",
			 value(req, res, 0, COL(CITIZEN_STATUS_SUPPLEMENT, asked_on)));
		add_str(s, "what", value(req, res, 0, COL(CITIZEN_STATUS_SUPPLEMENT, what)));
		add_date(a, s, "answer_by",
			 value(req, res, 0, COL(CITIZEN_STATUS_SUPPLEMENT, answer_by)));
		add_date(a, s, "answered_on",
			 value(req, res, 0, COL(CITIZEN_STATUS_SUPPLEMENT, answered_on)));
		add_str(s, "answer", value(req, res, 0, COL(CITIZEN_STATUS_SUPPLEMENT, answer)));
		const char *state = PQgetvalue(res, 0, COL(CITIZEN_STATUS_SUPPLEMENT, state));
		add_str(s, "state", state);
		bool in_time =
			!strcmp(PQgetvalue(res, 0, COL(CITIZEN_STATUS_SUPPLEMENT, in_time)), "t");
		*open = !strcmp(status, "awaiting_supplement") && !strcmp(state, "asked") && in_time;
		if (*open)
			add_true(s, "open");
		else if (!strcmp(state, "asked") || !strcmp(state, "expired"))
			add_true(s, "expired");
		else
			add_true(s, "answered");
		json_object_object_add(m, "supplement", s);
	}
	PQclear(res);
	return true;
}

/*
 * The working days left of a running clock, counted as the staff pages
 * count them (deadline_remaining, domain/deadline.h): 0 is "due today",
 * negative overdue from the day after the due day. Left out when the
 * calendar cannot be read: the page still shows the due date.
 */
static void add_remaining(struct db *db, PGresult *res, struct json_object *m)
{
	/* res: the row of STMT_CITIZEN_STATUS_REQUEST */
	const struct calendar *cal = calendar_current(db);
	struct deadline dl = { .running = true };
	int32_t today;
	const char *due_on = PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, due_on));
	if (!cal || !date_parse(due_on, &dl.due) ||
	    !date_parse(PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, today)), &today))
		return;
	int left = deadline_remaining(cal, &dl, today);
	json_object_object_add(m, "workdays_remaining", json_object_new_int(left));
	if (deadline_provisional(cal, dl.due))
		add_true(m, "due_provisional");
	if (left > 0)
		json_object_object_add(m, "workdays_left", json_object_new_int(left));
	else if (left == 0)
		add_true(m, "due_today");
	else
		json_object_object_add(m, "workdays_overdue", json_object_new_int(-left));
}

/* The status of request `id` (query code already checked), or NULL after
 * answering a database failure. */
static struct json_object *status_model(struct request *req, struct db *db, const char *id)
{
	const char *params[] = { id };
	PGresult *res = db_exec(db, STMT_CITIZEN_STATUS_REQUEST, 1, params);
	if (!db_ok(res) || PQntuples(res) != 1) {
		respond_db_failure(req, res);
		PQclear(res);
		return NULL;
	}
	struct arena *a = req->arena;
	struct json_object *m = json_object_new_object();
	const char *status = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, status));
	add_str(m, "tracking_no", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, tracking_no)));
	add_str(m, "status", status);
	for (size_t i = 0; i < COUNT(statuses); i++) {
		if (!strcmp(statuses[i].code, status)) {
			add_str(m, "status_text", statuses[i].label);
			add_str(m, "status_explain", statuses[i].explain);
		}
	}
	char key[48];
	snprintf(key, sizeof key, "status_is_%s", status);
	add_true(m, key);
	add_str(m, "submitted_at", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, submitted_at)));
	add_str(m, "submitted_text",
		value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, submitted_text)));
	add_date(a, m, "received_on", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, received_on)));
	add_date(a, m, "due_on", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, due_on)));
	add_date(a, m, "concluded_on",
		 value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, concluded_on)));
	const char *outcome = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, outcome));
	json_object_object_add(m, "outcome", outcome ? json_object_new_string(outcome) : NULL);
	add_str(m, "outcome_text", text_of(outcomes, COUNT(outcomes), outcome));
	int ext = atoi(PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, extension_days)));
	json_object_object_add(m, "extension_days", json_object_new_int(ext));
	json_object_object_add(m, "applicant", applicant_model(req, res));
	add_str(m, "description", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, description)));
	add_str(m, "document_ref", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, document_ref)));
	add_str(m, "supplement_text",
		value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_text)));
	add_date(a, m, "clock_stopped_since",
		 value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, clock_stopped_since)));
	struct json_object *ag = json_object_new_object();
	add_str(ag, "code", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, agency_code)));
	add_str(ag, "name", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, agency_name)));
	const char *office_address =
		value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, office_address));
	const char *office_phone = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, office_phone));
	const char *office_hours = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, office_hours));
	add_str(ag, "office_address", office_address);
	add_str(ag, "office_phone", office_phone);
	add_str(ag, "office_hours", office_hours);
	/* Named in full wherever remedies are offered (行政复议法 Art. 24). */
	const char *kind = PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, agency_kind));
	const char *above = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, government_above));
	add_str(ag, "review_body",
		review_body_choose(value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, review_body)),
				   above, !strcmp(kind, "government"), NULL));
	if (office_address || office_phone || office_hours)
		add_true(ag, "has_office");
	json_object_object_add(m, "agency", ag);
	bool open = status_open(status);
	bool stopped = !PQgetisnull(res, 0, COL(CITIZEN_STATUS_REQUEST, clock_stopped_since)) ||
		       !strcmp(status, "awaiting_supplement") ||
		       !strcmp(status, "consulting") || !strcmp(status, "awaiting_fee");
	if (open && !PQgetisnull(res, 0, COL(CITIZEN_STATUS_REQUEST, due_on))) {
		if (stopped)
			add_true(m, "clock_stopped");
		else
			add_remaining(db, res, m);
	}
	if (ext > 0)
		add_true(m, "extended");
	if (open)
		add_true(m, "can_withdraw");
	const char *received = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, received_on));
	PQclear(res);

	bool can_answer;
	if (!add_supplement(req, db, id, status, m, &can_answer) ||
	    !add_events(req, db, id, m) || !add_notices(req, db, id, m)) {
		json_object_put(m);
		return NULL;
	}
	if (can_answer)
		add_true(m, "can_supplement");
	if (!received)
		add_true(m, "not_received");
	return m;
}

/* ---- pages --------------------------------------------------------------------------- */

static void respond_status_form(struct request *req, int status, const char *tracking_no,
				const char *message, struct json_object *errors)
{
	struct json_object *m = json_object_new_object();
	add_str(m, "tracking_no", tracking_no);
	/* What was typed comes back, to correct a slip. */
	add_str(m, "query_code", input(req, "query_code"));
	add_str(m, "message", message);
	if (errors) {
		struct json_object *e;
		if (json_object_object_get_ex(errors, "tracking_no", &e))
			add_str(m, "tracking_no_error", json_object_get_string(e));
		if (json_object_object_get_ex(errors, "query_code", &e))
			add_str(m, "query_code_error", json_object_get_string(e));
	}
	if (req->wants_json) {
		struct json_object *j = json_object_new_object();
		if (errors)
			json_object_object_add(j, "errors", json_object_get(errors));
		else
			add_str(j, "error", message);
		json_object_put(m);
		m = j;
	}
	respond(req, status, "status_form", m);
}

void page_status_form(struct request *req)
{
	const char *no = fields_get(&req->query, "no");
	struct json_object *m = json_object_new_object();
	if (no)
		add_str(m, "tracking_no", tracking_normalise(req->arena, no));
	respond(req, 200, "status_form", m);
}

/* True when the look-up found the request; else answers why not. */
static bool lookup_found_or_respond(struct request *req, struct lookup_result *r)
{
	switch (r->result) {
	case LOOKUP_FOUND:
		return true;
	case LOOKUP_INCOMPLETE:
		respond_status_form(req, 422, r->tracking_no, NULL, r->errors);
		json_object_put(r->errors);
		break;
	case LOOKUP_WRONG:
		respond_status_form(req, 404, r->tracking_no, WRONG_MESSAGE, NULL);
		break;
	case LOOKUP_LIMITED:
		set_retry_after(req, r->retry_after);
		respond_status_form(req, 429, r->tracking_no,
				    limited_message(req, r->retry_after), NULL);
		break;
	case LOOKUP_FAILED:
		break;
	}
	return false;
}

/*
 * The status page. The code travels on as hidden fields of its forms
 * (supplement, withdrawal), so nothing is kept between requests.
 */
static void respond_status(struct request *req, struct db *db, int http_status,
			   const char *id, const char *query_code, const char *flash,
			   struct json_object *errors, struct json_object *typed)
{
	struct json_object *m = status_model(req, db, id);
	if (!m)
		return;
	if (!req->wants_json)
		add_str(m, "query_code", query_code);
	add_str(m, "flash", flash);
	if (errors)
		json_object_object_add(m, "errors", json_object_get(errors));
	if (typed)
		json_object_object_add(m, "typed", json_object_get(typed));
	respond(req, http_status, "status", m);
}

void page_status_lookup(struct request *req)
{
	struct lookup_result r;
	lookup(req, &r);
	if (lookup_found_or_respond(req, &r))
		respond_status(req, r.db, 200, r.id, r.query_code, NULL, NULL, NULL);
}

void page_api_status(struct request *req)
{
	page_status_lookup(req);
}

/* The applicant's text for a step, checked; NULL with errors[field] set. */
static const char *applicant_text(struct request *req, const char *field, size_t max,
				  bool required, struct json_object *errors)
{
	const char *t = input(req, field);
	if (!t)
		t = "";
	size_t n = utf8_length(t, strlen(t));
	const char *blank = t + strspn(t, " \t\r\n");
	if (required && !*blank) {
		add_str(errors, field, "请填写补正内容");
		return NULL;
	}
	if (n > max) {
		char msg[128];
		snprintf(msg, sizeof msg, "不能超过%zu个字（现在是%zu个字）", max, n);
		add_str(errors, field, msg);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f) {
			add_str(errors, field, "含有不可见的控制字符，请删除");
			return NULL;
		}
	}
	return t;
}

/* Runs a step for the applicant and answers with the status page. */
static void applicant_step(struct request *req, const struct lookup_result *r,
			   const char *action, struct json_object *in, const char *done,
			   const char *field, struct json_object *typed)
{
	struct context ctx = http_context(req);
	struct workflow_result w = workflow_act(&ctx, r->id, action, in, in == req->json_body,
						ACTOR_APPLICANT);
	if (req->responded)
		return;
	int status = http_status_of(w.status);
	if (status == 200) {
		respond_status(req, req->db, 200, r->id, r->query_code, done, NULL, NULL);
		return;
	}
	if (status >= 500) {
		respond_error(req, status, w.message);
		return;
	}
	struct json_object *errors = json_object_new_object();
	/* A refusal by the rules (409) has no field to stand beside. */
	add_str(errors, status == 422 ? (w.field ? w.field : field) : "step",
		w.message ? w.message : "无法完成此操作。");
	if (req->wants_json && status != 422) {
		json_object_put(errors);
		respond_error(req, status, w.message);
		return;
	}
	if (req->wants_json) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "errors", errors);
		respond(req, 422, NULL, m);
		return;
	}
	req->log_why = "step refused";
	respond_status(req, req->db, status, r->id, r->query_code, NULL, errors, typed);
	json_object_put(errors);
}

/* Art. 30: the applicant's 补正, added to the request beside the original. */
void page_status_supplement(struct request *req)
{
	struct lookup_result r;
	lookup(req, &r);
	if (!lookup_found_or_respond(req, &r))
		return;
	struct json_object *errors = json_object_new_object();
	const char *text = applicant_text(req, "text", SUPPLEMENT_MAX_CHARS, true, errors);
	struct json_object *typed = json_object_new_object();
	add_str(typed, "text", input(req, "text"));
	if (!text) {
		req->log_why = "invalid supplement";
		if (req->wants_json) {
			struct json_object *m = json_object_new_object();
			json_object_object_add(m, "errors", json_object_get(errors));
			respond(req, 422, NULL, m);
		} else {
			respond_status(req, r.db, 422, r.id, r.query_code, NULL, errors, typed);
		}
	} else {
		struct json_object *in = json_object_new_object();
		add_str(in, "text", text);
		applicant_step(req, &r, "supplement_answered", in,
			       "补正材料已提交。受理机关收到补正之日起，答复期限重新计算。", "text", typed);
		json_object_put(in);
	}
	json_object_put(typed);
	json_object_put(errors);
}

/* Withdrawal, after a confirmation step (confirm=yes). */
void page_status_withdraw(struct request *req)
{
	struct lookup_result r;
	lookup(req, &r);
	if (!lookup_found_or_respond(req, &r))
		return;
	struct json_object *errors = json_object_new_object();
	const char *reason = applicant_text(req, "reason", WITHDRAW_REASON_MAX_CHARS, false, errors);
	const char *confirm = input(req, "confirm");
	bool confirmed = req->json_body || (confirm && !strcmp(confirm, "yes"));
	if (!reason && req->wants_json) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "errors", json_object_get(errors));
		respond(req, 422, NULL, m);
	} else if (!reason || !confirmed) {
		struct json_object *m = status_model(req, r.db, r.id);
		if (m) {
			add_str(m, "query_code", r.query_code);
			add_str(m, "reason", input(req, "reason"));
			json_object_object_add(m, "errors", json_object_get(errors));
			respond(req, reason ? 200 : 422, "status_withdraw", m);
		}
	} else {
		struct json_object *in = json_object_new_object();
		if (*reason)
			add_str(in, "reason", reason);
		applicant_step(req, &r, "withdraw", in, "申请已撤回。", "reason", NULL);
		json_object_put(in);
	}
	json_object_put(errors);
}

void page_api_status_supplement(struct request *req)
{
	page_status_supplement(req);
}

void page_api_status_withdraw(struct request *req)
{
	page_status_withdraw(req);
}
