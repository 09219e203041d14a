/* complaints: 投诉、举报 (complaints.h). */
#include "service/complaints.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/calendar_cache.h"
#include "core/clock.h"
#include "core/columns.h"
#include "core/pii.h"
#include "core/session.h"
#include "domain/date.h"
#include "domain/vocab.h"
#include "domain/workdays.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/textcheck.h"
#include "service/requests.h"

/* ---- checking what was typed ----------------------------------------------- */

struct checked {
	const char *name, *phone_key, *email, *body, *notify;
};

static void refuse_field(struct json_object *errors, const char *field, const char *message)
{
	if (!json_object_object_get_ex(errors, field, NULL))
		json_object_object_add(errors, field, json_object_new_string(message));
}

/* Trimmed text in the arena ("" for NULL). */
static const char *trimmed(struct arena *a, const char *s)
{
	return s ? text_trim(a, s) : "";
}

static size_t chars(const char *s)
{
	return utf8_length(s, strlen(s));
}

/* The fields of `in` checked into `out`; errors per field. How the
 * complainant is told follows what they gave: e-mail first, else SMS to a
 * mobile number, else not at all (they look it up with the code). */
static void check_input(const struct context *ctx, const struct complaint_input *in,
			struct checked *out, struct json_object *errors)
{
	struct arena *a = ctx->arena;
	if (!in->kind || !vocab_has(&vocab_complaint_kind, in->kind))
		refuse_field(errors, "kind", "请选择投诉或举报");
	if (!in->request_id && !(in->agency_code && *in->agency_code))
		refuse_field(errors, "agency", "请选择被投诉举报的机关，或填写申请编号和查询码");
	out->name = trimmed(a, in->name);
	if (!*out->name)
		refuse_field(errors, "name", "请填写您的姓名");
	else if (chars(out->name) > COMPLAINT_NAME_MAX_CHARS)
		refuse_field(errors, "name", "姓名最多50个字");
	const char *phone = fold_fullwidth(a, trimmed(a, in->phone));
	out->phone_key = *phone ? phone_normalise(a, phone) : NULL;
	if (*phone && !out->phone_key)
		refuse_field(errors, "phone", "请填写正确的电话号码，如 13800138000 或 0571-88888888");
	out->email = trimmed(a, in->email);
	if (*out->email && !email_plausible(out->email))
		refuse_field(errors, "email", "请填写正确的电子邮箱，如 name@example.com");
	if (!*out->email)
		out->email = NULL;
	if (!out->phone_key && !out->email)
		refuse_field(errors, "phone", "请至少留下一种联系方式（电话或电子邮箱），以便答复您");
	out->notify = out->email ? "email"
		    : out->phone_key && is_mobile(out->phone_key) ? "sms" : "none";
	out->body = trimmed(a, in->body);
	if (!*out->body)
		refuse_field(errors, "body", "请写明投诉举报的事项和理由");
	else if (chars(out->body) > COMPLAINT_BODY_MAX_CHARS)
		refuse_field(errors, "body", "投诉举报内容最多5000字，请精简");
}

/* ---- filing ---------------------------------------------------------------- */

static struct complaint_filed failed(enum service_status s)
{
	struct complaint_filed f = { .status = s };
	return f;
}

static const char *date_text(struct arena *a, int32_t d)
{
	char buf[DATE_STR_SIZE];
	return arena_strdup(a, date_format(d, buf));
}

/* The agency complained about and its supervisor; false when unknown. */
static bool find_agency(const struct context *ctx, const struct complaint_input *in,
			const char **agency_id, const char **handling_id, struct complaint_filed *f)
{
	const char *p[] = { in->request_id, in->request_id ? NULL : in->agency_code };
	PGresult *res = db_exec(ctx->db, STMT_COMPLAINT_AGENCY, 2, p);
	bool ok = db_ok(res) && PQntuples(res) == 1;
	if (ok) {
		struct arena *a = ctx->arena;
		*agency_id = arena_strdup(a, PQgetvalue(res, 0, COL(COMPLAINT_AGENCY, id)));
		*handling_id = arena_strdup(a, PQgetvalue(res, 0, COL(COMPLAINT_AGENCY, handling_id)));
		f->agency_name = arena_strdup(a, PQgetvalue(res, 0, COL(COMPLAINT_AGENCY, name)));
		f->handling_agency_name = arena_strdup(a,
			PQgetvalue(res, 0, COL(COMPLAINT_AGENCY, handling_name)));
	} else if (!db_ok(res)) {
		f->status = SERVICE_UNAVAILABLE;
	}
	PQclear(res);
	return ok;
}

