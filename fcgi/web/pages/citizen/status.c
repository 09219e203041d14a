/*
 * The applicant's side of a request after submission: the status look-up
 * (tracking number + query code, always POSTed so the code stays out of
 * URLs and logs), the answer to a 补正 request (Art. 30) and withdrawal.
 * The steps themselves go through workflow_act() as the staff's do.
 *
 * After a look-up or a step the browser is sent (303) to the page as a
 * GET, /status/view?t=TOKEN, the token signed for a day (file_links.h):
 * the page reloads and goes Back without resubmitting, and its forms
 * carry the token, so the query code is never in a URL nor in the page
 * (issue 16). JSON answers at once, as before.
 *
 * Guessing: failed look-ups are counted per client address in the
 * database (status_lookup_failures, 15-minute windows), so the count
 * holds across threads and instances. A look-up reads the request and the
 * address's standing in one round trip; found from an address with no
 * failure in the window, that is all (issue 17). Any other try is claimed
 * — counted and decided by one statement — before its answer is given,
 * so concurrent wrong tries get no more answers than one at a time would
 * (lookup()). A wrong code and an unknown number get the same answer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "core/calendar_cache.h"
#include "core/db_read.h"
#include "core/file_links.h"
#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/idcheck.h"
#include "domain/remedies.h"
#include "domain/workflow_rules.h"
#include "web/http.h"
#include "web/model.h"
#include "web/page_cache.h"
#include "web/upload.h"
#include "core/columns.h"
#include "web/pages/citizen/citizen.h"
#include "web/pages/pages.h"
#include "core/pii.h"
#include "service/request_contact.h"
#include "service/requests.h"
#include "service/workflow.h"
#include "domain/vocab.h"
#include "web/pages/citizen/status_model.h"

/* The first failures of a window cost nothing (typing slips)… */
#define LOOKUP_FREE_FAILURES	3
/* …then each try waits LOOKUP_BASE_DELAY seconds, doubling per failure, */
#define LOOKUP_BASE_DELAY	5
#define LOOKUP_MAX_DELAY	300
/* …and after this many the address is refused until the window ends. */
#define LOOKUP_MAX_FAILURES	10

/*
 * A worker keeps the JSON answer of a look-up (web/page_cache.h) and gives
 * it again while the look-up's own statement says the request's page has
 * not changed (CITIZEN_LOOKUP_FIND's page_version) and neither have the
 * agencies nor the calendar it names. Five minutes at most: its file links
 * are good for fifteen (core/file_links.h), so a copy's keep ten.
 */
#define STATUS_COPY_TOPICS	(DB_TOPIC_BIT(DB_TOPIC_AGENCIES) | DB_TOPIC_BIT(DB_TOPIC_HOLIDAYS))
#define STATUS_COPY_MAX_AGE	300

/* An applicant's answer to a 补正 request. */
#define SUPPLEMENT_MAX_CHARS	5000
#define WITHDRAW_REASON_MAX_CHARS 500

/* ---- input --------------------------------------------------------------------- */

/* The applicant's fields, from a form or a JSON body. */
static const char *input(struct request *req, const char *name)
{
	if (req->json_body) {
		struct json_object *o;
		return json_object_is_type(req->json_body, json_type_object) &&
		       json_object_object_get_ex(req->json_body, name, &o) &&
		       json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
	}
	return fields_get(&req->form, name);
}

const char *citizen_input(struct request *req, const char *name)
{
	return input(req, name);
}

/* The tracking number as typed: trimmed, lower-cased, full-width folded. */
char *tracking_normalise(struct arena *a, const char *typed)
{
	size_t len = typed ? strlen(typed) : 0;
	char *out = arena_alloc(a, len + 1), *o = out;
	for (const unsigned char *p = (const unsigned char *)typed; p && *p; p++) {
		if (p[0] == 0xEF && (p[1] == 0xBC || p[1] == 0xBD) && p[2] >= 0x80) {
			unsigned cp = 0xF000u | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				*o++ = (char)(cp - 0xFF01 + 0x21);
				p += 2;
				continue;
			}
		}
		if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			continue;
		*o++ = (char)(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	}
	*o = '\0';
	return out;
}

/* ---- the look-up and its limiter ------------------------------------------------- */

enum lookup {
	LOOKUP_FOUND,
	LOOKUP_INCOMPLETE,	/* a field left empty: 422 */
	LOOKUP_WRONG,		/* unknown number or wrong code: 404 */
	LOOKUP_LIMITED,		/* too many failures: 429 */
	LOOKUP_EXPIRED,		/* a status token past its day: the form again */
	LOOKUP_BAD_TOKEN,	/* a status token not signed by us: 404 */
	LOOKUP_FAILED,		/* the database: already answered */
};

