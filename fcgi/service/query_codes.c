#include "service/query_codes.h"

#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "core/pii.h"

static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Ten characters of 5 bits each from the first 7 bytes of bin. */
static void code_from_bytes(const unsigned char bin[7], char out[QUERY_CODE_CHARS + 1])
{
	uint64_t bits = 0;
	for (int i = 0; i < 7; i++)
		bits = bits << 8 | bin[i];
	bits >>= 6;	/* 56 bits, keep 50 */
	for (int i = QUERY_CODE_CHARS - 1; i >= 0; i--) {
		out[i] = code_alphabet[bits & 31];
		bits >>= 5;
	}
	out[QUERY_CODE_CHARS] = '\0';
}

bool query_code_normalise(const char *typed, char out[QUERY_CODE_CHARS + 1])
{
	size_t n = 0;
	for (const char *p = typed; p && *p; p++) {
		char c = *p;
		const unsigned char *u = (const unsigned char *)p;
		/* Full-width ASCII from a Chinese input method. */
		if (u[0] == 0xEF && (u[1] == 0xBC || u[1] == 0xBD) && u[2] >= 0x80 && u[2] <= 0xBF) {
			unsigned cp = 0xF000u | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
			if (cp < 0xFF01 || cp > 0xFF5E)
				return false;
			c = (char)(cp - 0xFF01 + 0x21);
			p += 2;
		}
		if (c == ' ' || c == '-' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (!strchr(code_alphabet, c) || n == QUERY_CODE_CHARS)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == QUERY_CODE_CHARS;
}

void query_code_format(const char *code, char out[QUERY_CODE_SIZE])
{
	memcpy(out, code, 5);
	out[5] = '-';
	memcpy(out + 6, code + 5, QUERY_CODE_CHARS - 5);
	out[QUERY_CODE_SIZE - 1] = '\0';
}

char *query_code_hash(const struct app *app, struct arena *a, const char *typed)
{
	char code[QUERY_CODE_CHARS + 1];
	if (!query_code_normalise(typed, code))
		return NULL;
	return pii_hash(app, a, PII_QUERY_CODE, code);
}

/* The raw bytes of a bytea hex text ("\\x…"). */
static void hex_bytes(const char *bytea, unsigned char *out, size_t n)
{
	sodium_hex2bin(out, n, bytea + 2, 2 * n, NULL, NULL, NULL);
}

void query_code_from_token(const struct app *app, struct arena *a, const char *agency_id,
			   const char *token, char out[QUERY_CODE_CHARS + 1])
{
	size_t len = strlen(agency_id) + strlen(token) + 32;
	char *msg = arena_alloc(a, len);
	snprintf(msg, len, "query-code:%s:%s", agency_id, token);
	unsigned char bin[7];
	hex_bytes(pii_hash(app, a, PII_QUERY_CODE, msg), bin, sizeof bin);
	code_from_bytes(bin, out);
}

const char *submit_token_hash(const struct app *app, struct arena *a, const char *token)
{
	size_t len = strlen(token) + 16;
	char *msg = arena_alloc(a, len);
	snprintf(msg, len, "submit-token:%s", token);
	unsigned char bin[32];
	hex_bytes(pii_hash(app, a, PII_QUERY_CODE, msg), bin, sizeof bin);
	size_t n = sodium_base64_encoded_len(sizeof bin, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, n);
	sodium_bin2base64(out, n, bin, sizeof bin, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

void query_code_random(char out[QUERY_CODE_CHARS + 1])
{
	unsigned char bin[7];
	randombytes_buf(bin, sizeof bin);
	code_from_bytes(bin, out);
}
