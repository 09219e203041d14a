/* file_links: signed download links, their expiry and tampering (issue 15). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "core/file_links.h"

static struct app app_with_key(unsigned char fill)
{
	struct app app;
	memset(&app, 0, sizeof app);
	memset(app.secret_key, fill, sizeof app.secret_key);
	app_derive_keys(&app);
	return app;
}

/* The exp and sig of a link made by file_link_make. */
static void parts(const char *link, char *exp, char *sig)
{
	assert_int_equal(sscanf(link, "/status/files/%*[0-9]?exp=%20[0-9]&sig=%64[0-9a-f]", exp, sig), 2);
}

static void test_a_link_is_good_for_15_minutes(void **state)
{
	(void)state;
	struct app app = app_with_key(7);
	char link[192], exp[24], sig[FILE_LINK_SIG_HEX];
	file_link_make(&app, "42", 1000000, link, sizeof link);
	parts(link, exp, sig);
	assert_string_equal(exp, "1000900");
	assert_true(file_link_valid(&app, "42", exp, sig, 1000000));
	assert_true(file_link_valid(&app, "42", exp, sig, 1000900));
	assert_false(file_link_valid(&app, "42", exp, sig, 1000901));
}

static void test_altered_links_fail(void **state)
{
	(void)state;
	struct app app = app_with_key(7), other = app_with_key(8);
	char link[192], exp[24], sig[FILE_LINK_SIG_HEX];
	file_link_make(&app, "42", 1000000, link, sizeof link);
	parts(link, exp, sig);
	assert_false(file_link_valid(&other, "42", exp, sig, 1000000));
	assert_false(file_link_valid(&app, "43", exp, sig, 1000000));
	assert_false(file_link_valid(&app, "42", "1000901", sig, 1000000));
	sig[0] = sig[0] == '0' ? '1' : '0';
	assert_false(file_link_valid(&app, "42", exp, sig, 1000000));
	assert_false(file_link_valid(&app, "42", exp, NULL, 1000000));
	assert_false(file_link_valid(&app, "42", NULL, sig, 1000000));
	assert_false(file_link_valid(&app, "42", exp, "zz", 1000000));
	assert_false(file_link_valid(&app, "4x", exp, sig, 1000000));
}

static void test_the_key_is_not_the_query_code_hash_key(void **state)
{
	(void)state;
	struct app app = app_with_key(7);
	assert_memory_not_equal(app.hash_keys[PII_FILE_LINK], app.hash_keys[PII_QUERY_CODE],
				sizeof app.hash_keys[0]);
	assert_memory_not_equal(app.hash_keys[PII_FILE_LINK], app.hash_keys[PII_SESSION],
				sizeof app.hash_keys[0]);
}

#define CODE_HASH "\\x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define NEW_CODE_HASH "\\xfedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"

static enum signed_link_check check_token(const struct app *app, const char *token,
					  const char *code_hash, time_t now)
{
	struct status_token t;
	if (!status_token_parse(token, &t))
		return LINK_BAD;
	return status_token_check(app, &t, code_hash, now);
}

/* Issue 16: the status page's token lives a day, says when it expired
 * (the look-up form is then filled in) and is no file link. */
static void test_a_status_token_is_good_for_a_day(void **state)
{
	(void)state;
	struct app app = app_with_key(7);
	char token[STATUS_TOKEN_SIZE];
	status_token_make(&app, "42", CODE_HASH, 1000000, token);
	struct status_token t;
	assert_true(status_token_parse(token, &t));
	assert_string_equal(t.id, "42");
	assert_int_equal(check_token(&app, token, CODE_HASH, 1000000 + 86400), LINK_GOOD);
	assert_int_equal(check_token(&app, token, CODE_HASH, 1000000 + 86401), LINK_EXPIRED);
}

/* Issue 16, item 6: a query code issued anew ends the old code's tokens. */
static void test_a_status_token_holds_only_for_its_code(void **state)
{
	(void)state;
	struct app app = app_with_key(7);
	char token[STATUS_TOKEN_SIZE];
	status_token_make(&app, "42", CODE_HASH, 1000000, token);
	assert_int_equal(check_token(&app, token, NEW_CODE_HASH, 1000000), LINK_BAD);
	assert_int_equal(check_token(&app, token, NULL, 1000000), LINK_BAD);
}

static void test_altered_status_tokens_fail(void **state)
{
	(void)state;
	struct app app = app_with_key(7), other = app_with_key(8);
	char token[STATUS_TOKEN_SIZE], bad[STATUS_TOKEN_SIZE + 8];
	status_token_make(&app, "42", CODE_HASH, 1000000, token);
	assert_int_equal(check_token(&other, token, CODE_HASH, 1000000), LINK_BAD);
	snprintf(bad, sizeof bad, "43%s", token + 2);
	assert_int_equal(check_token(&app, bad, CODE_HASH, 1000000), LINK_BAD);
	snprintf(bad, sizeof bad, "%s-0", token);
	assert_int_equal(check_token(&app, bad, CODE_HASH, 1000000), LINK_BAD);
	struct status_token t;
	assert_false(status_token_parse("42-1086400", &t));
	assert_string_equal(t.id, "");
	assert_false(status_token_parse(NULL, &t));
	assert_false(status_token_parse("", &t));
	assert_false(status_token_parse("4x-1086400-00", &t));
	/* A file link's signature for the same id and time is no status token. */
	char sig[FILE_LINK_SIG_HEX];
	file_link_sign(&app, "42", 1086400, sig);
	snprintf(bad, sizeof bad, "42-1086400-%s", sig);
	assert_int_equal(check_token(&app, bad, CODE_HASH, 1000000), LINK_BAD);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_a_link_is_good_for_15_minutes),
		cmocka_unit_test(test_altered_links_fail),
		cmocka_unit_test(test_the_key_is_not_the_query_code_hash_key),
		cmocka_unit_test(test_a_status_token_is_good_for_a_day),
		cmocka_unit_test(test_a_status_token_holds_only_for_its_code),
		cmocka_unit_test(test_altered_status_tokens_fail),
	};
	return cmocka_run_group_tests_name("file_links", tests, NULL, NULL);
}
