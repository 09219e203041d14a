/*
 * /admin/import: an administrator pastes a paper ledger (the CSV of
 * docs/import.md) and imports it, all rows or none, into the agencies they
 * manage. The same checks and writing as `ysqgk import` (import.c); a form
 * field holds at most 64 KiB, so larger ledgers go through the command.
 */
#include <string.h>

#include "web/auth.h"
#include "web/http.h"
#include "service/import.h"
#include "web/pages/pages.h"

static bool is_admin(struct request *req)
{
	if (!strcmp(req->staff->role, "admin"))
		return true;
	respond_error(req, 403, "只有系统管理员可以导入台账");
	return false;
}

static void import_page(struct request *req, int status, const char *csv,
			const struct import_result *r, bool dry_run)
{
	struct json_object *m = staff_model(req, "导入纸质台账");
	model_add_str(m, "csv", csv ? csv : "");
	model_add_bool(m, "dry_run", dry_run);
	if (r) {
		struct json_object *result = json_object_new_object();
		json_object_object_add(result, "rows", json_object_new_int(r->rows));
		json_object_object_add(result, "imported", json_object_new_int(r->imported));
		json_object_object_add(result, "problems", json_object_new_int(r->problems));
		json_object_object_add(result, "errors", json_object_get(r->errors));
		json_object_object_add(result, "created", json_object_get(r->created));
		model_add_bool(result, "refused", r->status == 1);
		model_add_bool(result, "checked_only", r->status == 0 && dry_run);
		model_add_bool(result, "done", r->status == 0 && !dry_run);
		model_add_bool(result, "more", r->problems > (int)json_object_array_length(r->errors));
		json_object_object_add(m, "result", result);
	}
	respond(req, status, "report/import", m);
}

void page_admin_import_form(struct request *req)
{
	if (!staff_password_changed_or_respond(req) || !is_admin(req))
		return;
	import_page(req, 200, NULL, NULL, false);
}

void page_admin_import(struct request *req)
{
	if (!is_admin(req))
		return;
	const char *csv = fields_get(&req->form, "csv");
	const char *dry = fields_get(&req->form, "dry_run");
	bool dry_run = dry && *dry;
	if (!csv || !*csv) {
		req->log_why = "empty ledger";
		import_page(req, 422, "", NULL, dry_run);
		return;
	}
	struct import_options opt = {
		.source = "网页上传", .actor_staff_id = req->staff->staff_id_text,
		.scope_agency_id = req->staff->agency_id, .dry_run = dry_run,
	};
	struct import_result r;
	import_csv(req->db, req->app, req->arena, csv, strlen(csv), &opt, &r);
	if (r.status == 2) {
		req->log_why = r.failure;
		respond_error(req, 503, "导入失败，没有导入任何数据。请稍后重试。");
	} else {
		if (r.status == 1)
			req->log_why = "ledger refused";
		import_page(req, r.status == 1 ? 422 : 200, r.status == 1 || dry_run ? csv : "",
			    &r, dry_run);
	}
	import_result_free(&r);
}
