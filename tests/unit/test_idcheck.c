/* Tests of domain/idcheck. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "domain/date.h"
#include "domain/idcheck.h"

static int32_t D(const char *s)
{
	int32_t d;

	if (!date_parse(s, &d))
		fail_msg("bad date literal in test: %s", s);
	return d;
}

static const char *today = "2025-06-15";

static void expect_resident(const char *id, const char *today_s, bool want,
			    const char *want_why)
{
	const char *why = NULL;
	bool got = resident_id_valid(id, D(today_s), &why);

	if (got != want)
		fail_msg("resident_id_valid(\"%s\"): expected %s, got %s (%s)",
			 id ? id : "NULL", want ? "valid" : "invalid",
			 got ? "valid" : "invalid", why ? why : "NULL");
	if (!why || strcmp(why, want_why) != 0)
		fail_msg("resident_id_valid(\"%s\"): expected why \"%s\", got \"%s\"",
			 id ? id : "NULL", want_why, why ? why : "NULL");
}

static void test_resident_examples(void **state)
{
	(void)state;
	/*
	 * From ogi-rules.md. 11010519491231002X: digits × weights
	 * 1·7 + 1·9 + 0·10 + 1·5 + 0·8 + 5·4 + 1·2 + 9·1 + 4·6 + 9·3 + 1·7 +
	 * 2·9 + 3·10 + 1·5 + 0·8 + 0·4 + 2·2 = 167; 167 mod 11 = 2 → 'X'.
	 * 440524188001010014 (the example of GB 11643 itself, born 1880):
	 * sum 195, 195 mod 11 = 8 → '4'. 110105194912310021: the same first
	 * 17 digits as ...002X, so its check should be X, not 1.
	 */
	expect_resident("11010519491231002X", today, true, "");
	expect_resident("11010519491231002x", today, true, "");
	expect_resident("440524188001010014", today, true, "");
	expect_resident("110105194912310021", today, false, "校验位不正确");
}

static void test_resident_shape(void **state)
{
	(void)state;
	expect_resident("", today, false, "长度应为18位");
	expect_resident(NULL, today, false, "长度应为18位");
	expect_resident("11010519491231002", today, false, "长度应为18位");
	expect_resident("11010519491231002XX", today, false, "长度应为18位");
	expect_resident("11010519491231002Y", today, false, "最后一位应为数字或X");
	expect_resident("1101051949123100AX", today, false, "前17位应为数字");
	expect_resident(" 11010519491231002", today, false, "前17位应为数字");
	/* Fifteen-digit numbers (issued before 1999) are no longer valid. */
	expect_resident("110105491231002", today, false, "长度应为18位");
}

static void test_resident_birth_date(void **state)
{
	(void)state;
	/* Check characters below computed with the GB 11643 weights. */
	expect_resident("110105200002290013", today, true, "");	/* 2000 leap */
	expect_resident("110105190002290017", today, false, "出生日期不正确");
	expect_resident("110105194913310021", today, false, "出生日期不正确");
	expect_resident("110105194912320021", today, false, "出生日期不正确");
	expect_resident("110105194900010021", today, false, "出生日期不正确");
	expect_resident("110105180001010010", today, true, "");
	expect_resident("110105179912310016", today, false, "出生日期不正确");
	expect_resident("110105209912310010", today, false, "出生日期不能晚于今天");
	/* Born today is fine, tomorrow is not. */
	expect_resident("110105202506150013", "2025-06-15", true, "");
	expect_resident("110105202506150013", "2025-06-14", false, "出生日期不能晚于今天");
}

static void expect_credit(const char *code, bool want_valid, bool want_format,
			  const char *want_why)
{
	const char *why = NULL;
	bool valid = credit_code_valid(code, &why);

	if (valid != want_valid)
		fail_msg("credit_code_valid(\"%s\"): expected %d, got %d (%s)",
			 code, want_valid, valid, why);
	if (strcmp(why, want_why) != 0)
		fail_msg("credit_code_valid(\"%s\"): expected why \"%s\", got \"%s\"",
			 code, want_why, why);
	bool format = credit_code_format_ok(code, NULL);
	if (format != want_format)
		fail_msg("credit_code_format_ok(\"%s\"): expected %d, got %d",
			 code, want_format, format);
}

