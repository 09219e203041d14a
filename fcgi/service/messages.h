/*
 * messages: the outbox (sql/019_messages.sql). A step that the applicant
 * must know of queues its message in the transaction that writes its
 * event, so a message exists exactly when its cause does; `ysqgk notify`
 * (service/notify.h) delivers it later, at least once.
 *
 * `params` (borrowed, may be NULL) holds what the message says besides
 * the tracking number, agency and due date, which are taken from the rows:
 * dates as YYYY-MM-DD, never the query code.
 */
#ifndef YSQGK_MESSAGES_H
#define YSQGK_MESSAGES_H

#include <stdbool.h>
#include <json-c/json.h>

#include "core/db.h"

/* The applicant's message of `kind` (messages.kind) about request
 * `request_id`, caused by event `seq` (0 for none). `dedup_key` (NULL
 * for an event's message) makes a reminder idempotent. Inside the
 * caller's transaction; false when the statement failed (the caller
 * rolls back: a step whose message cannot be queued does not happen). */
bool messages_queue_applicant(struct db *db, const char *request_id, int seq,
			      const char *kind, struct json_object *params,
			      const char *dedup_key);

/* An alert of `kind` to every clerk and head of the request's agency
 * who has an e-mail address. Same rules. */
bool messages_alert_staff(struct db *db, const char *request_id, int seq,
			  const char *kind, struct json_object *params);

/* A message of `kind` to member of staff `staff_id` (text) about no one
 * request, by e-mail, keyed `dedup_key`. */
bool messages_queue_staff(struct db *db, const char *staff_id, const char *kind,
			  struct json_object *params, const char *dedup_key);

#endif
