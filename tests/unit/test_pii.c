/* pii: encryption round trip, tampering, keyed hashes per purpose. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>

#include "core/pii.h"

static struct app app_with_key(unsigned char fill)
{
	struct app app;
	memset(&app, 0, sizeof app);
	memset(app.secret_key, fill, sizeof app.secret_key);
	app_derive_keys(&app);
	return app;
}

static void test_round_trip(void **state)
{
	(void)state;
	struct app app = app_with_key(7);
	struct arena a = ARENA_INIT;
	const char *id = "11010519491231002X";
	char *box = pii_encrypt(&app, &a, id);
	assert_non_null(strstr(box, "\\x"));
	assert_null(strstr(box, id));
	assert_string_equal(pii_decrypt(&app, &a, box), id);
	/* A random nonce: the same number encrypts differently each time. */
	assert_string_not_equal(pii_encrypt(&app, &a, id), box);
	arena_free(&a);
}

static void test_wrong_key_or_tampering_fails(void **state)
{
	(void)state;
	struct app app = app_with_key(7), other = app_with_key(8);
	struct arena a = ARENA_INIT;
	char *box = pii_encrypt(&app, &a, "13800138000");
	assert_null(pii_decrypt(&other, &a, box));
	char *bad = arena_strdup(&a, box);
	size_t last = strlen(bad) - 1;
	bad[last] = bad[last] == '0' ? '1' : '0';
	assert_null(pii_decrypt(&app, &a, bad));
	assert_null(pii_decrypt(&app, &a, "\\x00"));
	assert_null(pii_decrypt(&app, &a, "not hex"));
	arena_free(&a);
}

static void test_hash_is_keyed_and_per_purpose(void **state)
{
	(void)state;
	struct app app = app_with_key(7), other = app_with_key(8);
	struct arena a = ARENA_INIT;
	char *h1 = pii_hash(&app, &a, PII_PHONE, "13800138000");
	assert_int_equal(strlen(h1), 2 + 64);
	assert_string_equal(h1, pii_hash(&app, &a, PII_PHONE, "13800138000"));
	assert_string_not_equal(h1, pii_hash(&app, &a, PII_ID_NUMBER, "13800138000"));
	assert_string_not_equal(h1, pii_hash(&other, &a, PII_PHONE, "13800138000"));
	assert_string_not_equal(h1, pii_hash(&app, &a, PII_PHONE, "13800138001"));
	arena_free(&a);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_wrong_key_or_tampering_fails),
		cmocka_unit_test(test_hash_is_keyed_and_per_purpose),
	};
	return cmocka_run_group_tests_name("pii", tests, NULL, NULL);
}
