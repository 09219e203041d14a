#include "lib/multipart.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/parse.h"

const struct multipart_limits multipart_limits_default = {
	.max_parts = 16,
	.max_header_bytes = 8 * 1024,
	.max_name_len = 100,
	.max_field_bytes = 64 * 1024,
	.max_file_bytes = 20 * 1024 * 1024,
	.max_total_bytes = 50 * 1024 * 1024,
};

const char *multipart_error_str(enum multipart_error e)
{
	switch (e) {
	case MULTIPART_OK:
		return "ok";
	case MULTIPART_MALFORMED:
		return "malformed multipart body";
	case MULTIPART_TOO_MANY_PARTS:
		return "too many parts";
	case MULTIPART_PART_TOO_LARGE:
		return "part too large";
	case MULTIPART_HEADER_TOO_LARGE:
		return "part header too large";
	case MULTIPART_NAME_TOO_LONG:
		return "part name too long";
	case MULTIPART_TOTAL_TOO_LARGE:
		return "body too large";
	case MULTIPART_ABORTED:
		return "stopped by the caller";
	}
	return "unknown multipart error";
}

enum state {
	ST_PREAMBLE,	/* before the first delimiter: ignored */
	ST_DELIM_TAIL,	/* just after a delimiter: "--", padding or CRLF */
	ST_CLOSE_DASH,	/* "-" seen: the second "-" must follow */
	ST_PADDING,	/* transport padding: spaces and tabs until CRLF */
	ST_DELIM_LF,	/* CR seen after a delimiter: LF must follow */
	ST_HEADERS,	/* a part's header block, up to its empty line */
	ST_DATA,	/* a part's data, until the next delimiter */
	ST_EPILOGUE,	/* after the close delimiter: ignored */
	ST_ERROR,
};

struct multipart {
	struct multipart_limits lim;
	struct multipart_callbacks cb;
	void *user;
	enum state state;
	enum multipart_error err;
	const char *detail;

	/* "\r\n--" boundary. */
	char delim[4 + MULTIPART_BOUNDARY_MAX];
	size_t delim_len;
	/* Bytes of delim matched so far (they are held back, not data), and
	 * how many of them came in an earlier feed (they are not in the
	 * current buffer, but they are delim's first `carried` bytes). */
	size_t match, carried;

	size_t total, parts;

	/* The header block of the current part: lines NUL-terminated, no CR
	 * or LF. hbuf_used counts the block's raw bytes (its limit). */
	char *hbuf;
	size_t hlen, hbuf_used;
	bool after_cr;
	const char *disposition, *content_type;	/* values inside hbuf */

	/* The decoded strings of the current part. */
	char *sbuf;
	size_t slen, scap;
	struct multipart_part part;
	bool in_part;
	size_t part_bytes;
};

/* ---- errors --------------------------------------------------------- */

static bool fail(struct multipart *p, enum multipart_error e,
		 const char *detail)
{
	p->err = e;
	p->detail = detail;
	p->state = ST_ERROR;
	return false;
}

enum multipart_error multipart_error(const struct multipart *p)
{
	return p->err;
}

const char *multipart_error_detail(const struct multipart *p)
{
	return p->detail ? p->detail : "";
}

const char *multipart_part_name(const struct multipart *p)
{
	return p->part.name;
}

/* ---- boundary --------------------------------------------------------- */

/* RFC 2046 §5.1.1 bchars (space included; it may not end a boundary). */
static bool is_bchar(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("'()+_,-./:=? ", c));
}

static bool boundary_valid(const char *b, size_t n)
{
	if (n < 1 || n > MULTIPART_BOUNDARY_MAX || b[n - 1] == ' ')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_bchar((unsigned char)b[i]))
			return false;
	return true;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

static const char *skip_ows(const char *s)
{
	while (is_ows(*s))
		s++;
	return s;
}

/* RFC 2045 token characters. */
static bool is_token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7F && !strchr("()<>@,;:\\\"/[]?=", c);
}

/*
 * One parameter "; name=value" of a header value at s (just after the
 * previous one). Fills name (its length in *nlen) and the raw value: a
 * token, or a quoted-string's inside (quotes excluded, escapes kept) with
 * *quoted set. Returns the position after it, or NULL when malformed.
 * At the end of the value returns s with *nlen 0.
 */
