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

#endif
