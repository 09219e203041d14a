/*
 * date: civil dates as day numbers.
 *
 * A date is an int32_t counting days since 1970-01-01 in the proleptic
 * Gregorian calendar (negative before it). Day numbers make "the next day"
 * a plain +1 and comparisons plain integer comparisons. No time zones and
 * no clock: the caller passes "today" wherever it matters.
 */
#ifndef YSQGK_DATE_H
#define YSQGK_DATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Room for "YYYY-MM-DD" and its NUL. */
#define DATE_STR_SIZE 11

bool date_is_leap_year(int year);
int date_days_in_month(int year, int month);	/* 0 for a month outside 1..12 */
/* Whether y-m-d names a real day; years 1..9999 only. */
bool date_ymd_valid(int year, int month, int day);

/*
 * The day number of y-m-d. The arguments are not checked: out-of-range
 * months or days give an unspecified day, so check with date_ymd_valid()
 * first when the values come from outside.
 */
int32_t date_from_ymd(int year, int month, int day);
void date_to_ymd(int32_t date, int *year, int *month, int *day);
int date_year(int32_t date);
/* ISO weekday: 1 = Monday .. 7 = Sunday. */
int date_weekday(int32_t date);
bool date_is_weekend(int32_t date);

/*
 * Parses exactly "YYYY-MM-DD" (ten characters, ASCII digits, a real date,
 * year 0001..9999). date_parse_n reads len bytes that need not be
 * NUL-terminated. On failure *out is left alone.
 */
bool date_parse(const char *s, int32_t *out);
bool date_parse_n(const char *s, size_t len, int32_t *out);
/* Writes "YYYY-MM-DD" and a NUL; returns out. */
char *date_format(int32_t date, char out[DATE_STR_SIZE]);

/* The date as notices and pages write it, "2026年3月5日" (no leading
 * zeros), and a NUL; returns out. */
#define DATE_CN_SIZE 32
char *date_format_cn(int32_t date, char out[DATE_CN_SIZE]);

#endif
