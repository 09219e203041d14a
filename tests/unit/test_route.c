/*
 * Unit tests of fcgi/route.c: matching, captures, 404 / 405 with Allow,
 * HEAD on GET lines, first match wins, and the table check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "lib/route.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			print_error(__VA_ARGS__);                       \
			print_error("\n");                              \
			fail();                                         \
		}                                                       \
	} while (0)

/* route_find never calls the handler; any function will do. */
static void dummy_handler(struct request *req)
{
	(void)req;
}

static const struct route table[] = {
	/* 0 */ { "GET", "/", dummy_handler, ROUTE_PUBLIC },
	/* 1 */ { "GET", "/status", dummy_handler, ROUTE_NO_DB },
	/* 2 */ { "GET", "/requests/new", dummy_handler, ROUTE_PUBLIC },
	/* 3 */ { "POST", "/requests", dummy_handler, ROUTE_PUBLIC },
	/* 4 */ { "GET", "/requests/{id}", dummy_handler, ROUTE_PUBLIC },
	/* 5 */ { "POST", "/api/v1/requests/{id}/{action}", dummy_handler,
		  ROUTE_STAFF },
	/* 6 */ { "PUT", "/items/{id}", dummy_handler, ROUTE_STAFF },
	/* 7 */ { "DELETE", "/items/{id}", dummy_handler, ROUTE_STAFF },
	/* 8 */ { "GET", "/items/{id}", dummy_handler, ROUTE_STAFF },
	/* 9 */ { "PUT", "/items/{id}", dummy_handler, ROUTE_STAFF },
	/* 10 */ { "POST", "/login", dummy_handler, ROUTE_PUBLIC },
	/* 11 */ { "GET", "/login", dummy_handler, ROUTE_PUBLIC },
	/* 12 */ { "GET", "/docs/{a}/{b}/{c}/{d}", dummy_handler, 0 },
	/* 13 */ { "HEAD", "/ping", dummy_handler, ROUTE_NO_DB },
	/* 14 */ { "GET", "/{page}", dummy_handler, ROUTE_PUBLIC },
};

static const char *result_str(enum route_result r)
{
	switch (r) {
	case ROUTE_FOUND:
		return "FOUND";
	case ROUTE_NOT_FOUND:
		return "NOT_FOUND";
	case ROUTE_BAD_METHOD:
		return "BAD_METHOD";
	}
	return "?";
}

struct find_case {
	const char *method;
	const char *path;
	enum route_result result;
	int line;		/* index in table when FOUND */
	const char *allow;	/* when BAD_METHOD */
	const char *captures;	/* "name=value,…" when FOUND */
};

