#include "web/auth.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sodium.h>

#include "web/auth_internal.h"
#include "web/http.h"
#include "lib/log.h"
#include "lib/pwhash_helper.h"
#include "core/pii.h"

#define SESSION_TOKEN_BYTES 32
/* last_seen_at is written at most this often (seconds): the idle limit
 * needs no more precision, and most page views then write nothing. */
#define SESSION_TOUCH_SECONDS 60

/* ---- audit log ----------------------------------------------------------- */

void auth_audit(struct request *req, const char *actor, const char *agency,
		const char *action, const char *target, struct json_object *data)
{
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : NULL;
	const char *json = data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN)
				: NULL;
	const char *params[] = { actor, agency, action, target, ip, json };
	PGresult *res = db_exec(req->db, STMT_AUDIT_ADD, 6, params);
	if (!db_ok(res)) {
		char why[512];
		log_warn("audit_log %s: %s", action, db_error_text(res, why, sizeof why));
	}
	PQclear(res);
	json_object_put(data);
}

/* ---- sessions ------------------------------------------------------------ */

static const char *session_hash(struct request *req, const char *token)
{
	return pii_hash(req->app, req->arena, PII_SESSION, token);
}

static bool token_well_formed(const char *v)
{
	return v && strlen(v) == 43 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						"abcdefghijklmnopqrstuvwxyz0123456789-_") == 43;
}

static const char *col(struct request *req, const PGresult *res, int row, int c)
{
	return arena_strdup(req->arena, PQgetvalue(res, row, c));
}

/*
 * A session is read from the worker's copy for up to SESSION_COPY_SECONDS
 * (issue 17: a staff page saves the round trip), so its expiry and idle
 * time are that much late; a change of the account (disabled, password
 * reset), of its agency, or a session ended (sign-out, the ten newest
 * kept) drops the copies of every worker before their next request
 * (sql/030). The idle time is written back when a fresh read finds it due.
 */
#define SESSION_COPY_SECONDS 5
static const struct read_policy session_reads = {
	.topics = DB_TOPIC_BIT(DB_TOPIC_STAFF) | DB_TOPIC_BIT(DB_TOPIC_SESSIONS) |
		  DB_TOPIC_BIT(DB_TOPIC_AGENCIES),
	.max_age = SESSION_COPY_SECONDS,
};

/* Looks the session of `token` up; false only when the database failed. */
static bool load_session(struct request *req, const char *token, const PGresult **failure)
{
	*failure = NULL;
	if (!token_well_formed(token))
		return true;
	char idle[16];
	snprintf(idle, sizeof idle, "%d", AUTH_IDLE_MINUTES);
	const char *hash = session_hash(req, token);
	const char *params[] = { hash, idle };
	bool fresh;
	const PGresult *res = read_cached(req->db, STMT_SESSION_FIND, session_reads, 2, params,
					  &fresh);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	if (PQntuples(res) == 1) {
		struct staff_session *s = arena_alloc(req->arena, sizeof *s);
		s->staff_id = atoll(PQgetvalue(res, 0, COL(SESSION_FIND, id)));
		s->staff_id_text = col(req, res, 0, COL(SESSION_FIND, id));
		s->agency_id = atoll(PQgetvalue(res, 0, COL(SESSION_FIND, agency_id)));
		s->agency_code = col(req, res, 0, COL(SESSION_FIND, agency_code));
		s->agency_name = col(req, res, 0, COL(SESSION_FIND, agency_name));
		s->username = col(req, res, 0, COL(SESSION_FIND, username));
		s->display_name = col(req, res, 0, COL(SESSION_FIND, display_name));
		s->role = col(req, res, 0, COL(SESSION_FIND, role));
		s->csrf = col(req, res, 0, COL(SESSION_FIND, csrf_token));
		s->must_change_password =
			!strcmp(PQgetvalue(res, 0, COL(SESSION_FIND, must_change_password)), "t");
		s->totp_enabled = !strcmp(PQgetvalue(res, 0, COL(SESSION_FIND, totp_enabled)), "t");
		s->must_enrol = req->app->config.require_2fa && !s->totp_enabled &&
				strcmp(s->role, "clerk");
		s->token_hash = hash;
		/* Only as read now: a copy says what was due when it was read. */
		bool touch = fresh && !strcmp(PQgetvalue(res, 0, COL(SESSION_FIND, touch_due)), "t");
		req->staff = s;
		if (touch) {
			PGresult *t = db_exec(req->db, STMT_SESSION_TOUCH, 1, params);
			PQclear(t);
		}
	}
	return true;
}

static void put_escaped(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-_.~/", c)) {
			buf_putc(b, (char)c);
		} else {
			buf_putc(b, '%');
			buf_putc(b, hex[c >> 4]);
			buf_putc(b, hex[c & 15]);
		}
	}
}

