/* mail: the message mail_format writes (RFC 2047 subject, base64 body,
 * multipart with an RFC 2231 file name, CRLF lines of at most 998
 * characters, header injection refused) and, when YSQGK_TEST_SMTP_URL
 * names a relay (tests/e2e/test_mail_transport.py starts one), smtp_send
 * to it. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <sodium.h>
#include <unistr.h>

#include "lib/mail.h"

/* The same texts as tests/e2e/test_mail_transport.py. */
#define SUBJECT "关于2026年政府信息公开申请的答复通知 GOV-2026-000123"
#define FROM_NAME "某某市人民政府办公室"
#define BODY "张三：\n\n您于2026年11月20日提出的政府信息公开申请（GOV-2026-000123）已答复，" \
	     "答复书见附件。\n.\n.这一行以句点开头。\n此致\n某某市人民政府办公室\n"
#define FILENAME "政府信息公开申请答复书（GOV-2026-000123）.pdf"
#define ATTACHMENT_REPEAT 40

static unsigned char attachment_bytes[9 + 256 * ATTACHMENT_REPEAT];

static void fill_attachment(void)
{
	memcpy(attachment_bytes, "%PDF-1.4\n", 9);
	for (size_t i = 0; i < 256 * ATTACHMENT_REPEAT; i++)
		attachment_bytes[9 + i] = (unsigned char)(i % 256);
}

static const struct mail_attachment attachment = {
	.filename = FILENAME,
	.content_type = "application/pdf",
	.data = attachment_bytes,
	.len = sizeof attachment_bytes,
};

static struct mail sample(const char *message_id, bool with_attachment)
{
	return (struct mail){
		.from = "ysqgk@agency.gov.cn",
		.from_name = FROM_NAME,
		.to = "zhang.san@example.cn",
		.reply_to = "xinxi@agency.gov.cn",
		.subject = SUBJECT,
		.body = BODY,
		.message_id = message_id,
		.date = 1796601600,	/* 2026-12-07 00:00:00 UTC */
		.attachment = with_attachment ? &attachment : NULL,
	};
}

/* ---- helpers reading the message back -------------------------------------- */

/* The header's value, unfolded (CRLF SP removed), malloc'd; NULL if absent. */
static char *header(const char *msg, const char *name)
{
	size_t nlen = strlen(name);
	const char *end_of_headers = strstr(msg, "\r\n\r\n");
	for (const char *p = msg; p && p < end_of_headers; p = strstr(p, "\r\n"), p = p ? p + 2 : p) {
		if (strncmp(p, name, nlen) != 0 || p[nlen] != ':')
			continue;
		const char *v = p + nlen + 1;
		while (*v == ' ')
			v++;
		char *out = malloc(strlen(v) + 1);
		size_t n = 0;
		for (; *v; v++) {
			if (v[0] == '\r' && v[1] == '\n') {
				if (v[2] != ' ' && v[2] != '\t')
					break;
				v++;	/* unfolding drops CRLF, keeps the space */
				continue;
			}
			out[n++] = *v;
		}
		out[n] = '\0';
		return out;
	}
	return NULL;
}

static size_t base64_decode(unsigned char *out, size_t cap, const char *b64, size_t len)
{
	size_t n = 0;
	assert_int_equal(sodium_base642bin(out, cap, b64, len, "\r\n", &n, NULL,
					   sodium_base64_VARIANT_ORIGINAL), 0);
	return n;
}

/* Decodes a value made of encoded-words (separated by folding only),
 * checking each word: at most 75 characters, whole UTF-8 characters. */
static void decode_words(const char *value, char *out, size_t cap)
{
	size_t n = 0;
	const char *p = value;
	while (*p) {
		while (*p == ' ')	/* whitespace between words is not text */
			p++;
		assert_memory_equal(p, "=?UTF-8?B?", 10);
		const char *end = strstr(p + 10, "?=");
		assert_non_null(end);
		size_t word_len = (size_t)(end + 2 - p);
		assert_true(word_len <= 75);
		unsigned char chunk[64];
		size_t k = base64_decode(chunk, sizeof chunk, p + 10, (size_t)(end - p - 10));
		assert_null(u8_check(chunk, k));	/* no character split across words */
		assert_true(n + k < cap);
		memcpy(out + n, chunk, k);
		n += k;
		p = end + 2;
	}
	out[n] = '\0';
}

