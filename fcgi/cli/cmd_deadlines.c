/*
 * ysqgk deadlines [--within N]: the daily run (cron), whose output is
 * mailed to the disclosure offices.
 *
 * First it ends the requests whose period has passed, as the system:
 * a 补正 not given by its date (Art. 30: other_no_supplement) and a fee
 * not paid by its date (other_no_fee), each through workflow_act() so the
 * rules, the event and the notice are those of every other step: a period
 * is over the day after its last day (domain/workdays.h), a weekend or
 * holiday included. A period to state reasons (Art. 35) that has passed
 * ends too, without closing anything: the clock resumes from its last
 * day and the agency decides (reject_mass, or an answer). Then it lists, per agency, the requests overdue and
 * those due within N working days (default 3), counted as
 * deadline_remaining() counts them for the staff pages. Last, the online
 * submissions not confirmed within the agency's confirm_workdays (overdue
 * work, ogi-rules.md "Online submissions").
 *
 * Messages (issue 14): each applicant whose 补正 or fee period closes
 * within REMINDER_WORKDAYS is reminded, once per period; with --mail each
 * clerk and head with an e-mail address gets the day's digest (their own
 * overdue and due-soon requests, newly assigned ones, unconfirmed
 * submissions, approvals waiting), once a day. `ysqgk notify` sends them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar_cache.h"
#include "cli/cli.h"
#include "cli/cli_staff.h"
#include "cli/deadlines_messages.h"
#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/workflow_rules.h"
#include "service/workflow.h"
#include "core/clock.h"

#define USAGE "[--within N] [--mail]"
#define DEFAULT_WITHIN DEADLINE_DUE_SOON_WORKDAYS

/* The DL_EXPIRED_* statements all list (id, tracking_no). */
#define EXPIRED_COL(name) COL(DL_EXPIRED_SUPPLEMENTS, name)

/* Ends each request the statement lists with `action`; counts failures. */
static int expire(struct cli_staff *c, enum stmt list, const char *action,
		  const char *today, int *closed)
{
	const char *params[] = { today };
	PGresult *res = db_exec(&c->db, list, 1, params);
	if (!db_ok(res)) {
		fprintf(stderr, "ysqgk deadlines: %s\n", res ? PQresultErrorMessage(res) : "no connection");
		PQclear(res);
		return 1;
	}
	int failed = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		struct workflow_result r = workflow_act(&c->ctx, PQgetvalue(res, i, EXPIRED_COL(id)), action,
							NULL, false, ACTOR_SYSTEM);
		if (r.status == SERVICE_DONE && !strcmp(action, "expire_reasons")) {
			/* Not closed: the clock resumes and the agency decides. */
			printf("resumed %s: no reasons stated in time (Art. 35)\n",
			       PQgetvalue(res, i, EXPIRED_COL(tracking_no)));
		} else if (r.status == SERVICE_DONE) {
			printf("closed %s: %s\n", PQgetvalue(res, i, EXPIRED_COL(tracking_no)),
			       !strcmp(action, "expire_fee") ? "other_no_fee (fee not paid in time)"
							     : "other_no_supplement (no supplement in time)");
			(*closed)++;
		} else {
			fprintf(stderr, "ysqgk deadlines: %s: %s\n", PQgetvalue(res, i, EXPIRED_COL(tracking_no)), r.message);
			failed++;
		}
		arena_reset(&c->arena);
	}
	PQclear(res);
	return failed;
}

/* Working days left of one row of DL_DUE_LIST, as the staff pages count
 * them. */
static int row_left(const struct calendar *cal, PGresult *res, int i, int32_t today)
{
	struct deadline dl = { .running = PQgetisnull(res, i, COL(DL_DUE_LIST, clock_stopped_since)) };
	date_parse(PQgetvalue(res, i, COL(DL_DUE_LIST, due_on)), &dl.due);
	if (!dl.running)
		date_parse(PQgetvalue(res, i, COL(DL_DUE_LIST, clock_stopped_since)), &dl.stopped_since);
	return deadline_remaining(cal, &dl, today);
}

static void describe_left(int left, char *out, size_t size)
{
	if (left < 0)
		snprintf(out, size, "OVERDUE by %d working day(s)", -left);
	else if (left == 0)
		snprintf(out, size, "due today");
	else
		snprintf(out, size, "due soon: %d working day(s) left", left);
}