struct lookup_result {
	enum lookup result;
	const char *id;
	struct db *db;			/* where it was found (maybe the standby) */
	const char *tracking_no;	/* normalised */
	const char *query_code;		/* as typed */
	const char *code_hash;		/* LOOKUP_FOUND: its query code's, as stored */
	int retry_after;		/* seconds, for LOOKUP_LIMITED */
	struct json_object *errors;	/* LOOKUP_INCOMPLETE */
	struct json_object *model;	/* LOOKUP_FOUND, when asked for (the caller's) */
	const char *copy_key;		/* a JSON look-up's copy's (page_cache) */
	const char *page_version;	/* LOOKUP_FOUND by number: the page's, now */
};

/* What a look-up's copy is kept under: the number and code as proved, and
 * the site's address (the page names it). */
static const char *copy_key(struct request *req, const char *tracking_no, const char *hash)
{
	const char *origin = http_site_origin(req);
	size_t n = strlen(tracking_no) + strlen(hash) + strlen(origin) + 16;
	char *key = arena_alloc(req->arena, n);
	snprintf(key, n, "status\n%s\n%s\n%s", tracking_no, hash, origin);
	return key;
}

/* The copy of a look-up's answer: at r's page_version, NULL before it is read. */
static struct page_copy status_copy(const struct lookup_result *r)
{
	return (struct page_copy){ .key = r->copy_key, .version = r->page_version,
				   .topics = STATUS_COPY_TOPICS, .max_age = STATUS_COPY_MAX_AGE };
}

/* The seconds this address must wait before its next try (0: none), from
 * its row of CITIZEN_LOOKUP_STATE (none: no failure in this window). */
static int wait_of_state(const PGresult *res)
{
	int wait = 0;
	if (PQntuples(res) == 1) {
		int failures = atoi(PQgetvalue(res, 0, COL(CITIZEN_LOOKUP_STATE, failures)));
		int since = atoi(PQgetvalue(res, 0, COL(CITIZEN_LOOKUP_STATE, since_failed)));
		int window_left = atoi(PQgetvalue(res, 0, COL(CITIZEN_LOOKUP_STATE, window_left)));
		if (failures >= LOOKUP_MAX_FAILURES) {
			wait = window_left > 0 ? window_left : 1;
		} else if (failures >= LOOKUP_FREE_FAILURES) {
			int shift = failures - LOOKUP_FREE_FAILURES;
			int delay = shift >= 6 ? LOOKUP_MAX_DELAY : LOOKUP_BASE_DELAY << shift;
			if (delay > LOOKUP_MAX_DELAY)
				delay = LOOKUP_MAX_DELAY;
			wait = since < delay ? delay - since : 0;
		}
	}
	return wait;
}

/* 0 when this address may try now, else the seconds to wait (-1: failed). */
static int lookup_wait(struct request *req)
{
	const char *params[] = { http_client_bucket(req) };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_CITIZEN_LOOKUP_STATE, 1, params);
	if (!res)
		return -1;
	int wait = wait_of_state(res);
	PQclear(res);
	return wait;
}

/* Runs a limiter statement for the client's address; false (answered)
 * when the database failed. `claimed` (optional) is whether a row came
 * back, i.e. whether the try may go ahead. */
static bool limiter_exec(struct request *req, enum stmt s, bool *claimed)
{
	char free_failures[8], max_failures[8], base[8], max_delay[8];
	snprintf(free_failures, sizeof free_failures, "%d", LOOKUP_FREE_FAILURES);
	snprintf(max_failures, sizeof max_failures, "%d", LOOKUP_MAX_FAILURES);
	snprintf(base, sizeof base, "%d", LOOKUP_BASE_DELAY);
	snprintf(max_delay, sizeof max_delay, "%d", LOOKUP_MAX_DELAY);
	const char *params[] = { http_client_bucket(req), free_failures, max_failures, base, max_delay };
	PGresult *res = db_exec(req->db, s, s == STMT_CITIZEN_LOOKUP_CLAIM ? 5 : 1, params);
	bool ok = db_ok(res);
	if (!ok)
		respond_db_failure(req, res);
	else if (claimed)
		*claimed = PQntuples(res) == 1;
	PQclear(res);
	return ok;
}

/*
 * One round trip (issue 17): the request of this number and code with the
 * address's limiter state, in one statement, and — with_model — the whole
 * status page's reads unless this worker keeps a copy of the page, which
 * the statement's page_version may prove current. Sets r->id, r->db,
 * r->page_version and r->model (when read) when found; *clean when the
 * address has no failure in this window.
 */
