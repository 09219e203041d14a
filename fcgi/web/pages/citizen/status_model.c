/* status_model: the status page's model of one request (status_model.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/calendar_cache.h"
#include "core/db_read.h"
#include "core/file_links.h"
#include "core/read_cache.h"
#include "lib/buf.h"
#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/idcheck.h"
#include "domain/remedies.h"
#include "domain/workflow_rules.h"
#include "web/http.h"
#include "web/upload.h"
#include "web/model.h"
#include "web/pages/citizen/citizen.h"
#include "web/pages/pages.h"
#include "core/pii.h"
#include "service/requests.h"
#include "service/workflow.h"
#include "domain/vocab.h"
#include "web/pages/citizen/status_model.h"

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
	{ "transferred", "转送其他机关办理，作出答复" },
	{ "transferred_in", "由其他机关转来，等待确认收到" },
	{ "published", "所申请的信息已列入政府信息公开目录（转主动公开）" },
	{ "withdrawn", "申请已撤回" },
	{ "contact_changed", "修改通知方式和联系方式" },
	{ "query_code_reissued", "受理机关核验身份后重新发放查询码（原查询码失效）" },
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
	/* A correction's (Art. 41, sql/035). */
	{ "corrected", "已更正" },
	{ "referred", "告知有权更正的机关（本机关无权更正）" },
	{ "refused", "不予更正" },
};

static const char *text_of(const struct code_text *t, size_t n, const char *code)
{
	for (size_t i = 0; code && i < n; i++)
		if (!strcmp(t[i].code, code))
			return t[i].text;
	return NULL;
}

/* Whether the request is still being handled (workflow_rules.h). */
static bool status_open(const char *code)
{
	enum wf_status s;
	return wf_status_from_code(code, &s) && wf_status_open(s);
}

static void add_true(struct json_object *o, const char *key)
{
	json_object_object_add(o, key, json_object_new_boolean(true));
}

/* "2026年3月5日" for "2026-03-05"; NULL for NULL. */
static const char *date_cn(struct arena *a, const char *iso)
{
	int32_t d;
	char buf[DATE_CN_SIZE];
	if (!iso || !date_parse(iso, &d))
		return NULL;
	return arena_strdup(a, date_format_cn(d, buf));
}

static void add_date(struct arena *a, struct json_object *o, const char *key, const char *iso)
{
	if (!iso) {	/* null in JSON: the field is there, the date is not yet */
		json_object_object_add(o, key, NULL);
		return;
	}
	model_add_str(o, key, iso);
	char k[64];
	snprintf(k, sizeof k, "%s_text", key);
	model_add_str(o, k, date_cn(a, iso));
}

/* ---- the status model ------------------------------------------------------------------ */

static const char *value(struct request *req, const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : arena_strdup(req->arena, PQgetvalue(res, row, col));
}

static struct json_object *applicant_model(struct request *req, const PGresult *res)
{
	/* res: the row of STMT_CITIZEN_STATUS_REQUEST */
	struct json_object *a = json_object_new_object();
	const char *kind = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, applicant_kind));
	model_add_str(a, "kind", kind);
	model_add_str(a, "kind_text", vocab_label(&vocab_applicant_kind, kind));
	model_add_str(a, "name", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, name)));
	const char *id_type = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, id_type));
	if (id_type) {
		model_add_str(a, "id_type", id_type);
		model_add_str(a, "id_type_text", vocab_label(&vocab_id_type, id_type));
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
			model_add_str(a, keys[i], masked);
	}
	model_add_str(a, "credit_code", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, credit_code)));
	const char *email = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, email));
	if (email) {
		size_t n = strlen(email) + 4;
		char *masked = arena_alloc(req->arena, n);
		if (mask_email(email, masked, n))
			model_add_str(a, "email_masked", masked);
	}
	return a;
}

/*
 * How the applicant is told (issue 14): the choice, the address it goes
 * to (masked like the rest), and the choices of the form that changes
 * them, the current one checked.
 */
