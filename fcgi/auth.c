#include "auth.h"

#include <string.h>
#include <sodium.h>

#include "http.h"

#define CSRF_COOKIE "ysqgk_csrf"
#define CSRF_COOKIE_BYTES 16

char *auth_base64(struct request *req, const unsigned char *bin, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(req->arena, n);
	sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

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
	return auth_base64(req, mac, sizeof mac);
}

const char *csrf_token(struct request *req)
{
	if (!req->csrf_cookie) {
		const char *cookie = fields_get(&req->cookies, CSRF_COOKIE);
		if (cookie_well_formed(cookie)) {
			req->csrf_cookie = cookie;
		} else {
			unsigned char raw[CSRF_COOKIE_BYTES];
			randombytes_buf(raw, sizeof raw);
			req->csrf_cookie = auth_base64(req, raw, sizeof raw);
			http_set_cookie(req, CSRF_COOKIE, req->csrf_cookie, -1);
		}
	}
	return token_for(req, req->csrf_cookie);
}

bool csrf_valid(struct request *req)
{
	const char *cookie = fields_get(&req->cookies, CSRF_COOKIE);
	const char *sent = fields_get(&req->form, "csrf_token");
	if (!cookie_well_formed(cookie) || !sent)
		return false;
	const char *want = token_for(req, cookie);
	size_t len = strlen(want);
	return strlen(sent) == len && sodium_memcmp(sent, want, len) == 0;
}