static int list_due(struct cli_staff *c, const struct calendar *cal, int32_t today, int within)
{
	char limit[DATE_STR_SIZE];
	/* Due within N working days of today: on or before the window's last day. */
	date_format(window_last_day(cal, today, within), limit);
	const char *params[] = { limit };
	PGresult *res = db_exec(&c->db, STMT_DL_DUE_LIST, 1, params);
	if (!db_ok(res)) {
		fprintf(stderr, "ysqgk deadlines: %s\n", res ? PQresultErrorMessage(res) : "no connection");
		PQclear(res);
		return 1;
	}
	int overdue = 0, n = PQntuples(res), unknown_year = 0;
	const char *agency = "";
	for (int i = 0; i < n; i++) {
		if (strcmp(agency, PQgetvalue(res, i, COL(DL_DUE_LIST, agency_code)))) {
			agency = PQgetvalue(res, i, COL(DL_DUE_LIST, agency_code));
			printf("\n[%s]\n", agency);
		}
		int left = row_left(cal, res, i, today);
		enum wf_status st = WF_IN_PROGRESS;
		wf_status_from_code(PQgetvalue(res, i, COL(DL_DUE_LIST, status)), &st);
		overdue += left < 0;
		char when[48];
		describe_left(left, when, sizeof when);
		int32_t due = 0;
		date_parse(PQgetvalue(res, i, COL(DL_DUE_LIST, due_on)), &due);
		bool provisional = deadline_provisional(cal, due);
		if (provisional)
			unknown_year = date_year(due);
		printf("%-28s due %s%s  %s  %s%s%s\n", PQgetvalue(res, i, COL(DL_DUE_LIST, tracking_no)), PQgetvalue(res, i, COL(DL_DUE_LIST, due_on)),
		       provisional ? " (provisional)" : "", when, wf_status_label(st),
		       *PQgetvalue(res, i, COL(DL_DUE_LIST, assigned_name)) ? "  " : "", PQgetvalue(res, i, COL(DL_DUE_LIST, assigned_name)));
	}
	if (!unknown_year && deadline_provisional(cal, today))
		unknown_year = date_year(today);
	if (unknown_year)
		fprintf(stderr, "ysqgk deadlines: warning: the holiday schedule of %d is not imported:"
			" due dates in it count weekdays only (ysqgk holidays import FILE.csv)\n",
			unknown_year);
	printf("\n%d overdue, %d due within %d working days (by %s)\n", overdue, n - overdue,
	       within, limit);
	PQclear(res);
	return 0;
}

/* Online submissions past their confirm-by day; the count of them. */
static int list_unconfirmed(struct cli_staff *c, const struct calendar *cal, int32_t today,
			    int *late)
{
	PGresult *res = db_exec(&c->db, STMT_DL_UNCONFIRMED, 0, NULL);
	if (!db_ok(res)) {
		fprintf(stderr, "ysqgk deadlines: %s\n", res ? PQresultErrorMessage(res) : "no connection");
		PQclear(res);
		return 1;
	}
	const char *agency = "";
	for (int i = 0; i < PQntuples(res); i++) {
		int32_t on = 0;
		date_parse(PQgetvalue(res, i, COL(DL_UNCONFIRMED, submitted_on)), &on);
		int n = confirm_workdays_setting(PQgetisnull(res, i, COL(DL_UNCONFIRMED, confirm_workdays)) ? NULL : PQgetvalue(res, i, COL(DL_UNCONFIRMED, confirm_workdays)));
		int32_t by = confirm_due(cal, on, n);
		if (!window_over(by, today))
			continue;
		if (!(*late)++)
			printf("\nonline submissions not confirmed in time:\n");
		if (strcmp(agency, PQgetvalue(res, i, COL(DL_UNCONFIRMED, agency_code)))) {
			agency = PQgetvalue(res, i, COL(DL_UNCONFIRMED, agency_code));
			printf("[%s]\n", agency);
		}
		char by_s[DATE_STR_SIZE];
		printf("%-28s submitted %s  UNCONFIRMED: confirm by %s (%d working day(s))\n",
		       PQgetvalue(res, i, COL(DL_UNCONFIRMED, tracking_no)), PQgetvalue(res, i, COL(DL_UNCONFIRMED, submitted_on)), date_format(by, by_s), n);
	}
	printf("%d online submission(s) not confirmed in time\n", *late);
	PQclear(res);
	return 0;
}

static bool parse_args(int argc, char **argv, int *within, bool *mail, const char **why)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--mail")) {
			*mail = true;
		} else if (!strcmp(argv[i], "--within") && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || n < 0 || n > 100) {
				*why = "N must be 0..100 working days";
				return false;
			}
			*within = (int)n;
		} else {
			*why = "takes only --within N and --mail";
			return false;
		}
	}
	return true;
}

/* The outbox's part of the run; false when the database failed. */
static bool queue_messages(struct cli_staff *c, const struct calendar *cal, int32_t today,
			   int within, bool mail)
{
	int reminders = deadlines_queue_reminders(c, cal, today);
	if (reminders > 0)
		printf("%d reminder(s) of a closing period queued\n", reminders);
	int digests = mail ? deadlines_queue_digests(c, cal, today, within) : 0;
	if (digests > 0)
		printf("%d digest(s) for staff prepared\n", digests);
	return reminders >= 0 && digests >= 0;
}

int cmd_deadlines(const char *config_path, int argc, char **argv)
{
	int within = DEFAULT_WITHIN;
	bool mail = false;
	const char *why;
	if (!parse_args(argc, argv, &within, &mail, &why))
		return cli_usage_error("deadlines", USAGE, why);
	struct cli_staff c;
	if (!cli_staff_open(&c, config_path, "deadlines"))
		return 1;
	int32_t today = clock_today();
	char today_s[DATE_STR_SIZE];
	date_format(today, today_s);
	int closed = 0, failed = 0, status = 1;
	failed += expire(&c, STMT_DL_EXPIRED_SUPPLEMENTS, "expire_supplement", today_s, &closed);
	failed += expire(&c, STMT_DL_EXPIRED_FEES, "expire_fee", today_s, &closed);
	failed += expire(&c, STMT_DL_EXPIRED_REASONS, "expire_reasons", today_s, &closed);
	if (closed)
		printf("%d request(s) closed\n", closed);
	const struct calendar *cal = calendar_current(&c.db);
	int unconfirmed = 0;
	if (cal)
		status = list_due(&c, cal, today, within) |
			 list_unconfirmed(&c, cal, today, &unconfirmed) |
			 !queue_messages(&c, cal, today, within, mail);
	else
		fprintf(stderr, "ysqgk deadlines: cannot read the holidays table\n");
	cli_staff_close(&c);
	return status || failed ? 1 : 0;
}
