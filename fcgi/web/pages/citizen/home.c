/* The home page, the public list of agencies and one agency's details. */
#include "web/http.h"
#include "web/pages/pages.h"

/* [{"code","name"}] of every agency this deployment serves, or NULL.
 * From the worker's copy until an agency changes: the home page makes no
 * round trip (issue 17). */
static struct json_object *agency_list(struct request *req)
{
	const PGresult *res = db_cached_or_respond(req, STMT_AGENCY_LIST, READ_UNTIL_AGENCIES_CHANGE, 0, NULL);
	if (!res)
		return NULL;
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *a = json_object_new_object();
		json_object_object_add(a, "code", json_object_new_string(PQgetvalue(res, i, COL(AGENCY_LIST, code))));
		json_object_object_add(a, "name", json_object_new_string(PQgetvalue(res, i, COL(AGENCY_LIST, name))));
		json_object_array_add(list, a);
	}
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

static void add_text_or_null(struct json_object *o, const char *key, const PGresult *res, int col)
{
	json_object_object_add(o, key, PQgetisnull(res, 0, col) ? NULL
				     : json_object_new_string(PQgetvalue(res, 0, col)));
}

/*
 * One agency's public details: where its disclosure office is and how to
 * reach it. One prepared single-row read by key — which also makes it
 * `make bench`'s "one query" reference row (issue 17).
 */
void page_api_agency(struct request *req)
{
	char code[64];
	if (!route_capture(&req->match, "code", code, sizeof code)) {
		respond_error(req, 404, "没有这个机关");
		return;
	}
	const char *p[] = { code };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_AGENCY_PUBLIC, 1, p);
	if (!res)
		return;
	if (PQntuples(res) != 1) {
		PQclear(res);
		respond_error(req, 404, "没有这个机关");
		return;
	}
	struct json_object *a = json_object_new_object();
	add_text_or_null(a, "code", res, COL(AGENCY_PUBLIC, code));
	add_text_or_null(a, "name", res, COL(AGENCY_PUBLIC, name));
	add_text_or_null(a, "kind", res, COL(AGENCY_PUBLIC, kind));
	add_text_or_null(a, "office_address", res, COL(AGENCY_PUBLIC, office_address));
	add_text_or_null(a, "office_phone", res, COL(AGENCY_PUBLIC, office_phone));
	PQclear(res);
	req->wants_json = true;
	respond(req, 200, NULL, a);
}