static const struct find_case find_cases[] = {
	{ "GET", "/", ROUTE_FOUND, 0, NULL, "" },
	{ "GET", "/status", ROUTE_FOUND, 1, NULL, "" },
	{ "HEAD", "/status", ROUTE_FOUND, 1, NULL, "" },
	{ "GET", "/requests/new", ROUTE_FOUND, 2, NULL, "" },
	{ "GET", "/requests/42", ROUTE_FOUND, 4, NULL, "id=42" },
	{ "HEAD", "/requests/42", ROUTE_FOUND, 4, NULL, "id=42" },
	{ "GET", "/requests/申请", ROUTE_FOUND, 4, NULL, "id=申请" },
	{ "POST", "/requests", ROUTE_FOUND, 3, NULL, "" },
	{ "POST", "/api/v1/requests/7/accept", ROUTE_FOUND, 5, NULL,
	  "id=7,action=accept" },
	{ "GET", "/items/9", ROUTE_FOUND, 8, NULL, "id=9" },
	{ "PUT", "/items/9", ROUTE_FOUND, 6, NULL, "id=9" },
	{ "DELETE", "/items/9", ROUTE_FOUND, 7, NULL, "id=9" },
	{ "GET", "/docs/1/2/3/4", ROUTE_FOUND, 12, NULL, "a=1,b=2,c=3,d=4" },
	{ "HEAD", "/ping", ROUTE_FOUND, 13, NULL, "" },
	/* Only the catch-all {page} of line 14 takes "/about"; "/status"
	 * above is line 1, though line 14 matches it too: the first wins. */
	{ "GET", "/about", ROUTE_FOUND, 14, NULL, "page=about" },
	/* Not found: no line has this shape, whatever the method. */
	{ "GET", "/status/", ROUTE_NOT_FOUND, 0, NULL, NULL },
	{ "GET", "/requests/", ROUTE_NOT_FOUND, 0, NULL, NULL },
	{ "GET", "/requests/1/2", ROUTE_NOT_FOUND, 0, NULL, NULL },
	{ "POST", "/api/v1/requests/7", ROUTE_NOT_FOUND, 0, NULL, NULL },
	{ "POST", "/api/v1/requests/7/accept/", ROUTE_NOT_FOUND, 0, NULL,
	  NULL },
	{ "GET", "/docs/1/2/3", ROUTE_NOT_FOUND, 0, NULL, NULL },
	{ "GET", "/nope/deeper", ROUTE_NOT_FOUND, 0, NULL, NULL },
	{ "GET", "", ROUTE_NOT_FOUND, 0, NULL, NULL },
	{ "GET", "status", ROUTE_NOT_FOUND, 0, NULL, NULL },
	{ "GET", "/Status/x", ROUTE_NOT_FOUND, 0, NULL, NULL },
	/* Method not allowed: the path has lines, none for this method. */
	{ "POST", "/status", ROUTE_BAD_METHOD, 0, "GET, HEAD", NULL },
	{ "DELETE", "/", ROUTE_BAD_METHOD, 0, "GET, HEAD", NULL },
	{ "GET", "/api/v1/requests/7/accept", ROUTE_BAD_METHOD, 0, "POST",
	  NULL },
	{ "HEAD", "/api/v1/requests/7/accept", ROUTE_BAD_METHOD, 0, "POST",
	  NULL },
	/* Each method once, though PUT has two lines; HEAD from GET. */
	{ "PATCH", "/items/9", ROUTE_BAD_METHOD, 0, "DELETE, GET, HEAD, PUT",
	  NULL },
	/* "/requests" matches line 3 (POST) and line 14 ({page}, GET). */
	{ "PUT", "/requests", ROUTE_BAD_METHOD, 0, "GET, HEAD, POST", NULL },
	{ "DELETE", "/login", ROUTE_BAD_METHOD, 0, "GET, HEAD, POST", NULL },
	/* Methods are case-sensitive. */
	{ "get", "/status", ROUTE_BAD_METHOD, 0, "GET, HEAD", NULL },
	/* A HEAD line does not answer GET. */
	{ "GET", "/ping", ROUTE_FOUND, 14, NULL, "page=ping" },
	{ "POST", "/ping", ROUTE_BAD_METHOD, 0, "GET, HEAD", NULL },
};

/* The captures of m as "name=value,…". */
static const char *captures_show(const struct route_match *m)
{
	static char buf[256];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < m->ncaptures; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s=%.*s",
				      i ? "," : "", m->captures[i].name,
				      (int)m->captures[i].len,
				      m->captures[i].value);
	return buf;
}

static void test_find_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(find_cases); i++) {
		const struct find_case *c = &find_cases[i];
		struct route_match m;
		char allow[64];

		memset(&m, 0xAB, sizeof m);
		memset(allow, 'Z', sizeof allow);
		enum route_result r = route_find(table, ARRAY_LEN(table),
						 c->method, c->path, &m, allow,
						 sizeof allow);
		CHECK(r == c->result, "route_find(%s %s): expected %s, got %s",
		      c->method, c->path, result_str(c->result),
		      result_str(r));
		if (r == ROUTE_FOUND) {
			CHECK(m.route == &table[c->line],
			      "route_find(%s %s): expected line %d, got %td",
			      c->method, c->path, c->line,
			      m.route - table);
			const char *got = captures_show(&m);
			CHECK(strcmp(got, c->captures) == 0,
			      "route_find(%s %s): expected captures \"%s\", "
			      "got \"%s\"", c->method, c->path, c->captures,
			      got);
		} else {
			CHECK(m.route == NULL && m.ncaptures == 0,
			      "route_find(%s %s): %s left a match behind",
			      c->method, c->path, result_str(r));
		}
		if (r == ROUTE_BAD_METHOD)
			CHECK(strcmp(allow, c->allow) == 0,
			      "route_find(%s %s): expected Allow \"%s\", "
			      "got \"%.63s\"", c->method, c->path, c->allow,
			      allow);
		else
			CHECK(allow[0] == '\0',
			      "route_find(%s %s): expected empty Allow, got "
			      "\"%.63s\"", c->method, c->path, allow);
	}
}

