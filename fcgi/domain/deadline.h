/*
 * deadline: when a disclosure request must be answered, as a pure function
 * of the events that start, stop and restart its clock.
 *
 * The law (条例, 2019):
 *   Art. 33  answer within 20 working days of receipt; the head of the
 *            disclosure office may extend by at most 20 more working days.
 *   Art. 30  an unclear request: within 7 working days of receipt the
 *            agency asks, once and in full, for a supplement (补正); the
 *            20 days then run from the day the supplement is received.
 *   Art. 32, 34  consulting a third party or a co-authoring agency: they
 *            have 15 working days from the day they receive the letter
 *            (征求意见书) to answer.
 *   Art. 33 ¶3  the time spent consulting is not counted. A fee notice
 *            likewise stops the clock until payment (信息处理费管理办法),
 *            and so does asking a mass requester for reasons (Art. 35).
 * A request received before 2019-05-15 follows the 2008 Regulations
 * (条例, 2007 公布, Art. 24 ¶2): 15 working days, extendable by at most 15
 * (ogi_rules_2008(); the consultation time excluded by its Art. 24 ¶3).
 * Practice: the day of receipt is not counted; a period starts on the next
 * working day (see workdays_add). Every period is a window in the sense of
 * workdays.h: it ends with its last working day, and the rest days after
 * that day are already outside it.
 *
 * Nothing here reads a clock: the caller passes today where it matters.
 */
#ifndef YSQGK_DEADLINE_H
#define YSQGK_DEADLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "domain/workdays.h"

/* The time limits, in working days, in one place. */
#define OGI_REPLY_WORKDAYS		20	/* Art. 33 ¶2 */
#define OGI_EXTENSION_MAX_WORKDAYS	20	/* Art. 33 ¶2 */
#define OGI_SUPPLEMENT_WINDOW_WORKDAYS	7	/* Art. 30 */
#define OGI_CONSULTATION_WORKDAYS	15	/* Art. 32, 34 */
/* The 2008 Regulations (in force until 2019-05-14), Art. 24 ¶2: requests
 * received before the 2019 revision came into force keep its periods. */
#define OGI_2008_REPLY_WORKDAYS		15
#define OGI_2008_EXTENSION_MAX_WORKDAYS	15
#define OGI_2019_IN_FORCE_Y		2019
#define OGI_2019_IN_FORCE_M		5
#define OGI_2019_IN_FORCE_D		15
/* Not the law: the queue, the request page and `ysqgk deadlines` mark a
 * running request "due soon" this many working days ahead. */
#define DEADLINE_DUE_SOON_WORKDAYS	3
/* Practice (ogi-rules.md, "Online submissions"): an online submission is
 * confirmed or answered within this many working days of reaching the
 * system, or it is overdue work; agencies.settings `confirm_workdays`
 * overrides it (1..OGI_CONFIRM_WORKDAYS_MAX). */
#define OGI_CONFIRM_WORKDAYS_DEFAULT	2
#define OGI_CONFIRM_WORKDAYS_MAX	20
/* Art. 30 (a late supplement with a good reason is no abandonment): a
 * request closed as other_no_supplement may be reopened within this many
 * calendar days of its closing — the 60 days the applicant has to seek
 * review of it (行政复议法 Art. 20), after which the closing stands. */
#define OGI_REOPEN_DAYS			60
/* A review decision or judgment ordering a new reply sets its period; when
 * it names none, the reply period of Art. 33 (from its receipt). */
#define OGI_REDO_WORKDAYS_DEFAULT	20

enum clock_kind {
	CLOCK_RECEIVED,			/* the request counts as received (Art. 31) */
	CLOCK_SUPPLEMENT_ASKED,		/* 补正 asked: the clock stops (Art. 30) */
	CLOCK_SUPPLEMENT_RECEIVED,	/* the 20 days restart in full (Art. 30) */
	CLOCK_PAUSE,			/* consultation sent or fee notice: stop */
	CLOCK_RESUME,			/* that consultation answered / fee paid */
	CLOCK_EXTENSION_APPROVED,	/* `days` more working days (Art. 33) */
	CLOCK_REDO,			/* a decision ordered a new reply: `days`
					 * working days from its receipt */
	CLOCK_DUE_SET,			/* a mass request's reasonable, stated
					 * deadline (Art. 35): the date in `days` */
};

struct clock_event {
	enum clock_kind kind;
	int32_t date;
	int days;		/* CLOCK_EXTENSION_APPROVED: 1..20; CLOCK_REDO: >= 1;
				 * CLOCK_DUE_SET: the stated last day, a date
				 * like `date` (kept in this field so that the
				 * struct keeps its three members) */
};

