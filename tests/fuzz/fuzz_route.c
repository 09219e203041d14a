/*
 * libFuzzer target: the router (route_find and route_capture in
 * fcgi/lib/route.c) over two tables: the real one, read at start from
 * fcgi/web/routes.c and the web/pages/<area>.routes files, and a fixed one with what
 * the real one may lack (four captures, several methods on one path, a
 * catch-all last).
 *
 * The input is "METHOD PATH" (no space: GET and the whole input is the
 * path). The path goes to route_find raw and, like the server does it,
 * after path_decode. Checked: a match is the first line whose pattern and
 * method fit, per a reference matcher written here; its captures point
 * inside the path and substituted into the pattern give the path back;
 * 405's Allow list is the sorted set of methods, and a short buffer gets
 * a prefix of whole methods.
 *
 * fuzz-sources: fcgi/lib/route.c fcgi/lib/parse.c fcgi/lib/arena.c
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/parse.h"
#include "lib/route.h"

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);             \
			abort();                                        \
		}                                                       \
	} while (0)

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

static void handler(struct request *req)
{
	(void)req;
}

static const struct route table[] = {
	{ "GET", "/", handler, ROUTE_PUBLIC },
	{ "GET", "/healthz", handler, ROUTE_NO_DB },
	{ "GET", "/healthz/live", handler, ROUTE_NO_DB },
	{ "GET", "/api/v1/agencies", handler, ROUTE_PUBLIC },
	{ "GET", "/apply", handler, ROUTE_PUBLIC },
	{ "GET", "/apply/{agency}", handler, ROUTE_PUBLIC },
	{ "POST", "/apply/{agency}", handler, ROUTE_PUBLIC },
	{ "GET", "/status", handler, ROUTE_PUBLIC },
	{ "POST", "/status", handler, ROUTE_PUBLIC },
	{ "GET", "/requests/{number}", handler, ROUTE_PUBLIC },
	{ "POST", "/requests/{number}/supplement", handler, ROUTE_PUBLIC },
	{ "POST", "/api/v1/requests", handler, ROUTE_PUBLIC },
	{ "GET", "/api/v1/requests/{number}", handler, ROUTE_PUBLIC },
	{ "GET", "/staff", handler, ROUTE_PUBLIC },
	{ "GET", "/staff/login", handler, ROUTE_PUBLIC },
	{ "POST", "/staff/login", handler, ROUTE_PUBLIC },
	{ "POST", "/staff/logout", handler, ROUTE_STAFF },
	{ "GET", "/staff/requests", handler, ROUTE_STAFF },
	{ "GET", "/staff/requests/{id}", handler, ROUTE_STAFF },
	{ "POST", "/staff/requests/{id}/{action}", handler, ROUTE_STAFF },
	{ "GET", "/staff/requests/{id}/notices/{notice}", handler, ROUTE_STAFF },
	{ "POST", "/api/v1/requests/{id}/{action}", handler, ROUTE_STAFF },
	{ "GET", "/report/{year}", handler, ROUTE_STAFF },
	{ "GET", "/report/{year}/{table}", handler, ROUTE_STAFF },
	{ "GET", "/admin/agencies", handler, ROUTE_STAFF },
	{ "POST", "/admin/agencies", handler, ROUTE_STAFF },
	{ "PUT", "/admin/agencies/{code}", handler, ROUTE_STAFF },
	{ "DELETE", "/admin/agencies/{code}", handler, ROUTE_STAFF },
	{ "PATCH", "/admin/agencies/{code}/staff/{user}", handler, ROUTE_STAFF },
	{ "GET", "/api/v1/{a}/{b}/{c}/{d}", handler, ROUTE_STAFF },
	{ "OPTIONS", "/api/v1/{a}/{b}/{c}/{d}", handler, ROUTE_STAFF },
	{ "HEAD", "/ping", handler, ROUTE_NO_DB },
	{ "GET", "/{page}", handler, ROUTE_PUBLIC },
	{ "GET", "/{page}/", handler, ROUTE_PUBLIC },
};

/*
 * The real table, read from fcgi/web/routes.c and the web/pages/<area>.routes files it
 * includes, in order ("{ "METHOD", "PATTERN", handler, flags }," lines);
 * its handlers are not linked, so every line gets the dummy one.
 */
#define MAX_ROUTES 512
static struct route real[MAX_ROUTES];
static size_t nreal;

static void read_routes(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024], method[32], pattern[512], inc[256];

	if (!f) {
		fprintf(stderr, "fuzz_route: cannot read %s\n", path);
		exit(2);
	}
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, " { \"%31[^\"]\" , \"%511[^\"]\"", method,
			   pattern) == 2) {
			CHECK(nreal < MAX_ROUTES);
			real[nreal++] = (struct route){ strdup(method),
				strdup(pattern), handler, ROUTE_PUBLIC };
		} else if (sscanf(line, " #include \"web/pages/%255[^\"]\"", inc) == 1 &&
			   strstr(inc, ".routes")) {
			char sub[1024];
			snprintf(sub, sizeof sub, "%s/fcgi/web/pages/%s", FUZZ_ROOT, inc);
			read_routes(sub);
		}
	}
	fclose(f);
}

