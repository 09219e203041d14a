/*
 * staff_request_files: what the request page shows of issue 15 — the
 * request's files with their sizes, the applicant's files against the
 * per-request quota (config max_upload_bytes), and every download of them
 * (who or which link, when, which file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/vocab.h"
#include "domain/workflow_rules.h"
#include "web/http.h"
#include "web/model.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff_request.h"

/* The files that count against the quota: what was brought in, not the
 * notices the agency issued. */
static bool counts_against_quota(const char *purpose)
{
	return strcmp(purpose, "notice") && strcmp(purpose, "seal");
}

static void add_file_list(struct request *req, struct json_object *m, const char *id,
			  const PGresult *res)
{
	struct json_object *list = json_object_new_array();
	long long total = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		const char *fid = PQgetvalue(res, i, COL(REQ_FILES, id));
		const char *purpose = PQgetvalue(res, i, COL(REQ_FILES, purpose));
		long long size = atoll(PQgetvalue(res, i, COL(REQ_FILES, size)));
		json_object_object_add(o, "id", json_object_new_int64(atoll(fid)));
		staff_add_val(req, o, "name", res, i, COL(REQ_FILES, display_name));
		model_add_str(o, "purpose", purpose);
		model_add_str(o, "purpose_label", vocab_label(&vocab_file_purpose, purpose));
		staff_add_val(req, o, "mime", res, i, COL(REQ_FILES, mime));
		json_object_object_add(o, "size", json_object_new_int64(size));
		model_add_str(o, "size_text", model_size_text(req->arena, size));
		staff_add_val(req, o, "created", res, i, COL(REQ_FILES, created));
		staff_add_val(req, o, "uploaded_by", res, i, COL(REQ_FILES, uploaded_by));
		char href[96];
		snprintf(href, sizeof href, "/staff/requests/%s/files/%s", id, fid);
		model_add_str(o, "href", href);
		if (counts_against_quota(purpose))
			total += size;
		json_object_array_add(list, o);
	}
	if (PQntuples(res) > 0)
		model_add_bool(m, "has_files", true);
	json_object_object_add(m, "files", list);
	long long quota = (long long)req->app->config.max_upload_bytes;
	struct json_object *q = json_object_new_object();
	json_object_object_add(q, "used", json_object_new_int64(total));
	json_object_object_add(q, "limit", json_object_new_int64(quota));
	model_add_str(q, "used_text", model_size_text(req->arena, total));
	model_add_str(q, "limit_text", model_size_text(req->arena, quota));
	model_add_bool(q, "over", total > quota);
	json_object_object_add(m, "file_quota", q);
}

static void add_download_list(struct request *req, struct json_object *m, const PGresult *res)
{
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "file_id", json_object_new_int64(
			atoll(PQgetvalue(res, i, COL(REQ_FILE_DOWNLOADS, file_id)))));
		staff_add_val(req, o, "file_name", res, i, COL(REQ_FILE_DOWNLOADS, display_name));
		const char *via = PQgetvalue(res, i, COL(REQ_FILE_DOWNLOADS, via));
		model_add_str(o, "via", via);
		model_add_str(o, "via_label", vocab_label(&vocab_file_download_via, via));
		staff_add_val(req, o, "at", res, i, COL(REQ_FILE_DOWNLOADS, at));
		/* Who: the member signed in, or the applicant's signed link. */
		const char *who = PQgetvalue(res, i, COL(REQ_FILE_DOWNLOADS, staff_name));
		model_add_str(o, "who", *who ? who : "申请人（查询页面的下载链接）");
		json_object_array_add(list, o);
	}
	if (PQntuples(res) > 0)
		model_add_bool(m, "has_downloads", true);
	json_object_object_add(m, "downloads", list);
}

void request_add_files(struct request *req, struct json_object *m, const char *id,
		       const PGresult *files, const PGresult *downloads)
{
	add_file_list(req, m, id, files);
	add_download_list(req, m, downloads);
}
