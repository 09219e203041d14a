/*
 * The administrator's pages: staff accounts of the agencies in scope (an
 * administrator of a parent agency manages its descendants; one without
 * an agency manages all), and the holiday calendar (next year's State
 * Council schedule pasted as CSV; open requests' due dates follow).
 *
 * New accounts and reset passwords get a random password shown once, to
 * be changed at the first sign-in.
 *
 * Administrators look, they do not act on requests; the calendar applies
 * to every agency, so only an administrator of all agencies (no agency)
 * changes it, and its audit row shows on every administrator's page.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "web/auth.h"
#include "core/calendar_cache.h"
#include "service/holidays.h"
#include "web/http.h"
#include "lib/log.h"
#include "web/pages/admin/admin.h"
#include "web/pages/staff/staff.h"
#include "service/staff_contact.h"
#include "domain/vocab.h"
#include "service/workflow.h"

static bool is_admin(struct request *req)
{
	if (!strcmp(req->staff->role, "admin"))
		return true;
	respond_error(req, 403, "只有系统管理员可以管理账户和工作日历");
	return false;
}

static void audit(struct request *req, const char *action, const char *target,
		  const char *agency, const char *data)
{
	const char *params[] = { req->staff->staff_id_text, agency, action, target,
				 *req->remote_addr ? req->remote_addr : NULL, data };
	PGresult *res = db_exec(req->db, STMT_AUDIT_ADD, 6, params);
	if (!db_ok(res))
		log_warn("audit_log %s failed", action);
	PQclear(res);
}

static bool add_staff(struct request *req, struct json_object *m)
{
	char scope[24];
	snprintf(scope, sizeof scope, "%lld", req->staff->agency_id);
	const char *p[] = { scope };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_ADMIN_STAFF_LIST, 1, p);
	if (!res)
		return false;
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *s = json_object_new_object();
		model_add_str(s, "username", PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, username)));
		model_add_str(s, "display_name", PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, display_name)));
		model_add_str(s, "role", PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, role)));
		model_add_str(s, "role_label", vocab_label(&vocab_staff_role, PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, role))));
		model_add_bool(s, "handles_requests", strcmp(PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, role)), "admin"));
		model_add_str(s, "agency_code", PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, agency_code)));
		model_add_str(s, "agency_name", PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, agency_name)));
		model_add_bool(s, "disabled", !strcmp(PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, disabled)), "t"));
		model_add_str(s, "last_login_at", PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, last_login_at)));
		model_add_bool(s, "locked", !strcmp(PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, locked)), "t"));
		model_add_bool(s, "must_change_password", !strcmp(PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, must_change_password)), "t"));
		model_add_bool(s, "totp_enabled", !strcmp(PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, totp_enabled)), "t"));
		model_add_bool(s, "self", atoll(PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, id))) == req->staff->staff_id);
		staff_add_val(req, s, "email", res, i, COL(ADMIN_STAFF_LIST, email));
		staff_add_val(req, s, "phone", res, i, COL(ADMIN_STAFF_LIST, phone));
		/* The edit form's values, always present (never the parent's). */
		model_add_str(s, "email_value", PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, email)));
		model_add_str(s, "phone_value", PQgetvalue(res, i, COL(ADMIN_STAFF_LIST, phone)));
		json_object_array_add(list, s);
	}
	PQclear(res);
	json_object_object_add(m, "staff", list);
	return true;
}

static void add_calendar(struct request *req, struct json_object *m)
{
	PGresult *res = db_exec(req->db, STMT_ADMIN_HOLIDAY_YEARS, 0, NULL);
	struct json_object *years = json_object_new_array();
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++) {
		struct json_object *y = json_object_new_object();
		json_object_object_add(y, "year", json_object_new_int(atoi(PQgetvalue(res, i, COL(ADMIN_HOLIDAY_YEARS, year)))));
		json_object_object_add(y, "holidays", json_object_new_int(atoi(PQgetvalue(res, i, COL(ADMIN_HOLIDAY_YEARS, holidays)))));
		json_object_object_add(y, "workdays", json_object_new_int(atoi(PQgetvalue(res, i, COL(ADMIN_HOLIDAY_YEARS, workdays)))));
		json_object_array_add(years, y);
	}
	PQclear(res);
	json_object_object_add(m, "holiday_years", years);
}

