/*
 * Two-factor sign-in, enrolment: the page (QR code as inline SVG, the
 * secret as text for typing in, a form for the first code) and the same
 * as JSON. The recovery codes are shown once, in the answer that enables
 * it. Enrolling again needs `ysqgk user reset-2fa` first.
 */
#include <string.h>

#include "web/auth.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "lib/totp.h"

/* The secret in groups of four, as authenticator apps ask for it. */
static const char *grouped(struct request *req, const char *secret)
{
	size_t n = strlen(secret);
	char *out = arena_alloc(req->arena, n + n / 4 + 1);
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		if (i && i % 4 == 0)
			out[k++] = ' ';
		out[k++] = secret[i];
	}
	out[k] = '\0';
	return out;
}

/* {enabled, secret, secret_grouped, otpauth_uri, qr_svg} into m; false
 * when answered (a database failure). */
static bool add_enrolment(struct request *req, struct json_object *m)
{
	const char *secret = NULL;
	int status = req->staff->totp_enabled ? 409 : auth_totp_pending(req, &secret);
	model_add_bool(m, "enabled", status == 409);
	if (status == 409)
		return true;
	if (status != 200 || !secret) {
		respond_error(req, 503, NULL);
		return false;
	}
	const char *uri = totp_uri(req->arena, req->app->config.site_name,
				   req->staff->username, secret);
	model_add_str(m, "secret", secret);
	model_add_str(m, "secret_grouped", grouped(req, secret));
	model_add_str(m, "otpauth_uri", uri);
	model_add_str(m, "qr_svg", totp_qr_svg(req->arena, uri));
	return true;
}

static void totp_page(struct request *req, int status, const char *error, const char **codes)
{
	struct json_object *m = staff_model(req, "两步验证");
	model_add_str(m, "error", error);
	model_add_bool(m, "must_enrol", req->staff->must_enrol);
	model_add_bool(m, "codes_shown", codes != NULL);
	if (codes) {
		struct json_object *list = json_object_new_array();
		for (int i = 0; i < TOTP_RECOVERY_CODES; i++)
			json_object_array_add(list, json_object_new_string(codes[i]));
		json_object_object_add(m, "recovery_codes", list);
		model_add_bool(m, "enabled", true);
	} else if (!add_enrolment(req, m)) {
		json_object_put(m);
		return;
	}
	respond(req, status, "staff/totp", m);
}

void page_staff_totp_form(struct request *req)
{
	totp_page(req, 200, NULL, NULL);
}

static const char *refusal(int status)
{
	return status == 422 ? "验证码不正确：请输入验证器应用上当前显示的6位数字（注意手机时间要准确）"
	     : status == 409 ? "两步验证已经启用；如需更换手机，请系统管理员重置"
			     : NULL;
}

void page_staff_totp(struct request *req)
{
	const char *codes[TOTP_RECOVERY_CODES];
	int status = auth_totp_enrol(req, fields_get(&req->form, "totp"), codes);
	if (status == 200)
		totp_page(req, 200, NULL, codes);
	else if (status == 422 || status == 409)
		totp_page(req, status, refusal(status), NULL);
	else
		respond_error(req, status, NULL);
}

/* GET /api/v1/session/totp: the pending secret (created if needed). */
void page_api_session_totp_get(struct request *req)
{
	struct json_object *m = json_object_new_object();
	if (!add_enrolment(req, m)) {
		json_object_put(m);
		return;
	}
	respond(req, 200, NULL, m);
}

/* POST /api/v1/session/totp {"totp"}: enables it; the recovery codes and
 * the new session. */
void page_api_session_totp(struct request *req)
{
	const char *codes[TOTP_RECOVERY_CODES];
	int status = auth_totp_enrol(req, staff_json_field(req, "totp"), codes);
	if (status != 200) {
		respond_error(req, status, refusal(status));
		return;
	}
	struct json_object *m = staff_session_model(req);
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < TOTP_RECOVERY_CODES; i++)
		json_object_array_add(list, json_object_new_string(codes[i]));
	json_object_object_add(m, "recovery_codes", list);
	respond(req, 200, NULL, m);
}
