#include "lib/mail.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include <sodium.h>
#include <unistr.h>

#include "lib/buf.h"

#define LINE_GOAL	76	/* RFC 2047 §2: a line holding an encoded-word */
#define WORD_MAX	75	/* RFC 2047 §2: one encoded-word */
#define WORD_FRAME	12	/* "=?UTF-8?B?" and "?=" */
#define B64_LINE_BYTES	57	/* 76 base64 characters (RFC 2045 §6.8) */
#define PCT_SEGMENT	48	/* characters of a parameter value: lines stay within 76 */
#define FILENAME_MAX_BYTES 255
#define CONTENT_TYPE_MAX 60
#define DEFAULT_TIMEOUT_MS 30000L
#define ADDRESS_MAX	254	/* RFC 5321 §4.5.3.1.3: a path of 256 with its <> */

/* ---- checks on header values ---------------------------------------------- */

/* No CR or LF anywhere: a header value cannot start another header. */
static bool one_line(const char *s)
{
	return !s || !strpbrk(s, "\r\n");
}

static bool valid_utf8(const char *s)
{
	return !s || u8_check((const uint8_t *)s, strlen(s)) == NULL;
}

/* An addr-spec or a msg-id's inside: printable ASCII with an @, without
 * spaces, the brackets and the separators of an address list, at most
 * ADDRESS_MAX long. */
static bool plain_address(const char *s)
{
	if (!s || !*s || strlen(s) > ADDRESS_MAX || !strchr(s, '@'))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || strchr("<>,;\"()\\", *p))
			return false;
	return true;
}

static bool mail_valid(const struct mail *m)
{
	const char *texts[] = { m->from_name, m->subject };
	for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
		if (!one_line(texts[i]) || !valid_utf8(texts[i]))
			return false;
	if (!plain_address(m->from) || !plain_address(m->to) ||
	    (m->reply_to && !plain_address(m->reply_to)) || !plain_address(m->message_id))
		return false;
	const struct mail_attachment *a = m->attachment;
	if (!a)
		return true;
	if (a->filename && (!one_line(a->filename) || !valid_utf8(a->filename) ||
			    strlen(a->filename) > FILENAME_MAX_BYTES))
		return false;
	if (!a->content_type || !*a->content_type || strlen(a->content_type) > CONTENT_TYPE_MAX)
		return false;
	for (const unsigned char *p = (const unsigned char *)a->content_type; *p; p++)
		if (*p < ' ' || *p >= 0x7f)
			return false;
	return true;
}

/* ---- encodings ------------------------------------------------------------- */

