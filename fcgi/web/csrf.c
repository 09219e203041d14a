#include "web/csrf.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "core/session.h"

#define CSRF_COOKIE "ysqgk_csrf"
#define CSRF_COOKIE_BYTES 16

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
	return request_base64(req, mac, sizeof mac);
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
			req->csrf_cookie = request_base64(req, raw, sizeof raw);
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