struct deadline {
	int32_t due;		/* the last day to answer */
	bool running;		/* the clock is not stopped now */
	int32_t received;	/* the date of CLOCK_RECEIVED */
	int32_t base_from;	/* the 20 days count from the working day after */
	int paused_workdays;	/* working days not counted (closed pauses) */
	int extension_days;	/* total approved, <= OGI_EXTENSION_MAX_WORKDAYS */
	bool awaiting_supplement; /* 补正 asked and not yet received */
	int32_t stopped_since;	/* when !running: the clock stopped that day */
	bool supplement_late;	/* 补正 asked after the last day of the 7
				 * working days (Art. 30): against the law,
				 * but it happened */
	int period_workdays;	/* the period counted after base_from */
	bool redo;		/* a CLOCK_REDO restarted it: base_from is the
				 * decision's receipt, the period its own */
	int32_t stated_due;	/* a CLOCK_DUE_SET's date in force, or 0 */
};

enum deadline_error {
	DEADLINE_OK = 0,
	DEADLINE_NO_RECEIPT,		/* no CLOCK_RECEIVED event */
	DEADLINE_TWO_RECEIPTS,
	DEADLINE_BEFORE_RECEIPT,	/* an event dated before the receipt */
	DEADLINE_RESUME_WITHOUT_PAUSE,
	DEADLINE_SUPPLEMENT_NOT_ASKED,	/* supplement received, none pending */
	DEADLINE_SUPPLEMENT_TWICE,	/* Art. 30: asked once and in full */
	DEADLINE_BAD_EXTENSION,		/* days < 1, or total over 20 (Art. 33;
					 * 15 under the 2008 Regulations) */
	DEADLINE_BAD_KIND,
	DEADLINE_BAD_REDO,		/* a redo of no working days */
	DEADLINE_BAD_DUE_SET,		/* a stated deadline not after its day */
};

/*
 * Computes the deadline from the clock events of one request.
 *
 * Events should come in date order; they are sorted stably by date here in
 * case they do not (on the same date a CLOCK_RECEIVED goes first, other
 * events keep their given order, so give a PAUSE before its same-day
 * RESUME).
 *
 * The rules, precisely:
 *
 * - The period counts ogi_reply_workdays(received) + extension_days
 *   working days after base_from (20, or 15 for a request received before
 *   2019-05-15: the 2008 Regulations, Art. 24 ¶2); `due` is the day the last of them is reached. base_from
 *   is the receipt date, or the date the supplement was received (Art. 30:
 *   a restart, so the time already run and any pauses before it are gone).
 *
 * - A pause stops the clock from the day after its PAUSE date up to and
 *   including its RESUME date: the working days d with pause < d <= resume
 *   are not counted. So a pause started and ended the same day costs
 *   nothing, and a pause sent on day P and answered on day R costs exactly
 *   workdays_between(P, R). The day the pause starts still counts: work was
 *   done that day.
 *
 * - Pauses may overlap (two consultations at once): the clock is stopped
 *   while at least one is open, so overlapping time counts once.
 *
 * - A pause only moves the deadline if it starts on or before `due`; one
 *   that starts after an already-passed deadline does not cure it. One
 *   that starts ON the due day is still in time: its working days are
 *   excluded like any other's, and when no counted day is left the due
 *   day becomes the day it ended (the answer's day). A rest day right
 *   after the due day is already after it.
 *
 * - Extensions: every CLOCK_EXTENSION_APPROVED adds its days; the total
 *   must stay within ogi_extension_max_workdays(received) (20; 15 under
 *   the 2008 Regulations). Extensions approved before
 *   a supplement restart are kept.
 *
 * - A CLOCK_REDO (a review decision or judgment ordered a new reply)
 *   ends everything before it — pauses, an awaited supplement, the
 *   extensions — and counts its own `days` from its date, the day the
 *   decision was received.
 *
 * - A CLOCK_DUE_SET (Art. 35: a mass request whose reasons the agency
 *   found reasonable gets a longer, stated deadline, not capped at 20 +
 *   20) makes its date (in `days`) the due date unless the counted one is
 *   later; the latest one counts, and a CLOCK_REDO after it ends it. That
 *   date must be after the event's date.
 *
 * - While the clock is stopped (running false: a supplement is awaited or
 *   a pause is open), `due` is provisional: the date it would be if the
 *   clock restarted (supplement) or resumed (pause) on stopped_since. Every
 *   working day the stop lasts moves it one working day later.
 *   deadline_remaining() accounts for that.
 *
 * Returns DEADLINE_OK and fills *out, or an error (then *out is zeroed):
 * the application can also call this with a new event appended to check
 * that the event makes sense before storing it.
 */
enum deadline_error deadline_compute(const struct calendar *cal,
				     const struct clock_event *events, size_t n,
				     struct deadline *out);

