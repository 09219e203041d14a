/*
 * The application form (政府信息公开申请表, Art. 29), per agency, and the
 * receipt (回执); the JSON route that creates a request. Validation and
 * storage are requests.c's: this file turns the form into the same JSON
 * object the API takes and the results into pages.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "web/auth.h"
#include "web/csrf.h"
#include "web/http.h"
#include "web/model.h"
#include "web/page_cache.h"
#include "web/upload.h"
#include "web/pages/citizen/citizen.h"
#include "web/pages/citizen/status_model.h"
#include "web/pages/pages.h"
#include "service/requests.h"
#include "domain/vocab.h"

/* The single-line and multi-line fields of the form, in form order, with
 * the label the error summary names them by. */
static const struct {
	const char *name;
	const char *label;
} form_fields[] = {
	{ "request_kind", "申请类别" },
	{ "type", "申请人类型" },
	{ "applicant_kind", "申请人类型" },
	{ "name", "姓名或名称" },
	{ "id_type", "证件类型" },
	{ "id_number", "证件号码" },
	{ "work_unit", "工作单位" },
	{ "credit_code", "统一社会信用代码" },
	{ "legal_representative", "法定代表人或负责人" },
	{ "contact_name", "联系人" },
	{ "phone", "联系电话" },
	{ "email", "电子邮箱" },
	{ "address", "通信地址" },
	{ "postcode", "邮政编码" },
	{ "fax", "传真" },
	{ "notify", "通知方式" },
	{ "description", "所需信息的描述" },
	{ "correction_wrong", "不准确的内容" },
	{ "correction_should", "应当更正为" },
	{ "document_ref", "文件名称或文号" },
	{ "provision_forms", "提供形式" },
	{ "obtain_methods", "获取方式" },
	{ "declaration", "声明" },
	{ "privacy_consent", "个人信息处理同意" },
	{ "submit_token", "表单" },
	{ "website", "网址" },
	{ "id_copy", "身份证明" },
	{ "authorization", "委托书" },
	{ "evidence", "证据" },
	{ "attachments", "其他材料" },
};

/*
 * The files the form takes (issue 15; Art. 29: the applicant's identity
 * proven, a 委托书 where someone applies for another): each input and the
 * files.purpose of its files. Optional: an agency may ask for them later.
 */
static const struct upload_input upload_inputs[] = {
	{ "id_copy", "id_copy" },
	{ "authorization", "authorization" },
	{ "evidence", "evidence" },
	{ "attachments", "other" },
};
static const struct upload_form_field upload_fields[] = {
	{ "id_copy", "身份证明（身份证件的照片或扫描件）", false },
	{ "authorization", "委托书（代他人申请时）", false },
	{ "attachments", "其他材料", true },
};
/* A correction (Art. 41) shows its evidence too: the applicant's proof
 * that the record is inaccurate. */
