#include "events.h"

#include <stdio.h>
#include <stdlib.h>

int event_append(struct db *db, const struct event *e, PGresult **failure)
{
	const char *data = e->data
		? json_object_to_json_string_ext(e->data, JSON_C_TO_STRING_PLAIN)
		: "{}";
	const char *params[] = { e->request_id, e->effective_on, e->actor_staff_id,
				 e->actor_kind, e->action, data };
	PGresult *res = db_exec(db, STMT_EVENT_APPEND, 6, params);
	if (!db_ok(res) || PQntuples(res) != 1) {
		*failure = res;
		return 0;
	}
	int seq = atoi(PQgetvalue(res, 0, 0));
	PQclear(res);
	*failure = NULL;
	return seq;
}
