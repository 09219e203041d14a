/*
 * staff_reissue: a new 查询码 for an applicant who lost theirs (issue 16,
 * item 6; service/query_code_reissue.h). The form on the request page
 * (POST /staff/requests/{id}/reissue-code, identity_checked=yes) answers
 * with a page showing the new code once, to hand to the applicant; it is
 * a POST's answer on purpose: the code must never be in a URL. The API
 * (POST /api/v1/requests/{id}/reissue-code, {"identity_checked": true})
 * answers {"tracking_no", "query_code", "seq"}.
 */
#include <string.h>
#include <sodium.h>

#include "lib/route.h"
#include "service/query_code_reissue.h"
#include "web/http.h"
#include "web/model.h"
#include "web/pages/staff/staff.h"

static bool identity_checked(struct request *req)
{
	struct json_object *o;
	if (req->json_body)
		return json_object_is_type(req->json_body, json_type_object) &&
		       json_object_object_get_ex(req->json_body, "identity_checked", &o) &&
		       json_object_is_type(o, json_type_boolean) && json_object_get_boolean(o);
	const char *v = fields_get(&req->form, "identity_checked");
	return v && !strcmp(v, "yes");
}

/* Runs the service for the {id} of the path; the result's status says. */
static struct code_reissue reissue_for_path(struct request *req, char id[32])
{
	if (!route_capture(&req->match, "id", id, 32)) {
		struct code_reissue r = { .status = SERVICE_NOT_FOUND, .message = "没有这件申请" };
		return r;
	}
	struct context ctx = http_context(req);
	return query_code_reissue(&ctx, id, identity_checked(req));
}

void page_staff_reissue_code(struct request *req)
{
	char id[32];
	struct code_reissue r = reissue_for_path(req, id);
	if (r.status != SERVICE_DONE) {
		req->log_why = "reissue refused";
		respond_error(req, http_status_of(r.status), r.message);
		return;
	}
	struct json_object *m = staff_model(req, "重新发放查询码");
	model_add_str(m, "request_id", id);
	model_add_str(m, "tracking_no", r.tracking_no);
	model_add_str(m, "query_code", r.query_code);
	sodium_memzero(r.query_code, sizeof r.query_code);
	respond(req, 200, "staff/reissued_code", m);
}

void page_api_reissue_code(struct request *req)
{
	char id[32];
	struct code_reissue r = reissue_for_path(req, id);
	if (r.status != SERVICE_DONE) {
		req->log_why = "reissue refused";
		struct json_object *e = json_object_new_object();
		model_add_str(e, "error", r.message);
		if (r.field)
			model_add_str(e, "field", r.field);
		respond(req, http_status_of(r.status), NULL, e);
		return;
	}
	struct json_object *m = json_object_new_object();
	model_add_str(m, "tracking_no", r.tracking_no);
	model_add_str(m, "query_code", r.query_code);
	json_object_object_add(m, "seq", json_object_new_int(r.seq));
	sodium_memzero(r.query_code, sizeof r.query_code);
	respond(req, 200, NULL, m);
}
