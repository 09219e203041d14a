/*
 * Tests of domain/deadline. Cases on the real calendar (the project's
 * sql/cn_holidays.csv, real_calendar.h: a failure when missing) are worked
 * by hand in the comments; logic cases use in-test calendars.
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
#include "domain/deadline.h"
#include "domain/workdays.h"
#include "real_calendar.h"

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

#define expect_ok(err) do {						\
	enum deadline_error r_ = (err);					\
	if (r_ != DEADLINE_OK)						\
		fail_msg("expected DEADLINE_OK, got %d (%s)", r_,	\
			 deadline_error_message(r_));			\
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

#define EV(kind, date) ((struct clock_event){ CLOCK_##kind, D(date), 0 })
#define EXT(date, n) ((struct clock_event){ CLOCK_EXTENSION_APPROVED, D(date), (n) })
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

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

static struct deadline compute_ok(const struct calendar *cal,
				  const struct clock_event *ev, size_t n)
{
	struct deadline dl;

	expect_ok(deadline_compute(cal, ev, n, &dl));
	return dl;
}

/* ---- the real calendar --------------------------------------------------- */

static void test_plain_receipt(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Received Mon 2025-03-03: 03-04..07 (4), 03-10..14 (9), 03-17..21
	 * (14), 03-24..28 (19), Mon 03-31 (20). */
	struct clock_event ev[] = { EV(RECEIVED, "2025-03-03") };
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_date("2025-03-31", dl.due);
	expect_date("2025-03-03", dl.base_from);
	expect_date("2025-03-03", dl.received);
	assert_true(dl.running);
	assert_false(dl.awaiting_supplement);
	expect_int(0, dl.paused_workdays);
	expect_int(0, dl.extension_days);
}

static void test_spring_festival(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Received Thu 2024-02-01: 02-02 (1), Sun 02-04 (2), 02-05..09 (7),
	 * 春节 02-10..17, Sun 02-18 (8), 02-19..23 (13), 02-26..03-01 (18),
	 * 03-04 (19), 03-05 (20). */
	struct clock_event ev[] = { EV(RECEIVED, "2024-02-01") };

	expect_date("2024-03-05", compute_ok(cal, ev, 1).due);
}

