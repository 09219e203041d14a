#include "lib/parse.h"

#include <stdint.h>
#include <string.h>

const struct form_limits form_limits_default = {
	.max_fields = 200,
	.max_name_len = 100,
	.max_value_len = 64 * 1024,
};

const char *parse_error_str(enum parse_error e)
{
	switch (e) {
	case PARSE_OK:
		return "ok";
	case PARSE_BAD_ESCAPE:
		return "bad percent-escape";
	case PARSE_BAD_UTF8:
		return "invalid UTF-8";
	case PARSE_NUL:
		return "NUL byte";
	case PARSE_TOO_MANY_FIELDS:
		return "too many fields";
	case PARSE_FIELD_TOO_LONG:
		return "field too long";
	case PARSE_BAD_PATH:
		return "bad path";
	}
	return "unknown parse error";
}

/* ---- UTF-8 ---------------------------------------------------------- */

/* Length of the run of ASCII bytes at the start of p[0..len). */
static size_t ascii_run(const unsigned char *p, size_t len)
{
	size_t i = 0;

	/* Eight bytes at a time: any high bit set ends the fast path. */
	while (len - i >= 8) {
		uint64_t w;
		memcpy(&w, p + i, sizeof w);
		if (w & UINT64_C(0x8080808080808080))
			break;
		i += 8;
	}
	while (i < len && p[i] < 0x80)
		i++;
	return i;
}

/*
 * Length of the well-formed multi-byte sequence at p (p[0] >= 0x80), or 0.
 * The ranges are those of Unicode Table 3-7 ("Well-Formed UTF-8 Byte
 * Sequences"): the second byte's narrowed range is what excludes overlongs
 * (E0, F0), surrogates (ED) and code points above U+10FFFF (F4).
 */
