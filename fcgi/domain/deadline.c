#include "domain/deadline.h"

#include <stdlib.h>
#include <string.h>

#include "domain/date.h"

/*
 * The walk: the clock counts working days forward from base_from. Each
 * stop interval (first PAUSE .. RESUME of the last open pause] is skipped
 * as a whole; `left` is how many counted days are still needed. Once the
 * deadline is reached, later stops no longer matter.
 */
struct clock {
	const struct calendar *cal;
	int period;		/* 20 + extensions */
	int32_t base;		/* base_from */
	int32_t cursor;		/* counted days are after this */
	int left;
	bool due_found;
	int32_t due;
	int paused;
	int depth;		/* pauses open now */
	int32_t pause_start;	/* when depth > 0 */
	bool awaiting;		/* supplement asked, not received */
	int32_t stated;		/* CLOCK_DUE_SET in force, or 0 */
};

static void clock_restart(struct clock *c, int32_t date)
{
	c->base = c->cursor = date;
	c->left = c->period;
	c->due_found = false;
	c->paused = 0;
	/* A pause still open carries on into the new period from its start. */
	if (c->depth > 0)
		c->pause_start = date;
}

static void clock_skip(struct clock *c, int32_t start, int32_t end)
{
	/* Awaiting a supplement, the clock is stopped anyway, and the restart
	 * will forget this period: pauses in it do not matter. */
	if (c->due_found || c->awaiting)
		return;
	if (start < c->base)
		start = c->base;
	/* The due day as it stands before this stop. A stop that starts
	 * after it does not cure the delay; one that starts on it (still in
	 * time, Art. 33 ¶3) moves it like any other: compare dates, not
	 * counts, so that a rest day right after the due day is "after". */
	int32_t due = workdays_add(c->cal, c->cursor, c->left);
	if (due < start) {
		c->due = due;
		c->due_found = true;
		return;
	}
	c->left -= workdays_between(c->cal, c->cursor, start);
	c->paused += workdays_between(c->cal, start, end);
	c->cursor = end;
}

/* Stable: by date, a receipt before anything else on its day. */
static bool event_before(const struct clock_event *a, const struct clock_event *b)
{
	if (a->date != b->date)
		return a->date < b->date;
	return a->kind == CLOCK_RECEIVED && b->kind != CLOCK_RECEIVED;
}

static struct clock_event *sorted_copy(const struct clock_event *events, size_t n)
{
	struct clock_event *ev = malloc(n * sizeof(*ev));

	if (!ev)
		abort();
	memcpy(ev, events, n * sizeof(*ev));
	/* Insertion sort: a request has a handful of events, usually sorted. */
	for (size_t i = 1; i < n; i++) {
		struct clock_event cur = ev[i];
		size_t j = i;
		for (; j > 0 && event_before(&cur, &ev[j - 1]); j--)
			ev[j] = ev[j - 1];
		ev[j] = cur;
	}
	return ev;
}

/* First pass: the shape of the event list, the date of receipt and the
 * extension total, within the limit of the Regulations that govern the
 * request (ogi_extension_max_workdays: 20, or 15 under the 2008 ones). */
static enum deadline_error check_events(const struct clock_event *ev, size_t n,
					int32_t *received, int *extension)
{
	size_t receipts = 0;

	*extension = 0;
	*received = 0;
	for (size_t i = 0; i < n; i++) {
		switch (ev[i].kind) {
		case CLOCK_RECEIVED:
			if (++receipts > 1)
				return DEADLINE_TWO_RECEIPTS;
			*received = ev[i].date;
			break;
		case CLOCK_EXTENSION_APPROVED:
			if (receipts == 0)	/* its limit follows the receipt */
				return DEADLINE_BEFORE_RECEIPT;
			if (ev[i].days < 1 ||
			    ev[i].days > ogi_extension_max_workdays(*received))
				return DEADLINE_BAD_EXTENSION;
			*extension += ev[i].days;
			if (*extension > ogi_extension_max_workdays(*received))
				return DEADLINE_BAD_EXTENSION;
			break;
		case CLOCK_REDO:
			if (ev[i].days < 1)
				return DEADLINE_BAD_REDO;
			break;
		case CLOCK_DUE_SET:
			if (ev[i].days <= ev[i].date)
				return DEADLINE_BAD_DUE_SET;
			break;
		case CLOCK_SUPPLEMENT_ASKED:
		case CLOCK_SUPPLEMENT_RECEIVED:
		case CLOCK_PAUSE:
		case CLOCK_RESUME:
			break;
		default:
			return DEADLINE_BAD_KIND;
		}
		if (receipts == 0)
			return DEADLINE_BEFORE_RECEIPT;
	}
	return receipts ? DEADLINE_OK : DEADLINE_NO_RECEIPT;
}

