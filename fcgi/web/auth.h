/*
 * auth: staff passwords and sessions (CSRF tokens: csrf.h).
 *
 * Passwords: Argon2id (libsodium crypto_pwhash_str, "interactive" limits),
 * on a bounded queue: AUTH_HASH_RUNNING at a time per process (half the
 * cores on a smaller machine) and AUTH_HASH_WAITING
 * waiting; beyond that the answer is 503 with Retry-After at once, so that
 * a burst of sign-ins never holds every worker thread. In the serving
 * process the hashes run in helper processes (lib/pwhash_helper.h), out of
 * the address space the worker threads share.
 *
 * Sign-in input is bounded before any work (AUTH_USERNAME_MAX_CHARS,
 * AUTH_PASSWORD_MAX_BYTES: else 400). Wrong passwords are counted per
 * typed username and client address (table sign_in_failures, SQL
 * sign_in_delay()): delays from the third, a lock of that address out of
 * that account from the fifth (AUTH_MAX_FAILURES), for 15 minutes doubling
 * with each further failure. Another address is not locked out. Unknown
 * usernames are counted, hashed and answered alike; the log keeps them
 * only as a keyed hash.
 *
 * Second factor: TOTP (totp.h) or a recovery code, in the `totp` field of
 * the sign-in; required of administrators and heads when the configuration
 * says require_2fa (until enrolled, such a session can only enrol).
 *
 * Sessions: a random 32-byte token in the cookie `ysqgk_session`
 * (HttpOnly, SameSite=Strict, Secure when configured); the database keeps
 * only its keyed hash. A session ends on sign-out, after AUTH_IDLE_MINUTES
 * without a request, and AUTH_ABSOLUTE_HOURS after sign-in, whichever
 * comes first; the oldest goes when a member opens more than
 * AUTH_MAX_SESSIONS. A password change or a 2FA enrolment ends every
 * session of the member and opens a new one (a new token).
 */
#ifndef YSQGK_AUTH_H
#define YSQGK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sodium.h>

#include "core/session.h"

struct request;
struct db;

#define AUTH_MAX_FAILURES	5	/* from one address: locked out (sign_in_delay) */
#define AUTH_MAX_SESSIONS	10
#define AUTH_USERNAME_MAX_CHARS	64
#define AUTH_PASSWORD_MAX_BYTES	1024
#define AUTH_SECOND_MAX_BYTES	64
#define AUTH_HASH_RUNNING	2	/* Argon2id hashes at once per process, at most */
#define AUTH_HASH_WAITING	2	/* and waiting for a turn */
#define AUTH_HASH_WAIT_MS	2000	/* the longest wait for a turn */
#define AUTH_IDLE_MINUTES	30
#define AUTH_ABSOLUTE_HOURS	12
#define AUTH_PASSWORD_MIN_CHARS	10
#define AUTH_SESSION_COOKIE	"ysqgk_session"

/* ---- sessions ------------------------------------------------------------ */

/*
 * Called by the server for every routed request before the handler: finds
 * the session of the cookie (setting req->staff) and refuses a ROUTE_STAFF
 * request without one — JSON 401, pages 303 to the sign-in page with a
 * local `next`. Returns false when it has answered.
 */
bool auth_attach_session(struct request *req);

/* The outcome of a sign-in attempt. */
struct auth_sign_in {
	int status;		/* 200 signed in; 400 too long; 401 wrong; 403 locked
				 * or disabled; 429 too soon; 503 busy or down */
	const char *message;	/* Chinese, for the form or {"error"} */
	int retry_after;	/* seconds, for 403 locked, 429 and 503 */
	bool totp_required;	/* 401: the password was right, the code is missing */
};

/* Checks the password (and second factor: TOTP code or recovery code, or
 * NULL) and, when right, opens a session (cookie set, req->staff filled).
 * Every attempt is written to audit_log. */
struct auth_sign_in auth_sign_in(struct request *req, const char *username,
				 const char *password, const char *second);

/* Adds Retry-After when r asks for it. */
void auth_retry_after(struct request *req, int seconds);

/* Changes the signed-in member's password after checking the current
 * one: 200 done (every session ended, a new one opened), 401 wrong
 * current password, 503 (with *retry_after when the hashing queue is full). */
int auth_change_password(struct request *req, const char *current, const char *fresh,
			 int *retry_after);

/* ---- second factor (auth_totp.c) ----------------------------------------- */

/* The pending secret of the signed-in member's enrolment (created when
 * there is none): 200 with *secret (base32), 409 already enrolled, 503. */
int auth_totp_pending(struct request *req, const char **secret);

/* Confirms enrolment with a code of the pending secret: 200 with ten
 * recovery codes in codes (shown once; every session ended, a new one
 * opened), 422 wrong code, 409 already enrolled or nothing pending, 503. */
int auth_totp_enrol(struct request *req, const char *code, const char **codes);

/* Ends the current session (row deleted, cookie cleared). */
void auth_sign_out(struct request *req);

/* Whether the signed-in member may see requests of this agency: their own
 * agency, or for an administrator its descendants (all for agency 0). */
bool auth_sees_agency(struct request *req, long long agency_id);

/* ---- passwords ----------------------------------------------------------- */

/* A Chinese message when the password is too weak, else NULL. */
const char *auth_password_problem(const char *password);

/* From now on, hash in helper processes rather than in this one (`serve`
 * calls it before its worker threads start). */
void auth_hash_in_helpers(void);

/* Ends the helpers and waits for them (at the end of `serve`, once no
 * worker thread hashes any more). */
void auth_hash_helpers_stop(void);

/* The Argon2id string of password into out; false if out of memory or
 * the hashing queue is full. */
bool auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES]);

/* A random password of 16 characters for a new or reset account. */
void auth_random_password(char out[17]);

#endif
