/*
 * holidays: changing the official calendar (the `holidays` table). A new
 * schedule moves the deadline of every open request, so it is a service,
 * not part of the per-thread cache (core/calendar_cache.h) it refreshes.
 */
#ifndef YSQGK_HOLIDAYS_H
#define YSQGK_HOLIDAYS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/db.h"

/* What calendar_import_csv() did. */
struct calendar_import {
	int days;		/* rows in the file */
	int added, changed;	/* holidays rows inserted / changed */
	int requests;		/* open requests whose deadline was recomputed */
	int due_changed;	/* … and whose due date moved */
};

/*
 * Adds a schedule in the format of cn_holidays.csv (domain/workdays.h) to
 * the holidays table and recomputes the deadline of every open request on
 * the new calendar, all in one transaction, with a `holidays_changed` line
 * in audit_log (actor_staff_id NULL for the command line). False with a
 * Chinese message naming the line (bad file) or the failure in err.
 */
bool calendar_import_csv(struct db *db, const char *text, size_t len,
			 const char *actor_staff_id, struct calendar_import *out,
			 char *err, size_t errlen);

#endif
