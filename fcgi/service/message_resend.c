/* message_resend: "send again" of a dead message (message_resend.h). */
#include "service/message_resend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "lib/log.h"

static struct message_resend refused(enum service_status s, const char *message)
{
	return (struct message_resend){ .status = s, .message = message };
}

static bool digits(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n;
}

/* The audit line: which message of which request, never its address. */
static bool audit(const struct context *ctx, const char *agency_id, const char *request_id,
		  const char *message_id, PGresult *locked, const char *ip)
{
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "request_id", json_object_new_int64(atoll(request_id)));
	json_object_object_add(data, "message_id", json_object_new_int64(atoll(message_id)));
	json_object_object_add(data, "kind", json_object_new_string(
		PQgetvalue(locked, 0, COL(MSG_RESEND_LOCK, kind))));
	json_object_object_add(data, "channel", json_object_new_string(
		PQgetvalue(locked, 0, COL(MSG_RESEND_LOCK, channel))));
	const char *params[] = { ctx->staff->staff_id_text, agency_id, "message_requeued", NULL,
				 ip, json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN) };
	PGresult *res = db_exec(ctx->db, STMT_AUDIT_ADD, 6, params);
	bool ok = db_ok(res);
	PQclear(res);
	json_object_put(data);
	return ok;
}

/* Inside the transaction: the checks and the change. */
static struct message_resend requeue(const struct context *ctx, const char *request_id,
				     const char *message_id, const char *ip)
{
	const char *p[] = { request_id, message_id };
	PGresult *res = db_exec(ctx->db, STMT_MSG_RESEND_LOCK, 2, p);
	if (!db_ok(res)) {
		PQclear(res);
		return refused(SERVICE_UNAVAILABLE, NULL);
	}
	/* Another agency's request answers like one that does not exist. */
	if (PQntuples(res) != 1 ||
	    !session_sees_agency(ctx->db, ctx->staff,
				 atoll(PQgetvalue(res, 0, COL(MSG_RESEND_LOCK, agency_id))))) {
		PQclear(res);
		return refused(SERVICE_NOT_FOUND, "没有这条消息");
	}
	if (strcmp(PQgetvalue(res, 0, COL(MSG_RESEND_LOCK, state)), "dead")) {
		PQclear(res);
		return refused(SERVICE_CONFLICT, "只有发送失败的消息才能重新发送");
	}
	char agency_id[24];
	snprintf(agency_id, sizeof agency_id, "%s", PQgetvalue(res, 0, COL(MSG_RESEND_LOCK, agency_id)));
	const char *q[] = { message_id };
	PGresult *up = db_exec(ctx->db, STMT_MSG_RESEND_REQUEUE, 1, q);
	bool ok = db_ok(up) && PQntuples(up) == 1 &&
		  audit(ctx, agency_id, request_id, message_id, res, ip);
	PQclear(up);
	PQclear(res);
	if (!ok)
		return refused(SERVICE_UNAVAILABLE, NULL);
	return (struct message_resend){ .status = SERVICE_DONE, .state = "queued" };
}

struct message_resend message_resend(const struct context *ctx, const char *request_id,
				     const char *message_id, const char *ip)
{
	if (!ctx->staff)
		return refused(SERVICE_NOT_SIGNED_IN, NULL);
	if (!digits(request_id) || !digits(message_id))
		return refused(SERVICE_NOT_FOUND, "没有这条消息");
	if (!strcmp(ctx->staff->role, "admin"))
		return refused(SERVICE_FORBIDDEN, "系统管理员不办理申请：请使用经办人或负责人账户");
	if (!db_command(ctx->db, "BEGIN"))
		return refused(SERVICE_UNAVAILABLE, NULL);
	struct message_resend r = requeue(ctx, request_id, message_id, ip);
	if (r.status != SERVICE_DONE) {
		db_command(ctx->db, "ROLLBACK");
		return r;
	}
	if (!db_command(ctx->db, "COMMIT")) {
		log_error("message resend: COMMIT failed");
		return refused(SERVICE_UNAVAILABLE, NULL);
	}
	return r;
}
