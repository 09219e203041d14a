/*
 * Unit tests of fcgi/parse.c: percent-decoding, UTF-8, forms, cookies,
 * paths and redirect targets. Each table row says what goes in and what
 * must come out; a failing row prints its input, the expected and the
 * actual result.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "lib/arena.h"
#include "lib/parse.h"

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

static int arena_setup(void **state)
{
	struct arena *a = calloc(1, sizeof *a);
	if (!a)
		return -1;
	*state = a;
	return 0;
}

static int arena_teardown(void **state)
{
	arena_free(*state);
	free(*state);
	return 0;
}

/* s[0..len) as a C literal, for messages ("a\x00b"). Rotates 4 buffers. */
static const char *show(const char *s, size_t len)
{
	static char bufs[4][512];
	static int next;
	char *out = bufs[next++ % 4];
	size_t o = 0;

	if (!s)
		return "(null)";
	out[o++] = '"';
	for (size_t i = 0; i < len && o < 500; i++) {
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

static const char *shows(const char *s)
{
	return show(s, s ? strlen(s) : 0);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ---- parse_error_str ------------------------------------------------- */

static void test_error_str(void **state)
{
	(void)state;
	const enum parse_error all[] = {
		PARSE_OK, PARSE_BAD_ESCAPE, PARSE_BAD_UTF8, PARSE_NUL,
		PARSE_TOO_MANY_FIELDS, PARSE_FIELD_TOO_LONG, PARSE_BAD_PATH,
	};

	for (size_t i = 0; i < ARRAY_LEN(all); i++) {
		const char *s = parse_error_str(all[i]);
		CHECK(s && s[0], "parse_error_str(%d): expected a text, got %s",
		      (int)all[i], shows(s));
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(s, parse_error_str(all[j])) != 0,
			      "parse_error_str(%d) and (%d) are both %s",
			      (int)all[i], (int)all[j], shows(s));
	}
	assert_string_equal(parse_error_str(PARSE_BAD_ESCAPE),
			    "bad percent-escape");
	const char *unknown = parse_error_str((enum parse_error)999);
	CHECK(unknown && unknown[0], "unknown error: expected a text, got %s",
	      shows(unknown));
}

/* ---- pct_decode ------------------------------------------------------ */

struct decode_case {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	bool plus;
	enum parse_error err;
	const char *out;	/* when err == PARSE_OK */
	size_t out_len;		/* 0: strlen(out) */
};

static const struct decode_case decode_cases[] = {
	{ "", 0, false, PARSE_OK, "", 0 },
	{ "abc", 0, false, PARSE_OK, "abc", 0 },
	{ "a%20b", 0, false, PARSE_OK, "a b", 0 },
	{ "%41%42%43", 0, false, PARSE_OK, "ABC", 0 },
	{ "%4a%4A", 0, false, PARSE_OK, "JJ", 0 },
	{ "100%25", 0, false, PARSE_OK, "100%", 0 },
	/* '+' */
	{ "a+b", 0, true, PARSE_OK, "a b", 0 },
	{ "a+b", 0, false, PARSE_OK, "a+b", 0 },
	{ "a%2Bb", 0, true, PARSE_OK, "a+b", 0 },
	{ "a%2bb", 0, false, PARSE_OK, "a+b", 0 },
	{ "++", 0, true, PARSE_OK, "  ", 0 },
	/* Well-formed UTF-8, encoded and raw, at each range boundary. */
	{ "%E4%B8%AD%E6%96%87", 0, false, PARSE_OK, "中文", 0 },
	{ "%e4%b8%ad", 0, false, PARSE_OK, "中", 0 },
	{ "中文", 0, false, PARSE_OK, "中文", 0 },
	{ "%C2%80", 0, false, PARSE_OK, "\xC2\x80", 0 },
	{ "%DF%BF", 0, false, PARSE_OK, "\xDF\xBF", 0 },
	{ "%E0%A0%80", 0, false, PARSE_OK, "\xE0\xA0\x80", 0 },
	{ "%ED%9F%BF", 0, false, PARSE_OK, "\xED\x9F\xBF", 0 },
	{ "%EE%80%80", 0, false, PARSE_OK, "\xEE\x80\x80", 0 },
	{ "%EF%BF%BF", 0, false, PARSE_OK, "\xEF\xBF\xBF", 0 },
	{ "%F0%90%80%80", 0, false, PARSE_OK, "\xF0\x90\x80\x80", 0 },
	{ "%F0%9F%98%80", 0, false, PARSE_OK, "😀", 0 },
	{ "%F4%8F%BF%BF", 0, false, PARSE_OK, "\xF4\x8F\xBF\xBF", 0 },
	/* Bad escapes. */
	{ "%zz", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "%", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "abc%", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "%4", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "a%4", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "%4g", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "%g4", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "%%41", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "% 41", 0, false, PARSE_BAD_ESCAPE, NULL, 0 },
	{ "%+1", 0, true, PARSE_BAD_ESCAPE, NULL, 0 },
	/* "%4" then the string ends, although a '1' follows in memory. */
	{ "%41", 2, false, PARSE_BAD_ESCAPE, NULL, 0 },
	/* NUL, decoded or raw. */
	{ "%00", 0, false, PARSE_NUL, NULL, 0 },
	{ "a%00b", 0, false, PARSE_NUL, NULL, 0 },
	{ "a\0b", 3, false, PARSE_NUL, NULL, 0 },
	/* Overlong encodings. */
	{ "%C0%AF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%C0%80", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%C1%BF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%E0%80%AF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%E0%9F%BF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%F0%80%80%AF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%F0%8F%BF%BF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "\xC0\xAF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	/* Surrogates. */
	{ "%ED%A0%80", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%ED%BF%BF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%ED%A0%BD%ED%B8%80", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	/* Beyond U+10FFFF. */
	{ "%F4%90%80%80", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%F5%80%80%80", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%F7%BF%BF%BF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%F8%88%80%80%80", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%FE", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%FF", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	/* Stray continuation bytes, truncated sequences. */
	{ "%80", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "a%BFb", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%C3", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%E4%B8", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%F0%9F%98", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%C3%28", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%E4%28%AD", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%E4%B8%28", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%F0%9F%28%80", 0, false, PARSE_BAD_UTF8, NULL, 0 },
	{ "%E4%B8%AD%E4", 0, false, PARSE_BAD_UTF8, NULL, 0 },
};

static void test_pct_decode_table(void **state)
{
	struct arena *a = *state;

	for (size_t i = 0; i < ARRAY_LEN(decode_cases); i++) {
		const struct decode_case *c = &decode_cases[i];
		size_t len = c->len ? c->len : strlen(c->in);
		char *out = NULL;
		size_t out_len = 12345;
		enum parse_error e = pct_decode(a, c->in, len, c->plus, &out,
						&out_len);

		CHECK(e == c->err,
		      "pct_decode(%s, plus=%d): expected %s, got %s",
		      show(c->in, len), c->plus, parse_error_str(c->err),
		      parse_error_str(e));
		if (c->err != PARSE_OK)
			continue;
		size_t want_len = c->out_len ? c->out_len : strlen(c->out);
		CHECK(out && out_len == want_len &&
		      memcmp(out, c->out, want_len) == 0 &&
		      out[out_len] == '\0',
		      "pct_decode(%s, plus=%d): expected %s, got %s",
		      show(c->in, len), c->plus, show(c->out, want_len),
		      out ? show(out, out_len) : "(null)");
	}
}

static void test_pct_decode_null_out_len(void **state)
{
	struct arena *a = *state;
	char *out = NULL;

	assert_int_equal(pct_decode(a, "x%41", 4, false, &out, NULL),
			 PARSE_OK);
	assert_string_equal(out, "xA");
}

/* Every byte value written as %XX: which decode alone, and to what. */
static void test_pct_decode_all_bytes(void **state)
{
	struct arena *a = *state;

	for (unsigned b = 0; b < 256; b++) {
		char in[4];
		char *out = NULL;
		size_t out_len = 0;
		snprintf(in, sizeof in, "%%%02x", b);
		enum parse_error e = pct_decode(a, in, 3, false, &out,
						&out_len);
		enum parse_error want = b == 0 ? PARSE_NUL :
					b < 0x80 ? PARSE_OK : PARSE_BAD_UTF8;
		CHECK(e == want, "pct_decode(%s): expected %s, got %s", in,
		      parse_error_str(want), parse_error_str(e));
		if (want == PARSE_OK)
			CHECK(out_len == 1 && (unsigned char)out[0] == b,
			      "pct_decode(%s): expected byte 0x%02X, got %s",
			      in, b, show(out, out_len));
	}
}

/* ---- utf8_valid / utf8_length ----------------------------------------- */

struct utf8_case {
	const char *s;
	size_t len;		/* 0: strlen(s) */
	bool valid;
};

static const struct utf8_case utf8_cases[] = {
	{ "", 0, true },
	{ "hello", 0, true },
	{ "依申请公开", 0, true },
	{ "\x7F", 0, true },
	{ "a\0b", 3, true },	/* NUL is valid UTF-8; pct_decode refuses it */
	{ "\xC2\x80", 0, true },
	{ "\xDF\xBF", 0, true },
	{ "\xE0\xA0\x80", 0, true },
	{ "\xE1\x80\x80", 0, true },
	{ "\xEC\xBF\xBF", 0, true },
	{ "\xED\x80\x80", 0, true },
	{ "\xED\x9F\xBF", 0, true },
	{ "\xEE\x80\x80", 0, true },
	{ "\xEF\xBF\xBF", 0, true },
	{ "\xF0\x90\x80\x80", 0, true },
	{ "\xF1\x80\x80\x80", 0, true },
	{ "\xF3\xBF\xBF\xBF", 0, true },
	{ "\xF4\x80\x80\x80", 0, true },
	{ "\xF4\x8F\xBF\xBF", 0, true },
	/* Overlongs. */
	{ "\xC0\x80", 0, false },
	{ "\xC0\xAF", 0, false },
	{ "\xC1\xBF", 0, false },
	{ "\xE0\x80\xAF", 0, false },
	{ "\xE0\x9F\xBF", 0, false },
	{ "\xF0\x80\x80\xAF", 0, false },
	{ "\xF0\x8F\xBF\xBF", 0, false },
	/* Surrogates. */
	{ "\xED\xA0\x80", 0, false },
	{ "\xED\xAF\xBF", 0, false },
	{ "\xED\xB0\x80", 0, false },
	{ "\xED\xBF\xBF", 0, false },
	/* Beyond U+10FFFF, bytes that never occur. */
	{ "\xF4\x90\x80\x80", 0, false },
	{ "\xF4\xBF\xBF\xBF", 0, false },
	{ "\xF5\x80\x80\x80", 0, false },
	{ "\xF7\xBF\xBF\xBF", 0, false },
	{ "\xF8\x88\x80\x80\x80", 0, false },
	{ "\xFC\x84\x80\x80\x80\x80", 0, false },
	{ "\xFE", 0, false },
	{ "\xFF", 0, false },
	/* Stray continuations. */
	{ "\x80", 0, false },
	{ "\xBF", 0, false },
	{ "a\x80", 0, false },
	{ "\xE4\xB8\xAD\xAD", 0, false },
	/* Truncated, or a non-continuation inside. */
	{ "\xC3", 0, false },
	{ "\xE4\xB8", 0, false },
	{ "\xF0\x9F\x98", 0, false },
	{ "\xF0\x9F", 0, false },
	{ "\xC3\x28", 0, false },
	{ "\xC3\xC3\xA9", 0, false },
	{ "\xE4\x28\xAD", 0, false },
	{ "\xE4\xB8\x28", 0, false },
	{ "\xF0\x9F\x98\x28", 0, false },
	{ "\xF0\x28\x98\x80", 0, false },
	/* Only two of the three bytes are inside len: a cut sequence. */
	{ "\xE4\xB8\xAD", 2, false },
};

static void test_utf8_valid_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(utf8_cases); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		size_t len = c->len ? c->len : strlen(c->s);
		bool v = utf8_valid(c->s, len);
		CHECK(v == c->valid, "utf8_valid(%s): expected %s, got %s",
		      show(c->s, len), c->valid ? "true" : "false",
		      v ? "true" : "false");
	}
}

/*
 * The ASCII fast path reads eight bytes at a time: a bad byte or a
 * multi-byte character must be seen at every offset, whatever the
 * alignment of the word it falls in.
 */
static void test_utf8_valid_every_offset(void **state)
{
	(void)state;
	char buf[80];

	for (size_t len = 1; len <= 40; len++) {
		for (size_t pos = 0; pos < len; pos++) {
			memset(buf, 'a', len);
			buf[pos] = (char)0x80;
			CHECK(!utf8_valid(buf, len),
			      "utf8_valid: stray 0x80 at %zu of %zu accepted",
			      pos, len);
			buf[pos] = (char)0xC3;
			CHECK(!utf8_valid(buf, len),
			      "utf8_valid: lone 0xC3 at %zu of %zu accepted",
			      pos, len);
			if (pos + 1 < len) {
				buf[pos + 1] = (char)0xA9;
				CHECK(utf8_valid(buf, len),
				      "utf8_valid: é at %zu of %zu refused",
				      pos, len);
			}
		}
	}
	/* Memory past len is not looked at: a bad byte there is ignored. */
	memset(buf, 'a', sizeof buf);
	buf[16] = (char)0xFF;
	CHECK(utf8_valid(buf, 16), "utf8_valid: byte past len was read");
	CHECK(!utf8_valid(buf, 17), "utf8_valid: 0xFF at 16 accepted");
}

static void test_utf8_valid_large(void **state)
{
	(void)state;
	size_t len = 4u << 20;
	char *big = malloc(len);
	assert_non_null(big);

	memset(big, 'x', len);
	assert_true(utf8_valid(big, len));
	/* A mixture: "中" (3 bytes) and ASCII, repeated. */
	for (size_t i = 0; i + 4 <= len; i += 4)
		memcpy(big + i, "\xE4\xB8\xAD" "a", 4);
	assert_true(utf8_valid(big, len));
	assert_int_equal(utf8_length(big, len), len / 2);
	big[len - 2] = (char)0xC0;
	assert_false(utf8_valid(big, len));
	free(big);
}

static void test_utf8_length(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		size_t n;
	} cases[] = {
		{ "", 0 },
		{ "abc", 3 },
		{ "中文", 2 },
		{ "依申请公开abc", 8 },
		{ "😀", 1 },
		{ "é", 1 },
		{ "a\xC2\x80" "b", 3 },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		size_t n = utf8_length(cases[i].s, strlen(cases[i].s));
		CHECK(n == cases[i].n, "utf8_length(%s): expected %zu, got %zu",
		      shows(cases[i].s), cases[i].n, n);
	}
}

/* ---- form_parse ------------------------------------------------------- */

/* Fields as "name=value|name=value" with values shown as is. */
static const char *fields_show(const struct fields *f)
{
	static char buf[1024];
	size_t o = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < f->count && o < sizeof buf - 1; i++)
		o += (size_t)snprintf(buf + o, sizeof buf - o, "%s%s=%s",
				      i ? "|" : "", f->items[i].name,
				      f->items[i].value);
	return buf;
}

struct form_case {
	const char *in;
	enum parse_error err;
	const char *fields;	/* fields_show() of the result */
};

static const struct form_case form_cases[] = {
	{ "", PARSE_OK, "" },
	{ "a=1", PARSE_OK, "a=1" },
	{ "a=1&b=2", PARSE_OK, "a=1|b=2" },
	{ "a=1&&b=2", PARSE_OK, "a=1|b=2" },
	{ "&a=1&", PARSE_OK, "a=1" },
	{ "&&&", PARSE_OK, "" },
	{ "a", PARSE_OK, "a=" },
	{ "a=", PARSE_OK, "a=" },
	{ "a&b", PARSE_OK, "a=|b=" },
	{ "=x", PARSE_OK, "=x" },
	{ "a=1=2", PARSE_OK, "a=1=2" },
	{ "a=1;b=2", PARSE_OK, "a=1;b=2" },	/* ';' is no separator */
	{ "q=hello+world", PARSE_OK, "q=hello world" },
	{ "q=a%2Bb", PARSE_OK, "q=a+b" },
	{ "q=a%26b%3Dc", PARSE_OK, "q=a&b=c" },
	{ "first+name=x", PARSE_OK, "first name=x" },
	{ "%E5%A7%93%E5%90%8D=%E5%BC%A0%E4%B8%89", PARSE_OK, "姓名=张三" },
	{ "name=张三", PARSE_OK, "name=张三" },
	{ "k=1&k=2&j=x&k=3", PARSE_OK, "k=1|k=2|j=x|k=3" },
	{ "a=%zz", PARSE_BAD_ESCAPE, NULL },
	{ "a=1&b=%", PARSE_BAD_ESCAPE, NULL },
	{ "%g0=1", PARSE_BAD_ESCAPE, NULL },
	{ "a=%00", PARSE_NUL, NULL },
	{ "a%00=1", PARSE_NUL, NULL },
	{ "a=%C0%AF", PARSE_BAD_UTF8, NULL },
	{ "%C0%AF=1", PARSE_BAD_UTF8, NULL },
	{ "a=%ED%A0%80", PARSE_BAD_UTF8, NULL },
	{ "a=%F4%90%80%80", PARSE_BAD_UTF8, NULL },
	{ "a=%E4%B8", PARSE_BAD_UTF8, NULL },
};

static void test_form_parse_table(void **state)
{
	struct arena *a = *state;

	for (size_t i = 0; i < ARRAY_LEN(form_cases); i++) {
		const struct form_case *c = &form_cases[i];
		struct fields f = { 0 };
		enum parse_error e = form_parse(a, c->in, strlen(c->in),
						&form_limits_default, &f);

		CHECK(e == c->err, "form_parse(%s): expected %s, got %s",
		      shows(c->in), parse_error_str(c->err),
		      parse_error_str(e));
		if (c->err != PARSE_OK)
			continue;
		const char *got = fields_show(&f);
		CHECK(strcmp(got, c->fields) == 0,
		      "form_parse(%s): expected %s, got %s", shows(c->in),
		      shows(c->fields), shows(got));
		for (size_t j = 0; j < f.count; j++)
			CHECK(f.items[j].value_len == strlen(f.items[j].value),
			      "form_parse(%s): field %zu value_len %zu, "
			      "strlen %zu", shows(c->in), j,
			      f.items[j].value_len, strlen(f.items[j].value));
	}
}

static void test_form_parse_repeated(void **state)
{
	struct arena *a = *state;
	struct fields f = { 0 };
	const char *in = "topic=a&other=1&topic=b&topic=c";
	const char *vals[8];

	assert_int_equal(form_parse(a, in, strlen(in), NULL, &f), PARSE_OK);
	assert_int_equal(f.count, 4);
	assert_string_equal(fields_get(&f, "topic"), "a");
	assert_string_equal(fields_get(&f, "other"), "1");
	assert_null(fields_get(&f, "missing"));
	assert_null(fields_get(&f, "topi"));

	assert_int_equal(fields_get_all(&f, "topic", vals, 8), 3);
	assert_string_equal(vals[0], "a");
	assert_string_equal(vals[1], "b");
	assert_string_equal(vals[2], "c");

	/* Fewer slots than values: the count is still the full count. */
	vals[1] = "untouched";
	assert_int_equal(fields_get_all(&f, "topic", vals, 1), 3);
	assert_string_equal(vals[0], "a");
	assert_string_equal(vals[1], "untouched");
	assert_int_equal(fields_get_all(&f, "topic", NULL, 0), 3);
	assert_int_equal(fields_get_all(&f, "missing", vals, 8), 0);
}

/* Appending: a second call adds after the first, under the same limit. */
static void test_form_parse_appends(void **state)
{
	struct arena *a = *state;
	struct fields f = { 0 };
	const struct form_limits lim = { 3, 100, 100 };

	assert_int_equal(form_parse(a, "a=1&b=2", 7, &lim, &f), PARSE_OK);
	assert_int_equal(form_parse(a, "c=3", 3, &lim, &f), PARSE_OK);
	assert_string_equal(fields_show(&f), "a=1|b=2|c=3");
	assert_int_equal(form_parse(a, "d=4", 3, &lim, &f),
			 PARSE_TOO_MANY_FIELDS);
	assert_int_equal(f.count, 3);
}

/* "k0=v&k1=v&…" with n fields, in a malloc'd buffer. */
static char *many_fields(size_t n, size_t *len)
{
	char *s = malloc(n * 16 + 1);
	size_t o = 0;

	assert_non_null(s);
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(s + o, "%sk%zu=v%zu", i ? "&" : "", i, i);
	*len = o;
	return s;
}

static void test_form_parse_field_count(void **state)
{
	struct arena *a = *state;
	const struct form_limits lim = { 200, 100, 64 * 1024 };
	size_t len;
	char *s;
	struct fields f = { 0 };
	struct timespec t0;

	/* Exactly at the limit: accepted. */
	s = many_fields(200, &len);
	assert_int_equal(form_parse(a, s, len, &lim, &f), PARSE_OK);
	assert_int_equal(f.count, 200);
	assert_string_equal(fields_get(&f, "k199"), "v199");
	free(s);

	/* One more: refused. */
	s = many_fields(201, &len);
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s, len, &lim, &f),
			 PARSE_TOO_MANY_FIELDS);
	free(s);

	/* 10,000 fields against 200: refused, and without parsing them all. */
	s = many_fields(10000, &len);
	f = (struct fields){ 0 };
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(form_parse(a, s, len, &lim, &f),
			 PARSE_TOO_MANY_FIELDS);
	CHECK(f.count <= 200, "10,000 fields, limit 200: expected at most "
	      "200 kept, got %zu", f.count);
	free(s);

	/* 10,000 fields under a limit that allows them: all kept, in order,
	 * quickly (no quadratic growth). */
	const struct form_limits big = { 10000, 100, 64 * 1024 };
	s = many_fields(10000, &len);
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s, len, &big, &f), PARSE_OK);
	assert_int_equal(f.count, 10000);
	for (size_t i = 0; i < f.count; i += 997) {
		char want[32];
		snprintf(want, sizeof want, "k%zu", i);
		assert_string_equal(f.items[i].name, want);
	}
	assert_string_equal(fields_get(&f, "k9999"), "v9999");
	free(s);
	double secs = seconds_since(&t0);
	CHECK(secs < 2.0, "10,000 fields took %.3f s, expected well under 2 s",
	      secs);
}

