#include "service/requests.h"
#include "service/messages.h"
#include "service/workflow.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/idcheck.h"
#include "core/events.h"
#include "core/read_cache.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "core/pii.h"
#include "core/uploads.h"
#include "lib/textcheck.h"
#include "core/clock.h"
#include "domain/vocab.h"

/* ---- dates -------------------------------------------------------------------- */


/* ---- storing ------------------------------------------------------------------------- */

static int failure_status(struct db *db, const PGresult *res, const char *what)
{
	enum db_failure f = db_failure_of(db, res);
	/* Only the primary message and constraint: the detail would hold
	 * the row, personal data included. */
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	if (f == DB_FAIL_DOWN || f == DB_FAIL_TIMEOUT) {
		/* Nothing saved, the applicant told to try again: say why here. */
		log_warn("%s: %s (503)", what, msg ? msg : "connection lost");
		return 503;
	}
	log_error("%s: %s", what, msg ? msg : "no result");
	return 500;
}

static char *code_array(struct arena *a, const char *const *codes, size_t n)
{
	size_t len = 3;
	for (size_t i = 0; i < n; i++)
		len += strlen(codes[i]) + 1;
	char *out = arena_alloc(a, len), *o = out;
	*o++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*o++ = ',';
		size_t l = strlen(codes[i]);
		memcpy(o, codes[i], l);
		o += l;
	}
	*o++ = '}';
	*o = '\0';
	return out;
}

static const char *copy_value(struct arena *a, const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : arena_strdup(a, PQgetvalue(res, row, col));
}

/* Fills out with the first request of this form (same token). */
static bool find_repeated(struct db *db, const struct app *app, struct arena *a,
			  const char *agency_id, const struct request_fields *f,
			  const char *token_hash, struct request_created *out)
{
	const char *params[] = { agency_id, token_hash };
	PGresult *res = db_exec(db, STMT_CITIZEN_REQUEST_BY_TOKEN, 2, params);
	if (!db_ok(res) || PQntuples(res) != 1) {
		out->status = db_ok(res) ? 500 : failure_status(db, res, "repeated submission");
		if (db_ok(res))
			log_error("repeated submission: the first request is gone");
		PQclear(res);
		return false;
	}
	out->status = 200;
	out->request_id = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, id));
	out->tracking_no = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, tracking_no));
	out->status_code = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, status));
	out->submitted_at = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, submitted_at));
	out->submitted_text = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, submitted_text));
	int age = atoi(PQgetvalue(res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, age_seconds)));
	out->received_on = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, received_on));
	out->due_on = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, due_on));
	out->description = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, description));
	out->document_ref = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, document_ref));
	out->notify = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, notify));
	out->request_kind = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, request_kind));
	PQclear(res);
	if (age >= 0 && age < QUERY_CODE_REPEAT_SECONDS) {
		char code[QUERY_CODE_CHARS + 1];
		char shown[QUERY_CODE_SIZE];
		query_code_from_token(app, a, agency_id, f->submit_token, code);
		query_code_format(code, shown);
		out->query_code = arena_strdup(a, shown);
	}
	return true;
}

/* The agency row: id, name, accepting — from the worker's copy (issue 17),
 * which every change to the agencies replaces at once (core/read_cache). */
static bool load_agency(struct db *db, struct arena *a, const char *code,
			struct request_created *out, const char **agency_id, bool *accepting)
{
	const char *params[] = { code };
	const PGresult *res = read_cached(db, STMT_CITIZEN_AGENCY, READ_UNTIL_AGENCIES_CHANGE,
					  1, params, NULL);
	if (!db_ok(res)) {
		out->status = failure_status(db, res, "agency");
		return false;
	}
	if (PQntuples(res) != 1) {
		out->status = 404;
		return false;
	}
	*agency_id = copy_value(a, res, 0, COL(CITIZEN_AGENCY, id));
	out->agency_code = copy_value(a, res, 0, COL(CITIZEN_AGENCY, code));
	out->agency_name = copy_value(a, res, 0, COL(CITIZEN_AGENCY, name));
	*accepting = !strcmp(PQgetvalue(res, 0, COL(CITIZEN_AGENCY, accepting)), "t");
	return true;
}