static const char *next_param(const char *s, const char **name, size_t *nlen,
			      const char **val, size_t *vlen, bool *quoted)
{
	s = skip_ows(s);
	*nlen = 0;
	if (*s == '\0')
		return s;
	if (*s != ';')
		return NULL;
	s = skip_ows(s + 1);
	if (*s == '\0')
		return s;	/* a trailing ';' is harmless */
	*name = s;
	while (is_token_char((unsigned char)*s))
		s++;
	*nlen = (size_t)(s - *name);
	s = skip_ows(s);
	if (*nlen == 0 || *s != '=')
		return NULL;
	s = skip_ows(s + 1);
	*quoted = *s == '"';
	if (*quoted) {
		*val = ++s;
		while (*s && *s != '"')
			s += (s[0] == '\\' && s[1] == '"') ? 2 : 1;
		if (*s != '"')
			return NULL;
		*vlen = (size_t)(s - *val);
		return s + 1;
	}
	*val = s;
	while (is_token_char((unsigned char)*s))
		s++;
	*vlen = (size_t)(s - *val);
	return *vlen ? s : NULL;
}

/* The media type at s equals `type` (case-insensitive); *end after it. */
static bool media_type_is(const char *s, const char *type, const char **end)
{
	size_t n = strlen(type);

	s = skip_ows(s);
	if (strncasecmp(s, type, n) != 0)
		return false;
	s += n;
	if (*s && *s != ';' && !is_ows(*s))
		return false;
	*end = s;
	return true;
}

bool multipart_boundary(const char *content_type, char *out, size_t outlen)
{
	const char *s, *name, *val;
	size_t nlen, vlen, found = 0;
	bool quoted;

	if (outlen)
		out[0] = '\0';
	if (!content_type || outlen < MULTIPART_BOUNDARY_MAX + 1 ||
	    !media_type_is(content_type, "multipart/form-data", &s))
		return false;
	for (;;) {
		s = next_param(s, &name, &nlen, &val, &vlen, &quoted);
		if (!s) {
			out[0] = '\0';
			return false;
		}
		if (nlen == 0)
			break;
		if (nlen == 8 && strncasecmp(name, "boundary", 8) == 0) {
			/* Two boundaries: which one would another reader
			 * take? Neither. */
			if (found++ || !boundary_valid(val, vlen)) {
				out[0] = '\0';
				return false;
			}
			memcpy(out, val, vlen);
			out[vlen] = '\0';
		}
	}
	return found == 1;
}

/* ---- creation --------------------------------------------------------- */

struct multipart *multipart_new(const char *boundary,
				const struct multipart_limits *limits,
				const struct multipart_callbacks *callbacks,
				void *user)
{
	struct multipart *p;
	size_t n = boundary ? strlen(boundary) : 0;

	if (!boundary_valid(boundary, n))
		return NULL;
	p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->lim = limits ? *limits : multipart_limits_default;
	if (p->lim.max_header_bytes > MULTIPART_HEADER_MAX) {
		free(p);
		return NULL;
	}
	if (callbacks)
		p->cb = *callbacks;
	p->user = user;
	memcpy(p->delim, "\r\n--", 4);
	memcpy(p->delim + 4, boundary, n);
	p->delim_len = 4 + n;
	/* The body starts as if after a CRLF, so that a first delimiter at
	 * its very start ("--boundary") is found like any other. */
	p->match = 2;
	p->state = ST_PREAMBLE;
	/* Decoded strings are never longer than the header block they come
	 * from (ISO-8859-1 doubles only %XX escapes, 3 bytes → 2), plus
	 * three NULs and the default content type. */
	p->scap = p->lim.max_header_bytes + 3 + sizeof "text/plain";
	p->hbuf = malloc(p->lim.max_header_bytes + 1);
	p->sbuf = malloc(p->scap);
	if (!p->hbuf || !p->sbuf) {
		multipart_free(p);
		return NULL;
	}
	return p;
}

void multipart_free(struct multipart *p)
{
	if (!p)
		return;
	free(p->hbuf);
	free(p->sbuf);
	free(p);
}