static void test_form_parse_field_length(void **state)
{
	struct arena *a = *state;
	const struct form_limits lim = { 200, 100, 64 * 1024 };
	size_t big_len = 1u << 20;
	char *s = malloc(big_len + 3);
	struct fields f = { 0 };
	struct timespec t0;

	assert_non_null(s);

	/* A 1 MB value against 64 KiB: refused, quickly. */
	memcpy(s, "v=", 2);
	memset(s + 2, 'x', big_len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(form_parse(a, s, big_len + 2, &lim, &f),
			 PARSE_FIELD_TOO_LONG);
	double secs = seconds_since(&t0);
	CHECK(secs < 1.0, "1 MB value took %.3f s", secs);
	assert_int_equal(f.count, 0);

	/* Exactly 64 KiB: accepted; one byte more: refused. */
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s, 2 + 64 * 1024, &lim, &f), PARSE_OK);
	assert_int_equal(f.items[0].value_len, 64 * 1024);
	assert_int_equal(strlen(f.items[0].value), 64 * 1024);
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s, 2 + 64 * 1024 + 1, &lim, &f),
			 PARSE_FIELD_TOO_LONG);

	/* The limit is on the decoded length: 64 Ki escapes "%41" decode to
	 * 64 KiB and pass, though the raw text is three times longer. */
	size_t n = 64 * 1024;
	for (size_t i = 0; i < n; i++)
		memcpy(s + 2 + 3 * i, "%41", 3);
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s, 2 + 3 * n, &lim, &f), PARSE_OK);
	assert_int_equal(f.items[0].value_len, n);
	assert_int_equal(f.items[0].value[n - 1], 'A');
	f = (struct fields){ 0 };
	memcpy(s + 2 + 3 * n, "%41", 3);
	assert_int_equal(form_parse(a, s, 2 + 3 * (n + 1), &lim, &f),
			 PARSE_FIELD_TOO_LONG);

	/* Names: 100 bytes pass, 101 do not; decoded length counts. */
	memset(s, 'n', 101);
	s[101] = '=';
	s[102] = '1';
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s + 1, 102, &lim, &f), PARSE_OK);
	assert_int_equal(strlen(f.items[0].name), 100);
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s, 103, &lim, &f),
			 PARSE_FIELD_TOO_LONG);
	for (size_t i = 0; i < 100; i++)
		memcpy(s + 3 * i, "%6E", 3);
	memcpy(s + 300, "=1", 2);
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s, 302, &lim, &f), PARSE_OK);
	assert_int_equal(strlen(f.items[0].name), 100);

	/* A name without '=' is limited as a name. */
	memset(s, 'n', 101);
	f = (struct fields){ 0 };
	assert_int_equal(form_parse(a, s, 101, &lim, &f),
			 PARSE_FIELD_TOO_LONG);
	free(s);
}