/*
 * A registration's date of receipt entered late (issue 11, item 8; as
 * workflow.c's backdate_allowed() for a step): more than the agency's
 * backdate_workdays working days back it needs backdate_reason and marks
 * the request late_entry; in a year whose yearly report is published
 * (Art. 50) only the head enters it, and the report shows the change as
 * a difference calling for a 更正版. Fills `late`; false with out->status
 * (422 with out->errors naming the field) when refused.
 */
struct late_entry {
	bool late;
	int workdays;		/* working days between receipt and today */
	int published_year;	/* 0 unless that year's report is published */
};

static bool registration_backdate(struct db *db, struct arena *a, const char *agency_id,
				  const struct request_fields *f, const struct request_origin *origin,
				  struct request_created *out, struct late_entry *late)
{
	memset(late, 0, sizeof *late);
	const char *params[] = { agency_id, f->received_on };
	PGresult *res = db_exec(db, STMT_CITIZEN_BACKDATE, 2, params);
	if (!db_ok(res) || PQntuples(res) != 1) {
		out->status = failure_status(db, res, "backdate check");
		PQclear(res);
		return false;
	}
	int back = atoi(PQgetvalue(res, 0, COL(CITIZEN_BACKDATE, workdays_back))), limit = atoi(PQgetvalue(res, 0, COL(CITIZEN_BACKDATE, backdate_workdays)));
	bool published = !strcmp(PQgetvalue(res, 0, COL(CITIZEN_BACKDATE, year_published)), "t");
	PQclear(res);
	const char *field = NULL;
	char message[512];
	int32_t day = 0;
	date_parse(f->received_on, &day);
	if (back > limit && !f->backdate_reason) {
		field = "backdate_reason";
		snprintf(message, sizeof message,
			 "收到申请的日期早于今天%d个工作日，超过本机关的补登期限（%d个工作日）：请写明补登理由",
			 back, limit);
	} else if (published && !origin->head) {
		field = "received_on";
		snprintf(message, sizeof message,
			 "%d年的政府信息公开工作年度报告已经公布：收到日期在该年度的申请须经负责人同意，由负责人登记，并发布年度报告更正版",
			 date_year(day));
	}
	if (field) {
		out->errors = json_object_new_object();
		json_object_object_add(out->errors, field, json_object_new_string(arena_strdup(a, message)));
		out->status = 422;
		return false;
	}
	late->late = back > limit;
	late->workdays = back;
	late->published_year = published ? date_year(day) : 0;
	return true;
}

struct insert_ctx {
	struct db *db;
	const struct app *app;
	struct arena *a;
	const char *agency_id;
	const struct request_fields *f;
	const struct request_origin *origin;
	const char *token_hash;
	const char *code_hash;
	struct late_entry late;
	const long long *file_ids;	/* uploads to attach */
	size_t nfiles;
};

/* Attaches the uploads to the new request; their hashes into data. 422
 * when one is gone (attached meanwhile, or not this agency's). */
static int attach_uploads(struct insert_ctx *c, const char *request_id,
			  struct json_object *data)
{
	if (!c->nfiles)
		return 201;
	struct json_object *list = json_object_new_array();
	json_object_object_add(data, "files", list);
	for (size_t i = 0; i < c->nfiles; i++) {
		char sha[BLOB_SHA256_HEX];
		int r = upload_attach(c->db, c->file_ids[i], atoll(request_id),
				      atoll(c->agency_id), NULL, sha);
		if (r != 1)
			return r < 0 ? 503 : 422;
		struct json_object *f = json_object_new_object();
		json_object_object_add(f, "id", json_object_new_int64(c->file_ids[i]));
		json_object_object_add(f, "sha256", json_object_new_string(sha));
		json_object_array_add(list, f);
	}
	return 201;
}

/*
 * Opens the transaction and takes the next tracking number, in one round
 * trip; the counter's row stays locked until the transaction ends, so the
 * numbers have no gaps. 201 with the number in tracking, else the status.
 */
