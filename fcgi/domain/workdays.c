#include "domain/workdays.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/date.h"

/*
 * The adjustments are kept in an array sorted by date: a few hundred
 * entries for a decade, so a binary search is a handful of comparisons and
 * the whole calendar fits in a few cache lines per lookup.
 */
struct calendar {
	struct calendar_day *days;	/* sorted by date, dates unique */
	size_t count;
	size_t cap;
};

static void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size);

	if (!q)
		abort();
	return q;
}

static char *xstrndup(const char *s, size_t len)
{
	char *copy = xrealloc(NULL, len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

struct calendar *calendar_new(void)
{
	struct calendar *cal = xrealloc(NULL, sizeof(*cal));

	*cal = (struct calendar){ NULL, 0, 0 };
	return cal;
}

void calendar_free(struct calendar *cal)
{
	if (!cal)
		return;
	for (size_t i = 0; i < cal->count; i++)
		free((char *)cal->days[i].name);
	free(cal->days);
	free(cal);
}

/* Index of the first entry with date >= key (count if none). */
static size_t lower_bound(const struct calendar *cal, int32_t key)
{
	size_t lo = 0, hi = cal->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (cal->days[mid].date < key)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void set_entry(struct calendar *cal, int32_t date, enum day_kind kind,
		      const char *name, size_t name_len)
{
	size_t i = lower_bound(cal, date);
	char *copy = xstrndup(name, name_len);

	if (i < cal->count && cal->days[i].date == date) {
		free((char *)cal->days[i].name);
	} else {
		if (cal->count == cal->cap) {
			cal->cap = cal->cap ? cal->cap * 2 : 64;
			cal->days = xrealloc(cal->days, cal->cap * sizeof(*cal->days));
		}
		memmove(cal->days + i + 1, cal->days + i,
			(cal->count - i) * sizeof(*cal->days));
		cal->count++;
	}
	cal->days[i] = (struct calendar_day){ date, kind, copy };
}

void calendar_set_named(struct calendar *cal, int32_t date,
			enum day_kind kind, const char *name)
{
	if (!name)
		name = "";
	set_entry(cal, date, kind, name, strlen(name));
}

void calendar_set(struct calendar *cal, int32_t date, enum day_kind kind)
{
	set_entry(cal, date, kind, "", 0);
}

const struct calendar_day *calendar_lookup(const struct calendar *cal, int32_t date)
{
	size_t i = lower_bound(cal, date);

	if (i < cal->count && cal->days[i].date == date)
		return &cal->days[i];
	return NULL;
}

bool calendar_is_workday(const struct calendar *cal, int32_t date)
{
	const struct calendar_day *day = calendar_lookup(cal, date);

	if (day)
		return day->kind == DAY_WORKDAY;
	return !date_is_weekend(date);
}

size_t calendar_range(const struct calendar *cal, int32_t from, int32_t to,
		      const struct calendar_day **out)
{
	size_t first = lower_bound(cal, from);
	size_t end = to < INT32_MAX ? lower_bound(cal, to + 1) : cal->count;

	*out = cal->days + first;
	return end > first ? end - first : 0;
}

bool calendar_covers(const struct calendar *cal, int year)
{
	const struct calendar_day *days;

	if (!date_ymd_valid(year, 1, 1))
		return false;
	return calendar_range(cal, date_from_ymd(year, 1, 1),
			      date_from_ymd(year, 12, 31), &days) > 0;
}

size_t calendar_size(const struct calendar *cal)
{
	return cal->count;
}

int32_t workdays_add(const struct calendar *cal, int32_t date, int n)
{
	int step = n < 0 ? -1 : 1;

	for (int left = n < 0 ? -n : n; left > 0;) {
		date += step;
		if (calendar_is_workday(cal, date))
			left--;
	}
	return date;
}

/* Monday..Friday in (from, to], from <= to, ignoring adjustments. */
static int64_t weekdays_between(int32_t from, int32_t to)
{
	int64_t span = (int64_t)to - from;
	int64_t count = span / 7 * 5;
	int wd = date_weekday(from);

	/* The leftover days are wd+1 .. wd+rest, wrapping past Sunday. */
	for (int64_t k = 1; k <= span % 7; k++)
		if ((wd + k - 1) % 7 + 1 <= 5)
			count++;
	return count;
}

/*
 * Counted without walking the days: the weekdays in the range, minus the
 * listed holidays that fall on a weekday, plus the listed workdays that
 * fall on a weekend. Long ranges (yearly reports) cost the same as short.
 */
int workdays_between(const struct calendar *cal, int32_t from, int32_t to)
{
	if (to < from)
		return -workdays_between(cal, to, from);
	if (to == from)
		return 0;

	int64_t count = weekdays_between(from, to);
	const struct calendar_day *days;
	size_t n = calendar_range(cal, from + 1, to, &days);

	for (size_t i = 0; i < n; i++) {
		bool weekend = date_is_weekend(days[i].date);
		if (days[i].kind == DAY_HOLIDAY && !weekend)
			count--;
		else if (days[i].kind == DAY_WORKDAY && weekend)
			count++;
	}
	return (int)count;
}

/* ---- windows (see workdays.h) ----------------------------------------- */

int32_t window_last_day(const struct calendar *cal, int32_t from, int n)
{
	return workdays_add(cal, from, n);
}

bool window_over(int32_t last_day, int32_t day)
{
	return day > last_day;
}

bool within_workdays(const struct calendar *cal, int32_t from, int n, int32_t day)
{
	return day >= from && !window_over(window_last_day(cal, from, n), day);
}

int workdays_left(const struct calendar *cal, int32_t today, int32_t last_day)
{
	if (!window_over(last_day, today))
		return workdays_between(cal, today, last_day);
	int overdue = workdays_between(cal, last_day, today);
	return overdue > 1 ? -overdue : -1;
}

/* ---- loading cn_holidays.csv ------------------------------------------ */

struct pending_day {
	int32_t date;
	enum day_kind kind;
	int line;
	const char *name;
	size_t name_len;
};

struct pending {
	struct pending_day *items;
	size_t count;
	size_t cap;
};

static void pending_push(struct pending *p, struct pending_day day)
{
	if (p->count == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->items = xrealloc(p->items, p->cap * sizeof(*p->items));
	}
	p->items[p->count++] = day;
}

static void trim(const char **s, size_t *len)
{
	while (*len && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*len)--;
	}
	while (*len && ((*s)[*len - 1] == ' ' || (*s)[*len - 1] == '\t'))
		(*len)--;
}

static bool field_is(const char *s, size_t len, const char *word)
{
	return len == strlen(word) && memcmp(s, word, len) == 0;
}

static bool name_has_control(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return true;
	return false;
}

static const char *const weekday_names[] = {
	"", "周一", "周二", "周三", "周四", "周五", "周六", "周日"
};

/* Parses one non-blank data line; false with err filled on a bad one. */
static bool parse_line(const char *s, size_t len, int line,
		       struct pending_day *out, char *err, size_t errlen)
{
	const char *c1 = memchr(s, ',', len);
	const char *c2 = c1 ? memchr(c1 + 1, ',', len - (size_t)(c1 + 1 - s)) : NULL;

	if (!c2) {
		snprintf(err, errlen, "第%d行：字段不足，应为“日期,类型,名称”", line);
		return false;
	}
	const char *date_s = s, *kind_s = c1 + 1, *name_s = c2 + 1;
	size_t date_len = (size_t)(c1 - s);
	size_t kind_len = (size_t)(c2 - kind_s);
	size_t name_len = len - (size_t)(name_s - s);
	trim(&date_s, &date_len);
	trim(&kind_s, &kind_len);
	trim(&name_s, &name_len);

	*out = (struct pending_day){ 0, DAY_HOLIDAY, line, name_s, name_len };
	if (!date_parse_n(date_s, date_len, &out->date)) {
		snprintf(err, errlen, "第%d行：日期不正确，应为真实存在的日期，格式 YYYY-MM-DD", line);
		return false;
	}
	if (field_is(kind_s, kind_len, "holiday")) {
		out->kind = DAY_HOLIDAY;
	} else if (field_is(kind_s, kind_len, "workday")) {
		out->kind = DAY_WORKDAY;
	} else {
		snprintf(err, errlen, "第%d行：类型应为 holiday（放假）或 workday（调休上班）", line);
		return false;
	}
	if (out->kind == DAY_WORKDAY && !date_is_weekend(out->date)) {
		char buf[DATE_STR_SIZE];
		snprintf(err, errlen, "第%d行：%s 是%s，调休上班日应为周六或周日",
			 line, date_format(out->date, buf),
			 weekday_names[date_weekday(out->date)]);
		return false;
	}
	if (name_has_control(name_s, name_len)) {
		snprintf(err, errlen, "第%d行：名称含有控制字符", line);
		return false;
	}
	return true;
}

static int cmp_pending(const void *a, const void *b)
{
	const struct pending_day *x = a, *y = b;

	if (x->date != y->date)
		return x->date < y->date ? -1 : 1;
	return x->line - y->line;
}

/* A date listed twice must say the same thing both times. */
static bool check_conflicts(struct pending *p, char *err, size_t errlen)
{
	qsort(p->items, p->count, sizeof(*p->items), cmp_pending);
	for (size_t i = 1; i < p->count; i++) {
		const struct pending_day *a = &p->items[i - 1], *b = &p->items[i];
		if (a->date == b->date && a->kind != b->kind) {
			char buf[DATE_STR_SIZE];
			snprintf(err, errlen, "第%d行：%s 与第%d行矛盾（既放假又上班）",
				 b->line, date_format(b->date, buf), a->line);
			return false;
		}
	}
	return true;
}

static bool parse_csv(const char *text, size_t len, struct pending *p,
		      char *err, size_t errlen)
{
	size_t pos = 0;
	int line = 0;
	bool header_seen = false;

	if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
		pos = 3;
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl ? 1 : 0);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		trim(&s, &n);
		if (n == 0)
			continue;
		if (!header_seen) {
			if (!field_is(s, n, "date,kind,name")) {
				snprintf(err, errlen, "第%d行：表头应为 date,kind,name", line);
				return false;
			}
			header_seen = true;
			continue;
		}
		struct pending_day day;
		if (!parse_line(s, n, line, &day, err, errlen))
			return false;
		pending_push(p, day);
	}
	if (!header_seen) {
		snprintf(err, errlen, "文件为空：至少应有表头 date,kind,name");
		return false;
	}
	return check_conflicts(p, err, errlen);
}

bool calendar_load_csv_text(struct calendar *cal, const char *text, size_t len,
			    char *err, size_t errlen)
{
	struct pending p = { NULL, 0, 0 };
	char dummy[1];

	if (!err || errlen == 0) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!text)
		len = 0;
	bool ok = parse_csv(text ? text : "", len, &p, err, errlen);
	if (ok) {
		for (size_t i = 0; i < p.count; i++)
			set_entry(cal, p.items[i].date, p.items[i].kind,
				  p.items[i].name, p.items[i].name_len);
	}
	free(p.items);
	return ok;
}
