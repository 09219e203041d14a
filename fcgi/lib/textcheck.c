#include "lib/textcheck.h"

#include <stdlib.h>
#include <string.h>
#include <uninorm.h>

/* Decodes one code point of well-formed UTF-8 at s; *n its length. */
static uint32_t utf8_next(const unsigned char *s, size_t len, size_t *n)
{
	if (s[0] < 0x80 || len < 2) {
		*n = 1;
		return s[0];
	}
	if (s[0] < 0xE0) {
		*n = 2;
		return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
	}
	if (s[0] < 0xF0 || len < 4) {
		*n = len < 3 ? len : 3;
		return *n < 3 ? 0xFFFD
			      : (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 |
					(s[2] & 0x3F);
	}
	*n = 4;
	return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
	       (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

static bool forbidden(uint32_t c, bool multiline)
{
	if (c < 0x20)
		return !(multiline && (c == '\t' || c == '\n' || c == '\r'));
	if (c >= 0x7F && c <= 0x9F)		/* DEL and C1 */
		return true;
	if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
	    c == 0x200E || c == 0x200F || c == 0x061C)	/* bidi */
		return true;
	if ((c >= 0x200B && c <= 0x200D) || (c >= 0x2060 && c <= 0x2064) ||
	    c == 0x180E || c == 0xFEFF)			/* invisible */
		return true;
	return c >= 0xE0000 && c <= 0xE007F;		/* tags */
}

bool text_forbidden_char(const char *s, size_t len, bool multiline, uint32_t *cp)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;
	while (i < len) {
		uint32_t c = utf8_next(p + i, len - i, &n);
		if (forbidden(c, multiline)) {
			*cp = c;
			return true;
		}
		i += n;
	}
	return false;
}

char *text_nfc(struct arena *a, const char *s, size_t len, size_t *out_len)
{
	size_t n = 0;
	uint8_t *nfc = u8_normalize(UNINORM_NFC, (const uint8_t *)s, len, NULL, &n);
	if (!nfc)
		return NULL;
	char *out = arena_strndup(a, (const char *)nfc, n);
	free(nfc);
	if (out_len)
		*out_len = n;
	return out;
}

/* Length of a blank at s: ASCII white space, NBSP or the ideographic space. */
static size_t blank_len(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ||
		       s[0] == '\v' || s[0] == '\f'))
		return 1;
	if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

static size_t blank_len_before(const unsigned char *s, size_t end)
{
	if (end >= 1 && blank_len(s + end - 1, 1) == 1)
		return 1;
	if (end >= 2 && blank_len(s + end - 2, 2) == 2)
		return 2;
	if (end >= 3 && blank_len(s + end - 3, 3) == 3)
		return 3;
	return 0;
}

char *text_trim(struct arena *a, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = 0, end = strlen(s), n;
	while (start < end && (n = blank_len(p + start, end - start)))
		start += n;
	while (end > start && (n = blank_len_before(p + start, end - start)))
		end -= n;
	return arena_strndup(a, s + start, end - start);
}
