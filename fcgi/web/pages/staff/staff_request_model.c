/* staff_request_model: the model of one request's page (staff_request.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/auth.h"
#include "lib/buf.h"
#include "core/calendar_cache.h"
#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/idcheck.h"
#include "domain/workflow_rules.h"
#include "core/events.h"
#include "web/http.h"
#include "web/upload.h"
#include "web/pages/pages.h"
#include "core/pii.h"
#include "core/read_cache.h"
#include "service/workflow.h"
#include "core/clock.h"
#include "domain/vocab.h"
#include "web/pages/staff/staff_request.h"

static const char *fmt(struct request *req, int32_t d)
{
	char buf[DATE_STR_SIZE];
	return arena_strdup(req->arena, date_format(d, buf));
}

/* ---- the page's reads: one round trip (issue 17) ------------------------ */

/*
 * Every read of the request page, keyed by the request's id alone (what
 * depends on its agency finds the agency in SQL), so that all are sent
 * together (db_exec_steps). The session, the agency's settings, the
 * calendar and — for the HTML page's forms — the agency's staff, phrases
 * and transfer choices come from the worker's copies (core/read_cache.h,
 * add_form_choices).
 */
enum page_read {
	READ_DETAIL, READ_CLOCK, READ_EVENTS, READ_RECORDS, READ_REASONS,
	READ_DEADLINE_PROPOSAL, READ_MESSAGES, READ_FILES, READ_DOWNLOADS,
	READ_DISCLOSURE, READ_REPLY_FILES, READ_SIMILAR, PAGE_READS
};

static const enum stmt page_stmts[PAGE_READS] = {
	[READ_DETAIL] = STMT_REQ_DETAIL,
	[READ_CLOCK] = STMT_WF_CLOCK_EVENTS,
	[READ_EVENTS] = STMT_REQ_EVENTS,
	[READ_RECORDS] = STMT_REQ_RECORDS,
	[READ_REASONS] = STMT_WF_REASONS_GET,
	[READ_DEADLINE_PROPOSAL] = STMT_WF_DEADLINE_PENDING,
	[READ_MESSAGES] = STMT_REQ_MESSAGES,
	[READ_FILES] = STMT_REQ_FILES,
	[READ_DOWNLOADS] = STMT_REQ_FILE_DOWNLOADS,
	/* the disclosure log (issue 18 §2): the request's listing, and the
	 * listings linked to it as similar when it arrived (sql/041) */
	[READ_DISCLOSURE] = STMT_REQ_DISCLOSURE,
	[READ_REPLY_FILES] = STMT_REQ_REPLY_FILES,
	[READ_SIMILAR] = STMT_REQ_SIMILAR,
};

struct page_reads {
	const char *params[1];	/* the request's id */
	struct db_step steps[PAGE_READS];
	size_t n;
};

/* Sends the page's reads; false having answered. page_reads_clear()
 * afterwards either way. */
static bool page_read(struct request *req, const char *id, struct page_reads *r)
{
	r->params[0] = id;
	r->n = PAGE_READS;
	for (size_t i = 0; i < r->n; i++)
		r->steps[i] = (struct db_step){ page_stmts[i], 1, r->params, NULL };
	return db_exec_steps_or_respond(req, r->steps, r->n);
}

static void page_reads_clear(struct page_reads *r)
{
	for (size_t i = 0; i < r->n; i++)
		PQclear(r->steps[i].res);
	r->n = 0;
}

static const PGresult *read_of(const struct page_reads *r, enum page_read which)
{
	return r->steps[which].res;
}

/* ---- the model ----------------------------------------------------------- */


static struct json_object *code_list(struct request *req, const struct vocab *v,
				    const char *csv)
{
	struct json_object *list = json_object_new_array();
	char *copy = arena_strdup(req->arena, csv ? csv : "");
	for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct json_object *c = json_object_new_object();
		model_add_str(c, "code", t);
		model_add_str(c, "label", vocab_label(v, t));
		json_object_array_add(list, c);
	}
	return list;
}


/* The phone number, masked like the 证件号码 (138****5678) unless revealed:
 * staff see contact details only when they need them, and each look is
 * logged (issue 12, item 13; 个人信息保护法 Art. 51). */
static void add_phone(struct request *req, struct json_object *a, const char *encrypted,
		      bool reveal)
{
	char *phone = pii_decrypt(req->app, req->arena, encrypted);
	if (!phone) {
		model_add_str(a, "phone_masked", "（无法解密：密钥不符）");
		return;
	}
	char *masked = arena_alloc(req->arena, strlen(phone) + 1);
	if (mask_phone(phone, masked, strlen(phone) + 1))
		model_add_str(a, "phone_masked", masked);
	else
		model_add_str(a, "phone_masked", "（已隐藏）");
	if (reveal)
		model_add_str(a, "phone", phone);
}

