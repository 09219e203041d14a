/*
 * context: what a service works with — the database, the arena its
 * answers live in, the app's settings and templates, and who acts. The
 * web layer makes one from a struct request, the command line from its
 * own connection; a service never sees which (issue 13: services never
 * see HTTP).
 */
#ifndef YSQGK_CONTEXT_H
#define YSQGK_CONTEXT_H

#include "core/app.h"
#include "core/db.h"
#include "core/session.h"
#include "lib/arena.h"

struct context {
	struct db *db;
	struct arena *arena;
	const struct app *app;
	const struct staff_session *staff;	/* the staff member acting, or NULL */
};

/*
 * How a service call ended. Only the web layer turns these into status
 * codes (web/http.h, http_status_of); the command line into exit codes.
 */
enum service_status {
	SERVICE_DONE,
	SERVICE_NOT_SIGNED_IN,	/* a staff step without a session */
	SERVICE_FORBIDDEN,	/* not this actor's to do (the role, the author) */
	SERVICE_NOT_FOUND,	/* no such request or step, or not this agency's */
	SERVICE_CONFLICT,	/* the request's state or the law forbids it now */
	SERVICE_BAD_INPUT,	/* a field is missing or wrong: named */
	SERVICE_FAILED,		/* a fault of ours (a template missing) */
	SERVICE_UNAVAILABLE,	/* the database failed: nothing saved, try again */
};

#endif
