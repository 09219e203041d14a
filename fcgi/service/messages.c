/*
 * messages: queueing into the outbox (messages.h).
 */
#include <stdio.h>

#include "service/messages.h"
#include "lib/log.h"

static const char *seq_text(int seq, char buf[16])
{
	if (seq <= 0)
		return NULL;
	snprintf(buf, 16, "%d", seq);
	return buf;
}

static const char *params_text(struct json_object *params)
{
	return params ? json_object_to_json_string_ext(params, JSON_C_TO_STRING_PLAIN) : "{}";
}

static bool run(struct db *db, enum stmt s, int n, const char *const *values)
{
	PGresult *res = db_exec(db, s, n, values);
	bool ok = db_ok(res);
	if (!ok)
		log_error("messages: queueing failed: %s", PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

bool messages_queue_applicant(struct db *db, const char *request_id, int seq,
			      const char *kind, struct json_object *params,
			      const char *dedup_key)
{
	char buf[16];
	const char *values[] = { request_id, seq_text(seq, buf), kind, params_text(params),
				 dedup_key };
	return run(db, STMT_MSG_QUEUE_APPLICANT, 5, values);
}

bool messages_alert_staff(struct db *db, const char *request_id, int seq,
			  const char *kind, struct json_object *params)
{
	char buf[16];
	const char *values[] = { request_id, seq_text(seq, buf), kind, params_text(params) };
	return run(db, STMT_MSG_QUEUE_STAFF_ALERT, 4, values);
}

bool messages_queue_staff(struct db *db, const char *staff_id, const char *kind,
			  struct json_object *params, const char *dedup_key)
{
	const char *values[] = { staff_id, kind, params_text(params), dedup_key };
	return run(db, STMT_MSG_QUEUE_STAFF, 4, values);
}