static const struct upload_form_field correction_upload_fields[] = {
	{ "id_copy", "身份证明（身份证件的照片或扫描件）", false },
	{ "authorization", "委托书（代他人申请时）", false },
	{ "evidence", "证据（证明该信息记录不准确的材料）", true },
	{ "attachments", "其他材料", true },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Characters of the description a printed receipt shows. */
#define RECEIPT_PRINT_CHARS 300

/* A group of radio buttons or check boxes: terms [first, first + count)
 * of a vocabulary, with their short or full labels. */
struct option_group {
	const struct vocab *vocab;
	size_t first, count;
	bool short_labels;
};

/* The applicant kinds: 公民（自然人） alone, then the organisations under
 * their heading (法人或者其他组织), where the short labels read well. */
static const struct option_group person_kind = { &vocab_applicant_kind, 0, 1, false };
static const struct option_group org_kinds = { &vocab_applicant_kind, 1, 5, true };

/*
 * The applicant's type comes first (issue 16, item 4): a person never
 * sees the organisation's fields marked 必填, nor the other way round.
 *   KIND_ASK     the blank form: the question "申请人类型" with 下一步 (a
 *                GET to ?type=person|org, for any browser) and the whole
 *                form beside it, hidden; a browser that selects on :has()
 *                shows the whole form instead, its fields appearing once a
 *                type is ticked (citizen.css, "the applicant type first").
 *   KIND_PERSON  ?type=person, or a person's form sent back: their fields.
 *   KIND_ORG     ?type=org, or an organisation's: the five categories
 *                and the organisation's fields.
 *   KIND_ANY     a form sent back with no type at all: both groups, headed.
 */
enum kind_view { KIND_ASK, KIND_PERSON, KIND_ORG, KIND_ANY };

static const char *const kind_view_codes[] = { "ask", "person", "org", "any" };

/* The view of a ?type= (or the form's hidden type): KIND_ASK for anything else. */
static enum kind_view kind_view_of_type(const char *type)
{
	if (type && !strcmp(type, "person"))
		return KIND_PERSON;
	if (type && !strcmp(type, "org"))
		return KIND_ORG;
	return KIND_ASK;
}

/* The view of a form sent back: its applicant_kind, else the type chosen
 * at the first step, else both groups. */
static enum kind_view kind_view_of_input(const char *kind, const char *type)
{
	if (kind && vocab_has(&vocab_applicant_kind, kind))
		return strcmp(kind, vocab_applicant_kind.terms[0].code) ? KIND_ORG : KIND_PERSON;
	enum kind_view v = kind_view_of_type(type);
	return v == KIND_ASK ? KIND_ANY : v;
}

/* The values a form sends for a ticked checkbox. */
static bool ticked(const char *v)
{
	return v && (!strcmp(v, "true") || !strcmp(v, "on") || !strcmp(v, "1") ||
		     !strcmp(v, "yes"));
}

static void add_list(struct request *req, struct json_object *o, const char *name)
{
	const char *values[16];
	size_t n = fields_get_all(&req->form, name, values, COUNT(values));
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; i < n && i < COUNT(values); i++)
		json_object_array_add(list, json_object_new_string(values[i]));
	json_object_object_add(o, name, list);
}

/* The POSTed form as the JSON object requests.c validates. */
static struct json_object *form_input(struct request *req)
{
	static const char *const text_fields[] = {
		"applicant_kind", "name", "id_type", "id_number", "work_unit",
		"credit_code", "legal_representative", "contact_name", "phone",
		"email", "address", "postcode", "fax", "notify", "description",
		"document_ref", "submit_token", "request_kind", "correction_wrong",
		"correction_should",
	};
	struct json_object *in = json_object_new_object();
	for (size_t i = 0; i < COUNT(text_fields); i++)
		model_add_str(in, text_fields[i], fields_get(&req->form, text_fields[i]));
	add_list(req, in, "provision_forms");
	add_list(req, in, "obtain_methods");
	json_object_object_add(in, "declaration",
			       json_object_new_boolean(ticked(fields_get(&req->form, "declaration"))));
	json_object_object_add(in, "privacy_consent",
			       json_object_new_boolean(ticked(fields_get(&req->form, "privacy_consent"))));
	json_object_object_add(in, "credit_code_confirmed",
			       json_object_new_boolean(ticked(fields_get(&req->form,
									  "credit_code_confirmed"))));
	return in;
}

/* ---- the agency --------------------------------------------------------------- */

struct agency {
	const char *id;
	const char *code;
	const char *name;
	bool accepting;
	const char *office_address;
	const char *office_phone;
	const char *office_hours;
};

/* Loads the agency of the {code} capture; false when answered (404, 5xx). */
static bool agency_of_path(struct request *req, struct agency *ag)
{
	char code[64];
	if (!route_capture(&req->match, "code", code, sizeof code)) {
		respond_error(req, 404, "没有找到这个受理机关。");
		return false;
	}
	const char *params[] = { code };
	const PGresult *res = db_cached_or_respond(req, STMT_CITIZEN_AGENCY, READ_UNTIL_AGENCIES_CHANGE, 1, params);
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		req->log_why = "no such agency";
		respond_error(req, 404, "没有找到这个受理机关，请从列表中选择。");
		return false;
	}
	const char *v[7];
	for (int i = 0; i < 7; i++)
		v[i] = PQgetisnull(res, 0, i) ? NULL : arena_strdup(req->arena, PQgetvalue(res, 0, i));
	*ag = (struct agency){ v[0], v[1], v[2], !strcmp(v[3], "t"), v[4], v[5], v[6] };
	return true;
}