/* The latest audit_log rows in the administrator's scope: sign-ins, locks,
 * account changes, the calendar. */
static void add_audit(struct request *req, struct json_object *m)
{
	char scope[24];
	snprintf(scope, sizeof scope, "%lld", req->staff->agency_id);
	const char *p[] = { scope };
	PGresult *res = db_exec(req->db, STMT_ADMIN_AUDIT_RECENT, 1, p);
	struct json_object *list = json_object_new_array();
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++) {
		struct json_object *e = json_object_new_object();
		model_add_str(e, "at", PQgetvalue(res, i, COL(ADMIN_AUDIT_RECENT, at)));
		model_add_str(e, "action", PQgetvalue(res, i, COL(ADMIN_AUDIT_RECENT, action)));
		model_add_str(e, "actor", PQgetvalue(res, i, COL(ADMIN_AUDIT_RECENT, actor)));
		model_add_str(e, "target", PQgetvalue(res, i, COL(ADMIN_AUDIT_RECENT, target)));
		model_add_str(e, "ip", PQgetvalue(res, i, COL(ADMIN_AUDIT_RECENT, ip)));
		json_object_object_add(e, "data", json_tokener_parse(PQgetvalue(res, i, COL(ADMIN_AUDIT_RECENT, data))));
		json_object_array_add(list, e);
	}
	PQclear(res);
	json_object_object_add(m, "audit", list);
}

/* Listings of the disclosure log that three or more different applicants
 * asked for, proposed for 主动公开 (Art. 44; issue 18 §2). */
static void add_disclosure_proposals(struct request *req, struct json_object *m)
{
	char scope[24];
	snprintf(scope, sizeof scope, "%lld", req->staff->agency_id);
	PGresult *res = db_exec(req->db, STMT_ADMIN_DISCLOSURE_PROPOSALS, 1, (const char *[]){ scope });
	struct json_object *list = json_object_new_array();
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++) {
		struct json_object *d = json_object_new_object();
		const char *id = PQgetvalue(res, i, COL(ADMIN_DISCLOSURE_PROPOSALS, id));
		char url[64];
		snprintf(url, sizeof url, "/disclosures/%s", id);
		json_object_object_add(d, "id", json_object_new_int64(atoll(id)));
		model_add_str(d, "title", PQgetvalue(res, i, COL(ADMIN_DISCLOSURE_PROPOSALS, title)));
		model_add_str(d, "agency_code", PQgetvalue(res, i, COL(ADMIN_DISCLOSURE_PROPOSALS, agency_code)));
		model_add_str(d, "agency_name", PQgetvalue(res, i, COL(ADMIN_DISCLOSURE_PROPOSALS, agency_name)));
		json_object_object_add(d, "applicants", json_object_new_int(atoi(PQgetvalue(res, i,
			COL(ADMIN_DISCLOSURE_PROPOSALS, applicants)))));
		model_add_str(d, "url", url);
		json_object_array_add(list, d);
	}
	PQclear(res);
	json_object_object_add(m, "disclosure_proposals", list);
}

/* The page, with what the last action said (message, or error). */
static void admin_page(struct request *req, int status, const char *message,
		       const char *error, const char *shown_password, const char *csv)
{
	struct json_object *m = staff_model(req, "系统管理");
	if (!add_staff(req, m)) {
		json_object_put(m);
		return;
	}
	add_calendar(req, m);
	add_audit(req, m);
	add_disclosure_proposals(req, m);
	model_add_bool(m, "may_change_calendar", req->staff->agency_id == 0);
	json_object_object_add(m, "agencies", staff_agency_choices(req, NULL));
	model_add_str(m, "notice", message);
	model_add_str(m, "error", error);
	model_add_str(m, "new_password", shown_password);
	model_add_str(m, "csv", csv);
	respond(req, status, "staff/admin", m);
}