static void add_notify(struct json_object *m, const PGresult *res)
{
	const char *notify = PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, notify));
	model_add_str(m, "notify", notify);
	model_add_str(m, "notify_label", vocab_label(&vocab_notify, notify));
	struct json_object *a = NULL, *to = NULL;
	json_object_object_get_ex(m, "applicant", &a);
	if (a && (!strcmp(notify, "email") || !strcmp(notify, "sms")))
		json_object_object_get_ex(a, !strcmp(notify, "email") ? "email_masked" : "phone_masked",
					  &to);
	if (to)
		model_add_str(m, "notify_to", json_object_get_string(to));
	if (!strcmp(PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, pseudonymised)), "t"))
		return;
	add_true(m, "can_change_contact");
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; i < vocab_notify.count; i++) {
		const struct vocab_term *t = &vocab_notify.terms[i];
		struct json_object *o = json_object_new_object();
		model_add_str(o, "value", t->code);
		model_add_str(o, "label", t->label);
		if (!strcmp(t->code, notify))
			add_true(o, "checked");
		json_object_array_add(list, o);
	}
	json_object_object_add(m, "notify_options", list);
}

static void add_events(struct request *req, const PGresult *res, struct json_object *m)
{
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		const char *action = PQgetvalue(res, i, COL(CITIZEN_STATUS_EVENTS, action));
		const char *text = text_of(event_texts, COUNT(event_texts), action);
		if (!text)
			continue;
		struct json_object *e = json_object_new_object();
		int seq = atoi(PQgetvalue(res, i, COL(CITIZEN_STATUS_EVENTS, seq)));
		json_object_object_add(e, "seq", json_object_new_int(seq));
		model_add_str(e, "action", action);
		model_add_str(e, "text", text);
		model_add_str(e, "at", PQgetvalue(res, i, COL(CITIZEN_STATUS_EVENTS, at)));
		model_add_str(e, "at_text", value(req, res, i, COL(CITIZEN_STATUS_EVENTS, at_text)));
		add_date(req->arena, e, "effective_on",
			 value(req, res, i, COL(CITIZEN_STATUS_EVENTS, effective_on)));
		json_object_array_add(list, e);
	}
	json_object_object_add(m, "events", list);
}

static void add_notices(struct request *req, const PGresult *res, struct json_object *m)
{
	struct json_object *list = json_object_new_array();
	if (PQntuples(res) > 0)
		add_true(m, "has_notices");
	bool reply_seen = false;
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *n = json_object_new_object();
		const char *kind = PQgetvalue(res, i, COL(CITIZEN_STATUS_NOTICES, kind));
		model_add_str(n, "kind", kind);
		/* Newest first (issue 16): the 答复书, the one sought, has an
		 * anchor the status box links to; each its own, to print alone. */
		char anchor[32];
		snprintf(anchor, sizeof anchor, "notice-%d", i + 1);
		if (!reply_seen && !strcmp(kind, "reply")) {
			reply_seen = true;
			snprintf(anchor, sizeof anchor, "reply");
			add_true(m, "has_reply");
		}
		model_add_str(n, "anchor", anchor);
		if (i == 0)
			add_true(n, "newest");
		model_add_str(n, "kind_text", text_of(notice_kinds, COUNT(notice_kinds), kind));
		model_add_str(n, "notice_no", value(req, res, i, COL(CITIZEN_STATUS_NOTICES, notice_no)));
		model_add_str(n, "title", value(req, res, i, COL(CITIZEN_STATUS_NOTICES, title)));
		model_add_str(n, "body", value(req, res, i, COL(CITIZEN_STATUS_NOTICES, body)));
		add_date(req->arena, n, "issued_on",
			 value(req, res, i, COL(CITIZEN_STATUS_NOTICES, issued_on)));
		add_date(req->arena, n, "delivered_on",
			 value(req, res, i, COL(CITIZEN_STATUS_NOTICES, delivered_on)));
		/* 送达: the applicant's periods run from it (issue 14). */
		model_add_str(n, "delivery_method_label", vocab_label(&vocab_notice_delivery,
			value(req, res, i, COL(CITIZEN_STATUS_NOTICES, delivery_method))));
		model_add_str(n, "delivery_basis_label", vocab_short(&vocab_delivery_basis,
			value(req, res, i, COL(CITIZEN_STATUS_NOTICES, delivery_basis))));
		/* The PDF as issued (issue 15): a link good for 15 minutes. */
		if (!PQgetisnull(res, i, COL(CITIZEN_STATUS_NOTICES, pdf_file_id))) {
			char link[192];
			file_link_make(req->app, PQgetvalue(res, i, COL(CITIZEN_STATUS_NOTICES,
					pdf_file_id)), time(NULL), link, sizeof link);
			model_add_str(n, "pdf_url", link);
		}
		json_object_array_add(list, n);
	}
	json_object_object_add(m, "notices", list);
}

