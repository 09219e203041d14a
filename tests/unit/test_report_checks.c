/*
 * Tests of domain/report_checks: the relations of tables 三 and 四
 * (report-format.md). Each test builds a consistent table by hand, checks
 * that it passes, then breaks one cell and checks that exactly the
 * relation through that cell fails, naming it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "domain/date.h"
#include "domain/report_checks.h"

#define expect_int(expected, got) do {					\
	long long e_ = (expected), g_ = (got);				\
	if (e_ != g_)							\
		fail_msg("%s: expected %lld, got %lld", #got, e_, g_);	\
} while (0)

/*
 * A consistent 2021 table: person received 3 and carried in 1; concluded
 * 2 disclosed + 1 other_no_fee; 1 carried out. business received 2:
 * 1 partial, 1 carried out. Totals written out by hand.
 */
static void fill_2021(struct table3 *t)
{
	memset(t, 0, sizeof *t);
	t->v[T3_RECEIVED][T3_PERSON] = 3;
	t->v[T3_CARRIED_IN][T3_PERSON] = 1;
	t->v[T3_DISCLOSED][T3_PERSON] = 2;
	t->v[T3_OTHER_NO_FEE][T3_PERSON] = 1;
	t->v[T3_CONCLUDED_TOTAL][T3_PERSON] = 3;
	t->v[T3_CARRIED_OUT][T3_PERSON] = 1;
	t->v[T3_RECEIVED][T3_BUSINESS] = 2;
	t->v[T3_PARTIAL][T3_BUSINESS] = 1;
	t->v[T3_CONCLUDED_TOTAL][T3_BUSINESS] = 1;
	t->v[T3_CARRIED_OUT][T3_BUSINESS] = 1;
	t->v[T3_RECEIVED][T3_TOTAL] = 5;
	t->v[T3_CARRIED_IN][T3_TOTAL] = 1;
	t->v[T3_DISCLOSED][T3_TOTAL] = 2;
	t->v[T3_PARTIAL][T3_TOTAL] = 1;
	t->v[T3_OTHER_NO_FEE][T3_TOTAL] = 1;
	t->v[T3_CONCLUDED_TOTAL][T3_TOTAL] = 4;
	t->v[T3_CARRIED_OUT][T3_TOTAL] = 2;
	/* The 2019 view of the same counts folds the three into （六）. */
	t->v[T3_OTHER_TOTAL][T3_PERSON] = 1;
	t->v[T3_OTHER_TOTAL][T3_TOTAL] = 1;
}

/* review: 1 upheld, 1 pending → total 2; suit_direct: 1 corrected. */
static void fill_t4(struct table4 *t)
{
	memset(t, 0, sizeof *t);
	t->v[T4_REVIEW][T4_UPHELD] = 1;
	t->v[T4_REVIEW][T4_PENDING] = 1;
	t->v[T4_REVIEW][T4_TOTAL] = 2;
	t->v[T4_SUIT_DIRECT][T4_CORRECTED] = 1;
	t->v[T4_SUIT_DIRECT][T4_TOTAL] = 1;
}

static size_t run(enum report_format f, const struct table3 *t3, const struct table4 *t4,
		  const long *prev, struct report_failure *out, size_t max)
{
	return report_check_all(f, t3, t4, prev, out, max);
}

