/*
 * Unit tests of fcgi/lib/multipart.c: the streaming multipart/form-data
 * parser, multipart_boundary and multipart_clean_filename.
 *
 * A parse is recorded as one string of events — "<name|filename|type>"
 * when a part begins, its data as it came, "</>" when it ends — so that
 * the same body fed whole, one byte at a time and in random pieces can be
 * compared, and each case can say what it expects in one literal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lib/multipart.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Fails the test with a message that names the case, like assert_*. */
#define CHECK(cond, ...)                                                \
	do {                                                            \
		if (!(cond)) {                                          \
			print_error(__VA_ARGS__);                       \
			print_error("\n");                              \
			fail();                                         \
		}                                                       \
	} while (0)

/* s[0..len) as a C literal, for messages ("a\x00b"). Rotates 4 buffers. */
static const char *show(const char *s, size_t len)
{
	static char bufs[4][2048];
	static int next;
	char *out = bufs[next++ % 4];
	size_t o = 0;

	if (!s)
		return "(null)";
	out[o++] = '"';
	for (size_t i = 0; i < len && o < 2030; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
			out[o++] = (char)c;
		else
			o += (size_t)snprintf(out + o, 8, "\\x%02X", c);
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

/* ---- the recorder ------------------------------------------------------ */

struct rec {
	char *log;
	size_t len, cap;
	bool in_part;
	bool errored;		/* set by the runner after feed() failed */
	bool late_call;		/* a callback after an error */
	size_t data_bytes;	/* of the current part */
	size_t max_seen;	/* largest part_data piece */
	/* Per-test knobs. */
	int abort_at;		/* 1 begin, 2 data, 3 end: return false */
	size_t lower_max;	/* part_begin sets max_bytes to this (0: no) */
};

static void rec_add(struct rec *r, const char *s, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->log = realloc(r->log, r->cap);
		assert_non_null(r->log);
	}
	memcpy(r->log + r->len, s, n);
	r->len += n;
	r->log[r->len] = '\0';
}

static void rec_adds(struct rec *r, const char *s)
{
	rec_add(r, s, strlen(s));
}

static bool on_begin(void *user, struct multipart_part *part)
{
	struct rec *r = user;

	r->late_call |= r->errored;
	assert_false(r->in_part);
	assert_non_null(part->name);
	assert_non_null(part->content_type);
	r->in_part = true;
	r->data_bytes = 0;
	rec_adds(r, "<");
	rec_adds(r, part->name);
	rec_adds(r, "|");
	if (part->filename)
		rec_add(r, part->filename, part->filename_len);
	else
		rec_adds(r, "(none)");
	rec_adds(r, "|");
	rec_adds(r, part->content_type);
	rec_adds(r, ">");
	if (r->lower_max)
		part->max_bytes = r->lower_max;
	return r->abort_at != 1;
}

static bool on_data(void *user, const char *data, size_t len)
{
	struct rec *r = user;

	r->late_call |= r->errored;
	assert_true(r->in_part);
	assert_true(len > 0);
	rec_add(r, data, len);
	r->data_bytes += len;
	if (len > r->max_seen)
		r->max_seen = len;
	return r->abort_at != 2;
}

static bool on_end(void *user)
{
	struct rec *r = user;

	r->late_call |= r->errored;
	assert_true(r->in_part);
	r->in_part = false;
	rec_adds(r, "</>");
	return r->abort_at != 3;
}

static const struct multipart_callbacks callbacks = {
	on_begin, on_data, on_end,
};

enum chunking { WHOLE, BYTES, RANDOM };

struct result {
	enum multipart_error err;
	bool finished;		/* multipart_finish() */
	char name[128];		/* multipart_part_name() at the error, or "" */
	char detail[128];
};

/* A small fixed-seed generator: the same pieces on every run. */
static uint32_t rng_next(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

/*
 * Parses body with boundary, fed as `how` says, recording into r (which
 * the caller frees). After an error, one more feed must also fail.
 */
static struct result run(const char *boundary, const char *body, size_t len,
			 const struct multipart_limits *lim, enum chunking how,
			 struct rec *r)
{
	struct multipart *p = multipart_new(boundary, lim, &callbacks, r);
	struct result res = { 0 };
	uint32_t seed = 0x15u * 2654435761u;
	size_t i = 0;
	bool ok = true;

	assert_non_null(p);
	rec_adds(r, "");
	while (ok && i < len) {
		size_t n = how == WHOLE ? len - i
			 : how == BYTES ? 1
			 : 1 + rng_next(&seed) % 97;
		if (n > len - i)
			n = len - i;
		ok = multipart_feed(p, body + i, n);
		i += n;
	}
	if (!ok) {
		r->errored = true;
		assert_false(multipart_feed(p, "x", 1));
		assert_false(multipart_feed(p, "", 0));
	}
	res.finished = multipart_finish(p);
	res.err = multipart_error(p);
	if (multipart_part_name(p))
		snprintf(res.name, sizeof res.name, "%s", multipart_part_name(p));
	snprintf(res.detail, sizeof res.detail, "%s", multipart_error_detail(p));
	CHECK(!r->late_call, "a callback came after the error");
	CHECK(res.finished == (res.err == MULTIPART_OK),
	      "finish %d with error %d", res.finished, (int)res.err);
	multipart_free(p);
	return res;
}

/* Runs the body the three ways; the events and results must agree. */
static struct result run3(const char *boundary, const char *body, size_t len,
			  const struct multipart_limits *lim, struct rec *out)
{
	struct rec r[3] = { 0 };
	struct result res[3];

	for (int how = WHOLE; how <= RANDOM; how++) {
		r[how].abort_at = out->abort_at;
		r[how].lower_max = out->lower_max;
		res[how] = run(boundary, body, len, lim, (enum chunking)how,
			       &r[how]);
	}
	for (int how = BYTES; how <= RANDOM; how++) {
		CHECK(res[how].err == res[WHOLE].err,
		      "chunking %d: error %d, whole: %d", how,
		      (int)res[how].err, (int)res[WHOLE].err);
		/* After an error the events may stop earlier or later inside
		 * the data (pieces differ); before it they are the same. */
		if (res[WHOLE].err == MULTIPART_OK)
			CHECK(r[how].len == r[WHOLE].len &&
			      memcmp(r[how].log, r[WHOLE].log, r[how].len) == 0,
			      "chunking %d:\n  %s\nwhole:\n  %s", how,
			      show(r[how].log, r[how].len),
			      show(r[WHOLE].log, r[WHOLE].len));
	}
	free(r[BYTES].log);
	free(r[RANDOM].log);
	*out = r[WHOLE];
	return res[WHOLE];
}

static void expect_log(const struct rec *r, const char *want, size_t want_len)
{
	CHECK(r->len == want_len && memcmp(r->log, want, want_len) == 0,
	      "events:\n  %s\nexpected:\n  %s", show(r->log, r->len),
	      show(want, want_len));
}

#define BODY(s) s, sizeof(s) - 1

/* ---- a browser's body --------------------------------------------------- */

/* What Chrome sends for the apply form: two text fields, two files. */
static const char browser_body[] =
	"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
	"Content-Disposition: form-data; name=\"name\"\r\n"
	"\r\n"
	"张三\r\n"
	"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
	"Content-Disposition: form-data; name=\"content\"\r\n"
	"\r\n"
	"申请公开2025年度预算。\r\n第二行\r\n"
	"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
	"Content-Disposition: form-data; name=\"attachments\"; "
	"filename=\"身份证.jpg\"\r\n"
	"Content-Type: image/jpeg\r\n"
	"\r\n"
	"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\r\r\n\r\n-\r\n--\r\n----WebKit\xFF\xD9"
	"\r\n"
	"------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
	"Content-Disposition: form-data; name=\"attachments\"; "
	"filename=\"weituo.pdf\"\r\n"
	"Content-Type: application/pdf\r\n"
	"\r\n"
	"%PDF-1.7\r\n%%EOF\r\n"
	"\r\n"
	"------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n";

static const char browser_events[] =
	"<name|(none)|text/plain>张三</>"
	"<content|(none)|text/plain>申请公开2025年度预算。\r\n第二行</>"
	"<attachments|身份证.jpg|image/jpeg>"
	"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\r\r\n\r\n-\r\n--\r\n----WebKit\xFF\xD9</>"
	"<attachments|weituo.pdf|application/pdf>%PDF-1.7\r\n%%EOF\r\n</>";

#define BROWSER_BOUNDARY "----WebKitFormBoundary7MA4YWxkTrZu0gW"

static void test_browser_body(void **state)
{
	(void)state;
	struct rec r = { 0 };
	struct result res = run3(BROWSER_BOUNDARY, BODY(browser_body), NULL,
				 &r);

	CHECK(res.err == MULTIPART_OK, "error %d (%s)", (int)res.err,
	      res.detail);
	expect_log(&r, BODY(browser_events));
	free(r.log);
}

/* Data is passed on as it comes: a 1 MiB file in 64 KiB pieces reaches
 * part_data in pieces no larger than those (nothing is gathered). */
static void test_streams_without_buffering(void **state)
{
	(void)state;
	const size_t file = 1 << 20, piece = 64 * 1024;
	const char *head = "--b\r\nContent-Disposition: form-data; name=\"f\"; "
			   "filename=\"x.bin\"\r\n\r\n";
	const char *tail = "\r\n--b--\r\n";
	size_t hl = strlen(head), tl = strlen(tail), len = hl + file + tl;
	char *body = malloc(len);
	struct rec r = { 0 };
	struct multipart *p = multipart_new("b", NULL, &callbacks, &r);

	assert_non_null(body);
	memcpy(body, head, hl);
	for (size_t i = 0; i < file; i++)	/* CRs and dashes in it */
		body[hl + i] = "\r\n-b-\r\nxyz"[i % 10];
	memcpy(body + hl + file, tail, tl);
	for (size_t i = 0; i < len; i += piece)
		assert_true(multipart_feed(p, body + i,
					   len - i < piece ? len - i : piece));
	assert_true(multipart_finish(p));
	assert_int_equal(r.data_bytes, file);
	CHECK(r.max_seen <= piece, "a piece of %zu bytes", r.max_seen);
	assert_memory_equal(r.log + r.len - file - 3, body + hl, file);
	multipart_free(p);
	free(body);
	free(r.log);
}

/* ---- what is data and what is a delimiter ----------------------------- */

struct shape {
	const char *what;
	const char *body;
	size_t len;
	enum multipart_error err;
	const char *events;	/* when err == MULTIPART_OK */
	size_t events_len;
};

#define CD "Content-Disposition: form-data; name="
#define SHAPE(what, body, err, events) \
	{ what, body, sizeof(body) - 1, err, events, sizeof(events) - 1 }

static const struct shape accepted[] = {
	SHAPE("the boundary inside data, not after CRLF--",
	      "--xyz\r\n" CD "a\r\n\r\n--xyz x--xyz\r\n-xyz\n--xyz\r--xyz"
	      "\r\n---xyz\r\n--xy\r\n\r\n--xyz--",
	      MULTIPART_OK,
	      "<a|(none)|text/plain>--xyz x--xyz\r\n-xyz\n--xyz\r--xyz"
	      "\r\n---xyz\r\n--xy\r\n</>"),
	SHAPE("a CRLF at the end of a file's data is kept",
	      "--xyz\r\n" CD "f; filename=\"a.txt\"\r\n\r\nline\r\n\r\n"
	      "--xyz--\r\n",
	      MULTIPART_OK, "<f|a.txt|text/plain>line\r\n</>"),
	SHAPE("an empty part and an empty body",
	      "--xyz\r\n" CD "\"e\"\r\n\r\n\r\n--xyz--", MULTIPART_OK,
	      "<e|(none)|text/plain></>"),
	SHAPE("preamble and epilogue ignored",
	      "This is a preamble.\r\n--xy z --xyz\r\n\r\n--xyz\r\n" CD "a\r\n\r\n1"
	      "\r\n--xyz--\r\nepilogue\r\n--xyz\r\nnot a part",
	      MULTIPART_OK, "<a|(none)|text/plain>1</>"),
	SHAPE("transport padding after delimiters",
	      "--xyz \t \r\n" CD "a\r\n\r\n1\r\n--xyz\t\r\n" CD "b\r\n\r\n2"
	      "\r\n--xyz--  \r\n",
	      MULTIPART_OK,
	      "<a|(none)|text/plain>1</><b|(none)|text/plain>2</>"),
	SHAPE("no part at all", "--xyz--", MULTIPART_OK, ""),
	SHAPE("headers in any case, other headers ignored, spaces around",
	      "--xyz\r\ncontent-type:   text/csv ;charset=utf-8  \r\n"
	      "X-Other: 1\r\nCONTENT-DISPOSITION: Form-Data ; NAME=\"a\" ;\r\n"
	      "\r\n1\r\n--xyz--",
	      MULTIPART_OK, "<a|(none)|text/csv ;charset=utf-8>1</>"),
	SHAPE("filename* in UTF-8 wins over filename",
	      "--xyz\r\n" CD "\"f\"; filename=\"__.pdf\"; "
	      "filename*=UTF-8''%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF.pdf\r\n"
	      "\r\n%PDF\r\n--xyz--",
	      MULTIPART_OK, "<f|政府信息.pdf|text/plain>%PDF</>"),
	SHAPE("filename* before filename, language given",
	      "--xyz\r\n" CD "\"f\"; filename*=utf-8'zh-CN'%E4%B8%AD%E6%96%87"
	      ".txt; filename=\"x.txt\"\r\n\r\n1\r\n--xyz--",
	      MULTIPART_OK, "<f|中文.txt|text/plain>1</>"),
	SHAPE("filename* in ISO-8859-1 becomes UTF-8",
	      "--xyz\r\n" CD "f; filename*=iso-8859-1''caf%E9.txt\r\n\r\n1"
	      "\r\n--xyz--",
	      MULTIPART_OK, "<f|caf\xC3\xA9.txt|text/plain>1</>"),
	SHAPE("a quoted filename as sent: UTF-8, backslashes kept, \\\" escape",
	      "--xyz\r\n" CD "\"f\"; filename=\"C:\\dir\\a\\\"b.pdf\"\r\n\r\n1"
	      "\r\n--xyz--",
	      MULTIPART_OK, "<f|C:\\dir\\a\"b.pdf|text/plain>1</>"),
	SHAPE("an empty file input",
	      "--xyz\r\n" CD "\"f\"; filename=\"\"\r\nContent-Type: "
	      "application/octet-stream\r\n\r\n\r\n--xyz--",
	      MULTIPART_OK, "<f||application/octet-stream></>"),
	SHAPE("a name percent-encoded as browsers do is kept as sent",
	      "--xyz\r\n" CD "\"a%22b\"\r\n\r\n1\r\n--xyz--",
	      MULTIPART_OK, "<a%22b|(none)|text/plain>1</>"),
};

static const struct shape malformed[] = {
	SHAPE("bare LF in a header",
	      "--xyz\r\n" CD "a\n\r\n1\r\n--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("bare LF inside a header no one reads",
	      "--xyz\r\nX-Note: a\nb\r\n" CD "a\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("bare CR inside a header no one reads",
	      "--xyz\r\nX-Note: a\rb\r\n" CD "a\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("bare LF ending the header block",
	      "--xyz\r\n" CD "a\r\n\n1\r\n--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("bare CR in a header",
	      "--xyz\r\n" CD "a\rx\r\n\r\n1\r\n--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("a delimiter line ending in LF alone",
	      "--xyz\n" CD "a\r\n\r\n1\r\n--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("header without colon",
	      "--xyz\r\nContent-Disposition form-data; name=a\r\n\r\n1\r\n"
	      "--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("a folded header line",
	      "--xyz\r\n" CD "a\r\n  more\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("no Content-Disposition",
	      "--xyz\r\nContent-Type: text/plain\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("an empty header block",
	      "--xyz\r\n\r\n1\r\n--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("not form-data",
	      "--xyz\r\nContent-Disposition: attachment; name=a\r\n\r\n1\r\n"
	      "--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("form-data without a name",
	      "--xyz\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\n"
	      "1\r\n--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("two Content-Dispositions",
	      "--xyz\r\n" CD "a\r\n" CD "b\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("two names",
	      "--xyz\r\n" CD "a; name=b\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("two Content-Types",
	      "--xyz\r\n" CD "a\r\nContent-Type: a/b\r\nContent-Type: c/d\r\n"
	      "\r\n1\r\n--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("an unterminated quoted name",
	      "--xyz\r\n" CD "\"a\r\n\r\n1\r\n--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("garbage after a parameter",
	      "--xyz\r\n" CD "\"a\" x\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("a name that is not UTF-8",
	      "--xyz\r\n" CD "\"\xC0\xAF\"\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("a filename that is not UTF-8 (GBK)",
	      "--xyz\r\n" CD "f; filename=\"\xC9\xED\xB7\xDD.jpg\"\r\n\r\n1\r\n"
	      "--xyz--", MULTIPART_MALFORMED, ""),
	SHAPE("filename* with a bad escape",
	      "--xyz\r\n" CD "f; filename*=UTF-8''%E6%9\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("filename* that decodes to invalid UTF-8",
	      "--xyz\r\n" CD "f; filename*=UTF-8''%E6%94\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("filename* in GBK",
	      "--xyz\r\n" CD "f; filename*=GBK''%C9%ED\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("filename* without its quotes",
	      "--xyz\r\n" CD "f; filename*=%E6%94%BF\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("a control character in Content-Type",
	      "--xyz\r\n" CD "a\r\nContent-Type: a/b\x01\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("NUL in a header",
	      "--xyz\r\n" CD "a\x00\r\n\r\n1\r\n--xyz--", MULTIPART_MALFORMED,
	      ""),
	SHAPE("NUL in a header no one reads",
	      "--xyz\r\nX-Note: a\x00" "b: c\r\n" CD "a\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("the boundary followed by more characters",
	      "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyzw\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("a close delimiter with one dash",
	      "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz-\r\n", MULTIPART_MALFORMED, ""),
	SHAPE("a delimiter straight after a delimiter",
	      "--xyz\r\n--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz--",
	      MULTIPART_MALFORMED, ""),
	SHAPE("no closing delimiter",
	      "--xyz\r\n" CD "a\r\n\r\n1\r\n", MULTIPART_MALFORMED, ""),
	SHAPE("cut inside the headers",
	      "--xyz\r\n" CD "a\r\n", MULTIPART_MALFORMED, ""),
	SHAPE("cut after a delimiter", "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz",
	      MULTIPART_MALFORMED, ""),
	SHAPE("no delimiter at all", "just text", MULTIPART_MALFORMED, ""),
	SHAPE("an empty body", "", MULTIPART_MALFORMED, ""),
	SHAPE("another boundary", "--abc\r\n" CD "a\r\n\r\n1\r\n--abc--",
	      MULTIPART_MALFORMED, ""),
};

static void check_shapes(const struct shape *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct rec r = { 0 };
		struct result res = run3("xyz", cases[i].body, cases[i].len,
					 NULL, &r);

		CHECK(res.err == cases[i].err, "%s: error %d (%s), expected %d",
		      cases[i].what, (int)res.err, res.detail,
		      (int)cases[i].err);
		if (cases[i].err == MULTIPART_OK)
			CHECK(r.len == cases[i].events_len &&
			      memcmp(r.log, cases[i].events, r.len) == 0,
			      "%s: events\n  %s\nexpected\n  %s", cases[i].what,
			      show(r.log, r.len),
			      show(cases[i].events, cases[i].events_len));
		else
			CHECK(res.detail[0], "%s: no detail", cases[i].what);
		free(r.log);
	}
}

static void test_accepted_shapes(void **state)
{
	(void)state;
	check_shapes(accepted, ARRAY_LEN(accepted));
}

static void test_malformed_shapes(void **state)
{
	(void)state;
	check_shapes(malformed, ARRAY_LEN(malformed));
}

/* ---- limits ---------------------------------------------------------- */

static struct multipart_limits tight(void)
{
	struct multipart_limits l = multipart_limits_default;

	l.max_parts = 2;
	l.max_header_bytes = 80;
	l.max_name_len = 5;
	l.max_field_bytes = 4;
	l.max_file_bytes = 6;
	l.max_total_bytes = 400;
	return l;
}

struct limit_case {
	const char *what;
	const char *body;
	size_t len;
	enum multipart_error err;
	const char *part;	/* multipart_part_name() at the error */
};

#define LIMIT(what, body, err, part) { what, body, sizeof(body) - 1, err, part }

static const struct limit_case limit_cases[] = {
	LIMIT("two parts, fields of 4 bytes, files of 6: at the limits",
	      "--xyz\r\n" CD "abcde\r\n\r\n1234\r\n--xyz\r\n"
	      CD "f; filename=\"a\"\r\n\r\n123456\r\n--xyz--",
	      MULTIPART_OK, ""),
	LIMIT("three parts",
	      "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n" CD "b\r\n\r\n2\r\n"
	      "--xyz\r\n" CD "c\r\n\r\n3\r\n--xyz--",
	      MULTIPART_TOO_MANY_PARTS, ""),
	LIMIT("a field of 5 bytes",
	      "--xyz\r\n" CD "a\r\n\r\n12345\r\n--xyz--",
	      MULTIPART_PART_TOO_LARGE, "a"),
	LIMIT("a file of 7 bytes",
	      "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz\r\n"
	      CD "doc; filename=\"a\"\r\n\r\n1234567\r\n--xyz--",
	      MULTIPART_PART_TOO_LARGE, "doc"),
	LIMIT("a header block of 85 bytes",
	      "--xyz\r\n" CD "a\r\nX-Pad: 0123456789012345678901234567890123"
	      "\r\n\r\n1\r\n--xyz--",
	      MULTIPART_HEADER_TOO_LARGE, ""),
	LIMIT("endless transport padding",
	      "--xyz                                                         "
	      "                         \r\n" CD "a\r\n\r\n1\r\n--xyz--",
	      MULTIPART_HEADER_TOO_LARGE, ""),
	LIMIT("a name of 6 bytes",
	      "--xyz\r\n" CD "abcdef\r\n\r\n1\r\n--xyz--",
	      MULTIPART_NAME_TOO_LONG, ""),
	LIMIT("a body of 401 bytes (its epilogue too)",
	      "--xyz\r\n" CD "a\r\n\r\n1\r\n--xyz--\r\n"
	      "0123456789012345678901234567890123456789012345678901234567890123"
	      "0123456789012345678901234567890123456789012345678901234567890123"
	      "0123456789012345678901234567890123456789012345678901234567890123"
	      "0123456789012345678901234567890123456789012345678901234567890123"
	      "0123456789012345678901234567890123456789012345678901234567890123"
	      "01234567890123456789",
	      MULTIPART_TOTAL_TOO_LARGE, ""),
};

static void test_limits(void **state)
{
	(void)state;
	const struct multipart_limits lim = tight();

	for (size_t i = 0; i < ARRAY_LEN(limit_cases); i++) {
		const struct limit_case *c = &limit_cases[i];
		struct rec r = { 0 };
		struct result res = run3("xyz", c->body, c->len, &lim, &r);

		CHECK(res.err == c->err, "%s: error %d (%s), expected %d",
		      c->what, (int)res.err, res.detail, (int)c->err);
		CHECK(strcmp(res.name, c->part) == 0,
		      "%s: part name \"%s\", expected \"%s\"", c->what,
		      res.name, c->part);
		CHECK(r.data_bytes <= 6, "%s: %zu bytes passed on", c->what,
		      r.data_bytes);
		free(r.log);
	}
	/* The body of 400 bytes passes. */
	struct rec r = { 0 };
	const char *body = limit_cases[ARRAY_LEN(limit_cases) - 1].body;
	struct result res = run3("xyz", body, 400, &lim, &r);
	assert_int_equal(res.err, MULTIPART_OK);
	free(r.log);
}

/* part_begin may set the limit of one part (the web layer: this field
 * takes 200 bytes, that file 20 MB). */
static void test_part_limit_by_caller(void **state)
{
	(void)state;
	struct rec r = { .lower_max = 2 };
	struct result res = run3("xyz", BODY("--xyz\r\n" CD "f; filename=\"a\""
					     "\r\n\r\n123\r\n--xyz--"),
				 NULL, &r);

	assert_int_equal(res.err, MULTIPART_PART_TOO_LARGE);
	assert_string_equal(res.name, "f");
	free(r.log);
}

static void test_callbacks_stop(void **state)
{
	(void)state;
	for (int at = 1; at <= 3; at++) {
		struct rec r = { .abort_at = at };
		struct result res = run3("xyz",
					 BODY("--xyz\r\n" CD "a\r\n\r\n1\r\n"
					      "--xyz\r\n" CD "b\r\n\r\n2\r\n"
					      "--xyz--"), NULL, &r);

		CHECK(res.err == MULTIPART_ABORTED, "abort at %d: error %d",
		      at, (int)res.err);
		CHECK(strstr(r.log, "<b") == NULL, "abort at %d: went on: %s",
		      at, show(r.log, r.len));
		free(r.log);
	}
}

static void test_error_str(void **state)
{
	(void)state;
	for (int e = MULTIPART_OK; e <= MULTIPART_ABORTED; e++) {
		const char *s = multipart_error_str((enum multipart_error)e);
		assert_true(s && s[0]);
		for (int f = MULTIPART_OK; f < e; f++)
			assert_string_not_equal(
				s, multipart_error_str((enum multipart_error)f));
	}
	assert_true(multipart_error_str((enum multipart_error)99)[0]);
}

static void test_new_refuses_bad_boundaries(void **state)
{
	(void)state;
	char b71[72];

	memset(b71, 'a', 71);
	b71[71] = '\0';
	assert_null(multipart_new("", NULL, &callbacks, NULL));
	assert_null(multipart_new(NULL, NULL, &callbacks, NULL));
	assert_null(multipart_new(b71, NULL, &callbacks, NULL));
	assert_null(multipart_new("a\r\nb", NULL, &callbacks, NULL));
	assert_null(multipart_new("ends ", NULL, &callbacks, NULL));
	struct multipart_limits huge = multipart_limits_default;
	huge.max_header_bytes = MULTIPART_HEADER_MAX + 1;
	assert_null(multipart_new("a", &huge, &callbacks, NULL));
	b71[70] = '\0';
	struct multipart *p = multipart_new(b71, NULL, NULL, NULL);
	assert_non_null(p);	/* no callbacks at all is fine too */
	assert_true(multipart_feed(p, BODY("--")));
	assert_true(multipart_feed(p, b71, 70));
	assert_true(multipart_feed(p, BODY("\r\n" CD "a\r\n\r\n1\r\n--")));
	assert_true(multipart_feed(p, b71, 70));
	assert_true(multipart_feed(p, BODY("--\r\n")));
	assert_true(multipart_finish(p));
	assert_string_equal(multipart_error_detail(p), "");
	multipart_free(p);
	multipart_free(NULL);
}

/* ---- multipart_boundary ---------------------------------------------- */

static void test_boundary(void **state)
{
	(void)state;
	static const struct {
		const char *header;
		const char *want;	/* NULL: refused */
	} cases[] = {
		{ "multipart/form-data; boundary=----WebKitFormBoundaryABC",
		  "----WebKitFormBoundaryABC" },
		{ "Multipart/Form-Data;BOUNDARY=abc", "abc" },
		{ "multipart/form-data; charset=utf-8; boundary=\"a b:c?=d\"",
		  "a b:c?=d" },
		{ "multipart/form-data ; boundary = x ; other=1", "x" },
		{ "multipart/form-data; boundary=\"'()+_,-./:=?\"",
		  "'()+_,-./:=?" },
		{ "multipart/form-data; boundary="
		  "1234567890123456789012345678901234567890123456789012345678901234567890",
		  "1234567890123456789012345678901234567890123456789012345678901234567890" },
		{ "multipart/form-data; boundary="
		  "12345678901234567890123456789012345678901234567890123456789012345678901",
		  NULL },
		{ "multipart/form-data", NULL },
		{ "multipart/form-data; boundary=", NULL },
		{ "multipart/form-data; boundary=\"\"", NULL },
		{ "multipart/form-data; boundary=\"ends \"", NULL },
		{ "multipart/form-data; boundary=a; boundary=a", NULL },
		{ "multipart/form-data; boundary=a; boundary=b", NULL },
		{ "multipart/form-data; boundary=a!b", NULL },
		{ "multipart/form-data; boundary=\"a\\\"b\"", NULL },
		{ "multipart/form-data; boundary=\"a\xE4\xB8\xAD" "b\"", NULL },
		{ "multipart/form-data; boundary=\"open", NULL },
		{ "multipart/mixed; boundary=abc", NULL },
		{ "multipart/form-dataX; boundary=abc", NULL },
		{ "application/x-www-form-urlencoded", NULL },
		{ "", NULL },
	};
	char out[MULTIPART_BOUNDARY_MAX + 1];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		memcpy(out, "junk", 5);
		bool ok = multipart_boundary(cases[i].header, out, sizeof out);
		CHECK(ok == (cases[i].want != NULL), "%s: %s",
		      show(cases[i].header, strlen(cases[i].header)),
		      ok ? "accepted" : "refused");
		CHECK(strcmp(out, ok ? cases[i].want : "") == 0,
		      "%s: out %s", cases[i].header, out);
	}
	assert_false(multipart_boundary(NULL, out, sizeof out));
	/* Too small an output is refused, not cut. */
	assert_false(multipart_boundary("multipart/form-data; boundary=a",
					out, MULTIPART_BOUNDARY_MAX));
}