/* A statement returning one value, or NULL when it failed. */
static const char *one_value(const struct context *ctx, enum stmt s, int n,
			     const char *const *p, int col)
{
	PGresult *res = db_exec(ctx->db, s, n, p);
	const char *v = db_ok(res) && PQntuples(res) == 1
		? arena_strdup(ctx->arena, PQgetvalue(res, 0, col)) : NULL;
	PQclear(res);
	return v;
}

static bool add_event(const struct context *ctx, const char *id, const char *action)
{
	const char *p[] = { id, action, ctx->staff ? ctx->staff->staff_id_text : NULL };
	return one_value(ctx, STMT_COMPLAINT_EVENT, 3, p, COL(COMPLAINT_EVENT, seq)) != NULL;
}

/* The code of a complaint filed with form token `token` (a keyed MAC,
 * as a request's: the same form posted twice shows the same code). */
static void code_of_token(const struct context *ctx, const char *token,
			  char code[QUERY_CODE_CHARS + 1])
{
	if (token)
		query_code_from_token(ctx->app, ctx->arena, "complaint", token, code);
	else
		query_code_random(code);
}

/* The complaint filed before with this form token, if any: false when
 * there is none (or the database failed: f->status says). */
static bool find_repeated(const struct context *ctx, const struct complaint_input *in,
			  const char *token_hash, struct complaint_filed *f)
{
	const char *p[] = { token_hash };
	PGresult *res = db_exec(ctx->db, STMT_COMPLAINT_BY_TOKEN, 1, p);
	bool found = db_ok(res) && PQntuples(res) == 1;
	f->status = db_ok(res) ? SERVICE_DONE : SERVICE_UNAVAILABLE;
	if (found) {
		struct arena *a = ctx->arena;
#define COPY(field) arena_strdup(a, PQgetvalue(res, 0, COL(COMPLAINT_BY_TOKEN, field)))
		f->complaint_no = COPY(complaint_no);
		f->kind = COPY(kind);
		f->received_on = COPY(received_on);
		f->due_on = COPY(due_on);
		f->notify = COPY(notify);
		f->agency_name = COPY(agency_name);
		f->handling_agency_name = COPY(handling_agency_name);
#undef COPY
		f->repeated = true;
		int age = atoi(PQgetvalue(res, 0, COL(COMPLAINT_BY_TOKEN, age_seconds)));
		if (age >= 0 && age < QUERY_CODE_REPEAT_SECONDS) {
			char code[QUERY_CODE_CHARS + 1];
			code_of_token(ctx, in->submit_token, code);
			query_code_format(code, f->query_code);
			sodium_memzero(code, sizeof code);
		}
	}
	PQclear(res);
	return found;
}

