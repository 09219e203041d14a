/*
 * The queue's filters and statements (staff_queue.c), shared with the
 * register's export (staff_export.c) so that an export is scoped exactly
 * like the queue: the same parameters read by the same code, the same
 * statements with the same WHERE, the same agency in scope, page after
 * page by the same keyset cursor.
 */
#ifndef YSQGK_PAGES_STAFF_QUEUE_H
#define YSQGK_PAGES_STAFF_QUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <libpq-fe.h>

struct request;
struct calendar;
struct staff_agency;

struct queue_sort;

/* The parameters of the QUEUE_* statements (staff.stmts, QUEUE_FILTERS). */
#define QUEUE_PARAMS 16

struct queue_query {
	const char *status;	/* NULL: open; "all"; or a status code */
	const struct queue_sort *sort;	/* the order asked for (sort=…) */
	const char *params[QUEUE_PARAMS];
	const char *after_key, *after_id;
	int limit;
	const struct calendar *cal;
	int32_t today;
	int confirm_workdays;	/* the agency's confirm-by period */
	bool in_transaction;	/* the caller holds a read-only transaction */
};

/* The agency in scope (agency=…), the calendar and the filters: what the
 * queue and the export start with. false when it has answered (404, 422,
 * 503). */
bool queue_prepare(struct request *req, struct staff_agency *ag, struct queue_query *qq);

/* Reads the queue's query parameters for agency `ag`; false with a 422
 * answered. */
bool queue_read_filters(struct request *req, const struct calendar *cal,
			const struct staff_agency *ag, struct queue_query *qq);

/* Pages of `rows` rows from now on (the export's batches). */
void queue_set_page_size(struct request *req, struct queue_query *qq, int rows);

/* The current page: up to limit + 1 rows (one more tells that another page
 * follows), with the columns of QUEUE_OPEN (staff.stmts). */
PGresult *queue_run(struct request *req, const struct queue_query *qq);

/* Moves the cursor past the page `res` (of queue_run): false when it was
 * the last page. */
bool queue_next_page(struct request *req, struct queue_query *qq, const PGresult *res);

#endif