static void test_form_parse_zero_limits(void **state)
{
	struct arena *a = *state;
	const struct form_limits none = { 0, 0, 0 };
	struct fields f = { 0 };

	assert_int_equal(form_parse(a, "", 0, &none, &f), PARSE_OK);
	assert_int_equal(form_parse(a, "&&", 2, &none, &f), PARSE_OK);
	assert_int_equal(form_parse(a, "a", 1, &none, &f),
			 PARSE_TOO_MANY_FIELDS);
	const struct form_limits short_values = { 10, 5, 0 };
	assert_int_equal(form_parse(a, "a=&b", 4, &short_values, &f), PARSE_OK);
	assert_int_equal(f.count, 2);
	assert_int_equal(form_parse(a, "c=1", 3, &short_values, &f),
			 PARSE_FIELD_TOO_LONG);
}

/* ---- fields_add ------------------------------------------------------- */

static void test_fields_add(void **state)
{
	struct arena *a = *state;
	struct fields f = { 0 };
	char name[32], value[32];

	for (size_t i = 0; i < 1000; i++) {
		snprintf(name, sizeof name, "n%zu", i % 10);
		snprintf(value, sizeof value, "v%zu", i);
		fields_add(a, &f, name, value, strlen(value));
	}
	/* The strings were copied: overwriting the sources changes nothing. */
	memset(name, 'X', sizeof name - 1);
	memset(value, 'X', sizeof value - 1);

	assert_int_equal(f.count, 1000);
	assert_true(f.cap >= 1000);
	for (size_t i = 0; i < 1000; i++) {
		char want_name[32], want_value[32];
		snprintf(want_name, sizeof want_name, "n%zu", i % 10);
		snprintf(want_value, sizeof want_value, "v%zu", i);
		CHECK(strcmp(f.items[i].name, want_name) == 0 &&
		      strcmp(f.items[i].value, want_value) == 0 &&
		      f.items[i].value_len == strlen(want_value),
		      "fields_add item %zu: expected %s=%s, got %s=%s", i,
		      want_name, want_value, f.items[i].name,
		      f.items[i].value);
	}
	assert_string_equal(fields_get(&f, "n3"), "v3");
	const char *vals[200];
	assert_int_equal(fields_get_all(&f, "n7", vals, 200), 100);
	assert_string_equal(vals[99], "v997");

	/* A value with an embedded NUL keeps its length; NULL means "". */
	fields_add(a, &f, "bin", "a\0b", 3);
	assert_int_equal(f.items[1000].value_len, 3);
	assert_memory_equal(f.items[1000].value, "a\0b", 4);
	fields_add(a, &f, "none", NULL, 7);
	assert_string_equal(fields_get(&f, "none"), "");
	assert_int_equal(f.items[1001].value_len, 0);
}