static enum deadline_error clock_step(struct clock *c, const struct clock_event *e,
				      bool *asked, struct deadline *out)
{
	switch (e->kind) {
	case CLOCK_RECEIVED:
		out->received = e->date;
		clock_restart(c, e->date);
		break;
	case CLOCK_SUPPLEMENT_ASKED:
		if (*asked)
			return DEADLINE_SUPPLEMENT_TWICE;
		*asked = true;
		out->supplement_late = !supplement_request_allowed(c->cal, out->received,
								   e->date);
		/* Provisionally, as if the supplement came the same day. */
		c->awaiting = true;
		clock_restart(c, e->date);
		break;
	case CLOCK_SUPPLEMENT_RECEIVED:
		if (!c->awaiting)
			return DEADLINE_SUPPLEMENT_NOT_ASKED;
		c->awaiting = false;
		clock_restart(c, e->date);	/* Art. 30: in full, from today */
		break;
	case CLOCK_PAUSE:
		if (c->depth++ == 0)
			c->pause_start = e->date;
		break;
	case CLOCK_RESUME:
		if (c->depth == 0)
			return DEADLINE_RESUME_WITHOUT_PAUSE;
		if (--c->depth == 0)
			clock_skip(c, c->pause_start, e->date);
		break;
	case CLOCK_EXTENSION_APPROVED:
		break;		/* counted in check_events */
	case CLOCK_REDO:
		/* The decision revoked the reply: a new period of its own from
		 * its receipt; nothing before it carries on. */
		c->awaiting = false;
		c->depth = 0;
		c->period = e->days;
		c->stated = 0;
		clock_restart(c, e->date);
		out->redo = true;
		break;
	case CLOCK_DUE_SET:
		c->stated = e->days;	/* Art. 35: the stated date */
		break;
	}
	return DEADLINE_OK;
}

enum deadline_error deadline_compute(const struct calendar *cal,
				     const struct clock_event *events, size_t n,
				     struct deadline *out)
{
	memset(out, 0, sizeof(*out));
	if (!events || n == 0)
		return DEADLINE_NO_RECEIPT;

	struct clock_event *ev = sorted_copy(events, n);
	int extension;
	int32_t received;
	enum deadline_error err = check_events(ev, n, &received, &extension);
	struct clock c = { .cal = cal,
			   .period = ogi_reply_workdays(received) + extension };
	bool asked = false;

	for (size_t i = 0; err == DEADLINE_OK && i < n; i++)
		err = clock_step(&c, &ev[i], &asked, out);
	free(ev);
	if (err != DEADLINE_OK) {
		memset(out, 0, sizeof(*out));
		return err;
	}

	/* Still counting, or stopped by an open pause: the provisional due
	 * date treats that pause as resumed on its first day, costing nothing. */
	if (!c.due_found)
		c.due = workdays_add(cal, c.cursor, c.left);
	if (c.stated > c.due)
		c.due = c.stated;
	out->stated_due = c.stated;
	out->due = c.due;
	out->base_from = c.base;
	out->paused_workdays = c.paused;
	out->extension_days = extension;
	out->period_workdays = c.period;
	out->awaiting_supplement = c.awaiting;
	out->running = !c.awaiting && c.depth == 0;
	if (c.awaiting)
		out->stopped_since = c.base;
	else if (c.depth > 0)
		out->stopped_since = c.pause_start < c.base ? c.base : c.pause_start;
	return DEADLINE_OK;
}