/*
 * The released documents (files of the reply: purpose 'reply') and the
 * applicant's own uploads, each with a link good for 15 minutes (issue
 * 15). released_files / own_files, has_released_files / has_own_files.
 */
static void add_files(struct request *req, const PGresult *res, struct json_object *m)
{
	struct json_object *released = json_object_new_array(), *own = json_object_new_array();
	time_t now = time(NULL);
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *f = json_object_new_object();
		const char *fid = PQgetvalue(res, i, COL(CITIZEN_STATUS_FILES, id));
		const char *purpose = PQgetvalue(res, i, COL(CITIZEN_STATUS_FILES, purpose));
		model_add_str(f, "name", value(req, res, i, COL(CITIZEN_STATUS_FILES, display_name)));
		model_add_str(f, "purpose", purpose);
		model_add_str(f, "purpose_label", vocab_label(&vocab_file_purpose, purpose));
		model_add_str(f, "size_text", model_size_text(req->arena,
			atoll(PQgetvalue(res, i, COL(CITIZEN_STATUS_FILES, size)))));
		model_add_str(f, "created", value(req, res, i, COL(CITIZEN_STATUS_FILES, created)));
		char link[192];
		file_link_make(req->app, fid, now, link, sizeof link);
		model_add_str(f, "url", link);
		json_object_array_add(strcmp(purpose, "reply") ? own : released, f);
	}
	if (json_object_array_length(released) > 0)
		add_true(m, "has_released_files");
	if (json_object_array_length(own) > 0)
		add_true(m, "has_own_files");
	json_object_object_add(m, "released_files", released);
	json_object_object_add(m, "own_files", own);
}

/* The 补正 asked of the applicant, from the request's row (res: its
 * CITIZEN_STATUS_REQUEST row, the supplement's columns NULL when none);
 * *open when it can still be answered. */
static void add_supplement(struct request *req, const PGresult *res, const char *status,
			   struct json_object *m, bool *open)
{
	*open = false;
	const char *state = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_state));
	if (!state)
		return;
	struct json_object *s = json_object_new_object();
	struct arena *a = req->arena;
	add_date(a, s, "asked_on",
		 value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_asked_on)));
	model_add_str(s, "what", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_what)));
	add_date(a, s, "answer_by",
		 value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_answer_by)));
	add_date(a, s, "answered_on",
		 value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_answered_on)));
	model_add_str(s, "answer",
		      value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_answer)));
	model_add_str(s, "state", state);
	bool in_time =
		!strcmp(PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_in_time)), "t");
	*open = !strcmp(status, "awaiting_supplement") && !strcmp(state, "asked") && in_time;
	if (*open)
		add_true(s, "open");
	else if (!strcmp(state, "asked") || !strcmp(state, "expired"))
		add_true(s, "expired");
	else
		add_true(s, "answered");
	json_object_object_add(m, "supplement", s);
}

/*
 * The working days left of a running clock, counted as the staff pages
 * count them (deadline_remaining, domain/deadline.h): 0 is "due today",
 * negative overdue from the day after the due day. Left out when the
 * calendar cannot be read: the page still shows the due date.
 */
static void add_remaining(struct db *db, const PGresult *res, struct json_object *m)
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

/*
 * The deadline as one plain answer (issue 16, item 3), deadline_state and
 * deadline_text: while a 补正 is awaited the period will restart from the
 * day the 补正 arrives (Art. 30), so no date is shown; other pauses
 * (Art. 33 para. 3 consultation, a fee) keep the date, extended by the
 * pause; once the request is concluded there is nothing left to count.
 */
