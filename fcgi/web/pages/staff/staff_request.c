/*
 * One request for staff: everything the applicant gave (the 证件号码
 * masked; shown in full only on request, and each view is logged as an
 * `id_number_viewed` event), the timeline, the deadline with its
 * explanation, and the steps its state allows. Each step is a POST to
 * /staff/requests/{id}/{action} (or the API) and goes through
 * workflow_act().
 *
 * A request outside the member's agency is answered exactly like a
 * request that does not exist: 404, by id or by tracking number.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/auth.h"
#include "core/calendar_cache.h"
#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/idcheck.h"
#include "domain/workflow_rules.h"
#include "core/events.h"
#include "web/http.h"
#include "web/upload.h"
#include "core/columns.h"
#include "web/pages/pages.h"
#include "core/pii.h"
#include "service/workflow.h"
#include "core/clock.h"
#include "domain/vocab.h"
#include "web/pages/staff/staff_request.h"

static bool digits(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n;
}

/* ---- finding the request ------------------------------------------------- */

/* The id of {ref} (an id or a tracking number), or NULL (404 answered). */
const char *request_ref(struct request *req, const char *capture)
{
	char ref[96];
	if (!route_capture(&req->match, capture, ref, sizeof ref)) {
		respond_error(req, 404, "没有这件申请");
		return NULL;
	}
	if (digits(ref))
		return arena_strdup(req->arena, ref);
	for (char *p = ref; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	const char *params[] = { ref };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_REQ_ID_BY_NUMBER, 1, params);
	if (!res)
		return NULL;
	const char *id = PQntuples(res) == 1 ? staff_val(req, res, 0, COL(REQ_ID_BY_NUMBER, id)) : NULL;
	PQclear(res);
	if (!id)
		respond_error(req, 404, "没有这件申请");
	return id;
}

/* ---- steps --------------------------------------------------------------- */

/* The fields of a form that steer the page, not the step. */
static bool is_control(const char *name)
{
	static const char *const controls[] = { "csrf_token", "kept_files", "preview", "edit",
						"insert_phrase", "phrase_id" };
	for (size_t i = 0; i < sizeof controls / sizeof controls[0]; i++)
		if (!strcmp(name, controls[i]))
			return true;
	return false;
}

/* A field sent once per ticked box (the publish form's public_files,
 * issue 18 §2): its values joined as "12, 13", as the step reads them. */
static bool add_repeated(struct request *req, struct json_object *in, const struct field *f)
{
	struct json_object *before;
	if (strcmp(f->name, "public_files") || !json_object_object_get_ex(in, f->name, &before))
		return false;
	const char *was = json_object_get_string(before);
	size_t n = strlen(was) + f->value_len + 3;
	char *joined = arena_alloc(req->arena, n);
	snprintf(joined, n, "%s, %.*s", was, (int)f->value_len, f->value);
	json_object_object_add(in, f->name, json_object_new_string(joined));
	return true;
}

/* The form's fields as the action's input (the CSRF token left out). */
static struct json_object *form_input(struct request *req)
{
	struct json_object *in = json_object_new_object();
	for (size_t i = 0; i < req->form.count; i++) {
		const struct field *f = &req->form.items[i];
		if (is_control(f->name) || add_repeated(req, in, f))
			continue;
		json_object_object_add(in, f->name,
				       json_object_new_string_len(f->value, (int)f->value_len));
	}
	return in;
}

static bool capture(struct request *req, const char *name, char *buf, size_t len)
{
	if (route_capture(&req->match, name, buf, len))
		return true;
	respond_error(req, 404, NULL);
	return false;
}

/*
 * The files of a step's form (issue 15): the reply's released documents
 * (input `files`, purpose reply) and a 补正 received on paper (input
 * `attachments`, purpose supplement), stored as uploads of the request's
 * agency and attached by the step. Other steps take no multipart body.
 * False when answered.
 */