static struct json_object *applicant_model(struct request *req, const PGresult *res,
					   enum reveal reveal)
{
	/* res: the row of STMT_REQ_DETAIL */
	struct json_object *a = json_object_new_object();
	staff_add_val(req, a, "kind", res, 0, COL(REQ_DETAIL, applicant_kind));
	model_add_str(a, "kind_label", vocab_short(&vocab_applicant_kind, PQgetvalue(res, 0, COL(REQ_DETAIL, applicant_kind))));
	staff_add_val(req, a, "name", res, 0, COL(REQ_DETAIL, name));
	if (!PQgetisnull(res, 0, COL(REQ_DETAIL, id_type))) {
		staff_add_val(req, a, "id_type", res, 0, COL(REQ_DETAIL, id_type));
		model_add_str(a, "id_type_label", vocab_label(&vocab_id_type, PQgetvalue(res, 0, COL(REQ_DETAIL, id_type))));
		const char *plain = pii_decrypt(req->app, req->arena, PQgetvalue(res, 0, COL(REQ_DETAIL, id_number_enc)));
		if (plain) {
			char *masked = arena_alloc(req->arena, strlen(plain) + 1);
			mask_id_number(plain, masked, strlen(plain) + 1);
			model_add_str(a, "id_number_masked", masked);
			if (reveal == REVEAL_ID_NUMBER)
				model_add_str(a, "id_number", plain);
		} else {
			model_add_str(a, "id_number_masked", "（无法解密：密钥不符）");
		}
	}
	staff_add_val(req, a, "credit_code", res, 0, COL(REQ_DETAIL, credit_code));
	staff_add_val(req, a, "legal_representative", res, 0, COL(REQ_DETAIL, legal_representative));
	staff_add_val(req, a, "contact_name", res, 0, COL(REQ_DETAIL, contact_name));
	staff_add_val(req, a, "work_unit", res, 0, COL(REQ_DETAIL, work_unit));
	if (!PQgetisnull(res, 0, COL(REQ_DETAIL, phone_enc)))
		add_phone(req, a, PQgetvalue(res, 0, COL(REQ_DETAIL, phone_enc)), reveal == REVEAL_CONTACT);
	staff_add_val(req, a, "fax", res, 0, COL(REQ_DETAIL, fax));
	staff_add_val(req, a, "email", res, 0, COL(REQ_DETAIL, email));
	staff_add_val(req, a, "address", res, 0, COL(REQ_DETAIL, address));
	staff_add_val(req, a, "postcode", res, 0, COL(REQ_DETAIL, postcode));
	return a;
}

/* An online submission's confirm-by day (the agency's confirm_workdays
 * from the day it reached the system) and whether it has passed: then it
 * is overdue work (ogi-rules.md, "Online submissions"). */
static void add_confirm_window(struct request *req, struct json_object *m,
			       const struct detail *d, const char *submitted_at)
{
	const struct calendar *cal = calendar_current(req->db);
	char day[DATE_STR_SIZE];
	int32_t on;
	snprintf(day, sizeof day, "%.10s", submitted_at);
	if (!cal || !date_parse(day, &on))
		return;
	int n = staff_confirm_workdays(req, d->agency_id_text);
	int32_t by = confirm_due(cal, on, n);
	struct json_object *c = json_object_new_object();
	json_object_object_add(c, "workdays", json_object_new_int(n));
	staff_add_date_cn(req, c, "confirm_by", fmt(req, by));
	model_add_bool(c, "overdue", window_over(by, clock_today()));
	json_object_object_add(m, "confirm_window", c);
}

/* The deadline and how it was reached, from the request's clock events. */
static void add_deadline(struct request *req, struct json_object *m, const PGresult *clock)
{
	const struct calendar *cal = calendar_current(req->db);
	struct deadline dl;
	if (!cal || !workflow_deadline_of(cal, clock, &dl))
		return;
	int32_t today = clock_today();
	struct json_object *d = json_object_new_object(), *v;
	/* Answered, withdrawn or closed: the date stands for the record, no
	 * working days are left or over. */
	model_add_bool(d, "concluded", json_object_object_get_ex(m, "concluded_on", &v));
	staff_add_date_cn(req, d, "received_on", fmt(req, dl.received));
	if (dl.base_from != dl.received)
		staff_add_date_cn(req, d, "restarted_on", fmt(req, dl.base_from));
	json_object_object_add(d, "paused_workdays", json_object_new_int(dl.paused_workdays));
	json_object_object_add(d, "extension_days", json_object_new_int(dl.extension_days));
	json_object_object_add(d, "period_workdays", json_object_new_int(dl.period_workdays));
	/* Received before 2019-05-15: the 2008 Regulations' periods. */
	model_add_bool(d, "rules_2008", ogi_rules_2008(dl.received));
	json_object_object_add(d, "reply_workdays",
			       json_object_new_int(ogi_reply_workdays(dl.received)));
	json_object_object_add(d, "extension_max_workdays",
			       json_object_new_int(ogi_extension_max_workdays(dl.received)));
	model_add_bool(d, "redo", dl.redo);
	if (dl.stated_due)	/* Art. 35 */
		staff_add_date_cn(req, d, "stated_due_on", fmt(req, dl.stated_due));
	staff_add_date_cn(req, d, "due_on", fmt(req, dl.due));
	model_add_bool(d, "provisional", deadline_provisional(cal, dl.due));
	if (deadline_provisional(cal, dl.due))
		json_object_object_add(d, "provisional_year", json_object_new_int(date_year(dl.due)));
	model_add_bool(d, "running", dl.running);
	if (!dl.running)
		staff_add_date_cn(req, d, "stopped_since", fmt(req, dl.stopped_since));
	model_add_bool(d, "awaiting_supplement", dl.awaiting_supplement);
	model_add_bool(d, "supplement_late", dl.supplement_late);
	/* The standing as deadline.h defines it, the same as the queue's. */
	int left = deadline_remaining(cal, &dl, today);
	json_object_object_add(d, "working_days_left", json_object_new_int(left));
	model_add_bool(d, "overdue", left < 0);
	if (left < 0)
		json_object_object_add(d, "working_days_over", json_object_new_int(-left));
	model_add_bool(d, "due_today", dl.running && left == 0);
	model_add_bool(d, "due_soon", dl.running && left >= 0 &&
				      left <= DEADLINE_DUE_SOON_WORKDAYS);
	model_add_bool(d, "supplement_allowed",
		       supplement_request_allowed(cal, dl.received, today));
	model_add_bool(d, "extension_allowed", extension_allowed(cal, &dl, today));
	json_object_object_add(m, "deadline", d);
}

