/*
 * Enrolling a second factor (auth.h): a pending secret shown as a QR code,
 * confirmed by its first code; then ten recovery codes, shown once. The
 * secret is stored only encrypted (pii.h secretbox), the recovery codes
 * only as keyed hashes.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "web/auth_internal.h"
#include "core/pii.h"
#include "lib/totp.h"

struct enrolment {
	const char *code;	/* typed: the first code of the pending secret */
	const char **codes;	/* out: the recovery codes as shown */
	const char *secret;	/* out: the pending secret (base32) */
	int status;
};

/* The member's row locked: 409 when enrolled already, else the pending
 * secret (NULL when there is none yet). */
static bool lock_member(struct request *req, struct enrolment *e)
{
	const char *id[] = { req->staff->staff_id_text };
	PGresult *res = db_exec(req->db, STMT_TOTP_PENDING_GET, 1, id);
	bool ok = db_ok(res) && PQntuples(res) == 1;
	if (ok && !strcmp(PQgetvalue(res, 0, COL(TOTP_PENDING_GET, totp_enabled)), "t")) {
		e->status = 409;
		ok = false;
	} else if (ok && !PQgetisnull(res, 0, COL(TOTP_PENDING_GET, totp_pending_enc))) {
		const char *enc = PQgetvalue(res, 0, COL(TOTP_PENDING_GET, totp_pending_enc));
		e->secret = pii_decrypt(req->app, req->arena, enc);
	}
	PQclear(res);
	return ok;
}

static bool pending(struct request *req, void *ctx)
{
	struct enrolment *e = ctx;
	if (!lock_member(req, e))
		return false;
	if (e->secret)
		return true;
	char secret[TOTP_SECRET_CHARS + 1];
	if (!totp_new_secret(secret))
		return false;
	e->secret = arena_strdup(req->arena, secret);
	const char *params[] = { req->staff->staff_id_text,
				 pii_encrypt(req->app, req->arena, secret) };
	sodium_memzero(secret, sizeof secret);
	PGresult *res = db_exec(req->db, STMT_TOTP_PENDING_SET, 2, params);
	bool ok = db_ok(res);
	PQclear(res);
	return ok;
}

int auth_totp_pending(struct request *req, const char **secret)
{
	struct enrolment e = { .status = 200 };
	bool ok = auth_transaction(req, pending, &e);
	*secret = e.secret;
	return ok ? 200 : e.status != 200 ? e.status : 503;
}

static bool exec_ok(struct request *req, enum stmt id, int n, const char *const *params)
{
	PGresult *res = db_exec(req->db, id, n, params);
	bool ok = db_ok(res);
	PQclear(res);
	return ok;
}

/* Ten new recovery codes replace any old ones. */
static bool new_recovery_codes(struct request *req, const char *staff_id, const char **codes)
{
	const char *id[] = { staff_id };
	if (!exec_ok(req, STMT_RECOVERY_CODES_DROP, 1, id))
		return false;
	for (int i = 0; i < TOTP_RECOVERY_CODES; i++) {
		char shown[TOTP_RECOVERY_CHARS + 2], normal[TOTP_RECOVERY_CHARS + 1];
		totp_recovery_code(shown);
		totp_recovery_normal(shown, normal);
		const char *params[] = { staff_id, pii_hash(req->app, req->arena, PII_RECOVERY, normal) };
		if (!exec_ok(req, STMT_RECOVERY_CODE_ADD, 2, params))
			return false;
		codes[i] = arena_strdup(req->arena, shown);
	}
	return true;
}

/* The secret enabled, recovery codes, every session ended and a new one
 * opened (a new token: issue 12, item 7), the log line. */
static bool enrol(struct request *req, void *ctx)
{
	struct enrolment *e = ctx;
	if (!lock_member(req, e))
		return false;
	long long step = e->secret ? totp_check(e->secret, e->code, time(NULL)) : -1;
	if (step < 0) {
		e->status = e->secret ? 422 : 409;
		return false;
	}
	const char *id = req->staff->staff_id_text;
	const char *agency = auth_agency_text(req);
	char step_text[24];
	snprintf(step_text, sizeof step_text, "%lld", step);
	const char *params[] = { id, step_text };
	if (!exec_ok(req, STMT_TOTP_ENABLE, 2, params) ||
	    !new_recovery_codes(req, id, e->codes) ||
	    !auth_end_sessions(req, id) || !auth_open_session(req, id))
		return false;
	auth_audit(req, id, agency, "totp_enrolled", id, NULL);
	return true;
}

int auth_totp_enrol(struct request *req, const char *code, const char **codes)
{
	struct enrolment e = { .code = code, .codes = codes, .status = 200 };
	if (auth_transaction(req, enrol, &e))
		return 200;
	return e.status != 200 ? e.status : 503;
}