/* ---- part headers ----------------------------------------------------- */

/* Appends s[0..n) and a NUL to sbuf; returns the copy. */
static char *sbuf_add(struct multipart *p, const char *s, size_t n)
{
	char *d = p->sbuf + p->slen;

	memcpy(d, s, n);
	d[n] = '\0';
	p->slen += n + 1;
	return d;
}

/* A quoted-string's inside (or a token): only \" is an escape, for a
 * Windows path ("C:\dir\x.pdf", sent whole by old browsers) keeps its
 * backslashes. Browsers send '"' as %22 (HTML's multipart encoding). */
static char *unquote(struct multipart *p, const char *v, size_t n, bool quoted,
		     size_t *out_len)
{
	char *d = p->sbuf + p->slen;
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (quoted && v[i] == '\\' && i + 1 < n && v[i + 1] == '"')
			i++;
		d[o++] = v[i];
	}
	d[o] = '\0';
	p->slen += o + 1;
	*out_len = o;
	return d;
}

static int hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (unsigned char)(c | 0x20);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* RFC 5987 attr-char. */
static bool is_attr_char(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z') || (c && strchr("!#$&+-.^_`|~", c));
}

/*
 * filename*=charset'lang'value (RFC 5987 §3.2, RFC 2231 §4): UTF-8 or
 * ISO-8859-1 (converted), percent-decoded into sbuf. NULL when malformed
 * or in another charset.
 */
static char *ext_value(struct multipart *p, const char *v, size_t n,
		       size_t *out_len)
{
	const char *q1 = memchr(v, '\'', n), *q2;
	bool latin1;
	char *d = p->sbuf + p->slen;
	size_t o = 0;

	if (!q1)
		return NULL;
	q2 = memchr(q1 + 1, '\'', n - (size_t)(q1 + 1 - v));
	if (!q2)
		return NULL;
	if (q1 - v == 5 && strncasecmp(v, "UTF-8", 5) == 0)
		latin1 = false;
	else if (q1 - v == 10 && strncasecmp(v, "ISO-8859-1", 10) == 0)
		latin1 = true;
	else
		return NULL;
	for (const char *s = q2 + 1; s < v + n; s++) {
		unsigned c = (unsigned char)*s;

		if (c == '%') {
			int h = s + 2 < v + n ? hex_digit((unsigned char)s[1]) : -1;
			int l = h >= 0 ? hex_digit((unsigned char)s[2]) : -1;
			if (l < 0)
				return NULL;
			c = (unsigned)(h << 4 | l);
			s += 2;
		} else if (!is_attr_char((unsigned char)c)) {
			return NULL;
		}
		if (latin1 && c >= 0x80) {
			d[o++] = (char)(0xC0 | c >> 6);
			d[o++] = (char)(0x80 | (c & 0x3F));
		} else {
			d[o++] = (char)c;
		}
	}
	d[o] = '\0';
	if (!utf8_valid(d, o))
		return NULL;
	p->slen += o + 1;
	*out_len = o;
	return d;
}

