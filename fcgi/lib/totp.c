#include "lib/totp.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <liboath/oath.h>
#include <qrencode.h>
#include <sodium.h>

#include "lib/buf.h"

#define STEP_SECONDS	OATH_TOTP_DEFAULT_TIME_STEP_SIZE
#define QR_MARGIN	4	/* modules of white around the code (ISO 18004) */

static const char recovery_alphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";

static pthread_once_t oath_once = PTHREAD_ONCE_INIT;

static void oath_start(void)
{
	oath_init();	/* checks the library version; never undone */
}

bool totp_new_secret(char out[TOTP_SECRET_CHARS + 1])
{
	unsigned char raw[TOTP_SECRET_BYTES];
	randombytes_buf(raw, sizeof raw);
	char *b32 = NULL;
	size_t len = 0;
	pthread_once(&oath_once, oath_start);
	int r = oath_base32_encode((const char *)raw, sizeof raw, &b32, &len);
	sodium_memzero(raw, sizeof raw);
	bool ok = r == OATH_OK && len == TOTP_SECRET_CHARS;
	if (ok)
		memcpy(out, b32, TOTP_SECRET_CHARS + 1);
	if (b32)
		sodium_memzero(b32, len);
	free(b32);
	return ok;
}

/* The raw secret of base32 text (malloc'd, *len bytes), NULL if malformed. */
static char *secret_bytes(const char *b32, size_t *len)
{
	char *raw = NULL;
	pthread_once(&oath_once, oath_start);
	if (oath_base32_decode(b32, strlen(b32), &raw, len) != OATH_OK || !*len) {
		free(raw);
		return NULL;
	}
	return raw;
}

static void secret_free(char *raw, size_t len)
{
	if (raw)
		sodium_memzero(raw, len);
	free(raw);
}

/* The six digits of a typed code (spaces dropped) into out. */
static bool code_digits(const char *code, char out[7])
{
	size_t n = 0;
	for (; code && *code; code++) {
		if (*code == ' ')
			continue;
		if (!isdigit((unsigned char)*code) || n == 6)
			return false;
		out[n++] = *code;
	}
	out[n] = '\0';
	return n == 6;
}

long long totp_check(const char *secret, const char *code, time_t now)
{
	char digits[7];
	size_t len;
	if (!code_digits(code, digits))
		return -1;
	char *raw = secret_bytes(secret, &len);
	if (!raw)
		return -1;
	int pos = 0;
	int r = oath_totp_validate2(raw, len, now, STEP_SECONDS, 0, 1, &pos, digits);
	secret_free(raw, len);
	if (r < 0)
		return -1;
	return (long long)(now / STEP_SECONDS) + pos;
}

bool totp_code(const char *secret, time_t now, char out[7])
{
	size_t len;
	char *raw = secret_bytes(secret, &len);
	if (!raw)
		return false;
	int r = oath_totp_generate(raw, len, now, STEP_SECONDS, 0, 6, out);
	secret_free(raw, len);
	return r == OATH_OK;
}

/* RFC 3986 unreserved characters stay, every other byte is %XX. */
static void put_uri_escaped(struct buf *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || strchr("-._~", c))
			buf_putc(b, (char)c);
		else
			buf_printf(b, "%%%02X", c);
	}
}

char *totp_uri(struct arena *a, const char *issuer, const char *username,
	       const char *secret)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "otpauth://totp/");
	put_uri_escaped(&b, issuer);
	buf_putc(&b, ':');
	put_uri_escaped(&b, username);
	buf_printf(&b, "?secret=%s&issuer=", secret);
	put_uri_escaped(&b, issuer);
	buf_printf(&b, "&algorithm=SHA1&digits=6&period=%d", STEP_SECONDS);
	char *out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return out;
}

/* One row's dark modules as horizontal runs: "M x y h n v1 h -n z". */
static void put_row(struct buf *b, const QRcode *qr, int y)
{
	for (int x = 0; x < qr->width;) {
		if (!(qr->data[y * qr->width + x] & 1)) {
			x++;
			continue;
		}
		int run = 1;
		while (x + run < qr->width && (qr->data[y * qr->width + x + run] & 1))
			run++;
		buf_printf(b, "M%d %dh%dv1h-%dz", x + QR_MARGIN, y + QR_MARGIN, run, run);
		x += run;
	}
}

char *totp_qr_svg(struct arena *a, const char *text)
{
	QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	if (!qr)
		return NULL;
	int size = qr->width + 2 * QR_MARGIN;
	struct buf b = BUF_INIT;
	/* Attributes only, no style: the CSP allows no inline style. */
	buf_printf(&b, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\""
		   " width=\"%d\" height=\"%d\" shape-rendering=\"crispEdges\""
		   " role=\"img\" aria-label=\"两步验证二维码\">"
		   "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		   size, size, size * 5, size * 5, size, size);
	for (int y = 0; y < qr->width; y++)
		put_row(&b, qr, y);
	buf_puts(&b, "\"/></svg>");
	QRcode_free(qr);
	char *out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return out;
}

void totp_recovery_code(char out[TOTP_RECOVERY_CHARS + 2])
{
	size_t k = 0;
	for (int i = 0; i < TOTP_RECOVERY_CHARS; i++) {
		if (i == TOTP_RECOVERY_CHARS / 2)
			out[k++] = '-';
		out[k++] = recovery_alphabet[randombytes_uniform(sizeof recovery_alphabet - 1)];
	}
	out[k] = '\0';
}

bool totp_recovery_normal(const char *typed, char out[TOTP_RECOVERY_CHARS + 1])
{
	size_t n = 0;
	for (; typed && *typed; typed++) {
		char c = (char)tolower((unsigned char)*typed);
		if (c == ' ' || c == '-')
			continue;
		if (!strchr(recovery_alphabet, c) || n == TOTP_RECOVERY_CHARS)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == TOTP_RECOVERY_CHARS;
}
