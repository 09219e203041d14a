/*
 * session: who is acting. The web layer finds it from the session cookie
 * (web/auth.h), the command line from --as; services take it as their
 * actor and never see where it came from.
 */
#ifndef YSQGK_SESSION_H
#define YSQGK_SESSION_H

#include <stdbool.h>

struct db;

/* The signed-in staff member: who acts (req->staff on the web, the
 * --as user on the command line), in the request's arena. */
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
	bool totp_enabled;		/* signs in with a second factor */
	bool must_enrol;		/* require_2fa applies and it has none yet */
};

/*
 * Whether `s` may see the requests of agency `agency_id`: its own agency's
 * staff; an administrator also the agencies below (one query), an
 * administrator of no agency every agency. NULL sees nothing.
 */
bool session_sees_agency(struct db *db, const struct staff_session *s, long long agency_id);

#endif
