/*
 * 投诉、举报 (Art. 51 of the Regulations): a citizen's complaint about an
 * agency's handling, or report about its disclosure work, to the
 * supervising department (service/complaints.h).
 *
 * /complaints/new: the form. Against a request, the tracking number and
 * its query code are checked as the status look-up checks them (the same
 * limiter: a wrong code here is a wrong try there), and the agency is the
 * request's; else the citizen chooses the agency. The receipt shows the
 * complaint's number and its own query code, once.
 * /complaints/status: the look-up by number and code (POSTed, so the code
 * stays out of URLs), counted by the same limiter.
 * JSON: POST /api/v1/complaints and /api/v1/complaints/status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/columns.h"
#include "domain/vocab.h"
#include "service/complaints.h"
#include "service/query_codes.h"
#include "web/http.h"
#include "web/model.h"
#include "web/pages/citizen/citizen.h"
#include "web/pages/pages.h"

#define WRONG_REQUEST "申请编号或查询码不正确，请核对后重试；不针对某件申请的，可以不填这两项，直接选择机关"
#define WRONG_COMPLAINT "投诉举报编号或查询码不正确，请核对后重试"

/* The form's fields, in the page's order, for the error summary. */
static const struct {
	const char *field, *label;
} form_fields[] = {
	{ "kind", "类型" },
	{ "tracking_no", "申请编号" },
	{ "query_code", "申请的查询码" },
	{ "agency", "被投诉举报的机关" },
	{ "name", "姓名" },
	{ "phone", "联系电话" },
	{ "email", "电子邮箱" },
	{ "body", "投诉举报内容" },
};
#define NFIELDS (sizeof form_fields / sizeof form_fields[0])

/* ---- the form ------------------------------------------------------------------ */

/* The agencies to choose from, `chosen` selected. */
static struct json_object *agency_choices(struct request *req, const char *chosen)
{
	PGresult *res = db_exec_or_respond(req, req->db, STMT_CITIZEN_AGENCIES, 0, NULL);
	if (!res)
		return NULL;
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		const char *code = PQgetvalue(res, i, COL(CITIZEN_AGENCIES, code));
		struct json_object *a = json_object_new_object();
		model_add_str(a, "code", code);
		model_add_str(a, "name", PQgetvalue(res, i, COL(CITIZEN_AGENCIES, name)));
		model_add_bool(a, "child", !strcmp(PQgetvalue(res, i, COL(CITIZEN_AGENCIES, child)), "t"));
		model_add_bool(a, "selected", chosen && !strcmp(chosen, code));
		json_object_array_add(list, a);
	}
	PQclear(res);
	return list;
}

/* The kinds as radio buttons, `chosen` checked. */
static struct json_object *kind_choices(const char *chosen)
{
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; i < vocab_complaint_kind.count; i++) {
		const struct vocab_term *t = &vocab_complaint_kind.terms[i];
		struct json_object *k = json_object_new_object();
		model_add_str(k, "code", t->code);
		model_add_str(k, "label", t->label);
		model_add_bool(k, "checked", chosen && !strcmp(chosen, t->code));
		json_object_array_add(list, k);
	}
	return list;
}

/* The form again (or for the first time): what was typed kept, each
 * error beside its field and in the summary. */
static void respond_form(struct request *req, int status, struct json_object *errors)
{
	if (req->wants_json) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "errors", json_object_get(errors));
		respond(req, status, NULL, j);
		return;
	}
	const char *agency = citizen_input(req, "agency");
	struct json_object *agencies = agency_choices(req, agency);
	if (!agencies)
		return;
	struct json_object *m = json_object_new_object();
	struct json_object *typed = json_object_new_object();
	for (size_t i = 0; i < NFIELDS; i++)
		model_add_str(typed, form_fields[i].field, citizen_input(req, form_fields[i].field));
	const char *token = citizen_input(req, "submit_token");
	model_add_str(m, "submit_token", token && *token ? token : new_submit_token(req));
	const char *no = fields_get(&req->query, "no");
	if (no && !citizen_input(req, "tracking_no"))
		model_add_str(typed, "tracking_no", tracking_normalise(req->arena, no));
	json_object_object_add(m, "typed", typed);
	json_object_object_add(m, "agencies", agencies);
	const char *kind = citizen_input(req, "kind");
	json_object_object_add(m, "kinds", kind_choices(kind ? kind : "complaint"));
	json_object_object_add(m, "due_workdays", json_object_new_int(COMPLAINT_WORKDAYS));
	struct json_object *list = json_object_new_array(), *e;
	for (size_t i = 0; errors && i < NFIELDS; i++) {
		if (!json_object_object_get_ex(errors, form_fields[i].field, &e))
			continue;
		struct json_object *o = json_object_new_object();
		char anchor[40];
		snprintf(anchor, sizeof anchor, "f-%s", form_fields[i].field);
		model_add_str(o, "anchor", anchor);
		model_add_str(o, "label", form_fields[i].label);
		model_add_str(o, "message", json_object_get_string(e));
		json_object_array_add(list, o);
	}
	if (json_object_array_length(list))
		json_object_object_add(m, "error_count",
				       json_object_new_int((int)json_object_array_length(list)));
	json_object_object_add(m, "error_list", list);
	if (errors)
		json_object_object_add(m, "errors", json_object_get(errors));
	respond(req, status, "complaint_form", m);
}