/* Content-Disposition: form-data; name=…; filename=…; filename*=… */
static bool parse_disposition(struct multipart *p, const char *s)
{
	const char *name, *val, *fn = NULL, *fn_ext = NULL;
	size_t nlen, vlen, fn_len = 0, fn_ext_len = 0;
	bool quoted, fn_quoted = false, have_name = false;

	if (!media_type_is(s, "form-data", &s))
		return fail(p, MULTIPART_MALFORMED, "disposition not form-data");
	for (;;) {
		s = next_param(s, &name, &nlen, &val, &vlen, &quoted);
		if (!s)
			return fail(p, MULTIPART_MALFORMED,
				    "bad Content-Disposition parameter");
		if (nlen == 0)
			break;
		if (nlen == 4 && strncasecmp(name, "name", 4) == 0) {
			if (have_name)
				return fail(p, MULTIPART_MALFORMED,
					    "name given twice");
			have_name = true;
			size_t n;
			p->part.name = unquote(p, val, vlen, quoted, &n);
			if (n > p->lim.max_name_len) {
				p->part.name = NULL;
				return fail(p, MULTIPART_NAME_TOO_LONG,
					    "name too long");
			}
			if (strlen(p->part.name) != n ||
			    !utf8_valid(p->part.name, n)) {
				p->part.name = NULL;
				return fail(p, MULTIPART_MALFORMED,
					    "name not UTF-8 text");
			}
		} else if (nlen == 8 && strncasecmp(name, "filename", 8) == 0) {
			if (fn)
				return fail(p, MULTIPART_MALFORMED,
					    "filename given twice");
			fn = val;
			fn_len = vlen;
			fn_quoted = quoted;
		} else if (nlen == 9 && strncasecmp(name, "filename*", 9) == 0) {
			if (fn_ext || quoted)
				return fail(p, MULTIPART_MALFORMED,
					    "bad filename*");
			fn_ext = val;
			fn_ext_len = vlen;
		}
	}
	/* RFC 7578 §4.2: each part has a name. */
	if (!have_name)
		return fail(p, MULTIPART_MALFORMED, "part without a name");
	if (fn_ext) {
		p->part.filename = ext_value(p, fn_ext, fn_ext_len,
					     &p->part.filename_len);
		if (!p->part.filename)
			return fail(p, MULTIPART_MALFORMED, "bad filename*");
	} else if (fn) {
		p->part.filename = unquote(p, fn, fn_len, fn_quoted,
					   &p->part.filename_len);
		if (!utf8_valid(p->part.filename, p->part.filename_len))
			return fail(p, MULTIPART_MALFORMED,
				    "filename not UTF-8");
	}
	return true;
}

/* A header line "Name: value" (NUL-terminated, in hbuf). */
static bool header_line(struct multipart *p, char *line)
{
	char *colon = strchr(line, ':');
	const char **slot = NULL;

	if (!colon || colon == line)
		return fail(p, MULTIPART_MALFORMED, "header without colon");
	for (char *c = line; c < colon; c++)
		if (!is_token_char((unsigned char)*c))
			return fail(p, MULTIPART_MALFORMED, "bad header name");
	*colon = '\0';
	if (strcasecmp(line, "Content-Disposition") == 0)
		slot = &p->disposition;
	else if (strcasecmp(line, "Content-Type") == 0)
		slot = &p->content_type;
	if (!slot)
		return true;	/* other headers are of no use to a form */
	if (*slot)
		return fail(p, MULTIPART_MALFORMED, "header given twice");
	char *v = (char *)skip_ows(colon + 1), *e = v + strlen(v);
	while (e > v && is_ows(e[-1]))
		*--e = '\0';
	*slot = v;
	return true;
}

static bool text_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7F)
			return false;
	return true;
}

/* The header block is complete: describe the part, tell the caller. */
static bool begin_part(struct multipart *p)
{
	struct multipart_part *part = &p->part;

	if (!p->disposition)
		return fail(p, MULTIPART_MALFORMED,
			    "part without Content-Disposition");
	if (!parse_disposition(p, p->disposition))
		return false;
	if (!p->content_type)
		part->content_type = sbuf_add(p, "text/plain", 10);
	else if (!text_ascii(p->content_type))
		return fail(p, MULTIPART_MALFORMED, "bad Content-Type");
	else
		part->content_type = p->content_type;
	part->index = p->parts - 1;
	part->max_bytes = part->filename ? p->lim.max_file_bytes
					 : p->lim.max_field_bytes;
	if (p->cb.part_begin && !p->cb.part_begin(p->user, part))
		return fail(p, MULTIPART_ABORTED, "stopped at part begin");
	p->in_part = true;
	p->part_bytes = 0;
	p->state = ST_DATA;
	p->match = p->carried = 0;
	return true;
}

static void reset_part(struct multipart *p)
{
	memset(&p->part, 0, sizeof p->part);
	p->hlen = p->hbuf_used = p->slen = 0;
	p->after_cr = false;
	p->disposition = p->content_type = NULL;
}

/*
 * One byte of a header block. Line ends are CRLF (RFC 2046 §5.1.1, RFC
 * 5322): a bare LF, which some parsers take for a line end and others
 * not, would let a proxy and the app read different headers; it and a
 * bare CR are errors.
 */
