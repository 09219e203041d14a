#include "core/pii.h"

#include <string.h>
#include <sodium.h>


static char *bytea_hex(struct arena *a, const unsigned char *bin, size_t len)
{
	char *out = arena_alloc(a, 2 * len + 3);
	out[0] = '\\';
	out[1] = 'x';
	sodium_bin2hex(out + 2, 2 * len + 1, bin, len);
	return out;
}

char *pii_encrypt(const struct app *app, struct arena *a, const char *plain)
{
	size_t len = strlen(plain);
	size_t total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
	unsigned char *out = arena_alloc(a, total);
	randombytes_buf(out, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(out + crypto_secretbox_NONCEBYTES,
			      (const unsigned char *)plain, len, out, app->box_key);
	return bytea_hex(a, out, total);
}

char *pii_decrypt(const struct app *app, struct arena *a, const char *bytea)
{
	if (!bytea || strncmp(bytea, "\\x", 2))
		return NULL;
	size_t hex_len = strlen(bytea + 2);
	unsigned char *bin = arena_alloc(a, hex_len / 2 + 1);
	size_t len;
	if (sodium_hex2bin(bin, hex_len / 2 + 1, bytea + 2, hex_len, NULL, &len, NULL) ||
	    len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return NULL;
	size_t plain_len = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	char *plain = arena_alloc(a, plain_len + 1);
	/* The newest key first, then the older ones, newest to oldest. */
	for (int k = app->key_count - 1; k >= 0; k--) {
		const unsigned char *key = k == app->key_count - 1 ? app->box_key
								    : app->old_box_keys[k];
		if (!crypto_secretbox_open_easy((unsigned char *)plain,
						bin + crypto_secretbox_NONCEBYTES,
						len - crypto_secretbox_NONCEBYTES, bin, key)) {
			plain[plain_len] = '\0';
			return plain;
		}
	}
	return NULL;
}

char *pii_hash(const struct app *app, struct arena *a, enum pii_purpose purpose,
	       const char *value)
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)value, strlen(value),
			   app->hash_keys[purpose], sizeof app->hash_keys[purpose]);
	return bytea_hex(a, h, sizeof h);
}
