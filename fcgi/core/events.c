#include "core/events.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/event_mac.h"

/* Two statements in the caller's transaction: the database computes the
 * chain hash, the MAC is computed here (the key stays out of SQL). */
/* Hands the failed result to the caller, or frees it when not asked for. */
static int failed(PGresult *res, PGresult **failure)
{
	if (failure)
		*failure = res;
	else
		PQclear(res);
	return 0;
}

int event_append(struct db *db, const struct event *e, PGresult **failure)
{
	if (!db->event_key) {
		fprintf(stderr, "event_append: no event MAC key (a bug)\n");
		abort();	/* never write an event without its MAC */
	}
	const char *data = e->data
		? json_object_to_json_string_ext(e->data, JSON_C_TO_STRING_PLAIN)
		: "{}";
	const char *params[9] = { e->request_id, e->effective_on, e->actor_staff_id,
				  e->actor_kind, e->action, data };
	PGresult *res = db_exec(db, STMT_EVENT_NEXT_HASH, 6, params);
	char hash[2 * EVENT_HASH_BYTES + 1], mac[2 * EVENT_MAC_BYTES + 1], key_no[8];
	if (!db_ok(res) || PQntuples(res) != 1)
		return failed(res, failure);
	snprintf(hash, sizeof hash, "%s", PQgetvalue(res, 0, COL(EVENT_NEXT_HASH, hash)));
	PQclear(res);
	event_mac_hex(mac, db->event_key, db->event_key_no, hash);
	snprintf(key_no, sizeof key_no, "%d", db->event_key_no);
	params[6] = hash;
	params[7] = key_no;
	params[8] = mac;
	res = db_exec(db, STMT_EVENT_APPEND, 9, params);
	if (!db_ok(res) || PQntuples(res) != 1)
		return failed(res, failure);
	int seq = atoi(PQgetvalue(res, 0, COL(EVENT_APPEND, seq)));
	PQclear(res);
	if (failure)
		*failure = NULL;
	return seq;
}