/* ---- multipart_clean_filename ---------------------------------------- */

static void test_clean_filename(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		size_t len;	/* 0: strlen */
		const char *want;	/* NULL: refused */
	} cases[] = {
		{ "../../etc/passwd", 0, "passwd" },
		{ "a\0b", 3, "ab" },
		{ "evil\xE2\x80\xAEgnp.exe", 0, "evilgnp.exe" },	/* U+202E */
		{ "C:\\dir\\x.pdf", 0, "x.pdf" },
		{ "\xC9\xED\xB7\xDD.jpg", 0, NULL },	/* GBK, not UTF-8 */
		{ "a\xC0\xAF" "b", 0, NULL },		/* overlong '/' */
		{ "\xED\xA0\x80.txt", 0, NULL },	/* a surrogate */
		{ "身份证 正面.jpg", 0, "身份证 正面.jpg" },
		{ "  ..报告.. ", 0, "报告" },
		{ "tab\there\x7F\xC2\x85\x1B[31m.pdf", 0, "tabhere[31m.pdf" },
		{ "\xE2\x80\xAA\xE2\x80\xAB\xE2\x80\xAC\xE2\x80\xAD\xE2\x81\xA6"
		  "\xE2\x81\xA7\xE2\x81\xA8\xE2\x81\xA9\xE2\x80\x8E\xE2\x80\x8F"
		  "\xD8\x9Cok", 0, "ok" },
		{ "\xE2\x80\x8B" "zwsp-kept", 0, "\xE2\x80\x8Bzwsp-kept" },
		{ "", 0, NULL },
		{ ".", 0, NULL },
		{ "..", 0, NULL },
		{ "dir/", 0, NULL },
		{ "a/..", 0, NULL },
		{ " . \xE2\x80\xAE. ", 0, NULL },
		{ "\0", 1, NULL },
	};
	char out[512];

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		bool ok = multipart_clean_filename(cases[i].in, len, out,
						   sizeof out);
		CHECK(ok == (cases[i].want != NULL), "%s: %s",
		      show(cases[i].in, len), ok ? "accepted" : "refused");
		CHECK(strcmp(out, ok ? cases[i].want : "") == 0,
		      "%s: got %s, expected %s", show(cases[i].in, len),
		      show(out, strlen(out)),
		      cases[i].want ? cases[i].want : "\"\"");
	}
}