/* 303 to the sign-in page, coming back here (GET only) afterwards. */
static void redirect_to_sign_in(struct request *req)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "/staff/login");
	if (!strcmp(req->method, "GET") && strcmp(req->path, "/staff")) {
		struct buf next = BUF_INIT;
		buf_puts(&next, req->path);
		for (size_t i = 0; i < req->query.count; i++) {
			buf_putc(&next, i ? '&' : '?');
			put_escaped(&next, req->query.items[i].name);
			buf_putc(&next, '=');
			put_escaped(&next, req->query.items[i].value);
		}
		buf_puts(&b, "?next=");
		put_escaped(&b, buf_str(&next));
		buf_free(&next);
	}
	respond_redirect(req, arena_strdup(req->arena, buf_str(&b)));
	buf_free(&b);
}

/*
 * A member who must change the password (or enrol a second factor) first
 * reaches only the routes that do that, and signing in and out: a page
 * goes to the change, JSON gets 403 naming what is due. Before, the JSON
 * API took a password set by an administrator as if it were the member's.
 */
static bool gate_open(struct request *req, unsigned flags)
{
	const struct staff_session *s = req->staff;
	const char *field, *message, *target;
	if (s->must_change_password) {
		if (flags & ROUTE_PASSWORD_DUE)
			return true;
		field = "must_change_password";
		message = "请先修改密码";
		target = "/staff/password";
	} else if (s->must_enrol) {
		if (flags & ROUTE_ENROL_DUE)
			return true;
		field = "must_enrol_2fa";
		message = "请先启用两步验证";
		target = "/staff/totp";
	} else {
		return true;
	}
	req->log_why = message;
	if (!req->wants_json) {
		respond_redirect(req, target);
		return false;
	}
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "error", json_object_new_string(message));
	json_object_object_add(m, "status", json_object_new_int(403));
	json_object_object_add(m, field, json_object_new_boolean(true));
	respond(req, 403, NULL, m);
	return false;
}

bool auth_attach_session(struct request *req)
{
	unsigned flags = req->match.route->flags;
	if (flags & ROUTE_NO_DB)
		return true;
	const PGresult *failure;	/* the cache's (core/read_cache.h) */
	if (!load_session(req, fields_get(&req->cookies, AUTH_SESSION_COOKIE), &failure)) {
		if (flags & ROUTE_STAFF) {
			respond_db_failure(req, failure);
			return false;
		}
		return true;	/* a public page works without it */
	}
	if (req->staff)
		return gate_open(req, flags);
	if (!(flags & ROUTE_STAFF))
		return true;
	req->log_why = "no session";
	if (req->wants_json)
		respond_error(req, 401, "请先登录");
	else
		redirect_to_sign_in(req);
	return false;
}

/*
 * The Argon2id queue. With libsodium's "interactive" limits a hash takes
 * 64 MiB and ~0.1 s of a core. Before, one ran at a time per process and
 * every other sign-in waited for its turn without limit: 20 sign-ins held
 * all 8 worker threads for seconds and the home page waited behind them
 * (issue 12, item 4). Now AUTH_HASH_RUNNING run at once (128 MiB at most)
 * — and never more than half the machine's cores, so that pages always have
 * a core of their own —,
 * AUTH_HASH_WAITING wait at most AUTH_HASH_WAIT_MS, and any further one is
 * refused at once (503 with Retry-After): at most 4 of the 8 threads ever
 * sit in password hashing, the rest keep serving pages.
 *
 * In `serve` (auth_hash_in_helpers), each turn is a slot with its own
 * helper process (lib/pwhash_helper.h): the hash's 64 MiB is mapped and
 * unmapped there, not in the address space the worker threads share, where
 * it held the home page's p99 above 40 ms. A command-line process has no
 * pages to protect and hashes in process.
 */
static pthread_mutex_t pwhash_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pwhash_turn;
static pthread_once_t pwhash_once = PTHREAD_ONCE_INIT;
static int pwhash_running, pwhash_waiting, pwhash_limit;
static struct pwhash_helper pwhash_helpers[AUTH_HASH_RUNNING];
_Static_assert(AUTH_PASSWORD_MAX_BYTES <= PWHASH_HELPER_MAX &&
	       crypto_pwhash_STRBYTES <= PWHASH_HELPER_MAX,
	       "every password and stored hash fits the helper's exchange");
static _Atomic bool pwhash_in_helpers;	/* auth_hash_in_helpers() */
static bool pwhash_slot_taken[AUTH_HASH_RUNNING];

/* The wait is measured on the monotonic clock: a change of the wall clock
 * (or libfaketime in tests/at.sh) must not stretch or cut it. */
