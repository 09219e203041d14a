/*
 * Reply phrases (issue 16, "for staff"): each agency's named passages,
 * kept by its administrators (admin/admin_phrases.c), that a clerk puts
 * into a reply or a 补正 notice. Without JavaScript: the form's 常用语
 * select and 插入 button post the whole form with `insert_phrase` (the
 * field to fill) and `phrase_id`; the page comes back with everything
 * typed and the phrase appended to that field. Nothing is stored.
 *
 *   GET /api/v1/phrases?agency=CODE   the agency's phrases (JSON)
 */
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff_request.h"

/* The fields a phrase may fill, by step. */
static const struct { const char *action, *field; } fillable[] = {
	{ "reply", "text" }, { "reply", "withheld" }, { "supplement", "what" },
};

static bool may_fill(const char *action, const char *field)
{
	for (size_t i = 0; i < sizeof fillable / sizeof fillable[0]; i++)
		if (!strcmp(fillable[i].action, action) && !strcmp(fillable[i].field, field))
			return true;
	return false;
}

/* [{id, name}] (and body) of PHRASE_LIST's rows. */
static struct json_object *phrase_list(const PGresult *res, bool bodies)
{
	struct json_object *list = json_object_new_array();
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(
			atoll(PQgetvalue(res, i, COL(PHRASE_LIST, id)))));
		model_add_str(o, "name", PQgetvalue(res, i, COL(PHRASE_LIST, name)));
		if (bodies)
			model_add_str(o, "body", PQgetvalue(res, i, COL(PHRASE_LIST, body)));
		json_object_array_add(list, o);
	}
	return list;
}

struct json_object *phrases_of_agency(struct request *req, const char *agency_id, bool bodies)
{
	const char *p[] = { agency_id };
	PGresult *res = db_exec(req->db, STMT_PHRASE_LIST, 1, p);
	struct json_object *list = phrase_list(res, bodies);
	PQclear(res);
	return list;
}

void request_add_phrases(struct json_object *m, const PGresult *phrases)
{
	struct json_object *list = phrase_list(phrases, false);
	model_add_bool(m, "has_phrases", json_object_array_length(list) > 0);
	json_object_object_add(m, "phrases", list);
}

/* The body of phrase `phrase_id` of the request's agency, or NULL. */
static const char *phrase_body(struct request *req, const char *request_id, const char *phrase_id)
{
	if (!phrase_id || !*phrase_id || strspn(phrase_id, "0123456789") != strlen(phrase_id) ||
	    strlen(phrase_id) > 18)
		return NULL;
	PGresult *res = db_exec(req->db, STMT_UPLOAD_REQUEST_AGENCY, 1, (const char *[]){ request_id });
	const char *agency = db_ok(res) && PQntuples(res) == 1
		? staff_val(req, res, 0, COL(UPLOAD_REQUEST_AGENCY, agency_id)) : NULL;
	PQclear(res);
	if (!agency || !auth_sees_agency(req, atoll(agency)))
		return NULL;
	res = db_exec(req->db, STMT_PHRASE_GET, 2, (const char *[]){ phrase_id, agency });
	const char *body = db_ok(res) && PQntuples(res) == 1
		? staff_val(req, res, 0, COL(PHRASE_GET, body)) : NULL;
	PQclear(res);
	return body;
}

void staff_insert_phrase(struct request *req, const char *id, const struct kept_form *kept)
{
	const char *field = fields_get(&req->form, "insert_phrase");
	const char *body = phrase_body(req, id, fields_get(&req->form, "phrase_id"));
	struct json_object *typed;
	if (!may_fill(kept->action, field) || !body) {
		req->log_why = "phrase refused";
		struct workflow_result r = { SERVICE_BAD_INPUT, "请选择本机关的常用语", "phrase_id", 0 };
		request_page_kept(req, id, 422, &r, kept);
		return;
	}
	/* After what is already there, on a line of its own. */
	const char *before = json_object_object_get_ex(kept->input, field, &typed)
		? json_object_get_string(typed) : "";
	struct buf b = { 0 };
	buf_printf(&b, "%s%s%s", before, *before ? "\n" : "", body);
	json_object_object_add(kept->input, field, json_object_new_string(b.data));
	buf_free(&b);
	request_page_kept(req, id, 200, NULL, kept);
}

void page_api_phrases(struct request *req)
{
	struct staff_agency ag;
	if (!staff_agency(req, fields_get(&req->query, "agency"), &ag))
		return;
	struct json_object *m = json_object_new_object();
	model_add_str(m, "agency", ag.code);
	json_object_object_add(m, "phrases", phrases_of_agency(req, ag.id_text, true));
	respond(req, 200, NULL, m);
}