static bool header_byte(struct multipart *p, unsigned char c)
{
	if (++p->hbuf_used > p->lim.max_header_bytes)
		return fail(p, MULTIPART_HEADER_TOO_LARGE,
			    "header block too large");
	if (p->after_cr) {
		if (c != '\n')
			return fail(p, MULTIPART_MALFORMED, "bare CR in a header");
		p->after_cr = false;
		size_t start = p->hlen;
		while (start > 0 && p->hbuf[start - 1] != '\0')
			start--;
		if (start == p->hlen)
			return begin_part(p);	/* the empty line */
		p->hbuf[p->hlen++] = '\0';
		return header_line(p, p->hbuf + start);
	}
	if (c == '\r') {
		p->after_cr = true;
		return true;
	}
	if (c == '\n')
		return fail(p, MULTIPART_MALFORMED, "bare LF in a header");
	if (c == '\0')
		return fail(p, MULTIPART_MALFORMED, "NUL in a header");
	p->hbuf[p->hlen++] = (char)c;
	return true;
}

/* ---- delimiters ------------------------------------------------------- */

/* CRLF after a delimiter: a new part starts. */
static bool new_part(struct multipart *p)
{
	if (++p->parts > p->lim.max_parts)
		return fail(p, MULTIPART_TOO_MANY_PARTS, "too many parts");
	reset_part(p);
	p->state = ST_HEADERS;
	return true;
}

/*
 * One byte after a delimiter (RFC 2046 §5.1.1): "--" closes the body;
 * else transport padding (LWSP) and CRLF open a part. Anything else —
 * the boundary followed by more characters — is an error: the boundary
 * may not occur in the body. Padding counts towards the header limit.
 */
static bool tail_byte(struct multipart *p, unsigned char c)
{
	if (p->state != ST_CLOSE_DASH &&
	    ++p->hbuf_used > p->lim.max_header_bytes)
		return fail(p, MULTIPART_HEADER_TOO_LARGE, "padding too long");
	switch (p->state) {
	case ST_DELIM_TAIL:
		if (c == '-') {
			p->state = ST_CLOSE_DASH;
			return true;
		}
		/* fall through */
	case ST_PADDING:
		if (c == ' ' || c == '\t') {
			p->state = ST_PADDING;
			return true;
		}
		if (c == '\r') {
			p->state = ST_DELIM_LF;
			return true;
		}
		return fail(p, MULTIPART_MALFORMED,
			    "delimiter not followed by CRLF");
	case ST_CLOSE_DASH:
		if (c != '-')
			return fail(p, MULTIPART_MALFORMED,
				    "delimiter not followed by CRLF");
		p->state = ST_EPILOGUE;
		return true;
	case ST_DELIM_LF:
		if (c != '\n')
			return fail(p, MULTIPART_MALFORMED,
				    "delimiter line without LF");
		return new_part(p);
	default:
		return fail(p, MULTIPART_MALFORMED, "internal state");
	}
}

/* Data of the current part (nothing in the preamble). */
static bool emit(struct multipart *p, const char *d, size_t n)
{
	if (p->state != ST_DATA || n == 0)
		return true;
	if (n > p->part.max_bytes - p->part_bytes)
		return fail(p, MULTIPART_PART_TOO_LARGE, "part too large");
	p->part_bytes += n;
	if (p->cb.part_data && !p->cb.part_data(p->user, d, n))
		return fail(p, MULTIPART_ABORTED, "stopped in part data");
	return true;
}

/* The delimiter was found: the part (if any) ends. */
static bool delimiter(struct multipart *p)
{
	bool in_data = p->state == ST_DATA;

	p->state = ST_DELIM_TAIL;
	p->hbuf_used = 0;
	p->part.name = NULL;	/* between parts now */
	if (in_data) {
		p->in_part = false;
		if (p->cb.part_end && !p->cb.part_end(p->user))
			return fail(p, MULTIPART_ABORTED, "stopped at part end");
	}
	return true;
}

/*
 * Looks for the delimiter in b[*pos..len), handing the bytes before it to
 * emit(). Bytes that may begin the delimiter are held back (p->match);
 * since they equal delim's first bytes, nothing needs copying: held bytes
 * from an earlier feed are re-sent from delim itself when they turn out
 * to be data. The delimiter's only CR is its first byte (bchars have
 * none), so on a mismatch no shorter prefix can still be matching: all
 * held bytes are data, and the byte that broke the match starts afresh.
 */
