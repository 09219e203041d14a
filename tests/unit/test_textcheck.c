/*
 * Unit tests of fcgi/textcheck.c: which characters text may not hold
 * (issue 12, item 10) and NFC for names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/textcheck.h"

struct text_case {
	const char *text;
	bool multiline;
	uint32_t forbidden;	/* 0: allowed */
};

static const struct text_case cases[] = {
	{ "张三", false, 0 },
	{ "北京市东城区 1 号", false, 0 },
	{ "第一行\n第二行\t缩进\r\n", true, 0 },
	{ "第一行\n第二行", false, '\n' },
	{ "a\tb", false, '\t' },
	{ "bell\a", true, 0x07 },
	{ "esc\x1b[31m", true, 0x1B },
	{ "del\x7f", false, 0x7F },
	{ "c1\xc2\x85", true, 0x85 },			/* NEL */
	{ "abc\xe2\x80\xae" "gpj.exe", false, 0x202E },	/* RLO */
	{ "\xe2\x80\xaa", true, 0x202A },
	{ "\xe2\x81\xa6x\xe2\x81\xa9", true, 0x2066 },	/* LRI … PDI */
	{ "\xe2\x81\xa9", true, 0x2069 },
	{ "张\xe2\x80\x8b三", false, 0x200B },		/* ZWSP */
	{ "\xe2\x80\x8d", true, 0x200D },		/* ZWJ */
	{ "\xe2\x80\x8f", true, 0x200F },		/* RLM */
	{ "\xe2\x81\xa0", true, 0x2060 },		/* word joiner */
	{ "\xef\xbb\xbf" "张三", false, 0xFEFF },	/* BOM */
	{ "x\xf3\xa0\x80\x81", true, 0xE0001 },		/* language tag */
	{ "x\xf3\xa0\x81\xbf", true, 0xE007F },		/* cancel tag */
	{ "emoji \xf0\x9f\x98\x80", false, 0 },		/* U+1F600 is text */
	{ "\xe2\x80\x94\xe3\x80\x80全角空格", false, 0 },	/* em dash, U+3000 */
	{ "\xc2\xa0", false, 0 },			/* NBSP: visible as a space */
};

static void test_forbidden_characters(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct text_case *c = &cases[i];
		uint32_t cp = 0;
		bool bad = text_forbidden_char(c->text, strlen(c->text), c->multiline, &cp);
		if (bad != (c->forbidden != 0) || (bad && cp != c->forbidden)) {
			print_error("case %zu: got %d U+%04X, want U+%04X\n", i, bad,
				    (unsigned)cp, (unsigned)c->forbidden);
			fail();
		}
	}
	/* A NUL inside the length is a control too. */
	uint32_t cp = 1;
	assert_true(text_forbidden_char("a\0b", 3, true, &cp));
	assert_int_equal(0, cp);
}

static void test_nfc(void **state)
{
	(void)state;
	struct arena a = { 0 };
	size_t n;
	/* e + COMBINING ACUTE → é; Hangul jamo → one syllable; CJK unchanged. */
	char *s = text_nfc(&a, "Jose\xcc\x81", 6, &n);
	assert_string_equal("Jos\xc3\xa9", s);
	assert_int_equal(5, n);
	s = text_nfc(&a, "\xe1\x84\x80\xe1\x85\xa1", 6, &n);
	assert_string_equal("\xea\xb0\x80", s);
	s = text_nfc(&a, "王小明", strlen("王小明"), &n);
	assert_string_equal("王小明", s);
	arena_free(&a);
}

static void test_trim(void **state)
{
	(void)state;
	struct arena a = { 0 };
	/* ASCII white space, NBSP and the ideographic space, at either end. */
	assert_string_equal("王小明", text_trim(&a, " \t\r\n王小明\n"));
	assert_string_equal("王 小明", text_trim(&a, "\xe3\x80\x80王 小明\xc2\xa0\xe3\x80\x80"));
	/* Inside, nothing changes. */
	assert_string_equal("a\xe3\x80\x80" "b", text_trim(&a, "a\xe3\x80\x80" "b"));
	/* All blank → empty; empty stays empty. */
	assert_string_equal("", text_trim(&a, "\xe3\x80\x80 \xc2\xa0"));
	assert_string_equal("", text_trim(&a, ""));
	/* Not a blank: a lone 0xC2 or the first bytes of U+3000 are kept. */
	assert_string_equal("x\xe3\x80", text_trim(&a, "x\xe3\x80"));
	arena_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forbidden_characters),
		cmocka_unit_test(test_nfc),
		cmocka_unit_test(test_trim),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