static void test_credit_code(void **state)
{
	(void)state;
	/*
	 * 91350100M000100Y43 (from ogi-rules.md): values 9 1 3 5 0 1 0 0 21(M)
	 * 0 0 0 1 0 0 30(Y) 4, weights 3^(i-1) mod 31 = 1 3 9 27 19 26 16 17 20
	 * 29 25 13 8 24 10 30 28: 9 + 3 + 27 + 135 + 26 + 420 + 8 + 900 + 112
	 * = 1640; 1640 mod 31 = 28; 31 - 28 = 3.
	 */
	expect_credit("91350100M000100Y43", true, true, "");
	expect_credit("91350100m000100y43", true, true, "");
	/* Z is not in the alphabet at all. */
	expect_credit("91350100M000100Y4Z", false, false,
		      "含有不允许的字符（只能是数字和除I、O、S、V、Z以外的大写字母）");
	/* Well formed, wrong check: a warning for the caller, not a refusal. */
	expect_credit("91350100M000100Y44", false, true, "校验位不正确");
	expect_credit("91350100M000100Y4", false, false, "长度应为18位");
	expect_credit("", false, false, "长度应为18位");
	expect_credit("91350100I000100Y43", false, false,
		      "含有不允许的字符（只能是数字和除I、O、S、V、Z以外的大写字母）");
	/* Σ mod 31 = 0 gives 31, which means check character 0. */
	expect_credit("914403007152600140", true, true, "");
	expect_credit("91110108MA01ABCD1E", true, true, "");
	assert_false(credit_code_valid(NULL, NULL));
}

static void expect_other(enum id_type type, const char *s, bool want)
{
	const char *why = NULL;
	bool got = other_id_plausible(type, s, &why);

	if (got != want)
		fail_msg("other_id_plausible(%s, \"%s\"): expected %d, got %d (%s)",
			 id_type_code(type), s, want, got, why);
	if (!why || (!want && !*why))
		fail_msg("other_id_plausible(%s, \"%s\"): no reason given",
			 id_type_code(type), s);
}

static void test_other_ids(void **state)
{
	(void)state;
	expect_other(ID_PASSPORT, "E12345678", true);
	expect_other(ID_PASSPORT, "12345", true);
	expect_other(ID_PASSPORT, "12345678901234567890", true);
	expect_other(ID_PASSPORT, "1234", false);
	expect_other(ID_PASSPORT, "123456789012345678901", false);
	expect_other(ID_PASSPORT, "E1234-678", false);
	expect_other(ID_PASSPORT, "", false);

	expect_other(ID_HK_MACAO_PERMIT, "H12345678", true);
	expect_other(ID_HK_MACAO_PERMIT, "M1234567890", true);
	expect_other(ID_HK_MACAO_PERMIT, "h12345678", true);
	expect_other(ID_HK_MACAO_PERMIT, "C12345678", false);
	expect_other(ID_HK_MACAO_PERMIT, "H123456789", false);
	expect_other(ID_HK_MACAO_PERMIT, "H1234567A", false);
	expect_other(ID_HK_MACAO_PERMIT, "H", false);

	expect_other(ID_TAIWAN_PERMIT, "12345678", true);
	expect_other(ID_TAIWAN_PERMIT, "1234567890", true);
	expect_other(ID_TAIWAN_PERMIT, "123456789", false);
	expect_other(ID_TAIWAN_PERMIT, "T12345678", false);

	expect_other(ID_FOREIGN_PERMANENT, "USA110083011502", true);
	expect_other(ID_FOREIGN_PERMANENT, "US1110083011502", false);
	expect_other(ID_FOREIGN_PERMANENT, "911100001234567890", true);
	expect_other(ID_FOREIGN_PERMANENT, "91110000123456789X", true);
	expect_other(ID_FOREIGN_PERMANENT, "811100001234567890", false);
	expect_other(ID_FOREIGN_PERMANENT, "9111000012345678", false);

	expect_other(ID_OTHER, "军字第123456号", true);
	expect_other(ID_OTHER, "x", true);
	expect_other(ID_OTHER, "   ", false);
	expect_other(ID_OTHER, "a\tb", false);
	/* 40 characters (Chinese counts by character, not byte) pass, 41 not. */
	expect_other(ID_OTHER, "一二三四五六七八九十一二三四五六七八九十"
			       "一二三四五六七八九十一二三四五六七八九十", true);
	expect_other(ID_OTHER, "一二三四五六七八九十一二三四五六七八九十"
			       "一二三四五六七八九十一二三四五六七八九十1", false);

	expect_other(ID_RESIDENT, "11010519491231002X", true);
	expect_other(ID_RESIDENT, "1101051949123100", false);
	assert_false(other_id_plausible(ID_PASSPORT, NULL, NULL));
	assert_false(other_id_plausible((enum id_type)42, "E12345678", NULL));
}

