/*
 * Tests of domain/fees: 国办函〔2020〕109号. Art. 3 of the measures: both
 * methods are 超额累进 (each band at its own rate, for the part in it).
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "domain/fees.h"

#define expect_int(expected, got) do {					\
	long long e_ = (expected), g_ = (got);				\
	if (e_ != g_)							\
		fail_msg("%s: expected %lld, got %lld", #got, e_, g_);	\
} while (0)

static void test_per_request(void **state)
{
	(void)state;
	/* Art. 4: 1-10 free, 11-30 100 each, then +100 per block of 10. */
	expect_int(0, fee_per_request(1));
	expect_int(0, fee_per_request(10));
	expect_int(100, fee_per_request(11));
	expect_int(100, fee_per_request(30));
	expect_int(200, fee_per_request(31));
	expect_int(200, fee_per_request(40));
	expect_int(300, fee_per_request(41));
	expect_int(300, fee_per_request(50));
	expect_int(400, fee_per_request(51));
	/* The 100th: block (100-31)/10 = 6 → 200 + 600. */
	expect_int(800, fee_per_request(100));
	expect_int(0, fee_per_request(0));
	expect_int(0, fee_per_request(-5));
	/* No overflow at the extreme: (INT_MAX-31)/10 blocks. */
	expect_int(200 + (int64_t)((INT_MAX - 31) / 10) * 100, fee_per_request(INT_MAX));
}

static void test_month_total(void **state)
{
	(void)state;
	expect_int(0, fee_month_total(0));
	expect_int(0, fee_month_total(10));
	expect_int(100, fee_month_total(11));
	expect_int(2000, fee_month_total(30));		/* 20 × 100 */
	expect_int(2200, fee_month_total(31));		/* + 200 */
	expect_int(4000, fee_month_total(40));		/* 2000 + 10 × 200 */
	expect_int(4300, fee_month_total(41));		/* + 300 */
	expect_int(7000, fee_month_total(50));		/* 4000 + 10 × 300 */
	expect_int(9000, fee_month_total(55));		/* 7000 + 5 × 400 */

	/* The closed form agrees with adding the requests one by one. */
	int64_t sum = 0;
	for (int n = 1; n <= 1000; n++) {
		sum += fee_per_request(n);
		if (fee_month_total(n) != sum)
			fail_msg("fee_month_total(%d): expected %lld, got %lld",
				 n, (long long)sum, (long long)fee_month_total(n));
	}
}

static void test_per_page(void **state)
{
	(void)state;
	/* Art. 5: pages 1-30 free, 31-100 at 10, 101-200 at 20, 201+ at 40,
	 * each band for the part of the pages in it. */
	expect_int(0, fee_per_page(0));
	expect_int(0, fee_per_page(-3));
	expect_int(0, fee_per_page(30));
	expect_int(10, fee_per_page(31));
	expect_int(700, fee_per_page(100));		/* 70 × 10 */
	/* 101 pages: 700 + 1 × 20 = 720 (flat by total would be 2020). */
	expect_int(720, fee_per_page(101));
	expect_int(2700, fee_per_page(200));		/* 700 + 100 × 20 */
	expect_int(2740, fee_per_page(201));		/* + 40 */
	expect_int(4700, fee_per_page(250));		/* 2700 + 50 × 40 */
	expect_int(2700 + ((int64_t)INT_MAX - 200) * 40, fee_per_page(INT_MAX));
}

static void test_per_page_marginal(void **state)
{
	(void)state;
	/* Progressive means each extra page costs its own band's rate. */
	for (int p = 1; p <= 500; p++) {
		int64_t rate = p <= 30 ? 0 : p <= 100 ? 10 : p <= 200 ? 20 : 40;
		int64_t got = fee_per_page(p) - fee_per_page(p - 1);
		if (got != rate)
			fail_msg("page %d: expected to cost %lld, got %lld",
				 p, (long long)rate, (long long)got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_request),
		cmocka_unit_test(test_month_total),
		cmocka_unit_test(test_per_page),
		cmocka_unit_test(test_per_page_marginal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
