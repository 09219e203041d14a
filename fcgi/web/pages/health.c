/*
 * Health checks for monitoring and load balancers: /healthz asks the
 * database, /healthz/live only proves the app answers (and is the
 * benchmark's minimal FastCGI response).
 */
#include "web/http.h"
#include "web/pages/pages.h"

static void health_answer(struct request *req, int status, const char *database)
{
	struct json_object *model = json_object_new_object();
	json_object_object_add(model, "status",
			       json_object_new_string(status == 200 ? "ok" : "unavailable"));
	if (database)
		json_object_object_add(model, "database", json_object_new_string(database));
	req->wants_json = true;
	respond(req, status, NULL, model);
}

void page_healthz(struct request *req)
{
	if (!db_ready(req->db)) {
		req->log_why = "database down";
		health_answer(req, 503, "down");
		return;
	}
	PGresult *res = db_exec(req->db, STMT_PING, 0, NULL);
	bool ok = db_ok(res);
	PQclear(res);
	if (!ok)
		req->log_why = "database ping failed";
	health_answer(req, ok ? 200 : 503, ok ? "ok" : "down");
}

void page_healthz_live(struct request *req)
{
	health_answer(req, 200, NULL);
}
