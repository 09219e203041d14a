/*
 * read_cache: a worker's copies of reads whose tables rarely change (issue
 * 17) — the agencies a page names, a staff member's session — so that a
 * page makes no round trip for them.
 *
 * Each copy is the PGresult of one prepared statement with one set of
 * parameters, kept per thread (each worker has its own: nothing is shared
 * or locked). It is served until a table it depends on changes — the
 * database announces every change (sql/030, db_poll_changes) — or, where
 * the read also depends on the clock (a session's expiry), until it is
 * max_age seconds old. A connection that does not listen for changes (the
 * command line's) keeps no copies: each read runs.
 *
 * Ownership: a result handed out belongs to the cache; never PQclear() it.
 * It stays valid until read_cache_begin() on the same thread, which the
 * server calls before each request: a copy replaced during a request is
 * freed only then.
 */
#ifndef YSQGK_READ_CACHE_H
#define YSQGK_READ_CACHE_H

#include <stdbool.h>

#include "core/db.h"

/* How many reads a thread keeps; the least recently used goes first. */
#define READ_CACHE_ENTRIES 128

/* What a read depends on: the DB_TOPIC_BIT()s of its tables, and for how
 * long at most a copy may serve (seconds; 0 = until a table changes). */
struct read_policy {
	unsigned topics;
	int max_age;
};

/* A read of the agencies table alone: good until an agency changes. */
#define READ_UNTIL_AGENCIES_CHANGE \
	((struct read_policy){ .topics = DB_TOPIC_BIT(DB_TOPIC_AGENCIES), .max_age = 0 })

/*
 * The result of statement s with these text parameters, from this
 * thread's copy when it is still good, else run now (and kept when it
 * succeeded). *fresh (may be NULL) says whether it was run now. A failure
 * is a failed result (db_ok() false), or NULL without a connection, as
 * db_exec() gives; it is never kept.
 */
const PGresult *read_cached(struct db *db, enum stmt s, struct read_policy policy,
			    int nparams, const char *const *params, bool *fresh);

/* Before each request: frees the copies replaced during the last one. */
void read_cache_begin(void);

/* Frees every copy of this thread (a worker ending; tests). */
void read_cache_release(void);

#endif