static int begin_with_number(struct insert_ctx *c, const struct request_created *out,
			     char *tracking, size_t size)
{
	const char *p1[] = { c->agency_id };
	struct db_step steps[] = {
		{ .stmt = STMT_TX_BEGIN },
		{ .stmt = STMT_CITIZEN_TRACKING_NEXT, .nparams = 1, .params = p1 },
	};
	db_exec_steps(c->db, steps, 2);
	const PGresult *res = steps[1].res;
	int st = 201;
	if (!db_ok(steps[0].res))
		st = failure_status(c->db, steps[0].res, "begin");
	else if (!db_ok(res) || PQntuples(res) != 1)
		st = failure_status(c->db, res, "tracking counter");
	else
		snprintf(tracking, size, "%s-%s-%06d", out->agency_code,
			 PQgetvalue(res, 0, COL(CITIZEN_TRACKING_NEXT, year)),
			 atoi(PQgetvalue(res, 0, COL(CITIZEN_TRACKING_NEXT, last_no))));
	PQclear(steps[0].res);
	PQclear(steps[1].res);
	return st;
}

/* The first event of an online submission with, in the same round trip,
 * the applicant's acknowledgement and the clerks' alert: it must be
 * confirmed within days (Art. 31). The event is its request's first: seq 1. */
static int submitted_event(struct insert_ctx *c, const struct request_created *out,
			   const struct event *e, PGresult **failure)
{
	struct db_step then[] = {
		messages_applicant_step(c->a, out->request_id, 1, "received", NULL, NULL),
		messages_staff_alert_step(c->a, out->request_id, 1, "new_submission", NULL),
	};
	return event_append_then(c->db, e, 1, then, 2, failure);
}

/* The step inside the transaction (begun here) that may fail; returns the
 * status. */
static int insert_request(struct insert_ctx *c, struct request_created *out)
{
	struct arena *a = c->a;
	const struct request_fields *f = c->f;
	char tracking[96];
	int st = begin_with_number(c, out, tracking, sizeof tracking);
	if (st != 201)
		return st;

	bool staff = c->origin != NULL;
	/* A registered request is received: its 20 working days run (Art. 33;
	 * 15 for one received before 2019-05-15: the 2008 Regulations). */
	int32_t received;
	char reply_days[8];
	snprintf(reply_days, sizeof reply_days, "%d",
		 f->received_on && date_parse(f->received_on, &received)
		 ? ogi_reply_workdays(received) : OGI_REPLY_WORKDAYS);
	const char *params[] = {
		c->agency_id, tracking, c->code_hash, f->applicant_kind, f->name,
		f->id_type,
		f->id_number ? pii_encrypt(c->app, a, f->id_number) : NULL,
		f->id_number ? pii_hash(c->app, a, PII_ID_NUMBER, f->id_number) : NULL,
		f->credit_code, f->legal_representative, f->contact_name, f->work_unit,
		f->phone ? pii_encrypt(c->app, a, f->phone) : NULL,
		f->phone ? pii_hash(c->app, a, PII_PHONE, f->phone_key) : NULL,
		f->fax, f->email, f->address, f->postcode, f->description, f->document_ref,
		code_array(a, f->provision_forms, f->provision_count),
		code_array(a, f->obtain_methods, f->obtain_count),
		f->channel, f->received_on, staff ? "in_progress" : "submitted",
		c->token_hash, reply_days,
		f->privacy_consent ? PRIVACY_NOTICE_VERSION : NULL,
		c->late.late ? "true" : "false",
		f->notify, f->request_kind, f->correction_wrong, f->correction_should,
	};
	PGresult *res = db_exec(c->db, STMT_CITIZEN_REQUEST_INSERT, 33, params);
	if (!db_ok(res)) {
		st = failure_status(c->db, res, "request insert");
		PQclear(res);
		return st;
	}
	if (PQntuples(res) == 0) {	/* the same form was stored before */
		PQclear(res);
		return 200;
	}
	out->request_id = copy_value(a, res, 0, COL(CITIZEN_REQUEST_INSERT, id));
	out->submitted_at = copy_value(a, res, 0, COL(CITIZEN_REQUEST_INSERT, submitted_at));
	out->submitted_text = copy_value(a, res, 0, COL(CITIZEN_REQUEST_INSERT, submitted_text));
	out->due_on = copy_value(a, res, 0, COL(CITIZEN_REQUEST_INSERT, due_on));
	PQclear(res);
	out->tracking_no = arena_strdup(a, tracking);
	out->status_code = staff ? "in_progress" : "submitted";
	out->received_on = f->received_on;
	out->description = f->description;
	out->document_ref = f->document_ref;
	out->notify = f->notify;
	out->request_kind = f->request_kind;

	/* The first event: what the row was created with, without personal
	 * data (the log is append-only and never encrypted). */
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "channel", json_object_new_string(f->channel));
	json_object_object_add(data, "applicant_kind", json_object_new_string(f->applicant_kind));
	json_object_object_add(data, "request_kind", json_object_new_string(f->request_kind));
	if (staff)
		json_object_object_add(data, "received_on", json_object_new_string(f->received_on));
	if (c->late.late) {
		json_object_object_add(data, "backdate_reason", json_object_new_string(f->backdate_reason));
		json_object_object_add(data, "backdated_workdays", json_object_new_int(c->late.workdays));
	}
	if (c->late.published_year)
		json_object_object_add(data, "published_report_year",
				       json_object_new_int(c->late.published_year));
	int attached = attach_uploads(c, out->request_id, data);
	if (attached != 201) {
		json_object_put(data);
		return attached;
	}
	struct event e = {
		.request_id = out->request_id,
		.actor_kind = staff ? "staff" : "applicant",
		.actor_staff_id = staff ? c->origin->staff_id : NULL,
		.action = staff ? "registered" : "submitted",
		.effective_on = staff ? f->received_on : NULL,
		.data = data,
	};
	PGresult *failure = NULL;
	/* A registered request is received: its receipt is issued with its
	 * event (issue 15), and the applicant told. */
	struct context ctx = { .db = c->db, .arena = a, .app = c->app };
	int seq = staff ? workflow_registered_event(&ctx, &e, &failure)
			: submitted_event(c, out, &e, &failure);
	json_object_put(data);
	if (!seq) {
		st = failure_status(c->db, failure, "first event");
		PQclear(failure);
		return st;
	}
	return !staff || messages_queue_applicant(c->db, out->request_id, seq, "confirmed",
						  NULL, NULL) ? 201 : 503;
}