static struct json_object *agency_model(const struct agency *ag)
{
	struct json_object *o = json_object_new_object();
	model_add_str(o, "code", ag->code);
	model_add_str(o, "name", ag->name);
	json_object_object_add(o, "accepting", json_object_new_boolean(ag->accepting));
	model_add_str(o, "office_address", ag->office_address);
	model_add_str(o, "office_phone", ag->office_phone);
	model_add_str(o, "office_hours", ag->office_hours);
	if (ag->office_address || ag->office_phone || ag->office_hours)
		json_object_object_add(o, "has_office", json_object_new_boolean(true));
	return o;
}

/* ---- the form's model -------------------------------------------------------------- */

static const char *input_str(struct json_object *in, const char *key)
{
	struct json_object *o;
	return in && json_object_object_get_ex(in, key, &o) &&
	       json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static bool input_has(struct json_object *in, const char *list, const char *value)
{
	struct json_object *o;
	if (!in || !json_object_object_get_ex(in, list, &o) || !json_object_is_type(o, json_type_array))
		return false;
	for (size_t i = 0; i < json_object_array_length(o); i++) {
		const char *v = json_object_get_string(json_object_array_get_idx(o, i));
		if (v && !strcmp(v, value))
			return true;
	}
	return false;
}

static bool input_flag(struct json_object *in, const char *key)
{
	struct json_object *o;
	return in && json_object_object_get_ex(in, key, &o) && json_object_get_boolean(o);
}

static const char *error_of(struct json_object *errors, const char *field)
{
	struct json_object *o;
	return errors && json_object_object_get_ex(errors, field, &o) ? json_object_get_string(o)
								       : NULL;
}

/* {value, error} of every field, under "f". */
static struct json_object *field_values(struct json_object *in, struct json_object *errors)
{
	struct json_object *f = json_object_new_object();
	for (size_t i = 0; i < COUNT(form_fields); i++) {
		struct json_object *o = json_object_new_object();
		model_add_str(o, "value", input_str(in, form_fields[i].name));
		model_add_str(o, "error", error_of(errors, form_fields[i].name));
		json_object_object_add(f, form_fields[i].name, o);
	}
	return f;
}

/*
 * Options of a choice field: {value, label, id, checked}; `list` names the
 * input's array (checkboxes), or NULL for a single value (radio, select).
 */
static struct option_group every(const struct vocab *v)
{
	return (struct option_group){ v, 0, v->count, false };
}

static struct json_object *options(struct option_group g, const char *field,
				   struct json_object *in, bool is_list, const char *css)
{
	struct json_object *arr = json_object_new_array();
	const char *current = is_list ? NULL : input_str(in, field);
	for (size_t i = g.first; i < g.first + g.count && i < g.vocab->count; i++) {
		const struct vocab_term *t = &g.vocab->terms[i];
		struct json_object *o = json_object_new_object();
		char id[96];
		snprintf(id, sizeof id, "f-%s-%s", field, t->code);
		model_add_str(o, "value", t->code);
		model_add_str(o, "label", g.short_labels ? vocab_short(g.vocab, t->code) : t->label);
		model_add_str(o, "id", id);
		model_add_str(o, "class", css);
		bool on = is_list ? input_has(in, field, t->code)
				  : current && !strcmp(current, t->code);
		if (on)
			json_object_object_add(o, "checked", json_object_new_boolean(true));
		json_object_array_add(arr, o);
	}
	return arr;
}

/*
 * The 通知方式 radio group (issue 14). Re-rendered with the applicant's
 * input, it preselects their choice or, when they made none, what the
 * default rule would store: e-mail when an address was typed, else SMS
 * for a mobile number, else none (request_validate.c, validate_notify).
 * The blank form preselects nothing: the rule decides on what is typed.
 */
static struct json_object *notify_options(struct arena *a, struct json_object *in,
					  bool typed)
{
	const char *chosen = input_str(in, "notify");
	struct json_object *copy = NULL;
	if (typed && (!chosen || !*chosen)) {
		const char *email = input_str(in, "email");
		const char *phone = input_str(in, "phone");
		const char *key = phone ? phone_normalise(a, fold_fullwidth(a, phone)) : NULL;
		copy = json_object_new_object();
		model_add_str(copy, "notify", email && *email ? "email"
					      : key && is_mobile(key) ? "sms" : "none");
		in = copy;
	}
	struct json_object *o = options(every(&vocab_notify), "notify", in, false, NULL);
	json_object_put(copy);
	return o;
}

/* Where the error summary's link for a field jumps to: the first radio
 * of the applicant kinds the page shows. */
static const char *anchor_of(const char *field, enum kind_view view)
{
	if (!strcmp(field, "applicant_kind"))
		return view == KIND_ORG ? "f-applicant_kind-business" : "f-applicant_kind-person";
	if (!strcmp(field, "type"))
		return "t-person";
	if (!strcmp(field, "provision_forms"))
		return "f-provision_forms-paper";
	if (!strcmp(field, "obtain_methods"))
		return "f-obtain_methods-post";
	if (!strcmp(field, "notify"))
		return "f-notify-email";
	if (!strcmp(field, "submit_token"))
		return "form-top";
	return NULL;
}

static struct json_object *error_list(struct json_object *errors, enum kind_view view)
{
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; errors && i < COUNT(form_fields); i++) {
		const char *msg = error_of(errors, form_fields[i].name);
		if (!msg)
			continue;
		struct json_object *o = json_object_new_object();
		char anchor[64];
		const char *a = anchor_of(form_fields[i].name, view);
		if (!a) {
			snprintf(anchor, sizeof anchor, "f-%s", form_fields[i].name);
			a = anchor;
		}
		model_add_str(o, "anchor", a);
		model_add_str(o, "label", form_fields[i].label);
		model_add_str(o, "message", msg);
		json_object_array_add(list, o);
	}
	return list;
}

