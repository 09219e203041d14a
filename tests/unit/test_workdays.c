/*
 * Tests of domain/date and domain/workdays.
 *
 * The real calendar is the project's sql/cn_holidays.csv (real_calendar.h);
 * tests needing it fail when it is missing. Logic tests use small in-test
 * calendars.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/date.h"
#include "domain/workdays.h"
#include "real_calendar.h"

/* cmocka prints integers in hex; these say what was expected, in dates. */
#define expect_int(expected, got) do {					\
	long long e_ = (expected), g_ = (got);				\
	if (e_ != g_)							\
		fail_msg("%s: expected %lld, got %lld", #got, e_, g_);	\
} while (0)

#define expect_date(expected, got) do {					\
	int32_t e_ = D(expected), g_ = (got);				\
	char gs_[DATE_STR_SIZE];					\
	if (e_ != g_)							\
		fail_msg("%s: expected %s, got %s", #got, expected,	\
			 date_format(g_, gs_));				\
} while (0)

static int32_t D(const char *s)
{
	int32_t d;

	if (!date_parse(s, &d)) {
		fail_msg("bad date literal in test: %s", s);
		return 0;
	}
	return d;
}

static struct calendar *real_cal;

static int load_real_calendar(void **state)
{
	(void)state;
	real_cal = real_calendar_load();
	return 0;
}

static int free_real_calendar(void **state)
{
	(void)state;
	calendar_free(real_cal);
	return 0;
}

/* The cases on the real calendar fail, not skip, without it. */
static const struct calendar *need_real(void)
{
	if (!real_cal)
		fail_msg("the real calendar ($YSQGK_REPO/%s) did not load", REAL_CALENDAR_CSV);
	return real_cal;
}

/* ---- date --------------------------------------------------------------- */

static void test_date_known_values(void **state)
{
	(void)state;
	expect_int(0, date_from_ymd(1970, 1, 1));
	expect_int(11017, date_from_ymd(2000, 3, 1));
	expect_int(-1, date_from_ymd(1969, 12, 31));
	expect_int(-719162, date_from_ymd(1, 1, 1));
	expect_int(2932896, date_from_ymd(9999, 12, 31));
	expect_int(4, date_weekday(0));				/* Thursday */
	expect_int(3, date_weekday(-1));			/* Wednesday */
	expect_int(7, date_weekday(D("2024-02-18")));		/* a worked Sunday */
	expect_int(1, date_weekday(D("2024-02-12")));
	expect_int(6, date_weekday(D("2024-10-12")));
	expect_int(4, date_weekday(D("1880-01-01")));
	expect_int(2024, date_year(D("2024-12-31")));
}

static void test_date_round_trip(void **state)
{
	(void)state;
	/* 1800-01-01 .. 2200-12-31: every day converts back to itself and
	 * follows the previous one by one calendar day. */
	int32_t first = date_from_ymd(1800, 1, 1), last = date_from_ymd(2200, 12, 31);
	int py = 1799, pm = 12, pd = 31;
	for (int32_t d = first; d <= last; d++) {
		int y, m, dd;
		date_to_ymd(d, &y, &m, &dd);
		if (date_from_ymd(y, m, dd) != d || !date_ymd_valid(y, m, dd))
			fail_msg("day %d -> %04d-%02d-%02d does not round-trip", d, y, m, dd);
		bool next_day = y == py && m == pm && dd == pd + 1;
		bool next_month = y == py && m == pm + 1 && dd == 1 &&
				  pd == date_days_in_month(py, pm);
		bool next_year = y == py + 1 && m == 1 && dd == 1 && pm == 12 && pd == 31;
		if (!next_day && !next_month && !next_year)
			fail_msg("%04d-%02d-%02d follows %04d-%02d-%02d", y, m, dd, py, pm, pd);
		if (date_weekday(d) != (date_weekday(d - 1) % 7) + 1)
			fail_msg("weekday of day %d", d);
		py = y, pm = m, pd = dd;
	}
}

