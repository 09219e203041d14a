#include "core/db_read.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/db.h"
#include "lib/log.h"

/*
 * A standby that is down is tried again every STANDBY_RETRY_SECONDS per
 * worker (the primary: every second): each attempt logs a warning and may
 * wait for connect_timeout, for pages that can do without it.
 */
#define STANDBY_RETRY_SECONDS 5

/* The last state logged, so that a change is logged once, not per worker. */
static atomic_int logged_state = -1;

static const char *const state_names[] = {
	[STANDBY_NOT_CONFIGURED] = "not_configured",
	[STANDBY_DOWN] = "down",
	[STANDBY_PROMOTED] = "promoted",
	[STANDBY_LAGGING] = "lagging",
	[STANDBY_IN_USE] = "in_use",
};

const char *db_standby_state_name(enum standby_state s)
{
	return state_names[s];
}

/*
 * The primary's current WAL position, then the standby's replay of it.
 * Having replayed at least that far, the standby holds every transaction
 * committed before this check: no lag at all. Otherwise the lag is taken
 * as the age of the last transaction it replayed, which overestimates it
 * after an idle spell (a standby is then skipped once, until it catches
 * up) but never underestimates it — unlike the age alone, which grows on
 * an idle primary with no lag at all.
 */
static enum standby_state measure(struct worker *w, long *lag_ms)
{
	struct db *standby = &w->standby;
	PGresult *res = db_exec(&w->db, STMT_PRIMARY_WAL_LSN, 0, NULL);
	if (!db_ok(res) || PQntuples(res) != 1) {
		PQclear(res);
		return STANDBY_DOWN;	/* the primary's own failure shows in the page */
	}
	const char *params[] = { PQgetvalue(res, 0, COL(PRIMARY_WAL_LSN, pg_current_wal_lsn)) };
	PGresult *st = db_exec(standby, STMT_STANDBY_REPLAY_STATE, 1, params);
	PQclear(res);
	enum standby_state state = STANDBY_DOWN;
	if (db_ok(st) && PQntuples(st) == 1) {
		bool in_recovery =
			!strcmp(PQgetvalue(st, 0, COL(STANDBY_REPLAY_STATE, in_recovery)), "t");
		bool caught_up =
			!strcmp(PQgetvalue(st, 0, COL(STANDBY_REPLAY_STATE, caught_up)), "t");
		int lag = COL(STANDBY_REPLAY_STATE, lag_ms);
		bool lag_known = !PQgetisnull(st, 0, lag);
		*lag_ms = lag_known ? atol(PQgetvalue(st, 0, lag)) : -1;
		if (!in_recovery)
			state = STANDBY_PROMOTED;
		else if (caught_up)
			*lag_ms = 0, state = STANDBY_IN_USE;
		else if (lag_known && *lag_ms <= w->app->config.standby_max_lag_ms)
			state = STANDBY_IN_USE;
		else
			state = STANDBY_LAGGING;
	}
	PQclear(st);
	return state;
}

static void log_change(enum standby_state state, long lag_ms)
{
	if (atomic_exchange(&logged_state, (int)state) == (int)state)
		return;
	switch (state) {
	case STANDBY_IN_USE:
		log_info("standby: reading from it");
		break;
	case STANDBY_LAGGING:
		log_warn("standby: %ld ms behind (limit standby_max_lag_ms): reading from the primary",
			 lag_ms);
		break;
	case STANDBY_PROMOTED:
		log_warn("standby: not in recovery (promoted?): reading from the primary");
		break;
	case STANDBY_DOWN:
		log_warn("standby: unreachable: reading from the primary");
		break;
	case STANDBY_NOT_CONFIGURED:
		break;
	}
}

static bool standby_ready(struct db *standby)
{
	bool connected = standby->conn && PQstatus(standby->conn) == CONNECTION_OK &&
			 standby->prepared;
	if (!connected && time(NULL) - standby->last_attempt < STANDBY_RETRY_SECONDS)
		return false;
	return db_ready(standby);
}

static enum standby_state check(struct worker *w)
{
	const struct config *c = &w->app->config;
	if (!*c->database_standby)
		return STANDBY_NOT_CONFIGURED;
	if (!w->standby.conninfo)	/* first use, or closed after a reload */
		db_open(&w->standby, c->database_standby, c->statement_timeout_ms);
	long lag_ms = -1;
	enum standby_state state = standby_ready(&w->standby) ? measure(w, &lag_ms)
							      : STANDBY_DOWN;
	log_change(state, lag_ms);
	return state;
}

enum standby_state db_standby_state(struct worker *w)
{
	if (!w->standby_checked) {
		w->standby_state = (int)check(w);
		w->standby_checked = true;
	}
	return (enum standby_state)w->standby_state;
}

struct db *db_for_reading(struct worker *w)
{
	if (db_standby_state(w) == STANDBY_IN_USE)
		return &w->standby;
	return &w->db;
}