static bool scan(struct multipart *p, const char *b, size_t len, size_t *pos)
{
	size_t i = *pos, run = i;	/* b[run..) not yet emitted */

	while (i < len) {
		if (p->match == 0) {
			const char *cr = memchr(b + i, '\r', len - i);
			if (!cr) {
				i = len;
				break;
			}
			i = (size_t)(cr - b) + 1;
			p->match = 1;
			continue;
		}
		if (b[i] == p->delim[p->match]) {
			i++;
			if (++p->match < p->delim_len)
				continue;
			/* Found: what came before it is data. */
			bool ok = emit(p, b + run, i + p->carried -
					p->delim_len - run);
			p->match = p->carried = 0;
			*pos = i;
			return ok && delimiter(p);
		}
		/* Mismatch: the held bytes are data. Held bytes from an
		 * earlier feed precede all of this buffer's. */
		if (p->carried && !emit(p, p->delim, p->carried))
			return false;
		p->match = p->carried = 0;
	}
	*pos = len;
	return emit(p, b + run, len - (p->match - p->carried) - run);
}

/* ---- feeding ---------------------------------------------------------- */

bool multipart_feed(struct multipart *p, const void *bytes, size_t len)
{
	const char *b = bytes;
	size_t i = 0;

	if (p->err)
		return false;
	if (len > p->lim.max_total_bytes - p->total)
		return fail(p, MULTIPART_TOTAL_TOO_LARGE, "body too large");
	p->total += len;
	p->carried = p->match;
	while (i < len) {
		switch (p->state) {
		case ST_PREAMBLE:
		case ST_DATA:
			if (!scan(p, b, len, &i))
				return false;
			break;
		case ST_HEADERS:
			if (!header_byte(p, (unsigned char)b[i++]))
				return false;
			break;
		case ST_EPILOGUE:
			return true;
		case ST_ERROR:
			return false;
		default:
			if (!tail_byte(p, (unsigned char)b[i++]))
				return false;
			break;
		}
	}
	return !p->err;
}

bool multipart_finish(struct multipart *p)
{
	if (p->err)
		return false;
	if (p->state != ST_EPILOGUE)
		return fail(p, MULTIPART_MALFORMED, "no close delimiter");
	return true;
}

/* ---- display names ---------------------------------------------------- */

/* Code points a display name drops: controls and bidi formatting. */
static bool dropped(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) ||
	       (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

/* The code point of the well-formed sequence at s (n bytes). */
static uint32_t decode_cp(const unsigned char *s, size_t n)
{
	static const unsigned char lead_mask[] = { 0, 0x7F, 0x1F, 0x0F, 0x07 };
	uint32_t cp = s[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3F);
	return cp;
}

static size_t seq_len(unsigned char c)
{
	return c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
}

static bool trimmed(char c)
{
	return c == ' ' || c == '.';
}

bool multipart_clean_filename(const char *in, size_t inlen, char *out,
			      size_t outlen)
{
	size_t start = 0, o = 0, cap;

	if (outlen == 0)
		return false;
	out[0] = '\0';
	if (!in || !utf8_valid(in, inlen))
		return false;
	/* '/' and '\' never occur inside a UTF-8 sequence. */
	for (size_t i = 0; i < inlen; i++)
		if (in[i] == '/' || in[i] == '\\')
			start = i + 1;
	cap = outlen - 1 < 255 ? outlen - 1 : 255;
	for (size_t i = start; i < inlen;) {
		size_t n = seq_len((unsigned char)in[i]);

		if (dropped(decode_cp((const unsigned char *)in + i, n))) {
			i += n;
			continue;
		}
		if (o == 0 && trimmed(in[i])) {
			i++;
			continue;
		}
		if (o + n > cap)
			break;
		memcpy(out + o, in + i, n);
		o += n;
		i += n;
	}
	while (o > 0 && trimmed(out[o - 1]))
		o--;
	out[o] = '\0';
	return o > 0;
}