/* The table the checks below run against. */
static const struct route *cur;
static size_t ncur;

/* ---- reference matcher ------------------------------------------------ */

struct seg {
	const char *s;
	size_t len;
};

/* The segments after each '/'; -1 unless s starts with '/'. */
static int split(const char *s, struct seg *out, int max)
{
	int n = 0;

	if (*s != '/')
		return -1;
	while (*s == '/') {
		const char *start = ++s;
		while (*s && *s != '/')
			s++;
		if (n == max)
			return -1;
		out[n++] = (struct seg){ start, (size_t)(s - start) };
	}
	return n;
}

static bool seg_is_capture(const struct seg *g)
{
	return g->len >= 2 && g->s[0] == '{' && g->s[g->len - 1] == '}';
}

/* Whether path fits pattern: same segment count, literals equal,
 * captures non-empty. */
static bool ref_match(const char *pattern, const struct seg *ps, int np)
{
	struct seg pat[16];
	int n = split(pattern, pat, 16);

	if (n != np || np < 0)
		return false;
	for (int i = 0; i < n; i++) {
		if (seg_is_capture(&pat[i])) {
			if (ps[i].len == 0)
				return false;
		} else if (pat[i].len != ps[i].len ||
			   memcmp(pat[i].s, ps[i].s, ps[i].len) != 0) {
			return false;
		}
	}
	return true;
}