static void add_deadline(struct json_object *m, const char *status, bool open, bool stopped)
{
	const char *state = "running", *text = NULL;
	if (!open) {
		state = "concluded";
		text = "已办结";
	} else if (!strcmp(status, "awaiting_supplement")) {
		state = "restarts";
		text = "补正后重新计算";
		add_true(m, "deadline_restarts");
	} else if (stopped) {
		state = "paused";
		text = "暂停计算，恢复后顺延";
	}
	model_add_str(m, "deadline_state", state);
	model_add_str(m, "deadline_text", text);
	if (!open)
		add_true(m, "deadline_concluded");
}

/* The four stages an applicant knows (提交 → 受理 → 办理 → 答复) and how
 * far the request is: progress[] of {label, done, current}. A withdrawn
 * or discarded request never reaches an answer: it has no progress line. */
static void add_progress(struct json_object *m, const char *status)
{
	static const char *const labels[] = { "提交", "受理", "办理", "答复" };
	int reached;	/* the stage under way; 4: all done */
	if (!strcmp(status, "submitted"))
		reached = 1;
	else if (!strcmp(status, "answered") || !strcmp(status, "closed"))
		reached = 4;
	else if (status_open(status))
		reached = 2;
	else
		return;
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < 4; i++) {
		struct json_object *o = json_object_new_object();
		model_add_str(o, "label", labels[i]);
		json_object_object_add(o, "step", json_object_new_int(i + 1));
		if (i < reached)
			add_true(o, "done");
		else if (i == reached)
			add_true(o, "current");
		json_object_array_add(list, o);
	}
	json_object_object_add(m, "progress", list);
	add_true(m, "has_progress");
}

/* The labels of a comma-separated list of codes, joined by "、". */
static const char *labels_of(struct arena *a, const struct vocab *v, const char *csv)
{
	struct buf b = BUF_INIT;
	const char *p = csv;
	while (p && *p) {
		size_t n = strcspn(p, ",");
		char *code = arena_strndup(a, p, n);
		if (b.len)
			buf_puts(&b, "、");
		buf_puts(&b, vocab_label(v, code));
		p += n + (p[n] == ',');
	}
	const char *out = b.len ? arena_strdup(a, buf_str(&b)) : NULL;
	buf_free(&b);
	return out;
}

/* The receipt's choices (provision_forms and obtain_methods as
 * comma-separated codes, email) and the status page's address. */
static void add_choices(struct request *req, struct json_object *m, const char *provision_forms,
			const char *obtain_methods, const char *email, const char *tracking_no)
{
	model_add_str(m, "provision_text",
		      labels_of(req->arena, &vocab_provision_form, provision_forms));
	model_add_str(m, "obtain_text", labels_of(req->arena, &vocab_obtain_method, obtain_methods));
	size_t n = strlen(email) + 4;
	char *masked = arena_alloc(req->arena, n);
	if (*email && mask_email(email, masked, n))
		model_add_str(m, "email_masked", masked);
	const char *origin = http_site_origin(req);
	char *url = arena_alloc(req->arena, strlen(origin) + strlen(tracking_no) + 16);
	sprintf(url, "%s/status?no=%s", origin, tracking_no);
	model_add_str(m, "status_url", url);
}

bool status_model_add_choices(struct request *req, struct json_object *m, const char *id,
			      const char *tracking_no)
{
	const char *params[] = { id, NULL, NULL };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_CITIZEN_REQUEST_CHOICES, 3, params);
	if (!res)
		return false;
	if (PQntuples(res) == 1)
		add_choices(req, m, PQgetvalue(res, 0, COL(CITIZEN_REQUEST_CHOICES, provision_forms)),
			    PQgetvalue(res, 0, COL(CITIZEN_REQUEST_CHOICES, obtain_methods)),
			    PQgetvalue(res, 0, COL(CITIZEN_REQUEST_CHOICES, email)), tracking_no);
	PQclear(res);
	return true;
}

/* 转办 (issue 18): the request this one went to or came from, as
 * {tracking_no, agency_name} under `key`; null when none. The same query
 * code opens both. */
