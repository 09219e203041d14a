#include "lib/sms.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <curl/curl.h>
#include <json-c/json.h>
#include <sodium.h>

#include "lib/buf.h"

#define TC3_ALGORITHM	"TC3-HMAC-SHA256"
#define TC3_SIGNED	"content-type;host"
#define TC_SERVICE	"sms"
#define TC_ACTION	"SendSms"
#define TC_VERSION	"2021-01-11"
#define JSON_TYPE	"application/json; charset=utf-8"
#define ANSWER_MAX	(64 * 1024)	/* a longer answer is cut: ours are small */

/* ---- TC3-HMAC-SHA256 (Tencent Cloud API 3.0, 签名方法 v3) ---------------- */

static void hex(char *out, const unsigned char *bytes, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, bytes, n);
}

static void sha256_hex(char out[2 * crypto_hash_sha256_BYTES + 1], const char *data)
{
	unsigned char digest[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(digest, (const unsigned char *)data, strlen(data));
	hex(out, digest, sizeof digest);
}

static void hmac(unsigned char out[crypto_auth_hmacsha256_BYTES],
		 const unsigned char *key, size_t key_len, const char *msg)
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, key, key_len);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, strlen(msg));
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

/* The UTC date of the timestamp, as the credential scope wants it: the
 * documentation warns that a local (UTC+8) date fails from 00:00 to 08:00. */
static void utc_date(char out[11], time_t t)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* SecretSigning = HMAC(HMAC(HMAC("TC3" + SecretKey, date), service), "tc3_request"). */
static void tc3_signing_key(unsigned char out[crypto_auth_hmacsha256_BYTES],
			    const char *secret_key, const char *date, const char *service)
{
	struct buf k0 = BUF_INIT;
	buf_printf(&k0, "TC3%s", secret_key);
	unsigned char k1[crypto_auth_hmacsha256_BYTES], k2[crypto_auth_hmacsha256_BYTES];
	hmac(k1, (const unsigned char *)k0.data, k0.len, date);
	hmac(k2, k1, sizeof k1, service);
	hmac(out, k2, sizeof k2, "tc3_request");
	sodium_memzero(k0.data, k0.len);
	sodium_memzero(k1, sizeof k1);
	sodium_memzero(k2, sizeof k2);
	buf_free(&k0);
}

void sms_tc3_authorization(struct buf *out, const char *secret_id, const char *secret_key,
			   const char *service, const char *host, const char *content_type,
			   const char *payload, time_t timestamp)
{
	char payload_hash[65], request_hash[65], date[11];
	sha256_hex(payload_hash, payload);
	utc_date(date, timestamp);

	struct buf canonical = BUF_INIT;
	buf_printf(&canonical, "POST\n/\n\ncontent-type:%s\nhost:%s\n\n%s\n%s",
		   content_type, host, TC3_SIGNED, payload_hash);
	sha256_hex(request_hash, canonical.data);
	buf_free(&canonical);

	struct buf to_sign = BUF_INIT;
	buf_printf(&to_sign, "%s\n%lld\n%s/%s/tc3_request\n%s", TC3_ALGORITHM,
		   (long long)timestamp, date, service, request_hash);
	unsigned char key[crypto_auth_hmacsha256_BYTES], sig[crypto_auth_hmacsha256_BYTES];
	tc3_signing_key(key, secret_key, date, service);
	hmac(sig, key, sizeof key, to_sign.data);
	sodium_memzero(key, sizeof key);
	buf_free(&to_sign);

	char sig_hex[2 * sizeof sig + 1];
	hex(sig_hex, sig, sizeof sig);
	buf_printf(out, "%s Credential=%s/%s/%s/tc3_request, SignedHeaders=%s, Signature=%s",
		   TC3_ALGORITHM, secret_id, date, service, TC3_SIGNED, sig_hex);
}

/* ---- request bodies ------------------------------------------------------- */

static struct json_object *params_array(const struct sms_message *m)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < m->param_count; i++)
		json_object_array_add(a, json_object_new_string(m->params[i] ? m->params[i] : ""));
	return a;
}