const char *new_submit_token(struct request *req)
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof raw);
	return request_base64(req, raw, sizeof raw);
}

/* The first step's two answers, for ?type= (KIND_ASK). */
static struct json_object *type_options(void)
{
	static const struct {
		const char *value, *label;
	} types[] = {
		{ "person", "公民个人" },
		{ "org", "法人或者其他组织（单位）" },
	};
	struct json_object *arr = json_object_new_array();
	for (size_t i = 0; i < COUNT(types); i++) {
		struct json_object *o = json_object_new_object();
		char id[32];
		snprintf(id, sizeof id, "t-%s", types[i].value);
		model_add_str(o, "value", types[i].value);
		model_add_str(o, "label", types[i].label);
		model_add_str(o, "id", id);
		json_object_array_add(arr, o);
	}
	return arr;
}

/*
 * What the page shows of the applicant's groups (enum kind_view); the
 * option lists stay in the model whatever the view (the JSON keeps them).
 * type_error: the first step sent without a choice.
 */
static void add_kind_view(struct json_object *m, enum kind_view view, const char *type_error)
{
	model_add_str(m, "kind_step", kind_view_codes[view]);
	model_add_bool(m, "ask_kind", view == KIND_ASK);
	if (view == KIND_ASK) {
		json_object_object_add(m, "type_options", type_options());
		model_add_str(m, "type_error", type_error);
	}
	if (view == KIND_PERSON || view == KIND_ORG)
		model_add_str(m, "type", kind_view_codes[view]);
	model_add_bool(m, "show_person", view != KIND_ORG);
	model_add_bool(m, "show_org", view != KIND_PERSON);
}

