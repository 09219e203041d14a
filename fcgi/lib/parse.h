/*
 * parse: the pure parsers of the HTTP layer — percent-decoding, UTF-8
 * validation, query strings and urlencoded bodies, cookies and paths.
 * No I/O and no globals: every function works on its arguments, allocates
 * from the arena it is given, and reports why it refused.
 */
#ifndef YSQGK_PARSE_H
#define YSQGK_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"

/* One name=value pair. Repeated names are kept, in order (checkbox groups). */
struct field {
	const char *name;
	const char *value;
	size_t value_len;
};

struct fields {
	struct field *items;
	size_t count;
	size_t cap;
};

struct form_limits {
	size_t max_fields;	/* e.g. 200 */
	size_t max_name_len;	/* e.g. 100 bytes, decoded */
	size_t max_value_len;	/* e.g. 64 KiB, decoded */
};

/* 200 fields, names of 100 bytes, values of 64 KiB. */
extern const struct form_limits form_limits_default;

enum parse_error {
	PARSE_OK = 0,
	PARSE_BAD_ESCAPE,	/* '%' not followed by two hex digits */
	PARSE_BAD_UTF8,		/* invalid, overlong, surrogate or > U+10FFFF */
	PARSE_NUL,		/* a decoded NUL byte */
	PARSE_TOO_MANY_FIELDS,
	PARSE_FIELD_TOO_LONG,
	PARSE_BAD_PATH,		/* "..", "//", "." segments, not starting with '/' */
};

/* A short English description for the log ("bad percent-escape"). */
const char *parse_error_str(enum parse_error e);

/*
 * Strict percent-decoding of s[0..len). With plus_is_space, '+' decodes to
 * a space (query strings and form bodies). The result is NUL-terminated in
 * the arena, its length in *out_len. Rejects bad escapes, a decoded NUL and
 * invalid UTF-8 in the result.
 */
enum parse_error pct_decode(struct arena *a, const char *s, size_t len,
			    bool plus_is_space, char **out, size_t *out_len);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t len);

/* Number of code points in well-formed UTF-8 (for "10–2,000 characters"). */
size_t utf8_length(const char *s, size_t len);

/*
 * Parses a query string or an application/x-www-form-urlencoded body into
 * fields (appending). Empty pairs ("a=1&&b=2") are skipped; a pair without
 * '=' has an empty value. `lim` NULL means form_limits_default;
 * max_fields counts all of `out`, fields it held before included. On an
 * error `out` may hold the fields parsed before the bad one.
 */
enum parse_error form_parse(struct arena *a, const char *s, size_t len,
			    const struct form_limits *lim, struct fields *out);

/* The first value of `name`, or NULL. */
const char *fields_get(const struct fields *f, const char *name);
/* Number of values of `name`; fills up to `max` of them into values[]. */
size_t fields_get_all(const struct fields *f, const char *name,
		      const char **values, size_t max);
/* Appends a copy (in the arena) of name and value; value NULL means "". */
void fields_add(struct arena *a, struct fields *f, const char *name,
		const char *value, size_t value_len);

/*
 * Parses a Cookie header ("a=1; b=2") into fields. Values are taken as
 * they are (no percent-decoding) except that a quoted value loses its
 * quotes; malformed pairs are skipped (no '=', a name that is not a token,
 * an unbalanced quote, control characters or invalid UTF-8 in the value),
 * since a browser may send cookies of other applications on the same host.
 */
void cookies_parse(struct arena *a, const char *header, struct fields *out);

/*
 * Decodes and checks a request path (without the query). It must start
 * with '/', and after decoding contain no NUL, no invalid UTF-8, no empty
 * segment ("//") and no "." or ".." segment. '+' stays '+'. A trailing
 * slash is kept ("/x/" is not "/x"). An encoded slash (%2F) and control
 * characters, raw or encoded, are refused as PARSE_BAD_PATH.
 */
enum parse_error path_decode(struct arena *a, const char *raw, size_t len,
			     char **out);

/*
 * True when `target` is a safe local redirect target: starts with a single
 * '/', not "//" or "/\", and has no control characters (CR/LF) or
 * backslashes anywhere, and is valid UTF-8.
 */
bool redirect_target_safe(const char *target);

#endif