void page_complaint_form(struct request *req)
{
	respond_form(req, 200, NULL);
}

/* ---- filing ------------------------------------------------------------------- */

static void respond_limited(struct request *req, int retry_after)
{
	set_retry_after(req, retry_after);
	req->log_why = "complaint look-up limited";
	respond_error(req, 429, limited_message(req, retry_after));
}

/* The request a complaint is about, when a tracking number was given:
 * false when answered (a wrong number or code: beside the field). */
static bool request_of_or_respond(struct request *req, const char **request_id)
{
	*request_id = NULL;
	const char *no = citizen_input(req, "tracking_no");
	const char *code = citizen_input(req, "query_code");
	bool has_no = no && *tracking_normalise(req->arena, no);
	if (!has_no && !(code && *code))
		return true;
	struct json_object *errors = json_object_new_object();
	int retry_after = 0;
	enum citizen_try t = TRY_WRONG;
	if (!has_no)
		model_add_str(errors, "tracking_no", "填写了查询码，请同时填写申请编号");
	else if (!code || !*code)
		model_add_str(errors, "query_code", "请填写这件申请的查询码（提交申请时显示的10位字母和数字）");
	else
		t = citizen_request_proved(req, request_id, &retry_after);
	if (t == TRY_WRONG && json_object_object_length(errors) == 0) {
		req->log_why = "complaint: wrong tracking number or code";
		model_add_str(errors, "query_code", WRONG_REQUEST);
	}
	if (t == TRY_WRONG)
		respond_form(req, 422, errors);
	else if (t == TRY_LIMITED)
		respond_limited(req, retry_after);
	json_object_put(errors);
	return t == TRY_FOUND;
}

static struct json_object *receipt_model(const struct complaint_filed *f)
{
	const char *kind = f->kind;
	struct json_object *m = json_object_new_object();
	model_add_str(m, "complaint_no", f->complaint_no);
	json_object_object_add(m, "query_code", *f->query_code
			       ? json_object_new_string(f->query_code) : NULL);
	model_add_bool(m, "repeated", f->repeated);
	model_add_str(m, "kind", kind);
	model_add_str(m, "kind_label", vocab_label(&vocab_complaint_kind, kind));
	model_add_str(m, "status", "received");
	model_add_str(m, "status_label", vocab_label(&vocab_complaint_status, "received"));
	model_add_str(m, "agency_name", f->agency_name);
	model_add_str(m, "handling_agency_name", f->handling_agency_name);
	model_add_str(m, "received_on", f->received_on);
	model_add_str(m, "due_on", f->due_on);
	json_object_object_add(m, "due_workdays", json_object_new_int(COMPLAINT_WORKDAYS));
	model_add_str(m, "notify", f->notify);
	model_add_str(m, "notify_label", vocab_label(&vocab_complaint_notify, f->notify));
	return m;
}

void page_complaint_submit(struct request *req)
{
	const char *request_id;
	if (!request_of_or_respond(req, &request_id))
		return;
	struct complaint_input in = {
		.kind = citizen_input(req, "kind"),
		.request_id = request_id,
		.agency_code = request_id ? NULL : citizen_input(req, "agency"),
		.name = citizen_input(req, "name"),
		.phone = citizen_input(req, "phone"),
		.email = citizen_input(req, "email"),
		.body = citizen_input(req, "body"),
		.submit_token = citizen_input(req, "submit_token"),
	};
	struct context ctx = http_context(req);
	struct complaint_filed f = complaint_file(&ctx, &in);
	if (f.status == SERVICE_BAD_INPUT) {
		req->log_why = "invalid complaint";
		respond_form(req, 422, f.errors);
		json_object_put(f.errors);
		return;
	}
	if (f.status != SERVICE_DONE) {
		respond_error(req, http_status_of(f.status), NULL);
		return;
	}
	http_header(req, "Cache-Control", "no-store");
	respond(req, f.repeated ? 200 : 201, "complaint_receipt", receipt_model(&f));
	sodium_memzero(f.query_code, sizeof f.query_code);
}

void page_api_complaint_create(struct request *req)
{
	page_complaint_submit(req);
}

/* ---- the look-up --------------------------------------------------------------- */

