/*
 * calendar_cache: the working-day calendar of the `holidays` table, one
 * copy per thread (each worker has its own, so nothing is shared or
 * locked). A copy is loaded on first use and after the thread's database
 * connection was re-established. A worker's connection is told of every
 * change of the table (sql/030, db_listen_for_changes) and reloads before
 * its next request; a connection that does not listen (the command line)
 * compares its copy with the table at most every CALENDAR_CHECK_SECONDS
 * by a cheap version query (an md5 over the ~300 rows).
 */
#ifndef YSQGK_CALENDAR_CACHE_H
#define YSQGK_CALENDAR_CACHE_H

#include "core/db.h"
#include "domain/workdays.h"

#define CALENDAR_CHECK_SECONDS 60

/* This thread's calendar, fresh enough; NULL when the database failed
 * before any copy was loaded. Valid until the next call on this thread. */
const struct calendar *calendar_current(struct db *db);

/* Reload on the next calendar_current() (after this thread changed it). */
void calendar_invalidate(void);

/* A new calendar of the whole table (caller frees), or NULL. */
struct calendar *calendar_load_db(struct db *db);

/* Frees this thread's copy (the command line, before it exits; worker
 * threads free theirs when they end). */
void calendar_cache_release(void);

#endif
