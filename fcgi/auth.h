/*
 * auth: CSRF tokens (and, later, staff sessions and passwords).
 *
 * CSRF: a random cookie (SameSite=Strict, HttpOnly) plus a form token that
 * is the keyed MAC of that cookie. A cross-site page can neither read the
 * cookie nor compute the MAC, so it cannot forge the token; the server
 * stores nothing.
 */
#ifndef YSQGK_AUTH_H
#define YSQGK_AUTH_H

#include <stdbool.h>
#include <stddef.h>

struct request;

/* The token for forms on this page (sets the cookie when missing). */
const char *csrf_token(struct request *req);

/* True when the POSTed csrf_token field matches the cookie. */
bool csrf_valid(struct request *req);

/* base64url (no padding) of bin into the request's arena. */
char *auth_base64(struct request *req, const unsigned char *bin, size_t len);

#endif
