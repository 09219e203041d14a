/*
 * Unit tests of fcgi/lib/csvout.c: RFC 4180 quoting, and OWASP's guard
 * against formula injection (= + - @ TAB CR first: a single quote before).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lib/csvout.h"

static const char *line(struct buf *b, const char *const *fields, int n, bool guard)
{
	buf_reset(b);
	for (int i = 0; i < n; i++)
		csv_field(b, fields[i], i == 0, guard);
	csv_end_line(b);
	return buf_str(b);
}

static void test_quoting(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	const char *f[] = { "plain", "a,b", "say \"hi\"", "two\nlines", "", NULL, "中文" };
	assert_string_equal(line(&b, f, 7, false),
			    "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",,,中文\r\n");
	buf_free(&b);
}

static void test_formula_guard(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	const char *f[] = { "=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx", "a=1", "'x" };
	assert_string_equal(line(&b, f, 8, true),
			    "'=1+1,'+86,'-5,'@SUM(A1),'\tx,\"'\rx\",a=1,'x\r\n");
	/* Quoted and guarded at once: the quote mark inside the quotes. */
	const char *g[] = { "=HYPERLINK(\"http://x\",\"y\")" };
	assert_string_equal(line(&b, g, 1, true),
			    "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n");
	/* The import flavour writes the value as it is. */
	assert_string_equal(line(&b, f, 1, false), "=1+1\r\n");
	assert_true(csv_formula_like("=x"));
	assert_false(csv_formula_like(""));
	assert_false(csv_formula_like(NULL));
	assert_false(csv_formula_like("x="));
	buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quoting),
		cmocka_unit_test(test_formula_guard),
	};
	return cmocka_run_group_tests_name("csvout", tests, NULL, NULL);
}