/* The event data's keys as the timeline shows them; NULL hides one. */
static const char *data_label(const char *key)
{
	static const struct { const char *key, *label; } labels[] = {
		{ "received_on", "收到日期" }, { "backdated", "补录" }, { "channel", "提交方式" },
		{ "applicant_kind", "申请人类型" }, { "request_kind", "申请类别" },
		{ "what", "补正内容" },
		{ "answer_by", "补正期限" }, { "text", "内容" }, { "reason", "理由" },
		{ "reason_code", "原因" }, { "late_reason", "逾期补正的正当理由" },
		{ "annulled_closing_on", "撤销的终止日期" }, { "redo", "重新答复" },
		{ "decision_received_on", "收到决定书日期" }, { "days", "工作日数" }, { "party", "对象" }, { "kind", "类型" },
		{ "delivery", "送达方式" }, { "party_received_on", "对方收到日期" },
		{ "result", "结果" }, { "answer", "意见" }, { "due_on", "期限" },
		{ "method", "计费方式" }, { "units", "数量" }, { "amount_yuan", "金额（元）" },
		{ "pay_by", "缴费期限" }, { "delivered_on", "送达日期" },
		{ "backdate_reason", "补登理由" }, { "backdated_workdays", "补登距今工作日数" },
		{ "published_report_year", "涉及已公布的年度报告" }, { "outcome", "办理结果" }, { "basis", "法律依据" },
		{ "withheld", "不予公开的内容" }, { "other_agency", "负责公开的机关" },
		{ "channel_info", "查询获取的途径" }, { "opinion", "审批意见" },
		{ "replied_on", "答复日期" }, { "filed_on", "立案日期" }, { "decided_on", "审结日期" },
		{ "body", "复议机关或法院" }, { "to", "经办人账户" }, { "display_name", "经办人" },
		{ "consultation_id", NULL }, { "extension_id", NULL }, { "fee_id", NULL },
		{ "appeal_id", NULL }, { "staff_id", NULL }, { "changed", "修改的项目" },
		{ "notice_id", NULL }, { "delivery_method", "送达方式" },
		{ "delivery_ref", "单号" }, { "delivery_basis", "送达日期的依据" },
		{ "notice_pdf_sha256", "告知书PDF的SHA-256" }, { "files", "文件的SHA-256" },
		/* 转办 (issue 18): the other request, linked at the page's top */
		{ "new_tracking_no", "新申请编号" }, { "new_agency_name", "接收的机关" },
		{ "new_request_id", NULL }, { "new_agency_code", NULL },
		{ "from_tracking_no", "原申请编号" }, { "from_agency_name", "转出的机关" },
		{ "from_agency_code", NULL },
		/* a new 查询码 (issue 16 item 6), maybe issued on the linked request */
		{ "identity_checked", "已核验申请人身份" },
		{ "issued_on_request", "在关联的申请上发放" },
		/* the disclosure log (issue 18 §2); a reply that listed itself
		 * holds the listing as an object under "published" (shown 是) */
		{ "published", "列入公开目录" }, { "public_title", "公开标题" },
		{ "public_summary", "公开摘要" }, { "disclosure_id", NULL }, { "public_files", NULL },
	};
	for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].key, key))
			return labels[i].label;
	return key;
}

/* A list of codes in an event's data as their labels (files by their
 * SHA-256), joined by 、. */
static const char *code_labels(struct request *req, const char *key, struct json_object *list)
{
	struct buf b = { 0 };
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *item = json_object_array_get_idx(list, i), *sha;
		/* A file attached by the step ({id, sha256}) by its hash. */
		if (json_object_object_get_ex(item, "sha256", &sha))
			item = sha;
		const char *code = json_object_get_string(item);
		const char *label = vocab_field_label(NULL, key, code);
		buf_printf(&b, "%s%s", i ? "、" : "", label ? label : code ? code : "");
	}
	const char *out = arena_strdup(req->arena, b.data ? b.data : "");
	buf_free(&b);
	return out;
}

static void add_events(struct request *req, struct json_object *m, const PGresult *res)
{
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "seq", json_object_new_int(atoi(PQgetvalue(res, i, COL(REQ_EVENTS, seq)))));
		staff_add_val(req, e, "at", res, i, COL(REQ_EVENTS, at));
		staff_add_val(req, e, "effective_on", res, i, COL(REQ_EVENTS, effective_on));
		staff_add_val(req, e, "actor_kind", res, i, COL(REQ_EVENTS, actor_kind));
		const char *kind = PQgetvalue(res, i, COL(REQ_EVENTS, actor_kind));
		model_add_str(e, "actor", *PQgetvalue(res, i, COL(REQ_EVENTS, actor_name)) ? PQgetvalue(res, i, COL(REQ_EVENTS, actor_name))
					 : !strcmp(kind, "applicant") ? "申请人"
					 : !strcmp(kind, "system") ? "系统" : "导入");
		staff_add_val(req, e, "action", res, i, COL(REQ_EVENTS, action));
		model_add_str(e, "action_label", vocab_label(&vocab_event_action, PQgetvalue(res, i, COL(REQ_EVENTS, action))));
		struct json_object *data = json_tokener_parse(PQgetvalue(res, i, COL(REQ_EVENTS, data)));
		struct json_object *pairs = json_object_new_array();
		if (data) {
			json_object_object_foreach(data, k, v) {
				if (!data_label(k))
					continue;
				struct json_object *pair = json_object_new_object();
				const char *value = json_object_is_type(v, json_type_array)
					? code_labels(req, k, v)
					: json_object_is_type(v, json_type_object) ? "是"
					: json_object_is_type(v, json_type_boolean)
					? (json_object_get_boolean(v) ? "是" : "否")
					: json_object_get_string(v);
				const char *label = vocab_field_label(NULL, k, value);
				model_add_str(pair, "key", data_label(k));
				model_add_str(pair, "value", label ? label : value);
				json_object_array_add(pairs, pair);
			}
			json_object_object_add(e, "data", data);
		}
		json_object_object_add(e, "details", pairs);
		json_object_array_add(list, e);
	}
	json_object_object_add(m, "events", list);
}

/* Beside each coded field of a record its label ("state" → "state_label"),
 * so that a page never shows a code. */