/* ---- cookies_parse ---------------------------------------------------- */

struct cookie_case {
	const char *header;
	const char *fields;	/* fields_show() of the result */
};

static const struct cookie_case cookie_cases[] = {
	{ "", "" },
	{ "   ", "" },
	{ ";", "" },
	{ "a=1", "a=1" },
	{ "a=1; b=2", "a=1|b=2" },
	{ "a=1;b=2", "a=1|b=2" },
	{ "  a = 1 ;\tb=2\t ", "a=1|b=2" },
	{ "a=1;; ;b=2", "a=1|b=2" },
	{ "a=1; a=2", "a=1|a=2" },
	{ "a=", "a=" },
	{ "a=\"quoted\"", "a=quoted" },
	{ "a=\"\"", "a=" },
	{ "a=\"x y\"; b=2", "a=x y|b=2" },
	{ "a=x=y", "a=x=y" },
	{ "sid=abc.DEF-ghi_123~", "sid=abc.DEF-ghi_123~" },
	{ "lang=zh-CN; theme=dark", "lang=zh-CN|theme=dark" },
	{ "a=%E4%B8%AD", "a=%E4%B8%AD" },	/* no percent-decoding */
	{ "名=中文", "" },			/* a name must be a token */
	{ "a=中文", "a=中文" },
	/* Malformed pairs are skipped, the others kept. */
	{ "novalue; a=1", "a=1" },
	{ "=1; a=2", "a=2" },
	{ " =1", "" },
	{ "a b=1; c=2", "c=2" },
	{ "a\"=1; c=2", "c=2" },
	{ "a(=1; c=2", "c=2" },
	{ "a=\"unbalanced; c=2", "c=2" },
	{ "a=\"; c=2", "c=2" },
	{ "a=x\x01y; c=2", "c=2" },
	{ "a=x\x7Fy; c=2", "c=2" },
	{ "a=\xC0\xAF; c=2", "c=2" },
	{ "a=\xE4\xB8; c=2", "c=2" },
};

