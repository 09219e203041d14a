/*
 * http: the answer to a request (request.h) — a page through its template
 * with the layout's fields (site name, CSRF token), JSON, a redirect, an
 * error page — and the status codes. Only the web layer turns results
 * into status codes.
 */
#ifndef YSQGK_HTTP_H
#define YSQGK_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "core/context.h"
#include "core/read_cache.h"
#include "web/request.h"

/*
 * A convention for the helpers a handler calls first (a path's id, the
 * agency in scope, the session's state): such a function is named
 * `…_or_respond`, or is a check used as `if (!check(req, …)) return;`. It
 * returns true when the handler should go on, and false when it has
 * answered the request itself (an error page, a redirect) — never the
 * other way round.
 */

/*
 * Answers with `model` (ownership taken): as JSON when the client asked
 * for it, otherwise through `template`. The page title and site name are
 * added for the layout.
 */
void respond(struct request *req, int status, const char *template,
	     struct json_object *model);

/* The site's address (no trailing slash): the configured public_url,
 * else the scheme and Host this request came with (when it looks like a
 * host name), else "". For absolute links: a QR code, an Atom feed. */
const char *http_site_origin(struct request *req);

/*
 * The elderly-friendly display (适老化, issue 16): larger text, higher
 * contrast. Chosen with GET /display (pages/display.c), kept in this
 * cookie, and read into every page's layout.
 */
#define DISPLAY_COOKIE "display"
#define DISPLAY_LARGE "large"
bool http_display_large(const struct request *req);

/* A Chinese error page (or {"error": …} JSON) for status. */
void respond_error(struct request *req, int status, const char *message);

/* 303 to a local path; refuses targets that could leave the site. */
void respond_redirect(struct request *req, const char *target);

/* Maps a failed statement to 503 (database down or slow) or 500. */
void respond_db_failure(struct request *req, const PGresult *res);

/* Runs a prepared statement for the page: its result when it succeeded,
 * else NULL having answered (503 or 500, respond_db_failure). */
PGresult *db_exec_or_respond(struct request *req, struct db *db, enum stmt s, int n,
			     const char *const *params);

/* db_exec_steps (one round trip) for the page: true when every statement
 * succeeded, else false having answered for the first that failed (503 or
 * 500). Each steps[i].res is the caller's to PQclear() either way. */
bool db_exec_steps_or_respond(struct request *req, struct db_step *steps, size_t n);

/* db_exec_or_respond from this worker's copies (core/read_cache.h): the
 * result belongs to the cache, never PQclear() it. */
const PGresult *db_cached_or_respond(struct request *req, enum stmt s, struct read_policy policy,
				     int n, const char *const *params);

const char *http_status_text(int status);

/* The context a service works in for this request: its connection, arena,
 * app and signed-in staff member (NULL when none). */
struct context http_context(const struct request *req);

/* The status code of a service's answer (core/context.h): only here do
 * results become HTTP (401, 403, 404, 409, 422, 500, 503). */
int http_status_of(enum service_status s);

#endif
