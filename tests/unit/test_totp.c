/* totp: RFC 6238's SHA-1 test vectors, the ±1 step window, recovery codes,
 * the otpauth URI and the QR code's SVG. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "lib/totp.h"

/* RFC 6238 appendix B: the ASCII secret "12345678901234567890". */
static const char rfc_secret[] = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

static void test_rfc6238_vectors(void **state)
{
	(void)state;
	static const struct { time_t t; const char *code; } v[] = {
		{ 59, "287082" }, { 1111111109, "081804" }, { 1111111111, "050471" },
		{ 1234567890, "005924" }, { 2000000000, "279037" },
	};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		char code[7];
		assert_true(totp_code(rfc_secret, v[i].t, code));
		assert_string_equal(code, v[i].code);
		assert_int_equal(totp_check(rfc_secret, v[i].code, v[i].t), v[i].t / 30);
	}
}

static void test_window_of_one_step(void **state)
{
	(void)state;
	char code[7];
	assert_true(totp_code(rfc_secret, 1111111109, code));
	assert_int_equal(totp_check(rfc_secret, code, 1111111109 + 30), 1111111109 / 30);
	assert_int_equal(totp_check(rfc_secret, code, 1111111109 - 30), 1111111109 / 30);
	assert_int_equal(totp_check(rfc_secret, code, 1111111109 + 90), -1);
	assert_int_equal(totp_check(rfc_secret, "081 804", 1111111109), 1111111109 / 30);
	assert_int_equal(totp_check(rfc_secret, "08180", 1111111109), -1);
	assert_int_equal(totp_check(rfc_secret, "0818045", 1111111109), -1);
	assert_int_equal(totp_check(rfc_secret, "08180x", 1111111109), -1);
	assert_int_equal(totp_check("not base32!", "081804", 1111111109), -1);
}

static void test_new_secret(void **state)
{
	(void)state;
	char a[TOTP_SECRET_CHARS + 1], b[TOTP_SECRET_CHARS + 1];
	assert_true(totp_new_secret(a));
	assert_true(totp_new_secret(b));
	assert_int_equal(strlen(a), TOTP_SECRET_CHARS);
	assert_int_equal(strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"), TOTP_SECRET_CHARS);
	assert_string_not_equal(a, b);
}

static void test_recovery_codes(void **state)
{
	(void)state;
	char shown[TOTP_RECOVERY_CHARS + 2], normal[TOTP_RECOVERY_CHARS + 1];
	totp_recovery_code(shown);
	assert_int_equal(strlen(shown), 11);
	assert_int_equal(shown[5], '-');
	assert_true(totp_recovery_normal(shown, normal));
	assert_int_equal(strlen(normal), 10);
	assert_true(totp_recovery_normal("ABCDE FGHJK", normal));
	assert_string_equal(normal, "abcdefghjk");
	assert_false(totp_recovery_normal("abcde-fghj", normal));	/* too short */
	assert_false(totp_recovery_normal("abcde-fghjkm", normal));	/* too long */
	assert_false(totp_recovery_normal("abcde-fgh0k", normal));	/* 0 is not used */
	assert_false(totp_recovery_normal("123456", normal));
}

static void test_uri_and_qr(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	char *uri = totp_uri(&a, "政府信息公开", "li.si", rfc_secret);
	assert_non_null(strstr(uri, "otpauth://totp/%E6%94%BF"));
	assert_non_null(strstr(uri, ":li.si?secret=GEZDGNBV"));
	assert_non_null(strstr(uri, "&algorithm=SHA1&digits=6&period=30"));
	char *svg = totp_qr_svg(&a, uri);
	assert_non_null(svg);
	assert_int_equal(strncmp(svg, "<svg ", 5), 0);
	assert_non_null(strstr(svg, "<path fill=\"#000\" d=\"M"));
	assert_null(strstr(svg, "style"));
	assert_null(strstr(svg, "script"));
	arena_free(&a);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_window_of_one_step),
		cmocka_unit_test(test_new_secret),
		cmocka_unit_test(test_recovery_codes),
		cmocka_unit_test(test_uri_and_qr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
