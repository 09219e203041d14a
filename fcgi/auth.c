#include "auth.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "http.h"
#include "log.h"
#include "pii.h"

#define CSRF_COOKIE "ysqgk_csrf"
#define CSRF_COOKIE_BYTES 16
#define SESSION_TOKEN_BYTES 32
/* last_seen_at is written at most this often (seconds): the idle limit
 * needs no more precision, and most page views then write nothing. */
#define SESSION_TOUCH_SECONDS 60

char *auth_base64(struct request *req, const unsigned char *bin, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(req->arena, n);
	sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

/* ---- CSRF ---------------------------------------------------------------- */

static bool cookie_well_formed(const char *v)
{
	return v && strlen(v) == 22 && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						"abcdefghijklmnopqrstuvwxyz0123456789-_") == 22;
}

static const char *token_for(struct request *req, const char *cookie)
{
	unsigned char mac[crypto_auth_BYTES];
	char msg[64];
	int n = snprintf(msg, sizeof msg, "csrf:%s", cookie);
	crypto_auth(mac, (const unsigned char *)msg, (unsigned long long)n,
		    req->app->secret_key);
	return auth_base64(req, mac, sizeof mac);
}

static const char *anonymous_token(struct request *req)
{
	if (!req->csrf_cookie) {
		const char *cookie = fields_get(&req->cookies, CSRF_COOKIE);
		if (cookie_well_formed(cookie)) {
			req->csrf_cookie = cookie;
		} else {
			unsigned char raw[CSRF_COOKIE_BYTES];
			randombytes_buf(raw, sizeof raw);
			req->csrf_cookie = auth_base64(req, raw, sizeof raw);
			/* Kept 30 days: a form left open overnight still posts. */
			http_set_cookie(req, CSRF_COOKIE, req->csrf_cookie, 30 * 24 * 3600);
		}
	}
	return token_for(req, req->csrf_cookie);
}

const char *csrf_token(struct request *req)
{
	if (req->staff)
		return req->staff->csrf;
	return anonymous_token(req);
}

static bool same_token(const char *sent, const char *want)
{
	size_t len = strlen(want);
	return sent && strlen(sent) == len && sodium_memcmp(sent, want, len) == 0;
}

bool csrf_valid(struct request *req)
{
	const char *sent = fields_get(&req->form, "csrf_token");
	if (!sent)
		return false;
	if (req->staff && same_token(sent, req->staff->csrf))
		return true;
	/* Staff pages take only the session's token. */
	if (req->match.route && (req->match.route->flags & ROUTE_STAFF))
		return false;
	const char *cookie = fields_get(&req->cookies, CSRF_COOKIE);
	return cookie_well_formed(cookie) && same_token(sent, token_for(req, cookie));
}

/* ---- audit log ----------------------------------------------------------- */

static void audit(struct request *req, const char *actor, const char *agency,
		  const char *action, const char *target, struct json_object *data)
{
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : NULL;
	const char *json = data ? json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN)
				: NULL;
	const char *params[] = { actor, agency, action, target, ip, json };
	PGresult *res = db_exec(req->db, STMT_AUDIT_ADD, 6, params);
	if (!db_ok(res))
		log_warn("audit_log %s: %s", action, res ? PQresultErrorMessage(res) : "no connection");
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