static void label_codes(const char *record, struct json_object *list)
{
	static const char *const coded[] = { "kind", "result", "state", "method",
					     "delivery_method", "delivery_basis" };
	size_t n = json_object_array_length(list);
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(list, i), *v;
		for (size_t f = 0; f < sizeof coded / sizeof coded[0]; f++) {
			if (!json_object_object_get_ex(o, coded[f], &v))
				continue;
			const char *label = vocab_field_label(record, coded[f],
							      json_object_get_string(v));
			char key[32];
			snprintf(key, sizeof key, "%s_label", coded[f]);
			if (label)
				model_add_str(o, key, label);
		}
	}
}

/* The notices, consultations, extensions, fees, appeals and 补正 of the
 * request, each a list of objects (REQ_RECORDS builds them as JSON). */
static bool add_records(struct request *req, struct json_object *m, const PGresult *res)
{
	static const struct { const char *name; int col; } lists[] = {
		{ "notices", COL(REQ_RECORDS, notices) },
		{ "consultations", COL(REQ_RECORDS, consultations) },
		{ "extensions", COL(REQ_RECORDS, extensions) },
		{ "fees", COL(REQ_RECORDS, fees) },
		{ "appeals", COL(REQ_RECORDS, appeals) },
		{ "supplements", COL(REQ_RECORDS, supplements) },
	};
	if (PQntuples(res) != 1) {
		respond_db_failure(req, res);
		return false;
	}
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		int c = lists[i].col;
		struct json_object *list = PQgetisnull(res, 0, c) ? NULL
					 : json_tokener_parse(PQgetvalue(res, 0, c));
		if (!json_object_is_type(list, json_type_array)) {
			json_object_put(list);
			list = json_object_new_array();
		}
		label_codes(lists[i].name, list);
		json_object_object_add(m, lists[i].name, list);
	}
	return true;
}

/* The steps the member may take now: {"confirm": true, …}. */
static void add_actions(struct request *req, struct json_object *m, const struct detail *d)
{
	struct json_object *can = json_object_new_object();
	struct json_object *list = json_object_new_array();
	for (int a = 0; a < WF_ACTION_COUNT; a++) {
		if (!wf_actor_may(a, WF_BY_STAFF, req->staff->role, NULL) ||
		    !wf_action_allowed(a, d->status, NULL))
			continue;
		model_add_bool(can, wf_action_code(a), true);
		json_object_array_add(list, json_object_new_string(wf_action_code(a)));
	}
	json_object_object_add(m, "can", can);
	json_object_object_add(m, "actions", list);
}

/* A flag of add_deadline()'s model; false without a deadline. */
static bool deadline_flag(struct json_object *m, const char *key)
{
	struct json_object *dl, *v;
	return json_object_object_get_ex(m, "deadline", &dl) &&
	       json_object_object_get_ex(dl, key, &v) && json_object_get_boolean(v);
}

/* Takes a step out of both `can` and the `actions` list. */
static void drop_action(struct json_object *m, struct json_object *can, const char *code)
{
	struct json_object *list, *kept = json_object_new_array();
	json_object_object_del(can, code);
	if (json_object_object_get_ex(m, "actions", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *x = json_object_array_get_idx(list, i);
			if (strcmp(json_object_get_string(x), code))
				json_object_array_add(kept, json_object_get(x));
		}
	json_object_object_add(m, "actions", kept);
}

/*
 * Art. 35, a mass request: the latest request for reasons (asked_on,
 * answer_by, state pending|answered|expired) and an open proposal of a
 * stated deadline (due_on, reason, proposed_by_id) — `mass_request`,
 * absent when reasons were never asked. Staff steps follow from it.
 */
static void add_mass_request(struct request *req, struct json_object *m, const PGresult *reasons,
			     const PGresult *proposal)
{
	if (PQntuples(reasons) == 1) {
		struct json_object *o = json_object_new_object();
		staff_add_date_cn(req, o, "asked_on", staff_val(req, reasons, 0, COL(WF_REASONS_GET, asked_on)));
		staff_add_date_cn(req, o, "answer_by", staff_val(req, reasons, 0, COL(WF_REASONS_GET, answer_by)));
		const char *end = PQgetisnull(reasons, 0, COL(WF_REASONS_GET, ended_by)) ? "" : PQgetvalue(reasons, 0, COL(WF_REASONS_GET, ended_by));
		bool answered = !strcmp(end, "reasons_answered"), expired = !strcmp(end, "reasons_expired");
		model_add_str(o, "state", answered ? "answered" : expired ? "expired" : "pending");
		model_add_str(o, "state_label", answered ? "已收到申请人说明的理由"
						: expired ? "期限届满，申请人未说明理由"
						: "等待申请人说明理由，期间不计入答复期限");
		json_object_object_add(m, "mass_request", o);
	}
	if (PQntuples(proposal) == 1) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "proposed_by_id",
				       json_object_new_int64(atoll(PQgetvalue(proposal, 0, COL(WF_DEADLINE_PENDING, actor_staff_id)))));
		staff_add_date_cn(req, o, "due_on", staff_val(req, proposal, 0, COL(WF_DEADLINE_PENDING, due_on)));
		model_add_str(o, "reason", staff_val(req, proposal, 0, COL(WF_DEADLINE_PENDING, reason)));
		json_object_object_add(m, "open_deadline", o);
	}
}

/* The string at m.key.sub, or "". */
static const char *member_str(struct json_object *m, const char *key, const char *sub)
{
	struct json_object *o, *v;
	if (!json_object_object_get_ex(m, key, &o) || !json_object_object_get_ex(o, sub, &v))
		return "";
	return json_object_get_string(v);
}

/* Art. 35's steps as the records allow them: reasons asked once at a
 * time; reject_mass and a stated deadline after them (workflow.c). */
static void refine_mass_request(struct request *req, struct json_object *m,
				struct json_object *can)
{
	const char *state = member_str(m, "mass_request", "state");
	bool pending = !strcmp(state, "pending"), answered = !strcmp(state, "answered");
	struct json_object *open;
	bool proposal = json_object_object_get_ex(m, "open_deadline", &open);
	if (pending)
		drop_action(m, can, "ask_reasons");
	else
		drop_action(m, can, "reasons_answered");
	if (!answered || proposal || !deadline_flag(m, "extension_allowed"))
		drop_action(m, can, "set_deadline");
	if (!proposal || atoll(member_str(m, "open_deadline", "proposed_by_id")) ==
			 req->staff->staff_id) {
		drop_action(m, can, "approve_deadline");
		drop_action(m, can, "refuse_deadline");
	} else if (!deadline_flag(m, "extension_allowed")) {
		drop_action(m, can, "approve_deadline");
	}
}

