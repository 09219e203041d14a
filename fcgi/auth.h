/*
 * auth: CSRF tokens, staff passwords and sessions.
 *
 * CSRF: an anonymous visitor gets a random cookie (SameSite=Strict,
 * HttpOnly) and forms carry the keyed MAC of that cookie: a cross-site page
 * can neither read the cookie nor compute the MAC. A signed-in staff member's
 * forms carry instead the random token stored with the session
 * (sessions.csrf_token): it dies with the session, and staff pages accept
 * nothing else.
 *
 * Passwords: Argon2id (libsodium crypto_pwhash_str, "interactive" limits).
 * After AUTH_MAX_FAILURES wrong passwords in a row an account is locked for
 * AUTH_LOCK_MINUTES, whatever password comes next.
 *
 * Sessions: a random 32-byte token in the cookie `ysqgk_session`
 * (HttpOnly, SameSite=Strict, Secure when configured); the database keeps
 * only its keyed hash. A session ends on sign-out, after AUTH_IDLE_MINUTES
 * without a request, and AUTH_ABSOLUTE_HOURS after sign-in, whichever
 * comes first.
 */
#ifndef YSQGK_AUTH_H
#define YSQGK_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <sodium.h>

struct request;
struct db;

#define AUTH_MAX_FAILURES	5
#define AUTH_LOCK_MINUTES	15
#define AUTH_IDLE_MINUTES	30
#define AUTH_ABSOLUTE_HOURS	12
#define AUTH_PASSWORD_MIN_CHARS	10
#define AUTH_SESSION_COOKIE	"ysqgk_session"

/* The signed-in staff member (req->staff), in the request's arena. */
struct staff_session {
	long long staff_id;
	long long agency_id;		/* 0: an administrator of every agency */
	const char *agency_code;	/* "" when agency_id is 0 */
	const char *agency_name;
	const char *username;
	const char *display_name;
	const char *role;		/* clerk, head, admin */
	const char *staff_id_text;	/* staff_id as text, for statements */
	const char *csrf;		/* the session's form token (base64url) */
	const char *token_hash;		/* sessions.token_hash as bytea hex */
	bool must_change_password;
};

/* ---- CSRF ---------------------------------------------------------------- */

/* The token for forms on this page (sets the anonymous cookie when
 * missing; the session's token when signed in). */
const char *csrf_token(struct request *req);

/* True when the POSTed csrf_token field is valid: the session's token on
 * staff routes; the session's or the anonymous one elsewhere. */
bool csrf_valid(struct request *req);

/* base64url (no padding) of bin into the request's arena. */
char *auth_base64(struct request *req, const unsigned char *bin, size_t len);

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
	int status;		/* 200 signed in; 401 wrong; 403 locked or disabled; 5xx */
	const char *message;	/* Chinese, for the form or {"error"} */
};

/* Checks the password and, when right, opens a session (cookie set,
 * req->staff filled). Every attempt is written to audit_log. */
struct auth_sign_in auth_sign_in(struct request *req, const char *username,
				 const char *password);

/* Changes the signed-in member's password after checking the current
 * one: 200 done (other sessions ended), 401 wrong current password, 503. */
int auth_change_password(struct request *req, const char *current, const char *fresh);

/* Ends the current session (row deleted, cookie cleared). */
void auth_sign_out(struct request *req);

/* Whether the signed-in member may see requests of this agency: their own
 * agency, or for an administrator its descendants (all for agency 0). */
bool auth_sees_agency(struct request *req, long long agency_id);

/* ---- passwords ----------------------------------------------------------- */

/* A Chinese message when the password is too weak, else NULL. */
const char *auth_password_problem(const char *password);

/* The Argon2id string of password into out; false if out of memory. */
bool auth_hash_password(const char *password, char out[crypto_pwhash_STRBYTES]);

/* A random password of 16 characters for a new or reset account. */
void auth_random_password(char out[17]);

#endif
