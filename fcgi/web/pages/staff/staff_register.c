/*
 * Registering a request that came in person, by post, fax or e-mail: the
 * same validation and storage as the online form (requests.c, with a
 * struct request_origin naming the member, the channel and the date of
 * receipt, which may be earlier than today: a paper ledger entered late).
 * The form takes files (issue 15): scans of the letter, a copy of the ID,
 * attached in the registration's transaction, their SHA-256 in the
 * `registered` event.
 */
#include <stdio.h>
#include <string.h>

#include "web/auth.h"
#include "domain/date.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "service/requests.h"
#include "core/clock.h"
#include "web/upload.h"

/* The material that came with the request (Art. 29: the application and
 * the applicant's identity), files.purpose 'registration'. */
static const struct upload_input upload_inputs[] = { { "attachments", "registration" } };
static const struct upload_form_field upload_fields[] = {
	{ "attachments", "申请材料（书面申请、信函的扫描件，身份证明复印件等）", true },
};

static const char *const text_fields[] = {
	"applicant_kind", "name", "id_type", "id_number", "work_unit", "credit_code",
	"legal_representative", "contact_name", "phone", "email", "address", "postcode",
	"fax", "notify", "description", "document_ref", "channel", "received_on",
	"backdate_reason", "request_kind", "correction_wrong", "correction_should",
};

/* Where each field sits on the form (its id in templates/staff/
 * register.mustache) and its name in the error summary (issue 16). */
struct form_place {
	const char *field, *id, *label;
};
static const struct form_place places[] = {
	{ "channel", "r-channel", "收到方式" }, { "received_on", "r-received", "收到申请之日" },
	{ "backdate_reason", "r-backdate", "补登理由" }, { "applicant_kind", "r-kind", "申请人类型" },
	{ "name", "r-name", "姓名或名称" }, { "id_type", "r-idtype", "证件类型" },
	{ "id_number", "r-idno", "证件号码" }, { "credit_code", "r-credit", "统一社会信用代码" },
	{ "legal_representative", "r-legal", "法定代表人" }, { "contact_name", "r-contact", "联系人" },
	{ "work_unit", "r-unit", "工作单位" }, { "phone", "r-phone", "联系电话" },
	{ "email", "r-email", "电子邮箱" }, { "address", "r-address", "通信地址" },
	{ "postcode", "r-postcode", "邮政编码" }, { "notify", "r-notify", "通知方式" },
	{ "request_kind", "r-request_kind", "申请类别" },
	{ "description", "r-desc", "所需政府信息" }, { "document_ref", "r-docref", "文号" },
	{ "correction_wrong", "r-cwrong", "不准确的内容" },
	{ "correction_should", "r-cshould", "应当更正为" },
	{ "provision_forms", "r-provision_forms", "提供形式" },
	{ "obtain_methods", "r-obtain_methods", "获取方式" },
	{ "attachments", "f-attachments", "申请材料" },
};

static const struct form_place *place_of(const char *field)
{
	for (size_t i = 0; i < sizeof places / sizeof places[0]; i++)
		if (!strcmp(places[i].field, field))
			return &places[i];
	return NULL;
}

static struct json_object *form_input(struct request *req)
{
	struct json_object *in = json_object_new_object();
	for (size_t i = 0; i < sizeof text_fields / sizeof text_fields[0]; i++)
		model_add_str(in, text_fields[i], fields_get(&req->form, text_fields[i]));
	const char *lists[] = { "provision_forms", "obtain_methods" };
	for (size_t l = 0; l < 2; l++) {
		const char *values[8];
		size_t n = fields_get_all(&req->form, lists[l], values, 8);
		struct json_object *list = json_object_new_array();
		for (size_t i = 0; i < n && i < 8; i++)
			json_object_array_add(list, json_object_new_string(values[i]));
		json_object_object_add(in, lists[l], list);
	}
	const char *confirmed = fields_get(&req->form, "credit_code_confirmed");
	model_add_bool(in, "credit_code_confirmed", confirmed && *confirmed);
	return in;
}