static void test_formats_and_codes(void **state)
{
	(void)state;
	expect_int(REPORT_FORMAT_2019, report_format_of_year(2019));
	expect_int(REPORT_FORMAT_2019, report_format_of_year(2020));
	expect_int(REPORT_FORMAT_2021, report_format_of_year(2021));
	expect_int(REPORT_FORMAT_2021, report_format_of_year(2026));
	assert_string_equal("2019", report_format_code(REPORT_FORMAT_2019));
	assert_string_equal("2021", report_format_code(REPORT_FORMAT_2021));
	expect_int(T3_DENY_PROCESS, t3_row_of("deny_process"));
	expect_int(T3_CARRIED_OUT, t3_row_of("carried_out"));
	expect_int(-1, t3_row_of("nonsense"));
	expect_int(-1, t3_row_of(NULL));
	expect_int(T3_LEGAL_SERVICE, t3_col_of("legal_service"));
	expect_int(-1, t3_col_of("Person"));
	/* Every code is set (a missing designated initialiser would be NULL). */
	for (int r = 0; r < T3_NROWS; r++)
		assert_non_null(t3_row_codes[r]);
	for (int c = 0; c < T3_NCOLS; c++)
		assert_non_null(t3_col_codes[c]);
}

static void test_rows_of_each_format(void **state)
{
	(void)state;
	/* 2019: one （六） row; 2021: a heading with three rows. */
	assert_true(t3_row_in_format(REPORT_FORMAT_2019, T3_OTHER_TOTAL));
	assert_false(t3_row_in_format(REPORT_FORMAT_2019, T3_OTHER));
	assert_false(t3_row_in_format(REPORT_FORMAT_2019, T3_OTHER_NO_FEE));
	assert_false(t3_row_in_format(REPORT_FORMAT_2021, T3_OTHER_TOTAL));
	assert_true(t3_row_in_format(REPORT_FORMAT_2021, T3_OTHER_NO_SUPPLEMENT));
	assert_false(t3_row_in_format(REPORT_FORMAT_2021, -1));
	assert_false(t3_row_in_format(REPORT_FORMAT_2021, T3_NROWS));
	int n2019 = 0, n2021 = 0;
	for (int r = 0; r < T3_NROWS; r++) {
		n2019 += t3_row_is_outcome(REPORT_FORMAT_2019, r);
		n2021 += t3_row_is_outcome(REPORT_FORMAT_2021, r);
	}
	/* 2 + 8 + 3 + 5 rows of （一）…（五）, then （六）: 1 or 3. */
	expect_int(19, n2019);
	expect_int(21, n2021);
	assert_false(t3_row_is_outcome(REPORT_FORMAT_2021, T3_RECEIVED));
	assert_false(t3_row_is_outcome(REPORT_FORMAT_2021, T3_CONCLUDED_TOTAL));
	assert_false(t3_row_is_outcome(REPORT_FORMAT_2021, T3_CARRIED_OUT));
}

static void test_consistent_tables_pass(void **state)
{
	(void)state;
	struct table3 t3;
	struct table4 t4;
	struct report_failure f[8];
	fill_2021(&t3);
	fill_t4(&t4);
	long prev[T3_NCOLS] = { [T3_PERSON] = 1, [T3_TOTAL] = 1 };
	expect_int(0, run(REPORT_FORMAT_2021, &t3, &t4, prev, f, 8));
	expect_int(0, run(REPORT_FORMAT_2019, &t3, &t4, prev, f, 8));
	expect_int(0, run(REPORT_FORMAT_2021, &t3, &t4, NULL, f, 8));

	/* All zero, as in an empty year. */
	memset(&t3, 0, sizeof t3);
	memset(&t4, 0, sizeof t4);
	long zero[T3_NCOLS] = { 0 };
	expect_int(0, run(REPORT_FORMAT_2019, &t3, &t4, zero, f, 8));
}

static void test_balance_names_the_column(void **state)
{
	(void)state;
	struct table3 t3;
	struct table4 t4;
	struct report_failure f[8];
	fill_2021(&t3);
	fill_t4(&t4);
	/* One more carried out for business, and its total: 一+二 ≠ 三+四. */
	t3.v[T3_CARRIED_OUT][T3_BUSINESS] = 2;
	t3.v[T3_CARRIED_OUT][T3_TOTAL] = 3;
	size_t n = run(REPORT_FORMAT_2021, &t3, &t4, NULL, f, 8);
	expect_int(2, n);
	expect_int(CHECK_BALANCE, f[0].check);
	expect_int(T3_BUSINESS, f[0].col);
	expect_int(2, f[0].lhs);		/* 2 + 0 */
	expect_int(3, f[0].rhs);		/* 1 + 2 */
	expect_int(CHECK_BALANCE, f[1].check);
	expect_int(T3_TOTAL, f[1].col);
	expect_int(6, f[1].lhs);
	expect_int(7, f[1].rhs);
}

