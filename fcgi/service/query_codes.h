/*
 * query_codes: the code an applicant follows a request with (查询码): ten
 * characters of Crockford's base 32, shown once, stored only as a keyed
 * hash. A request submitted with a form token gets the code the token
 * determines, so that the same form posted twice shows the same code.
 */
#ifndef YSQGK_QUERY_CODES_H
#define YSQGK_QUERY_CODES_H

#include <stdbool.h>

#include "core/app.h"
#include "lib/arena.h"

/* Crockford base32, 10 characters: 50 random bits, shown as XXXXX-XXXXX. */
#define QUERY_CODE_CHARS		10
#define QUERY_CODE_SIZE			(QUERY_CODE_CHARS + 2)	/* dash, NUL */

/*
 * Normalises what an applicant typed: drops spaces and dashes, upper-cases,
 * reads O as 0 and I, L as 1 (Crockford). Writes QUERY_CODE_CHARS
 * characters and a NUL into out; false when it cannot be a query code.
 */
bool query_code_normalise(const char *typed, char out[QUERY_CODE_CHARS + 1]);

/* The keyed hash stored in requests.query_code_hash (bytea hex text). */
char *query_code_hash(const struct app *app, struct arena *a, const char *typed);

/* "ABCDE-FGHJK" from 10 normalised characters. */
void query_code_format(const char *code, char out[QUERY_CODE_SIZE]);

/* A fresh random code. */
void query_code_random(char out[QUERY_CODE_CHARS + 1]);

/* The code of a request submitted with form token `token` to agency
 * `agency_id`: a keyed MAC of both. */
void query_code_from_token(const struct app *app, struct arena *a, const char *agency_id,
			   const char *token, char out[QUERY_CODE_CHARS + 1]);

/* What requests.submit_token stores: a keyed hash, never the token. */
const char *submit_token_hash(const struct app *app, struct arena *a, const char *token);

#endif
