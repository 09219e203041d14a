#include "lib/route.h"

#include <assert.h>
#include <stdbool.h>
#include <string.h>

#define CAPTURE_NAME_MAX (sizeof ((struct route_capture *)0)->name - 1)

/* Enough for every method a table may name; extra ones are not listed. */
#define ALLOW_MAX 16

/* A capture while matching: the name still points into the pattern. */
struct pending_capture {
	const char *name;
	size_t name_len;
	const char *value;
	size_t len;
};

static bool is_capture(const char *seg, size_t len)
{
	return len >= 2 && seg[0] == '{' && seg[len - 1] == '}';
}

/*
 * Matches path against pattern segment by segment; a trailing slash is a
 * segment of its own (empty), so "/status/" does not match "/status".
 * Returns the number of captures, or -1 when it does not match.
 */
static int pattern_match(const char *pattern, const char *path,
			 struct pending_capture *caps)
{
	const char *p = pattern, *s = path;
	int n = 0;

	while (*p == '/' && *s == '/') {
		p++;
		s++;
		size_t plen = strcspn(p, "/");
		size_t slen = strcspn(s, "/");

		if (is_capture(p, plen)) {
			/* A table error, caught by route_table_check(). */
			assert(n < ROUTE_MAX_CAPTURES);
			assert(plen - 2 >= 1 && plen - 2 <= CAPTURE_NAME_MAX);
			if (n >= ROUTE_MAX_CAPTURES || slen == 0)
				return -1;
			caps[n++] = (struct pending_capture){
				.name = p + 1,
				.name_len = plen - 2,
				.value = s,
				.len = slen,
			};
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return -1;
		}
		p += plen;
		s += slen;
	}
	return *p == '\0' && *s == '\0' ? n : -1;
}

/* HEAD is answered by the GET handler (the response layer drops the body). */
static bool method_matches(const char *route_method, const char *method)
{
	if (strcmp(route_method, method) == 0)
		return true;
	return strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0;
}

static void fill_match(struct route_match *m, const struct route *r,
		       const struct pending_capture *caps, int n)
{
	m->route = r;
	m->ncaptures = (size_t)n;
	for (int i = 0; i < n; i++) {
		struct route_capture *c = &m->captures[i];
		size_t len = caps[i].name_len;

		if (len > CAPTURE_NAME_MAX)
			len = CAPTURE_NAME_MAX;
		memcpy(c->name, caps[i].name, len);
		c->name[len] = '\0';
		c->value = caps[i].value;
		c->len = caps[i].len;
	}
}

/* Adds method to the set unless it is there already. */
static void allow_add(const char **set, size_t *n, const char *method)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(set[i], method) == 0)
			return;
	if (*n < ALLOW_MAX)
		set[(*n)++] = method;
}

/*
 * Writes the set as "GET, HEAD, POST": sorted, so the header does not
 * depend on the order of the table. A method that does not fit is left
 * out whole rather than cut.
 */
static void allow_write(const char **set, size_t n, char *dst, size_t dst_len)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(set[j - 1], set[j]) > 0; j--) {
			const char *t = set[j];
			set[j] = set[j - 1];
			set[j - 1] = t;
		}

	size_t used = 0;
	dst[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		size_t sep = used ? 2 : 0;
		size_t len = strlen(set[i]);
		if (used + sep + len + 1 > dst_len)
			break;
		memcpy(dst + used, ", ", sep);
		memcpy(dst + used + sep, set[i], len + 1);
		used += sep + len;
	}
}

enum route_result route_find(const struct route *table, size_t n,
			     const char *method, const char *path,
			     struct route_match *m, char *allow,
			     size_t allow_len)
{
	struct pending_capture caps[ROUTE_MAX_CAPTURES];
	const char *allowed[ALLOW_MAX];
	size_t nallowed = 0;

	m->route = NULL;
	m->ncaptures = 0;
	if (allow && allow_len)
		allow[0] = '\0';

	for (size_t i = 0; i < n; i++) {
		int ncaps = pattern_match(table[i].pattern, path, caps);
		if (ncaps < 0)
			continue;
		if (method_matches(table[i].method, method)) {
			fill_match(m, &table[i], caps, ncaps);
			return ROUTE_FOUND;
		}
		allow_add(allowed, &nallowed, table[i].method);
		if (strcmp(table[i].method, "GET") == 0)
			allow_add(allowed, &nallowed, "HEAD");
	}
	if (nallowed == 0)
		return ROUTE_NOT_FOUND;
	if (allow && allow_len)
		allow_write(allowed, nallowed, allow, allow_len);
	return ROUTE_BAD_METHOD;
}

const char *route_capture(const struct route_match *m, const char *name,
			  char *dst, size_t dst_len)
{
	for (size_t i = 0; i < m->ncaptures; i++) {
		const struct route_capture *c = &m->captures[i];

		if (strcmp(c->name, name) != 0)
			continue;
		if (c->len + 1 > dst_len)
			return NULL;
		memcpy(dst, c->value, c->len);
		dst[c->len] = '\0';
		return dst;
	}
	return NULL;
}

/* One pattern: starts with '/', braces only as whole "{name}" segments. */
static bool pattern_ok(const char *pattern)
{
	const char *p = pattern;
	size_t ncaps = 0;

	if (!pattern || *p != '/')
		return false;
	while (*p == '/') {
		p++;
		size_t len = strcspn(p, "/");

		if (is_capture(p, len)) {
			if (len - 2 < 1 || len - 2 > CAPTURE_NAME_MAX)
				return false;
			if (memchr(p + 1, '{', len - 2) ||
			    memchr(p + 1, '}', len - 2))
				return false;
			if (++ncaps > ROUTE_MAX_CAPTURES)
				return false;
		} else if (memchr(p, '{', len) || memchr(p, '}', len)) {
			return false;
		}
		p += len;
	}
	return true;
}

bool route_table_check(const struct route *table, size_t n, size_t *bad)
{
	for (size_t i = 0; i < n; i++) {
		if (!table[i].method || !table[i].method[0] ||
		    !table[i].handler || !pattern_ok(table[i].pattern)) {
			if (bad)
				*bad = i;
			return false;
		}
	}
	return true;
}
