/*
 * db_read: where a read-only page reads from. With `database_standby`
 * configured (a PostgreSQL hot standby fed by streaming replication), each
 * worker opens a second connection on first use and reads from it while it
 * is up, still a standby, and no further behind the primary than
 * `standby_max_lag_ms`; otherwise from the primary (the worker's own connection). The standby
 * has the same prepared statements (db_open prepares them all).
 *
 * Use it only for pages that show data and write nothing, and whose reader
 * accepts data up to standby_max_lag_ms old: the status look-up and the
 * yearly report. Never for a page that reads what the same user has just
 * written, never inside a transaction, never to write.
 */
#ifndef YSQGK_DB_READ_H
#define YSQGK_DB_READ_H

struct worker;

enum standby_state {
	STANDBY_NOT_CONFIGURED,
	STANDBY_DOWN,		/* cannot connect, or the check failed */
	STANDBY_PROMOTED,	/* no longer in recovery: never read from it */
	STANDBY_LAGGING,	/* further behind than standby_max_lag_ms */
	STANDBY_IN_USE,
};

/* The standby connection when it is fit to read from, else req->db. */
struct db *db_for_reading(struct worker *w);

/*
 * Why db_for_reading() chooses what it chooses. Checked once per request
 * (two short queries: the primary's WAL position, the standby's replay),
 * so that all reads of one page come from the same server.
 */
enum standby_state db_standby_state(struct worker *w);
const char *db_standby_state_name(enum standby_state s);

#endif
