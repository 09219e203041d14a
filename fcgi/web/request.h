/*
 * request: one struct request per HTTP request, passed down explicitly from
 * the server to the handler and the renderer. It holds the parsed input
 * (everything allocated in the worker's arena) and the response being
 * built. Nothing about a request lives anywhere else. The headers and
 * cookies of the response are added here; the body is rendered by http.h.
 */
#ifndef YSQGK_REQUEST_H
#define YSQGK_REQUEST_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <json-c/json.h>

#include "core/app.h"
#include "lib/parse.h"
#include "lib/route.h"

struct staff_session;
struct request;

/* Where a streamed body goes (the FastCGI connection): false when the
 * client is gone. */
typedef bool (*body_put_fn)(const void *bytes, size_t len, void *sink);
/* Writes a streamed body (a download) with put, after the headers: false
 * when it could not write it whole (the connection is then cut short). */
typedef bool (*body_stream_fn)(struct request *req, body_put_fn put, void *sink);

/*
 * A multipart body left unread for a ROUTE_MULTIPART handler (upload.h):
 * read() fills buf with up to len bytes and returns how many, 0 at the
 * end of the body, -1 when it cannot be read (cut short or too late).
 */
struct body_stream {
	long (*read)(void *ctx, char *buf, size_t len);
	void *ctx;
	size_t length;			/* Content-Length */
	bool consumed;			/* upload_receive has read it */
};

struct request {
	struct worker *worker;
	const struct app *app;
	struct arena *arena;
	struct db *db;

	/* Input. */
	const char *method;
	const char *path;		/* decoded and checked */
	const char *target;		/* the raw target (REQUEST_URI), as sent */
	const char *content_type;
	const char *remote_addr;
	const char *if_none_match;	/* the If-None-Match header, or "" */
	const char *host;		/* the Host header (with a non-default port), or "" */
	bool https;
	bool wants_json;		/* Accept: application/json */
	struct fields query;
	struct fields form;		/* urlencoded body */
	struct fields cookies;
	struct json_object *json_body;	/* application/json body, owned */
	const char *body;
	size_t body_len;
	/* A multipart body on a ROUTE_MULTIPART route: not in body, read by
	 * upload_receive() (upload.h); NULL otherwise. */
	struct body_stream *body_stream;
	struct route_match match;
	/* The signed-in staff member (auth.h), or NULL. */
	const struct staff_session *staff;

	/* Output. */
	int status;
	struct buf *headers;		/* extra "Name: value\r\n" lines */
	/* When set, the body is this file's content from its start instead of
	 * worker->out (a large export, written to an unlinked temporary file):
	 * sent in pieces and closed by the server. */
	FILE *body_file;
	bool responded;
	const char *log_why;		/* why a 4xx/5xx, for the log line */
	const char *csrf_cookie;	/* this request's CSRF cookie, once known */
	/* A body too big for worker->out (a download): when set, the server
	 * sends Content-Length: stream_length and then calls stream, which
	 * writes the bytes chunk by chunk (memory flat whatever the size). */
	body_stream_fn stream;
	void *stream_ctx;
	long long stream_length;
};

/*
 * The client as the limiters count it (status look-ups, sign-in): its
 * address, or for IPv6 its /64 — a home or mobile line is given a whole
 * /64, so counting each address would give one client 2^64 fresh tries.
 * Unparsable addresses share one bucket. In the request's arena.
 */
const char *http_client_bucket(struct request *req);

/* Adds one response header; the value must not contain CR or LF. */
void http_header(struct request *req, const char *name, const char *value);
void http_set_cookie(struct request *req, const char *name, const char *value,
		     int max_age_seconds);

/* base64url (no padding) of bin into the request's arena. */
char *request_base64(struct request *req, const unsigned char *bin, size_t len);

#endif
