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

/* The MAC of "<kind>id|exp", and "|binding" after it when given (a status
 * token's query code hash). */
static void mac(const struct app *app, enum signed_link_kind kind, const char *id,
		const char *binding, long long exp, unsigned char out[crypto_auth_BYTES])
{
	char msg[192];
	int n = snprintf(msg, sizeof msg, "%s%s|%lld%s%s", kind_prefix[kind], id, exp,
			 binding ? "|" : "", binding ? binding : "");
	if (n < 0 || (size_t)n >= sizeof msg)
		n = 0;		/* never: ids are digits, a binding a hash */
	crypto_auth(out, (const unsigned char *)msg, (unsigned long long)n,
		    app->hash_keys[PII_FILE_LINK]);
}

void signed_link_sign(const struct app *app, enum signed_link_kind kind, const char *id,
		      long long exp, char sig[FILE_LINK_SIG_HEX])
{
	unsigned char m[crypto_auth_BYTES];
	mac(app, kind, id, NULL, exp, m);
	sodium_bin2hex(sig, FILE_LINK_SIG_HEX, m, sizeof m);
}

static bool all_digits(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

/* Compares sig (hex) with the MAC of id, binding and exp, in constant time. */
static enum signed_link_check check_mac(const struct app *app, enum signed_link_kind kind,
					const char *id, const char *binding, const char *exp,
					const char *sig, time_t now)
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
	mac(app, kind, id, binding, e, want);
	if (sodium_memcmp(given, want, sizeof want) != 0)
		return LINK_BAD;
	return (long long)now <= e ? LINK_GOOD : LINK_EXPIRED;
}

enum signed_link_check signed_link_check(const struct app *app, enum signed_link_kind kind,
					 const char *id, const char *exp, const char *sig,
					 time_t now)
{
	return check_mac(app, kind, id, NULL, exp, sig, now);
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

void status_token_make(const struct app *app, const char *request_id, const char *code_hash,
		       time_t now, char out[STATUS_TOKEN_SIZE])
{
	long long exp = (long long)now + STATUS_LINK_SECONDS;
	unsigned char m[crypto_auth_BYTES];
	char sig[FILE_LINK_SIG_HEX];
	mac(app, LINK_STATUS, request_id, code_hash, exp, m);
	sodium_bin2hex(sig, sizeof sig, m, sizeof m);
	snprintf(out, STATUS_TOKEN_SIZE, "%s-%lld-%s", request_id, exp, sig);
}

/* Copies the part of token up to '-' (or its end) into out; the rest. */
static const char *next_part(const char *token, char *out, size_t size)
{
	size_t n = strcspn(token, "-");
	if (n >= size)
		n = size - 1;	/* then it is too long to check out */
	memcpy(out, token, n);
	out[n] = '\0';
	return token[n] == '-' ? token + n + 1 : token + n;
}

bool status_token_parse(const char *token, struct status_token *t)
{
	memset(t, 0, sizeof *t);
	if (!token || strlen(token) >= STATUS_TOKEN_SIZE)
		return false;
	const char *rest = next_part(token, t->id, sizeof t->id);
	rest = next_part(rest, t->exp, sizeof t->exp);
	next_part(rest, t->sig, sizeof t->sig);
	bool ok = all_digits(t->id, LINK_ID_SIZE - 1) && all_digits(t->exp, 12) &&
		strlen(t->sig) == 2 * crypto_auth_BYTES &&
		strlen(token) == strlen(t->id) + strlen(t->exp) + strlen(t->sig) + 2;
	if (!ok)
		memset(t, 0, sizeof *t);
	return ok;
}

enum signed_link_check status_token_check(const struct app *app, const struct status_token *t,
					  const char *code_hash, time_t now)
{
	if (!code_hash)
		return LINK_BAD;
	return check_mac(app, LINK_STATUS, t->id, code_hash, t->exp, t->sig, now);
}