static void test_concluded_sum_depends_on_format(void **state)
{
	(void)state;
	struct table3 t3;
	struct table4 t4;
	struct report_failure f[8];
	fill_2021(&t3);
	fill_t4(&t4);
	/* （六） of 2019 says 2 where its parts say 1: only 2019 looks at it. */
	t3.v[T3_OTHER_TOTAL][T3_PERSON] = 2;
	t3.v[T3_OTHER_TOTAL][T3_TOTAL] = 2;
	expect_int(0, run(REPORT_FORMAT_2021, &t3, &t4, NULL, f, 8));
	size_t n = run(REPORT_FORMAT_2019, &t3, &t4, NULL, f, 8);
	expect_int(2, n);
	expect_int(CHECK_CONCLUDED_SUM, f[0].check);
	expect_int(T3_CONCLUDED_TOTAL, f[0].row);
	expect_int(T3_PERSON, f[0].col);
	expect_int(3, f[0].lhs);
	expect_int(4, f[0].rhs);
	expect_int(T3_TOTAL, f[1].col);

	/* An outcome counted in （七） but in no row of the format. */
	fill_2021(&t3);
	t3.v[T3_DENY_QUERY][T3_PERSON] = 0;
	t3.v[T3_DISCLOSED][T3_PERSON] = 1;
	t3.v[T3_DISCLOSED][T3_TOTAL] = 1;
	n = run(REPORT_FORMAT_2021, &t3, &t4, NULL, f, 8);
	expect_int(2, n);
	expect_int(CHECK_CONCLUDED_SUM, f[0].check);
	expect_int(3, f[0].lhs);
	expect_int(2, f[0].rhs);
}

static void test_total_column_names_the_row(void **state)
{
	(void)state;
	struct table3 t3;
	struct table4 t4;
	struct report_failure f[8];
	fill_2021(&t3);
	fill_t4(&t4);
	/* A research request counted in its column but not in 总计. */
	t3.v[T3_DENY_LAW][T3_RESEARCH] = 1;
	t3.v[T3_CONCLUDED_TOTAL][T3_RESEARCH] = 1;
	t3.v[T3_RECEIVED][T3_RESEARCH] = 1;
	size_t n = run(REPORT_FORMAT_2021, &t3, &t4, NULL, f, 8);
	expect_int(3, n);
	for (size_t i = 0; i < n; i++) {
		expect_int(CHECK_TOTAL_COLUMN, f[i].check);
		expect_int(T3_TOTAL, f[i].col);
	}
	expect_int(T3_RECEIVED, f[0].row);
	expect_int(5, f[0].lhs);
	expect_int(6, f[0].rhs);
	expect_int(T3_DENY_LAW, f[1].row);
	expect_int(T3_CONCLUDED_TOTAL, f[2].row);

	/* A row outside the format is not looked at. */
	fill_2021(&t3);
	t3.v[T3_OTHER_TOTAL][T3_TOTAL] = 99;
	expect_int(0, run(REPORT_FORMAT_2021, &t3, &t4, NULL, f, 8));
}

