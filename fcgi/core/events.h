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

#endif