static bool step_uploads(struct request *req, const char *id, const char *action,
			 struct upload_result *up)
{
	static const struct upload_input reply[] = { { "files", "reply" } };
	static const struct upload_input supplement[] = { { "attachments", "supplement" } };
	bool is_reply = !strcmp(action, "reply");
	if (!is_reply && strcmp(action, "supplement_answered")) {
		req->log_why = "multipart body for a step without files";
		respond_error(req, 415, NULL);
		return false;
	}
	const char *p[] = { id };
	PGresult *res = digits(id) ? db_exec_or_respond(req, req->db, STMT_UPLOAD_REQUEST_AGENCY, 1, p)
				   : NULL;
	if (!res) {
		if (!req->responded)
			respond_error(req, 404, "没有这件申请");
		return false;
	}
	long long agency = PQntuples(res) == 1
		? atoll(PQgetvalue(res, 0, COL(UPLOAD_REQUEST_AGENCY, agency_id))) : 0;
	PQclear(res);
	if (!agency || !auth_sees_agency(req, agency)) {
		respond_error(req, 404, "没有这件申请");
		return false;
	}
	struct upload_spec spec = { is_reply ? reply : supplement, 1, agency,
				    req->staff->staff_id, atoll(id) };
	return upload_receive(req, &spec, up);
}

/* The step taken (303 to the request), or refused: the page again with
 * the form as it was sent and the refusal beside its field (422, 409…). */
static void take_step(struct request *req, const char *id, const struct kept_form *kept)
{
	struct context ctx = http_context(req);
	struct workflow_result r = workflow_act(&ctx, id, kept->action, kept->input, false,
						ACTOR_STAFF);
	if (r.status == SERVICE_DONE) {
		char target[128];
		snprintf(target, sizeof target, "/staff/requests/%s?done=%s", id, kept->action);
		respond_redirect(req, target);
		return;
	}
	req->log_why = "step refused";
	int status = http_status_of(r.status);
	if (status == 404 || status >= 500)
		respond_error(req, status, r.message);
	else
		request_page_kept(req, id, status, &r, kept);
}

void page_staff_request_action(struct request *req)
{
	char id[32], action[40];
	if (!capture(req, "id", id, sizeof id) || !capture(req, "action", action, sizeof action))
		return;
	struct upload_result up = { 0 };
	if (req->body_stream && !step_uploads(req, id, action, &up))
		return;
	struct json_object *in = form_input(req);
	struct kept_form kept = { action, in, req->body_stream ? &up : NULL };
	if (up.status) {
		req->log_why = "upload refused";
		const char *field = up.files && up.count ? up.files[0].field : "files";
		struct workflow_result refused = { SERVICE_BAD_INPUT, upload_error_for(&up, field),
						   field, 0 };
		for (size_t i = 0; i < up.count && !refused.message; i++)
			refused.message = up.files[i].error;
		request_page_kept(req, id, up.status, &refused, &kept);
		json_object_put(in);
		return;
	}
	upload_add_ids(req, in, &up);
	if (fields_get(&req->form, "insert_phrase"))
		staff_insert_phrase(req, id, &kept);
	else if (fields_get(&req->form, "edit"))	/* 返回修改 from a preview */
		request_page_kept(req, id, 200, NULL, &kept);
	else if (fields_get(&req->form, "preview"))
		staff_preview_form(req, id, &kept);
	else
		take_step(req, id, &kept);
	json_object_put(in);
}

void page_api_request_action(struct request *req)
{
	char id[32], action[40];
	if (!capture(req, "id", id, sizeof id) || !capture(req, "action", action, sizeof action))
		return;
	if (req->json_body && !json_object_is_type(req->json_body, json_type_object)) {
		respond_error(req, 400, "请求体应为 JSON 对象");
		return;
	}
	struct json_object *preview;
	if (req->json_body && json_object_object_get_ex(req->json_body, "preview", &preview) &&
	    json_object_is_type(preview, json_type_boolean) &&
	    json_object_get_boolean(preview)) {
		staff_preview_api(req, id, action);
		return;
	}
	struct context ctx = http_context(req);
	struct workflow_result r = workflow_act(&ctx, id, action, req->json_body,
						req->json_body != NULL, ACTOR_STAFF);
	if (r.status != SERVICE_DONE) {
		int status = http_status_of(r.status);
		req->log_why = "step refused";
		struct json_object *e = json_object_new_object();
		model_add_str(e, "error", r.message);
		json_object_object_add(e, "status", json_object_new_int(status));
		if (r.field)
			model_add_str(e, "field", r.field);
		respond(req, status, NULL, e);
		return;
	}
	struct detail d = { 0 };
	struct json_object *m = request_model(req, id, REVEAL_NOTHING, &d);
	if (!m)
		return;
	json_object_object_add(m, "seq", json_object_new_int(r.seq));
	respond(req, 200, NULL, m);
}

