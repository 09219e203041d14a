/*
 * staff_complaints: the 投诉、举报 a supervising agency answers (Art. 51;
 * service/complaints.h). Heads of the handling agency and the
 * administrators who see it list them (/staff/complaints, also JSON),
 * read one with the complainant's contact details, and reply (the form,
 * POST /staff/complaints/{id}/reply, or POST /api/v1/complaints/{id}/reply
 * {"reply": …}). Clerks, and everyone outside the handling agency — the
 * agency complained about above all — get 404: a complaint is about them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/columns.h"
#include "core/pii.h"
#include "domain/idcheck.h"
#include "domain/vocab.h"
#include "lib/route.h"
#include "service/complaints.h"
#include "web/http.h"
#include "web/model.h"
#include "web/pages/staff/staff.h"

#define NOT_FOUND "没有这件投诉举报"

static bool is_admin(const struct staff_session *s)
{
	return !strcmp(s->role, "admin");
}

/* Heads and administrators handle complaints; clerks never see them. */
static bool handles_complaints(const struct staff_session *s)
{
	return s && (is_admin(s) || !strcmp(s->role, "head"));
}

/* The scope parameters $1 (administrator?) and $2 (agency) of
 * COMPLAINTS_HANDLED, in `p` (which has room for them). */
static void scope_params(struct request *req, const char *p[2])
{
	char id[24];
	snprintf(id, sizeof id, "%lld", req->staff->agency_id);
	p[0] = is_admin(req->staff) ? "t" : "f";
	p[1] = arena_strdup(req->arena, id);
}

int staff_complaints_open(struct request *req)
{
	if (!handles_complaints(req->staff))
		return -1;
	const char *p[2];
	scope_params(req, p);
	/* In every staff page's header: the worker's copy, until a complaint
	 * changes (sql/037). */
	const struct read_policy until_complaints_change = {
		.topics = DB_TOPIC_BIT(DB_TOPIC_COMPLAINTS), .max_age = 0,
	};
	const PGresult *res = read_cached(req->db, STMT_STAFF_COMPLAINTS_OPEN,
					  until_complaints_change, 2, p, NULL);
	return db_ok(res) && PQntuples(res) == 1
		? atoi(PQgetvalue(res, 0, COL(STAFF_COMPLAINTS_OPEN, open))) : 0;
}

static void add_col(struct json_object *o, const PGresult *res, int row, const char *key, int col)
{
	if (!PQgetisnull(res, row, col))
		model_add_str(o, key, PQgetvalue(res, row, col));
}

/* The columns the list and the page share, per statement. */
struct row_cols {
	int id, complaint_no, kind, status, received_on, due_on, agency_name,
	    handling_agency_name, tracking_no, overdue;
};
#define ROW_COLS(S) { COL(S, id), COL(S, complaint_no), COL(S, kind), COL(S, status), \
	COL(S, received_on), COL(S, due_on), COL(S, agency_name), \
	COL(S, handling_agency_name), COL(S, tracking_no), COL(S, overdue) }

static void add_labels(struct json_object *o, const char *kind, const char *status, bool overdue);

/* Row i's shared fields into o, with their labels. */
static void add_row(struct json_object *o, const PGresult *res, int i, const struct row_cols *c)
{
	add_col(o, res, i, "id", c->id);
	add_col(o, res, i, "complaint_no", c->complaint_no);
	add_col(o, res, i, "received_on", c->received_on);
	add_col(o, res, i, "due_on", c->due_on);
	add_col(o, res, i, "agency_name", c->agency_name);
	add_col(o, res, i, "handling_agency_name", c->handling_agency_name);
	add_col(o, res, i, "tracking_no", c->tracking_no);
	add_labels(o, PQgetvalue(res, i, c->kind), PQgetvalue(res, i, c->status),
		   !strcmp(PQgetvalue(res, i, c->overdue), "t"));
}

static void add_labels(struct json_object *o, const char *kind, const char *status, bool overdue)
{
	model_add_str(o, "kind", kind);
	model_add_str(o, "kind_label", vocab_label(&vocab_complaint_kind, kind));
	model_add_str(o, "status", status);
	model_add_str(o, "status_label", vocab_short(&vocab_complaint_status, status));
	model_add_bool(o, "open", !strcmp(status, "received"));
	model_add_bool(o, "overdue", overdue);
}

static bool handler_or_respond(struct request *req)
{
	if (handles_complaints(req->staff))
		return true;
	req->log_why = "complaints: not a head or administrator";
	respond_error(req, 404, NOT_FOUND);
	return false;
}

void page_staff_complaints(struct request *req)
{
	if (!staff_password_changed_or_respond(req) || !handler_or_respond(req))
		return;
	const char *p[2];
	scope_params(req, p);
	PGresult *res = db_exec_or_respond(req, req->db, STMT_STAFF_COMPLAINTS, 2, p);
	if (!res)
		return;
	struct json_object *list = json_object_new_array();
	int open = 0;
	for (int i = 0; i < PQntuples(res); i++) {
		static const struct row_cols cols = ROW_COLS(STAFF_COMPLAINTS);
		struct json_object *o = json_object_new_object();
		add_row(o, res, i, &cols);
		open += !strcmp(PQgetvalue(res, i, COL(STAFF_COMPLAINTS, status)), "received");
		json_object_array_add(list, o);
	}
	PQclear(res);
	struct json_object *m = req->wants_json ? json_object_new_object()
						: staff_model(req, "投诉举报");
	json_object_object_add(m, "complaints", list);
	json_object_object_add(m, "open_count", json_object_new_int(open));
	json_object_object_add(m, "due_workdays", json_object_new_int(COMPLAINT_WORKDAYS));
	respond(req, 200, "staff/complaints", m);
}

