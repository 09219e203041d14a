/*
 * totp: the second factor of staff sign-in, without I/O.
 *
 * Codes are TOTP (RFC 6238) as every authenticator app computes them:
 * HMAC-SHA-1, 6 digits, 30-second steps, a 20-byte secret shown in base32
 * (liboath does the arithmetic). A code is accepted one step either side
 * of now (a phone's clock is often that far off); the caller keeps the
 * last step used so that no code is accepted twice.
 *
 * The app shows the secret as an otpauth:// URI in a QR code, drawn here
 * as inline SVG (libqrencode): no image service sees the secret, and the
 * page needs no script.
 *
 * Recovery codes: ten per enrolment, 10 characters of an alphabet without
 * look-alikes (~49 bits each), shown once as "xxxxx-xxxxx"; the database
 * keeps only keyed hashes of their normal form.
 */
#ifndef YSQGK_TOTP_H
#define YSQGK_TOTP_H

#include <stdbool.h>
#include <time.h>

#include "lib/arena.h"

#define TOTP_SECRET_BYTES	20
#define TOTP_SECRET_CHARS	32	/* base32 of 20 bytes, no padding */
#define TOTP_RECOVERY_CODES	10
#define TOTP_RECOVERY_CHARS	10

/* A new random secret in base32 (TOTP_SECRET_CHARS + NUL). */
bool totp_new_secret(char out[TOTP_SECRET_CHARS + 1]);

/* The time step (now / 30, ± 1) whose code `code` is for the base32
 * secret; -1 when it is none of them or malformed. Spaces are ignored. */
long long totp_check(const char *secret, const char *code, time_t now);

/* The code of step now / 30 (for the tests and the command line). */
bool totp_code(const char *secret, time_t now, char out[7]);

/* otpauth://totp/ISSUER:USERNAME?secret=…&issuer=ISSUER&… */
char *totp_uri(struct arena *a, const char *issuer, const char *username,
	       const char *secret);

/* The QR code of text as an <svg> element; NULL when it cannot be made. */
char *totp_qr_svg(struct arena *a, const char *text);

/* A new recovery code as shown: "xxxxx-xxxxx". */
void totp_recovery_code(char out[TOTP_RECOVERY_CHARS + 2]);

/* The normal form of a typed recovery code (lower case, without spaces
 * and dashes) into out; false when it cannot be one. */
bool totp_recovery_normal(const char *typed, char out[TOTP_RECOVERY_CHARS + 1]);

#endif