/* The lines of the part that starts at `part` (its headers, a blank line,
 * base64 lines) decoded, up to the next boundary or the end. */
static size_t decode_part_body(const char *part, unsigned char *out, size_t cap)
{
	const char *start = strstr(part, "\r\n\r\n");
	assert_non_null(start);
	start += 4;
	const char *end = strstr(start, "\r\n--");
	size_t len = end ? (size_t)(end - start + 2) : strlen(start);
	return base64_decode(out, cap, start, len);
}

/* Every line ends CRLF, none is longer than 998 characters (RFC 5322
 * §2.1.1: in fact none is longer than 78) or starts with a dot. */
static void assert_lines_sound(const struct buf *b)
{
	assert_true(b->len >= 2);
	assert_memory_equal(b->data + b->len - 2, "\r\n", 2);
	size_t start = 0;
	for (size_t i = 0; i < b->len; i++) {
		if (b->data[i] == '\n') {
			assert_true(i > 0 && b->data[i - 1] == '\r');
			assert_true(i - 1 - start <= 78);
			assert_true(b->data[start] != '.');
			start = i + 1;
		} else if (b->data[i] == '\r') {
			assert_true(i + 1 < b->len && b->data[i + 1] == '\n');
		}
	}
}

/* ---- mail_format -------------------------------------------------------------- */

static void test_subject_encoded_words(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct mail m = sample("notice-1@ysqgk.test", false);
	assert_true(mail_format(&b, &m));
	/* the raw header: folded, every line holding a word at most 76 long */
	const char *raw = strstr(b.data, "\r\nSubject: ") + 2;
	assert_non_null(strstr(raw, "\r\n =?UTF-8?B?"));
	char *subject = header(b.data, "Subject");
	char decoded[512];
	decode_words(subject, decoded, sizeof decoded);
	assert_string_equal(decoded, SUBJECT);
	free(subject);

	char *from = header(b.data, "From");
	char *angle = strstr(from, " <ysqgk@agency.gov.cn>");
	assert_non_null(angle);
	assert_string_equal(angle, " <ysqgk@agency.gov.cn>");
	*angle = '\0';
	decode_words(from, decoded, sizeof decoded);
	assert_string_equal(decoded, FROM_NAME);
	free(from);
	assert_lines_sound(&b);
	buf_free(&b);
}

/* Subjects of every length, with 1- to 4-byte characters: no word ever
 * splits a character or passes 75, and the text comes back whole. */
static void test_subject_lengths(void **state)
{
	(void)state;
	static const char *const pieces[] = { "a", "é", "公", "😀" };
	char subject[600];
	for (size_t len = 0; len < 120; len++) {
		subject[0] = '\0';
		for (size_t i = 0; i < len; i++)
			strcat(subject, pieces[(i * 7 + len) % 4]);
		struct buf b = BUF_INIT;
		struct mail m = sample("lengths@ysqgk.test", false);
		m.subject = subject;
		assert_true(mail_format(&b, &m));
		char *value = header(b.data, "Subject");
		char decoded[600];
		decode_words(value, decoded, sizeof decoded);
		assert_string_equal(decoded, subject);
		assert_lines_sound(&b);
		free(value);
		buf_free(&b);
	}
}

static void test_headers(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct mail m = sample("notice-1@ysqgk.test", false);
	assert_true(mail_format(&b, &m));
	assert_memory_equal(b.data, "Date: Mon, 07 Dec 2026 08:00:00 +0800\r\n", 39);
	char *v;
	assert_string_equal(v = header(b.data, "To"), "zhang.san@example.cn"); free(v);
	assert_string_equal(v = header(b.data, "Reply-To"), "xinxi@agency.gov.cn"); free(v);
	assert_string_equal(v = header(b.data, "Message-ID"), "<notice-1@ysqgk.test>"); free(v);
	assert_string_equal(v = header(b.data, "MIME-Version"), "1.0"); free(v);
	assert_string_equal(v = header(b.data, "Content-Type"), "text/plain; charset=UTF-8"); free(v);
	assert_string_equal(v = header(b.data, "Content-Transfer-Encoding"), "base64"); free(v);
	buf_free(&b);

	m.reply_to = NULL;
	m.from_name = NULL;
	assert_true(mail_format(&b, &m));
	assert_null(header(b.data, "Reply-To"));
	assert_string_equal(v = header(b.data, "From"), "ysqgk@agency.gov.cn"); free(v);
	buf_free(&b);
}

