/*
 * web/http: every answer a service can give maps to a status code, and
 * every status code the program sends has its reason phrase and Chinese
 * page (a missing one went out as "Status: 401 Unknown").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "web/http.h"

static void test_service_statuses_map_to_http(void **state)
{
	(void)state;
	static const struct { enum service_status s; int http; } want[] = {
		{ SERVICE_DONE, 200 }, { SERVICE_NOT_SIGNED_IN, 401 },
		{ SERVICE_FORBIDDEN, 403 }, { SERVICE_NOT_FOUND, 404 },
		{ SERVICE_CONFLICT, 409 }, { SERVICE_BAD_INPUT, 422 },
		{ SERVICE_FAILED, 500 }, { SERVICE_UNAVAILABLE, 503 },
	};
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_int_equal(want[i].http, http_status_of(want[i].s));
		assert_string_not_equal("Unknown", http_status_text(want[i].http));
	}
}

static void test_reason_phrases(void **state)
{
	(void)state;
	assert_string_equal("Unauthorized", http_status_text(401));
	assert_string_equal("Conflict", http_status_text(409));
	assert_string_equal("Too Many Requests", http_status_text(429));
	assert_string_equal("Unknown", http_status_text(299));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_service_statuses_map_to_http),
		cmocka_unit_test(test_reason_phrases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