static void test_cookies_table(void **state)
{
	struct arena *a = *state;

	for (size_t i = 0; i < ARRAY_LEN(cookie_cases); i++) {
		const struct cookie_case *c = &cookie_cases[i];
		struct fields f = { 0 };

		cookies_parse(a, c->header, &f);
		const char *got = fields_show(&f);
		CHECK(strcmp(got, c->fields) == 0,
		      "cookies_parse(%s): expected %s, got %s",
		      shows(c->header), shows(c->fields), shows(got));
		for (size_t j = 0; j < f.count; j++)
			CHECK(f.items[j].value_len == strlen(f.items[j].value),
			      "cookies_parse(%s): bad value_len in field %zu",
			      shows(c->header), j);
	}
}

static void test_cookies_null_and_append(void **state)
{
	struct arena *a = *state;
	struct fields f = { 0 };

	cookies_parse(a, NULL, &f);
	assert_int_equal(f.count, 0);
	cookies_parse(a, "a=1", &f);
	cookies_parse(a, "b=2", &f);
	assert_string_equal(fields_show(&f), "a=1|b=2");
	assert_string_equal(fields_get(&f, "b"), "2");
}

/* ---- path_decode ------------------------------------------------------ */

struct path_case {
	const char *raw;
	size_t len;		/* 0: strlen(raw) */
	enum parse_error err;
	const char *out;
};

