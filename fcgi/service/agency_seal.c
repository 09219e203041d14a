/* agency_seal: an agency's seal image (agency_seal.h). */
#include "service/agency_seal.h"

#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "core/blobs.h"
#include "lib/pdfdoc.h"

static const unsigned char png_magic[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

static bool exec_ok(struct db *db, enum stmt s, int n, const char *const *p, PGresult **keep)
{
	PGresult *res = db_exec(db, s, n, p);
	bool ok = db_ok(res);
	if (ok && keep)
		*keep = res;
	else
		PQclear(res);
	return ok;
}

static enum agency_edit_status store(struct db *db, const char *code, const void *png,
				     size_t len, long long scope, const char *actor,
				     const char *ip)
{
	const char *cp[] = { code };
	PGresult *res;
	if (!exec_ok(db, STMT_SEAL_AGENCY_LOCK, 1, cp, &res))
		return AGENCY_EDIT_DB_FAILED;
	char agency_id[24] = "";
	if (PQntuples(res) == 1)
		snprintf(agency_id, sizeof agency_id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!*agency_id)
		return AGENCY_EDIT_NO_AGENCY;
	if (scope) {
		char s[24];
		snprintf(s, sizeof s, "%lld", scope);
		const char *w[] = { agency_id, s };
		if (!exec_ok(db, STMT_AGENCY_WITHIN, 2, w, &res))
			return AGENCY_EDIT_DB_FAILED;
		bool within = !strcmp(PQgetvalue(res, 0, 0), "t");
		PQclear(res);
		if (!within)
			return AGENCY_EDIT_NO_AGENCY;
	}
	unsigned char sha[BLOB_SHA256_BYTES];
	char hex[BLOB_SHA256_HEX];
	PGresult *failure;
	if (!blob_store(db, png, len, sha, &failure)) {
		PQclear(failure);
		return AGENCY_EDIT_DB_FAILED;
	}
	sodium_bin2hex(hex, sizeof hex, sha, sizeof sha);
	const char *fp[] = { agency_id, hex, actor };
	if (!exec_ok(db, STMT_SEAL_FILE_ADD, 3, fp, &res))
		return AGENCY_EDIT_DB_FAILED;
	char file_id[24];
	snprintf(file_id, sizeof file_id, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	const char *sp[] = { agency_id, file_id };
	if (!exec_ok(db, STMT_SEAL_AGENCY_SET, 2, sp, NULL))
		return AGENCY_EDIT_DB_FAILED;
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "key", json_object_new_string("seal"));
	json_object_object_add(data, "sha256", json_object_new_string(hex));
	json_object_object_add(data, "size", json_object_new_int64((int64_t)len));
	if (!actor)
		json_object_object_add(data, "by", json_object_new_string("command line"));
	const char *ap[] = { actor, agency_id, "agency_updated", NULL, ip,
			     json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN) };
	bool ok = exec_ok(db, STMT_AUDIT_ADD, 6, ap, NULL);
	json_object_put(data);
	return ok ? AGENCY_EDIT_OK : AGENCY_EDIT_DB_FAILED;
}

enum agency_edit_status agency_seal_set(struct db *db, const char *code, const void *png,
					size_t len, long long scope, const char *actor_staff_id,
					const char *ip, char *msg, size_t msglen)
{
	msg[0] = '\0';
	if (len > AGENCY_SEAL_MAX_BYTES) {
		snprintf(msg, msglen, "印章图片不能超过512 KB");
		return AGENCY_EDIT_BAD_INPUT;
	}
	if (len < sizeof png_magic || memcmp(png, png_magic, sizeof png_magic)) {
		snprintf(msg, msglen, "印章图片应为PNG格式");
		return AGENCY_EDIT_BAD_INPUT;
	}
	/* Readable, and within pdfdoc's limits: else every notice would fail. */
	struct pdfdoc trial = { .title = "印章", .body = "印章", .signer = "印章",
				.date_text = "2026年1月1日", .seal_png = png, .seal_png_len = len };
	struct buf out = BUF_INIT;
	char why[256];
	bool readable = pdfdoc_render(&trial, &out, why, sizeof why);
	buf_free(&out);
	if (!readable) {
		snprintf(msg, msglen, "印章图片无法使用：%s", why);
		return AGENCY_EDIT_BAD_INPUT;
	}
	if (!db_command(db, "BEGIN")) {
		snprintf(msg, msglen, "数据库暂时无法保存，修改没有生效，请稍后重试");
		return AGENCY_EDIT_DB_FAILED;
	}
	enum agency_edit_status s = store(db, code, png, len, scope, actor_staff_id, ip);
	if (s == AGENCY_EDIT_OK && !db_command(db, "COMMIT"))
		s = AGENCY_EDIT_DB_FAILED;
	if (s != AGENCY_EDIT_OK)
		db_command(db, "ROLLBACK");
	if (s == AGENCY_EDIT_NO_AGENCY)
		snprintf(msg, msglen, "没有代码为“%s”的机关", code);
	else if (s == AGENCY_EDIT_DB_FAILED)
		snprintf(msg, msglen, "数据库暂时无法保存，修改没有生效，请稍后重试");
	return s;
}