static void test_supplement_restarts(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Received Mon 2025-03-03, 补正 asked Fri 03-07 (4 working days on:
	 * in time), supplement received Thu 03-20. Art. 30: 20 days in full
	 * from 03-20: Fri 03-21 (1), 03-24..28 (6), 03-31..04-03 (10), 清明
	 * Fri 04-04, 04-07..11 (15), 04-14..18 (20). A resume instead of a
	 * restart would keep the 4 days used and give 04-14.
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(SUPPLEMENT_ASKED, "2025-03-07"),
		EV(SUPPLEMENT_RECEIVED, "2025-03-20"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_date("2025-04-18", dl.due);
	expect_date("2025-03-20", dl.base_from);
	expect_date("2025-03-03", dl.received);
	assert_true(dl.running);
	assert_false(dl.awaiting_supplement);
	assert_false(dl.supplement_late);
	expect_int(20, deadline_remaining(cal, &dl, D("2025-03-20")));
}

static void test_awaiting_supplement(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Only asked (03-07): the clock is stopped. The due date shown is as
	 * if the supplement came on 03-07: 03-10..14 (5), 03-17..21 (10),
	 * 03-24..28 (15), 03-31..04-03 (19), 04-04 清明, Mon 04-07 (20). The
	 * remaining count stays at the full 20 however long it takes.
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(SUPPLEMENT_ASKED, "2025-03-07"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	assert_false(dl.running);
	assert_true(dl.awaiting_supplement);
	expect_date("2025-03-07", dl.stopped_since);
	expect_date("2025-04-07", dl.due);
	expect_int(20, deadline_remaining(cal, &dl, D("2025-03-07")));
	expect_int(20, deadline_remaining(cal, &dl, D("2025-03-20")));
	expect_int(20, deadline_remaining(cal, &dl, D("2025-06-30")));
}

static void test_supplement_late(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* From Mon 03-03: 03-04..07 and 03-10..12 are 7 working days (in
	 * time); Thu 03-13 is the 8th (late, but still computed). */
	struct clock_event in_time[] = {
		EV(RECEIVED, "2025-03-03"), EV(SUPPLEMENT_ASKED, "2025-03-12"),
	};
	struct clock_event late[] = {
		EV(RECEIVED, "2025-03-03"), EV(SUPPLEMENT_ASKED, "2025-03-13"),
	};

	assert_false(compute_ok(cal, in_time, 2).supplement_late);
	assert_true(compute_ok(cal, late, 2).supplement_late);
}

static void test_consultation_pause(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Received Mon 2025-03-03; a third party consulted Mon 03-10 (Art. 32)
	 * answers on its last day: 15 working days after 03-10 are 03-11..14
	 * (4), 03-17..21 (9), 03-24..28 (14), Mon 03-31 (15).
	 * Counted before the pause: 03-04..07, 03-10 = 5 (the day it was sent
	 * counts). Not counted: (03-10, 03-31] = 15. The 15 left run from
	 * 03-31: 04-01..03 (3), 清明 04-04, 04-07..11 (8), 04-14..18 (13),
	 * Mon 04-21 (14), Tue 04-22 (15).
	 */
	expect_date("2025-03-31", consultation_due(cal, D("2025-03-10")));
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(PAUSE, "2025-03-10"),
		EV(RESUME, "2025-03-31"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_date("2025-04-22", dl.due);
	expect_int(15, dl.paused_workdays);
	assert_true(dl.running);
	/* Without the pause it would be 03-31: 15 working days later. */
	expect_int(15, workdays_between(cal, D("2025-03-31"), dl.due));
}

static void test_overlapping_pauses(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Received 2025-03-03. Consultation A: 03-10 .. 03-17; B: Wed 03-12 ..
	 * Fri 03-21. The clock is stopped over (03-10, 03-21]: 03-11..14,
	 * 03-17..21 = 9 working days, not 5 + 7 = 12. Counted before: 5;
	 * the 15 left after 03-21: 03-24..28 (5), 03-31..04-03 (9), 04-04
	 * 清明, 04-07..11 (14), Mon 04-14 (15).
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(PAUSE, "2025-03-10"),
		EV(PAUSE, "2025-03-12"),
		EV(RESUME, "2025-03-17"),
		EV(RESUME, "2025-03-21"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_date("2025-04-14", dl.due);
	expect_int(9, dl.paused_workdays);

	/* The same events in another order give the same answer. */
	struct clock_event shuffled[] = { ev[4], ev[1], ev[0], ev[3], ev[2] };
	dl = compute_ok(cal, shuffled, COUNT(shuffled));
	expect_date("2025-04-14", dl.due);
	expect_int(9, dl.paused_workdays);
}

static void test_disjoint_pauses(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Received 2025-03-03; fee notice 03-05 .. paid Fri 03-07 (2 working
	 * days: 03-06, 03-07), consultation Mon 03-17 .. Wed 03-19 (2: 03-18,
	 * 03-19). 4 days not counted: 03-31 + 4 = 04-01..03, (04-04 清明),
	 * 04-07.
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(PAUSE, "2025-03-05"), EV(RESUME, "2025-03-07"),
		EV(PAUSE, "2025-03-17"), EV(RESUME, "2025-03-19"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_int(4, dl.paused_workdays);
	expect_date("2025-04-07", dl.due);
}

static void test_pause_same_day_costs_nothing(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(PAUSE, "2025-03-10"),
		EV(RESUME, "2025-03-10"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_int(0, dl.paused_workdays);
	expect_date("2025-03-31", dl.due);
}

static void test_pause_on_receipt_day(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Received and consultation sent the same day, Mon 2025-03-03; answer
	 * Mon 03-10. Not counted: (03-03, 03-10] = 03-04..07, 03-10 = 5. The
	 * 20 days then run from 03-10: 03-11..14 (4), 03-17..21 (9),
	 * 03-24..28 (14), 03-31..04-03 (18), 04-04 清明, 04-07 (19), 04-08 (20).
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(PAUSE, "2025-03-03"),
		EV(RESUME, "2025-03-10"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_int(5, dl.paused_workdays);
	expect_date("2025-04-08", dl.due);

	/* Listed before the receipt on the same day: the receipt still
	 * goes first. */
	struct clock_event swapped[] = { ev[1], ev[0], ev[2] };
	dl = compute_ok(cal, swapped, COUNT(swapped));
	expect_date("2025-04-08", dl.due);
}

static void test_pause_after_due(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Due 2025-03-31; a consultation started 04-02 does not cure the
	 * delay. */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(PAUSE, "2025-04-02"),
		EV(RESUME, "2025-04-10"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_date("2025-03-31", dl.due);
	expect_int(0, dl.paused_workdays);
	/* Started on the due day itself: still in time, so its time is
	 * excluded (Art. 33 ¶3): (03-31, 04-10] = 04-01..03, 04-07..10 = 7
	 * (04-04 清明); no counted day is left, so the due day is 04-10,
	 * the day the answer came. */
	ev[1].date = D("2025-03-31");
	dl = compute_ok(cal, ev, COUNT(ev));
	expect_int(7, dl.paused_workdays);
	expect_date("2025-04-10", dl.due);
	/* Started on the Saturday right after a Friday due day: after it. */
	struct clock_event fri[] = {
		EV(RECEIVED, "2025-02-28"),	/* due Fri 2025-03-28 */
		EV(PAUSE, "2025-03-29"),
		EV(RESUME, "2025-04-10"),
	};
	dl = compute_ok(cal, fri, COUNT(fri));
	expect_date("2025-03-28", dl.due);
	expect_int(0, dl.paused_workdays);
	/* Started the working day before: the due day was not yet reached;
	 * paused (03-28, 04-10] = 03-31, 04-01..03, 04-07..10 = 8; the one
	 * day left is Fri 04-11. */
	ev[1].date = D("2025-03-28");
	dl = compute_ok(cal, ev, COUNT(ev));
	expect_int(8, dl.paused_workdays);
	expect_date("2025-04-11", dl.due);
}

static void test_pause_on_the_due_day(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Issue 11.7: received Tue 2026-11-03; 20 working days: 11-04..06 (3),
	 * 11-09..13 (8), 11-16..20 (13), 11-23..27 (18), 11-30 (19), Tue
	 * 12-01 (20). A consultation sent on 12-01 (the due day, still in
	 * time) and answered Fri 12-04 excludes (12-01, 12-04] = 3 working
	 * days (Art. 33 ¶3): due 12-04, not overdue when the answer comes.
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2026-11-03"),
		EV(PAUSE, "2026-12-01"),
		EV(RESUME, "2026-12-04"),
	};
	struct deadline before = compute_ok(cal, ev, 1);
	expect_date("2026-12-01", before.due);
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));
	expect_date("2026-12-04", dl.due);
	expect_int(3, dl.paused_workdays);
	expect_int(0, deadline_remaining(cal, &dl, D("2026-12-04")));
	/* While it is open the standing is that of the due day: due today,
	 * never overdue. */
	struct deadline open = compute_ok(cal, ev, 2);
	assert_false(open.running);
	expect_int(0, deadline_remaining(cal, &open, D("2026-12-03")));
	/* A second consultation sent on the new due day moves it again. */
	struct clock_event again[] = {
		ev[0], ev[1], ev[2],
		EV(PAUSE, "2026-12-04"),
		EV(RESUME, "2026-12-08"),
	};
	dl = compute_ok(cal, again, COUNT(again));
	expect_date("2026-12-08", dl.due);
	/* One sent the day after the due day does not. */
	ev[1].date = D("2026-12-02");
	dl = compute_ok(cal, ev, COUNT(ev));
	expect_date("2026-12-01", dl.due);
}

static void test_open_pause(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Consultation sent 03-10, no answer yet: clock stopped since 03-10
	 * with (03-10, 03-31] = 15 working days left, frozen. */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(PAUSE, "2025-03-10"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	assert_false(dl.running);
	assert_false(dl.awaiting_supplement);
	expect_date("2025-03-10", dl.stopped_since);
	expect_date("2025-03-31", dl.due);
	expect_int(15, deadline_remaining(cal, &dl, D("2025-03-10")));
	expect_int(15, deadline_remaining(cal, &dl, D("2025-03-20")));
	expect_int(15, deadline_remaining(cal, &dl, D("2025-05-20")));
	/* A today before the pause (a back-dated view) counts normally:
	 * (03-05, 03-31] = 03-06, 07 + 3 weeks + 03-31 = 18. */
	expect_int(18, deadline_remaining(cal, &dl, D("2025-03-05")));
}

static void test_extension(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Received Wed 2023-12-20: due 2024-01-18 (see test_workdays).
	 * Extended by 20 on 01-15 (Art. 33): Fri 01-19 (1), 01-22..26 (6),
	 * 01-29..02-02 (11), Sun 02-04 worked (12), 02-05..09 (17), 春节
	 * 02-10..17, Sun 02-18 worked (18), 02-19 (19), Tue 02-20 (20).
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2023-12-20"),
		EXT("2024-01-15", 20),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_date("2024-02-20", dl.due);
	expect_int(20, dl.extension_days);

	/* Two extensions of 10 come to the same. */
	struct clock_event twice[] = {
		EV(RECEIVED, "2023-12-20"),
		EXT("2024-01-10", 10),
		EXT("2024-01-15", 10),
	};
	expect_date("2024-02-20", compute_ok(cal, twice, COUNT(twice)).due);
}

static void test_year_end_with_pause(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Received Thu 2025-12-25 (due 2026-01-23, see test_workdays); fee
	 * notice Mon 12-29, paid Mon 2026-01-05: not counted (12-29, 01-05] =
	 * 12-30, 12-31, (01-01..03 元旦), Sun 01-04 worked, 01-05 = 4. Due
	 * 4 working days after 01-23: 01-26..29 → Thu 2026-01-29.
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-12-25"),
		EV(PAUSE, "2025-12-29"),
		EV(RESUME, "2026-01-05"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	expect_int(4, dl.paused_workdays);
	expect_date("2026-01-29", dl.due);
}

static void test_pause_across_supplement(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * A pause before the 补正 is forgotten by the restart; one still open
	 * when the supplement comes counts from that day.
	 * Received 03-03; pause 03-04..03-06 (forgotten); pause 03-05 open;
	 * asked 03-06; supplement 03-20; that pause resumed Tue 03-25: not
	 * counted (03-20, 03-25] = 03-21, 03-24, 03-25 = 3. The 20 days from
	 * 03-25: 03-26..28 (3), 03-31..04-03 (7), 04-07..11 (12), 04-14..18
	 * (17), 04-21..23 (20).
	 */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-03-03"),
		EV(PAUSE, "2025-03-04"),
		EV(PAUSE, "2025-03-05"),
		EV(RESUME, "2025-03-06"),
		EV(SUPPLEMENT_ASKED, "2025-03-06"),
		EV(SUPPLEMENT_RECEIVED, "2025-03-20"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	assert_false(dl.running);
	expect_date("2025-03-20", dl.stopped_since);
	expect_date("2025-04-18", dl.due);	/* provisional */

	struct clock_event all[COUNT(ev) + 1];
	memcpy(all, ev, sizeof(ev));
	all[COUNT(ev)] = EV(RESUME, "2025-03-25");
	dl = compute_ok(cal, all, COUNT(all));
	assert_true(dl.running);
	expect_int(3, dl.paused_workdays);
	expect_date("2025-04-23", dl.due);
}

static void test_remaining(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	struct clock_event ev[] = { EV(RECEIVED, "2025-03-03") };
	struct deadline dl = compute_ok(cal, ev, 1);

	/* Due Mon 03-31. */
	expect_int(20, deadline_remaining(cal, &dl, D("2025-03-03")));
	expect_int(1, deadline_remaining(cal, &dl, D("2025-03-28")));
	expect_int(1, deadline_remaining(cal, &dl, D("2025-03-30")));	/* Sunday */
	expect_int(0, deadline_remaining(cal, &dl, D("2025-03-31")));
	expect_int(-1, deadline_remaining(cal, &dl, D("2025-04-01")));
	/* (03-31, 04-07] = 04-01..03, 04-07 (04-04 is 清明). */
	expect_int(-4, deadline_remaining(cal, &dl, D("2025-04-07")));
}

/*
 * ---- the windows, on rest days ----------------------------------------
 *
 * Every window ends with its last day (workdays.h): a day after it is
 * outside even when it is a weekend or a holiday and no working day has
 * passed since. Each case names the kind of day "today" is.
 */

struct day_case {
	const char *from;	/* received / asked / sent / notice day */
	const char *day;	/* "today", or the day something was done */
	bool inside;
	const char *why;
};

static void expect_case(bool got, const struct day_case *c)
{
	if (got != c->inside)
		fail_msg("from %s, on %s (%s): expected %s", c->from, c->day, c->why,
			 c->inside ? "inside the window" : "outside");
}

static void test_supplement_window(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Art. 30: a 补正 is asked within 7 working days of receipt: from the
	 * day of receipt to the 7th working day after it, not on the rest
	 * days that follow that day.
	 */
	static const struct day_case cases[] = {
		/* The bug of issue 10. Received Wed 2026-11-25, 8 working days
		 * before Sun 12-06: 11-26, 27 (2), 11-30..12-04 (7): the last day
		 * is Fri 12-04. Counting elapsed days, Sat 12-05 and Sun 12-06
		 * still had 7 and let the 补正 through. */
		{ "2026-11-25", "2026-12-04", true, "Friday, the 7th working day" },
		{ "2026-11-25", "2026-12-05", false, "Saturday after the last day" },
		{ "2026-11-25", "2026-12-06", false, "Sunday after the last day" },
		/* Received Thu 11-26, 7 working days before that Sunday: 11-27,
		 * 11-30..12-04 (6), Mon 12-07 (7). The weekend is inside. */
		{ "2026-11-26", "2026-12-06", true, "Sunday before a Monday last day" },
		{ "2026-11-26", "2026-12-07", true, "Monday, the 7th working day" },
		{ "2026-11-26", "2026-12-08", false, "Tuesday after it" },
		/* Received Thu 2024-02-01: 02-02 (1), Sun 02-04 worked (2),
		 * 02-05..09 (7): last day Fri 02-09; 春节 02-10..17 is after it. */
		{ "2024-02-01", "2024-02-01", true, "the day of receipt itself" },
		{ "2024-02-01", "2024-02-04", true, "调休 working Sunday, the 2nd" },
		{ "2024-02-01", "2024-02-09", true, "Friday, the 7th" },
		{ "2024-02-01", "2024-02-10", false, "Saturday, first day of 春节" },
		{ "2024-02-01", "2024-02-12", false, "Monday in 春节" },
		{ "2024-02-01", "2024-02-17", false, "last day of 春节, a Saturday" },
		{ "2024-02-01", "2024-02-18", false, "调休 working Sunday, the 8th" },
		/* Received Fri 2024-02-02: Sun 02-04 (1), 02-05..09 (6), 春节,
		 * Sun 02-18 worked (7): the holiday is inside, the window ends on
		 * the worked Sunday. */
		{ "2024-02-02", "2024-02-12", true, "Monday in 春节, before the last day" },
		{ "2024-02-02", "2024-02-18", true, "调休 working Sunday, the 7th" },
		{ "2024-02-02", "2024-02-19", false, "Monday after it" },
		/* Received Wed 2024-09-18 (after 中秋 09-15..17): 09-19, 20 (2),
		 * 09-23..27 (7): last day Fri 09-27. */
		{ "2024-09-18", "2024-09-28", false, "Saturday after the last day" },
		{ "2024-09-18", "2024-09-29", false, "调休 working Sunday, the 8th" },
		{ "2024-09-18", "2024-10-01", false, "国庆 holiday" },
		/* Received Tue 2024-09-24: 09-25..27 (3), Sun 09-29 worked (4),
		 * 09-30 (5), 国庆 10-01..07, 10-08 (6), Wed 10-09 (7). */
		{ "2024-09-24", "2024-09-29", true, "调休 working Sunday, the 4th" },
		{ "2024-09-24", "2024-10-01", true, "国庆 holiday before the last day" },
		{ "2024-09-24", "2024-10-09", true, "Wednesday, the 7th" },
		{ "2024-09-24", "2024-10-10", false, "Thursday after it" },
		/* Received Mon 2025-12-22: 12-23..26 (4), 12-29..31 (7): last day
		 * Wed 31 December; 元旦 2026-01-01..03, Sun 01-04 worked. */
		{ "2025-12-22", "2025-12-31", true, "31 December, the 7th" },
		{ "2025-12-22", "2026-01-01", false, "元旦" },
		{ "2025-12-22", "2026-01-03", false, "Saturday in 元旦" },
		{ "2025-12-22", "2026-01-04", false, "调休 working Sunday, the 8th" },
		/* Received Tue 2024-02-20: 02-21..23 (3), 02-26..29 (7). */
		{ "2024-02-20", "2024-02-29", true, "29 February, the 7th" },
		{ "2024-02-20", "2024-03-01", false, "1 March" },
	};

	for (size_t i = 0; i < COUNT(cases); i++)
		expect_case(supplement_request_allowed(cal, D(cases[i].from), D(cases[i].day)),
			    &cases[i]);
	/* Before the receipt there is nothing to ask about. */
	assert_false(supplement_request_allowed(cal, D("2024-02-01"), D("2024-01-31")));
}

static void test_supplement_late_on_a_weekend(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* The same window marks a 补正 already sent as late (Art. 30):
	 * received Wed 2026-11-25, last day Fri 12-04; asked Sat 12-05. */
	struct clock_event on_friday[] = {
		EV(RECEIVED, "2026-11-25"), EV(SUPPLEMENT_ASKED, "2026-12-04"),
	};
	struct clock_event on_saturday[] = {
		EV(RECEIVED, "2026-11-25"), EV(SUPPLEMENT_ASKED, "2026-12-05"),
	};

	assert_false(compute_ok(cal, on_friday, 2).supplement_late);
	assert_true(compute_ok(cal, on_saturday, 2).supplement_late);
}

static void test_supplement_answer_by(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * The applicant's period (10 working days by default, workflow.c):
	 * answer_by = window_last_day(asked, 10); an answer counts while
	 * !window_over(answer_by, day), and `ysqgk deadlines` closes the
	 * request on the first day window_over() holds.
	 */
	/* Asked Fri 2024-02-09: 春节, Sun 02-18 worked (1), 02-19..23 (6),
	 * 02-26..29 (10): 29 February. */
	expect_date("2024-02-29", window_last_day(cal, D("2024-02-09"), 10));
	/* Asked Fri 2024-09-27: Sun 09-29 (1), 09-30 (2), 国庆 10-01..07,
	 * 10-08..11 (6), Sat 10-12 worked (7), 10-14..16 (10). */
	expect_date("2024-10-16", window_last_day(cal, D("2024-09-27"), 10));
	/* Asked Wed 2025-12-24: 12-25, 26 (2), 12-29..31 (5), 元旦, Sun
	 * 2026-01-04 worked (6), 01-05..08 (10). */
	expect_date("2026-01-08", window_last_day(cal, D("2025-12-24"), 10));

	static const struct day_case cases[] = {
		{ "2024-02-29", "2024-02-29", true, "29 February, the last day" },
		{ "2024-02-29", "2024-03-01", false, "the day after" },
		{ "2024-10-16", "2024-10-01", true, "国庆 holiday" },
		{ "2024-10-16", "2024-10-12", true, "调休 working Saturday" },
		{ "2024-10-16", "2024-10-17", false, "the day after" },
		{ "2026-01-08", "2025-12-31", true, "31 December" },
		{ "2026-01-08", "2026-01-09", false, "the day after" },
		/* A last day on a Friday: the weekend after it is outside,
		 * so the daily run closes the request on the Saturday. */
		{ "2026-12-04", "2026-12-05", false, "Saturday after it" },
		{ "2026-12-04", "2026-12-06", false, "Sunday after it" },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		expect_case(!window_over(D(cases[i].from), D(cases[i].day)), &cases[i]);
}

/* The project's calendar holds 2019..2026: a due date in 2027 is
 * provisional (counted on weekdays only) and still computed. */
static void test_provisional_past_the_calendar(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	assert_false(deadline_provisional(cal, D("2026-12-31")));
	assert_false(deadline_provisional(cal, D("2019-01-02")));
	assert_true(deadline_provisional(cal, D("2027-01-01")));
	assert_true(deadline_provisional(cal, D("2018-12-31")));
	/* Received Mon 2026-12-07: 20 weekdays on, 2027's 元旦 unknown. */
	int32_t due = window_last_day(cal, D("2026-12-07"), OGI_REPLY_WORKDAYS);
	expect_date("2027-01-04", due);
	assert_true(deadline_provisional(cal, due));
}

/* The administrators' banner: this year's schedule always, next year's
 * from 1 November (Beijing date) on. A calendar of 2026 alone, then with
 * 2027. */
static void test_holiday_schedule_missing(void **state)
{
	(void)state;
	struct calendar *cal = calendar_new();
	calendar_set(cal, D("2026-10-01"), DAY_HOLIDAY);
	expect_int(0, holiday_schedule_missing(cal, D("2026-06-30")));
	expect_int(0, holiday_schedule_missing(cal, D("2026-10-31")));
	expect_int(2027, holiday_schedule_missing(cal, D("2026-11-01")));
	expect_int(2027, holiday_schedule_missing(cal, D("2026-12-31")));
	expect_int(2027, holiday_schedule_missing(cal, D("2027-03-01")));
	expect_int(2025, holiday_schedule_missing(cal, D("2025-12-01")));
	calendar_set(cal, D("2027-01-01"), DAY_HOLIDAY);
	expect_int(0, holiday_schedule_missing(cal, D("2026-11-01")));
	expect_int(0, holiday_schedule_missing(cal, D("2027-10-31")));
	expect_int(2028, holiday_schedule_missing(cal, D("2027-11-01")));
	calendar_free(cal);
}

static void test_consultation_due(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Sent Wed 2023-09-27: 09-28 (1), 国庆 09-29..10-06, Sat 10-07 (2),
	 * Sun 10-08 (3), 10-09..13 (8), 10-16..20 (13), 10-23 (14), 10-24. */
	expect_date("2023-10-24", consultation_due(cal, D("2023-09-27")));
	/* Received on a holiday, Tue 2024-10-01: 10-08..11 (4), Sat 10-12
	 * worked (5), 10-14..18 (10), 10-21..25 (15); the same as from the
	 * working day before, Mon 09-30. */
	expect_date("2024-10-25", consultation_due(cal, D("2024-10-01")));
	expect_date("2024-10-25", consultation_due(cal, D("2024-09-30")));
	/* Received on the worked Sunday 2024-02-04: 02-05..09 (5), 春节,
	 * Sun 02-18 (6), 02-19..23 (11), 02-26..29 (15): 29 February. */
	expect_date("2024-02-29", consultation_due(cal, D("2024-02-04")));
	/* Received Wed 2025-12-31: 元旦, Sun 01-04 worked (1), 01-05..09 (6),
	 * 01-12..16 (11), 01-19..22 (15). */
	expect_date("2026-01-22", consultation_due(cal, D("2025-12-31")));

	/* Silence (Art. 32, 34) is recorded once the window is over: on the
	 * Saturday after a Friday last day, not on the Friday. */
	static const struct day_case cases[] = {
		{ "2024-10-25", "2024-10-25", true, "Friday, the 15th day" },
		{ "2024-10-25", "2024-10-26", false, "Saturday after it" },
		{ "2024-02-29", "2024-02-29", true, "29 February, the 15th" },
		{ "2024-02-29", "2024-03-01", false, "1 March" },
		{ "2026-01-22", "2026-01-04", true, "调休 working Sunday" },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		expect_case(!window_over(D(cases[i].from), D(cases[i].day)), &cases[i]);
}

static void test_extension_window(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Art. 33 ¶2: consent within the period it extends. Received Fri
	 * 2025-06-06: due Fri 07-04 (test_workdays). */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-06-06"),
		EV(PAUSE, "2025-07-03"),
	};
	struct deadline dl = compute_ok(cal, ev, 1);

	expect_date("2025-07-04", dl.due);
	assert_true(extension_allowed(cal, &dl, D("2025-07-04")));	/* the due day */
	assert_false(extension_allowed(cal, &dl, D("2025-07-05")));	/* Saturday */
	assert_false(extension_allowed(cal, &dl, D("2025-07-06")));	/* Sunday */
	/* A consultation sent the day before the due day stops the clock
	 * with a day left: still in time weeks later. */
	dl = compute_ok(cal, ev, 2);
	assert_true(extension_allowed(cal, &dl, D("2025-07-20")));
	/* One sent after it does not cure the delay. */
	ev[1].date = D("2025-07-07");
	dl = compute_ok(cal, ev, 2);
	assert_false(extension_allowed(cal, &dl, D("2025-07-20")));

	/* Received Mon 2024-09-02: due Mon 09-30, the eve of 国庆; on the
	 * holiday Tue 10-01 it is overdue. */
	struct clock_event before_holiday[] = { EV(RECEIVED, "2024-09-02") };
	dl = compute_ok(cal, before_holiday, 1);
	expect_date("2024-09-30", dl.due);
	assert_true(extension_allowed(cal, &dl, D("2024-09-29")));	/* 调休 Sunday */
	assert_false(extension_allowed(cal, &dl, D("2024-10-01")));
}

static void test_fee_pay_by(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Pay within 20 working days of the notice (the 2020 measures;
	 * workflow.c's default): pay_by = window_last_day(notice, 20). */
	/* Notice Thu 2024-02-01: due Tue 03-05 (see test_spring_festival). */
	expect_date("2024-03-05", window_last_day(cal, D("2024-02-01"), 20));
	/* Notice on the worked Saturday 2024-10-12: 10-14..18 (5), 10-21..25
	 * (10), 10-28..11-01 (15), 11-04..08 (20). */
	expect_date("2024-11-08", window_last_day(cal, D("2024-10-12"), 20));
	/* Notice Tue 2024-12-31: 2025-01-02..03 (2; 01-01 元旦), 01-06..10
	 * (7), 01-13..17 (12), 01-20..24 (17), Sun 01-26 worked (18), 01-27
	 * (19), 春节 01-28..02-04, Wed 02-05 (20). */
	expect_date("2025-02-05", window_last_day(cal, D("2024-12-31"), 20));

	static const struct day_case cases[] = {
		{ "2024-03-05", "2024-02-12", true, "paid in 春节" },
		{ "2024-03-05", "2024-02-29", true, "paid on 29 February" },
		{ "2024-03-05", "2024-03-05", true, "paid on the last day" },
		{ "2024-03-05", "2024-03-06", false, "paid the day after" },
		{ "2025-02-05", "2024-12-31", true, "paid on 31 December" },
		{ "2025-02-05", "2025-02-01", true, "paid in 春节, a Saturday" },
		{ "2024-11-08", "2024-11-09", false, "Saturday after a Friday last day" },
	};
	for (size_t i = 0; i < COUNT(cases); i++)
		expect_case(!window_over(D(cases[i].from), D(cases[i].day)), &cases[i]);
}

/* deadline_remaining on a running clock due on `due`. */
static int left_on(const struct calendar *cal, const char *due, const char *today)
{
	struct deadline dl = { .due = D(due), .running = true };
	return deadline_remaining(cal, &dl, D(today));
}

static void test_days_left_on_rest_days(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * The count of the status page, the staff request page, the queue and
	 * `ysqgk deadlines`: working days after today up to the due day; 0 on
	 * the due day (今天到期); overdue from the day after, rest days
	 * included (at least 1).
	 */
	/* Due Fri 2026-12-04 (a request received Fri 11-06). */
	expect_int(1, left_on(cal, "2026-12-04", "2026-12-03"));
	expect_int(0, left_on(cal, "2026-12-04", "2026-12-04"));
	expect_int(-1, left_on(cal, "2026-12-04", "2026-12-05"));	/* Saturday */
	expect_int(-1, left_on(cal, "2026-12-04", "2026-12-06"));	/* Sunday */
	expect_int(-1, left_on(cal, "2026-12-04", "2026-12-07"));	/* Monday */
	expect_int(-2, left_on(cal, "2026-12-04", "2026-12-08"));
	/* Due Mon 2026-12-07: on the weekend before, 1 left (the Monday). */
	expect_int(1, left_on(cal, "2026-12-07", "2026-12-04"));
	expect_int(1, left_on(cal, "2026-12-07", "2026-12-05"));
	expect_int(1, left_on(cal, "2026-12-07", "2026-12-06"));
	/* Due Mon 2024-09-30, the eve of 国庆 (10-01..07, Sat 10-12 worked):
	 * every holiday after it is 1 day overdue, Tue 10-08 too, Wed 10-09 2. */
	expect_int(1, left_on(cal, "2024-09-30", "2024-09-29"));	/* 调休 Sunday */
	expect_int(-1, left_on(cal, "2024-09-30", "2024-10-01"));
	expect_int(-1, left_on(cal, "2024-09-30", "2024-10-07"));
	expect_int(-1, left_on(cal, "2024-09-30", "2024-10-08"));
	expect_int(-2, left_on(cal, "2024-09-30", "2024-10-09"));
	/* Due Tue 2024-10-08: on the holiday 10-01, 1 left. */
	expect_int(1, left_on(cal, "2024-10-08", "2024-10-01"));
	/* The worked Saturday 2024-10-12 counts as a day: due Fri 10-11, it
	 * is 1 overdue; due Mon 10-14, 1 left. */
	expect_int(-1, left_on(cal, "2024-10-11", "2024-10-12"));
	expect_int(1, left_on(cal, "2024-10-14", "2024-10-12"));
	/* Due Wed 31 December 2025 (received Wed 12-03): 元旦 2026-01-01..03,
	 * Sun 01-04 worked. */
	expect_int(0, left_on(cal, "2025-12-31", "2025-12-31"));
	expect_int(-1, left_on(cal, "2025-12-31", "2026-01-01"));
	expect_int(-1, left_on(cal, "2025-12-31", "2026-01-04"));
	expect_int(-2, left_on(cal, "2025-12-31", "2026-01-05"));
	/* Due Thu 29 February 2024 (received Mon 01-29). */
	expect_int(1, left_on(cal, "2024-02-29", "2024-02-28"));
	expect_int(0, left_on(cal, "2024-02-29", "2024-02-29"));
	expect_int(-1, left_on(cal, "2024-02-29", "2024-03-01"));
	/* Due on the worked Sunday 2024-02-18: from the 春节 Saturday before,
	 * 1 left. */
	expect_int(1, left_on(cal, "2024-02-18", "2024-02-10"));

	/* The receipts named above give those due dates. */
	struct clock_event ev[] = { EV(RECEIVED, "2026-11-06") };
	expect_date("2026-12-04", compute_ok(cal, ev, 1).due);
	ev[0].date = D("2025-12-03");
	expect_date("2025-12-31", compute_ok(cal, ev, 1).due);
	ev[0].date = D("2024-01-29");
	expect_date("2024-02-29", compute_ok(cal, ev, 1).due);
}

static void test_days_left_frozen_while_stopped(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Due Fri 2025-07-04; a consultation sent Sat 07-05, after it: the
	 * count stays at its value on the Saturday, 1 overdue. */
	struct clock_event ev[] = {
		EV(RECEIVED, "2025-06-06"),
		EV(PAUSE, "2025-07-05"),
	};
	struct deadline dl = compute_ok(cal, ev, COUNT(ev));

	assert_false(dl.running);
	expect_date("2025-07-04", dl.due);
	expect_int(-1, deadline_remaining(cal, &dl, D("2025-07-20")));
	expect_date("2025-07-05", deadline_judged_on(dl.running, dl.stopped_since,
						     D("2025-07-20")));
	expect_date("2025-07-20", deadline_judged_on(true, dl.stopped_since,
						     D("2025-07-20")));
}

/* ---- logic on in-test calendars ------------------------------------------ */

static void test_plain_weeks(void **state)
{
	(void)state;
	struct calendar *cal = calendar_new();	/* no adjustments */
	/* Tue 2030-01-01 + 20 weekdays = four weeks on, Tue 01-29. */
	struct clock_event ev[] = {
		EV(RECEIVED, "2030-01-01"),
		EV(PAUSE, "2030-01-04"),	/* Fri */
		EV(RESUME, "2030-01-07"),	/* Mon: only Mon is lost */
	};
	struct deadline dl = compute_ok(cal, ev, 1);

	expect_date("2030-01-29", dl.due);
	dl = compute_ok(cal, ev, COUNT(ev));
	expect_int(1, dl.paused_workdays);
	expect_date("2030-01-30", dl.due);

	/* A paused weekend costs nothing: Fri .. Sun. */
	ev[2].date = D("2030-01-06");
	dl = compute_ok(cal, ev, COUNT(ev));
	expect_int(0, dl.paused_workdays);
	expect_date("2030-01-29", dl.due);
	calendar_free(cal);
}

static void test_tiny_calendar(void **state)
{
	(void)state;
	struct calendar *cal = calendar_new();
	/* Wed 2030-01-02 a holiday, Sat 01-05 worked: received Tue 01-01,
	 * the 20 days are 01-03, 04, 05, 07..11, 14..18, 21..25, 28, 29. */
	calendar_set(cal, D("2030-01-02"), DAY_HOLIDAY);
	calendar_set(cal, D("2030-01-05"), DAY_WORKDAY);
	struct clock_event ev[] = {
		EV(RECEIVED, "2030-01-01"),
		EV(PAUSE, "2030-01-01"),
		EV(RESUME, "2030-01-05"),
	};
	struct deadline dl = compute_ok(cal, ev, 1);

	expect_date("2030-01-29", dl.due);
	/* Paused (01-01, 01-05] = 01-03, 04, 05 = 3: due three weekdays
	 * later, Fri 02-01. */
	dl = compute_ok(cal, ev, COUNT(ev));
	expect_int(3, dl.paused_workdays);
	expect_date("2030-02-01", dl.due);
	calendar_free(cal);
}

static void test_errors(void **state)
{
	(void)state;
	struct calendar *cal = calendar_new();
	struct deadline dl;
	struct {
		struct clock_event ev[3];
		size_t n;
		enum deadline_error want;
	} cases[] = {
		{ { EV(PAUSE, "2030-01-02") }, 1, DEADLINE_BEFORE_RECEIPT },
		{ { EV(PAUSE, "2030-01-01"), EV(RECEIVED, "2030-01-02") }, 2,
		  DEADLINE_BEFORE_RECEIPT },
		{ { EV(RECEIVED, "2030-01-02"), EV(RECEIVED, "2030-01-03") }, 2,
		  DEADLINE_TWO_RECEIPTS },
		{ { EV(RECEIVED, "2030-01-02"), EV(RESUME, "2030-01-03") }, 2,
		  DEADLINE_RESUME_WITHOUT_PAUSE },
		{ { EV(RECEIVED, "2030-01-02"), EV(SUPPLEMENT_RECEIVED, "2030-01-03") }, 2,
		  DEADLINE_SUPPLEMENT_NOT_ASKED },
		{ { EV(RECEIVED, "2030-01-02"), EV(SUPPLEMENT_ASKED, "2030-01-03"),
		    EV(SUPPLEMENT_ASKED, "2030-01-04") }, 3, DEADLINE_SUPPLEMENT_TWICE },
		{ { EV(RECEIVED, "2030-01-02"), EV(SUPPLEMENT_ASKED, "2030-01-03"),
		    EV(SUPPLEMENT_RECEIVED, "2030-01-04") }, 3, DEADLINE_OK },
		{ { EV(RECEIVED, "2030-01-02"), EXT("2030-01-03", 21) }, 2,
		  DEADLINE_BAD_EXTENSION },
		{ { EV(RECEIVED, "2030-01-02"), EXT("2030-01-03", 0) }, 2,
		  DEADLINE_BAD_EXTENSION },
		{ { EV(RECEIVED, "2030-01-02"), EXT("2030-01-03", 15),
		    EXT("2030-01-04", 6) }, 3, DEADLINE_BAD_EXTENSION },
		{ { EV(RECEIVED, "2030-01-02"),
		    { (enum clock_kind)99, D("2030-01-03"), 0 } }, 2, DEADLINE_BAD_KIND },
	};

	for (size_t i = 0; i < COUNT(cases); i++) {
		enum deadline_error got = deadline_compute(cal, cases[i].ev, cases[i].n, &dl);
		if (got != cases[i].want)
			fail_msg("case %zu: expected error %d, got %d", i, cases[i].want, got);
		if (got != DEADLINE_OK && (dl.due != 0 || dl.running))
			fail_msg("case %zu: *out not cleared on error", i);
		if (got != DEADLINE_OK && !*deadline_error_message(got))
			fail_msg("case %zu: no message", i);
	}
	expect_int(DEADLINE_NO_RECEIPT, deadline_compute(cal, NULL, 0, &dl));
	struct clock_event only_pause = EV(PAUSE, "2030-01-02");
	expect_int(DEADLINE_BEFORE_RECEIPT, deadline_compute(cal, &only_pause, 1, &dl));
	calendar_free(cal);
}

/*
 * Random pause sets against a day-by-day reference: walk the days after
 * the receipt; a day counts when it is a working day and no pause (s, e]
 * covers it; the due day is the one where the count reaches 20, or the
 * end of a pause open on that day. An open pause is taken as resumed the
 * day it started (the provisional rule).
 */
static uint32_t rng_state = 12345;

static uint32_t rng(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 16) % n;
}

/* A pause open on the due day (started on it or merged into one that
 * did) moves the due day to its end (Art. 33 ¶3). */
static int32_t pauses_from_due(int32_t due, const int32_t *start, const int32_t *end,
			       int pauses)
{
	for (bool moved = true; moved;) {
		moved = false;
		for (int i = 0; i < pauses; i++) {
			if (start[i] <= due && due < end[i]) {
				due = end[i];
				moved = true;
			}
		}
	}
	return due;
}

static int32_t reference_due(const struct calendar *cal, int32_t received,
			     const int32_t *start, const int32_t *end, int pauses,
			     int period)
{
	int counted = 0;

	for (int32_t d = received + 1;; d++) {
		bool stopped = false;
		for (int i = 0; i < pauses; i++)
			if (start[i] < d && d <= end[i])
				stopped = true;
		if (!stopped && calendar_is_workday(cal, d) && ++counted == period)
			return pauses_from_due(d, start, end, pauses);
	}
}

static void test_random_pauses_match_reference(void **state)
{
	(void)state;
	struct calendar *cal = calendar_new();

	calendar_set(cal, D("2030-01-02"), DAY_HOLIDAY);
	calendar_set(cal, D("2030-01-05"), DAY_WORKDAY);
	calendar_set(cal, D("2030-01-21"), DAY_HOLIDAY);
	calendar_set(cal, D("2030-01-22"), DAY_HOLIDAY);
	for (int round = 0; round < 3000; round++) {
		int32_t received = D("2029-12-28") + (int32_t)rng(10);
		int pauses = (int)rng(4), ext = (int)rng(3) * 5;
		int32_t start[4], end[4];
		struct clock_event ev[10];
		size_t n = 0;

		ev[n++] = (struct clock_event){ CLOCK_RECEIVED, received, 0 };
		if (ext)
			ev[n++] = (struct clock_event){ CLOCK_EXTENSION_APPROVED,
							received + 3, ext };
		for (int i = 0; i < pauses; i++) {
			start[i] = received + (int32_t)rng(40);
			end[i] = start[i] + (int32_t)rng(15);
			ev[n++] = (struct clock_event){ CLOCK_PAUSE, start[i], 0 };
			ev[n++] = (struct clock_event){ CLOCK_RESUME, end[i], 0 };
		}
		/* Each PAUSE is listed before its RESUME, so after the stable
		 * sort every RESUME has an open pause to close. */
		struct deadline dl;
		expect_ok(deadline_compute(cal, ev, n, &dl));
		int32_t want = reference_due(cal, received, start, end, pauses,
					     OGI_REPLY_WORKDAYS + ext);
		if (dl.due != want) {
			char a[DATE_STR_SIZE], b[DATE_STR_SIZE];
			fail_msg("round %d: expected %s, got %s", round,
				 date_format(want, a), date_format(dl.due, b));
		}
	}
	calendar_free(cal);
}

static void test_redo(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Received 2024-03-01, extended by 10, a consultation still open,
	 * then a review decision received Fri 2024-09-27 orders a new reply:
	 * 20 working days from it, nothing before carried on: 09-29 (a
	 * worked Sunday), 09-30, 国庆 10-01..07, 10-08..11, Sat 10-12
	 * worked, 10-14..18, 10-21..25, 10-28..30: Wed 30 October. */
	struct clock_event ev[] = {
		EV(RECEIVED, "2024-03-01"), EXT("2024-03-20", 10),
		EV(PAUSE, "2024-03-25"),
		{ CLOCK_REDO, D("2024-09-27"), 20 },
	};
	struct deadline dl;
	expect_ok(deadline_compute(cal, ev, COUNT(ev), &dl));
	expect_date("2024-10-30", dl.due);
	expect_date("2024-09-27", dl.base_from);
	expect_int(20, dl.period_workdays);
	expect_int(1, dl.redo);
	expect_int(1, dl.running);
	/* The decision's own period: 15 working days from Mon 2024-09-30. */
	struct clock_event ev2[] = {
		EV(RECEIVED, "2024-03-01"), { CLOCK_REDO, D("2024-09-30"), 15 },
		EV(PAUSE, "2024-10-09"), EV(RESUME, "2024-10-10"),
	};
	expect_ok(deadline_compute(cal, ev2, COUNT(ev2), &dl));
	/* 10-25 plus the day the pause cost (10-10): Mon 28 October. */
	expect_date("2024-10-28", dl.due);
	expect_int(15, dl.period_workdays);
	struct clock_event bad[] = { EV(RECEIVED, "2024-03-01"), { CLOCK_REDO, D("2024-09-30"), 0 } };
	expect_int(DEADLINE_BAD_REDO, deadline_compute(cal, bad, COUNT(bad), &dl));
}

/* Art. 35: a reasonable mass request's stated deadline (CLOCK_DUE_SET,
 * the date in `days`). */
static void test_stated_deadline(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Received Mon 2024-06-03: 20 working days (端午 Mon 06-10) end Tue
	 * 07-02; a deadline stated on 06-20 as 08-30 replaces it. */
	struct clock_event ev[] = {
		EV(RECEIVED, "2024-06-03"),
		{ CLOCK_DUE_SET, D("2024-06-20"), D("2024-08-30") },
	};
	struct deadline dl;
	expect_ok(deadline_compute(cal, ev, 1, &dl));
	expect_date("2024-07-02", dl.due);
	expect_int(0, dl.stated_due);
	expect_ok(deadline_compute(cal, ev, COUNT(ev), &dl));
	expect_date("2024-08-30", dl.due);
	expect_date("2024-08-30", dl.stated_due);
	expect_int(1, dl.running);
	/* A stated date earlier than the counted one does not shorten it. */
	struct clock_event early[] = {
		EV(RECEIVED, "2024-06-03"),
		{ CLOCK_DUE_SET, D("2024-06-20"), D("2024-06-25") },
	};
	expect_ok(deadline_compute(cal, early, COUNT(early), &dl));
	expect_date("2024-07-02", dl.due);
	/* A redo after it ends it: the decision's own period (test_redo). */
	struct clock_event redo[] = {
		EV(RECEIVED, "2024-03-01"),
		{ CLOCK_DUE_SET, D("2024-03-20"), D("2024-12-31") },
		{ CLOCK_REDO, D("2024-09-27"), 20 },
	};
	expect_ok(deadline_compute(cal, redo, COUNT(redo), &dl));
	expect_date("2024-10-30", dl.due);
	expect_int(0, dl.stated_due);
	struct clock_event bad[] = {
		EV(RECEIVED, "2024-06-03"),
		{ CLOCK_DUE_SET, D("2024-06-20"), D("2024-06-20") },
	};
	expect_int(DEADLINE_BAD_DUE_SET, deadline_compute(cal, bad, COUNT(bad), &dl));
}

static void test_confirm_window(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/* Submitted Fri 2024-09-27, 2 working days: Sun 09-29 (worked), Mon
	 * 09-30; overdue from the holiday Tue 10-01. */
	expect_date("2024-09-30", confirm_due(cal, D("2024-09-27"), 2));
	/* On 10-01 and on the first working day after the holiday, 10-08,
	 * the overdue ones are those submitted by Sat 09-28 (due 09-30); one
	 * of the worked Sunday 09-29 is due 10-08, today. */
	expect_date("2024-09-28", confirm_overdue_through(cal, D("2024-10-01"), 2));
	expect_date("2024-10-08", confirm_due(cal, D("2024-09-29"), 2));
	expect_date("2024-09-28", confirm_overdue_through(cal, D("2024-10-08"), 2));
	/* A plain week: Mon 2024-06-03 is due Wed 06-05, overdue Thu 06-06. */
	expect_date("2024-06-05", confirm_due(cal, D("2024-06-03"), 2));
	expect_date("2024-06-03", confirm_overdue_through(cal, D("2024-06-06"), 2));
	/* On Sat 06-08 Wednesday's window (to Fri 06-07) is over; Thursday's
	 * runs to Tue 06-11 (端午 Mon 06-10). */
	expect_date("2024-06-05", confirm_overdue_through(cal, D("2024-06-08"), 2));
}

static void test_rules_2008(void **state)
{
	(void)state;
	const struct calendar *cal = need_real();
	/*
	 * Issue 11.10: a request received before 2019-05-15 follows the 2008
	 * Regulations (Art. 24 ¶2): 15 working days, extendable by at most
	 * 15. Received Tue 2019-05-14: 05-15..17 (3), 05-20..24 (8),
	 * 05-27..31 (13), 06-03, 06-04 (15): due Tue 06-04.
	 */
	assert_true(ogi_rules_2008(D("2019-05-14")));
	assert_false(ogi_rules_2008(D("2019-05-15")));
	expect_int(15, ogi_reply_workdays(D("2019-05-14")));
	expect_int(20, ogi_reply_workdays(D("2019-05-15")));
	expect_int(15, ogi_extension_max_workdays(D("2008-05-01")));
	expect_int(20, ogi_extension_max_workdays(D("2026-11-03")));
	struct clock_event old[] = { EV(RECEIVED, "2019-05-14"), EXT("2019-05-20", 15) };
	struct deadline dl = compute_ok(cal, old, 1);
	expect_date("2019-06-04", dl.due);
	expect_int(15, dl.period_workdays);
	/* Extended by 15: 06-05, 06-06 (2), Fri 06-07 off (端午节),
	 * 06-10..14 (7), 06-17..21 (12), 06-24..26 (15): Wed 06-26. */
	dl = compute_ok(cal, old, COUNT(old));
	expect_date("2019-06-26", dl.due);
	expect_int(30, dl.period_workdays);
	/* 16 more days exceed the 2008 limit, though not the 2019 one. */
	old[1].days = 16;
	struct deadline bad;
	assert_int_equal(DEADLINE_BAD_EXTENSION, deadline_compute(cal, old, COUNT(old), &bad));
	/* Received Wed 2019-05-15, the day the 2019 revision came into
	 * force: 20 working days: 05-16, 17 (2), 05-20..24 (7), 05-27..31
	 * (12), 06-03..06 (16), 06-07 off, 06-10..13 (20): Thu 06-13. */
	struct clock_event now[] = { EV(RECEIVED, "2019-05-15"), EXT("2019-05-20", 16) };
	dl = compute_ok(cal, now, 1);
	expect_date("2019-06-13", dl.due);
	dl = compute_ok(cal, now, COUNT(now));
	expect_int(16, dl.extension_days);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_receipt),
		cmocka_unit_test(test_spring_festival),
		cmocka_unit_test(test_supplement_restarts),
		cmocka_unit_test(test_awaiting_supplement),
		cmocka_unit_test(test_supplement_late),
		cmocka_unit_test(test_consultation_pause),
		cmocka_unit_test(test_overlapping_pauses),
		cmocka_unit_test(test_disjoint_pauses),
		cmocka_unit_test(test_pause_same_day_costs_nothing),
		cmocka_unit_test(test_pause_on_receipt_day),
		cmocka_unit_test(test_pause_after_due),
		cmocka_unit_test(test_pause_on_the_due_day),
		cmocka_unit_test(test_open_pause),
		cmocka_unit_test(test_extension),
		cmocka_unit_test(test_year_end_with_pause),
		cmocka_unit_test(test_pause_across_supplement),
		cmocka_unit_test(test_remaining),
		cmocka_unit_test(test_supplement_window),
		cmocka_unit_test(test_supplement_late_on_a_weekend),
		cmocka_unit_test(test_supplement_answer_by),
		cmocka_unit_test(test_consultation_due),
		cmocka_unit_test(test_extension_window),
		cmocka_unit_test(test_fee_pay_by),
		cmocka_unit_test(test_days_left_on_rest_days),
		cmocka_unit_test(test_days_left_frozen_while_stopped),
		cmocka_unit_test(test_provisional_past_the_calendar),
		cmocka_unit_test(test_holiday_schedule_missing),
		cmocka_unit_test(test_plain_weeks),
		cmocka_unit_test(test_tiny_calendar),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_random_pauses_match_reference),
		cmocka_unit_test(test_redo),
		cmocka_unit_test(test_stated_deadline),
		cmocka_unit_test(test_confirm_window),
		cmocka_unit_test(test_rules_2008),
	};

	return cmocka_run_group_tests(tests, load_real_calendar, free_real_calendar);
}
