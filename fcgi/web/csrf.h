/*
 * csrf: the token every POST carries. An anonymous visitor gets a random
 * cookie (SameSite=Strict, HttpOnly) and forms carry the keyed MAC of that
 * cookie: a cross-site page can neither read the cookie nor compute the
 * MAC. A signed-in staff member's forms carry instead the random token
 * stored with the session (sessions.csrf_token): it dies with the session,
 * and staff pages accept nothing else.
 */
#ifndef YSQGK_CSRF_H
#define YSQGK_CSRF_H

#include <stdbool.h>

#include "web/request.h"

/* The token for forms on this page (sets the anonymous cookie when
 * missing; the session's token when signed in). */
const char *csrf_token(struct request *req);

/* True when the POSTed csrf_token field is valid: the session's token on
 * staff routes; the session's or the anonymous one elsewhere. */
bool csrf_valid(struct request *req);

#endif