/* Looks the session of `token` up; false only when the database failed. */
static bool load_session(struct request *req, const char *token, PGresult **failure)
{
	*failure = NULL;
	if (!token_well_formed(token))
		return true;
	char idle[16];
	snprintf(idle, sizeof idle, "%d", AUTH_IDLE_MINUTES);
	const char *hash = session_hash(req, token);
	const char *params[] = { hash, idle };
	PGresult *res = db_exec(req->db, STMT_SESSION_FIND, 2, params);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	if (PQntuples(res) == 1) {
		struct staff_session *s = arena_alloc(req->arena, sizeof *s);
		s->staff_id = atoll(PQgetvalue(res, 0, 0));
		s->staff_id_text = col(req, res, 0, 0);
		s->agency_id = atoll(PQgetvalue(res, 0, 1));
		s->agency_code = col(req, res, 0, 2);
		s->agency_name = col(req, res, 0, 3);
		s->username = col(req, res, 0, 4);
		s->display_name = col(req, res, 0, 5);
		s->role = col(req, res, 0, 6);
		s->csrf = col(req, res, 0, 7);
		s->must_change_password = !strcmp(PQgetvalue(res, 0, 8), "t");
		s->token_hash = hash;
		bool touch = !strcmp(PQgetvalue(res, 0, 9), "t");
		req->staff = s;
		if (touch) {
			PGresult *t = db_exec(req->db, STMT_SESSION_TOUCH, 1, params);
			PQclear(t);
		}
	}
	PQclear(res);
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

bool auth_attach_session(struct request *req)
{
	unsigned flags = req->match.route->flags;
	if (flags & ROUTE_NO_DB)
		return true;
	PGresult *failure;
	if (!load_session(req, fields_get(&req->cookies, AUTH_SESSION_COOKIE), &failure)) {
		if (flags & ROUTE_STAFF) {
			respond_db_failure(req, failure);
			PQclear(failure);
			return false;
		}
		PQclear(failure);	/* a public page works without it */
		return true;
	}
	if (!(flags & ROUTE_STAFF) || req->staff)
		return true;
	req->log_why = "no session";
	if (req->wants_json)
		respond_error(req, 401, "请先登录");
	else
		redirect_to_sign_in(req);
	return false;
}

/*
 * Argon2id with libsodium's "interactive" limits takes 64 MiB for the ~0.1 s
 * it runs: one password at a time per process, so that a burst of
 * sign-ins on the 8 threads costs 64 MiB, not 512 (the app's resident size
 * is ~11 MB otherwise; make bench, docs/bench.md). The threads that wait
 * would have shared the same cores anyway.
 */
static pthread_mutex_t pwhash_lock = PTHREAD_MUTEX_INITIALIZER;

static int password_verify(const char *hash, const char *password, size_t len)
{
	pthread_mutex_lock(&pwhash_lock);
	int r = crypto_pwhash_str_verify(hash, password, len);
	pthread_mutex_unlock(&pwhash_lock);
	return r;
}

/* A hash to verify against when the username is unknown, so that the
 * answer takes as long as for a known one. */
static char dummy_hash[crypto_pwhash_STRBYTES];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
	char pw[17];
	auth_random_password(pw);
	if (!auth_hash_password(pw, dummy_hash))
		dummy_hash[0] = '\0';
}

static struct auth_sign_in sign_in_result(int status, const char *message)
{
	return (struct auth_sign_in){ status, message };
}

static bool open_session(struct request *req, const char *staff_id)
{
	unsigned char raw[SESSION_TOKEN_BYTES], csrf[32];
	randombytes_buf(raw, sizeof raw);
	randombytes_buf(csrf, sizeof csrf);
	const char *token = auth_base64(req, raw, sizeof raw);
	char csrf_hex[2 * sizeof csrf + 3] = "\\x";
	sodium_bin2hex(csrf_hex + 2, sizeof csrf_hex - 2, csrf, sizeof csrf);
	char hours[16], idle[16];
	snprintf(hours, sizeof hours, "%d", AUTH_ABSOLUTE_HOURS);
	snprintf(idle, sizeof idle, "%d", AUTH_IDLE_MINUTES);
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : NULL;

	const char *sweep[] = { idle };
	PQclear(db_exec(req->db, STMT_SESSION_SWEEP, 1, sweep));
	const char *params[] = { session_hash(req, token), staff_id, csrf_hex, hours, ip };
	PGresult *res = db_exec(req->db, STMT_SESSION_CREATE, 5, params);
	bool ok = db_ok(res);
	PQclear(res);
	if (!ok)
		return false;
	/* A session cookie: it also ends when the browser closes. */
	http_set_cookie(req, AUTH_SESSION_COOKIE, token, -1);
	/* The rest of this request runs signed in (its forms carry the new
	 * session's CSRF token). */
	PGresult *failure;
	if (!load_session(req, token, &failure)) {
		PQclear(failure);
		return false;
	}
	return req->staff != NULL;
}

static struct auth_sign_in wrong_password(struct request *req, const char *id,
					  const char *agency, const char *username)
{
	char max[16], minutes[16];
	snprintf(max, sizeof max, "%d", AUTH_MAX_FAILURES);
	snprintf(minutes, sizeof minutes, "%d", AUTH_LOCK_MINUTES);
	const char *params[] = { id, max, minutes };
	PGresult *res = db_exec(req->db, STMT_STAFF_SIGN_IN_FAILED, 3, params);
	bool locked = db_ok(res) && PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "username", json_object_new_string(username));
	audit(req, NULL, agency, "sign_in_failed", id, data);
	if (locked) {
		audit(req, NULL, agency, "locked_out", id, NULL);
		return sign_in_result(403, "密码连续输错5次，账户已锁定15分钟，请稍后再试");
	}
	return sign_in_result(401, "用户名或密码不正确");
}

