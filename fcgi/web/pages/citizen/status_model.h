/*
 * status_model: what the applicant's status page shows of a request — its
 * state in plain words, the deadline, the events and notices they see,
 * what they can do now. Private to the citizen pages (the receipt repeats
 * some of it: status_model_add_choices).
 */
#ifndef YSQGK_STATUS_MODEL_H
#define YSQGK_STATUS_MODEL_H

#include <json-c/json.h>

#include "core/db.h"
#include "web/request.h"

/* The model of request `id` read from db (the standby when fit) in one
 * round trip; NULL having answered when the database failed. */
struct json_object *status_model(struct request *req, struct db *db, const char *id);

/*
 * The page's reads, to send with others in one round trip (a look-up sends
 * its limiter's state with them, status.c): STATUS_READS db_steps about the
 * request of params {id, NULL, NULL}, or {NULL, tracking_no, query code's
 * keyed hash} (citizen.stmts, CITIZEN_STATUS_OF). The key must outlive the
 * steps.
 */
#define STATUS_READS 4
struct status_key {
	const char *params[3];
};
void status_reads_add(struct db_step *steps, const struct status_key *key);

/* Whether the reads (all succeeded) found the request. */
bool status_reads_found(const struct db_step *steps);

/* The model from the reads (all succeeded, found); NULL, answered, when
 * the database failed reading the agency's facts. */
struct json_object *status_model_of(struct request *req, struct db *db,
				    const struct db_step *steps);

/* PQclear()s the reads' results. */
void status_reads_clear(struct db_step *steps);


/*
 * What the receipt and the status page repeat of an application (issue
 * 16): provision_text and obtain_text (the chosen 提供形式 and 获取方式
 * as labels), email_masked, and status_url, the full address of the
 * look-up page with the number filled in. False when the database
 * failed (answered).
 */
bool status_model_add_choices(struct request *req, struct json_object *m, const char *id,
			      const char *tracking_no);

#endif