static bool ref_method(const char *line, const char *method)
{
	return !strcmp(line, method) ||
	       (!strcmp(method, "HEAD") && !strcmp(line, "GET"));
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The Allow header for the lines matching the path, unlimited. */
static void ref_allow(const struct seg *ps, int np, char *dst, size_t size)
{
	const char *set[2 * MAX_ROUTES];
	size_t n = 0;

	for (size_t i = 0; i < ncur; i++) {
		if (!ref_match(cur[i].pattern, ps, np))
			continue;
		set[n++] = cur[i].method;
		if (!strcmp(cur[i].method, "GET"))
			set[n++] = "HEAD";
	}
	qsort(set, n, sizeof *set, cmp_str);
	dst[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		if (i && !strcmp(set[i], set[i - 1]))
			continue;
		if (dst[0])
			strncat(dst, ", ", size - strlen(dst) - 1);
		strncat(dst, set[i], size - strlen(dst) - 1);
	}
}

/* ---- checks ----------------------------------------------------------- */

/* The pattern with every capture replaced by its value. */
static void substitute(const struct route_match *m, char *dst, size_t size)
{
	struct seg pat[16];
	int n = split(m->route->pattern, pat, 16);
	size_t k = 0, o = 0;

	CHECK(n >= 0);
	for (int i = 0; i < n; i++) {
		const char *s = pat[i].s;
		size_t len = pat[i].len;

		if (seg_is_capture(&pat[i])) {
			CHECK(k < m->ncaptures);
			CHECK(strlen(m->captures[k].name) == len - 2);
			CHECK(memcmp(m->captures[k].name, s + 1, len - 2) == 0);
			s = m->captures[k].value;
			len = m->captures[k].len;
			k++;
		}
		CHECK(o + 1 + len < size);
		dst[o++] = '/';
		memcpy(dst + o, s, len);
		o += len;
	}
	CHECK(k == m->ncaptures);
	dst[o] = '\0';
}

static void check_found(const struct route_match *m, const char *method,
			const char *path, const struct seg *ps, int np)
{
	size_t idx = (size_t)(m->route - cur);
	size_t plen = strlen(path);

	CHECK(m->route >= cur && idx < ncur);
	CHECK(ref_method(m->route->method, method));
	CHECK(ref_match(m->route->pattern, ps, np));
	/* First match wins. */
	for (size_t i = 0; i < idx; i++)
		CHECK(!ref_match(cur[i].pattern, ps, np) ||
		      !ref_method(cur[i].method, method));

	CHECK(m->ncaptures <= ROUTE_MAX_CAPTURES);
	for (size_t i = 0; i < m->ncaptures; i++) {
		const struct route_capture *c = &m->captures[i];
		char small[8], big[4096];

		CHECK(c->value >= path && c->value + c->len <= path + plen);
		CHECK(c->len > 0 && !memchr(c->value, '/', c->len));
		CHECK(c->len < sizeof big);
		/* Only the first capture of a name is reachable. */
		size_t first = 0;
		while (strcmp(m->captures[first].name, c->name) != 0)
			first++;
		if (first != i)
			continue;
		CHECK(route_capture(m, c->name, big, sizeof big) == big);
		CHECK(strlen(big) == c->len && !memcmp(big, c->value, c->len));
		if (c->len + 1 > sizeof small)
			CHECK(route_capture(m, c->name, small, sizeof small) == NULL);
	}
	char none[4];
	CHECK(route_capture(m, "no such capture", none, sizeof none) == NULL);

	char back[8192];
	CHECK(plen < sizeof back);
	substitute(m, back, sizeof back);
	CHECK(strcmp(back, path) == 0);
}

static void check_path(const char *method, const char *path, size_t allow_len)
{
	struct route_match m;
	int maxseg = (int)strlen(path) + 1;
	struct seg *ps = malloc((size_t)maxseg * sizeof *ps);
	int np;
	char allow[256], want[256], small[64];
	enum route_result r;

	CHECK(ps != NULL);
	np = split(path, ps, maxseg);
	memset(&m, 0xA5, sizeof m);	/* route_find must set what it reports */
	r = route_find(cur, ncur, method, path, &m, allow,
		       sizeof allow);
	ref_allow(ps, np, want, sizeof want);
	switch (r) {
	case ROUTE_FOUND:
		check_found(&m, method, path, ps, np);
		break;
	case ROUTE_BAD_METHOD:
		CHECK(m.route == NULL && m.ncaptures == 0);
		CHECK(want[0] != '\0');
		CHECK(strcmp(allow, want) == 0);
		for (size_t i = 0; i < ncur; i++)
			CHECK(!ref_match(cur[i].pattern, ps, np) ||
			      !ref_method(cur[i].method, method));
		/* A short buffer: a prefix made of whole methods. */
		CHECK(allow_len <= sizeof small);
		memset(small, 'x', sizeof small);
		CHECK(route_find(cur, ncur, method, path, &m,
				 small, allow_len) == ROUTE_BAD_METHOD);
		if (allow_len) {
			size_t n = strnlen(small, allow_len);
			CHECK(n < allow_len);
			CHECK(strncmp(small, want, n) == 0);
			CHECK(n == 0 || want[n] == '\0' || want[n] == ',');
		}
		break;
	case ROUTE_NOT_FOUND:
		CHECK(m.route == NULL && m.ncaptures == 0);
		CHECK(want[0] == '\0');
		break;
	default:
		CHECK(!"unknown route_result");
	}
	free(ps);
}

/*
 * The path as a pattern of a one-line table: when route_table_check
 * accepts it, route_find must not trip its asserts on it, and the pattern
 * read as a path matches itself (a capture matches its own "{name}").
 */
static void check_as_pattern(const char *method, const char *pattern)
{
	struct route one = { method, pattern, handler, ROUTE_PUBLIC };
	struct route_match m;
	char allow[64];

	if (!method[0] || !route_table_check(&one, 1, NULL))
		return;
	CHECK(route_find(&one, 1, method, pattern, &m, allow, sizeof allow) ==
	      ROUTE_FOUND);
	CHECK(m.route == &one && m.ncaptures <= ROUTE_MAX_CAPTURES);
	for (size_t i = 0; i < m.ncaptures; i++) {
		const struct route_capture *c = &m.captures[i];
		CHECK(c->len == strlen(c->name) + 2 && c->value[0] == '{' &&
		      !memcmp(c->value + 1, c->name, strlen(c->name)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool checked;
	const uint8_t *sp = memchr(data, ' ', size);
	size_t mlen = sp ? (size_t)(sp - data) : 3;
	const uint8_t *raw = sp ? sp + 1 : data;
	size_t rlen = sp ? size - mlen - 1 : size;
	char *method = malloc(mlen + 1), *path = malloc(rlen + 1);
	struct arena a = ARENA_INIT;
	char *decoded;

	if (!checked) {
		CHECK(route_table_check(table, ARRAY_LEN(table), NULL));
		read_routes(FUZZ_ROOT "/fcgi/web/routes.c");
		CHECK(nreal > 0 && route_table_check(real, nreal, NULL));
		fprintf(stderr, "fuzz_route: %zu lines in the real table\n", nreal);
		checked = true;
	}
	CHECK(method && path);
	memcpy(method, sp ? (const char *)data : "GET", mlen);
	method[mlen] = '\0';
	memcpy(path, raw, rlen);
	path[rlen] = '\0';

	/* The Allow buffer size for the short-buffer check: 0..63. */
	size_t allow_len = (size + mlen * 7) % 64;

	check_as_pattern(method, path);
	decoded = NULL;
	if (path_decode(&a, path, strlen(path), &decoded) != PARSE_OK)
		decoded = NULL;
	for (int t = 0; t < 2; t++) {
		cur = t ? real : table;
		ncur = t ? nreal : ARRAY_LEN(table);
		check_path(method, path, allow_len);
		if (decoded)
			check_path(method, decoded, allow_len);
	}

	arena_free(&a);
	free(method);
	free(path);
	return 0;
}
