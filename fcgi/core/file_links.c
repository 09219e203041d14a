/* file_links: signed links that expire (file_links.h). */
#include "core/file_links.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

_Static_assert(crypto_auth_KEYBYTES == crypto_generichash_KEYBYTES, "file link key size");

/* The prefix keeps the kinds apart: a file's id is digits only, so no
 * file message can read "status:…". */
static const char *const kind_prefix[] = { [LINK_FILE] = "", [LINK_STATUS] = "status:" };

static void mac(const struct app *app, enum signed_link_kind kind, const char *id,
		long long exp, unsigned char out[crypto_auth_BYTES])
{
	char msg[96];
	int n = snprintf(msg, sizeof msg, "%s%s|%lld", kind_prefix[kind], id, exp);
	crypto_auth(out, (const unsigned char *)msg, (unsigned long long)n,
		    app->hash_keys[PII_FILE_LINK]);
}

void signed_link_sign(const struct app *app, enum signed_link_kind kind, const char *id,
		      long long exp, char sig[FILE_LINK_SIG_HEX])
{
	unsigned char m[crypto_auth_BYTES];
	mac(app, kind, id, exp, m);
	sodium_bin2hex(sig, FILE_LINK_SIG_HEX, m, sizeof m);
}

static bool all_digits(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

enum signed_link_check signed_link_check(const struct app *app, enum signed_link_kind kind,
					 const char *id, const char *exp, const char *sig,
					 time_t now)
{
	if (!all_digits(id, LINK_ID_SIZE - 1) || !all_digits(exp, 12) || !sig ||
	    strlen(sig) != 2 * crypto_auth_BYTES)
		return LINK_BAD;
	unsigned char given[crypto_auth_BYTES], want[crypto_auth_BYTES];
	size_t n = 0;
	if (sodium_hex2bin(given, sizeof given, sig, strlen(sig), NULL, &n, NULL) != 0 ||
	    n != sizeof given)
		return LINK_BAD;
	long long e = atoll(exp);
	mac(app, kind, id, e, want);
	if (sodium_memcmp(given, want, sizeof want) != 0)
		return LINK_BAD;
	return (long long)now <= e ? LINK_GOOD : LINK_EXPIRED;
}

void file_link_sign(const struct app *app, const char *file_id, long long exp,
		    char sig[FILE_LINK_SIG_HEX])
{
	signed_link_sign(app, LINK_FILE, file_id, exp, sig);
}

void file_link_make(const struct app *app, const char *file_id, time_t now, char *out,
		    size_t outlen)
{
	long long exp = (long long)now + FILE_LINK_SECONDS;
	char sig[FILE_LINK_SIG_HEX];
	file_link_sign(app, file_id, exp, sig);
	snprintf(out, outlen, "/status/files/%s?exp=%lld&sig=%s", file_id, exp, sig);
}

bool file_link_valid(const struct app *app, const char *file_id, const char *exp,
		     const char *sig, time_t now)
{
	return signed_link_check(app, LINK_FILE, file_id, exp, sig, now) == LINK_GOOD;
}

void status_token_make(const struct app *app, const char *request_id, time_t now,
		       char out[STATUS_TOKEN_SIZE])
{
	long long exp = (long long)now + STATUS_LINK_SECONDS;
	char sig[FILE_LINK_SIG_HEX];
	signed_link_sign(app, LINK_STATUS, request_id, exp, sig);
	snprintf(out, STATUS_TOKEN_SIZE, "%s-%lld-%s", request_id, exp, sig);
}

enum signed_link_check status_token_check(const struct app *app, const char *token,
					  time_t now, char id[LINK_ID_SIZE])
{
	id[0] = '\0';
	char copy[STATUS_TOKEN_SIZE];
	if (!token || strlen(token) >= sizeof copy)
		return LINK_BAD;
	strcpy(copy, token);
	char *exp = strchr(copy, '-');
	char *sig = exp ? strchr(exp + 1, '-') : NULL;
	if (!sig)
		return LINK_BAD;
	*exp++ = '\0';
	*sig++ = '\0';
	enum signed_link_check c = signed_link_check(app, LINK_STATUS, copy, exp, sig, now);
	if (c != LINK_BAD)	/* then copy is at most LINK_ID_SIZE - 1 digits */
		memcpy(id, copy, strlen(copy) + 1);
	return c;
}