enum { READ_FIND, READ_PAGE };
static enum lookup read_in(struct request *req, struct db *db, const char *hash,
			   bool with_model, struct lookup_result *r, bool *clean)
{
	const char *find[] = { http_client_bucket(req), r->tracking_no, hash };
	struct status_key key = { .params = { NULL, r->tracking_no, hash } };
	struct db_step steps[READ_PAGE + STATUS_READS] = {
		[READ_FIND] = { .stmt = STMT_CITIZEN_LOOKUP_FIND, .nparams = 3, .params = find },
	};
	size_t n = READ_PAGE;
	if (with_model) {
		r->copy_key = copy_key(req, r->tracking_no, hash);
		struct page_copy copy = status_copy(r);
		if (!page_cache_kept(req, &copy)) {
			status_reads_add(steps + READ_PAGE, &key);
			n += STATUS_READS;
		}
	}
	enum lookup found = LOOKUP_FAILED;
	bool read = db_exec_steps(db, steps, n) && PQntuples(steps[READ_FIND].res) == 1;
	const PGresult *row = steps[READ_FIND].res;
	if (!read) {
		respond_db_failure(req, row);
	} else if (PQgetisnull(row, 0, COL(CITIZEN_LOOKUP_FIND, id))) {
		found = LOOKUP_WRONG;
	} else {
		found = LOOKUP_FOUND;
		r->id = arena_strdup(req->arena, PQgetvalue(row, 0, COL(CITIZEN_LOOKUP_FIND, id)));
		r->code_hash = hash;
		r->db = db;
		r->page_version = arena_strdup(req->arena, PQgetvalue(row, 0,
						COL(CITIZEN_LOOKUP_FIND, page_version)));
		if (n > READ_PAGE && status_reads_found(steps + READ_PAGE)) {
			r->model = status_model_of(req, db, steps + READ_PAGE);
			if (!r->model)
				found = LOOKUP_FAILED;
		}
	}
	*clean = found != LOOKUP_FAILED && PQgetisnull(row, 0, COL(CITIZEN_LOOKUP_FIND, failures));
	for (size_t i = 0; i < n; i++)
		PQclear(steps[i].res);
	return found;
}

/*
 * Finds the request of a status token (the page's forms, /status/view): its
 * query code's hash read and — with_model — its whole page, in one round
 * trip; the token holds only if it was signed for that hash (a code issued
 * anew ends the old one's tokens). A token cannot be guessed, so it is not
 * counted by the limiter. It reads the primary: the page after a step
 * shows that step.
 */
enum { TOKEN_CODE, TOKEN_PAGE };
static void lookup_token(struct request *req, const char *token, bool with_model,
			 struct lookup_result *r)
{
	struct status_token t;
	r->tracking_no = "";
	r->query_code = "";
	r->result = LOOKUP_BAD_TOKEN;
	if (!status_token_parse(token, &t)) {
		req->log_why = "bad status token";
		return;
	}
	const char *id[] = { t.id };
	struct status_key key = { .params = { t.id, NULL, NULL } };
	struct db_step steps[TOKEN_PAGE + STATUS_READS] = {
		[TOKEN_CODE] = { .stmt = STMT_CITIZEN_STATUS_CODE, .nparams = 1, .params = id },
	};
	size_t n = TOKEN_PAGE;
	if (with_model) {
		status_reads_add(steps + TOKEN_PAGE, &key);
		n += STATUS_READS;
	}
	if (!db_exec_steps(req->db, steps, n)) {
		respond_db_failure(req, steps[TOKEN_CODE].res);
		r->result = LOOKUP_FAILED;
	} else {
		const PGresult *row = steps[TOKEN_CODE].res;
		bool known = PQntuples(row) == 1;
		const char *hash = known ? PQgetvalue(row, 0, COL(CITIZEN_STATUS_CODE, query_code_hash))
					 : NULL;
		enum signed_link_check c = status_token_check(req->app, &t, hash, time(NULL));
		if (c == LINK_EXPIRED) {
			r->tracking_no = arena_strdup(req->arena,
				PQgetvalue(row, 0, COL(CITIZEN_STATUS_CODE, tracking_no)));
			r->result = LOOKUP_EXPIRED;
		} else if (c == LINK_GOOD && (!with_model || status_reads_found(steps + TOKEN_PAGE))) {
			r->id = arena_strdup(req->arena, t.id);
			r->code_hash = arena_strdup(req->arena, hash);
			r->db = req->db;
			r->result = LOOKUP_FOUND;
			if (with_model) {
				r->model = status_model_of(req, req->db, steps + TOKEN_PAGE);
				if (!r->model)
					r->result = LOOKUP_FAILED;
			}
		} else {
			req->log_why = "bad status token";
		}
	}
	for (size_t i = 0; i < n; i++)
		PQclear(steps[i].res);
}

/*
 * Finds the request of the POSTed tracking_no and query_code, or of the
 * status token `t` of the page's own forms. Reads from
 * the standby when there is one, but asks the primary before counting a
 * failure (a request submitted a moment ago may not have reached it).
 */
