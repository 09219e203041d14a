/*
 * The uploads a step brings (issue 15): the ids of unattached uploads in
 * the step's input are attached to the request in the step's transaction,
 * and each file's SHA-256 goes into the event's data, so into the hash
 * chain (core/events.h): what was released can be proven later.
 */
#include "service/workflow_internal.h"

#include "core/uploads.h"

bool step_in_file_ids(struct step *st, const char *key, long long *ids, size_t *n)
{
	*n = 0;
	struct json_object *v;
	if (!json_object_object_get_ex(st->input, key, &v) || !v)
		return true;
	if (json_object_is_type(v, json_type_string)) {
		const char *s = json_object_get_string(v);
		while (*s) {
			char *end;
			long long id = strtoll(s, &end, 10);
			if (end == s || id <= 0 || *n == STEP_FILES_MAX)
				return step_refuse(st, SERVICE_BAD_INPUT, "文件编号无效", key);
			ids[(*n)++] = id;
			s = end + strspn(end, ", ");
		}
		return true;
	}
	if (!json_object_is_type(v, json_type_array))
		return step_refuse(st, SERVICE_BAD_INPUT, "files 应为文件编号的列表", key);
	size_t len = json_object_array_length(v);
	if (len > STEP_FILES_MAX)
		return step_refuse(st, SERVICE_BAD_INPUT, "文件过多", key);
	for (size_t i = 0; i < len; i++) {
		struct json_object *e = json_object_array_get_idx(v, i);
		long long id = json_object_is_type(e, json_type_int) ? json_object_get_int64(e)
			     : json_object_is_type(e, json_type_string) ? atoll(json_object_get_string(e))
			     : 0;
		if (id <= 0)
			return step_refuse(st, SERVICE_BAD_INPUT, "文件编号无效", key);
		ids[(*n)++] = id;
	}
	return true;
}

bool step_attach_files(struct step *st, const char *key, const char *purpose)
{
	long long ids[STEP_FILES_MAX];
	size_t n;
	if (!step_in_file_ids(st, key, ids, &n))
		return false;
	if (!n)
		return true;
	struct json_object *list = json_object_new_array();
	json_object_object_add(st->data, "files", list);
	for (size_t i = 0; i < n; i++) {
		char id[24];
		snprintf(id, sizeof id, "%lld", ids[i]);
		const char *p[] = { id, st->id, st->agency_id, purpose };
		PGresult *res = step_exec(st, STMT_UPLOAD_ATTACH, 4, p);
		if (!res)
			return false;
		if (PQntuples(res) != 1) {
			PQclear(res);
			return step_refusef(st, SERVICE_BAD_INPUT, key,
					    "文件 %s 不存在、不是为本申请上传的，或已被使用", id);
		}
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "id", json_object_new_int64(ids[i]));
		json_object_object_add(f, "sha256", json_object_new_string(
			PQgetvalue(res, 0, COL(UPLOAD_ATTACH, sha256))));
		json_object_object_add(f, "name", json_object_new_string(
			PQgetvalue(res, 0, COL(UPLOAD_ATTACH, display_name))));
		json_object_array_add(list, f);
		PQclear(res);
	}
	return true;
}