/* A closed request takes a supplement only to reopen a closing for want
 * of it, within OGI_REOPEN_DAYS (Art. 30; workflow.c); the form then asks
 * for the good reason. */
static void refine_reopen(struct json_object *m, struct json_object *can)
{
	struct json_object *v;
	if (!json_object_object_get_ex(can, "supplement_answered", &v))
		return;
	const char *status = json_object_object_get_ex(m, "status", &v) ? json_object_get_string(v) : "";
	if (strcmp(status, "closed"))
		return;
	const char *outcome = json_object_object_get_ex(m, "outcome", &v) ? json_object_get_string(v) : NULL;
	const char *closed = json_object_object_get_ex(m, "concluded_on", &v) ? json_object_get_string(v) : NULL;
	int32_t on;
	if (outcome && !strcmp(outcome, "other_no_supplement") && closed && date_parse(closed, &on) &&
	    clock_today() <= on + OGI_REOPEN_DAYS && !json_object_object_get_ex(m, "redo_on", &v))
		json_object_object_add(m, "reopen_by_supplement", json_object_new_boolean(1));
	else
		drop_action(m, can, "supplement_answered");
}

/* Only a posted fee notice not yet delivered takes its delivery date
 * (issue 11, item 9); the pending fee is shown with the form. */
static void refine_fee_delivery(struct json_object *m, struct json_object *can)
{
	struct json_object *list, *v;
	bool undelivered = false;
	if (json_object_object_get_ex(m, "fees", &list))
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *f = json_object_array_get_idx(list, i);
			undelivered |= json_object_object_get_ex(f, "state", &v) &&
				       !strcmp(json_object_get_string(v), "pending") &&
				       !json_object_object_get_ex(f, "delivered_on", &v);
		}
	if (!undelivered)
		drop_action(m, can, "fee_notice_delivered");
}

/* Refines what the state allows with what the records say (one supplement,
 * one extension, a decision by someone else, the windows of Art. 30 and
 * Art. 33 still open). */
static void refine_actions(struct request *req, struct json_object *m)
{
	struct json_object *can, *list;
	if (!json_object_object_get_ex(m, "can", &can))
		return;
	bool asked = json_object_object_get_ex(m, "supplements", &list) &&
		     json_object_array_length(list) > 0;
	if (asked || !deadline_flag(m, "supplement_allowed"))
		json_object_object_del(can, "supplement");
	bool open = false, approved = false, own = false;
	if (json_object_object_get_ex(m, "extensions", &list)) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *x = json_object_array_get_idx(list, i), *s, *by;
			json_object_object_get_ex(x, "state", &s);
			const char *state = json_object_get_string(s);
			if (!strcmp(state, "proposed")) {
				open = true;
				json_object_object_get_ex(x, "proposed_by_id", &by);
				own = atoll(json_object_get_string(by)) == req->staff->staff_id;
				json_object_object_add(m, "open_extension", json_object_get(x));
			}
			approved |= !strcmp(state, "approved");
		}
	}
	refine_reopen(m, can);
	refine_fee_delivery(m, can);
	refine_mass_request(req, m, can);
	bool in_time = deadline_flag(m, "extension_allowed");
	if (open || approved || !in_time)
		json_object_object_del(can, "extend");
	if (!open || own) {
		json_object_object_del(can, "approve_extension");
		json_object_object_del(can, "refuse_extension");
	}
	/* Overdue, a proposal can only be refused (Art. 33 ¶2). */
	if (!in_time)
		json_object_object_del(can, "approve_extension");
	struct json_object *pending = json_object_new_array();
	if (json_object_object_get_ex(m, "appeals", &list)) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *x = json_object_array_get_idx(list, i), *r;
			json_object_object_get_ex(x, "result", &r);
			if (!strcmp(json_object_get_string(r), "pending"))
				json_object_array_add(pending, json_object_get(x));
		}
	}
	json_object_object_add(m, "pending_appeals", pending);
	struct json_object *open_consult = json_object_new_array();
	struct json_object *unreceived = json_object_new_array();	/* receipt unknown */
	if (json_object_object_get_ex(m, "consultations", &list)) {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *x = json_object_array_get_idx(list, i), *r;
			if (json_object_object_get_ex(x, "result", &r))
				continue;
			json_object_array_add(open_consult, json_object_get(x));
			if (!json_object_object_get_ex(x, "party_received_on", &r))
				json_object_array_add(unreceived, json_object_get(x));
		}
	}
	json_object_object_add(m, "open_consultations", open_consult);
	if (json_object_array_length(unreceived))
		json_object_object_add(m, "has_unreceived_consultations",
				       json_object_new_boolean(1));
	json_object_object_add(m, "unreceived_consultations", unreceived);
	/* A decision waiting for this head goes at the top of the page
	 * (issue 16, item 8): refusing is open whenever approving is. */
	struct json_object *v;
	model_add_bool(m, "awaiting_approval",
		       json_object_object_get_ex(can, "refuse_extension", &v) ||
		       json_object_object_get_ex(can, "refuse_deadline", &v));
}

/* 转办 (issue 18): the request this one went to or came from, as
 * {id, tracking_no, agency: {code, name}} under `key`; null when none. */
static void add_transfer_link(struct request *req, struct json_object *m, const char *key,
			      const PGresult *res, int id, int no, int code, int name)
{
	if (PQgetisnull(res, 0, id)) {
		json_object_object_add(m, key, NULL);
		return;
	}
	struct json_object *link = json_object_new_object();
	json_object_object_add(link, "id", json_object_new_int64(atoll(PQgetvalue(res, 0, id))));
	staff_add_val(req, link, "tracking_no", res, 0, no);
	struct json_object *agency = json_object_new_object();
	staff_add_val(req, agency, "code", res, 0, code);
	staff_add_val(req, agency, "name", res, 0, name);
	json_object_object_add(link, "agency", agency);
	json_object_object_add(m, key, link);
}

