/*
 * status_model: what the applicant's status page shows of a request — its
 * state in plain words, the deadline, the events and notices they see,
 * what they can do now. Private to status.c and status_model.c.
 */
#ifndef YSQGK_STATUS_MODEL_H
#define YSQGK_STATUS_MODEL_H

#include <json-c/json.h>

#include "core/db.h"
#include "web/request.h"

/* The model of request `id` read from db (the standby when fit); NULL
 * having answered when the database failed. */
struct json_object *status_model(struct request *req, struct db *db, const char *id);

#endif
