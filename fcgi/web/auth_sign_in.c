/*
 * Signing in (auth.h): input bounded before any work, the failure counter
 * of the typed username and the client's address, the password on the
 * hashing queue, the second factor, then the session — the last steps in
 * one transaction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web/auth_internal.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "core/pii.h"
#include "lib/totp.h"

/* One sign-in attempt. */
struct attempt {
	const char *name;	/* as typed, lower-cased */
	const char *name_hash;	/* its keyed hash (bytea hex), for counter and log */
	const char *addr;	/* the client's address, IPv6 by its /64 */
	const char *second;	/* the typed second factor, or NULL */
	/* The account, when there is one. */
	const char *id;
	const char *hash;	/* Argon2id string */
	const char *agency;	/* NULL for an administrator of every agency */
	const char *totp_enc;	/* the encrypted TOTP secret, NULL without 2FA */
	bool disabled;
	/* Filled by the last steps. */
	const char *second_kind;	/* "totp" or "recovery_code" */
	bool second_wrong;
};

static struct auth_sign_in result(int status, const char *message, int retry_after)
{
	return (struct auth_sign_in){ status, message, retry_after, false };
}

static struct auth_sign_in unavailable(void)
{
	return result(503, "系统暂时无法登录，请稍后重试", 0);
}

void auth_retry_after(struct request *req, int seconds)
{
	if (seconds <= 0)
		return;
	char v[16];
	snprintf(v, sizeof v, "%d", seconds);
	http_header(req, "Retry-After", v);
}

/* Checked before anything else: a 900 KB "username" costs no lookup, no
 * hash and no log line (issue 12, item 3). */
static bool too_long(const char *username, const char *password, const char *second)
{
	return (username && (strlen(username) > 4 * AUTH_USERNAME_MAX_CHARS ||
			     utf8_length(username, strlen(username)) > AUTH_USERNAME_MAX_CHARS)) ||
	       (password && strlen(password) > AUTH_PASSWORD_MAX_BYTES) ||
	       (second && strlen(second) > AUTH_SECOND_MAX_BYTES);
}

static const char *value(struct request *req, const PGresult *res, int c)
{
	return PQgetisnull(res, 0, c) ? NULL : arena_strdup(req->arena, PQgetvalue(res, 0, c));
}

/* The account of the typed name, if any; false when the database failed. */
static bool look_up(struct request *req, struct attempt *a)
{
	const char *params[] = { a->name };
	PGresult *res = db_exec(req->db, STMT_STAFF_FOR_SIGN_IN, 1, params);
	bool ok = db_ok(res);
	if (ok && PQntuples(res) == 1) {
		a->id = value(req, res, COL(STAFF_FOR_SIGN_IN, id));
		a->hash = value(req, res, COL(STAFF_FOR_SIGN_IN, password_hash));
		a->disabled = !strcmp(PQgetvalue(res, 0, COL(STAFF_FOR_SIGN_IN, disabled)), "t");
		a->agency = value(req, res, COL(STAFF_FOR_SIGN_IN, agency_id));
		a->totp_enc = value(req, res, COL(STAFF_FOR_SIGN_IN, totp_secret_enc));
	}
	PQclear(res);
	return ok;
}

/* Seconds this address must still wait before trying this name (0: may
 * try now), with the failures so far; -1 when the database failed. */
static int wait_seconds(struct request *req, const struct attempt *a, int *failures)
{
	const char *params[] = { a->name_hash, a->addr };
	PGresult *res = db_exec(req->db, STMT_SIGN_IN_WAIT, 2, params);
	int wait = db_ok(res) ? 0 : -1;
	*failures = 0;
	if (wait == 0 && PQntuples(res) == 1) {
		*failures = atoi(PQgetvalue(res, 0, COL(SIGN_IN_WAIT, failures)));
		wait = atoi(PQgetvalue(res, 0, COL(SIGN_IN_WAIT, wait_seconds)));
	}
	PQclear(res);
	return wait;
}

/* sign_in_failed in audit_log. An unknown name is kept only as its keyed
 * hash: people type passwords into the username field. */
static void audit_failure(struct request *req, const struct attempt *a, const char *reason)
{
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "reason", json_object_new_string(reason));
	if (!a->id)
		json_object_object_add(data, "username_hash",
				       json_object_new_string(a->name_hash + 2));
	auth_audit(req, NULL, a->agency, "sign_in_failed", a->id, data);
}

static struct auth_sign_in locked(struct request *req, int seconds)
{
	char msg[200];
	snprintf(msg, sizeof msg, "密码连续输错次数过多，该账户在您的网络地址已锁定，请%d分钟后再试",
		 (seconds + 59) / 60);
	return result(403, arena_strdup(req->arena, msg), seconds);
}

static struct auth_sign_in too_soon(struct request *req, int seconds)
{
	char msg[160];
	snprintf(msg, sizeof msg, "密码输错了几次，请%d秒后再试", seconds);
	return result(429, arena_strdup(req->arena, msg), seconds);
}

/* The account_locked row that the account's administrators see. */
static void audit_lock(struct request *req, const struct attempt *a, int failures, int seconds)
{
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "addr", json_object_new_string(a->addr));
	json_object_object_add(data, "failures", json_object_new_int(failures));
	json_object_object_add(data, "minutes", json_object_new_int((seconds + 59) / 60));
	auth_audit(req, NULL, a->agency, "account_locked", a->id, data);
}