static void put_json(struct buf *out, struct json_object *o)
{
	buf_puts(out, json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						     JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* The number in E.164: a mainland number gets +86. */
static void e164(struct buf *out, const char *phone)
{
	if (phone[0] == '+')
		buf_puts(out, phone);
	else
		buf_printf(out, "+86%s", phone);
}

static void tencent_body(struct buf *out, const struct sms_gateway *gw, const struct sms_message *m)
{
	struct json_object *o = json_object_new_object();
	struct buf phone = BUF_INIT;
	e164(&phone, m->phone);
	struct json_object *phones = json_object_new_array();
	json_object_array_add(phones, json_object_new_string(phone.data));
	buf_free(&phone);
	json_object_object_add(o, "PhoneNumberSet", phones);
	json_object_object_add(o, "SmsSdkAppId", json_object_new_string(gw->app_id ? gw->app_id : ""));
	json_object_object_add(o, "SignName", json_object_new_string(gw->sign_name ? gw->sign_name : ""));
	json_object_object_add(o, "TemplateId", json_object_new_string(m->template_id));
	json_object_object_add(o, "TemplateParamSet", params_array(m));
	/* Returned in the delivery receipt: the message's stable identity. */
	json_object_object_add(o, "SessionContext", json_object_new_string(m->key));
	put_json(out, o);
}

static void webhook_body(struct buf *out, const struct sms_message *m)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(m->key));
	json_object_object_add(o, "phone", json_object_new_string(m->phone));
	json_object_object_add(o, "template", json_object_new_string(m->template_id));
	json_object_object_add(o, "params", params_array(m));
	put_json(out, o);
}

void sms_request_body(struct buf *out, const struct sms_gateway *gw, const struct sms_message *m)
{
	if (gw->provider == SMS_TENCENT)
		tencent_body(out, gw, m);
	else
		webhook_body(out, m);
}

void sms_webhook_signature(struct buf *out, const char *secret, const char *body)
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	hmac(mac, (const unsigned char *)secret, strlen(secret), body);
	char mac_hex[2 * sizeof mac + 1];
	hex(mac_hex, mac, sizeof mac);
	buf_printf(out, "sha256=%s", mac_hex);
}

/* ---- reading the answer --------------------------------------------------- */

/* "Code: Message" as the provider worded it. */
static void set_error(struct sms_result *r, const char *code, const char *message)
{
	snprintf(r->error, sizeof r->error, "%s%s%s", code, message ? ": " : "",
		 message ? message : "");
}