/* Captures point into the path; nothing is copied or allocated. */
static void test_captures_point_into_path(void **state)
{
	(void)state;
	const char *path = "/api/v1/requests/2024-001/withdraw";
	struct route_match m;

	assert_int_equal(route_find(table, ARRAY_LEN(table), "POST", path, &m,
				    NULL, 0), ROUTE_FOUND);
	assert_int_equal(m.ncaptures, 2);
	assert_string_equal(m.captures[0].name, "id");
	assert_ptr_equal(m.captures[0].value, path + 17);
	assert_int_equal(m.captures[0].len, 8);
	assert_string_equal(m.captures[1].name, "action");
	assert_ptr_equal(m.captures[1].value, path + 26);
	assert_int_equal(m.captures[1].len, 8);
}

static void test_route_capture(void **state)
{
	(void)state;
	struct route_match m;
	char dst[16];

	assert_int_equal(route_find(table, ARRAY_LEN(table), "POST",
				    "/api/v1/requests/12345/accept", &m,
				    NULL, 0), ROUTE_FOUND);
	assert_ptr_equal(route_capture(&m, "id", dst, sizeof dst), dst);
	assert_string_equal(dst, "12345");
	assert_string_equal(route_capture(&m, "action", dst, sizeof dst),
			    "accept");
	assert_null(route_capture(&m, "missing", dst, sizeof dst));
	assert_null(route_capture(&m, "i", dst, sizeof dst));
	/* "12345" needs six bytes with its NUL. */
	assert_string_equal(route_capture(&m, "id", dst, 6), "12345");
	assert_null(route_capture(&m, "id", dst, 5));
	assert_null(route_capture(&m, "id", dst, 0));

	/* No captures at all. */
	assert_int_equal(route_find(table, ARRAY_LEN(table), "GET", "/status",
				    &m, NULL, 0), ROUTE_FOUND);
	assert_null(route_capture(&m, "id", dst, sizeof dst));
}

/* An earlier line for the path with another method does not stop a later
 * line with the right one; among lines that both match, the first wins. */
static void test_first_match_wins(void **state)
{
	(void)state;
	static const struct route t[] = {
		{ "GET", "/x/{id}", dummy_handler, 0 },
		{ "GET", "/x/new", dummy_handler, 0 },
		{ "POST", "/x/new", dummy_handler, 0 },
		{ "POST", "/x/{name}", dummy_handler, 0 },
	};
	struct route_match m;
	char allow[32];

	assert_int_equal(route_find(t, 4, "GET", "/x/new", &m, allow,
				    sizeof allow), ROUTE_FOUND);
	assert_ptr_equal(m.route, &t[0]);
	assert_string_equal(m.captures[0].name, "id");
	assert_int_equal(route_find(t, 4, "POST", "/x/new", &m, allow,
				    sizeof allow), ROUTE_FOUND);
	assert_ptr_equal(m.route, &t[2]);
	assert_int_equal(m.ncaptures, 0);
	assert_int_equal(route_find(t, 4, "POST", "/x/7", &m, allow,
				    sizeof allow), ROUTE_FOUND);
	assert_ptr_equal(m.route, &t[3]);
	assert_string_equal(m.captures[0].name, "name");
	/* An explicit HEAD line before a GET line answers HEAD. */
	static const struct route h[] = {
		{ "GET", "/y", dummy_handler, 0 },
		{ "HEAD", "/y", dummy_handler, 0 },
	};
	assert_int_equal(route_find(h, 2, "HEAD", "/y", &m, NULL, 0),
			 ROUTE_FOUND);
	assert_ptr_equal(m.route, &h[0]);
	assert_int_equal(route_find(h + 1, 1, "GET", "/y", &m, allow,
				    sizeof allow), ROUTE_BAD_METHOD);
	assert_string_equal(allow, "HEAD");
}