static void pwhash_init(void)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pwhash_turn, &attr);
	pthread_condattr_destroy(&attr);
	long half_the_cores = sysconf(_SC_NPROCESSORS_ONLN) / 2;
	pwhash_limit = half_the_cores < 1 ? 1
		: half_the_cores > AUTH_HASH_RUNNING ? AUTH_HASH_RUNNING : (int)half_the_cores;
	for (int i = 0; i < AUTH_HASH_RUNNING; i++)
		pwhash_helpers[i] = (struct pwhash_helper)PWHASH_HELPER_INIT;
}

void auth_hash_in_helpers(void)
{
	pwhash_in_helpers = true;
}

void auth_hash_helpers_stop(void)
{
	pthread_once(&pwhash_once, pwhash_init);
	for (int i = 0; i < AUTH_HASH_RUNNING; i++)
		pwhash_helper_stop(&pwhash_helpers[i]);
}

static struct timespec deadline_in(int ms)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static struct pwhash_helper *pwhash_take_slot(void)
{
	for (int i = 0; i < pwhash_limit; i++)
		if (!pwhash_slot_taken[i]) {
			pwhash_slot_taken[i] = true;
			return &pwhash_helpers[i];
		}
	return NULL;	/* not reached: pwhash_running < pwhash_limit */
}

/* A turn to hash, with its slot's helper; NULL when the queue is full or
 * the wait too long. */
static struct pwhash_helper *pwhash_enter(void)
{
	pthread_once(&pwhash_once, pwhash_init);
	pthread_mutex_lock(&pwhash_lock);
	bool turn = pwhash_running < pwhash_limit;
	if (!turn && pwhash_waiting < AUTH_HASH_WAITING) {
		struct timespec until = deadline_in(AUTH_HASH_WAIT_MS);
		pwhash_waiting++;
		int r = 0;
		while (pwhash_running >= pwhash_limit && r != ETIMEDOUT)
			r = pthread_cond_timedwait(&pwhash_turn, &pwhash_lock, &until);
		pwhash_waiting--;
		turn = pwhash_running < pwhash_limit;
	}
	struct pwhash_helper *slot = NULL;
	if (turn) {
		pwhash_running++;
		slot = pwhash_take_slot();
	}
	pthread_mutex_unlock(&pwhash_lock);
	return slot;
}

static void pwhash_leave(struct pwhash_helper *slot)
{
	pthread_mutex_lock(&pwhash_lock);
	pwhash_slot_taken[slot - pwhash_helpers] = false;
	pwhash_running--;
	pthread_cond_signal(&pwhash_turn);
	pthread_mutex_unlock(&pwhash_lock);
}

/* A hash to verify against when the username is unknown, so that the
 * answer takes as long as for a known one. Made once per process outside
 * the queue: a full queue must not leave it empty (an empty hash would
 * answer at once and tell unknown names apart). */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
	char pw[17];
	auth_random_password(pw);
	if (!pwhash_hash(NULL, pw, dummy_hash))
		dummy_hash[0] = '\0';
}

enum auth_pw auth_password_check(const char *hash, const char *password)
{
	if (!hash) {
		pthread_once(&dummy_once, make_dummy_hash);
		hash = dummy_hash;
	}
	struct pwhash_helper *slot = pwhash_enter();
	if (!slot)
		return AUTH_PW_BUSY;
	bool right = pwhash_verify(pwhash_in_helpers ? slot : NULL, hash, password);
	pwhash_leave(slot);
	return right && hash != dummy_hash ? AUTH_PW_RIGHT : AUTH_PW_WRONG;
}

bool auth_transaction(struct request *req, bool (*fn)(struct request *, void *), void *ctx)
{
	if (!db_command(req->db, "BEGIN"))
		return false;
	if (fn(req, ctx) && db_command(req->db, "COMMIT"))
		return true;
	db_command(req->db, "ROLLBACK");
	return false;
}

const char *auth_agency_text(struct request *req)
{
	if (!req->staff || !req->staff->agency_id)
		return NULL;
	char id[24];
	snprintf(id, sizeof id, "%lld", req->staff->agency_id);
	return arena_strdup(req->arena, id);
}

static bool exec_ok(struct request *req, enum stmt id, int n, const char *const *params)
{
	PGresult *res = db_exec(req->db, id, n, params);
	bool ok = db_ok(res);
	PQclear(res);
	return ok;
}

bool auth_end_sessions(struct request *req, const char *staff_id)
{
	const char *params[] = { staff_id };
	return exec_ok(req, STMT_SESSION_DELETE_ALL, 1, params);
}