/* Counts a wrong password or second factor; 401, or 403 once locked. */
static struct auth_sign_in failed(struct request *req, const struct attempt *a,
				  const char *reason)
{
	char most[16];
	snprintf(most, sizeof most, "%d", AUTH_MAX_FAILURES);
	const char *params[] = { a->name_hash, a->addr, a->id, most };
	PQclear(db_exec(req->db, STMT_SIGN_IN_SWEEP, 0, NULL));
	PGresult *res = db_exec(req->db, STMT_SIGN_IN_FAILED, 4, params);
	bool ok = db_ok(res) && PQntuples(res) == 1;
	int failures = ok ? atoi(PQgetvalue(res, 0, COL(SIGN_IN_FAILED, failures))) : 0;
	int lock = ok ? atoi(PQgetvalue(res, 0, COL(SIGN_IN_FAILED, lock_seconds))) : 0;
	PQclear(res);
	audit_failure(req, a, reason);
	if (lock > 0) {
		if (a->id)
			audit_lock(req, a, failures, lock);
		return locked(req, lock);
	}
	return result(401, strcmp(reason, "second_factor") ? "用户名或密码不正确"
							  : "两步验证码不正确", 0);
}

/* The typed second factor, used up: a TOTP step newer than the last one
 * used, or an unused recovery code. */
static bool second_factor_used(struct request *req, struct attempt *a)
{
	const char *secret = pii_decrypt(req->app, req->arena, a->totp_enc);
	long long step = secret ? totp_check(secret, a->second, time(NULL)) : -1;
	PGresult *res;
	if (step >= 0) {
		char step_text[24];
		snprintf(step_text, sizeof step_text, "%lld", step);
		const char *params[] = { a->id, step_text };
		res = db_exec(req->db, STMT_TOTP_STEP_USE, 2, params);
		a->second_kind = "totp";
	} else {
		char code[TOTP_RECOVERY_CHARS + 1];
		if (!totp_recovery_normal(a->second, code))
			return false;
		const char *params[] = { a->id, pii_hash(req->app, req->arena, PII_RECOVERY, code) };
		res = db_exec(req->db, STMT_RECOVERY_CODE_USE, 2, params);
		a->second_kind = "recovery_code";
	}
	bool used = db_ok(res) && PQntuples(res) == 1;
	PQclear(res);
	return used;
}

/* The last steps, in one transaction: the second factor used up, the
 * counter of this address cleared, the session opened, the log line. */
static bool finish(struct request *req, void *ctx)
{
	struct attempt *a = ctx;
	if (a->totp_enc && !second_factor_used(req, a)) {
		a->second_wrong = true;
		return false;
	}
	const char *clear[] = { a->name_hash, a->addr };
	const char *id[] = { a->id };
	PGresult *res = db_exec(req->db, STMT_SIGN_IN_CLEAR, 2, clear);
	bool ok = db_ok(res);
	PQclear(res);
	res = db_exec(req->db, STMT_STAFF_SIGN_IN_OK, 1, id);
	ok = ok && db_ok(res);
	PQclear(res);
	if (!ok || !auth_open_session(req, a->id))
		return false;
	struct json_object *data = NULL;
	if (a->second_kind) {
		data = json_object_new_object();
		json_object_object_add(data, "second_factor", json_object_new_string(a->second_kind));
	}
	auth_audit(req, a->id, a->agency, "sign_in", NULL, data);
	return true;
}

static char *lower(struct request *req, const char *s)
{
	char *out = arena_strdup(req->arena, s);
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return out;
}

/* After the password was right: disabled, the second factor, the session. */
static struct auth_sign_in password_right(struct request *req, struct attempt *a)
{
	if (a->disabled) {
		audit_failure(req, a, "disabled");
		return result(403, "该账户已停用，请联系系统管理员", 0);
	}
	if (a->totp_enc && !a->second) {
		struct auth_sign_in r = result(401, "请输入两步验证码：验证器应用上的6位数字，或一个恢复码", 0);
		r.totp_required = true;
		return r;
	}
	if (auth_transaction(req, finish, a))
		return result(200, NULL, 0);
	if (a->second_wrong)
		return failed(req, a, "second_factor");
	return unavailable();
}

struct auth_sign_in auth_sign_in(struct request *req, const char *username,
				 const char *password, const char *second)
{
	if (too_long(username, password, second))
		return result(400, "用户名或密码过长", 0);
	if (!username || !*username || !password || !*password)
		return result(401, "请填写用户名和密码", 0);
	struct attempt a = { .second = second && *second ? second : NULL };
	a.name = lower(req, username);
	a.name_hash = pii_hash(req->app, req->arena, PII_USERNAME, a.name);
	a.addr = http_client_bucket(req);
	int failures;
	if (!look_up(req, &a))
		return unavailable();
	int wait = wait_seconds(req, &a, &failures);
	if (wait < 0)
		return unavailable();
	if (wait > 0) {
		/* Refused without looking at the password. */
		bool lock = failures >= AUTH_MAX_FAILURES;
		audit_failure(req, &a, lock ? "locked" : "too_soon");
		return lock ? locked(req, wait) : too_soon(req, wait);
	}
	/* An unknown name is checked against a dummy hash: the same cost,
	 * the same answer. */
	switch (auth_password_check(a.hash, password)) {
	case AUTH_PW_BUSY:
		req->log_why = "password hashing queue full";
		return result(503, "登录的人太多，请稍等几秒后重试", 2);
	case AUTH_PW_WRONG:
		return failed(req, &a, "password");
	case AUTH_PW_RIGHT:
		break;
	}
	return password_right(req, &a);
}
