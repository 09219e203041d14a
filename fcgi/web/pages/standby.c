/*
 * /healthz/standby: which server the read-only pages read from right now,
 * for monitoring a deployment with `database_standby` (db_read.h). The
 * answer comes from asking the very connection db_for_reading() returns.
 */
#include <string.h>

#include "core/db_read.h"
#include "web/http.h"
#include "web/pages/pages.h"

void page_healthz_standby(struct request *req)
{
	enum standby_state state = db_standby_state(req->worker);
	PGresult *res = db_exec(db_for_reading(req->worker), STMT_SERVER_IN_RECOVERY, 0, NULL);
	if (!db_ok(res) || PQntuples(res) != 1) {
		respond_db_failure(req, res);
		PQclear(res);
		return;
	}
	bool from_standby = !strcmp(PQgetvalue(res, 0, COL(SERVER_IN_RECOVERY, pg_is_in_recovery)), "t");
	PQclear(res);
	struct json_object *model = json_object_new_object();
	json_object_object_add(model, "status", json_object_new_string("ok"));
	json_object_object_add(model, "standby",
			       json_object_new_string(db_standby_state_name(state)));
	json_object_object_add(model, "reading_from",
			       json_object_new_string(from_standby ? "standby" : "primary"));
	req->wants_json = true;
	respond(req, 200, NULL, model);
}