static void test_table4_total(void **state)
{
	(void)state;
	struct table3 t3;
	struct table4 t4;
	struct report_failure f[8];
	fill_2021(&t3);
	fill_t4(&t4);
	t4.v[T4_SUIT_AFTER_REVIEW][T4_TOTAL] = 1;	/* parts all 0 */
	size_t n = run(REPORT_FORMAT_2021, &t3, &t4, NULL, f, 8);
	expect_int(1, n);
	expect_int(CHECK_T4_TOTAL, f[0].check);
	expect_int(T4_SUIT_AFTER_REVIEW, f[0].row);
	expect_int(T4_TOTAL, f[0].col);
	expect_int(1, f[0].lhs);
	expect_int(0, f[0].rhs);
}

static void test_carry_over_against_last_year(void **state)
{
	(void)state;
	struct table3 t3;
	struct table4 t4;
	struct report_failure f[8];
	fill_2021(&t3);
	fill_t4(&t4);
	/* Last year's published 四 said 2 persons carried out, we carry in 1. */
	long prev[T3_NCOLS] = { [T3_PERSON] = 2, [T3_TOTAL] = 2 };
	size_t n = run(REPORT_FORMAT_2021, &t3, &t4, prev, f, 8);
	expect_int(2, n);
	expect_int(CHECK_CARRY, f[0].check);
	expect_int(T3_CARRIED_IN, f[0].row);
	expect_int(T3_PERSON, f[0].col);
	expect_int(1, f[0].lhs);
	expect_int(2, f[0].rhs);
	expect_int(T3_TOTAL, f[1].col);
}

static void test_counts_beyond_max(void **state)
{
	(void)state;
	struct table3 t3;
	struct table4 t4;
	struct report_failure f[1];
	memset(&t3, 0, sizeof t3);
	fill_t4(&t4);
	/* One person received and carried out, 总计 left at 0: two rows fail,
	 * one is stored, both are counted. */
	t3.v[T3_RECEIVED][T3_PERSON] = 1;
	t3.v[T3_CARRIED_OUT][T3_PERSON] = 1;
	f[0].check = REPORT_NCHECKS;
	expect_int(2, run(REPORT_FORMAT_2021, &t3, &t4, NULL, f, 1));
	expect_int(CHECK_TOTAL_COLUMN, f[0].check);
	expect_int(T3_RECEIVED, f[0].row);
	expect_int(2, run(REPORT_FORMAT_2021, &t3, &t4, NULL, NULL, 0));
}

/* Art. 49: departments by 31 January, governments by 31 March. */
static void test_publish_deadline(void **state)
{
	(void)state;
	expect_int(date_from_ymd(2025, 1, 31), report_publish_deadline(2024, false));
	expect_int(date_from_ymd(2025, 3, 31), report_publish_deadline(2024, true));
	/* The year after a leap February: still 31 March. */
	expect_int(date_from_ymd(2024, 3, 31), report_publish_deadline(2023, true));
}

static void test_publish_late(void **state)
{
	(void)state;
	int32_t d = report_publish_deadline(2024, false);
	/* Published on the last day: in time; a day later: late. */
	expect_int(false, report_publish_late(d, d, d + 100));
	expect_int(true, report_publish_late(d, d + 1, d + 1));
	expect_int(false, report_publish_late(d, d - 20, d + 400));
	/* Not published: late only once the day has passed. */
	expect_int(false, report_publish_late(d, 0, d - 1));
	expect_int(false, report_publish_late(d, 0, d));
	expect_int(true, report_publish_late(d, 0, d + 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats_and_codes),
		cmocka_unit_test(test_rows_of_each_format),
		cmocka_unit_test(test_consistent_tables_pass),
		cmocka_unit_test(test_balance_names_the_column),
		cmocka_unit_test(test_concluded_sum_depends_on_format),
		cmocka_unit_test(test_total_column_names_the_row),
		cmocka_unit_test(test_table4_total),
		cmocka_unit_test(test_carry_over_against_last_year),
		cmocka_unit_test(test_counts_beyond_max),
		cmocka_unit_test(test_publish_deadline),
		cmocka_unit_test(test_publish_late),
	};
	return cmocka_run_group_tests_name("report_checks", tests, NULL, NULL);
}