/* The strict path of lookup(): a try claimed (or refused) before the
 * answer `found` is given. */
static void claim_try(struct request *req, struct lookup_result *r, enum lookup found)
{
	bool claimed;
	r->result = LOOKUP_FAILED;
	if (!limiter_exec(req, STMT_CITIZEN_LOOKUP_CLAIM, &claimed))
		return;
	if (!claimed) {
		int wait = lookup_wait(req);
		if (wait < 0)
			return;
		req->log_why = "status look-up limited";
		/* A try refused a moment before the wait ended: try again in 1 s. */
		r->retry_after = wait > 0 ? wait : 1;
		r->result = LOOKUP_LIMITED;
	} else if (found == LOOKUP_FOUND) {
		if (limiter_exec(req, STMT_CITIZEN_LOOKUP_REFUND, NULL))
			r->result = LOOKUP_FOUND;
	} else {
		/* Counted by the claim. */
		req->log_why = "status look-up failed";
		r->result = LOOKUP_WRONG;
	}
	if (r->result != LOOKUP_FOUND && r->model) {
		json_object_put(r->model);
		r->model = NULL;
	}
}

static void lookup(struct request *req, struct lookup_result *r, bool with_model)
{
	memset(r, 0, sizeof *r);
	const char *token = input(req, "t");
	if (token) {
		lookup_token(req, token, with_model, r);
		return;
	}
	const char *no = input(req, "tracking_no");
	const char *code = input(req, "query_code");
	r->tracking_no = tracking_normalise(req->arena, no);
	r->query_code = code ? code : "";
	if (!*r->tracking_no || !*r->query_code) {
		r->errors = json_object_new_object();
		if (!*r->tracking_no)
			model_add_str(r->errors, "tracking_no", "请填写申请编号（如 demo-2026-000001）");
		if (!*r->query_code)
			model_add_str(r->errors, "query_code", "请填写查询码（提交申请时显示的10位字母和数字）");
		r->result = LOOKUP_INCOMPLETE;
		return;
	}
	/*
	 * The request and the address's standing are read in one round trip,
	 * from the standby when there is one (asking the primary before a
	 * failure: a request submitted a moment ago may not have reached it).
	 * Found from an address without a failure in this window: nothing is
	 * written (issue 17). Otherwise the try is claimed — counted and
	 * decided by one statement — before the answer is given, so that
	 * concurrent wrong tries get no more answers than one at a time would
	 * (issue 12, item 11); a found request gives its try back.
	 */
	const char *hash = query_code_hash(req->app, req->arena, r->query_code);
	enum lookup found = LOOKUP_WRONG;
	bool clean = false;
	if (hash && strlen(r->tracking_no) <= 64) {
		struct db *db = db_for_reading(req->worker);
		found = read_in(req, db, hash, with_model, r, &clean);
		if (found == LOOKUP_WRONG && db != req->db)
			found = read_in(req, req->db, hash, with_model, r, &clean);
	}
	if (found == LOOKUP_FAILED || (found == LOOKUP_FOUND && clean)) {
		r->result = found;
		return;
	}
	claim_try(req, r, found);
}

void set_retry_after(struct request *req, int seconds)
{
	char v[16];
	snprintf(v, sizeof v, "%d", seconds);
	http_header(req, "Retry-After", v);
}

const char *limited_message(struct request *req, int seconds)
{
	char buf[256];
	if (seconds >= 90)
		snprintf(buf, sizeof buf, "查询失败次数过多，为保护申请人的信息，请%d分钟后再试。", (seconds + 59) / 60);
	else
		snprintf(buf, sizeof buf, "查询失败次数较多，请%d秒后再试，并仔细核对申请编号和查询码。", seconds);
	return arena_strdup(req->arena, buf);
}

/* ---- the look-up for other pages (citizen.h) ----------------------------------------- */

static enum citizen_try try_of(enum lookup l)
{
	return l == LOOKUP_FOUND ? TRY_FOUND : l == LOOKUP_LIMITED ? TRY_LIMITED
	     : l == LOOKUP_FAILED ? TRY_FAILED : TRY_WRONG;
}

enum citizen_try citizen_request_proved(struct request *req, const char **request_id,
					int *retry_after)
{
	struct lookup_result r;
	lookup(req, &r, false);
	if (r.result == LOOKUP_INCOMPLETE)
		json_object_put(r.errors);
	*request_id = r.id;
	*retry_after = r.retry_after;
	return try_of(r.result);
}

enum citizen_try citizen_try_counted(struct request *req, bool found, int *retry_after)
{
	struct lookup_result r;
	memset(&r, 0, sizeof r);
	claim_try(req, &r, found ? LOOKUP_FOUND : LOOKUP_WRONG);
	*retry_after = r.retry_after;
	return try_of(r.result);
}