static void test_id_types(void **state)
{
	(void)state;
	enum id_type t;

	for (int i = ID_RESIDENT; i <= ID_OTHER; i++) {
		assert_true(id_type_from_code(id_type_code((enum id_type)i), &t));
		if ((int)t != i)
			fail_msg("code %s: expected type %d, got %d",
				 id_type_code((enum id_type)i), i, t);
	}
	assert_string_equal("居民身份证", id_type_name(ID_RESIDENT));
	assert_string_equal("外国人永久居留身份证", id_type_name(ID_FOREIGN_PERMANENT));
	assert_false(id_type_from_code("unknown", &t));
	assert_false(id_type_from_code(NULL, &t));
}

static void test_upcase(void **state)
{
	(void)state;
	char s[] = "11010519491231002x";
	char c[] = "91350100m000100y43";

	id_upcase(s);
	id_upcase(c);
	assert_string_equal("11010519491231002X", s);
	assert_string_equal("91350100M000100Y43", c);
	id_upcase(NULL);
}

static void expect_mask(bool (*mask)(const char *, char *, size_t),
			const char *in, const char *want)
{
	char out[128];

	assert_true(mask(in, out, sizeof(out)));
	if (strcmp(out, want) != 0)
		fail_msg("mask(\"%s\"): expected \"%s\", got \"%s\"", in, want, out);
}

static void test_masking(void **state)
{
	(void)state;
	expect_mask(mask_id_number, "11010519491231002X", "110105********002X");
	expect_mask(mask_id_number, "91350100M000100Y43", "913501********0Y43");
	/* 6 + 4 from 15 characters (old 15-digit numbers, 外国人永久居留证). */
	expect_mask(mask_id_number, "USA110083011502", "USA110*****1502");
	/* Shorter: a quarter kept at each end, so an 11-character
	 * 港澳通行证 keeps 2 + 2 rather than showing all but one. */
	expect_mask(mask_id_number, "M1234567890", "M1*******90");
	expect_mask(mask_id_number, "E12345678", "E1*****78");
	expect_mask(mask_id_number, "12345678", "12****78");
	expect_mask(mask_id_number, "1234", "1**4");
	expect_mask(mask_id_number, "123", "***");
	expect_mask(mask_id_number, "", "");
	/* UTF-8: one star per character, never half a character. */
	expect_mask(mask_id_number, "军字第123456号", "军字******6号");

	expect_mask(mask_phone, "13812345678", "138****5678");
	expect_mask(mask_phone, "010-12345678", "010*****5678");
	expect_mask(mask_phone, "87654321", "87****21");
	expect_mask(mask_phone, "12345", "1***5");
	expect_mask(mask_phone, "110", "***");

	expect_mask(mask_email, "zhangsan@example.com", "z***@example.com");
	expect_mask(mask_email, "a@b.cn", "a***@b.cn");
	expect_mask(mask_email, "张三@example.com", "***@example.com");
	char none[32] = "junk";
	assert_false(mask_email("no-at-sign", none, sizeof none));
	assert_string_equal("", none);

	/* Too small an output: refused, out emptied. */
	char small[5] = "junk";
	assert_false(mask_phone("13812345678", small, sizeof(small)));
	assert_string_equal("", small);
	char exact[12];
	assert_true(mask_phone("13812345678", exact, sizeof(exact)));
	assert_string_equal("138****5678", exact);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resident_examples),
		cmocka_unit_test(test_resident_shape),
		cmocka_unit_test(test_resident_birth_date),
		cmocka_unit_test(test_credit_code),
		cmocka_unit_test(test_other_ids),
		cmocka_unit_test(test_id_types),
		cmocka_unit_test(test_upcase),
		cmocka_unit_test(test_masking),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