/* A short Allow buffer gets whole methods only, and is always terminated. */
static void test_allow_truncated(void **state)
{
	(void)state;
	static const struct {
		size_t len;
		const char *want;
	} cases[] = {
		{ 1, "" },
		{ 6, "" },
		{ 7, "DELETE" },
		{ 11, "DELETE" },
		{ 12, "DELETE, GET" },
		{ 23, "DELETE, GET, HEAD, PUT" },
		{ 64, "DELETE, GET, HEAD, PUT" },
	};
	struct route_match m;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		char allow[64];
		memset(allow, 'Z', sizeof allow);
		enum route_result r = route_find(table, ARRAY_LEN(table),
						 "PATCH", "/items/1", &m,
						 allow, cases[i].len);
		assert_int_equal(r, ROUTE_BAD_METHOD);
		CHECK(strcmp(allow, cases[i].want) == 0,
		      "Allow in %zu bytes: expected \"%s\", got \"%.63s\"",
		      cases[i].len, cases[i].want, allow);
	}
	/* No buffer at all: the result still says 405. */
	assert_int_equal(route_find(table, ARRAY_LEN(table), "PATCH",
				    "/items/1", &m, NULL, 0),
			 ROUTE_BAD_METHOD);
}

static void test_empty_table(void **state)
{
	(void)state;
	struct route_match m;
	char allow[8] = "junk";

	assert_int_equal(route_find(table, 0, "GET", "/", &m, allow,
				    sizeof allow), ROUTE_NOT_FOUND);
	assert_null(m.route);
	assert_string_equal(allow, "");
}

static void test_table_check(void **state)
{
	(void)state;
	size_t bad = 99;

	assert_true(route_table_check(table, ARRAY_LEN(table), &bad));
	assert_int_equal(bad, 99);

	static const struct {
		const char *method;
		const char *pattern;
		bool ok;
	} cases[] = {
		{ "GET", "/", true },
		{ "GET", "/a/{b}/c", true },
		{ "GET", "/{a}/{b}/{c}/{d}", true },
		{ "GET", "/{a}/{b}/{c}/{d}/{e}", false },	/* > 4 captures */
		{ "GET", "/{0123456789012345678901234567890}", true },
		{ "GET", "/{01234567890123456789012345678901}", false },
		{ "GET", "/{}", false },
		{ "GET", "/{a", false },
		{ "GET", "/a}", false },
		{ "GET", "/x{a}", false },
		{ "GET", "/{a}x", false },
		{ "GET", "/{a{b}", false },
		{ "GET", "a", false },
		{ "GET", "", false },
		{ "GET", NULL, false },
		{ "", "/", false },
		{ NULL, "/", false },
	};
	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		const struct route t[2] = {
			{ "GET", "/ok", dummy_handler, 0 },
			{ cases[i].method, cases[i].pattern, dummy_handler, 0 },
		};
		bad = 99;
		bool ok = route_table_check(t, 2, &bad);
		CHECK(ok == cases[i].ok,
		      "route_table_check(%s %s): expected %s, got %s",
		      cases[i].method ? cases[i].method : "(null)",
		      cases[i].pattern ? cases[i].pattern : "(null)",
		      cases[i].ok ? "true" : "false", ok ? "true" : "false");
		if (!ok)
			CHECK(bad == 1, "route_table_check: expected bad line "
			      "1, got %zu", bad);
	}
	const struct route no_handler[] = { { "GET", "/", NULL, 0 } };
	assert_false(route_table_check(no_handler, 1, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_table),
		cmocka_unit_test(test_captures_point_into_path),
		cmocka_unit_test(test_route_capture),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_allow_truncated),
		cmocka_unit_test(test_empty_table),
		cmocka_unit_test(test_table_check),
	};
	return cmocka_run_group_tests_name("route", tests, NULL, NULL);
}
