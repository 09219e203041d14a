/*
 * staff_request_disclosures: what the request page shows of the
 * disclosure log (Art. 44, issue 18 §2) — the request's own listing, the
 * publish form's boxes (the reply's released documents, each ticked one
 * by one), and the listings similar to the request ("相似的已公开信息").
 *
 * Similar listings are linked by the database (sql/041): a request when
 * it arrives, whichever way (online, registered on paper, imported,
 * transferred), and a listing when it is published, to the requests
 * still open. The link is kept (disclosure_similar), so the count of
 * applicants who asked for a listing (the admin page's proposals for
 * 主动公开) grows with it. This page only reads the links, among its own
 * reads (one round trip, staff_request_model.c): viewing a request writes
 * nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/workflow_rules.h"
#include "web/http.h"
#include "web/model.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff_request.h"

static struct json_object *listing_link(const char *id)
{
	char url[64];
	snprintf(url, sizeof url, "/disclosures/%s", id);
	return json_object_new_string(url);
}

/* A comma-separated list of ids as JSON numbers. */
static struct json_object *id_list(const char *csv)
{
	struct json_object *list = json_object_new_array();
	for (const char *p = csv; *p;) {
		char *end;
		long long v = strtoll(p, &end, 10);
		if (end == p)
			break;
		json_object_array_add(list, json_object_new_int64(v));
		p = *end == ',' ? end + 1 : end;
	}
	return list;
}

static void add_own_listing(struct json_object *m, const PGresult *res)
{
	struct json_object *d = NULL;
	if (PQntuples(res) == 1) {
		d = json_object_new_object();
		const char *did = PQgetvalue(res, 0, COL(REQ_DISCLOSURE, id));
		json_object_object_add(d, "id", json_object_new_int64(atoll(did)));
		model_add_str(d, "title", PQgetvalue(res, 0, COL(REQ_DISCLOSURE, title)));
		model_add_str(d, "summary", PQgetvalue(res, 0, COL(REQ_DISCLOSURE, summary)));
		model_add_str(d, "published_at", PQgetvalue(res, 0, COL(REQ_DISCLOSURE, published_at)));
		json_object_object_add(d, "url", listing_link(did));
		json_object_object_add(d, "public_files",
				       id_list(PQgetvalue(res, 0, COL(REQ_DISCLOSURE, public_files))));
	}
	json_object_object_add(m, "disclosure", d);
}

static bool outcome_listable(struct json_object *m)
{
	struct json_object *o;
	return json_object_object_get_ex(m, "outcome", &o) && o &&
	       wf_outcome_listable(json_object_get_string(o));
}

static void add_publish_form(struct json_object *m, const PGresult *res)
{
	struct json_object *can, *may, *own;
	bool listed = json_object_object_get_ex(m, "disclosure", &own) && own;
	bool allowed = json_object_object_get_ex(m, "can", &can) &&
		       json_object_object_get_ex(can, "publish", &may) && json_object_get_boolean(may);
	model_add_bool(m, "may_publish", allowed && !listed && outcome_listable(m));
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "id", json_object_new_int64(atoll(PQgetvalue(res, i,
			COL(REQ_REPLY_FILES, id)))));
		model_add_str(f, "name", PQgetvalue(res, i, COL(REQ_REPLY_FILES, display_name)));
		json_object_array_add(list, f);
	}
	json_object_object_add(m, "publish_files", list);
}

static void add_similar(struct json_object *m, const PGresult *res)
{
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *s = json_object_new_object();
		const char *did = PQgetvalue(res, i, COL(REQ_SIMILAR, id));
		json_object_object_add(s, "id", json_object_new_int64(atoll(did)));
		model_add_str(s, "title", PQgetvalue(res, i, COL(REQ_SIMILAR, title)));
		model_add_str(s, "agency_name", PQgetvalue(res, i, COL(REQ_SIMILAR, agency_name)));
		model_add_str(s, "published_on", PQgetvalue(res, i, COL(REQ_SIMILAR, published_on)));
		json_object_object_add(s, "similarity", json_object_new_double(
			atof(PQgetvalue(res, i, COL(REQ_SIMILAR, similarity)))));
		json_object_object_add(s, "url", listing_link(did));
		json_object_array_add(list, s);
	}
	model_add_bool(m, "has_similar", json_object_array_length(list) > 0);
	json_object_object_add(m, "similar_disclosures", list);
}

void request_add_disclosures(struct json_object *m, const PGresult *own,
			     const PGresult *reply_files, const PGresult *similar)
{
	add_own_listing(m, own);
	add_publish_form(m, reply_files);
	add_similar(m, similar);
}

void request_keep_public_files(struct json_object *m, struct json_object *input)
{
	struct json_object *list, *sent;
	if (!json_object_object_get_ex(input, "public_files", &sent) ||
	    !json_object_object_get_ex(m, "publish_files", &list))
		return;
	struct json_object *ticked = id_list(json_object_get_string(sent));
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *f = json_object_array_get_idx(list, i);
		long long fid = json_object_get_int64(json_object_object_get(f, "id"));
		for (size_t j = 0; j < json_object_array_length(ticked); j++)
			if (json_object_get_int64(json_object_array_get_idx(ticked, j)) == fid)
				model_add_bool(f, "checked", true);
	}
	json_object_put(ticked);
}