/*
 * The form page's model: empty (in NULL), or as the applicant sent it with
 * the errors beside their fields. Everything typed comes back.
 */
static struct json_object *form_model(struct request *req, const struct agency *ag,
				      enum kind_view view, struct json_object *in,
				      struct json_object *errors, bool credit_warning,
				      const struct upload_result *uploads)
{
	struct json_object *m = json_object_new_object();
	add_kind_view(m, view, error_of(errors, "type"));
	const char *request_kind = input_str(in, "request_kind");
	bool correction = request_kind && !strcmp(request_kind, "correction");
	model_add_str(m, "request_kind", correction ? "correction" : "disclosure");
	model_add_bool(m, "correction", correction);
	if (correction)
		upload_form_model(req, m, uploads, correction_upload_fields,
				  COUNT(correction_upload_fields));
	else
		upload_form_model(req, m, uploads, upload_fields, COUNT(upload_fields));
	json_object_object_add(m, "agency", agency_model(ag));
	const char *token = input_str(in, "submit_token");
	model_add_str(m, "submit_token", token && *token ? token : new_submit_token(req));
	json_object_object_add(m, "f", field_values(in, errors));
	json_object_object_add(m, "kind_person", options(person_kind, "applicant_kind", in, false,
							 "kind-person"));
	json_object_object_add(m, "kind_org", options(org_kinds, "applicant_kind", in, false,
						      "kind-org"));
	json_object_object_add(m, "id_types", options(every(&vocab_id_type), "id_type", in,
						      false, NULL));
	json_object_object_add(m, "provision", options(every(&vocab_provision_form),
						       "provision_forms", in, true, NULL));
	json_object_object_add(m, "obtain", options(every(&vocab_obtain_method),
						    "obtain_methods", in, true, NULL));
	json_object_object_add(m, "notify_options", notify_options(req->arena, in,
									   errors != NULL));
	if (input_flag(in, "declaration"))
		json_object_object_add(m, "declaration_checked", json_object_new_boolean(true));
	if (input_flag(in, "privacy_consent"))
		json_object_object_add(m, "privacy_consent_checked", json_object_new_boolean(true));
	model_add_str(m, "privacy_notice_version", PRIVACY_NOTICE_VERSION);
	json_object_object_add(m, "retention_years",
			       json_object_new_int(req->app->config.retention_years));
	bool confirmed = input_flag(in, "credit_code_confirmed");
	if (credit_warning || confirmed)
		json_object_object_add(m, "credit_confirm", json_object_new_boolean(true));
	if (confirmed)
		json_object_object_add(m, "credit_confirmed", json_object_new_boolean(true));
	struct json_object *list = error_list(errors, view);
	size_t n = json_object_array_length(list);
	if (n) {
		json_object_object_add(m, "error_count", json_object_new_int((int)n));
		json_object_object_add(m, "errors", list);
	} else {
		json_object_put(list);
	}
	return m;
}

static void respond_form(struct request *req, int status, const struct agency *ag,
			 enum kind_view view, struct json_object *in, struct json_object *errors,
			 bool credit_warning, const struct upload_result *uploads)
{
	respond(req, status, "apply",
		form_model(req, ag, view, in, errors, credit_warning, uploads));
}

/*
 * The blank form, the same for every visitor but for the CSRF and
 * submission tokens: from this worker's rendered copy (web/page_cache,
 * issue 17), drawn afresh when an agency changed. Its key is the address
 * (agency and ?type=, which the display switch returns to) and the display.
 */