bool auth_open_session(struct request *req, const char *staff_id)
{
	unsigned char raw[SESSION_TOKEN_BYTES], csrf[32];
	randombytes_buf(raw, sizeof raw);
	randombytes_buf(csrf, sizeof csrf);
	const char *token = request_base64(req, raw, sizeof raw);
	char csrf_hex[2 * sizeof csrf + 3] = "\\x";
	sodium_bin2hex(csrf_hex + 2, sizeof csrf_hex - 2, csrf, sizeof csrf);
	char hours[16], idle[16], most[16];
	snprintf(hours, sizeof hours, "%d", AUTH_ABSOLUTE_HOURS);
	snprintf(idle, sizeof idle, "%d", AUTH_IDLE_MINUTES);
	snprintf(most, sizeof most, "%d", AUTH_MAX_SESSIONS);
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : NULL;

	const char *sweep[] = { idle };
	const char *params[] = { session_hash(req, token), staff_id, csrf_hex, hours, ip };
	const char *trim[] = { staff_id, most };
	if (!exec_ok(req, STMT_SESSION_SWEEP, 1, sweep) ||
	    !exec_ok(req, STMT_SESSION_CREATE, 5, params) ||
	    !exec_ok(req, STMT_SESSION_TRIM, 2, trim))
		return false;
	/* A session cookie: it also ends when the browser closes. */
	http_set_cookie(req, AUTH_SESSION_COOKIE, token, -1);
	/* The rest of this request runs signed in (its forms carry the new
	 * session's CSRF token). */
	req->staff = NULL;
	const PGresult *failure;
	if (!load_session(req, token, &failure))
		return false;
	return req->staff != NULL;
}

struct password_change {
	const char *staff_id, *hash;
};

/* The new password, every session ended, a new one: one transaction. */
static bool store_password(struct request *req, void *ctx)
{
	const struct password_change *c = ctx;
	const char *set[] = { c->staff_id, c->hash };
	const char *agency = auth_agency_text(req);
	if (!exec_ok(req, STMT_STAFF_PASSWORD_SET, 2, set) ||
	    !auth_end_sessions(req, c->staff_id) || !auth_open_session(req, c->staff_id))
		return false;
	auth_audit(req, c->staff_id, agency, "password_changed", c->staff_id, NULL);
	return true;
}

int auth_change_password(struct request *req, const char *current, const char *fresh,
			 int *retry_after)
{
	const struct staff_session *s = req->staff;
	*retry_after = 0;
	const char *id[] = { s->staff_id_text };
	PGresult *res = db_exec(req->db, STMT_STAFF_PASSWORD_HASH, 1, id);
	if (!db_ok(res) || PQntuples(res) != 1) {
		PQclear(res);
		return 503;
	}
	const char *stored = arena_strdup(req->arena, PQgetvalue(res, 0, COL(STAFF_PASSWORD_HASH, password_hash)));
	PQclear(res);
	enum auth_pw right = current && strlen(current) <= AUTH_PASSWORD_MAX_BYTES
			     ? auth_password_check(stored, current) : AUTH_PW_WRONG;
	char hash[crypto_pwhash_STRBYTES];
	if (right == AUTH_PW_WRONG)
		return 401;
	if (right == AUTH_PW_BUSY || !auth_hash_password(fresh, hash)) {
		*retry_after = 2;
		return 503;
	}
	struct password_change c = { s->staff_id_text, hash };
	return auth_transaction(req, store_password, &c) ? 200 : 503;
}

void auth_sign_out(struct request *req)
{
	if (req->staff) {
		const char *params[] = { req->staff->token_hash };
		PQclear(db_exec(req->db, STMT_SESSION_DELETE, 1, params));
		char agency[24];
		snprintf(agency, sizeof agency, "%lld", req->staff->agency_id);
		auth_audit(req, req->staff->staff_id_text,
			   req->staff->agency_id ? agency : NULL, "sign_out", NULL, NULL);
		req->staff = NULL;
	}
	http_set_cookie(req, AUTH_SESSION_COOKIE, "", 0);
}

bool auth_sees_agency(struct request *req, long long agency_id)
{
	return session_sees_agency(req->db, req->staff, agency_id);
}

/* ---- passwords ----------------------------------------------------------- */

const char *auth_password_problem(const char *password)
{
	if (!password || utf8_length(password, strlen(password)) < AUTH_PASSWORD_MIN_CHARS)
		return "密码至少需要10个字符";
	if (strlen(password) > 200)
		return "密码过长";
	return NULL;
}

bool auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES])
{
	struct pwhash_helper *slot = pwhash_enter();
	if (!slot)
		return false;
	bool hashed = pwhash_hash(pwhash_in_helpers ? slot : NULL, password, out);
	pwhash_leave(slot);
	return hashed;
}

void auth_random_password(char out[17])
{
	/* No 0/O, 1/l/I: read aloud or copied from paper without doubt. */
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz"
				       "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	for (int i = 0; i < 16; i++)
		out[i] = alphabet[randombytes_uniform(sizeof alphabet - 1)];
	out[16] = '\0';
}