static void register_page(struct request *req, int status, struct json_object *input,
			  struct json_object *errors, const struct staff_agency *ag,
			  const struct upload_result *uploads)
{
	struct json_object *m = staff_model(req, "登记申请");
	upload_form_model(req, m, uploads, upload_fields, 1);
	struct json_object *agency = json_object_new_object();
	model_add_str(agency, "code", ag->code);
	model_add_str(agency, "name", ag->name);
	json_object_object_add(m, "agency", agency);
	json_object_object_add(m, "agencies", staff_agency_choices(req, ag->code));
	char today[DATE_STR_SIZE];
	model_add_str(m, "today", date_format(clock_today(), today));
	if (input) {
		/* Echo what was typed, and which choices were ticked. */
		json_object_object_add(m, "input", json_object_get(input));
		struct json_object *flags = json_object_new_object();
		json_object_object_foreach(input, k, v) {
			if (json_object_is_type(v, json_type_array)) {
				for (size_t i = 0; i < json_object_array_length(v); i++) {
					char key[64];
					snprintf(key, sizeof key, "%s_%s", k,
						 json_object_get_string(json_object_array_get_idx(v, i)));
					model_add_bool(flags, key, true);
				}
			} else if (json_object_is_type(v, json_type_string)) {
				char key[96];
				snprintf(key, sizeof key, "%s_%s", k, json_object_get_string(v));
				if (strlen(key) < sizeof key - 1)
					model_add_bool(flags, key, true);
			}
		}
		json_object_object_add(m, "checked", flags);
	}
	if (errors) {
		struct json_object *list = json_object_new_array();
		json_object_object_foreach(errors, k, v) {
			const struct form_place *at = place_of(k);
			struct json_object *e = json_object_new_object();
			model_add_str(e, "field", k);
			model_add_str(e, "anchor", at ? at->id : "register-form");
			model_add_str(e, "label", at ? at->label : "登记");
			model_add_str(e, "message", json_object_get_string(v));
			json_object_array_add(list, e);
		}
		json_object_object_add(m, "error_count",
				       json_object_new_int((int)json_object_array_length(list)));
		json_object_object_add(m, "errors", list);
		json_object_object_add(m, "error_map", json_object_get(errors));
	}
	respond(req, status, "staff/register", m);
}

/* Administrators look, they do not act: registering is a step. */
static bool may_register(struct request *req)
{
	if (strcmp(req->staff->role, "admin"))
		return true;
	req->log_why = "registration by an administrator";
	respond_error(req, 403, "系统管理员不办理申请：请使用经办人或负责人账户登记");
	return false;
}

void page_staff_register_form(struct request *req)
{
	if (!staff_password_changed_or_respond(req) || !may_register(req))
		return;
	struct staff_agency ag;
	if (staff_agency(req, fields_get(&req->query, "agency"), &ag))
		register_page(req, 200, NULL, NULL, &ag, NULL);
}

/* The form again with the files' refusals beside their field. */
static void refuse_uploads(struct request *req, struct json_object *in,
			   const struct staff_agency *ag, const struct upload_result *up)
{
	req->log_why = "upload refused";
	struct json_object *errors = json_object_new_object();
	const char *e = upload_error_for(up, upload_inputs[0].field);
	model_add_str(errors, upload_inputs[0].field, e ? e : "文件未保存，请重新上传。");
	register_page(req, up->status, in, errors, ag, up);
	json_object_put(errors);
}

/*
 * The agency is a field of the form: the accepted files wait in their
 * temporary files until it is known and seen by this member, then are
 * stored as the agency's uploads and attached with the request.
 */
void page_staff_register(struct request *req)
{
	if (!may_register(req))
		return;
	struct upload_spec spec = { upload_inputs, 1, 0, req->staff->staff_id, 0 };
	struct upload_result up;
	if (!upload_receive(req, &spec, &up))
		return;
	struct staff_agency ag;
	if (!staff_agency(req, fields_get(&req->form, "agency"), &ag)) {
		upload_discard(&up);
		return;
	}
	spec.agency_id = ag.id;
	if (!upload_store_pending(req, &spec, &up)) {
		upload_discard(&up);
		return;
	}
	struct json_object *in = form_input(req);
	if (up.status) {
		refuse_uploads(req, in, &ag, &up);
		json_object_put(in);
		return;
	}
	struct request_origin origin = {
		.channel = fields_get(&req->form, "channel"),
		.received_on = fields_get(&req->form, "received_on"),
		.staff_id = req->staff->staff_id_text,
		.head = !strcmp(req->staff->role, "head"),
	};
	struct request_created rc;
	size_t nfiles;
	long long *files = upload_ids(req, &up, &nfiles);
	request_create_with_files(req->db, req->app, req->arena, ag.code, in, &origin, files,
				  nfiles, &rc);
	if (rc.status == 200 || rc.status == 201) {
		char target[96];
		snprintf(target, sizeof target, "/staff/requests/%s?done=register", rc.request_id);
		json_object_put(in);
		respond_redirect(req, target);
		return;
	}
	if (rc.status == 422) {
		req->log_why = "invalid registration";
		register_page(req, 422, in, rc.errors, &ag, &up);
		json_object_put(rc.errors);
		json_object_put(in);
		return;
	}
	json_object_put(in);
	json_object_put(rc.errors);
	respond_error(req, rc.status, rc.status == 409 ? "该机关目前不受理申请" : NULL);
}