static void add_transfer_link(struct request *req, struct json_object *m, const char *key,
			      const PGresult *res, int no, int agency)
{
	const char *tracking_no = value(req, res, 0, no);
	if (!tracking_no) {
		json_object_object_add(m, key, NULL);
		return;
	}
	struct json_object *link = json_object_new_object();
	model_add_str(link, "tracking_no", tracking_no);
	model_add_str(link, "agency_name", value(req, res, 0, agency));
	json_object_object_add(m, key, link);
}

/*
 * The request's agency as the page names it, from the worker's copy of its
 * row (read_cache: the agencies change rarely, and the copy goes when one
 * does). NULL when the database failed: answered here.
 */
static struct json_object *agency_model(struct request *req, struct db *db, const char *agency_id)
{
	const char *params[] = { agency_id };
	const PGresult *res = read_cached(db, STMT_CITIZEN_STATUS_AGENCY, READ_UNTIL_AGENCIES_CHANGE,
					  1, params, NULL);
	if (!db_ok(res) || PQntuples(res) != 1) {
		respond_db_failure(req, res);
		return NULL;
	}
	struct json_object *ag = json_object_new_object();
	model_add_str(ag, "code", value(req, res, 0, COL(CITIZEN_STATUS_AGENCY, code)));
	model_add_str(ag, "name", value(req, res, 0, COL(CITIZEN_STATUS_AGENCY, name)));
	const char *office_address = value(req, res, 0, COL(CITIZEN_STATUS_AGENCY, office_address));
	const char *office_phone = value(req, res, 0, COL(CITIZEN_STATUS_AGENCY, office_phone));
	const char *office_hours = value(req, res, 0, COL(CITIZEN_STATUS_AGENCY, office_hours));
	model_add_str(ag, "office_address", office_address);
	model_add_str(ag, "office_phone", office_phone);
	model_add_str(ag, "office_hours", office_hours);
	/* Named in full wherever remedies are offered (行政复议法 Art. 24). */
	const char *kind = PQgetvalue(res, 0, COL(CITIZEN_STATUS_AGENCY, kind));
	const char *above = value(req, res, 0, COL(CITIZEN_STATUS_AGENCY, government_above));
	model_add_str(ag, "review_body",
		review_body_choose(value(req, res, 0, COL(CITIZEN_STATUS_AGENCY, review_body)),
				   above, !strcmp(kind, "government"), NULL));
	if (office_address || office_phone || office_hours)
		add_true(ag, "has_office");
	return ag;
}

/* The signed token (status_token) that the page's forms carry instead of
 * the query code (issue 16; core/file_links.h): a page's, never JSON's. */
static void add_token(struct request *req, struct json_object *m, const PGresult *request)
{
	char token[STATUS_TOKEN_SIZE];
	status_token_make(req->app, PQgetvalue(request, 0, COL(CITIZEN_STATUS_REQUEST, id)),
			  PQgetvalue(request, 0, COL(CITIZEN_STATUS_REQUEST, query_code_hash)),
			  time(NULL), token);
	model_add_str(m, "status_token", token);
}

/* The reads of one status page, in the order status_reads_add() sends
 * them: the request's row first. */
static const enum stmt status_reads[STATUS_READS] = {
	STMT_CITIZEN_STATUS_REQUEST, STMT_CITIZEN_STATUS_EVENTS, STMT_CITIZEN_STATUS_NOTICES,
	STMT_CITIZEN_STATUS_FILES,
};
enum { READ_REQUEST, READ_EVENTS, READ_NOTICES, READ_FILES };

void status_reads_add(struct db_step *steps, const struct status_key *key)
{
	for (int i = 0; i < STATUS_READS; i++)
		steps[i] = (struct db_step){ .stmt = status_reads[i], .nparams = 3,
					     .params = key->params };
}

bool status_reads_found(const struct db_step *steps)
{
	return PQntuples(steps[READ_REQUEST].res) == 1;
}