#define EXPIRED_MESSAGE "查询结果页面的有效期为一天，现已过期。为保护您的信息，请重新输入查询码。"
#define BAD_TOKEN_MESSAGE "链接不完整或已失效，请输入申请编号和查询码重新查询。"
#define WRONG_MESSAGE "申请编号或查询码不正确，请核对后重试。查询码在提交申请时显示，区分不出0和O、1和I时均可按数字输入。"

/* ---- pages --------------------------------------------------------------------------- */

static void respond_status_form(struct request *req, int status, const char *tracking_no,
				const char *message, struct json_object *errors)
{
	struct json_object *m = json_object_new_object();
	model_add_str(m, "tracking_no", tracking_no);
	/* What was typed comes back, to correct a slip. */
	model_add_str(m, "query_code", input(req, "query_code"));
	model_add_str(m, "message", message);
	if (errors) {
		struct json_object *e;
		if (json_object_object_get_ex(errors, "tracking_no", &e))
			model_add_str(m, "tracking_no_error", json_object_get_string(e));
		if (json_object_object_get_ex(errors, "query_code", &e))
			model_add_str(m, "query_code_error", json_object_get_string(e));
	}
	if (req->wants_json) {
		struct json_object *j = json_object_new_object();
		if (errors)
			json_object_object_add(j, "errors", json_object_get(errors));
		else
			model_add_str(j, "error", message);
		json_object_put(m);
		m = j;
	}
	respond(req, status, "status_form", m);
}

void page_status_form(struct request *req)
{
	const char *no = fields_get(&req->query, "no");
	struct json_object *m = json_object_new_object();
	if (no)
		model_add_str(m, "tracking_no", tracking_normalise(req->arena, no));
	respond(req, 200, "status_form", m);
}

/* True when the look-up found the request; else answers why not. */
static bool lookup_found_or_respond(struct request *req, struct lookup_result *r)
{
	switch (r->result) {
	case LOOKUP_FOUND:
		return true;
	case LOOKUP_INCOMPLETE:
		respond_status_form(req, 422, r->tracking_no, NULL, r->errors);
		json_object_put(r->errors);
		break;
	case LOOKUP_WRONG:
		respond_status_form(req, 404, r->tracking_no, WRONG_MESSAGE, NULL);
		break;
	case LOOKUP_EXPIRED:
		/* Nothing was done: a GET shows the form, a POST says it is gone. */
		respond_status_form(req, strcmp(req->method, "GET") ? 410 : 200, r->tracking_no,
				    EXPIRED_MESSAGE, NULL);
		break;
	case LOOKUP_BAD_TOKEN:
		respond_status_form(req, 404, "", BAD_TOKEN_MESSAGE, NULL);
		break;
	case LOOKUP_LIMITED:
		set_retry_after(req, r->retry_after);
		respond_status_form(req, 429, r->tracking_no,
				    limited_message(req, r->retry_after), NULL);
		break;
	case LOOKUP_FAILED:
		break;
	}
	return false;
}

/*
 * The status page. The code travels on as hidden fields of its forms
 * (supplement, withdrawal), so nothing is kept between requests.
 */
/* The 补正 answer's files (issue 15): purpose 'supplement'. */
static const struct upload_input supplement_inputs[] = { { "attachments", "supplement" } };
static const struct upload_form_field supplement_fields[] = {
	{ "attachments", "补正材料（文件）", true },
};

/* The fields of the page's forms, for the error summary (issue 16,
 * item 5): each error links to its field. */
static const struct {
	const char *field;
	const char *label;
	const char *anchor;
} form_fields[] = {
	{ "text", "补正内容", "f-text" },
	{ "attachments", "补正材料（文件）", "f-attachments" },
	{ "notify", "通知方式", "f-notify-none" },
	{ "email", "新的电子邮箱", "f-email" },
	{ "phone", "新的联系电话", "f-phone" },
	{ "reason", "撤回原因", "f-reason" },
};

/* error_count and error_list from errors {field: message}, in the
 * page's order; a refusal by the rules ("step") has its own box. */
static void add_error_summary(struct json_object *m, struct json_object *errors)
{
	struct json_object *list = json_object_new_array(), *e;
	for (size_t i = 0; errors && i < sizeof form_fields / sizeof form_fields[0]; i++) {
		if (!json_object_object_get_ex(errors, form_fields[i].field, &e))
			continue;
		struct json_object *o = json_object_new_object();
		model_add_str(o, "anchor", form_fields[i].anchor);
		model_add_str(o, "label", form_fields[i].label);
		model_add_str(o, "message", json_object_get_string(e));
		json_object_array_add(list, o);
	}
	size_t n = json_object_array_length(list);
	if (n)
		json_object_object_add(m, "error_count", json_object_new_int((int)n));
	json_object_object_add(m, "error_list", list);
}

