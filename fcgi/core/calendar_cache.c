#include "core/calendar_cache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "lib/log.h"
#include "lib/per_thread.h"

struct cache {
	struct calendar *cal;
	char version[40];
	time_t checked;
	int backend_pid;	/* a new connection may see another database state */
	unsigned long generation;	/* the holidays' (db.h) when loaded; 0: none */
};

static void cache_free(void *p)
{
	struct cache *c = p;
	if (c)
		calendar_free(c->cal);
	free(c);
}

static struct per_thread caches = PER_THREAD_INIT(sizeof(struct cache), cache_free);

static struct cache *this_thread(void)
{
	return per_thread_get(&caches);
}

struct calendar *calendar_load_db(struct db *db)
{
	PGresult *res = db_exec(db, STMT_HOLIDAYS_ALL, 0, NULL);
	if (!db_ok(res)) {
		char why[512];
		log_warn("calendar: cannot read holidays: %s", db_error_text(res, why, sizeof why));
		PQclear(res);
		return NULL;
	}
	struct calendar *cal = calendar_new();
	for (int i = 0; i < PQntuples(res); i++) {
		int32_t day;
		if (!date_parse(PQgetvalue(res, i, COL(HOLIDAYS_ALL, day)), &day))
			continue;
		enum day_kind kind = strcmp(PQgetvalue(res, i, COL(HOLIDAYS_ALL, kind)), "workday")
					     ? DAY_HOLIDAY : DAY_WORKDAY;
		calendar_set_named(cal, day, kind, PQgetvalue(res, i, COL(HOLIDAYS_ALL, name)));
	}
	PQclear(res);
	return cal;
}

static bool read_version(struct db *db, char *out, size_t len)
{
	PGresult *res = db_exec(db, STMT_HOLIDAYS_VERSION, 0, NULL);
	bool ok = db_ok(res) && PQntuples(res) == 1;
	if (ok)
		snprintf(out, len, "%s", PQgetvalue(res, 0, COL(HOLIDAYS_VERSION, version)));
	PQclear(res);
	return ok;
}

const struct calendar *calendar_current(struct db *db)
{
	struct cache *c = this_thread();
	/* A worker is told of every change (sql/030): no look at the table. */
	unsigned long generation = db->listens ? db->topic_generation[DB_TOPIC_HOLIDAYS] : 0;
	if (c->cal && generation && generation == c->generation)
		return c->cal;
	time_t now = time(NULL);
	int pid = db->conn ? PQbackendPID(db->conn) : 0;
	if (c->cal && !generation && pid == c->backend_pid &&
	    now - c->checked < CALENDAR_CHECK_SECONDS)
		return c->cal;
	char version[40];
	if (!read_version(db, version, sizeof version))
		return c->cal;	/* the old copy beats none */
	c->checked = now;
	c->backend_pid = pid;
	c->generation = generation;
	if (c->cal && !strcmp(version, c->version))
		return c->cal;
	struct calendar *fresh = calendar_load_db(db);
	if (!fresh)
		return c->cal;
	calendar_free(c->cal);
	c->cal = fresh;
	snprintf(c->version, sizeof c->version, "%s", version);
	return c->cal;
}

void calendar_invalidate(void)
{
	struct cache *c = this_thread();
	c->checked = 0;
	c->generation = 0;
	c->version[0] = '\0';
}

void calendar_cache_release(void)
{
	per_thread_release(&caches);
}