/* 255 bytes at most, cut between characters, and the cut re-trimmed. */
static void test_clean_filename_cap(void **state)
{
	(void)state;
	char in[1024], out[512];
	size_t n = 0;

	for (int i = 0; i < 100; i++) {		/* 300 bytes of 中 */
		memcpy(in + n, "中", 3);
		n += 3;
	}
	assert_true(multipart_clean_filename(in, n, out, sizeof out));
	assert_int_equal(strlen(out), 255);	/* 85 characters */
	memset(in, 'a', 254);
	memcpy(in + 254, "中", 3);
	assert_true(multipart_clean_filename(in, 257, out, sizeof out));
	assert_int_equal(strlen(out), 254);
	memset(in, 'a', 253);
	memcpy(in + 253, ". b", 3);
	assert_true(multipart_clean_filename(in, 256, out, sizeof out));
	assert_int_equal(strlen(out), 253);	/* "a….", trimmed */
	/* A small output buffer: outlen - 1 bytes. */
	assert_true(multipart_clean_filename("中文名.pdf", strlen("中文名.pdf"),
					     out, 8));
	assert_string_equal(out, "中文");
	assert_false(multipart_clean_filename("x", 1, out, 0));
	assert_false(multipart_clean_filename("中", 3, out, 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_browser_body),
		cmocka_unit_test(test_streams_without_buffering),
		cmocka_unit_test(test_accepted_shapes),
		cmocka_unit_test(test_malformed_shapes),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_part_limit_by_caller),
		cmocka_unit_test(test_callbacks_stop),
		cmocka_unit_test(test_error_str),
		cmocka_unit_test(test_new_refuses_bad_boundaries),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_clean_filename),
		cmocka_unit_test(test_clean_filename_cap),
	};
	return cmocka_run_group_tests_name("multipart", tests, NULL, NULL);
}
