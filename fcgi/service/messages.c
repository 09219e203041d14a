/*
 * messages: queueing into the outbox (messages.h).
 */
#include <stdio.h>
#include <string.h>

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

/* A statement with its texts copied into the arena (a step outlives the
 * caller's locals). */
static struct db_step step_of(struct arena *a, enum stmt s, int n, const char *const *values)
{
	const char **copy = arena_alloc(a, (size_t)n * sizeof *copy);
	for (int i = 0; i < n; i++)
		copy[i] = values[i] ? arena_strdup(a, values[i]) : NULL;
	return (struct db_step){ .stmt = s, .nparams = n, .params = copy };
}

/* The parameters of MSG_QUEUE_APPLICANT (5) and MSG_QUEUE_STAFF_ALERT (the
 * first 4), for running now or as a step. */
struct message_values {
	const char *v[5];
	char seq[16];
};

static const char *const *message_values(struct message_values *m, const char *request_id,
					 int seq, const char *kind, struct json_object *params,
					 const char *dedup_key)
{
	const char *v[] = { request_id, seq_text(seq, m->seq), kind, params_text(params),
			    dedup_key };
	memcpy(m->v, v, sizeof v);
	return m->v;
}

bool messages_queue_applicant(struct db *db, const char *request_id, int seq,
			      const char *kind, struct json_object *params,
			      const char *dedup_key)
{
	struct message_values m;
	return run(db, STMT_MSG_QUEUE_APPLICANT, 5,
		   message_values(&m, request_id, seq, kind, params, dedup_key));
}

struct db_step messages_applicant_step(struct arena *a, const char *request_id, int seq,
				       const char *kind, struct json_object *params,
				       const char *dedup_key)
{
	struct message_values m;
	return step_of(a, STMT_MSG_QUEUE_APPLICANT, 5,
		       message_values(&m, request_id, seq, kind, params, dedup_key));
}

bool messages_alert_staff(struct db *db, const char *request_id, int seq,
			  const char *kind, struct json_object *params)
{
	struct message_values m;
	return run(db, STMT_MSG_QUEUE_STAFF_ALERT, 4,
		   message_values(&m, request_id, seq, kind, params, NULL));
}

struct db_step messages_staff_alert_step(struct arena *a, const char *request_id, int seq,
					 const char *kind, struct json_object *params)
{
	struct message_values m;
	return step_of(a, STMT_MSG_QUEUE_STAFF_ALERT, 4,
		       message_values(&m, request_id, seq, kind, params, NULL));
}

bool messages_queue_staff(struct db *db, const char *staff_id, const char *kind,
			  struct json_object *params, const char *dedup_key)
{
	const char *values[] = { staff_id, kind, params_text(params), dedup_key };
	return run(db, STMT_MSG_QUEUE_STAFF, 4, values);
}