static void respond_blank_form(struct request *req, const struct agency *ag,
			       enum kind_view view, struct json_object *defaults)
{
	const char *tokens[] = { csrf_token(req), new_submit_token(req) };
	char key[512];
	int len = snprintf(key, sizeof key, "apply\n%s\n%d", req->target ? req->target : "",
			   http_display_large(req));
	if (len < 0 || (size_t)len >= sizeof key) {	/* an address too long to keep */
		model_add_str(defaults, "submit_token", tokens[1]);
		respond_form(req, 200, ag, view, defaults, NULL, false, NULL);
		return;
	}
	struct page_copy copy = { .key = key, .topics = DB_TOPIC_BIT(DB_TOPIC_AGENCIES) };
	if (page_cache_serve(req, &copy, tokens, COUNT(tokens)))
		return;
	model_add_str(defaults, "submit_token", page_cache_slot(1));
	struct json_object *m = form_model(req, ag, view, defaults, NULL, false, NULL);
	model_add_str(m, "csrf_token", page_cache_slot(0));
	page_cache_respond(req, &copy, "apply", m, tokens, COUNT(tokens));
}

/* ---- pages ---------------------------------------------------------------------------- */

void page_apply_index(struct request *req)
{
	PGresult *res = db_exec_or_respond(req, req->db, STMT_CITIZEN_AGENCIES, 0, NULL);
	if (!res)
		return;
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *a = json_object_new_object();
		model_add_str(a, "code", PQgetvalue(res, i, COL(CITIZEN_AGENCIES, code)));
		model_add_str(a, "name", PQgetvalue(res, i, COL(CITIZEN_AGENCIES, name)));
		bool accepting = !strcmp(PQgetvalue(res, i, COL(CITIZEN_AGENCIES, accepting)), "t");
		bool child = !strcmp(PQgetvalue(res, i, COL(CITIZEN_AGENCIES, child)), "t");
		json_object_object_add(a, "accepting", json_object_new_boolean(accepting));
		json_object_object_add(a, "child", json_object_new_boolean(child));
		json_object_array_add(list, a);
	}
	PQclear(res);
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "agencies", list);
	respond(req, 200, "apply_agencies", m);
}

/* GET /apply/{code}[?type=person|org][&kind=correction]: the blank form
 * (enum kind_view), a correction's (Art. 41) with kind=correction. */
void page_apply_form(struct request *req)
{
	struct agency ag;
	if (!agency_of_path(req, &ag))
		return;
	const char *type = fields_get(&req->query, "type");
	/* 下一步 sends next=1: no type is sent when none was ticked. */
	bool stepped = type || fields_get(&req->query, "next");
	enum kind_view view = kind_view_of_type(type);
	/* Most applicants hold a 居民身份证: preselect it. */
	struct json_object *defaults = json_object_new_object();
	model_add_str(defaults, "id_type", "resident_id");
	/* ?kind=correction: the correction's form (Art. 41). */
	const char *kind = fields_get(&req->query, "kind");
	if (kind && !strcmp(kind, "correction"))
		model_add_str(defaults, "request_kind", "correction");
	if (view == KIND_PERSON)
		model_add_str(defaults, "applicant_kind", vocab_applicant_kind.terms[0].code);
	struct json_object *errors = NULL;
	if (stepped && view == KIND_ASK) {
		/* 下一步 without a choice: the question again, its error beside it. */
		req->log_why = "no applicant type";
		errors = json_object_new_object();
		model_add_str(errors, "type", "请选择申请人类型：公民（自然人），或者法人或者其他组织");
	}
	if (errors || req->wants_json)
		respond_form(req, errors ? 422 : 200, &ag, view, defaults, errors, false, NULL);
	else
		respond_blank_form(req, &ag, view, defaults);
	json_object_put(errors);
	json_object_put(defaults);
}

/* The receipt's model: also the JSON answer of the API (a superset of
 * {"tracking_no", "query_code", "status"}). */
static struct json_object *receipt_model(const struct request_created *rc)
{
	struct json_object *m = json_object_new_object();
	model_add_str(m, "tracking_no", rc->tracking_no);
	json_object_object_add(m, "query_code", rc->query_code
			       ? json_object_new_string(rc->query_code) : NULL);
	model_add_str(m, "status", rc->status_code);
	model_add_str(m, "submitted_at", rc->submitted_at);
	model_add_str(m, "submitted_text", rc->submitted_text);
	if (rc->received_on)
		model_add_str(m, "received_on", rc->received_on);
	if (rc->due_on)
		model_add_str(m, "due_on", rc->due_on);
	model_add_str(m, "notify", rc->notify);
	model_add_str(m, "request_kind", rc->request_kind);
	model_add_str(m, "request_kind_label", vocab_label(&vocab_request_kind, rc->request_kind));
	model_add_bool(m, "correction", rc->request_kind && !strcmp(rc->request_kind, "correction"));
	if (rc->notify)
		model_add_str(m, "notify_label", vocab_label(&vocab_notify, rc->notify));
	if (rc->status == 200)
		json_object_object_add(m, "repeated", json_object_new_boolean(true));
	return m;
}

