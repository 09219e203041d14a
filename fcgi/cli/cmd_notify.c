/*
 * ysqgk notify [--once]: the sender of the outbox (service/notify.h).
 *
 * Without --once it runs until SIGTERM or SIGINT (ysqgk-notify.service):
 * it sends every due message, then looks again every notify_poll_ms. A
 * signal lets the message in flight finish and its answer be recorded.
 * With --once it sends what is due now, retries included, and exits:
 * 0 when every message taken was sent, 1 when some were not (they stay
 * queued for a retry, or dead) or the database failed.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/cli_staff.h"
#include "lib/mail.h"
#include "service/notify.h"

#define USAGE "[--once]"

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);	/* a signal ends it early */
}

/* Sends until nothing is due (once) or until a signal (serving). */
static int run(struct notifier *n, struct cli_staff *c, bool once)
{
	struct notify_counts counts = { 0 };
	int database_failures = 0;
	while (!stopping) {
		int taken = notify_batch(n, &c->ctx, &counts);
		if (taken < 0) {
			database_failures++;
			if (once)
				break;
			/* db_exec reconnects on the next call: wait and retry. */
			sleep_ms(c->app->config.notify_poll_ms * 5);
			continue;
		}
		if (taken == 0) {
			if (once)
				break;
			sleep_ms(c->app->config.notify_poll_ms);
		}
	}
	printf("ysqgk notify: %d sent, %d to retry, %d refused for good\n", counts.sent,
	       counts.retried, counts.dead);
	return database_failures || counts.retried || counts.dead ? 1 : 0;
}

int cmd_notify(const char *config_path, int argc, char **argv)
{
	bool once = false;
	if (argc == 2 && !strcmp(argv[1], "--once"))
		once = true;
	else if (argc != 1)
		return cli_usage_error("notify", USAGE, "takes only --once");
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	mail_global_init();
	struct cli_staff c;
	if (!cli_staff_open(&c, config_path, "notify"))
		return 1;
	char err[512];
	struct notifier *n = notifier_new(c.app, err, sizeof err);
	int status = 1;
	if (!n) {
		fprintf(stderr, "ysqgk notify: %s\n", err);
	} else {
		if (!once)
			printf("ysqgk notify: sending (every %d ms when idle)\n",
			       c.app->config.notify_poll_ms);
		fflush(stdout);
		status = run(n, &c, once);
		notifier_free(n);
	}
	cli_staff_close(&c);
	return status;
}
