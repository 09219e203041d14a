#include "domain/date.h"

#include <stdio.h>
#include <string.h>

/*
 * days_from_civil and civil_from_days are Howard Hinnant's algorithms
 * ("chrono-Compatible Low-Level Date Algorithms"): they work in 400-year
 * eras with years starting on 1 March, so the leap day is the last day of
 * the year and the month lengths follow a linear formula.
 */

bool date_is_leap_year(int year)
{
	return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int date_days_in_month(int year, int month)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (month < 1 || month > 12)
		return 0;
	if (month == 2 && date_is_leap_year(year))
		return 29;
	return days[month - 1];
}

bool date_ymd_valid(int year, int month, int day)
{
	if (year < 1 || year > 9999)
		return false;
	return day >= 1 && day <= date_days_in_month(year, month);
}

int32_t date_from_ymd(int year, int month, int day)
{
	int y = year - (month <= 2);
	int era = (y >= 0 ? y : y - 399) / 400;
	int yoe = y - era * 400;				/* [0, 399] */
	int doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;	/* [0, 146096] */

	return (int32_t)era * 146097 + doe - 719468;
}

void date_to_ymd(int32_t date, int *year, int *month, int *day)
{
	int64_t z = (int64_t)date + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int doe = (int)(z - era * 146097);
	int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int mp = (5 * doy + 2) / 153;
	int m = mp < 10 ? mp + 3 : mp - 9;

	*day = doy - (153 * mp + 2) / 5 + 1;
	*month = m;
	*year = yoe + (int)era * 400 + (m <= 2);
}

int date_year(int32_t date)
{
	int y, m, d;

	date_to_ymd(date, &y, &m, &d);
	return y;
}

int date_weekday(int32_t date)
{
	/* 1970-01-01 was a Thursday (4). */
	int w = (int)(((int64_t)date % 7 + 7 + 3) % 7);	/* 0 = Monday */

	return w + 1;
}

bool date_is_weekend(int32_t date)
{
	return date_weekday(date) >= 6;
}

static int digits_value(const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool date_parse_n(const char *s, size_t len, int32_t *out)
{
	if (!s || len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	int y = digits_value(s, 4);
	int m = digits_value(s + 5, 2);
	int d = digits_value(s + 8, 2);
	if (y < 0 || m < 0 || d < 0 || !date_ymd_valid(y, m, d))
		return false;
	*out = date_from_ymd(y, m, d);
	return true;
}

bool date_parse(const char *s, int32_t *out)
{
	return s && date_parse_n(s, strlen(s), out);
}

char *date_format(int32_t date, char out[DATE_STR_SIZE])
{
	int y, m, d;

	date_to_ymd(date, &y, &m, &d);
	if (y < 0 || y > 9999) {
		/* Outside what a YYYY field can hold: say so visibly. */
		memcpy(out, "\?\?\?\?-\?\?-\?\?", DATE_STR_SIZE);
		return out;
	}
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
	return out;
}

char *date_format_cn(int32_t date, char out[DATE_CN_SIZE])
{
	int y, m, d;
	date_to_ymd(date, &y, &m, &d);
	snprintf(out, DATE_CN_SIZE, "%d年%d月%d日", y, m, d);
	return out;
}