/* Answers with the status page's model m (status_model), and what the
 * applicant sent when it was refused. */
static void respond_status_page(struct request *req, struct json_object *m, int http_status,
				const char *flash, struct json_object *errors,
				struct json_object *typed, const struct upload_result *uploads)
{
	if (!req->wants_json)
		upload_form_model(req, m, uploads, supplement_fields, 1);
	model_add_str(m, "flash", flash);
	if (errors && !req->wants_json)
		add_error_summary(m, errors);
	if (errors)
		json_object_object_add(m, "errors", json_object_get(errors));
	if (typed)
		json_object_object_add(m, "typed", json_object_get(typed));
	respond(req, http_status, "status", m);
}

static void respond_status_with_uploads(struct request *req, struct db *db, int http_status,
					const char *id, const char *flash,
					struct json_object *errors, struct json_object *typed,
					const struct upload_result *uploads)
{
	struct json_object *m = status_model(req, db, id);
	if (m)
		respond_status_page(req, m, http_status, flash, errors, typed, uploads);
}

static void respond_status(struct request *req, struct db *db, int http_status,
			   const char *id, const char *flash,
			   struct json_object *errors, struct json_object *typed)
{
	respond_status_with_uploads(req, db, http_status, id, flash, errors, typed, NULL);
}

/* What was done, named in the page's URL after a step (done=…). */
static const struct {
	const char *done;
	const char *flash;
} done_flashes[] = {
	{ "supplement", "补正材料已提交。受理机关收到补正之日起，答复期限重新计算。" },
	{ "withdraw", "申请已撤回。" },
	{ "contact", "通知方式和联系方式已修改。" },
	{ "contact_same", "没有需要修改的内容。" },
};

static const char *flash_of(const char *done)
{
	for (size_t i = 0; done && i < sizeof done_flashes / sizeof done_flashes[0]; i++)
		if (!strcmp(done_flashes[i].done, done))
			return done_flashes[i].flash;
	return NULL;
}

/* The answer after a look-up or a step: JSON at once (200, the model);
 * a browser is sent to the page as a GET (303), see the top. */
static void respond_status_done(struct request *req, struct db *db,
				const struct lookup_result *r, const char *done)
{
	const char *id = r->id;
	if (req->wants_json) {
		respond_status(req, db, 200, id, flash_of(done), NULL, NULL);
		return;
	}
	char token[STATUS_TOKEN_SIZE], target[STATUS_TOKEN_SIZE + 64];
	status_token_make(req->app, id, r->code_hash, time(NULL), token);
	snprintf(target, sizeof target, "/status/view?t=%s%s%s", token, done ? "&done=" : "",
		 done ? done : "");
	respond_redirect(req, target);
}

void page_status_lookup(struct request *req)
{
	struct lookup_result r;
	/* JSON answers with the page's model, read with the look-up itself,
	 * or with this worker's copy of it when the look-up proved it current. */
	lookup(req, &r, req->wants_json);
	if (!lookup_found_or_respond(req, &r))
		return;
	if (!req->wants_json) {
		respond_status_done(req, r.db, &r, NULL);
		return;
	}
	struct page_copy copy = status_copy(&r);
	bool by_number = r.copy_key && r.page_version;
	if (by_number && page_cache_serve(req, &copy, NULL, 0))
		return;
	/* A copy was kept but is not current: the page's reads, now. */
	if (!r.model && !(r.model = status_model(req, r.db, r.id)))
		return;
	if (by_number)
		page_cache_respond(req, &copy, "status", r.model, NULL, 0);
	else
		respond(req, 200, "status", r.model);
}

/* GET /status/view?t=TOKEN[&done=…]: the status page, reloadable. */
void page_status_view(struct request *req)
{
	struct lookup_result r;
	memset(&r, 0, sizeof r);
	lookup_token(req, fields_get(&req->query, "t"), true, &r);
	if (lookup_found_or_respond(req, &r))
		respond_status_page(req, r.model, 200, flash_of(fields_get(&req->query, "done")),
				    NULL, NULL, NULL);
}

void page_api_status(struct request *req)
{
	page_status_lookup(req);
}

/* The applicant's text for a step, checked; NULL with errors[field] set. */
static const char *applicant_text(struct request *req, const char *field, size_t max,
				  bool required, struct json_object *errors)
{
	const char *t = input(req, field);
	if (!t)
		t = "";
	size_t n = utf8_length(t, strlen(t));
	const char *blank = t + strspn(t, " \t\r\n");
	if (required && !*blank) {
		model_add_str(errors, field, "请填写补正内容");
		return NULL;
	}
	if (n > max) {
		char msg[128];
		snprintf(msg, sizeof msg, "不能超过%zu个字（现在是%zu个字）", max, n);
		model_add_str(errors, field, msg);
		return NULL;
	}
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if ((*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t') || *p == 0x7f) {
			model_add_str(errors, field, "含有不可见的控制字符，请删除");
			return NULL;
		}
	}
	return t;
}

