/*
 * file_links: download links that expire, for the applicant after the
 * query code (issue 15): /status/files/{file_id}?exp=UNIX&sig=HEX, the
 * signature an HMAC-SHA-512/256 (crypto_auth) over "file_id|exp" with a
 * key of its own derived from the app's first key (app.h, PII_FILE_LINK;
 * never the CSRF key). A link is good until exp; anyone holding it may
 * download the file until then, which is why it lives 15 minutes.
 */
#ifndef YSQGK_FILE_LINKS_H
#define YSQGK_FILE_LINKS_H

#include <stdbool.h>
#include <time.h>

#include "core/app.h"

#define FILE_LINK_SECONDS (15 * 60)
#define FILE_LINK_SIG_HEX 65	/* 32 bytes in hex and a NUL */

/* The signature of file_id until exp, in hex. */
void file_link_sign(const struct app *app, const char *file_id, long long exp,
		    char sig[FILE_LINK_SIG_HEX]);

/* The path and query of the link to file_id, good until now + 15 minutes,
 * into out (at least 160 bytes). */
void file_link_make(const struct app *app, const char *file_id, time_t now, char *out,
		    size_t outlen);

/* A link's exp and sig for file_id: true when the signature is right (in
 * constant time) and now is not after exp. */
bool file_link_valid(const struct app *app, const char *file_id, const char *exp,
		     const char *sig, time_t now);

#endif