static size_t utf8_seq_len(const unsigned char *p, size_t len)
{
	unsigned char c = p[0];
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;	/* 80..C1 (stray or overlong lead), F5..FF */
	}
	if (len < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

bool utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		if (p[i] < 0x80) {
			i += ascii_run(p + i, len - i);
			continue;
		}
		size_t n = utf8_seq_len(p + i, len - i);
		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

size_t utf8_length(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

/* ---- percent-decoding ---------------------------------------------- */

enum decode_flags {
	DECODE_PLUS = 1 << 0,		/* '+' means a space */
	DECODE_PATH = 1 << 1,		/* refuse %2F and control characters */
};

static int hex_val(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_ctl(unsigned char c)
{
	return c < 0x20 || c == 0x7F;
}

/*
 * Decodes s[0..len) into dst, which has room for max bytes plus a NUL.
 * Stops with PARSE_FIELD_TOO_LONG as soon as the output would exceed max,
 * so a huge input costs no more than max decoded bytes of work. Does not
 * check UTF-8: the caller does that on the whole result.
 */
static enum parse_error decode(const char *s, size_t len, unsigned flags,
			       char *dst, size_t max, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = p[i];
		bool escaped = false;

		if (c == '%') {
			int h = i + 1 < len ? hex_val(p[i + 1]) : -1;
			int l = i + 2 < len ? hex_val(p[i + 2]) : -1;
			if (h < 0 || l < 0)
				return PARSE_BAD_ESCAPE;
			c = (unsigned char)(h << 4 | l);
			escaped = true;
			i += 2;
		} else if (c == '+' && (flags & DECODE_PLUS)) {
			c = ' ';
		}
		if (c == '\0')
			return PARSE_NUL;
		if (flags & DECODE_PATH) {
			/* An encoded slash would make a segment that the
			 * router and any proxy in front see differently from
			 * us ("/a%2F..%2Fb"); no URL of ours needs one, so it
			 * is refused rather than given a meaning. */
			if (escaped && c == '/')
				return PARSE_BAD_PATH;
			if (is_ctl(c))
				return PARSE_BAD_PATH;
		}
		if (o == max)
			return PARSE_FIELD_TOO_LONG;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	*out_len = o;
	return PARSE_OK;
}

enum parse_error pct_decode(struct arena *a, const char *s, size_t len,
			    bool plus_is_space, char **out, size_t *out_len)
{
	char *dst = arena_alloc(a, len + 1);
	size_t n = 0;
	enum parse_error e = decode(s, len, plus_is_space ? DECODE_PLUS : 0,
				    dst, len, &n);

	if (e != PARSE_OK)
		return e;
	if (!utf8_valid(dst, n))
		return PARSE_BAD_UTF8;
	*out = dst;
	if (out_len)
		*out_len = n;
	return PARSE_OK;
}

/* ---- fields --------------------------------------------------------- */

/* Appends without copying: name and value already live in the arena. */
static void fields_push(struct arena *a, struct fields *f, const char *name,
			const char *value, size_t value_len)
{
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct field *items = arena_alloc(a, cap * sizeof *items);
		if (f->count)
			memcpy(items, f->items, f->count * sizeof *items);
		f->items = items;
		f->cap = cap;
	}
	f->items[f->count++] = (struct field){
		.name = name,
		.value = value,
		.value_len = value_len,
	};
}

void fields_add(struct arena *a, struct fields *f, const char *name,
		const char *value, size_t value_len)
{
	if (!value) {
		value = "";
		value_len = 0;
	}
	fields_push(a, f, arena_strdup(a, name),
		    arena_strndup(a, value, value_len), value_len);
}

const char *fields_get(const struct fields *f, const char *name)
{
	for (size_t i = 0; i < f->count; i++)
		if (strcmp(f->items[i].name, name) == 0)
			return f->items[i].value;
	return NULL;
}

size_t fields_get_all(const struct fields *f, const char *name,
		      const char **values, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < f->count; i++) {
		if (strcmp(f->items[i].name, name) != 0)
			continue;
		if (n < max)
			values[n] = f->items[i].value;
		n++;
	}
	return n;
}

/* ---- forms ---------------------------------------------------------- */

/* Decodes one name or value of a form, at most max bytes once decoded. */
static enum parse_error form_decode(struct arena *a, const char *s,
				    size_t len, size_t max, char **out,
				    size_t *out_len)
{
	/* Decoding never lengthens, so the buffer need not exceed len. */
	size_t room = len < max ? len : max;
	char *dst = arena_alloc(a, room + 1);
	enum parse_error e = decode(s, len, DECODE_PLUS, dst, room, out_len);

	if (e != PARSE_OK)
		return e;
	if (!utf8_valid(dst, *out_len))
		return PARSE_BAD_UTF8;
	*out = dst;
	return PARSE_OK;
}

/*
 * max_fields counts every field in `out`, including those it held before
 * the call, so parsing a query and a body into one set shares one limit.
 * On an error, `out` may hold the fields before the bad one; the caller
 * refuses the whole request anyway.
 */
enum parse_error form_parse(struct arena *a, const char *s, size_t len,
			    const struct form_limits *lim, struct fields *out)
{
	const char *end = s + len;

	if (!lim)
		lim = &form_limits_default;
	while (s < end) {
		const char *amp = memchr(s, '&', (size_t)(end - s));
		const char *pair_end = amp ? amp : end;
		size_t pair_len = (size_t)(pair_end - s);

		if (pair_len > 0) {
			if (out->count >= lim->max_fields)
				return PARSE_TOO_MANY_FIELDS;

			const char *eq = memchr(s, '=', pair_len);
			size_t name_len = eq ? (size_t)(eq - s) : pair_len;
			const char *v = eq ? eq + 1 : pair_end;
			char *name, *value;
			size_t dlen, vlen;
			enum parse_error e;

			e = form_decode(a, s, name_len, lim->max_name_len,
					&name, &dlen);
			if (e != PARSE_OK)
				return e;
			e = form_decode(a, v, (size_t)(pair_end - v),
					lim->max_value_len, &value, &vlen);
			if (e != PARSE_OK)
				return e;
			fields_push(a, out, name, value, vlen);
		}
		s = amp ? amp + 1 : end;
	}
	return PARSE_OK;
}

/* ---- cookies -------------------------------------------------------- */

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 9110 §5.6.2 token characters, which cookie names are made of. */
static bool is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static void trim(const char **s, const char **e)
{
	while (*s < *e && is_ows(**s))
		(*s)++;
	while (*e > *s && is_ows((*e)[-1]))
		(*e)--;
}

/* Adds one "name=value" cookie pair unless it is malformed. */
static void cookie_pair(struct arena *a, const char *s, const char *e,
			struct fields *out)
{
	const char *eq = memchr(s, '=', (size_t)(e - s));
	if (!eq)
		return;

	const char *ns = s, *ne = eq, *vs = eq + 1, *ve = e;
	trim(&ns, &ne);
	trim(&vs, &ve);
	if (ns == ne)
		return;
	for (const char *p = ns; p < ne; p++)
		if (!is_tchar((unsigned char)*p))
			return;
	if (vs < ve && *vs == '"') {
		if (ve - vs < 2 || ve[-1] != '"')
			return;
		vs++;
		ve--;
	}
	for (const char *p = vs; p < ve; p++)
		if (is_ctl((unsigned char)*p))
			return;
	if (!utf8_valid(vs, (size_t)(ve - vs)))
		return;
	fields_push(a, out, arena_strndup(a, ns, (size_t)(ne - ns)),
		    arena_strndup(a, vs, (size_t)(ve - vs)),
		    (size_t)(ve - vs));
}

void cookies_parse(struct arena *a, const char *header, struct fields *out)
{
	if (!header)
		return;

	const char *s = header;
	const char *end = header + strlen(header);

	while (s < end) {
		const char *semi = memchr(s, ';', (size_t)(end - s));
		const char *pair_end = semi ? semi : end;

		cookie_pair(a, s, pair_end, out);
		s = semi ? semi + 1 : end;
	}
}

/* ---- paths ---------------------------------------------------------- */

/*
 * Every segment of the decoded path must be non-empty except the last
 * (a trailing slash is allowed: the router tells "/x/" from "/x"), and
 * none may be "." or "..". Encoded slashes were refused while decoding,
 * so the segments here are the segments of the raw path.
 */
static bool path_segments_ok(const char *p)
{
	while (*p == '/') {
		const char *seg = p + 1;
		size_t n = strcspn(seg, "/");
		bool last = seg[n] == '\0';

		if (n == 0 && !last)
			return false;
		if ((n == 1 && seg[0] == '.') ||
		    (n == 2 && seg[0] == '.' && seg[1] == '.'))
			return false;
		p = seg + n;
	}
	return *p == '\0';
}

enum parse_error path_decode(struct arena *a, const char *raw, size_t len,
			     char **out)
{
	if (!raw || len == 0 || raw[0] != '/')
		return PARSE_BAD_PATH;

	char *dst = arena_alloc(a, len + 1);
	size_t n = 0;
	enum parse_error e = decode(raw, len, DECODE_PATH, dst, len, &n);

	if (e != PARSE_OK)
		return e;
	if (!utf8_valid(dst, n))
		return PARSE_BAD_UTF8;
	if (!path_segments_ok(dst))
		return PARSE_BAD_PATH;
	*out = dst;
	return PARSE_OK;
}

/* ---- redirects ------------------------------------------------------ */

/*
 * Browsers read "//host" and "/\host" as another host, and silently drop
 * tabs and newlines inside URLs ("/\t/host" becomes "//host"), so any
 * control character or backslash anywhere makes the target unsafe.
 */
bool redirect_target_safe(const char *target)
{
	if (!target || target[0] != '/')
		return false;
	if (target[1] == '/' || target[1] == '\\')
		return false;

	size_t len = 0;
	for (const char *p = target; *p; p++, len++)
		if (*p == '\\' || is_ctl((unsigned char)*p))
			return false;
	return utf8_valid(target, len);
}
