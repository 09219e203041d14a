/*
 * pii: personal data at rest. 证件号码 and phone numbers are stored only
 * encrypted (XSalsa20-Poly1305 secretbox, random nonce) beside a keyed hash
 * (BLAKE2b) that recognises the same applicant without decrypting. Query
 * codes are stored only as a keyed hash: they are random, so a fast MAC is
 * as good as a slow password hash and keeps the look-up rate high.
 *
 * The keys are derived from the secret key file with crypto_kdf, one per
 * purpose, so no two uses share a key. Without that file the encrypted
 * fields cannot be read: it must be backed up with the database.
 *
 * Results are allocated in the arena; bytea values travel to libpq as hex
 * text ("\\x…").
 */
#ifndef YSQGK_PII_H
#define YSQGK_PII_H

#include <stdbool.h>
#include <stddef.h>

#include "core/app.h"


/* The ciphertext (nonce ‖ box) of plain, as bytea hex text. */
char *pii_encrypt(const struct app *app, struct arena *a, const char *plain);

/* Decrypts bytea hex text from PostgreSQL; NULL when it does not open. */
char *pii_decrypt(const struct app *app, struct arena *a, const char *bytea_hex);

/* The keyed hash of value for purpose, as bytea hex text (32 bytes). */
char *pii_hash(const struct app *app, struct arena *a, enum pii_purpose purpose,
	       const char *value);

#endif
