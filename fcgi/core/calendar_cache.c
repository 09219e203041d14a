#include "core/calendar_cache.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "lib/log.h"
#include "service/workflow.h"

struct cache {
	struct calendar *cal;
	char version[40];
	time_t checked;
	int backend_pid;	/* a new connection may see another database state */
};

static pthread_key_t cache_key;
static pthread_once_t cache_once = PTHREAD_ONCE_INIT;

static void cache_free(void *p)
{
	struct cache *c = p;
	if (c)
		calendar_free(c->cal);
	free(c);
}

static void make_key(void)
{
	pthread_key_create(&cache_key, cache_free);
}

static struct cache *this_thread(void)
{
	pthread_once(&cache_once, make_key);
	struct cache *c = pthread_getspecific(cache_key);
	if (!c) {
		c = calloc(1, sizeof *c);
		if (!c)
			abort();
		pthread_setspecific(cache_key, c);
	}
	return c;
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
		if (!date_parse(PQgetvalue(res, i, 0), &day))
			continue;
		enum day_kind kind = strcmp(PQgetvalue(res, i, 1), "workday")
					     ? DAY_HOLIDAY : DAY_WORKDAY;
		calendar_set_named(cal, day, kind, PQgetvalue(res, i, 2));
	}
	PQclear(res);
	return cal;
}

static bool read_version(struct db *db, char *out, size_t len)
{
	PGresult *res = db_exec(db, STMT_HOLIDAYS_VERSION, 0, NULL);
	bool ok = db_ok(res) && PQntuples(res) == 1;
	if (ok)
		snprintf(out, len, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return ok;
}

const struct calendar *calendar_current(struct db *db)
{
	struct cache *c = this_thread();
	time_t now = time(NULL);
	int pid = db->conn ? PQbackendPID(db->conn) : 0;
	if (c->cal && pid == c->backend_pid && now - c->checked < CALENDAR_CHECK_SECONDS)
		return c->cal;
	char version[40];
	if (!read_version(db, version, sizeof version))
		return c->cal;	/* the old copy beats none */
	c->checked = now;
	c->backend_pid = pid;
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
	c->version[0] = '\0';
}

void calendar_cache_release(void)
{
	pthread_once(&cache_once, make_key);
	struct cache *c = pthread_getspecific(cache_key);
	if (c) {
		pthread_setspecific(cache_key, NULL);
		cache_free(c);
	}
}

/* ---- importing a schedule ------------------------------------------------ */

static bool import_days(struct db *db, const struct calendar *file,
			struct calendar_import *out)
{
	const struct calendar_day *days;
	size_t n = calendar_range(file, INT32_MIN, INT32_MAX - 1, &days);
	out->days = (int)n;
	for (size_t i = 0; i < n; i++) {
		char day[DATE_STR_SIZE];
		const char *kind = days[i].kind == DAY_WORKDAY ? "workday" : "holiday";
		const char *name = *days[i].name ? days[i].name
				 : days[i].kind == DAY_WORKDAY ? "调休上班" : "放假";
		const char *params[] = { date_format(days[i].date, day), kind, name };
		PGresult *res = db_exec(db, STMT_HOLIDAY_UPSERT, 3, params);
		if (!db_ok(res)) {
			PQclear(res);
			return false;
		}
		if (PQntuples(res) == 1) {
			if (!strcmp(PQgetvalue(res, 0, 0), "t"))
				out->added++;
			else
				out->changed++;
		}
		PQclear(res);
	}
	return true;
}

static bool refresh_open_requests(struct db *db, struct calendar_import *out)
{
	struct calendar *cal = calendar_load_db(db);	/* sees this transaction's rows */
	if (!cal)
		return false;
	PGresult *res = db_exec(db, STMT_CAL_OPEN_REQUESTS, 0, NULL);
	bool ok = db_ok(res);
	for (int i = 0; ok && i < PQntuples(res); i++) {
		int changed = workflow_refresh_deadline(db, cal, PQgetvalue(res, i, 0));
		out->requests++;
		if (changed < 0)
			ok = false;
		else
			out->due_changed += changed;
	}
	PQclear(res);
	calendar_free(cal);
	return ok;
}

static void audit_import(struct db *db, const char *actor, const struct calendar_import *r)
{
	char data[256];
	snprintf(data, sizeof data,
		 "{\"days\": %d, \"added\": %d, \"changed\": %d, \"due_changed\": %d}",
		 r->days, r->added, r->changed, r->due_changed);
	const char *params[] = { actor, NULL, "holidays_changed", NULL, NULL, data };
	PQclear(db_exec(db, STMT_AUDIT_ADD, 6, params));
}

bool calendar_import_csv(struct db *db, const char *text, size_t len,
			 const char *actor_staff_id, struct calendar_import *out,
			 char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	struct calendar *file = calendar_new();
	if (!calendar_load_csv_text(file, text, len, err, errlen)) {
		calendar_free(file);
		return false;
	}
	bool ok = db_command(db, "BEGIN") && import_days(db, file, out) &&
		  refresh_open_requests(db, out);
	if (ok) {
		audit_import(db, actor_staff_id, out);
		ok = db_command(db, "COMMIT");
	}
	if (!ok) {
		db_command(db, "ROLLBACK");
		snprintf(err, errlen, "数据库操作失败，日历没有改变：%s",
			 db->conn ? PQerrorMessage(db->conn) : "无法连接数据库");
	}
	calendar_free(file);
	calendar_invalidate();
	return ok;
}