/* The whole model of the request (page and API) from its reads; NULL
 * when answered (404 outside the member's agencies: the reads of such a
 * request are dropped unseen, or a database failure). */
static struct json_object *model_of(struct request *req, const struct page_reads *r,
				    enum reveal reveal, struct detail *d)
{
	const PGresult *res = read_of(r, READ_DETAIL);
	if (PQntuples(res) != 1 || !auth_sees_agency(req, atoll(PQgetvalue(res, 0, COL(REQ_DETAIL, agency_id))))) {
		respond_error(req, 404, "没有这件申请");
		return NULL;
	}
	d->id = staff_val(req, res, 0, COL(REQ_DETAIL, id));
	d->agency_id = atoll(PQgetvalue(res, 0, COL(REQ_DETAIL, agency_id)));
	d->agency_id_text = staff_val(req, res, 0, COL(REQ_DETAIL, agency_id));
	wf_status_from_code(PQgetvalue(res, 0, COL(REQ_DETAIL, status)), &d->status);
	d->has_received = !PQgetisnull(res, 0, COL(REQ_DETAIL, received_on));

	struct json_object *m = staff_model(req, staff_val(req, res, 0, COL(REQ_DETAIL, tracking_no)));
	json_object_object_add(m, "id", json_object_new_int64(atoll(d->id)));
	json_object_object_add(m, "request_id", json_object_new_int64(atoll(d->id)));
	staff_add_val(req, m, "tracking_no", res, 0, COL(REQ_DETAIL, tracking_no));
	staff_add_val(req, m, "status", res, 0, COL(REQ_DETAIL, status));
	model_add_str(m, "status_label", vocab_field_label(NULL, "status", PQgetvalue(res, 0, COL(REQ_DETAIL, status))));
	struct json_object *agency = json_object_new_object();
	staff_add_val(req, agency, "code", res, 0, COL(REQ_DETAIL, agency_code));
	staff_add_val(req, agency, "name", res, 0, COL(REQ_DETAIL, agency_name));
	json_object_object_add(m, "agency", agency);
	json_object_object_add(m, "applicant", applicant_model(req, res, reveal));
	request_add_notify(req, m, staff_val(req, res, 0, COL(REQ_DETAIL, notify)),
			   staff_val(req, res, 0, COL(REQ_DETAIL, email)),
			   staff_val(req, res, 0, COL(REQ_DETAIL, phone_enc)));
	staff_add_val(req, m, "description", res, 0, COL(REQ_DETAIL, description));
	staff_add_val(req, m, "document_ref", res, 0, COL(REQ_DETAIL, document_ref));
	const char *kind = PQgetvalue(res, 0, COL(REQ_DETAIL, request_kind));
	d->correction = !strcmp(kind, "correction");
	model_add_str(m, "request_kind", kind);
	model_add_str(m, "request_kind_label", vocab_label(&vocab_request_kind, kind));
	model_add_bool(m, "correction", d->correction);
	staff_add_val(req, m, "correction_wrong", res, 0, COL(REQ_DETAIL, correction_wrong));
	staff_add_val(req, m, "correction_should", res, 0, COL(REQ_DETAIL, correction_should));
	staff_add_val(req, m, "supplement_text", res, 0, COL(REQ_DETAIL, supplement_text));
	json_object_object_add(m, "provision_forms", code_list(req, &vocab_provision_form, PQgetvalue(res, 0, COL(REQ_DETAIL, provision_forms))));
	json_object_object_add(m, "obtain_methods", code_list(req, &vocab_obtain_method, PQgetvalue(res, 0, COL(REQ_DETAIL, obtain_methods))));
	staff_add_val(req, m, "channel", res, 0, COL(REQ_DETAIL, channel));
	model_add_str(m, "channel_label", vocab_label(&vocab_channel, PQgetvalue(res, 0, COL(REQ_DETAIL, channel))));
	staff_add_val(req, m, "submitted_at", res, 0, COL(REQ_DETAIL, submitted_at));
	staff_add_date_cn(req, m, "received_on", staff_val(req, res, 0, COL(REQ_DETAIL, received_on)));
	model_add_bool(m, "backdated", !strcmp(PQgetvalue(res, 0, COL(REQ_DETAIL, backdated)), "t"));
	model_add_bool(m, "late_entry", !strcmp(PQgetvalue(res, 0, COL(REQ_DETAIL, late_entry)), "t"));
	staff_add_date_cn(req, m, "due_on", staff_val(req, res, 0, COL(REQ_DETAIL, due_on)));
	json_object_object_add(m, "extension_days",
			       json_object_new_int(atoi(PQgetvalue(res, 0, COL(REQ_DETAIL, extension_days)))));
	if (!PQgetisnull(res, 0, COL(REQ_DETAIL, outcome))) {
		staff_add_val(req, m, "outcome", res, 0, COL(REQ_DETAIL, outcome));
		model_add_str(m, "outcome_label", vocab_field_label(NULL, "outcome", PQgetvalue(res, 0, COL(REQ_DETAIL, outcome))));
	} else {
		json_object_object_add(m, "outcome", NULL);
	}
	staff_add_date_cn(req, m, "concluded_on", staff_val(req, res, 0, COL(REQ_DETAIL, concluded_on)));
	if (!PQgetisnull(res, 0, COL(REQ_DETAIL, concluded_on))) {	/* its case archive (Art. 45) */
		char href[80];
		snprintf(href, sizeof href, "/staff/requests/%s/archive.zip", d->id);
		model_add_str(m, "archive_href", href);
	}
	staff_add_val(req, m, "assigned_to", res, 0, COL(REQ_DETAIL, assigned_name));
	staff_add_val(req, m, "assigned_username", res, 0, COL(REQ_DETAIL, assigned_username));
	if (!PQgetisnull(res, 0, COL(REQ_DETAIL, repeat_of))) {
		struct json_object *rep = json_object_new_object();
		json_object_object_add(rep, "id", json_object_new_int64(atoll(PQgetvalue(res, 0, COL(REQ_DETAIL, repeat_of)))));
		staff_add_val(req, rep, "tracking_no", res, 0, COL(REQ_DETAIL, repeat_of_tracking_no));
		json_object_object_add(m, "repeat_of", rep);
	}
	add_transfer_link(req, m, "transferred_to", res, COL(REQ_DETAIL, transferred_to),
			  COL(REQ_DETAIL, transferred_to_no), COL(REQ_DETAIL, transferred_to_agency_code),
			  COL(REQ_DETAIL, transferred_to_agency_name));
	add_transfer_link(req, m, "transferred_from", res, COL(REQ_DETAIL, transferred_from),
			  COL(REQ_DETAIL, transferred_from_no),
			  COL(REQ_DETAIL, transferred_from_agency_code),
			  COL(REQ_DETAIL, transferred_from_agency_name));
	model_add_bool(m, "imported", !strcmp(PQgetvalue(res, 0, COL(REQ_DETAIL, imported)), "t"));
	model_add_bool(m, "paused", !PQgetisnull(res, 0, COL(REQ_DETAIL, clock_stopped_since)));
	model_add_bool(m, "id_number_revealed", reveal == REVEAL_ID_NUMBER);
	model_add_bool(m, "contact_revealed", reveal == REVEAL_CONTACT);
	const char *submitted_at = staff_val(req, res, 0, COL(REQ_DETAIL, submitted_at));

