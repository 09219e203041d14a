/*
 * message_resend: staff's "send again" (重新发送) of a dead message
 * (issue 14). The outbox gave up on it (its retries or maximum age ran
 * out); a member of the request's agency puts it back in the queue, with
 * its retries and maximum age counted afresh from now, in one transaction
 * with its audit_log line (message_requeued). Its last error is kept for
 * the record until the sender overwrites it. The message keeps its
 * message_key: the receiving side sees the same message.
 */
#ifndef YSQGK_MESSAGE_RESEND_H
#define YSQGK_MESSAGE_RESEND_H

#include "core/context.h"

struct message_resend {
	enum service_status status;
	const char *message;	/* Chinese, when not done */
	const char *state;	/* the message's state after it: "queued" */
};

/*
 * Requeues message `message_id` of request `request_id` (both as text).
 * SERVICE_NOT_FOUND for another agency's request or a message of another
 * request; SERVICE_CONFLICT unless the message is dead; SERVICE_FORBIDDEN
 * for an administrator (they look, they do not act). `ip` (may be NULL)
 * goes into the audit line.
 */
struct message_resend message_resend(const struct context *ctx, const char *request_id,
				     const char *message_id, const char *ip);

#endif
