/* What auth.c, auth_sign_in.c and auth_totp.c share; pages use auth.h. */
#ifndef YSQGK_AUTH_INTERNAL_H
#define YSQGK_AUTH_INTERNAL_H

#include <json-c/json.h>

#include "web/auth.h"
#include "web/http.h"

/* One audit_log row; data (owned, may be NULL) becomes its JSON. */
void auth_audit(struct request *req, const char *actor, const char *agency,
		const char *action, const char *target, struct json_object *data);

/* Opens a session for staff_id: the cookie, req->staff, the oldest
 * sessions beyond AUTH_MAX_SESSIONS dropped. Run inside the caller's
 * transaction. */
bool auth_open_session(struct request *req, const char *staff_id);

/* Ends every session of staff_id (before opening a new one). */
bool auth_end_sessions(struct request *req, const char *staff_id);

enum auth_pw { AUTH_PW_RIGHT, AUTH_PW_WRONG, AUTH_PW_BUSY };

/* Verifies password against an Argon2id string on the hashing queue;
 * hash NULL: against a hash of a random password, so that an unknown
 * username costs what a known one does. */
enum auth_pw auth_password_check(const char *hash, const char *password);

/* BEGIN, and COMMIT or ROLLBACK after fn(req, ctx) (true: commit). */
bool auth_transaction(struct request *req, bool (*fn)(struct request *, void *), void *ctx);

/* The agency id of req->staff as text, NULL for agency 0. */
const char *auth_agency_text(struct request *req);

#endif
