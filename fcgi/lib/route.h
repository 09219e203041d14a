/*
 * route: the routing table. One const line per URL; patterns are literal
 * segments and {name} captures, a capture matching one whole non-empty
 * segment. route_find() walks the table in order, so the first matching
 * line wins.
 */
#ifndef YSQGK_ROUTE_H
#define YSQGK_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

struct request;
typedef void (*handler_fn)(struct request *req);

enum route_flags {
	ROUTE_PUBLIC = 0,
	ROUTE_STAFF = 1 << 0,	/* needs a signed-in staff session */
	ROUTE_NO_DB = 1 << 1,	/* answers without the database */
	/* Open to a session whose password must be changed first (every
	 * other route refuses it): the change itself, signing in and out. */
	ROUTE_PASSWORD_DUE = 1 << 2,
	/* Open to a session that must enrol a second factor first. */
	ROUTE_ENROL_DUE = 1 << 3,
	/* Its form (urlencoded) is a request form whose validator checks
	 * every text field itself (textcheck.h), showing the message beside
	 * the field with everything typed kept; its JSON is checked as
	 * everywhere else (body_check.h). */
	ROUTE_FORM_CHECKS_TEXT = 1 << 4,
	/* Takes multipart/form-data (issue 15): its body is not read before
	 * the handler, which streams it through web/upload.h. Every other
	 * route answers such a body with 415. */
	ROUTE_MULTIPART = 1 << 5,
};

struct route {
	const char *method;	/* "GET", "POST", … */
	const char *pattern;	/* "/api/v1/requests/{id}/{action}" */
	handler_fn handler;
	unsigned flags;
};

#define ROUTE_MAX_CAPTURES 4

struct route_capture {
	char name[32];
	const char *value;	/* points into the path given to route_find */
	size_t len;
};

struct route_match {
	const struct route *route;
	size_t ncaptures;
	struct route_capture captures[ROUTE_MAX_CAPTURES];
};

enum route_result { ROUTE_FOUND, ROUTE_NOT_FOUND, ROUTE_BAD_METHOD };

/*
 * Finds the line for method + path (a decoded path). HEAD matches GET lines.
 * ROUTE_BAD_METHOD when the path matches some line but not with this
 * method; `allow` then receives the allowed methods ("GET, HEAD, POST"):
 * sorted, each once, HEAD included when GET is; a method that does not fit
 * into allow_len is left out whole. Never allocates: the captures point
 * into `path`. A pattern with more than ROUTE_MAX_CAPTURES captures is a
 * programming error (assert); route_table_check() finds it at startup.
 */
enum route_result route_find(const struct route *table, size_t n,
			     const char *method, const char *path,
			     struct route_match *m, char *allow,
			     size_t allow_len);

/* The value of capture `name` copied into dst (NUL-terminated), or NULL
 * when there is no such capture or it does not fit into dst_len. */
const char *route_capture(const struct route_match *m, const char *name,
			  char *dst, size_t dst_len);

/*
 * Checks a table once at startup: every line has a method, a handler and
 * a pattern starting with '/', whose braces are whole "{name}" segments
 * (name 1..31 bytes), at most ROUTE_MAX_CAPTURES of them. On failure
 * *bad (if not NULL) is the index of the first bad line.
 */
bool route_table_check(const struct route *table, size_t n, size_t *bad);

#endif
