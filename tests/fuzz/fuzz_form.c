/*
 * libFuzzer target: the query/form parser and the decoders under it
 * (fcgi/lib/parse.c). The input is a query string or urlencoded body, taken
 * also as a single value to percent-decode, a raw request path, a
 * redirect target and a byte string to check as UTF-8.
 *
 * Besides "no crash, no leak, no UB", every result is checked against the
 * contract in parse.h and against small reference implementations written
 * here independently (byte by byte, no fast paths), so a parser that
 * accepts what it should refuse, or decodes differently, is a finding too.
 *
 * fuzz-sources: fcgi/lib/parse.c fcgi/lib/arena.c
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/parse.h"

/* A broken invariant: say which, then abort so libFuzzer keeps the input. */
#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);             \
			abort();                                        \
		}                                                       \
	} while (0)

/* ---- reference implementations ------------------------------------- */

/* Decodes code points one by one; counts them in *cps. */
static bool ref_utf8(const unsigned char *s, size_t n, size_t *cps)
{
	static const uint32_t min_cp[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t i = 0, k = 0;

	while (i < n) {
		unsigned c = s[i];
		uint32_t cp;
		size_t len;

		if (c < 0x80) {
			cp = c;
			len = 1;
		} else if ((c & 0xE0) == 0xC0) {
			cp = c & 0x1F;
			len = 2;
		} else if ((c & 0xF0) == 0xE0) {
			cp = c & 0x0F;
			len = 3;
		} else if ((c & 0xF8) == 0xF0) {
			cp = c & 0x07;
			len = 4;
		} else {
			return false;
		}
		if (n - i < len)
			return false;
		for (size_t j = 1; j < len; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if (cp < min_cp[len] || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
		k++;
	}
	if (cps)
		*cps = k;
	return true;
}

static int ref_hex(unsigned char c)
{
	const char *digits = "0123456789abcdef";
	const char *p;

	if (c >= 'A' && c <= 'F')
		c = (unsigned char)(c - 'A' + 'a');
	p = c ? strchr(digits, c) : NULL;
	return p ? (int)(p - digits) : -1;
}

/*
 * Percent-decodes into dst (room for len + 1), the errors in the order
 * parse.h implies: the first bad byte wins; a result longer than max is
 * FIELD_TOO_LONG when that byte is reached; UTF-8 is checked last.
 */
static enum parse_error ref_decode(const unsigned char *s, size_t len,
				   bool plus, bool path, size_t max,
				   unsigned char *dst, size_t *out_len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = s[i];
		bool escaped = false;

		if (c == '%') {
			if (len - i < 3 || ref_hex(s[i + 1]) < 0 ||
			    ref_hex(s[i + 2]) < 0)
				return PARSE_BAD_ESCAPE;
			c = (unsigned char)(ref_hex(s[i + 1]) * 16 +
					    ref_hex(s[i + 2]));
			escaped = true;
			i += 2;
		} else if (plus && c == '+') {
			c = ' ';
		}
		if (c == 0)
			return PARSE_NUL;
		if (path && ((escaped && c == '/') || c < 0x20 || c == 0x7F))
			return PARSE_BAD_PATH;
		if (o == max)
			return PARSE_FIELD_TOO_LONG;
		dst[o++] = c;
	}
	*out_len = o;
	return ref_utf8(dst, o, NULL) ? PARSE_OK : PARSE_BAD_UTF8;
}

/* ---- checks ----------------------------------------------------------- */

/* A decoded string: NUL-terminated at len, no NUL inside, valid UTF-8. */
static void check_decoded(const char *s, size_t len)
{
	CHECK(s != NULL);
	CHECK(strlen(s) == len);
	CHECK(ref_utf8((const unsigned char *)s, len, NULL));
}

static void check_pct_decode(struct arena *a, const uint8_t *data,
			     size_t size, bool plus)
{
	unsigned char *want = malloc(size + 1);
	size_t want_len = 0, got_len = 0;
	char *got = NULL;
	enum parse_error we, ge;

	CHECK(want != NULL);
	we = ref_decode(data, size, plus, false, size, want, &want_len);
	ge = pct_decode(a, (const char *)data, size, plus, &got, &got_len);
	CHECK(ge == we);
	if (ge == PARSE_OK) {
		check_decoded(got, got_len);
		CHECK(got_len == want_len && memcmp(got, want, got_len) == 0);
	}
	free(want);
}

static void check_utf8(const uint8_t *data, size_t size)
{
	size_t cps = 0;
	bool want = ref_utf8(data, size, &cps);

	CHECK(utf8_valid((const char *)data, size) == want);
	if (want)
		CHECK(utf8_length((const char *)data, size) == cps);
}

/* True when p holds an empty (non-final), "." or ".." segment. */
static bool ref_bad_segments(const char *p)
{
	for (;;) {
		const char *seg = p + 1;
		size_t n = strcspn(seg, "/");
		bool last = seg[n] == '\0';

		if ((n == 0 && !last) || (n == 1 && seg[0] == '.') ||
		    (n == 2 && memcmp(seg, "..", 2) == 0))
			return true;
		if (last)
			return false;
		p = seg + n;
	}
}

static void check_path(struct arena *a, const uint8_t *data, size_t size)
{
	unsigned char *want = malloc(size + 1);
	size_t want_len = 0;
	enum parse_error we, ge;
	char *got = NULL;

	CHECK(want != NULL);
	if (size == 0 || data[0] != '/') {
		we = PARSE_BAD_PATH;
	} else {
		we = ref_decode(data, size, false, true, size, want, &want_len);
		if (we == PARSE_OK) {
			want[want_len] = '\0';
			if (ref_bad_segments((const char *)want))
				we = PARSE_BAD_PATH;
		}
	}
	ge = path_decode(a, (const char *)data, size, &got);
	CHECK(ge == we);
	if (ge == PARSE_OK) {
		size_t len = strlen(got);

		check_decoded(got, len);
		CHECK(len == want_len && memcmp(got, want, len) == 0);
		CHECK(got[0] == '/');
		for (size_t i = 0; i < len; i++)
			CHECK((unsigned char)got[i] >= 0x20 && got[i] != 0x7F);
		CHECK(strstr(got, "//") == NULL);
		CHECK(strstr(got, "/./") == NULL && strstr(got, "/../") == NULL);
		/* A decoded path without '%' decodes to itself again. */
		if (!strchr(got, '%')) {
			char *again = NULL;
			CHECK(path_decode(a, got, len, &again) == PARSE_OK);
			CHECK(strcmp(again, got) == 0);
		}
	}
	free(want);
}

static void check_redirect(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	size_t len;

	CHECK(s != NULL);
	memcpy(s, data, size);
	s[size] = '\0';
	len = strlen(s);
	if (redirect_target_safe(s)) {
		CHECK(s[0] == '/' && s[1] != '/' && s[1] != '\\');
		for (size_t i = 0; i < len; i++)
			CHECK(s[i] != '\\' && (unsigned char)s[i] >= 0x20 &&
			      s[i] != 0x7F);
		CHECK(ref_utf8((const unsigned char *)s, len, NULL));
	}
	free(s);
}

/*
 * Parses data as a form the reference way, comparing field by field with
 * `got` (parsed by form_parse with the same limits into a set that held
 * `before` fields). Returns the reference's result.
 */
static enum parse_error ref_form(const uint8_t *data, size_t size,
				 const struct form_limits *lim,
				 const struct fields *got, size_t before)
{
	unsigned char *name = malloc(size + 1), *value = malloc(size + 1);
	size_t pos = 0, count = before;
	enum parse_error e = PARSE_OK;

	CHECK(name != NULL && value != NULL);
	while (pos < size) {
		const uint8_t *amp = memchr(data + pos, '&', size - pos);
		size_t end = amp ? (size_t)(amp - data) : size;
		size_t plen = end - pos;

		if (plen) {
			const uint8_t *eq = memchr(data + pos, '=', plen);
			size_t nlen = eq ? (size_t)(eq - (data + pos)) : plen;
			size_t vpos = eq ? pos + nlen + 1 : end;
			size_t dn = 0, dv = 0;

			if (count >= lim->max_fields) {
				e = PARSE_TOO_MANY_FIELDS;
				break;
			}
			e = ref_decode(data + pos, nlen, true, false,
				       lim->max_name_len, name, &dn);
			if (e != PARSE_OK)
				break;
			e = ref_decode(data + vpos, end - vpos, true, false,
				       lim->max_value_len, value, &dv);
			if (e != PARSE_OK)
				break;
			/* Fields before an error are kept, so compare now. */
			CHECK(count < got->count);
			CHECK(strlen(got->items[count].name) == dn);
			CHECK(memcmp(got->items[count].name, name, dn) == 0);
			CHECK(got->items[count].value_len == dv);
			CHECK(memcmp(got->items[count].value, value, dv) == 0);
			count++;
		}
		pos = amp ? end + 1 : size;
	}
	if (e == PARSE_OK)
		CHECK(got->count == count);
	free(name);
	free(value);
	return e;
}

/* Every field form_parse stored obeys the limits and is clean text. */
static void check_fields(const struct fields *f, const struct form_limits *lim)
{
	CHECK(f->count <= lim->max_fields);
	for (size_t i = 0; i < f->count; i++) {
		const struct field *x = &f->items[i];
		size_t nlen = strlen(x->name);

		check_decoded(x->name, nlen);
		check_decoded(x->value, x->value_len);
		CHECK(nlen <= lim->max_name_len);
		CHECK(x->value_len <= lim->max_value_len);
		/* fields_get finds the first value of a name. */
		const char *first = fields_get(f, x->name);
		size_t j = 0;
		while (strcmp(f->items[j].name, x->name) != 0)
			j++;
		CHECK(first == f->items[j].value);
	}
	if (f->count) {
		const char *vals[4];
		size_t n = 0;
		for (size_t i = 0; i < f->count; i++)
			n += strcmp(f->items[i].name, f->items[0].name) == 0;
		CHECK(fields_get_all(f, f->items[0].name, vals, 4) == n);
		for (size_t i = 0, k = 0; i < f->count && k < 4; i++) {
			if (strcmp(f->items[i].name, f->items[0].name) == 0)
				CHECK(vals[k++] == f->items[i].value);
		}
	}
}

static void check_form(struct arena *a, const uint8_t *data, size_t size,
		       const struct form_limits *lim, bool prefilled)
{
	struct fields f = { 0 };
	size_t before = 0;
	enum parse_error e;

	if (prefilled) {
		/* Query and body share one limit: fields held count. */
		fields_add(a, &f, "q", "1", 1);
		before = 1;
	}
	/* NULL stands for the default limits. */
	e = form_parse(a, (const char *)data, size,
		       lim == &form_limits_default ? NULL : lim, &f);
	CHECK(e == PARSE_OK || e == PARSE_BAD_ESCAPE || e == PARSE_BAD_UTF8 ||
	      e == PARSE_NUL || e == PARSE_TOO_MANY_FIELDS ||
	      e == PARSE_FIELD_TOO_LONG);
	CHECK(strlen(parse_error_str(e)) > 0);
	CHECK(ref_form(data, size, lim, &f, before) == e);
	if (e == PARSE_OK)
		check_fields(&f, lim);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct form_limits tight = {
		.max_fields = 3,
		.max_name_len = 4,
		.max_value_len = 8,
	};
	static const struct form_limits none = { 0, 0, 0 };
	struct arena a = ARENA_INIT;

	check_form(&a, data, size, &form_limits_default, false);
	check_form(&a, data, size, &tight, false);
	check_form(&a, data, size, &tight, true);
	check_form(&a, data, size, &none, false);
	arena_reset(&a);	/* the server reuses one arena per thread */
	check_pct_decode(&a, data, size, true);
	check_pct_decode(&a, data, size, false);
	check_path(&a, data, size);
	check_utf8(data, size);
	check_redirect(data, size);
	arena_free(&a);
	return 0;
}