static const struct path_case path_cases[] = {
	{ "/", 0, PARSE_OK, "/" },
	{ "/status", 0, PARSE_OK, "/status" },
	{ "/status/", 0, PARSE_OK, "/status/" },
	{ "/api/v1/x", 0, PARSE_OK, "/api/v1/x" },
	{ "/api/v1/requests/42/accept", 0, PARSE_OK,
	  "/api/v1/requests/42/accept" },
	{ "/a%20b", 0, PARSE_OK, "/a b" },
	{ "/a+b", 0, PARSE_OK, "/a+b" },
	{ "/a%2Bb", 0, PARSE_OK, "/a+b" },
	{ "/%E4%B8%AD%E6%96%87", 0, PARSE_OK, "/中文" },
	{ "/中文", 0, PARSE_OK, "/中文" },
	{ "/a.b", 0, PARSE_OK, "/a.b" },
	{ "/.well-known/x", 0, PARSE_OK, "/.well-known/x" },
	{ "/..a/b..", 0, PARSE_OK, "/..a/b.." },
	{ "/a/.../b", 0, PARSE_OK, "/a/.../b" },
	{ "/%3F%23", 0, PARSE_OK, "/?#" },
	{ "/a?b", 2, PARSE_OK, "/a" },	/* only len bytes are read */
	/* No leading slash. */
	{ "", 0, PARSE_BAD_PATH, NULL },
	{ "a", 0, PARSE_BAD_PATH, NULL },
	{ "a/b", 0, PARSE_BAD_PATH, NULL },
	{ "%2Fa", 0, PARSE_BAD_PATH, NULL },
	{ "http://x/", 0, PARSE_BAD_PATH, NULL },
	/* Empty and dot segments, raw or encoded. */
	{ "//", 0, PARSE_BAD_PATH, NULL },
	{ "//a", 0, PARSE_BAD_PATH, NULL },
	{ "/a//b", 0, PARSE_BAD_PATH, NULL },
	{ "/a//", 0, PARSE_BAD_PATH, NULL },
	{ "/.", 0, PARSE_BAD_PATH, NULL },
	{ "/..", 0, PARSE_BAD_PATH, NULL },
	{ "/./a", 0, PARSE_BAD_PATH, NULL },
	{ "/a/./b", 0, PARSE_BAD_PATH, NULL },
	{ "/a/../b", 0, PARSE_BAD_PATH, NULL },
	{ "/a/..", 0, PARSE_BAD_PATH, NULL },
	{ "/a/../", 0, PARSE_BAD_PATH, NULL },
	{ "/a/.", 0, PARSE_BAD_PATH, NULL },
	{ "/a/%2e%2e/b", 0, PARSE_BAD_PATH, NULL },
	{ "/a/%2E%2E/b", 0, PARSE_BAD_PATH, NULL },
	{ "/a/.%2e", 0, PARSE_BAD_PATH, NULL },
	{ "/%2e/a", 0, PARSE_BAD_PATH, NULL },
	/* Encoded slashes. */
	{ "/a%2Fb", 0, PARSE_BAD_PATH, NULL },
	{ "/a%2fb", 0, PARSE_BAD_PATH, NULL },
	{ "/..%2Fetc", 0, PARSE_BAD_PATH, NULL },
	/* Control characters, raw or encoded. */
	{ "/a%0Ab", 0, PARSE_BAD_PATH, NULL },
	{ "/a%0D%0ASet-Cookie:x", 0, PARSE_BAD_PATH, NULL },
	{ "/a\tb", 0, PARSE_BAD_PATH, NULL },
	{ "/a%7F", 0, PARSE_BAD_PATH, NULL },
	/* NUL. */
	{ "/%00", 0, PARSE_NUL, NULL },
	{ "/a%00.html", 0, PARSE_NUL, NULL },
	{ "/a\0b", 4, PARSE_NUL, NULL },
	/* Escapes and UTF-8. */
	{ "/%zz", 0, PARSE_BAD_ESCAPE, NULL },
	{ "/a%", 0, PARSE_BAD_ESCAPE, NULL },
	{ "/a%2", 0, PARSE_BAD_ESCAPE, NULL },
	{ "/%C0%AF", 0, PARSE_BAD_UTF8, NULL },
	{ "/%C0%AE%C0%AE/x", 0, PARSE_BAD_UTF8, NULL },
	{ "/%E0%80%AF", 0, PARSE_BAD_UTF8, NULL },
	{ "/%ED%A0%80", 0, PARSE_BAD_UTF8, NULL },
	{ "/%F4%90%80%80", 0, PARSE_BAD_UTF8, NULL },
	{ "/\xFF", 0, PARSE_BAD_UTF8, NULL },
	{ "/\xE4\xB8", 0, PARSE_BAD_UTF8, NULL },
};

