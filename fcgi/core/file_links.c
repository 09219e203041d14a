/* file_links: signed, expiring download links (file_links.h). */
#include "core/file_links.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

_Static_assert(crypto_auth_KEYBYTES == crypto_generichash_KEYBYTES, "file link key size");

static void mac(const struct app *app, const char *file_id, long long exp,
		unsigned char out[crypto_auth_BYTES])
{
	char msg[96];
	int n = snprintf(msg, sizeof msg, "%s|%lld", file_id, exp);
	crypto_auth(out, (const unsigned char *)msg, (unsigned long long)n,
		    app->hash_keys[PII_FILE_LINK]);
}

void file_link_sign(const struct app *app, const char *file_id, long long exp,
		    char sig[FILE_LINK_SIG_HEX])
{
	unsigned char m[crypto_auth_BYTES];
	mac(app, file_id, exp, m);
	sodium_bin2hex(sig, FILE_LINK_SIG_HEX, m, sizeof m);
}

void file_link_make(const struct app *app, const char *file_id, time_t now, char *out,
		    size_t outlen)
{
	long long exp = (long long)now + FILE_LINK_SECONDS;
	char sig[FILE_LINK_SIG_HEX];
	file_link_sign(app, file_id, exp, sig);
	snprintf(out, outlen, "/status/files/%s?exp=%lld&sig=%s", file_id, exp, sig);
}

static bool all_digits(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

bool file_link_valid(const struct app *app, const char *file_id, const char *exp,
		     const char *sig, time_t now)
{
	if (!all_digits(file_id, 18) || !all_digits(exp, 12) || !sig ||
	    strlen(sig) != 2 * crypto_auth_BYTES)
		return false;
	unsigned char given[crypto_auth_BYTES], want[crypto_auth_BYTES];
	size_t n = 0;
	if (sodium_hex2bin(given, sizeof given, sig, strlen(sig), NULL, &n, NULL) != 0 ||
	    n != sizeof given)
		return false;
	long long e = atoll(exp);
	mac(app, file_id, e, want);
	bool right = sodium_memcmp(given, want, sizeof want) == 0;
	return right && (long long)now <= e;
}
