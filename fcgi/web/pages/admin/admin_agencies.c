/*
 * The administrator's agency pages: every field `ysqgk agency set` edits
 * (agencies.h), for the agencies in scope (an administrator of a parent
 * agency edits its descendants; one without an agency edits all).
 *
 * The review body a department's notices name is derived from the
 * hierarchy (行政复议法 Art. 24): the page shows it as derived, to be
 * confirmed — confirming stores it as the agency's setting.
 *
 *   GET  /admin/agencies          the list
 *   GET  /admin/agencies/{code}   one agency, its form
 *   POST /admin/agencies/{code}   the form's fields (or a JSON object of
 *        key: value), all or none in one transaction; `confirm_review_body`
 *        stores the derived review body as the setting
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "service/agencies.h"
#include "service/agency_seal.h"
#include "web/model.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/pages/pages.h"

static bool is_admin(struct request *req)
{
	if (!strcmp(req->staff->role, "admin"))
		return true;
	respond_error(req, 403, "只有系统管理员可以修改机关信息");
	return false;
}

static long long scope(struct request *req)
{
	return req->staff->agency_id;
}

void page_admin_agencies(struct request *req)
{
	if (!staff_password_changed_or_respond(req) || !is_admin(req))
		return;
	struct json_object *m = staff_model(req, "机关设置");
	json_object_object_add(m, "agencies", staff_agency_choices(req, NULL));
	respond(req, 200, "staff/agencies", m);
}

/* The agency's page, with what the last save said. */
static void agency_page(struct request *req, const char *code, int status,
			const char *notice, const char *error)
{
	enum agency_edit_status s;
	struct json_object *a = agency_edit_show(req->db, code, &s);
	if (!a) {
		respond_error(req, s == AGENCY_EDIT_NO_AGENCY ? 404 : 503, NULL);
		return;
	}
	const char *src = json_object_get_string(json_object_object_get(a, "review_body_source"));
	json_object_object_add(a, "review_body_derived", json_object_new_boolean(!strcmp(src, "derived")));
	json_object_object_add(a, "review_body_unknown", json_object_new_boolean(!strcmp(src, "unknown")));
	json_object_object_add(a, "is_government", json_object_new_boolean(
		!strcmp(json_object_get_string(json_object_object_get(a, "kind")), "government")));
	struct json_object *m = staff_model(req, "机关设置");
	json_object_object_add(m, "agency", a);
	json_object_object_add(m, "parents", staff_agency_choices(req, json_object_get_string(
		json_object_object_get(a, "parent"))));
	model_add_str(m, "notice", notice);
	model_add_str(m, "error", error);
	respond(req, status, "staff/agency", m);
}

/* The agency in scope named by the path, or answered (404). */
static bool path_agency(struct request *req, struct staff_agency *ag)
{
	char code[40];
	if (!route_capture(&req->match, "code", code, sizeof code)) {
		respond_error(req, 404, NULL);
		return false;
	}
	return staff_agency(req, code, ag);
}

void page_admin_agency(struct request *req)
{
	struct staff_agency ag;
	if (!staff_password_changed_or_respond(req) || !is_admin(req) || !path_agency(req, &ag))
		return;
	agency_page(req, ag.code, 200, NULL, NULL);
}

/* The submitted keys: a JSON object's members, or the form's fields. */
static size_t changes_of(struct request *req, const char *code, struct agency_change *out,
			 size_t max)
{
	size_t n = 0;
	if (req->json_body) {
		json_object_object_foreach(req->json_body, key, v) {
			if (n < max && !json_object_is_type(v, json_type_object) &&
			    !json_object_is_type(v, json_type_array))
				out[n++] = (struct agency_change){ key, v ? json_object_get_string(v) : "" };
		}
		return n;
	}
	for (size_t i = 0; agency_edit_keys[i] && n < max; i++) {
		const char *v = fields_get(&req->form, agency_edit_keys[i]);
		if (v)
			out[n++] = (struct agency_change){ agency_edit_keys[i], v };
	}
	/* Confirming the derived review body stores it as the setting. */
	const char *confirm = fields_get(&req->form, "confirm_review_body");
	if (confirm && *confirm && n < max) {
		enum agency_edit_status s;
		struct json_object *a = agency_edit_show(req->db, code, &s);
		const char *named = a ? json_object_get_string(
			json_object_object_get(a, "government_above")) : "";
		out[n++] = (struct agency_change){ "review_body", arena_strdup(req->arena, named) };
		json_object_put(a);
	}
	return n;
}

