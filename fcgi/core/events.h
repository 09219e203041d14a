/*
 * events: the request event log, the source of truth of every request.
 *
 * Each event is appended with the next seq and a hash over its content and
 * the previous event's hash (SHA-256, computed in the INSERT itself from the
 * values as PostgreSQL stores them, so `ysqgk audit verify` can recompute it
 * with the same expression). Events are never updated or deleted (triggers
 * refuse it). The caller holds the request row locked (SELECT … FOR UPDATE)
 * inside its transaction, so two appends to one request cannot interleave.
 */
#ifndef YSQGK_EVENTS_H
#define YSQGK_EVENTS_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "core/db.h"

/* The most statements event_append_then() sends after the row. */
#define EVENT_THEN_MAX 4

struct event {
	const char *request_id;		/* requests.id as text */
	const char *actor_kind;		/* applicant, staff, system, import */
	const char *actor_staff_id;	/* NULL unless a staff member acted */
	const char *action;		/* see request_events.action */
	const char *effective_on;	/* YYYY-MM-DD, NULL = today (Beijing) */
	struct json_object *data;	/* borrowed; NULL = {} */
};

/*
 * Appends the event; returns its seq (>= 1), or 0 on failure with the
 * failed result in *failure (the caller PQclears it) for respond_db_failure
 * — or freed here when failure is NULL.
 */
int event_append(struct db *db, const struct event *e, PGresult **failure);

/*
 * event_append, with the statements in `then` sent in the same round trip
 * as the event's row (db_exec_steps: the messages a step queues, issue 17).
 * They run in the caller's transaction after the row; they cannot know
 * its seq, so they name the one the caller expects, and a seq other than
 * `expected_seq` is a failure (the caller rolls back). Each then[i].res
 * is freed here; the first failed result goes to *failure as above.
 */
int event_append_then(struct db *db, const struct event *e, int expected_seq,
		      struct db_step *then, size_t nthen, PGresult **failure);

#endif