/* A short Chinese message for staff. */
const char *deadline_error_message(enum deadline_error err);

/*
 * Which Regulations set the periods of a request received on `received`:
 * the 2008 ones (Art. 24 ¶2: 15 + 15 working days) before 2019-05-15, the
 * day the 2019 revision came into force (its Art. 56), else the 2019 ones
 * (Art. 33: 20 + 20). deadline_compute() follows it; so do registration,
 * the extension step and the notices.
 */
bool ogi_rules_2008(int32_t received);
int ogi_reply_workdays(int32_t received);
int ogi_extension_max_workdays(int32_t received);

/*
 * The day a deadline is judged on: today, or the day its clock stopped if
 * that is earlier. While the clock is stopped every working day moves the
 * due date one day later, so the standing is the one it had when it
 * stopped; and a deadline passed before the clock stopped stays passed
 * (a late pause does not cure the delay).
 */
int32_t deadline_judged_on(bool running, int32_t stopped_since, int32_t today);

/*
 * Working days left: workdays_left(cal, deadline_judged_on(...), due). So
 * 0 on the due day itself ("今天到期"), 1 on the weekend before a Monday
 * due date, and negative once overdue, from the day after the due day
 * (a rest day included: at least -1). Every view agrees on it:
 *
 *   overdue    deadline_remaining() < 0 (also while stopped, when the
 *              due date had passed before the clock stopped)
 *   due today  running and deadline_remaining() == 0
 *   due soon   running and 0 <= deadline_remaining() <=
 *              DEADLINE_DUE_SOON_WORKDAYS (or N: `ysqgk deadlines --within
 *              N`, the queue's due_within=N), i.e. the due date is within
 *              N working days of today (workdays.h)
 *
 * The status page, the staff request page, the queue (its marks and the
 * SQL of its filters and counts) and `ysqgk deadlines` all follow this.
 */
int deadline_remaining(const struct calendar *cal, const struct deadline *dl,
		       int32_t today);

/*
 * Whether the agency may still ask for a supplement (Art. 30: within 7
 * working days of receipt): within_workdays(cal, received, 7, today), so
 * from the day of receipt up to and including the 7th working day after
 * it, and not on the rest days after that day.
 */
bool supplement_request_allowed(const struct calendar *cal, int32_t received,
				int32_t today);

/*
 * Whether an extension may still be proposed and approved (Art. 33 ¶2): the
 * head's consent and the notice must come within the period they extend.
 * Once the request is overdue (deadline_remaining() < 0) an extension
 * cannot cure the delay.
 */
bool extension_allowed(const struct calendar *cal, const struct deadline *dl,
		       int32_t today);

/*
 * The day a consulted third party or co-author must answer by: the last
 * day of the window of 15 working days (Art. 32, 34), window_last_day();
 * their silence is known once the window is over, on the day after. The
 * law counts from the day they RECEIVE the consultation (征求意见书): pass
 * that day. Until the agency knows it the window has not started (the
 * consultation's due_on stays empty, workflow.c), though the request's
 * clock is stopped from the day it was sent (Art. 33 ¶3).
 */
int32_t consultation_due(const struct calendar *cal, int32_t party_received);

/*
 * Whether `due` is provisional (暂定): it falls in a year whose holiday
 * schedule is not imported, so it counts that year's weekdays only. The
 * law's clock does not wait for the State Council's schedule (published
 * each November), so the date is still computed and shown — marked, since
 * it moves when the schedule comes (ysqgk holidays import).
 */
bool deadline_provisional(const struct calendar *cal, int32_t due);

/*
 * The year whose holiday schedule is missing from `cal` as of `today`
 * (Beijing): this year's at any time, and from 1 November next year's,
 * which the State Council publishes about then and which due dates soon
 * reach (they would fall on its holidays, 元旦 first). 0 when none is.
 */
int holiday_schedule_missing(const struct calendar *cal, int32_t today);

/*
 * The last day to confirm (or answer) an online submission that reached
 * the system on `submitted_on`: window_last_day(cal, submitted_on, n), n
 * the agency's confirm_workdays. Overdue from the day after it, a rest day
 * included (window_over), like every other period.
 */
int32_t confirm_due(const struct calendar *cal, int32_t submitted_on, int n);

/*
 * The latest submission day whose confirm-by window (n working days) is
 * over on `today`: a submission is overdue exactly when it reached the
 * system on or before this day (confirm_due is monotone), so SQL can
 * select the overdue ones by their submission date.
 */
int32_t confirm_overdue_through(const struct calendar *cal, int32_t today, int n);

/*
 * The agency's confirm_workdays from the text of its setting (NULL or
 * not an integer in 1..OGI_CONFIRM_WORKDAYS_MAX: the default).
 */
int confirm_workdays_setting(const char *text);

#endif
