/*
 * POST /api/v1/requests/{id}/files: a staff member uploads one file (the
 * part `file`, an optional `purpose` before it, default 'reply') for a
 * request of an agency they see; 201 with the file's id. The file is
 * stored unattached (web/upload.h); the step that uses it (reply:
 * "files": [ids]) attaches it. Another agency's request is 404, as if it
 * did not exist.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/columns.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/model.h"
#include "web/upload.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff.h"

static const char *const purposes[] = { "reply", "registration", "supplement",
					"id_copy", "authorization", "other", "evidence" };

static bool purpose_valid(const char *p)
{
	for (size_t i = 0; i < sizeof purposes / sizeof purposes[0]; i++)
		if (!strcmp(p, purposes[i]))
			return true;
	return false;
}

static void refuse_field(struct request *req, int status, const char *field, const char *msg)
{
	req->log_why = "upload refused";
	struct json_object *e = json_object_new_object();
	model_add_str(e, "error", msg);
	json_object_object_add(e, "status", json_object_new_int(status));
	model_add_str(e, "field", field);
	respond(req, status, NULL, e);
}

/* The request's agency, or 0 (404 answered) when absent or not seen. */
static long long request_agency(struct request *req, const char *id)
{
	char *end;
	long long n = strtoll(id, &end, 10);
	if (n <= 0 || *end) {
		respond_error(req, 404, "没有这件申请");
		return 0;
	}
	const char *p[] = { id };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_UPLOAD_REQUEST_AGENCY, 1, p);
	if (!res)
		return 0;
	long long agency = PQntuples(res) == 1
		? atoll(PQgetvalue(res, 0, COL(UPLOAD_REQUEST_AGENCY, agency_id))) : 0;
	PQclear(res);
	if (!agency || !auth_sees_agency(req, agency)) {
		respond_error(req, 404, "没有这件申请");
		return 0;
	}
	return agency;
}

void page_api_request_files(struct request *req)
{
	char id[32];
	if (!route_capture(&req->match, "id", id, sizeof id)) {
		respond_error(req, 404, NULL);
		return;
	}
	long long agency = request_agency(req, id);
	if (!agency)
		return;
	static const struct upload_input inputs[] = { { "file", NULL } };
	struct upload_spec spec = { inputs, 1, agency, req->staff->staff_id, atoll(id) };
	struct upload_result r;
	if (!upload_receive(req, &spec, &r))
		return;
	const char *purpose = fields_get(&req->form, "purpose");
	if (purpose && !purpose_valid(purpose)) {
		refuse_field(req, 422, "purpose", "用途应为 reply、registration、supplement、id_copy、authorization、other 或 evidence");
		return;
	}
	if (r.status) {
		refuse_field(req, r.status, "file", upload_error_for(&r, "file"));
		return;
	}
	if (r.count != 1) {
		refuse_field(req, 422, "file", r.count ? "一次只能上传一个文件" : "请选择要上传的文件（表单字段 file）");
		return;
	}
	const struct upload_file *f = &r.files[0];
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "id", json_object_new_int64(f->id));
	model_add_str(m, "name", f->name);
	model_add_str(m, "kind", f->kind);
	model_add_str(m, "purpose", f->purpose);
	json_object_object_add(m, "size", json_object_new_int64(f->size));
	model_add_str(m, "sha256", f->sha256);
	respond(req, 201, NULL, m);
}
