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

/* Issue 16: the status page's token lives a day, says when it expired
 * (the look-up form is then filled in) and is no file link. */
static void test_a_status_token_is_good_for_a_day(void **state)
{
	(void)state;
	struct app app = app_with_key(7);
	char token[STATUS_TOKEN_SIZE], id[LINK_ID_SIZE];
	status_token_make(&app, "42", 1000000, token);
	assert_int_equal(status_token_check(&app, token, 1000000 + 86400, id), LINK_GOOD);
	assert_string_equal(id, "42");
	assert_int_equal(status_token_check(&app, token, 1000000 + 86401, id), LINK_EXPIRED);
	assert_string_equal(id, "42");
}

static void test_altered_status_tokens_fail(void **state)
{
	(void)state;
	struct app app = app_with_key(7), other = app_with_key(8);
	char token[STATUS_TOKEN_SIZE], id[LINK_ID_SIZE], bad[STATUS_TOKEN_SIZE];
	status_token_make(&app, "42", 1000000, token);
	assert_int_equal(status_token_check(&other, token, 1000000, id), LINK_BAD);
	assert_string_equal(id, "");
	snprintf(bad, sizeof bad, "43%s", token + 2);
	assert_int_equal(status_token_check(&app, bad, 1000000, id), LINK_BAD);
	assert_int_equal(status_token_check(&app, "42-1086400", 1000000, id), LINK_BAD);
	assert_int_equal(status_token_check(&app, NULL, 1000000, id), LINK_BAD);
	assert_int_equal(status_token_check(&app, "", 1000000, id), LINK_BAD);
	/* A file link's signature for the same id and time is no status token. */
	char sig[FILE_LINK_SIG_HEX];
	file_link_sign(&app, "42", 1086400, sig);
	snprintf(bad, sizeof bad, "42-1086400-%s", sig);
	assert_int_equal(status_token_check(&app, bad, 1000000, id), LINK_BAD);
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
		cmocka_unit_test(test_altered_status_tokens_fail),
	};
	return cmocka_run_group_tests_name("file_links", tests, NULL, NULL);
}
