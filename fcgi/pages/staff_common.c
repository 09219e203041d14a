/* What every staff page shares: the signed-in member in the model, labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "domain/workflow_rules.h"
#include "http.h"
#include "pages/pages.h"

void staff_add_str(struct json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

void staff_add_bool(struct json_object *o, const char *key, bool value)
{
	json_object_object_add(o, key, json_object_new_boolean(value));
}

const char *staff_role_label(const char *role)
{
	if (!role)
		return "";
	if (!strcmp(role, "clerk"))
		return "经办人";
	if (!strcmp(role, "head"))
		return "负责人";
	if (!strcmp(role, "admin"))
		return "系统管理员";
	return role;
}

const char *staff_event_label(const char *action)
{
	static const struct { const char *code, *label; } labels[] = {
		{ "submitted", "网上提交" },
		{ "confirmed", "确认收到" },
		{ "registered", "登记收到" },
		{ "discarded", "作废" },
		{ "supplement_asked", "告知补正" },
		{ "supplement_received", "收到补正" },
		{ "supplement_expired", "逾期未补正，终止办理" },
		{ "consulted", "征求意见" },
		{ "consult_answered", "记录意见" },
		{ "consult_received", "记录对方收到征求意见书" },
		{ "extension_proposed", "申请延期" },
		{ "extension_approved", "批准延期" },
		{ "extension_refused", "不批准延期" },
		{ "fee_notice", "发出收费通知" },
		{ "fee_notice_delivered", "收费通知送达" },
		{ "fee_paid", "收到缴费" },
		{ "fee_expired", "逾期未缴费，终止办理" },
		{ "reasons_asked", "要求说明理由" },
		{ "reasons_answered", "收到申请人说明的理由" },
		{ "reasons_expired", "逾期未说明理由，恢复计时" },
		{ "deadline_proposed", "提出延迟答复期限" },
		{ "deadline_set", "批准延迟答复期限" },
		{ "deadline_refused", "不批准延迟答复期限" },
		{ "replied", "答复" },
		{ "withdrawn", "撤回" },
		{ "appeal_filed", "行政复议或诉讼立案" },
		{ "appeal_decided", "行政复议或诉讼审结" },
		{ "note", "内部备注" },
		{ "assigned", "分配经办人" },
		{ "edited", "更正申请信息" },
		{ "imported", "导入" },
		{ "id_number_viewed", "查看完整证件号码" },
		{ "contact_viewed", "查看联系方式" },
	};
	for (size_t i = 0; action && i < sizeof labels / sizeof labels[0]; i++)
		if (!strcmp(labels[i].code, action))
			return labels[i].label;
	return action ? action : "";
}

struct json_object *staff_model(struct request *req, const char *title)
{
	struct json_object *m = json_object_new_object();
	staff_add_str(m, "title", title);
	const struct staff_session *s = req->staff;
	if (s) {
		struct json_object *me = json_object_new_object();
		staff_add_str(me, "username", s->username);
		staff_add_str(me, "display_name", s->display_name);
		staff_add_str(me, "role", s->role);
		staff_add_str(me, "role_label", staff_role_label(s->role));
		staff_add_str(me, "agency_code", s->agency_code);
		staff_add_str(me, "agency_name", *s->agency_name ? s->agency_name : "全部机关");
		staff_add_bool(me, "is_admin", !strcmp(s->role, "admin"));
		staff_add_bool(me, "is_head", !strcmp(s->role, "head"));
		json_object_object_add(m, "me", me);
	}
	return m;
}

bool staff_password_gate(struct request *req)
{
	if (!req->staff || !req->staff->must_change_password || req->wants_json)
		return false;
	respond_redirect(req, "/staff/password");
	return true;
}

int32_t staff_today(void)
{
	return (int32_t)(((long long)time(NULL) + 8 * 3600) / 86400);
}

const char *staff_status_label(const char *status)
{
	enum wf_status s;
	return wf_status_from_code(status, &s) ? wf_status_label(s) : "";
}

const char *staff_outcome_label(const char *outcome)
{
	const struct wf_outcome *o = wf_outcome_find(outcome);
	return o ? o->label : "";
}

const char *staff_kind_label(const char *kind)
{
	static const struct { const char *code, *label; } kinds[] = {
		{ "person", "自然人" }, { "business", "商业企业" }, { "research", "科研机构" },
		{ "nonprofit", "社会公益组织" }, { "legal_service", "法律服务机构" },
		{ "org_other", "其他组织" },
	};
	for (size_t i = 0; kind && i < sizeof kinds / sizeof kinds[0]; i++)
		if (!strcmp(kinds[i].code, kind))
			return kinds[i].label;
	return "";
}

static bool agency_row(struct request *req, PGresult *res, struct staff_agency *out)
{
	out->id = atoll(PQgetvalue(res, 0, 0));
	out->id_text = arena_strdup(req->arena, PQgetvalue(res, 0, 0));
	out->code = arena_strdup(req->arena, PQgetvalue(res, 0, 1));
	out->name = arena_strdup(req->arena, PQgetvalue(res, 0, 2));
	return true;
}

bool staff_agency(struct request *req, const char *code, struct staff_agency *out)
{
	const struct staff_session *s = req->staff;
	if (!code || !*code) {
		if (s->agency_id) {
			code = s->agency_code;
		} else {
			/* A system administrator: the first agency there is. */
			const char *p[] = { "0" };
			PGresult *res = db_exec(req->db, STMT_AGENCY_SUBTREE, 1, p);
			if (!db_ok(res)) {
				respond_db_failure(req, res);
				PQclear(res);
				return false;
			}
			bool any = PQntuples(res) > 0 && agency_row(req, res, out);
			PQclear(res);
			if (!any)
				respond_error(req, 404, "还没有任何机关：请先用 ysqgk agency add 添加");
			return any;
		}
	}
	const char *p[] = { code };
	PGresult *res = db_exec(req->db, STMT_AGENCY_BY_CODE, 1, p);
	if (!db_ok(res)) {
		respond_db_failure(req, res);
		PQclear(res);
		return false;
	}
	bool found = PQntuples(res) == 1 && agency_row(req, res, out);
	PQclear(res);
	if (!found || !auth_sees_agency(req, out->id)) {
		respond_error(req, 404, "没有这个机关，或您无权查看");
		return false;
	}
	return true;
}

struct json_object *staff_agency_choices(struct request *req, const char *selected)
{
	const struct staff_session *s = req->staff;
	struct json_object *list = json_object_new_array();
	if (strcmp(s->role, "admin"))
		return list;
	char id[24];
	snprintf(id, sizeof id, "%lld", s->agency_id);
	const char *p[] = { id };
	PGresult *res = db_exec(req->db, STMT_AGENCY_SUBTREE, 1, p);
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++) {
		struct json_object *a = json_object_new_object();
		staff_add_str(a, "code", PQgetvalue(res, i, 1));
		staff_add_str(a, "name", PQgetvalue(res, i, 2));
		staff_add_bool(a, "selected", selected && !strcmp(selected, PQgetvalue(res, i, 1)));
		json_object_array_add(list, a);
	}
	PQclear(res);
	return list;
}