void page_admin_agency_save(struct request *req)
{
	struct staff_agency ag;
	if (!is_admin(req) || !path_agency(req, &ag))
		return;
	struct agency_change changes[32];
	size_t n = changes_of(req, ag.code, changes, sizeof changes / sizeof changes[0]), changed;
	char msg[512];
	enum agency_edit_status s = agency_edit_set(req->db, ag.code, changes, n, scope(req),
						    req->staff->staff_id_text,
						    *req->remote_addr ? req->remote_addr : NULL,
						    msg, sizeof msg, &changed);
	if (s == AGENCY_EDIT_DB_FAILED) {
		respond_error(req, 503, msg);
		return;
	}
	if (s != AGENCY_EDIT_OK) {
		agency_page(req, ag.code, 422, NULL, arena_strdup(req->arena, msg));
		return;
	}
	snprintf(msg, sizeof msg, changed ? "已保存（修改%zu项）" : "没有修改", changed);
	agency_page(req, ag.code, 200, arena_strdup(req->arena, msg), NULL);
}

/*
 * POST /admin/agencies/{code}/seal: the agency's seal as a PNG, for now as
 * a JSON body {"png": "<base64>"} (multipart comes with uploads, issue 15);
 * at most 512 KiB, checked by its bytes (agency_seal.h). Answers JSON.
 */
static void seal_answer(struct request *req, int status, const char *error, const char *field)
{
	struct json_object *m = json_object_new_object();
	if (error) {
		model_add_str(m, "error", error);
		model_add_str(m, "field", field);
	} else {
		json_object_object_add(m, "ok", json_object_new_boolean(1));
	}
	req->wants_json = true;
	respond(req, status, NULL, m);
}

void page_admin_agency_seal(struct request *req)
{
	struct staff_agency ag;
	if (!is_admin(req) || !path_agency(req, &ag))
		return;
	struct json_object *v = NULL;
	const char *b64 = json_object_is_type(req->json_body, json_type_object) &&
			  json_object_object_get_ex(req->json_body, "png", &v) &&
			  json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
	if (!b64 || !*b64) {
		seal_answer(req, 422, "请上传印章图片（PNG，Base64编码）", "png");
		return;
	}
	size_t b64_len = strlen(b64), len = 0;
	if (b64_len > (AGENCY_SEAL_MAX_BYTES / 3 + 1) * 4 + 8) {
		seal_answer(req, 413, "印章图片不能超过512 KB", "png");
		return;
	}
	unsigned char *png = arena_alloc(req->arena, b64_len / 4 * 3 + 3);
	if (sodium_base642bin(png, b64_len / 4 * 3 + 3, b64, b64_len, "\n\r ", &len, NULL,
			      sodium_base64_VARIANT_ORIGINAL) != 0) {
		seal_answer(req, 422, "印章图片的Base64编码有误", "png");
		return;
	}
	char msg[512];
	enum agency_edit_status s = agency_seal_set(req->db, ag.code, png, len, scope(req),
						    req->staff->staff_id_text,
						    *req->remote_addr ? req->remote_addr : NULL,
						    msg, sizeof msg);
	if (s == AGENCY_EDIT_OK)
		seal_answer(req, 200, NULL, NULL);
	else if (s == AGENCY_EDIT_BAD_INPUT)
		seal_answer(req, 422, arena_strdup(req->arena, msg), "png");
	else
		respond_error(req, s == AGENCY_EDIT_NO_AGENCY ? 404 : 503, arena_strdup(req->arena, msg));
}