static void respond_receipt(struct request *req, const struct agency *ag,
			    const struct request_created *rc)
{
	struct json_object *m = receipt_model(rc);
	json_object_object_add(m, "agency", agency_model(ag));
	model_add_str(m, "description", rc->description);
	model_add_str(m, "document_ref", rc->document_ref);
	/* The printed receipt stays on one A4 page: a long description is
	 * printed as its beginning (the status page has it all). */
	size_t chars = rc->description ? utf8_length(rc->description, strlen(rc->description)) : 0;
	if (chars > RECEIPT_PRINT_CHARS) {
		const char *p = rc->description;
		for (size_t n = 0; n < RECEIPT_PRINT_CHARS; n++)
			do
				p++;
			while (((unsigned char)*p & 0xC0) == 0x80);
		char *excerpt = arena_strndup(req->arena, rc->description, (size_t)(p - rc->description));
		model_add_str(m, "description_excerpt", excerpt);
		json_object_object_add(m, "description_chars", json_object_new_int((int)chars));
	}
	/* What was chosen, the e-mail and the look-up page's full address
	 * (issue 16, item 6), as the status page shows them. */
	if (rc->request_id && !status_model_add_choices(req, m, rc->request_id, rc->tracking_no)) {
		json_object_put(m);
		return;
	}
	respond(req, rc->status, "receipt", m);
}

/* The refusals of the form's files, beside their fields (errors). */
static struct json_object *upload_errors(const struct upload_result *u)
{
	struct json_object *errors = json_object_new_object();
	for (size_t i = 0; i < COUNT(upload_inputs); i++) {
		const char *e = upload_error_for(u, upload_inputs[i].field);
		if (e)
			model_add_str(errors, upload_inputs[i].field, e);
	}
	return errors;
}

void page_apply_submit(struct request *req)
{
	struct agency ag;
	if (!agency_of_path(req, &ag))
		return;
	struct upload_spec spec = { upload_inputs, COUNT(upload_inputs), atoll(ag.id), 0, 0 };
	struct upload_result uploads;
	if (!upload_receive(req, &spec, &uploads))
		return;
	struct json_object *in = form_input(req);
	enum kind_view view = kind_view_of_input(input_str(in, "applicant_kind"),
						 fields_get(&req->form, "type"));
	if (uploads.status) {
		/* A file refused: the form again, everything typed and every file
		 * accepted kept (413 when one was too large, else 422). */
		req->log_why = "upload refused";
		struct json_object *errors = upload_errors(&uploads);
		respond_form(req, uploads.status == 503 ? 503 : uploads.status, &ag, view, in, errors,
			     false, &uploads);
		json_object_put(errors);
		json_object_put(in);
		return;
	}
	/* A bot fills every field; a person never sees this one. */
	const char *honeypot = fields_get(&req->form, "website");
	if (honeypot && *honeypot) {
		req->log_why = "honeypot filled";
		struct json_object *errors = json_object_new_object();
		model_add_str(errors, "website", "请清空“网址”一栏后再提交（这一栏不需要填写）");
		model_add_str(in, "website", honeypot);
		respond_form(req, 422, &ag, view, in, errors, false, &uploads);
		json_object_put(errors);
		json_object_put(in);
		return;
	}
	struct request_created rc;
	size_t nfiles;
	long long *files = upload_ids(req, &uploads, &nfiles);
	request_create_with_files(req->db, req->app, req->arena, ag.code, in, NULL, files, nfiles,
				  &rc);
	switch (rc.status) {
	case 200:
	case 201:
		respond_receipt(req, &ag, &rc);
		break;
	case 409:
		respond_error(req, 409, "该机关目前暂停受理网上申请，请通过其他方式提交，或稍后再试。您填写的内容没有提交。");
		break;
	case 422:
		req->log_why = "invalid application";
		respond_form(req, 422, &ag, view, in, rc.errors, rc.credit_warning, &uploads);
		break;
	case 404:
		respond_error(req, 404, "没有找到这个受理机关。");
		break;
	default:
		respond_error(req, rc.status, NULL);
	}
	json_object_put(rc.errors);
	json_object_put(in);
}