static void test_path_decode_table(void **state)
{
	struct arena *a = *state;

	for (size_t i = 0; i < ARRAY_LEN(path_cases); i++) {
		const struct path_case *c = &path_cases[i];
		size_t len = c->len ? c->len : strlen(c->raw);
		char *out = NULL;
		enum parse_error e = path_decode(a, c->raw, len, &out);

		CHECK(e == c->err, "path_decode(%s): expected %s, got %s",
		      show(c->raw, len), parse_error_str(c->err),
		      parse_error_str(e));
		if (c->err == PARSE_OK)
			CHECK(out && strcmp(out, c->out) == 0,
			      "path_decode(%s): expected %s, got %s",
			      show(c->raw, len), shows(c->out), shows(out));
	}
	char *out = NULL;
	assert_int_equal(path_decode(a, NULL, 0, &out), PARSE_BAD_PATH);
}

/* ---- redirect_target_safe -------------------------------------------- */

static void test_redirect_target_safe(void **state)
{
	(void)state;
	static const struct {
		const char *target;
		bool safe;
	} cases[] = {
		{ "/", true },
		{ "/requests/123", true },
		{ "/staff/requests?status=open&page=2", true },
		{ "/a#section", true },
		{ "/a/b/", true },
		{ "/中文", true },
		{ "/a%2F%2Fb", true },	/* stays a path: browsers keep %2F */
		{ "", false },
		{ "requests", false },
		{ "//evil.example", false },
		{ "///evil.example", false },
		{ "/\\evil.example", false },
		{ "\\/evil.example", false },
		{ "/a\\b", false },
		{ "http://evil.example/", false },
		{ "https:/evil.example", false },
		{ "javascript:alert(1)", false },
		{ " /a", false },
		{ "/a\r\nSet-Cookie: x=1", false },
		{ "/a\nb", false },
		{ "/\t/evil.example", false },
		{ "/a\x7F", false },
		{ "/a\x1B", false },
		{ "/\xC0\xAF", false },
	};

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		bool s = redirect_target_safe(cases[i].target);
		CHECK(s == cases[i].safe,
		      "redirect_target_safe(%s): expected %s, got %s",
		      shows(cases[i].target), cases[i].safe ? "true" : "false",
		      s ? "true" : "false");
	}
	assert_false(redirect_target_safe(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, arena_setup, arena_teardown)
		T(test_error_str),
		T(test_pct_decode_table),
		T(test_pct_decode_null_out_len),
		T(test_pct_decode_all_bytes),
		T(test_utf8_valid_table),
		T(test_utf8_valid_every_offset),
		T(test_utf8_valid_large),
		T(test_utf8_length),
		T(test_form_parse_table),
		T(test_form_parse_repeated),
		T(test_form_parse_appends),
		T(test_form_parse_field_count),
		T(test_form_parse_field_length),
		T(test_form_parse_zero_limits),
		T(test_fields_add),
		T(test_cookies_table),
		T(test_cookies_null_and_append),
		T(test_path_decode_table),
		T(test_redirect_target_safe),
#undef T
	};
	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