static void test_body_round_trip(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct mail m = sample("notice-1@ysqgk.test", false);
	assert_true(mail_format(&b, &m));
	assert_lines_sound(&b);
	unsigned char body[1024];
	size_t n = decode_part_body(b.data, body, sizeof body - 1);
	body[n] = '\0';
	/* BODY with CRLF line ends */
	struct buf want = BUF_INIT;
	for (const char *p = BODY; *p; p++)
		buf_puts(&want, *p == '\n' ? "\r\n" : (char[]){ *p, 0 });
	assert_int_equal(n, want.len);
	assert_memory_equal(body, want.data, n);
	/* base64 lines of 76 */
	const char *first = strstr(b.data, "\r\n\r\n") + 4;
	assert_int_equal(strchr(first, '\r') - first, 76);
	buf_free(&want);
	buf_free(&b);
}

static void test_header_injection_refused(void **state)
{
	(void)state;
	static const char *const bad[] = { "x\r\nBcc: victim@example.cn", "x\nBcc: a@b", "x\r" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		for (int field = 0; field < 7; field++) {
			struct mail m = sample("notice-1@ysqgk.test", true);
			struct mail_attachment a = attachment;
			m.attachment = &a;
			switch (field) {
			case 0: m.subject = bad[i]; break;
			case 1: m.from_name = bad[i]; break;
			case 2: m.from = bad[i]; break;
			case 3: m.to = bad[i]; break;
			case 4: m.reply_to = bad[i]; break;
			case 5: m.message_id = bad[i]; break;
			case 6: a.filename = bad[i]; break;
			}
			struct buf b = BUF_INIT;
			assert_false(mail_format(&b, &m));
			assert_int_equal(b.len, 0);
			buf_free(&b);
		}
	}
	/* an address list, brackets, a non-UTF-8 subject */
	struct buf b = BUF_INIT;
	struct mail m = sample("notice-1@ysqgk.test", false);
	m.to = "a@example.cn, b@example.cn";
	assert_false(mail_format(&b, &m));
	m = sample("notice-1@ysqgk.test", false);
	m.message_id = "<x@y>";
	assert_false(mail_format(&b, &m));
	m = sample("notice-1@ysqgk.test", false);
	m.subject = "\xe5\x85";
	assert_false(mail_format(&b, &m));
	char long_address[300];
	memset(long_address, 'a', sizeof long_address);
	memcpy(long_address + 250, "@b.cn", 6);	/* 255 characters */
	m = sample("notice-1@ysqgk.test", false);
	m.to = long_address;
	assert_false(mail_format(&b, &m));
	m = sample("notice-1@ysqgk.test", true);
	struct mail_attachment a = attachment;
	m.attachment = &a;
	a.content_type = NULL;
	assert_false(mail_format(&b, &m));
	a.content_type = "application/pdf\r\nBcc: x@y.cn";
	assert_false(mail_format(&b, &m));
	assert_int_equal(b.len, 0);
	buf_free(&b);
}