static void test_date_parse_strict(void **state)
{
	(void)state;
	int32_t d = 12345;
	static const char *const bad[] = {
		"", "2024-02-30", "2023-02-29", "1900-02-29", "2024-13-01",
		"2024-00-10", "2024-01-00", "2024-1-01", "2024-01-1",
		"2024/01/01", " 2024-01-01", "2024-01-01 ", "2024-01-01x",
		"20240101", "0000-01-01", "2024-0a-01", "+024-01-01", "2024--1-01",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (date_parse(bad[i], &d))
			fail_msg("date_parse accepted \"%s\"", bad[i]);
	expect_int(12345, d);	/* untouched on failure */
	assert_false(date_parse(NULL, &d));

	assert_true(date_parse("2024-02-29", &d));
	expect_int(date_from_ymd(2024, 2, 29), d);
	assert_true(date_parse("2000-02-29", &d));
	assert_true(date_parse("0001-01-01", &d));
	assert_true(date_parse("9999-12-31", &d));
	assert_true(date_parse_n("2024-02-29,holiday", 10, &d));
	assert_false(date_parse_n("2024-02-29", 9, &d));
}

static void test_date_format(void **state)
{
	(void)state;
	char buf[DATE_STR_SIZE];

	assert_string_equal("1970-01-01", date_format(0, buf));
	assert_string_equal("2024-02-29", date_format(date_from_ymd(2024, 2, 29), buf));
	assert_string_equal("0001-01-01", date_format(date_from_ymd(1, 1, 1), buf));
	assert_string_equal("9999-12-31", date_format(date_from_ymd(9999, 12, 31), buf));
}

/* ---- a tiny calendar: logic without the file ----------------------------- */

/*
 * January 2030: the 1st is a Tuesday. Mark Wed 2030-01-02 a holiday and
 * Sat 2030-01-05 a worked Saturday.
 *
 *   Mo Tu We Th Fr Sa Su
 *       1  2H 3  4  5W 6
 *    7  8  9 10 11 12 13
 */
static struct calendar *tiny_calendar(void)
{
	struct calendar *cal = calendar_new();

	calendar_set(cal, D("2030-01-05"), DAY_WORKDAY);
	calendar_set_named(cal, D("2030-01-02"), DAY_HOLIDAY, "测试假日");
	return cal;
}

static void test_tiny_is_workday(void **state)
{
	(void)state;
	struct calendar *cal = tiny_calendar();

	assert_true(calendar_is_workday(cal, D("2030-01-01")));
	assert_false(calendar_is_workday(cal, D("2030-01-02")));
	assert_true(calendar_is_workday(cal, D("2030-01-05")));
	assert_false(calendar_is_workday(cal, D("2030-01-06")));
	assert_false(calendar_is_workday(cal, D("2030-01-12")));
	assert_string_equal("测试假日", calendar_lookup(cal, D("2030-01-02"))->name);
	assert_string_equal("", calendar_lookup(cal, D("2030-01-05"))->name);
	assert_null(calendar_lookup(cal, D("2030-01-03")));
	expect_int(2, calendar_size(cal));

	/* Replacing keeps one entry per date. */
	calendar_set(cal, D("2030-01-02"), DAY_HOLIDAY);
	expect_int(2, calendar_size(cal));
	calendar_free(cal);
}

static void test_tiny_add(void **state)
{
	(void)state;
	struct calendar *cal = tiny_calendar();

	/* From Tue 1st: Thu 3 (1, Wed 2 is a holiday), Fri 4 (2), Sat 5 (3,
	 * worked), Mon 7 (4), ... Fri 11 (8), Mon 14 (9). */
	expect_date("2030-01-03", workdays_add(cal, D("2030-01-01"), 1));
	expect_date("2030-01-05", workdays_add(cal, D("2030-01-01"), 3));
	expect_date("2030-01-07", workdays_add(cal, D("2030-01-01"), 4));
	expect_date("2030-01-14", workdays_add(cal, D("2030-01-01"), 9));
	/* The start day is never counted, even a holiday or a Sunday. */
	expect_date("2030-01-03", workdays_add(cal, D("2030-01-02"), 1));
	expect_date("2030-01-07", workdays_add(cal, D("2030-01-06"), 1));
	expect_date("2030-01-06", workdays_add(cal, D("2030-01-06"), 0));
	/* Backwards: before Mon 7th come Sat 5 (worked), Fri 4, Thu 3, Tue 1. */
	expect_date("2030-01-05", workdays_add(cal, D("2030-01-07"), -1));
	expect_date("2030-01-01", workdays_add(cal, D("2030-01-07"), -4));
	calendar_free(cal);
}

static void test_tiny_between(void **state)
{
	(void)state;
	struct calendar *cal = tiny_calendar();

	/* (Tue 1, Mon 7]: Thu 3, Fri 4, Sat 5, Mon 7 = 4. */
	expect_int(4, workdays_between(cal, D("2030-01-01"), D("2030-01-07")));
	expect_int(-4, workdays_between(cal, D("2030-01-07"), D("2030-01-01")));
	expect_int(0, workdays_between(cal, D("2030-01-01"), D("2030-01-01")));
	/* (Tue 1, Wed 2]: only the holiday. */
	expect_int(0, workdays_between(cal, D("2030-01-01"), D("2030-01-02")));
	/* (Sat 5, Sun 6]: nothing; (Fri 4, Sat 5]: the worked Saturday. */
	expect_int(0, workdays_between(cal, D("2030-01-05"), D("2030-01-06")));
	expect_int(1, workdays_between(cal, D("2030-01-04"), D("2030-01-05")));
	/* A plain year without adjustments: 2031 has 365 days, 52 weeks + 1
	 * day; 2031-12-31 is a Wednesday, so 52*5 + 1 = 261. */
	expect_int(261, workdays_between(cal, D("2030-12-31"), D("2031-12-31")));
	calendar_free(cal);
}

/* workdays_between is counted arithmetically, workdays_add by walking:
 * they must agree everywhere. */
static void check_add_between_agree(const struct calendar *cal, int32_t from,
				    int32_t to)
{
	for (int32_t start = from; start <= to; start++) {
		for (int n = 0; n <= 45; n++) {
			int32_t end = workdays_add(cal, start, n);
			int got = workdays_between(cal, start, end);
			if (got != n) {
				char a[DATE_STR_SIZE], b[DATE_STR_SIZE];
				fail_msg("between(%s, %s): expected %d, got %d",
					 date_format(start, a), date_format(end, b), n, got);
			}
			if (n > 0 && !calendar_is_workday(cal, end))
				fail_msg("workdays_add landed on a rest day");
		}
	}
}

static void test_tiny_add_between_agree(void **state)
{
	(void)state;
	struct calendar *cal = tiny_calendar();

	check_add_between_agree(cal, D("2029-12-01"), D("2030-02-28"));
	calendar_free(cal);
}

/* ---- windows ------------------------------------------------------------ */

static void test_tiny_windows(void **state)
{
	(void)state;
	struct calendar *cal = tiny_calendar();

	/* Wed 2030-01-02 a holiday, Sat 01-05 worked. From Tue 01-01, 3
	 * working days: Thu 3, Fri 4, Sat 5: the window ends on the worked
	 * Saturday; the Sunday after is outside. */
	expect_date("2030-01-05", window_last_day(cal, D("2030-01-01"), 3));
	assert_true(within_workdays(cal, D("2030-01-01"), 3, D("2030-01-01")));
	assert_true(within_workdays(cal, D("2030-01-01"), 3, D("2030-01-02")));
	assert_true(within_workdays(cal, D("2030-01-01"), 3, D("2030-01-05")));
	assert_false(within_workdays(cal, D("2030-01-01"), 3, D("2030-01-06")));
	assert_false(within_workdays(cal, D("2030-01-01"), 3, D("2029-12-31")));
	/* From Thu 3, 2 working days: Fri 4, Sat 5 (worked); then the plain
	 * Sunday after is outside, though no working day has passed since. */
	expect_date("2030-01-05", window_last_day(cal, D("2030-01-03"), 2));
	assert_false(within_workdays(cal, D("2030-01-03"), 2, D("2030-01-06")));
	expect_int(2, workdays_between(cal, D("2030-01-03"), D("2030-01-06")));
	/* 0 days: the window is the day itself. */
	assert_true(within_workdays(cal, D("2030-01-06"), 0, D("2030-01-06")));
	assert_false(within_workdays(cal, D("2030-01-06"), 0, D("2030-01-07")));
	assert_false(window_over(D("2030-01-04"), D("2030-01-04")));
	assert_true(window_over(D("2030-01-04"), D("2030-01-05")));
	/* Left before Mon 7: from Fri 4, Sat 5 (worked) and Mon 7 = 2; from
	 * Sun 6, 1; on the day, 0; the day after, -1. */
	expect_int(2, workdays_left(cal, D("2030-01-04"), D("2030-01-07")));
	expect_int(1, workdays_left(cal, D("2030-01-06"), D("2030-01-07")));
	expect_int(0, workdays_left(cal, D("2030-01-07"), D("2030-01-07")));
	expect_int(-1, workdays_left(cal, D("2030-01-08"), D("2030-01-07")));
	/* Last day Fri 11: Sat 12 and Sun 13 are 1 overdue (not 0), Mon 14
	 * too, Tue 15 is 2. */
	expect_int(-1, workdays_left(cal, D("2030-01-12"), D("2030-01-11")));
	expect_int(-1, workdays_left(cal, D("2030-01-13"), D("2030-01-11")));
	expect_int(-1, workdays_left(cal, D("2030-01-14"), D("2030-01-11")));
	expect_int(-2, workdays_left(cal, D("2030-01-15"), D("2030-01-11")));
	calendar_free(cal);
}

/*
 * The window functions agree with each other for every pair of days in a
 * range: left >= 0 exactly while the window is not over, and a working
 * last day is within N working days of today exactly when 0 <= left <= N
 * (the queue's due_within=N and `ysqgk deadlines --within N` select by
 * window_last_day, the pages mark by the count).
 */
static void check_windows_agree(const struct calendar *cal, int32_t first, int32_t last)
{
	char a[DATE_STR_SIZE], b[DATE_STR_SIZE];

	for (int32_t today = first; today <= last; today++) {
		for (int32_t end = first; end <= last; end++) {
			int left = workdays_left(cal, today, end);
			if ((left >= 0) != !window_over(end, today))
				fail_msg("today %s, last day %s: left %d", date_format(today, a),
					 date_format(end, b), left);
			if (!calendar_is_workday(cal, end))
				continue;
			for (int n = 0; n <= 5; n++)
				if (within_workdays(cal, today, n, end) != (left >= 0 && left <= n))
					fail_msg("today %s, due %s, within %d: left %d",
						 date_format(today, a), date_format(end, b), n, left);
		}
	}
}

static void test_tiny_windows_agree(void **state)
{
	(void)state;
	struct calendar *cal = tiny_calendar();

	check_windows_agree(cal, D("2029-12-20"), D("2030-01-20"));
	calendar_free(cal);
}

static void test_covers(void **state)
{
	(void)state;
	struct calendar *cal = tiny_calendar();

	assert_true(calendar_covers(cal, 2030));
	assert_false(calendar_covers(cal, 2029));
	assert_false(calendar_covers(cal, 2031));
	assert_false(calendar_covers(cal, 0));
	calendar_free(cal);

	struct calendar *empty = calendar_new();
	assert_false(calendar_covers(empty, 2030));
	expect_int(1, workdays_between(empty, D("2030-01-01"), D("2030-01-02")));
	calendar_free(empty);
}

/* ---- loading ------------------------------------------------------------ */

static bool load(struct calendar *cal, const char *text, char *err, size_t errlen)
{
	return calendar_load_csv_text(cal, text, strlen(text), err, errlen);
}

static void expect_load_error(const char *text, const char *expected_part)
{
	struct calendar *cal = calendar_new();
	char err[256];

	calendar_set(cal, D("2030-01-02"), DAY_HOLIDAY);
	if (load(cal, text, err, sizeof(err)))
		fail_msg("loaded bad text, expected an error with \"%s\"", expected_part);
	if (!strstr(err, expected_part))
		fail_msg("expected an error with \"%s\", got \"%s\"", expected_part, err);
	/* All or nothing: the calendar is as before. */
	expect_int(1, calendar_size(cal));
	calendar_free(cal);
}

static void test_load_good(void **state)
{
	(void)state;
	struct calendar *cal = calendar_new();
	char err[256] = "x";
	const char *text =
		"\xEF\xBB\xBF" "date,kind,name\r\n"
		"2030-01-02,holiday,元旦\r\n"
		"\r\n"
		" 2030-01-05 , workday , 调休, 补班 \r\n"
		"2030-01-02,holiday,元旦\n"		/* same again: harmless */
		"2030-01-03,holiday,";			/* no final newline, no name */

	assert_true(load(cal, text, err, sizeof(err)));
	assert_string_equal("", err);
	expect_int(3, calendar_size(cal));
	assert_string_equal("调休, 补班", calendar_lookup(cal, D("2030-01-05"))->name);
	assert_string_equal("", calendar_lookup(cal, D("2030-01-03"))->name);
	assert_true(calendar_is_workday(cal, D("2030-01-05")));
	assert_false(calendar_is_workday(cal, D("2030-01-03")));

	/* A second file merges, replacing what it repeats. */
	assert_true(load(cal, "date,kind,name\n2030-01-03,holiday,改\n2031-01-01,holiday,元旦\n",
			 err, sizeof(err)));
	expect_int(4, calendar_size(cal));
	assert_string_equal("改", calendar_lookup(cal, D("2030-01-03"))->name);

	/* NULL err is allowed. */
	assert_false(calendar_load_csv_text(cal, "nonsense", 8, NULL, 0));
	calendar_free(cal);
}

static void test_load_errors(void **state)
{
	(void)state;
	expect_load_error("", "表头");
	expect_load_error("\r\n\r\n", "表头");
	expect_load_error("date,kind\n2030-01-02,holiday,x\n", "第1行");
	expect_load_error("date,kind,name\n2030-01-02,holiday,x\n2030-02-30,holiday,x\n",
			  "第3行");
	expect_load_error("date,kind,name\n2030-01-02,holiday,x\n2030-02-30,holiday,x\n",
			  "日期");
	expect_load_error("date,kind,name\n2030/01/02,holiday,x\n", "第2行");
	expect_load_error("date,kind,name\n2030-01-02,rest,x\n", "类型");
	expect_load_error("date,kind,name\n2030-01-02 holiday x\n", "字段不足");
	/* 2030-01-07 is a Monday: a workday entry there is a typo. */
	expect_load_error("date,kind,name\n2030-01-07,workday,x\n", "周一");
	expect_load_error("date,kind,name\n2030-01-05,workday,x\n\n2030-01-05,holiday,x\n",
			  "第4行");
	expect_load_error("date,kind,name\n2030-01-05,workday,x\n\n2030-01-05,holiday,x\n",
			  "第2行");
	expect_load_error("date,kind,name\n2030-01-02,holiday,a\tb\n", "控制字符");
	/* A line number stays right after CRLF lines. */
	expect_load_error("date,kind,name\r\n2030-01-02,holiday,x\r\nbad\r\n", "第3行");

	/* The error text is cut to fit, never overflowing. */
	struct calendar *cal = calendar_new();
	char small[8];
	assert_false(load(cal, "date,kind,name\nbad\n", small, sizeof(small)));
	assert_true(strlen(small) < sizeof(small));
	calendar_free(cal);
}

/* ---- the real calendar --------------------------------------------------- */

static void test_real_loaded(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();

	for (int y = 2019; y <= 2026; y++)
		if (!calendar_covers(cal, y))
			fail_msg("the calendar should cover %d", y);
	assert_false(calendar_covers(cal, 2018));
	/* The file lists 282 days (283 lines with the header). */
	expect_int(282, calendar_size(cal));
	assert_string_equal("春节", calendar_lookup(cal, D("2024-02-18"))->name);
}

static void test_real_spring_festival_2024(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();

	/* The CSV: 2024-02-10 (Sat) .. 02-17 (Sat) holidays; Sun 02-04 and
	 * Sun 02-18 worked. */
	assert_true(calendar_is_workday(cal, D("2024-02-04")));
	assert_false(calendar_is_workday(cal, D("2024-02-12")));	/* a Monday */
	assert_false(calendar_is_workday(cal, D("2024-02-16")));	/* a Friday */
	assert_true(calendar_is_workday(cal, D("2024-02-18")));
	assert_false(calendar_is_workday(cal, D("2024-02-25")));	/* plain Sunday */

	/* Received Thu 2024-02-01. Counting: Fri 02-02 (1), Sun 02-04 (2),
	 * Mon-Fri 02-05..09 (3-7), holidays 02-10..17, Sun 02-18 (8),
	 * 02-19..23 (9-13), 02-26..03-01 (14-18), Mon 03-04 (19),
	 * Tue 03-05 (20). */
	expect_date("2024-03-05", workdays_add(cal, D("2024-02-01"), 20));
	/* (02-09, 02-17]: all holidays and a Saturday. */
	expect_int(0, workdays_between(cal, D("2024-02-09"), D("2024-02-17")));
	/* (02-01, 02-18]: the 8 days listed above. */
	expect_int(8, workdays_between(cal, D("2024-02-01"), D("2024-02-18")));
}

static void test_real_national_day(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();

	/* 2023: 09-29 (Fri) .. 10-06 (Fri) holidays, Sat 10-07 and Sun 10-08
	 * worked. Received Wed 2023-09-27: Thu 09-28 (1), Sat 10-07 (2),
	 * Sun 10-08 (3), 10-09..13 (4-8), 10-16..20 (9-13), 10-23..27 (14-18),
	 * Mon 10-30 (19), Tue 10-31 (20). */
	expect_date("2023-10-31", workdays_add(cal, D("2023-09-27"), 20));
	expect_date("2023-10-07", workdays_add(cal, D("2023-09-28"), 1));

	/* 2024: 10-01 (Tue) .. 10-07 (Mon) holidays, Sun 09-29 and Sat 10-12
	 * worked. Received Fri 2024-09-27: Sun 09-29 (1), Mon 09-30 (2),
	 * 10-08..11 (3-6), Sat 10-12 (7), 10-14..18 (8-12), 10-21..25 (13-17),
	 * 10-28..30 (18-20). */
	expect_date("2024-10-30", workdays_add(cal, D("2024-09-27"), 20));
}

static void test_real_tiaoxiu_saturday(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();

	/* Sat 2024-10-12 is worked: a request received that day counts from
	 * Mon 10-14: 10-14..18 (5), 10-21..25 (10), 10-28..11-01 (15),
	 * 11-04..08 (20). */
	assert_true(calendar_is_workday(cal, D("2024-10-12")));
	expect_date("2024-11-08", workdays_add(cal, D("2024-10-12"), 20));
	/* The day before the worked Saturday, one working day on is that
	 * Saturday itself. */
	expect_date("2024-10-12", workdays_add(cal, D("2024-10-11"), 1));
}

static void test_real_year_ends(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();

	/* Received Wed 2023-12-20: 12-21, 12-22 (2), 12-25..29 (7), Mon
	 * 2024-01-01 is 元旦, 01-02..05 (11), 01-08..12 (16), 01-15..18 (20). */
	expect_date("2024-01-18", workdays_add(cal, D("2023-12-20"), 20));

	/* Received Thu 2025-12-25: Fri 12-26 (1), 12-29..31 (4), 2026-01-01..03
	 * holidays, Sun 01-04 worked (5), 01-05..09 (10), 01-12..16 (15),
	 * 01-19..23 (20). */
	expect_date("2026-01-23", workdays_add(cal, D("2025-12-25"), 20));
}

static void test_real_from_friday(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();

	/* Received Fri 2025-06-06, no adjustment in sight: four full weeks,
	 * 06-09..13, 16..20, 23..27, 06-30..07-04. */
	expect_date("2025-07-04", workdays_add(cal, D("2025-06-06"), 20));

	/* Received Fri 2024-03-08: 03-11..15 (5), 18..22 (10), 25..29 (15),
	 * 04-01..03 (18), 清明 04-04..06, Sun 04-07 worked (19), Mon 04-08 (20). */
	expect_date("2024-04-08", workdays_add(cal, D("2024-03-08"), 20));
}

static void test_real_windows(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();

	/* The bug of issue 10: from Wed 2026-11-25, 7 working days end on Fri
	 * 12-04; Sunday 12-06 has the same count of elapsed working days as
	 * that Friday (7) but is outside the window. */
	expect_date("2026-12-04", window_last_day(cal, D("2026-11-25"), 7));
	expect_int(7, workdays_between(cal, D("2026-11-25"), D("2026-12-06")));
	assert_true(within_workdays(cal, D("2026-11-25"), 7, D("2026-12-04")));
	assert_false(within_workdays(cal, D("2026-11-25"), 7, D("2026-12-05")));
	assert_false(within_workdays(cal, D("2026-11-25"), 7, D("2026-12-06")));
	/* Over 春节 2024 (holidays 02-10..17, Sundays 02-04 and 02-18 worked)
	 * and 国庆 2024 (10-01..07, Sun 09-29 and Sat 10-12 worked), 元旦 2026
	 * (01-01..03, Sun 01-04 worked) and 29 February. */
	check_windows_agree(cal, D("2024-01-25"), D("2024-03-10"));
	check_windows_agree(cal, D("2024-09-10"), D("2024-10-20"));
	check_windows_agree(cal, D("2025-12-20"), D("2026-01-15"));
}

static void test_real_add_between_agree(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();

	check_add_between_agree(cal, D("2023-09-01"), D("2024-03-01"));
	check_add_between_agree(cal, D("2025-12-01"), D("2026-02-28"));
	/* A whole year at once. 2024 has 366 days: 262 weekdays, minus the
	 * listed holidays on weekdays, plus the listed weekend workdays —
	 * and it must equal counting day by day. */
	int walked = 0;
	for (int32_t d = D("2024-01-01"); d <= D("2024-12-31"); d++)
		walked += calendar_is_workday(cal, d);
	expect_int(walked, workdays_between(cal, D("2023-12-31"), D("2024-12-31")));
}

/* ---- sql/cn_holidays.csv and sql/002_holidays.sql ---------------------- */

/* "date,kind,name" lines, each a malloc'ed string. */
struct day_rows {
	char **items;
	size_t count;
};

static void rows_add(struct day_rows *r, const char *date, const char *kind,
		     const char *name, size_t name_len)
{
	char *row = malloc(strlen(date) + strlen(kind) + name_len + 3);

	sprintf(row, "%s,%s,%.*s", date, kind, (int)name_len, name);
	r->items = realloc(r->items, (r->count + 1) * sizeof(*r->items));
	r->items[r->count++] = row;
}

static void rows_free(struct day_rows *r)
{
	for (size_t i = 0; i < r->count; i++)
		free(r->items[i]);
	free(r->items);
}

static bool rows_have(const struct day_rows *r, const char *row)
{
	for (size_t i = 0; i < r->count; i++)
		if (!strcmp(r->items[i], row))
			return true;
	return false;
}

/* The data lines of the CSV as they are (CRLF or LF), header left out. */
static struct day_rows csv_rows(const char *text)
{
	struct day_rows r = { NULL, 0 };

	for (const char *line = text; *line;) {
		size_t len = strcspn(line, "\n");
		const char *next = line + len + (line[len] ? 1 : 0);
		if (len && line[len - 1] == '\r')
			len--;
		char date[16], kind[16];
		int name_at = 0;
		if (len && sscanf(line, "%10[0-9-],%15[a-z],%n", date, kind, &name_at) == 2 &&
		    name_at > 0)
			rows_add(&r, date, kind, line + name_at, len - (size_t)name_at);
		line = next;
	}
	return r;
}

/* The VALUES rows of the migration: ('2024-02-10', 'holiday', '春节'). */
static struct day_rows sql_rows(const char *text)
{
	struct day_rows r = { NULL, 0 };

	for (const char *p = text; (p = strstr(p, "('")) != NULL; p += 2) {
		char date[16], kind[16], name[128];
		if (sscanf(p, "('%10[0-9-]', '%15[a-z]', '%127[^']')", date, kind, name) == 3)
			rows_add(&r, date, kind, name, strlen(name));
	}
	return r;
}

/* Reports the rows of `a` missing from `b`; returns how many. */
static size_t report_missing(const struct day_rows *a, const struct day_rows *b,
			     const char *a_name, const char *b_name)
{
	size_t missing = 0;

	for (size_t i = 0; i < a->count; i++) {
		if (rows_have(b, a->items[i]))
			continue;
		if (missing++ < 10)
			fprintf(stderr, "%s: %s is not in %s\n", a_name, a->items[i], b_name);
	}
	return missing;
}

/*
 * The migration that puts the schedules in every database and the CSV the
 * tests (and administrators, through `ysqgk holidays import`) read must
 * list the same days: a year added to one and not the other would make the
 * tests check a calendar production does not have. (A later migration
 * adding a year must be read here too.)
 */
static void test_repo_csv_matches_migration(void **state)
{
	(void)state;
	size_t csv_len = 0, sql_len = 0;
	char *csv_text = read_repo_file(REAL_CALENDAR_CSV, &csv_len);
	char *sql_text = read_repo_file("sql/002_holidays.sql", &sql_len);

	if (!csv_text || !sql_text)
		fail_msg("sql/cn_holidays.csv and sql/002_holidays.sql must both be readable");
	struct day_rows csv = csv_rows(csv_text), sql = sql_rows(sql_text);
	free(csv_text);
	free(sql_text);
	size_t bad = report_missing(&csv, &sql, "sql/cn_holidays.csv", "sql/002_holidays.sql") +
		     report_missing(&sql, &csv, "sql/002_holidays.sql", "sql/cn_holidays.csv");
	size_t csv_count = csv.count, sql_count = sql.count;
	rows_free(&csv);
	rows_free(&sql);
	expect_int(0, bad);
	expect_int(282, csv_count);	/* 2019-2026: both really were read */
	expect_int(csv_count, sql_count);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_date_known_values),
		cmocka_unit_test(test_date_round_trip),
		cmocka_unit_test(test_date_parse_strict),
		cmocka_unit_test(test_date_format),
		cmocka_unit_test(test_tiny_is_workday),
		cmocka_unit_test(test_tiny_add),
		cmocka_unit_test(test_tiny_between),
		cmocka_unit_test(test_tiny_add_between_agree),
		cmocka_unit_test(test_tiny_windows),
		cmocka_unit_test(test_tiny_windows_agree),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_real_loaded),
		cmocka_unit_test(test_real_spring_festival_2024),
		cmocka_unit_test(test_real_national_day),
		cmocka_unit_test(test_real_tiaoxiu_saturday),
		cmocka_unit_test(test_real_year_ends),
		cmocka_unit_test(test_real_from_friday),
		cmocka_unit_test(test_real_windows),
		cmocka_unit_test(test_real_add_between_agree),
		cmocka_unit_test(test_repo_csv_matches_migration),
	};

	return cmocka_run_group_tests(tests, load_real_calendar, free_real_calendar);
}