/* ---- the API ---------------------------------------------------------------------------- */

static const char *body_str(struct request *req, const char *key)
{
	struct json_object *o;
	return req->json_body && json_object_object_get_ex(req->json_body, key, &o) &&
	       json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

/*
 * POST /api/v1/agencies/{code}/requests. Signed in, staff register a
 * request that arrived another way: the body's `channel` and
 * `received_on` say how and when (Art. 31), the event is theirs.
 */
void page_api_request_create(struct request *req)
{
	char code[64];
	if (!route_capture(&req->match, "code", code, sizeof code)) {
		respond_error(req, 404, "没有找到这个受理机关。");
		return;
	}
	if (!req->json_body || !json_object_is_type(req->json_body, json_type_object)) {
		req->log_why = "body is not a JSON object";
		respond_error(req, 400, "请求体应为一个JSON对象。");
		return;
	}
	struct request_origin staff_origin, *origin = NULL;
	if (req->staff && !strcmp(req->staff->role, "admin")) {
		/* Administrators look, they do not act (docs/api.md). */
		req->log_why = "registration by an administrator";
		respond_error(req, 403, "系统管理员不办理申请：请使用经办人或负责人账户登记。");
		return;
	}
	if (req->staff) {
		struct agency ag;
		if (!agency_of_path(req, &ag))
			return;
		if (!auth_sees_agency(req, atoll(ag.id))) {
			req->log_why = "agency of another office";
			respond_error(req, 403, "您无权为该机关登记申请。");
			return;
		}
		staff_origin = (struct request_origin){
			.channel = body_str(req, "channel"),
			.received_on = body_str(req, "received_on"),
			.staff_id = req->staff->staff_id_text,
			.head = !strcmp(req->staff->role, "head"),
		};
		origin = &staff_origin;
	}
	if (json_object_object_get_ex(req->json_body, "files", NULL)) {
		/* Uploads from POST /api/v1/requests/{id}/files belong to a
		 * request that exists; a new one takes its files in the same
		 * body, multipart (docs/api.md). */
		req->log_why = "files in a JSON registration";
		struct json_object *m = json_object_new_object();
		struct json_object *errors = json_object_new_object();
		model_add_str(errors, "files", "新申请的附件请随申请一并以multipart/form-data提交"
			      "（工作人员登记：POST /staff/register），不能引用已上传文件的编号。");
		json_object_object_add(m, "errors", errors);
		respond(req, 422, NULL, m);
		return;
	}
	struct request_created rc;
	request_create(req->db, req->app, req->arena, code, req->json_body, origin, &rc);
	if (rc.status == 200 || rc.status == 201) {
		respond(req, rc.status, NULL, receipt_model(&rc));
	} else if (rc.status == 422) {
		req->log_why = "invalid application";
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "errors", json_object_get(rc.errors));
		if (rc.credit_warning)
			json_object_object_add(m, "credit_code_unconfirmed",
					       json_object_new_boolean(true));
		respond(req, 422, NULL, m);
	} else if (rc.status == 409) {
		respond_error(req, 409, "该机关目前暂停受理网上申请。");
	} else if (rc.status == 404) {
		respond_error(req, 404, "没有找到这个受理机关。");
	} else {
		respond_error(req, rc.status, NULL);
	}
	json_object_put(rc.errors);
}