const char *deadline_error_message(enum deadline_error err)
{
	switch (err) {
	case DEADLINE_OK:
		return "";
	case DEADLINE_NO_RECEIPT:
		return "没有收到申请的日期";
	case DEADLINE_TWO_RECEIPTS:
		return "收到申请的日期只能有一个";
	case DEADLINE_BEFORE_RECEIPT:
		return "该事项的日期早于收到申请的日期";
	case DEADLINE_RESUME_WITHOUT_PAUSE:
		return "恢复计时前没有对应的暂停";
	case DEADLINE_SUPPLEMENT_NOT_ASKED:
		return "收到补正材料，但此前没有告知补正";
	case DEADLINE_SUPPLEMENT_TWICE:
		return "补正应一次性告知，不能再次要求补正";
	case DEADLINE_BAD_EXTENSION:
		return "延期超过了法定上限（条例第三十三条第二款：20个工作日；"
		       "2019年5月15日前收到的申请：15个工作日）";
	case DEADLINE_BAD_REDO:
		return "重新答复的期限应至少为1个工作日";
	case DEADLINE_BAD_DUE_SET:
		return "确定的答复期限应晚于确定之日";
	case DEADLINE_BAD_KIND:
		break;
	}
	return "未知的计时事项";
}

int32_t deadline_judged_on(bool running, int32_t stopped_since, int32_t today)
{
	return !running && stopped_since < today ? stopped_since : today;
}

int deadline_remaining(const struct calendar *cal, const struct deadline *dl,
		       int32_t today)
{
	return workdays_left(cal, deadline_judged_on(dl->running, dl->stopped_since, today),
			     dl->due);
}

bool supplement_request_allowed(const struct calendar *cal, int32_t received,
				int32_t today)
{
	return within_workdays(cal, received, OGI_SUPPLEMENT_WINDOW_WORKDAYS, today);
}

bool extension_allowed(const struct calendar *cal, const struct deadline *dl,
		       int32_t today)
{
	return deadline_remaining(cal, dl, today) >= 0;
}

bool deadline_provisional(const struct calendar *cal, int32_t due)
{
	return !calendar_covers(cal, date_year(due));
}

/* From this month on, next year's schedule is looked for. */
#define HOLIDAY_SCHEDULE_DUE_MONTH 11

int holiday_schedule_missing(const struct calendar *cal, int32_t today)
{
	int year, month, day;
	date_to_ymd(today, &year, &month, &day);
	if (!calendar_covers(cal, year))
		return year;
	if (month >= HOLIDAY_SCHEDULE_DUE_MONTH && !calendar_covers(cal, year + 1))
		return year + 1;
	return 0;
}

int32_t consultation_due(const struct calendar *cal, int32_t party_received)
{
	return window_last_day(cal, party_received, OGI_CONSULTATION_WORKDAYS);
}

bool ogi_rules_2008(int32_t received)
{
	/* The 2019 revision came into force on 15 May 2019 (its Art. 56). */
	return received < date_from_ymd(OGI_2019_IN_FORCE_Y, OGI_2019_IN_FORCE_M,
					 OGI_2019_IN_FORCE_D);
}

int ogi_reply_workdays(int32_t received)
{
	/* 2008 Regulations, Art. 24 ¶2: 15; 2019, Art. 33 ¶2: 20. */
	return ogi_rules_2008(received) ? OGI_2008_REPLY_WORKDAYS : OGI_REPLY_WORKDAYS;
}

int ogi_extension_max_workdays(int32_t received)
{
	/* 2008 Regulations, Art. 24 ¶2: at most 15; 2019, Art. 33 ¶2: 20. */
	return ogi_rules_2008(received) ? OGI_2008_EXTENSION_MAX_WORKDAYS
					: OGI_EXTENSION_MAX_WORKDAYS;
}

int32_t confirm_due(const struct calendar *cal, int32_t submitted_on, int n)
{
	return window_last_day(cal, submitted_on, n);
}

int32_t confirm_overdue_through(const struct calendar *cal, int32_t today, int n)
{
	/* Walk back from yesterday: a handful of days, a holiday's length
	 * at most beyond n working days. */
	int32_t d = today - 1;
	while (!window_over(confirm_due(cal, d, n), today))
		d--;
	return d;
}

int confirm_workdays_setting(const char *text)
{
	char *end;
	long n = text && *text ? strtol(text, &end, 10) : 0;
	if (!text || !*text || *end || n < 1 || n > OGI_CONFIRM_WORKDAYS_MAX)
		return OGI_CONFIRM_WORKDAYS_DEFAULT;
	return (int)n;
}