static void respond_status_form(struct request *req, int status, const char *message,
				struct json_object *errors)
{
	struct json_object *m = json_object_new_object();
	const char *no = citizen_input(req, "complaint_no");
	model_add_str(m, "complaint_no", no ? tracking_normalise(req->arena, no) : "");
	model_add_str(m, "query_code", citizen_input(req, "query_code"));
	model_add_str(m, "message", message);
	struct json_object *e;
	if (errors && json_object_object_get_ex(errors, "complaint_no", &e))
		model_add_str(m, "complaint_no_error", json_object_get_string(e));
	if (errors && json_object_object_get_ex(errors, "query_code", &e))
		model_add_str(m, "query_code_error", json_object_get_string(e));
	if (req->wants_json) {
		json_object_put(m);
		m = json_object_new_object();
		if (errors)
			json_object_object_add(m, "errors", json_object_get(errors));
		else
			model_add_str(m, "error", message);
	}
	respond(req, status, "complaint_status_form", m);
}

void page_complaint_status_form(struct request *req)
{
	respond_status_form(req, 200, NULL, NULL);
}

static void add_value(struct json_object *m, const PGresult *res, const char *key, int col)
{
	if (!PQgetisnull(res, 0, col))
		model_add_str(m, key, PQgetvalue(res, 0, col));
}

/* What the complainant sees of their complaint: progress and the reply. */
static struct json_object *status_model(const PGresult *res)
{
	struct json_object *m = json_object_new_object();
	const char *kind = PQgetvalue(res, 0, COL(CITIZEN_COMPLAINT, kind));
	const char *status = PQgetvalue(res, 0, COL(CITIZEN_COMPLAINT, status));
	add_value(m, res, "complaint_no", COL(CITIZEN_COMPLAINT, complaint_no));
	model_add_str(m, "kind", kind);
	model_add_str(m, "kind_label", vocab_label(&vocab_complaint_kind, kind));
	model_add_str(m, "status", status);
	model_add_str(m, "status_label", vocab_label(&vocab_complaint_status, status));
	model_add_bool(m, "replied", !strcmp(status, "replied"));
	model_add_bool(m, "overdue", !strcmp(PQgetvalue(res, 0, COL(CITIZEN_COMPLAINT, overdue)), "t"));
	add_value(m, res, "received_on", COL(CITIZEN_COMPLAINT, received_on));
	add_value(m, res, "due_on", COL(CITIZEN_COMPLAINT, due_on));
	json_object_object_add(m, "due_workdays", json_object_new_int(COMPLAINT_WORKDAYS));
	add_value(m, res, "agency_name", COL(CITIZEN_COMPLAINT, agency_name));
	add_value(m, res, "handling_agency_name", COL(CITIZEN_COMPLAINT, handling_agency_name));
	add_value(m, res, "tracking_no", COL(CITIZEN_COMPLAINT, tracking_no));
	add_value(m, res, "body", COL(CITIZEN_COMPLAINT, body));
	add_value(m, res, "reply", COL(CITIZEN_COMPLAINT, reply));
	add_value(m, res, "replied_on", COL(CITIZEN_COMPLAINT, replied_on));
	return m;
}

void page_complaint_status(struct request *req)
{
	const char *no = citizen_input(req, "complaint_no");
	const char *code = citizen_input(req, "query_code");
	no = no ? tracking_normalise(req->arena, no) : "";
	if (!*no || !code || !*code) {
		struct json_object *errors = json_object_new_object();
		if (!*no)
			model_add_str(errors, "complaint_no", "请填写投诉举报编号（如 ts-2026-000001）");
		if (!code || !*code)
			model_add_str(errors, "query_code", "请填写查询码（提交投诉举报时显示的10位字母和数字）");
		respond_status_form(req, 422, NULL, errors);
		json_object_put(errors);
		return;
	}
	const char *hash = query_code_hash(req->app, req->arena, code);
	PGresult *res = NULL;
	if (hash && strlen(no) <= 64) {
		const char *p[] = { no, hash };
		res = db_exec_or_respond(req, req->db, STMT_CITIZEN_COMPLAINT, 2, p);
		if (!res)
			return;
	}
	int retry_after = 0;
	enum citizen_try t = citizen_try_counted(req, res && PQntuples(res) == 1, &retry_after);
	if (t == TRY_FOUND) {
		http_header(req, "Cache-Control", "no-store");
		respond(req, 200, "complaint_status", status_model(res));
	} else if (t == TRY_WRONG) {
		req->log_why = "complaint look-up failed";
		respond_status_form(req, 404, WRONG_COMPLAINT, NULL);
	} else if (t == TRY_LIMITED) {
		respond_limited(req, retry_after);
	}
	PQclear(res);
}

void page_api_complaint_status(struct request *req)
{
	page_complaint_status(req);
}
