/*
 * notify: the sender (`ysqgk notify`). Takes due messages from the outbox
 * (service/messages.h), renders each for its channel, hands it to the
 * SMTP relay or the SMS gateway, and records the answer.
 *
 * Delivery is at least once. A message is taken under a lease (state
 * 'sending'); it is marked sent right after the relay accepted it, one by
 * one, so a sender killed mid-batch leaves at most the message in flight
 * to be sent again when its lease runs out — with the same Message-ID /
 * SessionContext (messages.message_key), so the other side can tell.
 * A refusal is retried with exponential backoff until the message is
 * notify_max_age_hours old; then, or at once for a permanent refusal
 * (5xx, a number the provider rejects), it is dead: staff see it on the
 * request and may send it again.
 */
#ifndef YSQGK_NOTIFY_H
#define YSQGK_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "core/context.h"

/* How many messages one claim takes. A sender holds them for
 * notify_lease_seconds (core/config.h): longer than a batch takes. */
#define NOTIFY_BATCH		50

struct notifier;

/* The sender's state: the relay and gateway settings from the app's
 * configuration, their secrets read from their files, a reused SMTP
 * connection. NULL with a message in err when a setting is unusable. */
struct notifier *notifier_new(const struct app *app, char *err, size_t errlen);
void notifier_free(struct notifier *n);

struct notify_counts {
	int sent, retried, dead;
};

/* Sends one batch of due messages; returns how many were taken (0: none
 * due), or -1 when the database failed. Adds to `counts`. */
int notify_batch(struct notifier *n, const struct context *ctx, struct notify_counts *counts);

/* The message's text for e-mail, "subject\n\nbody", from the template
 * messages/<kind> and its params (in the arena; NULL if no template). */
const char *notify_render_mail(const struct app *app, struct arena *a, const char *kind,
			       struct json_object *model);

#endif
