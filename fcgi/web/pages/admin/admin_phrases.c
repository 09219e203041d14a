/*
 * The administrator's list of an agency's reply phrases (issue 16): named
 * passages (standard reasons for a refusal, the wording of a 补正) that
 * clerks insert on the reply and 补正 forms (staff/staff_phrases.c).
 * Each addition and removal is an audit_log line.
 *
 *   GET  /admin/agencies/{code}/phrases              the list and its form
 *   POST /admin/agencies/{code}/phrases              name, body: a new one
 *   POST /admin/agencies/{code}/phrases/{pid}/delete removes one
 */
#include <stdio.h>
#include <string.h>

#include "lib/log.h"
#include "lib/textcheck.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/pages/admin/admin.h"
#include "web/pages/pages.h"

static bool is_admin(struct request *req)
{
	if (!strcmp(req->staff->role, "admin"))
		return true;
	respond_error(req, 403, "只有系统管理员可以维护常用语");
	return false;
}

/* The agency of the path, in the administrator's scope (else answered). */
static bool path_agency(struct request *req, struct staff_agency *ag)
{
	char code[40];
	if (!route_capture(&req->match, "code", code, sizeof code)) {
		respond_error(req, 404, NULL);
		return false;
	}
	return staff_agency(req, arena_strdup(req->arena, code), ag);
}

/* The page; `typed` the refused form's name and body, kept. */
static void phrases_page(struct request *req, const struct staff_agency *ag, int status,
			 const char *notice, const char *field, const char *error)
{
	struct json_object *m = staff_model(req, "常用语");
	struct json_object *a = json_object_new_object();
	model_add_str(a, "code", ag->code);
	model_add_str(a, "name", ag->name);
	json_object_object_add(m, "agency", a);
	json_object_object_add(m, "phrases", phrases_of_agency(req, ag->id_text, true));
	model_add_str(m, "notice", notice);
	if (error) {
		struct json_object *f = json_object_new_object(), *err = json_object_new_object();
		model_add_str(f, "name", fields_get(&req->form, "name"));
		model_add_str(f, "body", fields_get(&req->form, "body"));
		model_add_str(err, field, error);
		json_object_object_add(f, "err", err);
		json_object_object_add(m, "form", f);
		model_add_str(m, "error", error);
		model_add_str(m, "error_field", field);
	}
	respond(req, status, "staff/phrases", m);
}

static void audit_phrase(struct request *req, const struct staff_agency *ag, const char *action,
			 const char *name)
{
	struct json_object *d = json_object_new_object();
	model_add_str(d, "name", name);
	const char *p[] = { req->staff->staff_id_text, ag->id_text, action, NULL,
			    *req->remote_addr ? req->remote_addr : NULL,
			    json_object_to_json_string(d) };
	PGresult *res = db_exec(req->db, STMT_AUDIT_ADD, 6, p);
	if (!db_ok(res))
		log_warn("audit_log %s failed", action);
	PQclear(res);
	json_object_put(d);
}

void page_admin_phrases(struct request *req)
{
	struct staff_agency ag;
	if (!staff_password_changed_or_respond(req) || !is_admin(req) || !path_agency(req, &ag))
		return;
	phrases_page(req, &ag, 200, NULL, NULL, NULL);
}

/* A field's text trimmed of spaces, or NULL when nothing is left. */
static const char *trimmed(struct request *req, const char *name)
{
	const char *v = fields_get(&req->form, name);
	const char *t = v ? text_trim(req->arena, v) : "";
	return *t ? t : NULL;
}

void page_admin_phrase_add(struct request *req)
{
	struct staff_agency ag;
	if (!is_admin(req) || !path_agency(req, &ag))
		return;
	const char *name = trimmed(req, "name"), *body = trimmed(req, "body");
	const char *field = !name ? "name" : !body ? "body" : NULL;
	if (field) {
		req->log_why = "phrase incomplete";
		phrases_page(req, &ag, 422, NULL, field,
			     !name ? "请填写常用语的名称" : "请填写常用语的内容");
		return;
	}
	const char *p[] = { ag.id_text, name, body, req->staff->staff_id_text };
	PGresult *res = db_exec(req->db, STMT_PHRASE_ADD, 4, p);
	if (!db_ok(res)) {
		bool check = db_failure_of(req->db, res) == DB_FAIL_CHECK;
		if (!check) {
			respond_db_failure(req, res);
			PQclear(res);
			return;
		}
		PQclear(res);
		phrases_page(req, &ag, 422, NULL, "body", "名称不超过100字，内容不超过5000字");
		return;
	}
	bool added = PQntuples(res) == 1;
	PQclear(res);
	if (!added) {
		phrases_page(req, &ag, 409, NULL, "name", "本机关已有同名的常用语");
		return;
	}
	audit_phrase(req, &ag, "phrase_added", name);
	phrases_page(req, &ag, 201, "常用语已添加", NULL, NULL);
}

void page_admin_phrase_delete(struct request *req)
{
	struct staff_agency ag;
	char pid[24];
	if (!is_admin(req) || !path_agency(req, &ag))
		return;
	if (!route_capture(&req->match, "pid", pid, sizeof pid) ||
	    strspn(pid, "0123456789") != strlen(pid) || !*pid) {
		respond_error(req, 404, "没有这条常用语");
		return;
	}
	const char *p[] = { pid, ag.id_text };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_PHRASE_DELETE, 2, p);
	if (!res)
		return;
	const char *name = PQntuples(res) == 1 ? staff_val(req, res, 0, COL(PHRASE_DELETE, name)) : NULL;
	PQclear(res);
	if (!name) {
		respond_error(req, 404, "没有这条常用语");
		return;
	}
	audit_phrase(req, &ag, "phrase_deleted", name);
	phrases_page(req, &ag, 200, "常用语已删除", NULL, NULL);
}