/* Inside the transaction: the number, the row, the event. */
static void store(const struct context *ctx, const struct complaint_input *in,
		  const struct checked *c, const char *token_hash, struct complaint_filed *f)
{
	const char *agency_id, *handling_id;
	f->status = SERVICE_BAD_INPUT;
	if (!find_agency(ctx, in, &agency_id, &handling_id, f)) {
		if (f->status == SERVICE_UNAVAILABLE)
			return;
		f->errors = json_object_new_object();
		refuse_field(f->errors, "agency", "没有这个机关，请从列表中选择");
		return;
	}
	f->status = SERVICE_UNAVAILABLE;
	const struct calendar *cal = calendar_current(ctx->db);
	if (!cal)
		return;
	int32_t today = clock_today();
	f->received_on = date_text(ctx->arena, today);
	f->due_on = date_text(ctx->arena, window_last_day(cal, today, COMPLAINT_WORKDAYS));
	f->complaint_no = one_value(ctx, STMT_COMPLAINT_NEXT_NO, 0, NULL,
				    COL(COMPLAINT_NEXT_NO, complaint_no));
	if (!f->complaint_no)
		return;
	char code[QUERY_CODE_CHARS + 1];
	code_of_token(ctx, in->submit_token, code);
	struct arena *a = ctx->arena;
	const char *p[] = {
		f->complaint_no, pii_hash(ctx->app, a, PII_QUERY_CODE, code), in->kind,
		in->request_id, agency_id, handling_id, pii_encrypt(ctx->app, a, c->name),
		c->phone_key ? pii_encrypt(ctx->app, a, c->phone_key) : NULL,
		c->phone_key ? pii_hash(ctx->app, a, PII_PHONE, c->phone_key) : NULL,
		c->email, c->notify, c->body, f->received_on, f->due_on, token_hash,
	};
	PGresult *res = db_exec(ctx->db, STMT_COMPLAINT_INSERT, 15, p);
	const char *id = db_ok(res) && PQntuples(res) == 1
		? arena_strdup(a, PQgetvalue(res, 0, COL(COMPLAINT_INSERT, id))) : NULL;
	if (db_ok(res) && !id)
		f->status = SERVICE_CONFLICT;	/* filed meanwhile with this token */
	PQclear(res);
	if (id && add_event(ctx, id, "filed")) {
		query_code_format(code, f->query_code);
		f->notify = c->notify;
		f->kind = in->kind;
		f->status = SERVICE_DONE;
	}
	sodium_memzero(code, sizeof code);
}

struct complaint_filed complaint_file(const struct context *ctx, const struct complaint_input *in)
{
	struct checked c;
	struct json_object *errors = json_object_new_object();
	check_input(ctx, in, &c, errors);
	if (json_object_object_length(errors) > 0) {
		struct complaint_filed f = failed(SERVICE_BAD_INPUT);
		f.errors = errors;
		return f;
	}
	json_object_put(errors);
	struct complaint_filed f = { .status = SERVICE_FAILED };
	const char *token_hash = in->submit_token && *in->submit_token
		? submit_token_hash(ctx->app, ctx->arena, in->submit_token) : NULL;
	if (token_hash && (find_repeated(ctx, in, token_hash, &f) || f.status != SERVICE_DONE))
		return f;
	if (!db_command(ctx->db, "BEGIN"))
		return failed(SERVICE_UNAVAILABLE);
	f.status = SERVICE_FAILED;
	store(ctx, in, &c, token_hash, &f);
	if (f.status != SERVICE_DONE) {
		db_command(ctx->db, "ROLLBACK");
		/* The same form posted twice at once: the other one filed it. */
		if (f.status == SERVICE_CONFLICT && !find_repeated(ctx, in, token_hash, &f) &&
		    f.status == SERVICE_DONE)
			f.status = SERVICE_FAILED;
		return f;
	}
	if (!db_command(ctx->db, "COMMIT")) {
		log_error("complaint: COMMIT failed");
		sodium_memzero(f.query_code, sizeof f.query_code);
		return failed(SERVICE_UNAVAILABLE);
	}
	return f;
}

/* ---- handling -------------------------------------------------------------- */

bool complaint_handler(const struct context *ctx, long long handling_agency_id)
{
	const struct staff_session *s = ctx->staff;
	if (!s)
		return false;
	if (!strcmp(s->role, "head"))
		return s->agency_id == handling_agency_id;
	return !strcmp(s->role, "admin") && session_sees_agency(ctx->db, s, handling_agency_id);
}

static struct complaint_replied reply_result(enum service_status s, const char *message)
{
	struct complaint_replied r = { .status = s, .message = message };
	return r;
}

/* Locks complaint `id` for its handler: SERVICE_DONE, NOT_FOUND (also
 * outside the member's complaints) or UNAVAILABLE; *replied its state. */
