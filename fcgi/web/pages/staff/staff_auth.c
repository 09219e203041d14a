/*
 * Signing in and out: the form (a public POST, CSRF-protected by the
 * anonymous cookie) and the JSON session API; changing one's password
 * (the form and the API).
 */
#include <string.h>
#include <sodium.h>

#include "web/auth.h"
#include "web/http.h"
#include "web/pages/pages.h"

/* A `next` that stays on the staff or admin pages, else the queue. */
static const char *safe_next(const char *next)
{
	if (next && redirect_target_safe(next) &&
	    (!strncmp(next, "/staff", 6) || !strncmp(next, "/admin", 6)) &&
	    strncmp(next, "/staff/login", 12) && strncmp(next, "/staff/logout", 13))
		return next;
	return "/staff";
}

static void login_page(struct request *req, int status, const char *message,
		       const char *username, const char *next)
{
	struct json_object *m = staff_model(req, "工作人员登录");
	model_add_str(m, "error", message);
	/* Never echo an overlong or pasted-password "username" back. */
	if (status == 400)
		username = NULL;
	model_add_str(m, "username", username);
	model_add_str(m, "next", safe_next(next));
	respond(req, status, "staff/login", m);
}

void page_staff_login_form(struct request *req)
{
	const char *next = fields_get(&req->query, "next");
	if (req->staff) {
		respond_redirect(req, safe_next(next));
		return;
	}
	login_page(req, 200, NULL, NULL, next);
}

void page_staff_login(struct request *req)
{
	const char *username = fields_get(&req->form, "username");
	const char *next = fields_get(&req->form, "next");
	struct auth_sign_in r = auth_sign_in(req, username, fields_get(&req->form, "password"),
					     fields_get(&req->form, "totp"));
	if (r.status != 200) {
		if (!req->log_why)
			req->log_why = "sign-in refused";
		auth_retry_after(req, r.retry_after);
		login_page(req, r.status, r.message, username, next);
		return;
	}
	respond_redirect(req, req->staff && req->staff->must_change_password ? "/staff/password"
			      : req->staff && req->staff->must_enrol ? "/staff/totp" : safe_next(next));
}

void page_staff_logout(struct request *req)
{
	auth_sign_out(req);
	respond_redirect(req, "/staff/login");
}

struct json_object *staff_session_model(struct request *req)
{
	const struct staff_session *s = req->staff;
	struct json_object *m = json_object_new_object();
	struct json_object *st = json_object_new_object();
	json_object_object_add(st, "id", json_object_new_int64(s->staff_id));
	model_add_str(st, "username", s->username);
	model_add_str(st, "display_name", s->display_name);
	model_add_str(st, "role", s->role);
	if (s->agency_id)
		model_add_str(st, "agency", s->agency_code);
	model_add_bool(st, "must_change_password", s->must_change_password);
	model_add_bool(st, "totp_enabled", s->totp_enabled);
	model_add_bool(st, "must_enrol_2fa", s->must_enrol);
	json_object_object_add(m, "staff", st);
	return m;
}

const char *staff_json_field(struct request *req, const char *key)
{
	struct json_object *v;
	if (!req->json_body || !json_object_object_get_ex(req->json_body, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

void page_api_session_create(struct request *req)
{
	struct auth_sign_in r = auth_sign_in(req, staff_json_field(req, "username"),
					     staff_json_field(req, "password"), staff_json_field(req, "totp"));
	if (r.status != 200) {
		if (!req->log_why)
			req->log_why = "sign-in refused";
		auth_retry_after(req, r.retry_after);
		if (!r.totp_required) {
			respond_error(req, r.status, r.message);
			return;
		}
		struct json_object *m = json_object_new_object();
		model_add_str(m, "error", r.message);
		json_object_object_add(m, "status", json_object_new_int(r.status));
		model_add_bool(m, "totp_required", true);
		respond(req, r.status, NULL, m);
		return;
	}
	respond(req, 200, NULL, staff_session_model(req));
}

void page_api_session_get(struct request *req)
{
	struct json_object *m = staff_session_model(req);
	/* The token a multipart upload carries as its first part (web/upload.h):
	 * only a JSON body proves itself by its Content-Type. */
	model_add_str(m, "csrf_token", req->staff->csrf);
	respond(req, 200, NULL, m);
}

void page_api_session_delete(struct request *req)
{
	auth_sign_out(req);
	struct json_object *m = json_object_new_object();
	model_add_bool(m, "signed_out", true);
	respond(req, 200, NULL, m);
}

/* ---- the password ------------------------------------------------------- */

static void password_page(struct request *req, int status, const char *error)
{
	struct json_object *m = staff_model(req, "修改密码");
	model_add_str(m, "error", error);
	model_add_bool(m, "must_change", req->staff->must_change_password);
	respond(req, status, "staff/password", m);
}

void page_staff_password_form(struct request *req)
{
	password_page(req, 200, NULL);
}

/* Why the new password cannot be taken, or NULL. */
static const char *new_password_problem(const char *current, const char *fresh,
					const char *again)
{
	const char *problem = auth_password_problem(fresh);
	if (!problem && again && strcmp(fresh, again))
		problem = "两次输入的新密码不一致";
	if (!problem && current && !strcmp(current, fresh))
		problem = "新密码不能与当前密码相同";
	return problem;
}

void page_staff_password(struct request *req)
{
	const char *current = fields_get(&req->form, "current");
	const char *fresh = fields_get(&req->form, "password");
	const char *again = fields_get(&req->form, "password_again");
	const char *problem = new_password_problem(current, fresh, again ? again : "");
	if (problem) {
		password_page(req, 422, problem);
		return;
	}
	int retry;
	int r = auth_change_password(req, current, fresh, &retry);
	if (r == 401) {
		password_page(req, 422, "当前密码不正确");
		return;
	}
	if (r != 200) {
		auth_retry_after(req, retry);
		respond_error(req, 503, NULL);
		return;
	}
	respond_redirect(req, req->staff->must_enrol ? "/staff/totp" : "/staff?done=password");
}

/* POST /api/v1/session/password {"current", "password"}: the same change
 * for a JSON client (which can do nothing else while one is due). */
void page_api_session_password(struct request *req)
{
	const char *current = staff_json_field(req, "current");
	const char *fresh = staff_json_field(req, "password");
	const char *problem = new_password_problem(current, fresh, NULL);
	if (problem) {
		respond_error(req, 422, problem);
		return;
	}
	int retry;
	int r = auth_change_password(req, current, fresh, &retry);
	if (r == 401) {
		respond_error(req, 422, "当前密码不正确");
		return;
	}
	if (r != 200) {
		auth_retry_after(req, retry);
		respond_error(req, 503, NULL);
		return;
	}
	respond(req, 200, NULL, staff_session_model(req));
}
