/*
 * file_links: signed links that expire. Two kinds share one MAC:
 *
 * - a stored file, for the applicant after the query code (issue 15):
 *   /status/files/{file_id}?exp=UNIX&sig=HEX, good for 15 minutes;
 * - a request's status page (issue 16): /status/view?t=ID-EXP-SIG, the
 *   token standing in for the query code after the look-up, good for a
 *   day, so that the page is a GET that reloads and goes Back safely and
 *   the code itself never enters a URL.
 *
 * The signature is an HMAC-SHA-512/256 (crypto_auth) over "id|exp" (a
 * file) or "status:id|exp|code_hash" (a status page) with a key of its own
 * derived from the app's first key (app.h, PII_FILE_LINK; never the CSRF
 * key). Anyone holding a link may use it until exp, hence the short lives
 * — and a status token is bound to the request's query code as stored
 * (its hash), so that a code issued anew (reissue_code, issue 16 item 6:
 * the old one may be in the wrong hands) ends every page opened with the
 * old one at once.
 */
#ifndef YSQGK_FILE_LINKS_H
#define YSQGK_FILE_LINKS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "core/app.h"

#define FILE_LINK_SECONDS (15 * 60)
#define STATUS_LINK_SECONDS (24 * 60 * 60)
#define FILE_LINK_SIG_HEX 65	/* 32 bytes in hex and a NUL */
/* A status token: up to 18 digits, '-', 12 digits, '-', 64 hex, NUL. */
#define STATUS_TOKEN_SIZE 100
#define LINK_ID_SIZE 19		/* up to 18 digits and a NUL */

enum signed_link_kind { LINK_FILE, LINK_STATUS };

enum signed_link_check {
	LINK_GOOD,
	LINK_EXPIRED,	/* signed by us, but its time is over */
	LINK_BAD,	/* malformed or not signed by us */
};

/* The signature of `id` of `kind` until exp, in hex. */
void signed_link_sign(const struct app *app, enum signed_link_kind kind, const char *id,
		      long long exp, char sig[FILE_LINK_SIG_HEX]);

/* Checks a link's exp and sig for id (the signature in constant time). */
enum signed_link_check signed_link_check(const struct app *app, enum signed_link_kind kind,
					 const char *id, const char *exp, const char *sig,
					 time_t now);

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

/* The status token of request_id ("ID-EXP-SIG"), good for a day, bound to
 * code_hash: the request's query_code_hash as PostgreSQL prints it. */
void status_token_make(const struct app *app, const char *request_id, const char *code_hash,
		       time_t now, char out[STATUS_TOKEN_SIZE]);

/* A status token's parts. */
struct status_token {
	char id[LINK_ID_SIZE];
	char exp[13];
	char sig[FILE_LINK_SIG_HEX];
};

/* Splits token into its parts: false (t emptied) when it cannot be one.
 * Its id tells which request's code hash status_token_check() needs. */
bool status_token_parse(const char *token, struct status_token *t);

/* Checks a parsed token against the request's code hash now (NULL: no such
 * request, LINK_BAD); the signature in constant time. */
enum signed_link_check status_token_check(const struct app *app, const struct status_token *t,
					  const char *code_hash, time_t now);

#endif