static enum service_status lock_for_handler(const struct context *ctx, const char *id,
					    bool *replied)
{
	const char *p[] = { id };
	PGresult *res = db_exec(ctx->db, STMT_COMPLAINT_LOCK, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return SERVICE_UNAVAILABLE;
	}
	bool found = PQntuples(res) == 1 && complaint_handler(ctx,
		atoll(PQgetvalue(res, 0, COL(COMPLAINT_LOCK, handling_agency_id))));
	*replied = found && !strcmp(PQgetvalue(res, 0, COL(COMPLAINT_LOCK, status)), "replied");
	PQclear(res);
	return found ? SERVICE_DONE : SERVICE_NOT_FOUND;
}

static bool valid_id(const char *id)
{
	return id && *id && strspn(id, "0123456789") == strlen(id) && strlen(id) <= 18;
}

enum service_status complaint_contact_viewed(const struct context *ctx, const char *id)
{
	if (!ctx->staff)
		return SERVICE_NOT_SIGNED_IN;
	if (!valid_id(id))
		return SERVICE_NOT_FOUND;
	if (!db_command(ctx->db, "BEGIN"))
		return SERVICE_UNAVAILABLE;
	bool replied;
	enum service_status s = lock_for_handler(ctx, id, &replied);
	if (s == SERVICE_DONE && !add_event(ctx, id, "contact_viewed"))
		s = SERVICE_UNAVAILABLE;
	if (s != SERVICE_DONE || !db_command(ctx->db, "COMMIT")) {
		db_command(ctx->db, "ROLLBACK");
		return s == SERVICE_DONE ? SERVICE_UNAVAILABLE : s;
	}
	return SERVICE_DONE;
}

/* Inside the transaction. */
static struct complaint_replied store_reply(const struct context *ctx, const char *id,
					    const char *reply)
{
	const char *p[] = { id };
	bool replied;
	enum service_status locked = lock_for_handler(ctx, id, &replied);
	if (locked != SERVICE_DONE)
		return reply_result(locked, locked == SERVICE_NOT_FOUND ? "没有这件投诉举报" : NULL);
	if (replied)
		return reply_result(SERVICE_CONFLICT, "这件投诉举报已经答复过了");
	const char *q[] = { id, reply, ctx->staff->staff_id_text,
			    date_text(ctx->arena, clock_today()) };
	PGresult *res = db_exec(ctx->db, STMT_COMPLAINT_STORE_REPLY, 4, q);
	bool ok = db_ok(res);
	PQclear(res);
	if (ok)
		ok = add_event(ctx, id, "replied");
	if (ok) {
		res = db_exec(ctx->db, STMT_COMPLAINT_MESSAGE, 1, p);
		ok = db_ok(res);
		PQclear(res);
	}
	return ok ? reply_result(SERVICE_DONE, NULL) : reply_result(SERVICE_UNAVAILABLE, NULL);
}

struct complaint_replied complaint_reply(const struct context *ctx, const char *id,
					 const char *reply)
{
	if (!ctx->staff)
		return reply_result(SERVICE_NOT_SIGNED_IN, NULL);
	if (!valid_id(id))
		return reply_result(SERVICE_NOT_FOUND, "没有这件投诉举报");
	const char *text = trimmed(ctx->arena, reply);
	if (!*text)
		return reply_result(SERVICE_BAD_INPUT, "请填写答复内容");
	if (chars(text) > COMPLAINT_BODY_MAX_CHARS)
		return reply_result(SERVICE_BAD_INPUT, "答复内容最多5000字，请精简");
	if (!db_command(ctx->db, "BEGIN"))
		return reply_result(SERVICE_UNAVAILABLE, NULL);
	struct complaint_replied r = store_reply(ctx, id, text);
	if (r.status != SERVICE_DONE) {
		db_command(ctx->db, "ROLLBACK");
		return r;
	}
	if (!db_command(ctx->db, "COMMIT")) {
		log_error("complaint reply: COMMIT failed");
		return reply_result(SERVICE_UNAVAILABLE, NULL);
	}
	return r;
}