	if (d->status == WF_SUBMITTED && submitted_at)
		add_confirm_window(req, m, d, submitted_at);

	if (d->has_received)
		add_deadline(req, m, read_of(r, READ_CLOCK));
	add_events(req, m, read_of(r, READ_EVENTS));
	if (!add_records(req, m, read_of(r, READ_RECORDS))) {
		json_object_put(m);
		return NULL;
	}
	add_mass_request(req, m, read_of(r, READ_REASONS), read_of(r, READ_DEADLINE_PROPOSAL));
	request_add_messages(req, m, d->id, read_of(r, READ_MESSAGES));
	request_add_files(req, m, d->id, read_of(r, READ_FILES), read_of(r, READ_DOWNLOADS));
	add_actions(req, m, d);
	refine_actions(req, m);
	request_add_disclosures(m, read_of(r, READ_DISCLOSURE), read_of(r, READ_REPLY_FILES),
				read_of(r, READ_SIMILAR));
	return m;
}

struct json_object *request_model(struct request *req, const char *id, enum reveal reveal,
				  struct detail *d)
{
	struct page_reads r;
	struct json_object *m = page_read(req, id, &r) ? model_of(req, &r, reveal, d) : NULL;
	page_reads_clear(&r);
	return m;
}

/* The agencies a request may be transferred to (REQ_TRANSFER_CHOICES). */
static struct json_object *transfer_choices(struct request *req, const PGresult *res)
{
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *a = json_object_new_object();
		staff_add_val(req, a, "code", res, i, COL(REQ_TRANSFER_CHOICES, code));
		staff_add_val(req, a, "name", res, i, COL(REQ_TRANSFER_CHOICES, name));
		json_object_array_add(list, a);
	}
	return list;
}

/*
 * The forms' reads depend on the request's agency alone and change far
 * less often than a request is viewed: each worker keeps them per agency
 * until the staff, the agencies or the phrases change (sql/030, sql/042),
 * so that a view does not read them again (issue 17).
 */
static const PGresult *agency_read(struct request *req, enum stmt s, enum db_topic topic,
				   const struct detail *d)
{
	const char *params[] = { d->agency_id_text };
	struct read_policy policy = { .topics = DB_TOPIC_BIT(topic), .max_age = 0 };
	return db_cached_or_respond(req, s, policy, 1, params);
}

/* What the page's forms need besides the request; false having answered
 * when the database failed. */
static bool add_form_choices(struct request *req, struct json_object *m, const struct detail *d)
{
	const PGresult *staff_rows, *transfer_rows, *phrase_rows;
	if (!(staff_rows = agency_read(req, STMT_REQ_STAFF_CHOICES, DB_TOPIC_STAFF, d)) ||
	    !(transfer_rows = agency_read(req, STMT_REQ_TRANSFER_CHOICES, DB_TOPIC_AGENCIES, d)) ||
	    !(phrase_rows = agency_read(req, STMT_PHRASE_LIST, DB_TOPIC_REPLY_PHRASES, d)))
		return false;
	/* A correction is answered with its own outcomes (Art. 41). */
	const struct wf_outcome *table = d->correction ? wf_correction_outcomes : wf_outcomes;
	int count = d->correction ? wf_correction_outcome_count : wf_outcome_count;
	struct json_object *outcomes = json_object_new_array();
	for (int i = 0; i < count; i++) {
		if (!table[i].staff_may_choose)
			continue;
		struct json_object *o = json_object_new_object();
		model_add_str(o, "code", table[i].code);
		model_add_str(o, "label", table[i].label);
		model_add_str(o, "basis", table[i].basis);
		json_object_array_add(outcomes, o);
	}
	json_object_object_add(m, "outcome_choices", outcomes);
	struct json_object *staff = json_object_new_array();
	for (int i = 0; i < PQntuples(staff_rows); i++) {
		struct json_object *s = json_object_new_object();
		staff_add_val(req, s, "username", staff_rows, i, COL(REQ_STAFF_CHOICES, username));
		staff_add_val(req, s, "display_name", staff_rows, i,
			      COL(REQ_STAFF_CHOICES, display_name));
		model_add_str(s, "role_label", vocab_label(&vocab_staff_role,
			PQgetvalue(staff_rows, i, COL(REQ_STAFF_CHOICES, role))));
		json_object_array_add(staff, s);
	}
	json_object_object_add(m, "staff_choices", staff);
	json_object_object_add(m, "transfer_choices",
			       transfer_choices(req, transfer_rows));
	request_add_phrases(m, phrase_rows);
	model_add_str(m, "today", fmt(req, clock_today()));
	/* record_delivery: the ways a notice reaches the applicant, the
	 * usual first (an e-mail is recorded by the sender itself). */
	json_object_object_add(m, "delivery_methods", code_list(req, &vocab_notice_delivery,
		"post,express,on_site,pickup,fax,email,sms,online,announcement"));
	return true;
}

