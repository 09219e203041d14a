/* What every staff page shares: the signed-in member in the model, labels. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar_cache.h"
#include "core/clock.h"
#include "domain/deadline.h"
#include "web/auth.h"
#include "domain/workflow_rules.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "domain/vocab.h"
#include "service/workflow.h"

/* For the administrators who may import it (every agency's: the calendar
 * is global, admin.c may_change_calendar), the year whose holiday schedule
 * is missing: due dates counted into it are provisional (暂定). */
static void add_calendar_banner(struct request *req, struct json_object *m)
{
	if (strcmp(req->staff->role, "admin") || req->staff->agency_id != 0)
		return;
	const struct calendar *cal = calendar_current(req->db);
	int year = cal ? holiday_schedule_missing(cal, clock_today()) : 0;
	if (year)
		json_object_object_add(m, "calendar_missing_year", json_object_new_int(year));
}

struct json_object *staff_model(struct request *req, const char *title)
{
	struct json_object *m = json_object_new_object();
	model_add_str(m, "title", title);
	const struct staff_session *s = req->staff;
	if (s) {
		struct json_object *me = json_object_new_object();
		model_add_str(me, "username", s->username);
		model_add_str(me, "display_name", s->display_name);
		model_add_str(me, "role", s->role);
		model_add_str(me, "role_label", vocab_label(&vocab_staff_role, s->role));
		model_add_str(me, "agency_code", s->agency_code);
		model_add_str(me, "agency_name", *s->agency_name ? s->agency_name : "全部机关");
		model_add_bool(me, "is_admin", !strcmp(s->role, "admin"));
		model_add_bool(me, "is_head", !strcmp(s->role, "head"));
		model_add_bool(me, "has_departments", staff_has_departments(req));
		/* 投诉举报 in the nav: heads and administrators, with the open count. */
		int complaints_open = staff_complaints_open(req);
		model_add_bool(me, "handles_complaints", complaints_open >= 0);
		if (complaints_open > 0)
			json_object_object_add(me, "complaints_open",
					       json_object_new_int(complaints_open));
		json_object_object_add(m, "me", me);
		add_calendar_banner(req, m);
	}
	return m;
}

bool staff_password_changed_or_respond(struct request *req)
{
	if (!req->staff || !req->staff->must_change_password || req->wants_json)
		return true;
	respond_redirect(req, "/staff/password");
	return false;
}

/* The first row of AGENCY_BY_CODE or AGENCY_SUBTREE: both (id, code, name). */
static bool agency_row(struct request *req, const PGresult *res, struct staff_agency *out)
{
	out->id = atoll(PQgetvalue(res, 0, COL(AGENCY_BY_CODE, id)));
	out->id_text = arena_strdup(req->arena, PQgetvalue(res, 0, COL(AGENCY_BY_CODE, id)));
	out->code = arena_strdup(req->arena, PQgetvalue(res, 0, COL(AGENCY_BY_CODE, code)));
	out->name = arena_strdup(req->arena, PQgetvalue(res, 0, COL(AGENCY_BY_CODE, name)));
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
			const PGresult *res = db_cached_or_respond(req, STMT_AGENCY_SUBTREE,
								   READ_UNTIL_AGENCIES_CHANGE, 1, p);
			if (!res)
				return false;
			bool any = PQntuples(res) > 0 && agency_row(req, res, out);
			if (!any)
				respond_error(req, 404, "还没有任何机关：请先用 ysqgk agency add 添加");
			return any;
		}
	}
	const char *p[] = { code };
	const PGresult *res = db_cached_or_respond(req, STMT_AGENCY_BY_CODE,
						   READ_UNTIL_AGENCIES_CHANGE, 1, p);
	if (!res)
		return false;
	bool found = PQntuples(res) == 1 && agency_row(req, res, out);
	if (!found || !auth_sees_agency(req, out->id)) {
		respond_error(req, 404, "没有这个机关，或您无权查看");
		return false;
	}
	return true;
}

int staff_confirm_workdays(struct request *req, const char *agency_id)
{
	const char *p[] = { agency_id };
	const PGresult *res = read_cached(req->db, STMT_AGENCY_CONFIRM_WORKDAYS,
					  READ_UNTIL_AGENCIES_CHANGE, 1, p, NULL);
	int setting = COL(AGENCY_CONFIRM_WORKDAYS, confirm_workdays);
	return confirm_workdays_setting(db_ok(res) && PQntuples(res) == 1 &&
					!PQgetisnull(res, 0, setting) ? PQgetvalue(res, 0, setting)
								      : NULL);
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
	const PGresult *res = read_cached(req->db, STMT_AGENCY_SUBTREE, READ_UNTIL_AGENCIES_CHANGE,
					  1, p, NULL);
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++) {
		struct json_object *a = json_object_new_object();
		model_add_str(a, "code", PQgetvalue(res, i, COL(AGENCY_SUBTREE, code)));
		model_add_str(a, "name", PQgetvalue(res, i, COL(AGENCY_SUBTREE, name)));
		model_add_bool(a, "selected", selected && !strcmp(selected, PQgetvalue(res, i, COL(AGENCY_SUBTREE, code))));
		json_object_array_add(list, a);
	}
	return list;
}

/* ---- values of a result, for the models ----------------------------------- */

const char *staff_val(struct request *req, const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return arena_strdup(req->arena, PQgetvalue(res, row, col));
}

void staff_add_val(struct request *req, struct json_object *o, const char *key,
		    const PGresult *res, int row, int col)
{
	const char *v = staff_val(req, res, row, col);
	if (v && *v)
		model_add_str(o, key, v);
}

void staff_add_date_cn(struct request *req, struct json_object *o, const char *key,
			const char *iso)
{
	if (!iso)
		return;
	model_add_str(o, key, iso);
	char k[64];
	snprintf(k, sizeof k, "%s_text", key);
	model_add_str(o, k, workflow_date_cn(req->arena, iso));
}
