#include "core/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* EVENT_APPEND's parameters: the event's, its hash (asked of the
 * database: one round trip) and the MAC over it. False with *failure. */
struct append_params {
	const char *values[9];
	char hash[2 * EVENT_HASH_BYTES + 1], mac[2 * EVENT_MAC_BYTES + 1], key_no[8];
};

static bool append_params(struct db *db, const struct event *e, struct append_params *a,
			  PGresult **failure)
{
	if (!db->event_key) {
		fprintf(stderr, "event_append: no event MAC key (a bug)\n");
		abort();	/* never write an event without its MAC */
	}
	const char *data = e->data
		? json_object_to_json_string_ext(e->data, JSON_C_TO_STRING_PLAIN)
		: "{}";
	const char *head[] = { e->request_id, e->effective_on, e->actor_staff_id,
			       e->actor_kind, e->action, data };
	memcpy(a->values, head, sizeof head);
	PGresult *res = db_exec(db, STMT_EVENT_NEXT_HASH, 6, a->values);
	if (!db_ok(res) || PQntuples(res) != 1)
		return failed(res, failure);
	snprintf(a->hash, sizeof a->hash, "%s", PQgetvalue(res, 0, COL(EVENT_NEXT_HASH, hash)));
	PQclear(res);
	event_mac_hex(a->mac, db->event_key, db->event_key_no, a->hash);
	snprintf(a->key_no, sizeof a->key_no, "%d", db->event_key_no);
	a->values[6] = a->hash;
	a->values[7] = a->key_no;
	a->values[8] = a->mac;
	return true;
}

/* The seq EVENT_APPEND returned; 0 when no row went in (the chain moved
 * on meanwhile: the hash no longer computes). */
static int appended_seq(const PGresult *res)
{
	return db_ok(res) && PQntuples(res) == 1
		? atoi(PQgetvalue(res, 0, COL(EVENT_APPEND, seq))) : 0;
}

int event_append(struct db *db, const struct event *e, PGresult **failure)
{
	struct append_params a;
	if (!append_params(db, e, &a, failure))
		return 0;
	PGresult *res = db_exec(db, STMT_EVENT_APPEND, 9, a.values);
	int seq = appended_seq(res);
	if (!seq)
		return failed(res, failure);
	PQclear(res);
	if (failure)
		*failure = NULL;
	return seq;
}

int event_append_then(struct db *db, const struct event *e, int expected_seq,
		      struct db_step *then, size_t nthen, PGresult **failure)
{
	struct append_params a;
	if (!append_params(db, e, &a, failure))
		return 0;
	struct db_step steps[1 + EVENT_THEN_MAX];
	if (nthen > EVENT_THEN_MAX) {
		fprintf(stderr, "event_append_then: %zu statements (a bug)\n", nthen);
		abort();
	}
	steps[0] = (struct db_step){ .stmt = STMT_EVENT_APPEND, .nparams = 9, .params = a.values };
	memcpy(steps + 1, then, nthen * sizeof *then);
	db_exec_steps(db, steps, 1 + nthen);
	int seq = appended_seq(steps[0].res);
	PGresult *first_failed = NULL;
	for (size_t i = 0; i < 1 + nthen; i++) {
		if (!first_failed && steps[i].res && !db_ok(steps[i].res))
			first_failed = steps[i].res;
		else
			PQclear(steps[i].res);
	}
	if (seq == expected_seq && !first_failed) {
		if (failure)
			*failure = NULL;
		return seq;
	}
	return failed(first_failed, failure);
}