/* The fields as sent, each choice made as a flag "<field>_<value>" (a
 * select's option, a ticked box), the refusal under `err`. */
static struct json_object *kept_fields(const struct kept_form *k,
				       const struct workflow_result *refused)
{
	struct json_object *f = json_object_new_object();
	struct json_object *sel = json_object_new_object(), *err = json_object_new_object();
	json_object_object_foreach(k->input, key, v) {
		if (!json_object_is_type(v, json_type_string))
			continue;	/* the files' ids */
		const char *value = json_object_get_string(v);
		model_add_str(f, key, value);
		char flag[96];
		if ((size_t)snprintf(flag, sizeof flag, "%s_%s", key, value) < sizeof flag)
			model_add_bool(sel, flag, true);
	}
	if (refused && refused->message)
		model_add_str(err, refused->field ? refused->field : "form", refused->message);
	json_object_object_add(f, "sel", sel);
	json_object_object_add(f, "err", err);
	if (k->uploads)
		json_object_object_add(f, "kept_files", upload_model(k->uploads, "files"));
	return f;
}

/* A choice of list `list_key` (objects with `code`) as sent in input
 * `field` stays chosen: the reply's outcome, the transfer's agency. */
static void select_choice(struct json_object *m, const char *list_key,
			  struct json_object *input, const char *field)
{
	struct json_object *list, *chosen;
	if (!json_object_object_get_ex(input, field, &chosen) ||
	    !json_object_object_get_ex(m, list_key, &list))
		return;
	const char *code = json_object_get_string(chosen);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *o = json_object_array_get_idx(list, i), *c;
		if (json_object_object_get_ex(o, "code", &c) && !strcmp(json_object_get_string(c), code))
			model_add_bool(o, "selected", true);
	}
}

/* The error summary of the citizen form (templates/apply.mustache): the
 * refusal, linked to its field (id "<action>-<field>" in the template) or
 * to the step's form. */
static void add_error_summary(struct json_object *m, const char *action,
			      const struct workflow_result *refused)
{
	enum wf_action a;
	const char *label = wf_action_from_code(action, &a) ? wf_action_label(a) : "办理";
	struct json_object *e = json_object_new_object();
	char anchor[96];
	if (refused->field)
		snprintf(anchor, sizeof anchor, "%s-%s", action, refused->field);
	else
		snprintf(anchor, sizeof anchor, "step-%s", action);
	model_add_str(e, "anchor", anchor);
	model_add_str(e, "label", label);
	model_add_str(e, "message", refused->message);
	struct json_object *list = json_object_new_array();
	json_object_array_add(list, e);
	json_object_object_add(m, "errors", list);
	json_object_object_add(m, "error_count", json_object_new_int(1));
}

static void render_page(struct request *req, const char *id, int status, enum reveal reveal,
			const struct workflow_result *refused, const char *done,
			const struct kept_form *kept)
{
	struct detail d = { 0 };
	struct page_reads r;
	struct json_object *m = page_read(req, id, &r) ? model_of(req, &r, reveal, &d) : NULL;
	page_reads_clear(&r);
	if (m && !req->wants_json && !add_form_choices(req, m, &d)) {
		json_object_put(m);
		m = NULL;
	}
	if (!m)
		return;
	if (refused && refused->message) {
		model_add_str(m, "error", refused->message);
		model_add_str(m, "error_field", refused->field);
		json_object_object_add(m, "status_code", json_object_new_int(http_status_of(refused->status)));
	}
	if (kept && kept->action && kept->input) {
		struct json_object *forms = json_object_new_object();
		json_object_object_add(forms, kept->action, kept_fields(kept, refused));
		json_object_object_add(m, "form", forms);
		if (!strcmp(kept->action, "reply"))
			select_choice(m, "outcome_choices", kept->input, "outcome");
		if (!strcmp(kept->action, "transfer"))
			select_choice(m, "transfer_choices", kept->input, "agency");
		if (!strcmp(kept->action, "publish"))
			request_keep_public_files(m, kept->input);
		if (refused && refused->message)
			add_error_summary(m, kept->action, refused);
	}
	if (done) {
		enum wf_action a;
		if (wf_action_from_code(done, &a))
			model_add_str(m, "done", wf_action_label(a));
		else if (!strcmp(done, "register"))
			model_add_str(m, "done", "登记申请");
		else if (!strcmp(done, "resend"))
			model_add_str(m, "done", "重新发送消息");
	}
	respond(req, status, "staff/request", m);
}

void request_page(struct request *req, const char *id, int status, enum reveal reveal,
		  const struct workflow_result *refused, const char *done)
{
	render_page(req, id, status, reveal, refused, done, NULL);
}

void request_page_kept(struct request *req, const char *id, int status,
		       const struct workflow_result *refused, const struct kept_form *kept)
{
	render_page(req, id, status, REVEAL_NOTHING, refused, NULL, kept);
}

void page_staff_request(struct request *req)
{
	if (!staff_password_changed_or_respond(req))
		return;
	const char *id = request_ref(req, "ref");
	if (id)
		request_page(req, id, 200, REVEAL_NOTHING, NULL, fields_get(&req->query, "done"));
}

void page_api_request(struct request *req)
{
	const char *id = request_ref(req, "id");
	if (id)
		request_page(req, id, 200, REVEAL_NOTHING, NULL, NULL);
}