/* The boundary line of a multipart message's Content-Type. */
static char *boundary_of(const char *msg)
{
	char *ct = header(msg, "Content-Type");
	const char *prefix = "multipart/mixed; boundary=\"";
	assert_memory_equal(ct, prefix, strlen(prefix));
	char *line = malloc(strlen(ct) + 3);
	sprintf(line, "--%s", ct + strlen(prefix));
	line[strlen(line) - 1] = '\0';	/* the closing quote */
	free(ct);
	return line;
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;
	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* The file name of an RFC 2231 Content-Disposition, its continuations
 * joined; each continuation must hold whole UTF-8 characters. */
static void filename_2231(const char *disposition, char *out, size_t cap)
{
	size_t n = 0;
	for (const char *p = strstr(disposition, "filename*"); p; p = strstr(p + 1, "filename*")) {
		const char *v = strchr(p, '=') + 1;
		if (strncmp(v, "UTF-8''", 7) == 0)
			v += 7;
		size_t start = n;
		for (; *v && *v != ';'; v++) {
			unsigned int byte = (unsigned char)*v;
			if (*v == '%') {
				assert_int_equal(sscanf(v + 1, "%2x", &byte), 1);
				v += 2;
			}
			assert_true(n + 1 < cap);
			out[n++] = (char)byte;
		}
		assert_null(u8_check((const uint8_t *)out + start, n - start));
	}
	out[n] = '\0';
}

static void test_multipart_attachment(void **state)
{
	(void)state;
	struct buf b = BUF_INIT;
	struct mail m = sample("notice-2@ysqgk.test", true);
	assert_true(mail_format(&b, &m));
	assert_lines_sound(&b);
	char *delim = boundary_of(b.data);
	assert_memory_equal(delim, "--=_", 4);
	char line[128], close[128];
	snprintf(line, sizeof line, "\r\n%s\r\n", delim);
	snprintf(close, sizeof close, "\r\n%s--\r\n", delim);
	assert_int_equal(count(b.data, line), 2);
	assert_int_equal(count(b.data, close), 1);
	assert_string_equal(strstr(b.data, close), close);	/* it ends the message */

	/* the text part, then the attachment */
	const char *text = strstr(b.data, line) + strlen(line);
	assert_memory_equal(text, "Content-Type: text/plain; charset=UTF-8\r\n", 41);
	unsigned char body[1024];
	size_t n = decode_part_body(text, body, sizeof body);
	assert_memory_equal(body, "张三：\r\n\r\n", n < 12 ? n : 12);
	const char *att = strstr(text, line) + strlen(line);
	assert_memory_equal(att, "Content-Type: application/pdf\r\n", 31);
	char *disposition = header(att, "Content-Disposition");
	assert_non_null(disposition);
	assert_memory_equal(disposition, "attachment;", 11);
	/* 政 = E6 94 BF; （ = EF BC 88 */
	assert_non_null(strstr(disposition, "filename*0*=UTF-8''%E6%94%BF"));
	assert_non_null(strstr(disposition, "%EF%BC%88GOV-2026-000123%EF%BC%89.pdf"));
	char name[512];
	filename_2231(disposition, name, sizeof name);
	assert_string_equal(name, FILENAME);
	free(disposition);
	static unsigned char data[sizeof attachment_bytes + 16];
	n = decode_part_body(att, data, sizeof data);
	assert_int_equal(n, sizeof attachment_bytes);
	assert_memory_equal(data, attachment_bytes, n);

	/* the same message twice is the same bytes: the boundary is the Message-ID's */
	struct buf again = BUF_INIT;
	assert_true(mail_format(&again, &m));
	assert_int_equal(again.len, b.len);
	assert_memory_equal(again.data, b.data, b.len);
	buf_free(&again);
	free(delim);
	buf_free(&b);
}

static void test_filename_forms(void **state)
{
	(void)state;
	struct mail_attachment a = attachment;
	struct mail m = sample("notice-3@ysqgk.test", true);
	m.attachment = &a;
	struct buf b = BUF_INIT;
	a.filename = "答复书.pdf";	/* short: one parameter */
	assert_true(mail_format(&b, &m));
	assert_non_null(strstr(b.data, "Content-Disposition: attachment;\r\n"
				       " filename*=UTF-8''%E7%AD%94%E5%A4%8D%E4%B9%A6.pdf\r\n"));
	buf_reset(&b);
	a.filename = "reply 2026.pdf";	/* ASCII: quoted */
	assert_true(mail_format(&b, &m));
	assert_non_null(strstr(b.data, "Content-Type: application/pdf;\r\n name=\"reply 2026.pdf\"\r\n"));
	assert_non_null(strstr(b.data, "Content-Disposition: attachment;\r\n filename=\"reply 2026.pdf\"\r\n"));
	assert_lines_sound(&b);
	buf_free(&b);
}

/* ---- smtp_send against a real relay (tests/e2e/test_mail_transport.py) ------- */

static void print_result(const char *what, const struct smtp_result *r)
{
	printf("smtp_result %s accepted=%d permanent=%d reply=%s\n", what, r->accepted,
	       r->permanent, r->reply);
	fflush(stdout);
}

static void assert_result_is(const struct smtp_result *r, const char *expect)
{
	if (strcmp(expect, "accepted") == 0) {
		assert_true(r->accepted);
		assert_false(r->permanent);
	} else if (strcmp(expect, "temporary") == 0) {
		assert_false(r->accepted);
		assert_false(r->permanent);
	} else {
		assert_string_equal(expect, "permanent");
		assert_false(r->accepted);
		assert_true(r->permanent);
	}
	assert_true(r->reply[0] != '\0');
}

/* An envelope address that would smuggle an SMTP command is refused
 * before any connection (port 9 would answer "connection refused"). */
static void test_smtp_envelope_refused(void **state)
{
	(void)state;
	struct smtp_relay relay = { .url = "smtp://127.0.0.1:9", .timeout_ms = 2000 };
	static const char *const bad[] = { "a@b.cn>\r\nRCPT TO:<c@d.cn", "a@b.cn\n", "a b@c.cn",
					   "", "no-at-sign" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct smtp_result r;
		smtp_send(NULL, &relay, bad[i], "c@d.cn", "x\r\n", 3, &r);
		assert_false(r.accepted);
		assert_true(r.permanent);
		assert_string_equal(r.reply, "invalid envelope address or relay");
		smtp_send(NULL, &relay, "c@d.cn", bad[i], "x\r\n", 3, &r);
		assert_true(r.permanent);
		assert_string_equal(r.reply, "invalid envelope address or relay");
	}
	/* a good address reaches the (absent) server: not permanent */
	struct smtp_result r;
	smtp_send(NULL, &relay, "a@b.cn", "c@d.cn", "x\r\n", 3, &r);
	assert_false(r.accepted);
	assert_false(r.permanent);
	assert_string_not_equal(r.reply, "invalid envelope address or relay");
}

/* Two messages on one handle (the second with the attachment), then a
 * third with no handle of its own. YSQGK_TEST_SMTP_EXPECT says what the
 * relay answers: accepted (default), temporary, permanent; with
 * YSQGK_TEST_SMTP_PAUSE it waits for a line on stdin after the first. */
static void test_smtp_send(void **state)
{
	(void)state;
	const char *url = getenv("YSQGK_TEST_SMTP_URL");
	if (!url)
		skip();
	const char *expect = getenv("YSQGK_TEST_SMTP_EXPECT");
	struct smtp_relay relay = {
		.url = url,
		.user = getenv("YSQGK_TEST_SMTP_USER"),
		.password = getenv("YSQGK_TEST_SMTP_PASSWORD"),
		.timeout_ms = 10000,
	};
	static const char *const ids[] = { "notice-1.1@ysqgk.test", "notice-2.1@ysqgk.test",
					   "notice-3.1@ysqgk.test" };
	void *handle = smtp_handle_new();
	assert_non_null(handle);
	for (size_t i = 0; i < 3; i++) {
		struct mail m = sample(ids[i], i == 1);
		struct buf b = BUF_INIT;
		assert_true(mail_format(&b, &m));
		struct smtp_result r;
		smtp_send(i < 2 ? handle : NULL, &relay, m.from, m.to, b.data, b.len, &r);
		print_result(ids[i], &r);
		assert_result_is(&r, expect ? expect : "accepted");
		buf_free(&b);
		if (i == 0 && getenv("YSQGK_TEST_SMTP_PAUSE")) {
			/* the test restarts the relay, then says go on */
			printf("smtp_pause\n");
			fflush(stdout);
			char line[16];
			assert_non_null(fgets(line, sizeof line, stdin));
		}
	}
	smtp_handle_free(handle);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	mail_global_init();
	fill_attachment();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subject_encoded_words),
		cmocka_unit_test(test_subject_lengths),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_body_round_trip),
		cmocka_unit_test(test_header_injection_refused),
		cmocka_unit_test(test_multipart_attachment),
		cmocka_unit_test(test_filename_forms),
		cmocka_unit_test(test_smtp_envelope_refused),
		cmocka_unit_test(test_smtp_send),
	};
	/* Against a relay only the sending runs. */
	if (getenv("YSQGK_TEST_SMTP_URL"))
		cmocka_set_test_filter("test_smtp_send");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
