/*
 * deadlines_messages: what `ysqgk deadlines` queues in the outbox
 * (service/messages.h) besides closing expired periods.
 */
#ifndef YSQGK_DEADLINES_MESSAGES_H
#define YSQGK_DEADLINES_MESSAGES_H

#include <stdint.h>

#include "cli/cli_staff.h"
#include "core/calendar_cache.h"

/* Working days before a 补正 or fee period closes that the applicant is
 * reminded (issue 14). */
#define REMINDER_WORKDAYS 2

/* Reminds each applicant whose 补正 or fee period closes within
 * REMINDER_WORKDAYS, once per period however often it runs. Returns the
 * number queued, or -1 when the database failed. */
int deadlines_queue_reminders(struct cli_staff *c, const struct calendar *cal, int32_t today);

/* Queues each member of staff's daily digest (within: the due-soon window
 * in working days), once a day. Returns the number queued, or -1. */
int deadlines_queue_digests(struct cli_staff *c, const struct calendar *cal, int32_t today,
			    int within);

#endif