/* The complainant as the handler needs them: the phone number masked
 * (138****5678) unless `reveal` — a look the caller has logged
 * (contact_viewed), as a request's applicant's. */
static void add_complainant(struct request *req, struct json_object *m, const PGresult *res,
			    bool reveal)
{
	struct json_object *c = json_object_new_object();
	/* No name: removed after the retention period (sql/038). */
	const char *name = PQgetisnull(res, 0, COL(STAFF_COMPLAINT, name_enc)) ? NULL
		: pii_decrypt(req->app, req->arena, PQgetvalue(res, 0, COL(STAFF_COMPLAINT, name_enc)));
	model_add_str(c, "name", name ? name : "（已删除）");
	const char *phone = PQgetisnull(res, 0, COL(STAFF_COMPLAINT, phone_enc)) ? NULL
		: pii_decrypt(req->app, req->arena, PQgetvalue(res, 0, COL(STAFF_COMPLAINT, phone_enc)));
	if (phone) {
		char *masked = arena_alloc(req->arena, strlen(phone) + 1);
		model_add_str(c, "phone_masked", mask_phone(phone, masked, strlen(phone) + 1)
			      ? masked : "（已隐藏）");
		if (reveal)
			model_add_str(c, "phone", phone);
	}
	add_col(c, res, 0, "email", COL(STAFF_COMPLAINT, email));
	const char *notify = PQgetvalue(res, 0, COL(STAFF_COMPLAINT, notify));
	model_add_str(c, "notify", notify);
	model_add_str(c, "notify_label", vocab_label(&vocab_complaint_notify, notify));
	json_object_object_add(m, "complainant", c);
}

/* The complaint {id} as its page (or JSON), with `error` beside the
 * reply field and `typed` kept when a reply was refused; the full phone
 * number when `reveal`. */
static void respond_complaint(struct request *req, const char *id, int status,
			      const char *error, const char *typed, bool reveal)
{
	const char *p[3];
	scope_params(req, p);
	p[2] = id;
	PGresult *res = db_exec_or_respond(req, req->db, STMT_STAFF_COMPLAINT, 3, p);
	if (!res)
		return;
	if (PQntuples(res) != 1) {
		PQclear(res);
		req->log_why = "complaint outside the member's scope";
		respond_error(req, 404, NOT_FOUND);
		return;
	}
	struct json_object *m = req->wants_json ? json_object_new_object()
						: staff_model(req, "投诉举报");
	static const struct row_cols cols = ROW_COLS(STAFF_COMPLAINT);
	add_row(m, res, 0, &cols);
	add_col(m, res, 0, "body", COL(STAFF_COMPLAINT, body));
	add_col(m, res, 0, "reply", COL(STAFF_COMPLAINT, reply));
	add_col(m, res, 0, "replied_on", COL(STAFF_COMPLAINT, replied_on));
	add_col(m, res, 0, "replied_by", COL(STAFF_COMPLAINT, replied_by_name));
	add_col(m, res, 0, "request_id", COL(STAFF_COMPLAINT, request_id));
	json_object_object_add(m, "due_workdays", json_object_new_int(COMPLAINT_WORKDAYS));
	add_complainant(req, m, res, reveal);
	PQclear(res);
	if (error) {
		struct json_object *errors = json_object_new_object();
		model_add_str(errors, "reply", error);
		json_object_object_add(m, "errors", errors);
		model_add_str(m, "typed_reply", typed);
	}
	http_header(req, "Cache-Control", "no-store");
	respond(req, status, "staff/complaint", m);
}

static bool id_of_path(struct request *req, char id[32])
{
	if (route_capture(&req->match, "id", id, 32) && *id &&
	    strspn(id, "0123456789") == strlen(id) && strlen(id) <= 18)
		return true;
	respond_error(req, 404, NOT_FOUND);
	return false;
}

void page_staff_complaint(struct request *req)
{
	char id[32];
	if (!staff_password_changed_or_respond(req) || !handler_or_respond(req) ||
	    !id_of_path(req, id))
		return;
	respond_complaint(req, id, 200, NULL, NULL, false);
}

void page_staff_complaint_reply(struct request *req)
{
	char id[32];
	if (!handler_or_respond(req) || !id_of_path(req, id))
		return;
	const char *text = req->json_body ? staff_json_field(req, "reply")
					  : fields_get(&req->form, "reply");
	struct context ctx = http_context(req);
	struct complaint_replied r = complaint_reply(&ctx, id, text);
	if (r.status == SERVICE_DONE) {
		if (req->wants_json) {
			respond_complaint(req, id, 200, NULL, NULL, false);
		} else {
			char to[64];
			snprintf(to, sizeof to, "/staff/complaints/%s", id);
			respond_redirect(req, to);
		}
	} else if (r.status == SERVICE_BAD_INPUT || r.status == SERVICE_CONFLICT) {
		req->log_why = "complaint reply refused";
		respond_complaint(req, id, http_status_of(r.status), r.message, text, false);
	} else {
		respond_error(req, http_status_of(r.status), r.message);
	}
}

/* The complainant's full phone number, each look logged. */
void page_staff_complaint_reveal(struct request *req)
{
	char id[32];
	if (!handler_or_respond(req) || !id_of_path(req, id))
		return;
	struct context ctx = http_context(req);
	enum service_status s = complaint_contact_viewed(&ctx, id);
	if (s == SERVICE_DONE)
		respond_complaint(req, id, 200, NULL, NULL, true);
	else
		respond_error(req, http_status_of(s), s == SERVICE_NOT_FOUND ? NOT_FOUND : NULL);
}

void page_api_complaint_reply(struct request *req)
{
	page_staff_complaint_reply(req);
}
