/* query_code_reissue: a new 查询码 after the identity was checked
 * (query_code_reissue.h). */
#include "service/query_code_reissue.h"

#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/columns.h"
#include "core/events.h"
#include "core/pii.h"
#include "core/session.h"
#include "lib/log.h"

static struct code_reissue refused(enum service_status s, const char *message)
{
	struct code_reissue r = { .status = s, .message = message };
	return r;
}

/* The event of a new code on request_id: who, and that the identity was
 * checked — never the code; via: the linked request it was issued on. */
static int log_reissue(const struct context *ctx, const char *request_id, const char *via)
{
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "identity_checked", json_object_new_boolean(true));
	if (via)
		json_object_object_add(data, "issued_on_request", json_object_new_string(via));
	struct event e = {
		.request_id = request_id,
		.actor_kind = "staff",
		.actor_staff_id = ctx->staff->staff_id_text,
		.action = "query_code_reissued",
		.data = data,
	};
	int seq = event_append(ctx->db, &e, NULL);
	json_object_put(data);
	return seq;
}

/* Inside the transaction: the checks, the new hash, the events. */
static struct code_reissue reissue(const struct context *ctx, const char *request_id)
{
	const char *p[] = { request_id };
	PGresult *res = db_exec(ctx->db, STMT_CODE_REISSUE_LOCK, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return refused(SERVICE_UNAVAILABLE, NULL);
	}
	bool found = PQntuples(res) == 1 &&
		session_sees_agency(ctx->db, ctx->staff,
				    atoll(PQgetvalue(res, 0, COL(CODE_REISSUE_LOCK, agency_id))));
	bool pseudonymised = found &&
		!strcmp(PQgetvalue(res, 0, COL(CODE_REISSUE_LOCK, pseudonymised)), "t");
	const char *tracking_no = found ? arena_strdup(ctx->arena,
		PQgetvalue(res, 0, COL(CODE_REISSUE_LOCK, tracking_no))) : NULL;
	PQclear(res);
	if (!found)
		return refused(SERVICE_NOT_FOUND, "没有这件申请");
	if (pseudonymised)
		return refused(SERVICE_CONFLICT,
			       "该申请已超过保存期限，申请人的个人信息已删除，无法核验身份，不能重新发放查询码");

	struct code_reissue r = { .status = SERVICE_DONE, .tracking_no = tracking_no };
	char code[QUERY_CODE_CHARS + 1];
	query_code_random(code);
	const char *q[] = { request_id, pii_hash(ctx->app, ctx->arena, PII_QUERY_CODE, code) };
	res = db_exec(ctx->db, STMT_CODE_REISSUE_STORE, 2, q);
	bool ok = db_ok(res);
	for (int i = 0; ok && i < PQntuples(res); i++) {
		const char *id = PQgetvalue(res, i, COL(CODE_REISSUE_STORE, id));
		bool linked = strcmp(id, request_id) != 0;
		int seq = log_reissue(ctx, id, linked ? tracking_no : NULL);
		ok = seq > 0;
		if (!linked)
			r.seq = seq;
	}
	PQclear(res);
	if (!ok || !r.seq) {
		sodium_memzero(code, sizeof code);
		return refused(SERVICE_UNAVAILABLE, NULL);
	}
	query_code_format(code, r.query_code);
	sodium_memzero(code, sizeof code);
	return r;
}

struct code_reissue query_code_reissue(const struct context *ctx, const char *request_id,
				       bool identity_checked)
{
	if (!ctx->staff)
		return refused(SERVICE_NOT_SIGNED_IN, NULL);
	if (!identity_checked) {
		struct code_reissue r = refused(SERVICE_BAD_INPUT,
			"请先核验申请人的身份（查验身份证件原件，或按登记的联系方式核实），再确认");
		r.field = "identity_checked";
		return r;
	}
	if (strspn(request_id, "0123456789") != strlen(request_id) || !*request_id ||
	    strlen(request_id) > 18)
		return refused(SERVICE_NOT_FOUND, "没有这件申请");
	if (!db_command(ctx->db, "BEGIN"))
		return refused(SERVICE_UNAVAILABLE, NULL);
	struct code_reissue r = reissue(ctx, request_id);
	if (r.status != SERVICE_DONE) {
		db_command(ctx->db, "ROLLBACK");
		return r;
	}
	if (!db_command(ctx->db, "COMMIT")) {
		log_error("query code reissue: COMMIT failed");
		sodium_memzero(r.query_code, sizeof r.query_code);
		return refused(SERVICE_UNAVAILABLE, NULL);
	}
	return r;
}