void request_create(struct db *db, const struct app *app, struct arena *a,
		    const char *agency_code, struct json_object *input,
		    const struct request_origin *origin, struct request_created *out)
{
	request_create_with_files(db, app, a, agency_code, input, origin, NULL, 0, out);
}

void request_create_with_files(struct db *db, const struct app *app, struct arena *a,
			       const char *agency_code, struct json_object *input,
			       const struct request_origin *origin,
			       const long long *file_ids, size_t nfiles,
			       struct request_created *out)
{
	memset(out, 0, sizeof *out);
	const char *agency_id;
	bool accepting;
	if (!load_agency(db, a, agency_code, out, &agency_id, &accepting))
		return;
	/* Staff register what arrived on paper even when the online form
	 * is closed. */
	if (!accepting && !origin) {
		out->status = 409;
		return;
	}

	struct request_fields f;
	out->errors = json_object_new_object();
	if (!request_validate(a, input, origin, clock_today(), &f, out->errors,
			      &out->credit_warning)) {
		out->status = 422;
		return;
	}
	json_object_put(out->errors);
	out->errors = NULL;

	char code[QUERY_CODE_CHARS + 1];
	const char *token_hash = NULL;
	if (f.submit_token) {
		token_hash = submit_token_hash(app, a, f.submit_token);
		query_code_from_token(app, a, agency_id, f.submit_token, code);
	} else {
		query_code_random(code);
	}
	struct insert_ctx c = {
		.db = db, .app = app, .a = a, .agency_id = agency_id, .f = &f,
		.origin = origin, .token_hash = token_hash,
		.code_hash = pii_hash(app, a, PII_QUERY_CODE, code),
		.file_ids = file_ids, .nfiles = nfiles,
	};
	if (origin && !registration_backdate(db, a, agency_id, &f, origin, out, &c.late))
		return;

	int st = insert_request(&c, out);
	if (st != 201) {
		/* Gives the tracking number back to the counter. */
		db_command(db, "ROLLBACK");
		if (st == 200) {
			find_repeated(db, app, a, agency_id, &f, token_hash, out);
		} else if (st == 422) {
			out->errors = json_object_new_object();
			json_object_object_add(out->errors, "attachments", json_object_new_string(
				"附件已失效（超过一天未提交，或已被使用），请重新上传。"));
			out->status = 422;
		} else {
			out->status = st;
		}
		return;
	}
	if (!db_command(db, "COMMIT")) {
		log_error("request insert: COMMIT failed");
		out->status = 503;
		return;
	}
	char shown[QUERY_CODE_SIZE];
	query_code_format(code, shown);
	out->query_code = arena_strdup(a, shown);
	out->status = 201;
}
