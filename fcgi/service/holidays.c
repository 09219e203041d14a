#include "service/holidays.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/calendar_cache.h"
#include "domain/date.h"
#include "service/workflow.h"

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
			if (!strcmp(PQgetvalue(res, 0, COL(HOLIDAY_UPSERT, inserted)), "t"))
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
		int changed = workflow_refresh_deadline(db, cal, PQgetvalue(res, i, COL(CAL_OPEN_REQUESTS, id)));
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