/* data as base64 in lines of 76 characters, each ended by CRLF. */
static void put_base64_lines(struct buf *out, const void *data, size_t len)
{
	const unsigned char *p = data;
	char line[sodium_base64_ENCODED_LEN(B64_LINE_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	for (size_t i = 0; i < len; i += B64_LINE_BYTES) {
		size_t n = len - i < B64_LINE_BYTES ? len - i : B64_LINE_BYTES;
		sodium_bin2base64(line, sizeof line, p + i, n, sodium_base64_VARIANT_ORIGINAL);
		buf_puts(out, line);
		buf_puts(out, "\r\n");
	}
}

static void put_base64(struct buf *out, const void *data, size_t len)
{
	size_t size = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
	buf_reserve(out, size);
	sodium_bin2base64(out->data + out->len, size, data, len, sodium_base64_VARIANT_ORIGINAL);
	out->len += size - 1;
}

/* The bytes of whole UTF-8 characters from s that fit in max bytes. */
static size_t whole_chars(const char *s, size_t len, size_t max)
{
	size_t n = 0;
	while (n < len) {
		int k = u8_mblen((const uint8_t *)s + n, len - n);
		size_t step = k > 0 ? (size_t)k : 1;
		if (n + step > max)
			break;
		n += step;
	}
	return n;
}

/* text as RFC 2047 B encoded-words (UTF-8), starting after `used`
 * characters of the current line: each word at most 75 characters and
 * made of whole characters, a line at most 76, further words on
 * continuation lines (CRLF SP). Returns the length of the last line. */
static size_t put_encoded_words(struct buf *out, size_t used, const char *text)
{
	size_t len = strlen(text), i = 0;
	while (i < len) {
		size_t room = used < LINE_GOAL ? LINE_GOAL - used : 0;
		if (room > WORD_MAX)
			room = WORD_MAX;
		size_t max_bytes = room > WORD_FRAME ? (room - WORD_FRAME) / 4 * 3 : 0;
		size_t n = whole_chars(text + i, len - i, max_bytes);
		if (n == 0) {	/* not even one character fits: fold first */
			buf_puts(out, "\r\n ");
			used = 1;
			continue;
		}
		buf_puts(out, "=?UTF-8?B?");
		put_base64(out, text + i, n);
		buf_puts(out, "?=");
		used += WORD_FRAME + (n + 2) / 3 * 4;
		i += n;
		if (i < len) {
			buf_puts(out, "\r\n ");
			used = 1;
		}
	}
	return used;
}

/* An address with its display name: "=?UTF-8?B?…?= <addr>". */
static void put_address_header(struct buf *out, const char *name, const char *field,
			       const char *addr)
{
	buf_printf(out, "%s: ", name);
	if (!field || !*field) {
		buf_printf(out, "%s\r\n", addr);
		return;
	}
	size_t used = put_encoded_words(out, strlen(name) + 2, field);
	if (used + 3 + strlen(addr) > LINE_GOAL)
		buf_puts(out, "\r\n");
	buf_printf(out, " <%s>\r\n", addr);
}

/* RFC 5322 §3.3, in Beijing time (UTC+8 all year). */
static void put_date(struct buf *out, time_t t)
{
	static const char days[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char months[12][4] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t beijing = t + 8 * 3600;
	struct tm tm;
	gmtime_r(&beijing, &tm);
	buf_printf(out, "Date: %s, %02d %s %04d %02d:%02d:%02d +0800\r\n", days[tm.tm_wday],
		   tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		   tm.tm_sec);
}

/* The body with every line end (LF, CRLF or a lone CR) made CRLF. */
static void crlf_text(struct buf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\r' || *s == '\n') {
			buf_puts(out, "\r\n");
			if (*s == '\r' && s[1] == '\n')
				s++;
		} else {
			buf_putc(out, *s);
		}
	}
}

static void put_text_part(struct buf *out, const char *body)
{
	buf_puts(out, "Content-Type: text/plain; charset=UTF-8\r\n"
		      "Content-Transfer-Encoding: base64\r\n\r\n");
	struct buf text = BUF_INIT;
	crlf_text(&text, body ? body : "");
	put_base64_lines(out, text.data, text.len);
	buf_free(&text);
}

/* RFC 2231 attribute-char: anything else is %-encoded. */
static bool attribute_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$&+-.^_`|~", c));
}

static bool quotable_ascii(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < ' ' || *p >= 0x7f || *p == '"' || *p == '\\')
			return false;
	return strlen(s) <= PCT_SEGMENT;
}

/* One character of a file name %-encoded as RFC 2231 §4 asks; its length. */
static size_t pct_char(struct buf *out, const unsigned char *p, size_t n)
{
	size_t before = out->len;
	for (size_t i = 0; i < n; i++) {
		if (attribute_char(p[i]) && p[i] != '%')
			buf_putc(out, (char)p[i]);
		else
			buf_printf(out, "%%%02X", p[i]);
	}
	return out->len - before;
}

/* filename*=UTF-8''%E5%9B%9E… (RFC 2231 §4), in numbered continuations
 * (filename*0*=, filename*1*=, §3) when it would not fit on one line;
 * a character is never cut between two of them. */
static void put_filename_2231(struct buf *out, const char *filename)
{
	struct buf pct = BUF_INIT;
	size_t cuts[FILENAME_MAX_BYTES + 1], ncuts = 0, segment = 0;
	size_t len = strlen(filename);
	for (size_t i = 0; i < len;) {
		int k = u8_mblen((const uint8_t *)filename + i, len - i);
		size_t step = k > 0 ? (size_t)k : 1;
		size_t piece = pct_char(&pct, (const unsigned char *)filename + i, step);
		if (segment + piece > PCT_SEGMENT && segment) {
			cuts[ncuts++] = pct.len - piece;
			segment = 0;
		}
		segment += piece;
		i += step;
	}
	cuts[ncuts++] = pct.len;
	if (ncuts == 1) {
		buf_printf(out, "filename*=UTF-8''%s", pct.data);
		buf_free(&pct);
		return;
	}
	for (size_t part = 0, from = 0; part < ncuts; from = cuts[part++])
		buf_printf(out, "%sfilename*%zu*=%s%.*s", part ? ";\r\n " : "", part,
			   part ? "" : "UTF-8''", (int)(cuts[part] - from), pct.data + from);
	buf_free(&pct);
}

static void put_attachment_part(struct buf *out, const struct mail_attachment *a)
{
	const char *name = a->filename && *a->filename ? a->filename : NULL;
	bool quoted = name && quotable_ascii(name);
	buf_printf(out, "Content-Type: %s", a->content_type);
	if (quoted)
		buf_printf(out, ";\r\n name=\"%s\"", name);
	buf_puts(out, "\r\nContent-Transfer-Encoding: base64\r\n"
		      "Content-Disposition: attachment");
	if (quoted) {
		buf_printf(out, ";\r\n filename=\"%s\"", name);
	} else if (name) {
		buf_puts(out, ";\r\n ");
		put_filename_2231(out, name);
	}
	buf_puts(out, "\r\n\r\n");
	put_base64_lines(out, a->data, a->len);
}

/* A boundary that no base64 line can hold ("=_" never starts one), the
 * same for the same message: derived from its Message-ID. */
static void make_boundary(char out[8 + 32 + 1], const char *message_id)
{
	unsigned char hash[16];
	crypto_generichash(hash, sizeof hash, (const unsigned char *)message_id,
			   strlen(message_id), NULL, 0);
	memcpy(out, "=_ysqgk_", 8);
	sodium_bin2hex(out + 8, 33, hash, sizeof hash);
}

bool mail_format(struct buf *out, const struct mail *m)
{
	if (!mail_valid(m))
		return false;
	put_date(out, m->date);
	put_address_header(out, "From", m->from_name, m->from);
	buf_printf(out, "To: %s\r\n", m->to);
	if (m->reply_to)
		buf_printf(out, "Reply-To: %s\r\n", m->reply_to);
	buf_puts(out, "Subject: ");
	put_encoded_words(out, strlen("Subject: "), m->subject ? m->subject : "");
	buf_printf(out, "\r\nMessage-ID: <%s>\r\n", m->message_id);
	/* RFC 3834 §5: no auto-replies to a notice. */
	buf_puts(out, "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n");
	if (!m->attachment) {
		put_text_part(out, m->body);
		return true;
	}
	char boundary[8 + 32 + 1];
	make_boundary(boundary, m->message_id);
	buf_printf(out, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n", boundary);
	buf_printf(out, "--%s\r\n", boundary);
	put_text_part(out, m->body);
	buf_printf(out, "--%s\r\n", boundary);
	put_attachment_part(out, m->attachment);
	buf_printf(out, "--%s--\r\n", boundary);
	return true;
}

/* ---- SMTP through libcurl ------------------------------------------------------ */

void mail_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void *smtp_handle_new(void)
{
	return curl_easy_init();
}

void smtp_handle_free(void *handle)
{
	if (handle)
		curl_easy_cleanup(handle);
}

struct upload {
	const char *data;
	size_t len;
	size_t pos;
};

static size_t read_upload(char *dst, size_t size, size_t count, void *arg)
{
	struct upload *u = arg;
	size_t room = size * count, left = u->len - u->pos;
	size_t n = left < room ? left : room;
	memcpy(dst, u->data + u->pos, n);
	u->pos += n;
	return n;
}

/* The server's last reply line (libcurl hands SMTP replies to the header
 * callback), without its line end. */
static size_t keep_reply(char *data, size_t size, size_t count, void *arg)
{
	char *reply = arg;
	size_t n = size * count, keep = n;
	while (keep && (data[keep - 1] == '\r' || data[keep - 1] == '\n'))
		keep--;
	if (keep >= 256)
		keep = 255;
	memcpy(reply, data, keep);
	reply[keep] = '\0';
	return n;
}

/* smtp:// to this machine: STARTTLS when the server offers it (a test
 * mailbox or a local MTA need not); anywhere else it is required. */
static bool smtp_on_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	bool loopback = false;
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		loopback = strcmp(scheme, "smtp") == 0 &&
			   (strncmp(host, "127.", 4) == 0 || strcmp(host, "[::1]") == 0 ||
			    strcmp(host, "localhost") == 0);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return loopback;
}

static bool is_smtps(const char *url)
{
	return strncmp(url, "smtps://", 8) == 0;
}

static void set_options(CURL *c, const struct smtp_relay *relay, const char *from,
			struct curl_slist *rcpt, struct upload *up, char *errbuf, char *reply)
{
	curl_easy_setopt(c, CURLOPT_URL, relay->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
			 relay->timeout_ms > 0 ? relay->timeout_ms : DEFAULT_TIMEOUT_MS);
	if (!is_smtps(relay->url))
		curl_easy_setopt(c, CURLOPT_USE_SSL, smtp_on_loopback(relay->url) ?
				 (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL);
	if (relay->user) {
		curl_easy_setopt(c, CURLOPT_USERNAME, relay->user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, relay->password ? relay->password : "");
	}
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(c, CURLOPT_READFUNCTION, read_upload);
	curl_easy_setopt(c, CURLOPT_READDATA, up);
	curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, (curl_off_t)up->len);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, keep_reply);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, reply);
}

void smtp_send(void *handle, const struct smtp_relay *relay, const char *from,
	       const char *to, const char *message, size_t len, struct smtp_result *out)
{
	memset(out, 0, sizeof *out);
	/* An envelope address goes into an SMTP command line as it is. */
	if (!plain_address(from) || !plain_address(to) || !relay->url) {
		out->permanent = true;
		snprintf(out->reply, sizeof out->reply, "invalid envelope address or relay");
		return;
	}
	CURL *c = handle ? handle : curl_easy_init();
	if (!c) {
		snprintf(out->reply, sizeof out->reply, "curl_easy_init failed");
		return;
	}
	/* Options start afresh for each message; the handle keeps its
	 * connection, so the next message reuses it. */
	curl_easy_reset(c);
	char envelope_from[ADDRESS_MAX + 3], envelope_to[ADDRESS_MAX + 3];
	snprintf(envelope_from, sizeof envelope_from, "<%s>", from);
	snprintf(envelope_to, sizeof envelope_to, "<%s>", to);
	struct curl_slist *rcpt = curl_slist_append(NULL, envelope_to);
	struct upload up = { message, len, 0 };
	char errbuf[CURL_ERROR_SIZE] = "", reply[256] = "";
	set_options(c, relay, envelope_from, rcpt, &up, errbuf, reply);

	CURLcode rc = curl_easy_perform(c);
	long code = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	out->accepted = rc == CURLE_OK;
	out->permanent = !out->accepted && code >= 500;
	if (out->accepted || (code >= 400 && reply[0]))
		snprintf(out->reply, sizeof out->reply, "%s", reply[0] ? reply : "250");
	else
		snprintf(out->reply, sizeof out->reply, "%s",
			 errbuf[0] ? errbuf : curl_easy_strerror(rc));

	/* The handle must keep no pointer into this frame (its connection
	 * stays open for the next message). */
	curl_easy_reset(c);
	curl_slist_free_all(rcpt);
	if (!handle)
		curl_easy_cleanup(c);
}