/* `what` of the reveal form: the 证件号码 (the default) or the contact. */
static enum reveal reveal_asked(struct request *req)
{
	const char *what = req->json_body ? staff_json_field(req, "what")
					  : fields_get(&req->form, "what");
	if (!what || !strcmp(what, "id_number"))
		return REVEAL_ID_NUMBER;
	if (!strcmp(what, "contact"))
		return REVEAL_CONTACT;
	return REVEAL_NOTHING;
}

/* The full 证件号码 or phone number, each look logged as an event of the
 * request. */
void page_staff_request_reveal(struct request *req)
{
	char id[32];
	if (!capture(req, "id", id, sizeof id))
		return;
	if (!digits(id)) {
		respond_error(req, 404, "没有这件申请");
		return;
	}
	enum reveal what = reveal_asked(req);
	if (what == REVEAL_NOTHING) {
		respond_error(req, 422, "what 应为 id_number 或 contact");
		return;
	}
	if (!db_command(req->db, "BEGIN")) {
		respond_error(req, 503, NULL);
		return;
	}
	const char *p[] = { id };
	PGresult *res = db_exec(req->db, STMT_REQ_LOCK_FOR_VIEW, 1, p);
	if (!db_ok(res) || PQntuples(res) != 1 ||
	    !auth_sees_agency(req, atoll(PQgetvalue(res, 0, COL(REQ_LOCK_FOR_VIEW, agency_id))))) {
		bool failed = !db_ok(res);
		db_command(req->db, "ROLLBACK");
		if (failed)
			respond_db_failure(req, res);
		else
			respond_error(req, 404, "没有这件申请");
		PQclear(res);
		return;
	}
	PQclear(res);
	struct event e = {
		.request_id = id,
		.actor_kind = "staff",
		.actor_staff_id = req->staff->staff_id_text,
		.action = what == REVEAL_CONTACT ? "contact_viewed" : "id_number_viewed",
	};
	PGresult *failure;
	if (!event_append(req->db, &e, &failure) || !db_command(req->db, "COMMIT")) {
		db_command(req->db, "ROLLBACK");
		respond_db_failure(req, failure);
		PQclear(failure);
		return;
	}
	request_page(req, id, 200, what, NULL, NULL);
}

/* One notice, for printing on A4. */
void page_staff_notice(struct request *req)
{
	char id[32], notice[32];
	if (!capture(req, "id", id, sizeof id) || !capture(req, "notice", notice, sizeof notice))
		return;
	size_t len = strlen(notice);
	if (len > 4 && !strcmp(notice + len - 4, ".pdf")) {	/* …/notices/{n}.pdf */
		notice[len - 4] = '\0';
		page_staff_notice_pdf(req, id, notice);
		return;
	}
	if (!digits(id) || !digits(notice)) {
		respond_error(req, 404, NULL);
		return;
	}
	const char *p[] = { id, notice };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_REQ_NOTICE_ONE, 2, p);
	if (!res)
		return;
	if (PQntuples(res) != 1 || !auth_sees_agency(req, atoll(PQgetvalue(res, 0, COL(REQ_NOTICE_ONE, agency_id))))) {
		PQclear(res);
		respond_error(req, 404, "没有这份告知书");
		return;
	}
	struct json_object *m = staff_model(req, staff_val(req, res, 0, COL(REQ_NOTICE_ONE, title)));
	json_object_object_add(m, "request_id", json_object_new_int64(atoll(id)));
	staff_add_val(req, m, "kind", res, 0, COL(REQ_NOTICE_ONE, kind));
	staff_add_val(req, m, "notice_title", res, 0, COL(REQ_NOTICE_ONE, title));
	staff_add_date_cn(req, m, "issued_on", staff_val(req, res, 0, COL(REQ_NOTICE_ONE, issued_on)));
	staff_add_val(req, m, "body", res, 0, COL(REQ_NOTICE_ONE, body));
	staff_add_val(req, m, "notice_no", res, 0, COL(REQ_NOTICE_ONE, notice_no));
	staff_add_val(req, m, "tracking_no", res, 0, COL(REQ_NOTICE_ONE, tracking_no));
	staff_add_val(req, m, "agency_name", res, 0, COL(REQ_NOTICE_ONE, agency_name));
	json_object_object_add(m, "notice_id", json_object_new_int64(atoll(notice)));
	json_object_object_add(m, "has_pdf", json_object_new_boolean(
		!strcmp(PQgetvalue(res, 0, COL(REQ_NOTICE_ONE, has_pdf)), "t")));
	PQclear(res);
	respond(req, 200, "staff/notice", m);
}