/* Runs a step for the applicant and answers with the status page. */
static void applicant_step(struct request *req, const struct lookup_result *r,
			   const char *action, struct json_object *in, const char *done,
			   const char *field, struct json_object *typed)

{
	struct context ctx = http_context(req);
	struct workflow_result w = workflow_act(&ctx, r->id, action, in, in == req->json_body,
						ACTOR_APPLICANT);
	if (req->responded)
		return;
	int status = http_status_of(w.status);
	if (status == 200) {
		respond_status_done(req, req->db, r, done);
		return;
	}
	if (status >= 500) {
		respond_error(req, status, w.message);
		return;
	}
	struct json_object *errors = json_object_new_object();
	/* A refusal by the rules (409) has no field to stand beside. */
	model_add_str(errors, status == 422 ? (w.field ? w.field : field) : "step",
		w.message ? w.message : "无法完成此操作。");
	if (req->wants_json && status != 422) {
		json_object_put(errors);
		respond_error(req, status, w.message);
		return;
	}
	if (req->wants_json) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "errors", errors);
		respond(req, 422, NULL, m);
		return;
	}
	req->log_why = "step refused";
	respond_status(req, req->db, status, r->id, NULL, errors, typed);
	json_object_put(errors);
}

/* The spec of the 补正's files once the request is known; false when
 * answered. */
static bool supplement_spec(struct request *req, const char *id, struct upload_spec *spec)
{
	const char *p[] = { id };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_UPLOAD_REQUEST_AGENCY, 1, p);
	if (!res)
		return false;
	spec->agency_id = PQntuples(res) == 1
		? atoll(PQgetvalue(res, 0, COL(UPLOAD_REQUEST_AGENCY, agency_id))) : 0;
	spec->request_id = atoll(id);
	PQclear(res);
	if (!spec->agency_id)
		respond_error(req, 404, NULL);
	return spec->agency_id != 0;
}

/*
 * Art. 30: the applicant's 补正, added to the request beside the original,
 * with files (purpose 'supplement') attached in the step's transaction.
 * The form names its request only by tracking number and query code, so
 * its files are stored once the look-up has found it.
 */
void page_status_supplement(struct request *req)
{
	struct upload_spec spec = { supplement_inputs, 1, 0, 0, 0 };
	struct upload_result up;
	if (!upload_receive(req, &spec, &up))
		return;
	struct lookup_result r;
	lookup(req, &r, false);
	if (!lookup_found_or_respond(req, &r) || !supplement_spec(req, r.id, &spec) ||
	    !upload_store_pending(req, &spec, &up)) {
		upload_discard(&up);
		return;
	}
	struct json_object *errors = json_object_new_object();
	const char *text = applicant_text(req, "text", SUPPLEMENT_MAX_CHARS, true, errors);
	const char *file_error = upload_error_for(&up, "attachments");
	if (file_error)
		model_add_str(errors, "attachments", file_error);
	struct json_object *typed = json_object_new_object();
	model_add_str(typed, "text", input(req, "text"));
	if (!text || up.status) {
		req->log_why = up.status ? "upload refused" : "invalid supplement";
		int status = up.status ? up.status : 422;
		if (req->wants_json) {
			struct json_object *m = json_object_new_object();
			json_object_object_add(m, "errors", json_object_get(errors));
			respond(req, status, NULL, m);
		} else {
			respond_status_with_uploads(req, r.db, status, r.id, NULL, errors, typed,
						    &up);
		}
	} else {
		struct json_object *in = json_object_new_object();
		model_add_str(in, "text", text);
		upload_add_ids(req, in, &up);
		applicant_step(req, &r, "supplement_answered", in, "supplement", "text", typed);
		json_object_put(in);
	}
	json_object_put(typed);
	json_object_put(errors);
}

/* The confirmation step of a withdrawal, with what was typed. */
static void respond_withdraw_confirm(struct request *req, const struct lookup_result *r,
				     int status, struct json_object *errors)
{
	struct json_object *m = status_model(req, r->db, r->id);
	if (!m)
		return;
	add_error_summary(m, errors);
	model_add_str(m, "reason", input(req, "reason"));
	json_object_object_add(m, "errors", json_object_get(errors));
	respond(req, status, "status_withdraw", m);
}

/* GET /status/withdraw?t=TOKEN: the confirmation step as a page of its
 * own, so that Back from it resubmits nothing (issue 16, item 2). */