struct auth_sign_in auth_sign_in(struct request *req, const char *username,
				 const char *password)
{
	if (!username || !*username || !password || !*password)
		return sign_in_result(401, "请填写用户名和密码");
	char *name = arena_strdup(req->arena, username);
	for (char *p = name; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	const char *params[] = { name };
	PGresult *res = db_exec(req->db, STMT_STAFF_FOR_SIGN_IN, 1, params);
	if (!db_ok(res)) {
		PQclear(res);
		return sign_in_result(503, "系统暂时无法登录，请稍后重试");
	}
	size_t pwlen = strlen(password);
	if (PQntuples(res) != 1) {
		PQclear(res);
		pthread_once(&dummy_once, make_dummy_hash);
		if (password_verify(dummy_hash, password, pwlen) == 0)
			log_warn("sign-in: a password matched the dummy hash");
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "username", json_object_new_string(name));
		audit(req, NULL, NULL, "sign_in_failed", NULL, data);
		return sign_in_result(401, "用户名或密码不正确");
	}
	const char *id = col(req, res, 0, 0);
	const char *hash = col(req, res, 0, 1);
	bool disabled = !strcmp(PQgetvalue(res, 0, 2), "t");
	bool locked = !strcmp(PQgetvalue(res, 0, 3), "t");
	const char *agency = PQgetisnull(res, 0, 4) ? NULL : col(req, res, 0, 4);
	PQclear(res);

	/* Locked: refused without looking at the password, so that guessing
	 * goes on at no more than 5 tries per 15 minutes. */
	if (locked) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "reason", json_object_new_string("locked"));
		audit(req, NULL, agency, "sign_in_failed", id, data);
		return sign_in_result(403, "密码连续输错次数过多，账户已锁定，请15分钟后再试");
	}
	if (password_verify(hash, password, pwlen) != 0)
		return wrong_password(req, id, agency, name);
	if (disabled) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "reason", json_object_new_string("disabled"));
		audit(req, NULL, agency, "sign_in_failed", id, data);
		return sign_in_result(403, "该账户已停用，请联系系统管理员");
	}
	const char *ok_params[] = { id };
	PQclear(db_exec(req->db, STMT_STAFF_SIGN_IN_OK, 1, ok_params));
	if (!open_session(req, id))
		return sign_in_result(503, "系统暂时无法登录，请稍后重试");
	audit(req, id, agency, "sign_in", NULL, NULL);
	return sign_in_result(200, NULL);
}

int auth_change_password(struct request *req, const char *current, const char *fresh)
{
	const struct staff_session *s = req->staff;
	const char *id[] = { s->staff_id_text };
	PGresult *res = db_exec(req->db, STMT_STAFF_PASSWORD_HASH, 1, id);
	if (!db_ok(res) || PQntuples(res) != 1) {
		PQclear(res);
		return 503;
	}
	bool right = current && password_verify(PQgetvalue(res, 0, 0), current,
						 strlen(current)) == 0;
	PQclear(res);
	if (!right)
		return 401;
	char hash[crypto_pwhash_STRBYTES];
	if (!auth_hash_password(fresh, hash))
		return 503;
	const char *set[] = { s->staff_id_text, hash };
	res = db_exec(req->db, STMT_STAFF_PASSWORD_SET, 2, set);
	bool ok = db_ok(res);
	PQclear(res);
	if (!ok)
		return 503;
	/* Whoever else held the old password is signed out. */
	const char *others[] = { s->staff_id_text, s->token_hash };
	PQclear(db_exec(req->db, STMT_SESSION_DELETE_OTHERS, 2, others));
	char agency[24];
	snprintf(agency, sizeof agency, "%lld", s->agency_id);
	audit(req, s->staff_id_text, s->agency_id ? agency : NULL, "password_changed",
	      s->staff_id_text, NULL);
	return 200;
}

void auth_sign_out(struct request *req)
{
	if (req->staff) {
		const char *params[] = { req->staff->token_hash };
		PQclear(db_exec(req->db, STMT_SESSION_DELETE, 1, params));
		char agency[24];
		snprintf(agency, sizeof agency, "%lld", req->staff->agency_id);
		audit(req, req->staff->staff_id_text,
		      req->staff->agency_id ? agency : NULL, "sign_out", NULL, NULL);
		req->staff = NULL;
	}
	http_set_cookie(req, AUTH_SESSION_COOKIE, "", 0);
}

bool auth_sees_agency(struct request *req, long long agency_id)
{
	const struct staff_session *s = req->staff;
	if (!s)
		return false;
	if (s->agency_id == agency_id)
		return true;
	if (strcmp(s->role, "admin"))
		return false;
	if (s->agency_id == 0)
		return true;
	char child[24], parent[24];
	snprintf(child, sizeof child, "%lld", agency_id);
	snprintf(parent, sizeof parent, "%lld", s->agency_id);
	const char *params[] = { child, parent };
	PGresult *res = db_exec(req->db, STMT_AGENCY_WITHIN, 2, params);
	bool within = db_ok(res) && PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, 0), "t");
	PQclear(res);
	return within;
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
	pthread_mutex_lock(&pwhash_lock);	/* see password_verify() */
	int r = crypto_pwhash_str(out, password, strlen(password),
				  crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE);
	pthread_mutex_unlock(&pwhash_lock);
	return r == 0;
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