static void set_ref(struct sms_result *r, const char *ref)
{
	snprintf(r->ref, sizeof r->ref, "%s", ref ? ref : "");
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether sending the same message again may succeed, by Tencent's error
 * code (SendSms's and the common ones of API 3.0). Throttling, the
 * provider's own faults and an exhausted package pass with time; a bad
 * number, an unapproved template or signature, a wrong key or a refused
 * operation do not (the sender's dead letter and "send again" cover a key
 * fixed later). Codes not listed are retried: the sender's maximum age
 * bounds them. */
bool sms_tencent_code_permanent(const char *code)
{
	static const char *const retry[] = {
		"LimitExceeded", "RequestLimitExceeded", "InternalError", "ServiceUnavailable",
		"ResourceUnavailable", "FailedOperation.InsufficientBalanceInSmsPackage",
	};
	static const char *const permanent[] = {
		"InvalidParameter", "MissingParameter", "UnsupportedOperation",
		"UnauthorizedOperation", "AuthFailure", "FailedOperation", "UnknownParameter",
		"InvalidAction", "UnsupportedProtocol", "UnsupportedRegion",
	};
	for (size_t i = 0; i < sizeof retry / sizeof retry[0]; i++)
		if (starts_with(code, retry[i]))
			return false;
	for (size_t i = 0; i < sizeof permanent / sizeof permanent[0]; i++)
		if (starts_with(code, permanent[i]))
			return true;
	return false;
}

static const char *string_at(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *object_at(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* Response.Error {Code, Message} or Response.SendStatusSet[0] {Code, SerialNo}. */
static void read_tencent_response(struct json_object *resp, struct sms_result *r)
{
	struct json_object *err = object_at(resp, "Error");
	if (err) {
		const char *code = string_at(err, "Code");
		r->permanent = code && sms_tencent_code_permanent(code);
		set_error(r, code ? code : "Error", string_at(err, "Message"));
		return;
	}
	struct json_object *set, *first;
	if (!json_object_object_get_ex(resp, "SendStatusSet", &set) ||
	    !json_object_is_type(set, json_type_array) || json_object_array_length(set) < 1 ||
	    !json_object_is_type(first = json_object_array_get_idx(set, 0), json_type_object)) {
		set_error(r, "Tencent: an answer without SendStatusSet", NULL);
		return;
	}
	const char *code = string_at(first, "Code");
	if (code && strcmp(code, "Ok") == 0) {
		r->accepted = true;
		set_ref(r, string_at(first, "SerialNo"));
		return;
	}
	r->permanent = code && sms_tencent_code_permanent(code);
	set_error(r, code ? code : "SendStatusSet without Code", string_at(first, "Message"));
}

static void read_tencent(long status, const char *body, struct sms_result *r)
{
	struct json_object *o = json_tokener_parse(body);
	struct json_object *resp = object_at(o, "Response");
	if (status >= 500 || !resp) {
		/* 5xx: the provider's fault, try again; another status without a
		 * Response is no answer of the API (a proxy's page): 4xx is final. */
		r->permanent = status >= 400 && status < 500;
		snprintf(r->error, sizeof r->error, "HTTP %ld from the gateway", status);
	} else {
		read_tencent_response(resp, r);
	}
	json_object_put(o);
}

/* 2xx accepted; 408 and 429 say "later"; another 4xx refuses the message
 * for good; 5xx and anything else are retried. */
static void read_webhook(long status, const char *body, struct sms_result *r)
{
	if (status >= 200 && status < 300) {
		r->accepted = true;
		struct json_object *o = json_tokener_parse(body);
		set_ref(r, json_object_is_type(o, json_type_object) ? string_at(o, "id") : NULL);
		json_object_put(o);
		return;
	}
	r->permanent = status >= 400 && status < 500 && status != 408 && status != 429;
	snprintf(r->error, sizeof r->error, "HTTP %ld from the webhook", status);
}

void sms_read_answer(enum sms_provider provider, long http_status, const char *body,
		     struct sms_result *out)
{
	memset(out, 0, sizeof *out);
	if (provider == SMS_TENCENT)
		read_tencent(http_status, body ? body : "", out);
	else
		read_webhook(http_status, body ? body : "", out);
}

/* ---- HTTP ------------------------------------------------------------------ */

static size_t collect(char *data, size_t size, size_t n, void *user)
{
	struct buf *b = user;
	size_t len = size * n;
	if (b->len < ANSWER_MAX)
		buf_append(b, data, len < ANSWER_MAX - b->len ? len : ANSWER_MAX - b->len);
	return len;
}

/* host or host:port as the URL names it, in lower case (TC3 signs the
 * header's value lower-cased; we send it as signed). False for a URL
 * libcurl cannot parse. */
static bool url_host(struct buf *out, const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	bool ok = u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
		  curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK;
	if (ok) {
		for (const char *p = host; *p; p++)
			buf_putc(out, (char)tolower((unsigned char)*p));
		if (curl_url_get(u, CURLUPART_PORT, &port, 0) == CURLUE_OK)
			buf_printf(out, ":%s", port);
	}
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return ok;
}

static bool header_safe(const char *s)
{
	return s && !strpbrk(s, "\r\n");
}

static struct curl_slist *add_header(struct curl_slist *list, const char *name, const char *value)
{
	struct buf h = BUF_INIT;
	buf_printf(&h, "%s: %s", name, value);
	list = curl_slist_append(list, h.data);
	buf_free(&h);
	return list;
}

/* Content-Type, and no "Expect: 100-continue" for a larger body: one round
 * trip, and no second's wait on a server that ignores it. */
static struct curl_slist *json_headers(void)
{
	return curl_slist_append(add_header(NULL, "Content-Type", JSON_TYPE), "Expect:");
}

static struct curl_slist *tencent_headers(const struct sms_gateway *gw, const char *host,
					  const char *body)
{
	time_t now = time(NULL);
	char stamp[24];
	snprintf(stamp, sizeof stamp, "%lld", (long long)now);
	struct buf auth = BUF_INIT;
	sms_tc3_authorization(&auth, gw->secret_id, gw->secret_key, TC_SERVICE, host,
			      JSON_TYPE, body, now);
	struct curl_slist *h = json_headers();
	h = add_header(h, "Host", host);
	h = add_header(h, "X-TC-Action", TC_ACTION);
	h = add_header(h, "X-TC-Version", TC_VERSION);
	h = add_header(h, "X-TC-Timestamp", stamp);
	h = add_header(h, "X-TC-Region", gw->region);
	h = add_header(h, "Authorization", auth.data);
	buf_free(&auth);
	return h;
}

static struct curl_slist *webhook_headers(const struct sms_gateway *gw, const char *body)
{
	struct buf sig = BUF_INIT;
	sms_webhook_signature(&sig, gw->secret_key ? gw->secret_key : "", body);
	struct curl_slist *h = json_headers();
	h = add_header(h, "X-Ysqgk-Signature", sig.data);
	buf_free(&sig);
	return h;
}

/* POSTs body; the HTTP status (0 when no answer came, error filled). */
static long post(const struct sms_gateway *gw, struct curl_slist *headers, const char *body,
		 struct buf *answer, char error[CURL_ERROR_SIZE])
{
	CURL *c = curl_easy_init();
	if (!c) {
		snprintf(error, CURL_ERROR_SIZE, "curl_easy_init failed");
		return 0;
	}
	error[0] = '\0';
	curl_easy_setopt(c, CURLOPT_URL, gw->endpoint);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, answer);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, gw->timeout_ms > 0 ? gw->timeout_ms : 10000L);
	CURLcode rc = curl_easy_perform(c);
	long status = 0;
	if (rc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	else if (!error[0])
		snprintf(error, CURL_ERROR_SIZE, "%s", curl_easy_strerror(rc));
	curl_easy_cleanup(c);
	return status;
}

static bool gateway_usable(const struct sms_gateway *gw, const struct sms_message *m,
			   struct sms_result *out)
{
	const char *why = NULL;
	if (gw->provider != SMS_TENCENT && gw->provider != SMS_WEBHOOK)
		why = "no SMS gateway configured";
	else if (!gw->endpoint || !*gw->endpoint)
		why = "no SMS endpoint configured";
	else if (!gw->secret_key || !*gw->secret_key ||
		 (gw->provider == SMS_TENCENT && (!header_safe(gw->secret_id) || !*gw->secret_id)))
		why = "the SMS gateway's keys are missing";
	else if (gw->provider == SMS_TENCENT && (!header_safe(gw->region) || !*gw->region))
		why = "the SMS gateway's region is missing";
	else if (!m->key || !m->phone || !*m->phone || !m->template_id)
		why = "the message lacks its key, phone or template";
	if (why)
		snprintf(out->error, sizeof out->error, "%s", why);
	return !why;
}

void sms_send(const struct sms_gateway *gw, const struct sms_message *m, struct sms_result *out)
{
	memset(out, 0, sizeof *out);
	if (!gateway_usable(gw, m, out)) {
		out->permanent = true;
		return;
	}
	struct buf host = BUF_INIT, body = BUF_INIT, answer = BUF_INIT;
	if (!url_host(&host, gw->endpoint)) {
		out->permanent = true;
		snprintf(out->error, sizeof out->error, "the SMS endpoint is not a URL");
		buf_free(&host);
		return;
	}
	sms_request_body(&body, gw, m);
	struct curl_slist *headers = gw->provider == SMS_TENCENT
		? tencent_headers(gw, host.data, body.data) : webhook_headers(gw, body.data);
	char error[CURL_ERROR_SIZE];
	long status = post(gw, headers, body.data, &answer, error);
	curl_slist_free_all(headers);
	if (status == 0) {
		/* No answer (refused, timed out, TLS): the message may or may not
		 * have arrived; sending again is safe, the key makes it the same. */
		snprintf(out->error, sizeof out->error, "%s", error);
	} else {
		sms_read_answer(gw->provider, status, buf_str(&answer), out);
	}
	buf_free(&host);
	buf_free(&body);
	buf_free(&answer);
}
