/* The home page and the public list of agencies. */
#include "web/http.h"
#include "web/pages/pages.h"

/* [{"code","name"}] of every agency this deployment serves, or NULL. */
static struct json_object *agency_list(struct request *req)
{
	PGresult *res = db_exec_or_respond(req, req->db, STMT_AGENCY_LIST, 0, NULL);
	if (!res)
		return NULL;
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *a = json_object_new_object();
		json_object_object_add(a, "code", json_object_new_string(PQgetvalue(res, i, COL(AGENCY_LIST, code))));
		json_object_object_add(a, "name", json_object_new_string(PQgetvalue(res, i, COL(AGENCY_LIST, name))));
		json_object_array_add(list, a);
	}
	PQclear(res);
	return list;
}

void page_home(struct request *req)
{
	struct json_object *agencies = agency_list(req);
	if (!agencies)
		return;
	struct json_object *model = json_object_new_object();
	json_object_object_add(model, "title", json_object_new_string(req->app->config.site_name));
	json_object_object_add(model, "agencies", agencies);
	respond(req, 200, "home", model);
}

void page_api_agencies(struct request *req)
{
	struct json_object *agencies = agency_list(req);
	if (agencies)
		respond(req, 200, NULL, agencies);
}