void page_status_withdraw_form(struct request *req)
{
	struct lookup_result r;
	memset(&r, 0, sizeof r);
	lookup_token(req, fields_get(&req->query, "t"), false, &r);
	if (!lookup_found_or_respond(req, &r))
		return;
	struct json_object *errors = json_object_new_object();
	respond_withdraw_confirm(req, &r, 200, errors);
	json_object_put(errors);
}

/* Withdrawal, after a confirmation step (confirm=yes). */
void page_status_withdraw(struct request *req)
{
	struct lookup_result r;
	lookup(req, &r, false);
	if (!lookup_found_or_respond(req, &r))
		return;
	struct json_object *errors = json_object_new_object();
	const char *reason = applicant_text(req, "reason", WITHDRAW_REASON_MAX_CHARS, false, errors);
	const char *confirm = input(req, "confirm");
	bool confirmed = req->json_body || (confirm && !strcmp(confirm, "yes"));
	if (!reason && req->wants_json) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "errors", json_object_get(errors));
		respond(req, 422, NULL, m);
	} else if (!reason || !confirmed) {
		respond_withdraw_confirm(req, &r, reason ? 200 : 422, errors);
	} else {
		struct json_object *in = json_object_new_object();
		if (*reason)
			model_add_str(in, "reason", reason);
		applicant_step(req, &r, "withdraw", in, "withdraw", "reason", NULL);
		json_object_put(in);
	}
	json_object_put(errors);
}

/* The status page with the contact form as it was sent: what was typed
 * and the choice made come back beside their errors. */
static void respond_contact_refused(struct request *req, const struct lookup_result *r,
				    struct json_object *errors)
{
	struct json_object *m = status_model(req, req->db, r->id);
	if (!m)
		return;
	struct json_object *typed = json_object_new_object();
	model_add_str(typed, "email", fields_get(&req->form, "email"));
	model_add_str(typed, "phone", fields_get(&req->form, "phone"));
	const char *chosen = fields_get(&req->form, "notify");
	struct json_object *options;
	if (chosen && json_object_object_get_ex(m, "notify_options", &options)) {
		for (size_t i = 0; i < json_object_array_length(options); i++) {
			struct json_object *o = json_object_array_get_idx(options, i), *v;
			json_object_object_get_ex(o, "value", &v);
			json_object_object_del(o, "checked");
			if (!strcmp(json_object_get_string(v), chosen))
				json_object_object_add(o, "checked", json_object_new_boolean(true));
		}
	}
	add_error_summary(m, errors);
	json_object_object_add(m, "errors", json_object_get(errors));
	json_object_object_add(m, "typed", typed);
	json_object_object_add(m, "contact_open", json_object_new_boolean(true));
	respond(req, 422, "status", m);
}

/* The contact form's fields as the service's input. */
static struct json_object *contact_input(struct request *req)
{
	if (req->json_body)
		return json_object_get(req->json_body);
	struct json_object *in = json_object_new_object();
	static const char *const fields[] = { "notify", "email", "phone" };
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		model_add_str(in, fields[i], fields_get(&req->form, fields[i]));
	return in;
}

/*
 * Issue 14: how the applicant is told, their e-mail and phone number
 * (个人信息保护法 Art. 46: corrected and completed at their request).
 * Whoever holds the query code may change them, as they may withdraw.
 */
void page_status_contact(struct request *req)
{
	struct lookup_result r;
	lookup(req, &r, false);
	if (!lookup_found_or_respond(req, &r))
		return;
	struct json_object *in = contact_input(req);
	struct context ctx = http_context(req);
	struct contact_change c = request_contact_change(&ctx, r.id, in);
	int status = http_status_of(c.status);
	if (status == 200) {
		respond_status_done(req, req->db, &r, c.changed ? "contact" : "contact_same");
	} else if (status == 422) {
		req->log_why = "invalid contact change";
		if (req->wants_json) {
			struct json_object *m = json_object_new_object();
			json_object_object_add(m, "errors", json_object_get(c.errors));
			respond(req, 422, NULL, m);
		} else {
			respond_contact_refused(req, &r, c.errors);
		}
	} else if (status == 409 && !req->wants_json) {
		struct json_object *errors = json_object_new_object();
		model_add_str(errors, "step", c.message);
		respond_status(req, req->db, 409, r.id, NULL, errors, NULL);
		json_object_put(errors);
	} else {
		respond_error(req, status, c.message);
	}
	json_object_put(c.errors);
	json_object_put(in);
}

void page_api_status_contact(struct request *req)
{
	page_status_contact(req);
}

void page_api_status_supplement(struct request *req)
{
	page_status_supplement(req);
}

void page_api_status_withdraw(struct request *req)
{
	page_status_withdraw(req);
}