void page_admin(struct request *req)
{
	if (!staff_password_changed_or_respond(req) || !is_admin(req))
		return;
	admin_page(req, 200, NULL, NULL, NULL, NULL);
}

static const char *form(struct request *req, const char *name)
{
	const char *v = fields_get(&req->form, name);
	return v && *v ? v : NULL;
}

static const char *lower_username(struct request *req, const char *typed)
{
	if (!typed)
		return NULL;
	char *u = arena_strdup(req->arena, typed);
	for (char *p = u; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	size_t n = strlen(u);
	if (n < 1 || n > 64 || !isalnum((unsigned char)u[0]) ||
	    strspn(u, "abcdefghijklmnopqrstuvwxyz0123456789._-") != n)
		return NULL;
	return u;
}

void page_admin_user_add(struct request *req)
{
	if (!is_admin(req))
		return;
	const char *username = lower_username(req, form(req, "username"));
	const char *role = form(req, "role");
	const char *name = form(req, "display_name");
	const char *code = form(req, "agency");
	if (!username) {
		admin_page(req, 422, NULL, "用户名应为1到64个小写字母、数字或 . _ -，以字母或数字开头", NULL, NULL);
		return;
	}
	if (!role || (strcmp(role, "clerk") && strcmp(role, "head") && strcmp(role, "admin"))) {
		admin_page(req, 422, NULL, "请选择角色", NULL, NULL);
		return;
	}
	/* Where the member's alerts and digests go (issue 14). */
	char email[256], phone[32];
	const char *problem = staff_email_check(form(req, "email"), email, sizeof email);
	if (!problem)
		problem = staff_phone_check(form(req, "phone"), phone, sizeof phone);
	if (problem) {
		admin_page(req, 422, NULL, problem, NULL, NULL);
		return;
	}
	const char *agency_id = NULL;
	if (code) {
		struct staff_agency ag;
		if (!staff_agency(req, code, &ag))
			return;
		agency_id = ag.id_text;
	} else if (strcmp(role, "admin") || req->staff->agency_id) {
		admin_page(req, 422, NULL, "请选择所属机关（只有全局管理员可以不属于任何机关）", NULL, NULL);
		return;
	}
	char password[17], hash[crypto_pwhash_STRBYTES];
	auth_random_password(password);
	if (!auth_hash_password(password, hash)) {
		respond_error(req, 503, NULL);
		return;
	}
	const char *params[] = { username, agency_id, role, name ? name : username, hash,
				 *email ? email : NULL, *phone ? phone : NULL };
	PGresult *res = db_exec(req->db, STMT_ADMIN_STAFF_ADD, 7, params);
	if (!db_ok(res)) {
		enum db_failure f = db_failure_of(req->db, res);
		if (f == DB_FAIL_UNIQUE || f == DB_FAIL_CHECK) {
			PQclear(res);
			admin_page(req, 409, NULL, f == DB_FAIL_UNIQUE ? "该用户名已被使用"
								: "填写的内容不符合规则（显示名称1到100字）", NULL, NULL);
			return;
		}
		respond_db_failure(req, res);
		PQclear(res);
		return;
	}
	const char *id = arena_strdup(req->arena, PQgetvalue(res, 0, COL(ADMIN_STAFF_ADD, id)));
	PQclear(res);
	audit(req, "user_created", id, agency_id, NULL);
	char msg[160];
	snprintf(msg, sizeof msg, "已创建账户 %s。初始密码只显示这一次，首次登录后须修改：", username);
	admin_page(req, 201, arena_strdup(req->arena, msg), NULL, password, NULL);
}

/* The update and its audit line: which fields changed, not their values. */
static bool save_contact(struct request *req, const char *id, const char *email,
			 const char *phone, bool *changed)
{
	const char *p[] = { id, *email ? email : NULL, *phone ? phone : NULL };
	PGresult *res = db_exec(req->db, STMT_ADMIN_STAFF_SET_CONTACT, 3, p);
	if (!db_ok(res) || PQntuples(res) != 1) {
		PQclear(res);
		return false;
	}
	bool by_email = !strcmp(PQgetvalue(res, 0, COL(ADMIN_STAFF_SET_CONTACT, email_changed)), "t");
	bool by_phone = !strcmp(PQgetvalue(res, 0, COL(ADMIN_STAFF_SET_CONTACT, phone_changed)), "t");
	const char *agency = PQgetisnull(res, 0, COL(ADMIN_STAFF_SET_CONTACT, agency_id)) ? NULL
		: arena_strdup(req->arena, PQgetvalue(res, 0, COL(ADMIN_STAFF_SET_CONTACT, agency_id)));
	PQclear(res);
	*changed = by_email || by_phone;
	if (!*changed)
		return true;
	char data[64];
	snprintf(data, sizeof data, "{\"changed\": [%s%s%s]}", by_email ? "\"email\"" : "",
		 by_email && by_phone ? ", " : "", by_phone ? "\"phone\"" : "");
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : NULL;
	const char *a[] = { req->staff->staff_id_text, agency, "user_contact_changed", id, ip, data };
	res = db_exec(req->db, STMT_AUDIT_ADD, 6, a);
	bool ok = db_ok(res);
	PQclear(res);
	return ok;
}

/* A member's e-mail and phone (issue 14): where their alerts go. The form
 * shows the current values, so a field emptied removes one. */
static void set_contact(struct request *req, const char *id)
{
	char email[256], phone[32];
	const char *problem = staff_email_check(fields_get(&req->form, "email"), email, sizeof email);
	if (!problem)
		problem = staff_phone_check(fields_get(&req->form, "phone"), phone, sizeof phone);
	if (problem) {
		admin_page(req, 422, NULL, problem, NULL, NULL);
		return;
	}
	bool changed = false;
	if (!db_command(req->db, "BEGIN")) {
		respond_error(req, 503, NULL);
		return;
	}
	if (!save_contact(req, id, email, phone, &changed) ||
	    !db_command(req->db, changed ? "COMMIT" : "ROLLBACK")) {
		db_command(req->db, "ROLLBACK");
		respond_error(req, 503, NULL);
		return;
	}
	admin_page(req, 200, changed ? "联系方式已保存" : "联系方式没有变化", NULL, NULL, NULL);
}

/* A member leaves (issue 16): every open request assigned to them goes
 * to `to` (or to nobody), all in one transaction, each its own event. */
static void reassign_all(struct request *req, const char *id, const char *username)
{
	const char *to = form(req, "to");
	struct context ctx = http_context(req);
	int moved;
	struct workflow_result r = workflow_reassign_all(&ctx, id, to, &moved);
	if (r.status != SERVICE_DONE) {
		req->log_why = "reassignment refused";
		admin_page(req, http_status_of(r.status), NULL,
			   arena_strdup(req->arena, r.message), NULL, NULL);
		return;
	}
	char msg[256];
	snprintf(msg, sizeof msg, "已将 %s 的%d件办理中的申请%s%s", username, moved,
		 to ? "改派给 " : "改为未分配", to ? to : "");
	admin_page(req, 200, arena_strdup(req->arena, msg), NULL, NULL, NULL);
}

void page_admin_user_action(struct request *req)
{
	if (!is_admin(req))
		return;
	char user[80], action[32];
	if (!route_capture(&req->match, "username", user, sizeof user) ||
	    !route_capture(&req->match, "action", action, sizeof action) ||
	    (strcmp(action, "disable") && strcmp(action, "enable") && strcmp(action, "reset") &&
	     strcmp(action, "contact") && strcmp(action, "reassign"))) {
		respond_error(req, 404, NULL);
		return;
	}
	const char *p[] = { user };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_ADMIN_STAFF_GET, 1, p);
	if (!res)
		return;
	bool found = PQntuples(res) == 1 && auth_sees_agency(req, atoll(PQgetvalue(res, 0, COL(ADMIN_STAFF_GET, agency_id))));
	const char *id = found ? arena_strdup(req->arena, PQgetvalue(res, 0, COL(ADMIN_STAFF_GET, id))) : NULL;
	PQclear(res);
	if (!found) {
		respond_error(req, 404, "没有这个账户，或不在您的管理范围内");
		return;
	}
	if (!strcmp(action, "contact")) {
		set_contact(req, id);
		return;
	}
	if (!strcmp(action, "reassign")) {
		reassign_all(req, id, user);
		return;
	}
	if (atoll(id) == req->staff->staff_id && strcmp(action, "enable")) {
		admin_page(req, 409, NULL, "不能停用或重置自己的账户：请在“修改密码”中修改自己的密码", NULL, NULL);
		return;
	}
	const char *shown = NULL, *msg;
	if (!strcmp(action, "reset")) {
		char password[17], hash[crypto_pwhash_STRBYTES];
		auth_random_password(password);
		if (!auth_hash_password(password, hash)) {
			respond_error(req, 503, NULL);
			return;
		}
		const char *set[] = { id, hash };
		const char *who[] = { id };
		PQclear(db_exec(req->db, STMT_ADMIN_STAFF_RESET, 2, set));
		PQclear(db_exec(req->db, STMT_ADMIN_SIGN_IN_FAILURES_CLEAR, 1, who));
		shown = arena_strdup(req->arena, password);
		msg = "密码已重置，新密码只显示这一次，首次登录后须修改：";
		audit(req, "password_changed", id, NULL, NULL);
	} else {
		bool disable = !strcmp(action, "disable");
		const char *set[] = { id, disable ? "true" : "false" };
		PQclear(db_exec(req->db, STMT_ADMIN_STAFF_SET_DISABLED, 2, set));
		msg = disable ? "账户已停用" : "账户已启用";
		audit(req, disable ? "user_disabled" : "user_enabled", id, NULL, NULL);
	}
	if (strcmp(action, "enable")) {
		const char *end[] = { id };
		PQclear(db_exec(req->db, STMT_ADMIN_SESSIONS_END, 1, end));
	}
	admin_page(req, 200, msg, NULL, shown, NULL);
}

void page_admin_holidays(struct request *req)
{
	if (!is_admin(req))
		return;
	if (req->staff->agency_id) {
		req->log_why = "calendar by an agency's administrator";
		respond_error(req, 403, "工作日历适用于所有机关，只能由全局系统管理员（不属于任何机关）或命令行 ysqgk holidays import 修改");
		return;
	}
	const char *csv = fields_get(&req->form, "csv");
	if (!csv || !*csv) {
		admin_page(req, 422, NULL, "请粘贴日历内容（CSV，表头 date,kind,name）", NULL, NULL);
		return;
	}
	struct calendar_import r;
	char err[512];
	if (!calendar_import_csv(req->db, csv, strlen(csv), req->staff->staff_id_text, &r,
				 err, sizeof err)) {
		admin_page(req, 422, NULL, arena_strdup(req->arena, err), NULL, csv);
		return;
	}
	char msg[256];
	snprintf(msg, sizeof msg, "已导入%d天（新增%d，修改%d）；重新计算了%d件办理中申请的期限，其中%d件的答复期限有变化",
		 r.days, r.added, r.changed, r.requests, r.due_changed);
	admin_page(req, 200, arena_strdup(req->arena, msg), NULL, NULL, NULL);
}
