/*
 * workdays: the working-day calendar (工作日).
 *
 * The regulation counts its time limits in working days but does not define
 * them. Practice: Monday to Friday, minus the public holidays the State
 * Council announces each year, plus the weekend days it turns into working
 * days (调休上班). A calendar holds those adjustments; every other day
 * follows the weekday rule.
 *
 * Threads: build a calendar (calendar_new, calendar_set, calendar_load_*)
 * on one thread, then share it read-only; every function taking a
 * const struct calendar * is safe to call from many threads at once.
 * To add a year at run time, build a new calendar and swap the pointer.
 */
#ifndef YSQGK_WORKDAYS_H
#define YSQGK_WORKDAYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum day_kind {
	DAY_HOLIDAY,	/* a rest day, even if it falls Monday..Friday */
	DAY_WORKDAY,	/* a weekend day that is worked (调休上班) */
};

/* One adjusted day. name is owned by the calendar (may be ""). */
struct calendar_day {
	int32_t date;
	enum day_kind kind;
	const char *name;
};

struct calendar;

/* Allocation failure aborts, as everywhere in ysqgk. */
struct calendar *calendar_new(void);
void calendar_free(struct calendar *cal);

/* Adds or replaces the adjustment of one day (name ""). */
void calendar_set(struct calendar *cal, int32_t date, enum day_kind kind);
void calendar_set_named(struct calendar *cal, int32_t date,
			enum day_kind kind, const char *name);

/*
 * Loads text in the format of cn_holidays.csv:
 *
 *	date,kind,name
 *	2024-02-10,holiday,春节
 *	2024-02-18,workday,春节
 *
 * A UTF-8 BOM, CRLF line ends, blank lines and spaces around fields are
 * accepted; the header is required. kind is "holiday" or "workday"; a
 * workday entry must fall on a Saturday or Sunday (anything else is a typo:
 * Monday..Friday are working days anyway). A date listed twice with
 * different kinds is refused. The name is everything after the second comma.
 *
 * Loading is all or nothing: on error the calendar is unchanged, false is
 * returned and err (if errlen > 0) gets a message in Chinese naming the
 * line, for the administrator who uploaded the file. Entries loaded merge
 * into the calendar, replacing the adjustment of a day already present.
 */
bool calendar_load_csv_text(struct calendar *cal, const char *text, size_t len,
			    char *err, size_t errlen);

bool calendar_is_workday(const struct calendar *cal, int32_t date);
/* The adjustment of date, or NULL if the date follows the weekday rule. */
const struct calendar_day *calendar_lookup(const struct calendar *cal, int32_t date);
/*
 * Whether the calendar has any adjustment in that year: a year with none
 * almost certainly means its schedule was never loaded, and deadlines
 * falling in it ignore its holidays — callers should warn.
 */
bool calendar_covers(const struct calendar *cal, int year);
/* The adjustments with from <= date <= to, in date order; *out points
 * into the calendar. Returns how many. */
size_t calendar_range(const struct calendar *cal, int32_t from, int32_t to,
		      const struct calendar_day **out);
size_t calendar_size(const struct calendar *cal);

/*
 * The n-th working day after date. The start day itself is never counted
 * (practice: the day of receipt is not counted, a period starts the next
 * working day), whether or not it is a working day. n == 0 gives date
 * itself; n < 0 gives the |n|-th working day before date.
 */
int32_t workdays_add(const struct calendar *cal, int32_t date, int n);

/*
 * The number of working days d with from < d <= to: the working days that
 * have elapsed at the end of `to` for a period that started after `from`.
 * 0 when from == to; when to < from, minus the count for (to, from].
 * workdays_between(cal, a, workdays_add(cal, a, n)) == n for every n >= 0.
 */
int workdays_between(const struct calendar *cal, int32_t from, int32_t to);

/*
 * ---- Windows: "within N working days of D" ----------------------------
 *
 * The regulation sets its periods as "within N working days of" a day:
 * a 补正 is asked within 7 of receipt (Art. 30), a consulted party answers
 * within 15 of receiving the letter (Art. 32, 34), the reply comes within
 * 20 of receipt, extended by at most 20 (Art. 33); the agency's notices
 * set their own (the 补正 answer-by date, the fee pay-by date). All of
 * them have one meaning here:
 *
 * - The last day of the window is window_last_day(cal, D, N): the N-th
 *   working day after D, D itself not counted (workdays_add). For N >= 1
 *   it is a working day.
 *
 * - A day is inside the window when it is on or before the last day,
 *   whatever kind of day it is; the window is over on every day after it.
 *   So the weekend or holiday right after the last day is outside,
 *   although no working day has passed since: the period ended with its
 *   last working day. (Counting the working days elapsed instead, as
 *   workdays_between does, would leave the window open over every rest
 *   day after it: a Sunday has the count of the Friday before.)
 *
 * - A period whose last day is stored (a notice's answer-by or pay-by
 *   date, a consultation's or a request's due date) follows the same
 *   rule: window_over(last_day, day).
 */
int32_t window_last_day(const struct calendar *cal, int32_t from, int n);

/* from <= day <= window_last_day(cal, from, n): a window includes its
 * first day (a 补正 may be asked the day the request arrives). */
bool within_workdays(const struct calendar *cal, int32_t from, int n, int32_t day);

/* Whether the window ending on last_day is over on day: day > last_day. */
bool window_over(int32_t last_day, int32_t day);

/*
 * Working days left on `today` before a window ending on last_day, the
 * count every page and `ysqgk deadlines` show:
 *
 * - today <= last_day: the working days d with today < d <= last_day,
 *   the days still ahead. 0 on the last day itself ("今天到期"); on a
 *   Saturday before a Monday last day 1 (the Monday), as on the Friday.
 * - today > last_day (overdue): minus the working days d with
 *   last_day < d <= today, and at least -1: the rest day right after a
 *   Friday last day is already one day overdue, not zero.
 *
 * So workdays_left(cal, today, L) >= 0 exactly when !window_over(L, today).
 */
int workdays_left(const struct calendar *cal, int32_t today, int32_t last_day);

#endif
