/*
 * mail: an e-mail message (RFC 5322, MIME) and its delivery to an SMTP
 * relay through libcurl. Knows nothing of the application.
 *
 * The message is UTF-8 throughout: the subject and display names as RFC
 * 2047 encoded-words (=?UTF-8?B?…?=), the body as text/plain; charset=UTF-8
 * in base64, an optional attachment in a multipart/mixed message. The
 * Message-ID is the caller's: a message sent again carries the same one,
 * so the receiving side can recognise it.
 */
#ifndef YSQGK_MAIL_H
#define YSQGK_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

struct mail_attachment {
	const char *filename;		/* UTF-8; RFC 2231 encoded when not ASCII */
	const char *content_type;	/* e.g. application/pdf */
	const void *data;
	size_t len;
};

struct mail {
	const char *from;		/* addr-spec: ysqgk@agency.gov.cn */
	const char *from_name;		/* display name (UTF-8) or NULL */
	const char *to;			/* addr-spec */
	const char *reply_to;		/* addr-spec or NULL */
	const char *subject;		/* UTF-8 */
	const char *body;		/* UTF-8 text, LF line ends */
	const char *message_id;		/* without <>: key@host */
	time_t date;			/* the Date header */
	const struct mail_attachment *attachment;	/* or NULL */
};

/* libcurl's global set-up: call once at start-up, before any thread. */
void mail_global_init(void);

/* Appends the whole message (headers, CRLF line ends, no line longer than
 * 998 characters nor starting with a dot) to out. False, with nothing
 * appended, when a header value would hold CR or LF (no header injection),
 * a text is not UTF-8, an address or the Message-ID is not plain ASCII
 * with an @ and without spaces or <>,;"()\ or is longer than 254, or the
 * attachment's file name is longer than 255 bytes or its content type is
 * missing or longer than 60. */
bool mail_format(struct buf *out, const struct mail *m);

struct smtp_relay {
	const char *url;	/* smtp://host:587 (STARTTLS when offered; required
				 * unless the host is loopback) or smtps://host:465 */
	const char *user;	/* NULL: no AUTH */
	const char *password;
	long timeout_ms;	/* the whole transfer; 0: 30 s */
};

/* The relay's answer to one message. */
struct smtp_result {
	bool accepted;		/* 250 after DATA */
	bool permanent;		/* a 5xx (or an envelope address smtp_send
				 * refuses): sending again will not help */
	char reply[256];	/* the server's last reply line ("250 2.0.0 Ok:
				 * queued as …", "451 4.3.0 …"), or curl's
				 * error when there was none (no connection,
				 * timeout) */
};

/* Sends `message` (mail_format's output) from envelope `from` to `to`
 * (addr-specs as mail_format takes them; anything else is refused before
 * a connection is made). `handle` is a CURL * kept by the caller across
 * messages so that the connection is reused (NULL: a fresh one each time);
 * smtp_handle_new() and smtp_handle_free() make and free it; one thread
 * at a time uses a handle. A kept connection the relay has dropped
 * meanwhile is noticed and made again. */
void *smtp_handle_new(void);
void smtp_handle_free(void *handle);
void smtp_send(void *handle, const struct smtp_relay *relay, const char *from,
	       const char *to, const char *message, size_t len, struct smtp_result *out);

#endif