struct json_object *status_model_of(struct request *req, struct db *db,
				    const struct db_step *steps)
{
	const PGresult *res = steps[READ_REQUEST].res;
	struct arena *a = req->arena;
	struct json_object *m = json_object_new_object();
	if (!req->wants_json)
		add_token(req, m, res);
	const char *status = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, status));
	model_add_str(m, "tracking_no", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, tracking_no)));
	model_add_str(m, "status", status);
	for (size_t i = 0; i < COUNT(statuses); i++) {
		if (!strcmp(statuses[i].code, status)) {
			model_add_str(m, "status_text", statuses[i].label);
			model_add_str(m, "status_explain", statuses[i].explain);
		}
	}
	char key[48];
	snprintf(key, sizeof key, "status_is_%s", status);
	add_true(m, key);
	model_add_str(m, "submitted_at", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, submitted_at)));
	model_add_str(m, "submitted_text",
		value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, submitted_text)));
	add_date(a, m, "received_on", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, received_on)));
	add_date(a, m, "due_on", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, due_on)));
	add_date(a, m, "concluded_on",
		 value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, concluded_on)));
	const char *outcome = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, outcome));
	json_object_object_add(m, "outcome", outcome ? json_object_new_string(outcome) : NULL);
	model_add_str(m, "outcome_text", text_of(outcomes, COUNT(outcomes), outcome));
	int ext = atoi(PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, extension_days)));
	json_object_object_add(m, "extension_days", json_object_new_int(ext));
	json_object_object_add(m, "applicant", applicant_model(req, res));
	add_notify(m, res);
	model_add_str(m, "description", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, description)));
	const char *request_kind = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, request_kind));
	model_add_str(m, "request_kind", request_kind);
	model_add_str(m, "request_kind_label", vocab_label(&vocab_request_kind, request_kind));
	model_add_bool(m, "correction", !strcmp(request_kind, "correction"));
	model_add_str(m, "correction_wrong",
		      value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, correction_wrong)));
	model_add_str(m, "correction_should",
		      value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, correction_should)));
	model_add_str(m, "document_ref", value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, document_ref)));
	model_add_str(m, "supplement_text",
		value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, supplement_text)));
	add_date(a, m, "clock_stopped_since",
		 value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, clock_stopped_since)));
	struct json_object *ag = agency_model(req, db, PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST,
										agency_id)));
	if (!ag) {
		json_object_put(m);
		return NULL;
	}
	json_object_object_add(m, "agency", ag);
	add_transfer_link(req, m, "transferred_to", res, COL(CITIZEN_STATUS_REQUEST, transferred_to_no),
			  COL(CITIZEN_STATUS_REQUEST, transferred_to_agency));
	add_transfer_link(req, m, "transferred_from", res,
			  COL(CITIZEN_STATUS_REQUEST, transferred_from_no),
			  COL(CITIZEN_STATUS_REQUEST, transferred_from_agency));
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
	add_deadline(m, status, open, stopped);
	add_progress(m, status);
	if (ext > 0)
		add_true(m, "extended");
	if (open)
		add_true(m, "can_withdraw");
	const char *received = value(req, res, 0, COL(CITIZEN_STATUS_REQUEST, received_on));

	bool can_answer;
	const char *tracking_no = json_object_get_string(json_object_object_get(m, "tracking_no"));
	add_supplement(req, res, status, m, &can_answer);
	add_events(req, steps[READ_EVENTS].res, m);
	add_notices(req, steps[READ_NOTICES].res, m);
	add_files(req, steps[READ_FILES].res, m);
	add_choices(req, m, PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, provision_forms)),
		    PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, obtain_methods)),
		    PQgetvalue(res, 0, COL(CITIZEN_STATUS_REQUEST, email)), tracking_no);
	if (can_answer)
		add_true(m, "can_supplement");
	if (!received)
		add_true(m, "not_received");
	return m;
}

void status_reads_clear(struct db_step *steps)
{
	for (int i = 0; i < STATUS_READS; i++) {
		PQclear(steps[i].res);
		steps[i].res = NULL;
	}
}

/* The page of request `id` (a status token): its reads in one round trip. */
struct json_object *status_model(struct request *req, struct db *db, const char *id)
{
	struct status_key key = { .params = { id, NULL, NULL } };
	struct db_step steps[STATUS_READS];
	status_reads_add(steps, &key);
	if (!db_exec_steps(db, steps, STATUS_READS) || !status_reads_found(steps)) {
		respond_db_failure(req, steps[0].res);
		status_reads_clear(steps);
		return NULL;
	}
	struct json_object *m = status_model_of(req, db, steps);
	status_reads_clear(steps);
	return m;
}
