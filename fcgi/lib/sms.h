/*
 * sms: text messages through an HTTP gateway (libcurl). Knows nothing of
 * the application. Providers in China send only approved templates: a
 * message is a template id and its parameters, never free text.
 *
 * Two gateways:
 *   SMS_TENCENT  腾讯云短信 SendSms (API 2021-01-11), signed with
 *                TC3-HMAC-SHA256 as Tencent Cloud's API documentation
 *                specifies; the message's key travels as SessionContext,
 *                which the provider returns in its delivery receipts.
 *   SMS_WEBHOOK  a generic JSON POST {"id", "phone", "template", "params"}
 *                with an X-Ysqgk-Signature: sha256=<hex HMAC of the body>.
 */
#ifndef YSQGK_SMS_H
#define YSQGK_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

enum sms_provider { SMS_NONE, SMS_TENCENT, SMS_WEBHOOK };

struct sms_gateway {
	enum sms_provider provider;
	const char *endpoint;	/* https://sms.tencentcloudapi.com/ or the webhook URL */
	const char *secret_id;	/* Tencent SecretId */
	const char *secret_key;	/* Tencent SecretKey, or the webhook's HMAC secret */
	const char *region;	/* Tencent: ap-guangzhou */
	const char *app_id;	/* Tencent SmsSdkAppId */
	const char *sign_name;	/* Tencent SignName (the approved 签名) */
	long timeout_ms;
};

struct sms_message {
	const char *key;		/* the message's stable identity */
	const char *phone;		/* 11-digit mainland mobile number */
	const char *template_id;
	const char *const *params;	/* the template's parameters, in order */
	size_t param_count;
};

struct sms_result {
	bool accepted;
	bool permanent;		/* refused for good (bad number, template): no retry */
	char ref[128];		/* the provider's serial number (SerialNo) */
	char error[256];
};

/* TC3-HMAC-SHA256: the Authorization header's value for a POST of
 * `payload` (JSON) to `host` for `service` at `timestamp` (pure; unit-
 * tested against Tencent's documented example). */
void sms_tc3_authorization(struct buf *out, const char *secret_id, const char *secret_key,
			   const char *service, const char *host, const char *content_type,
			   const char *payload, time_t timestamp);

/* Sends one message and reads the gateway's answer into out: accepted
 * (ref = Tencent's SerialNo, or the webhook answer's "id"), or refused for
 * good (permanent), or to be tried again (no answer, HTTP 5xx, throttling,
 * the provider's own faults). A fresh connection each call. */
void sms_send(const struct sms_gateway *gw, const struct sms_message *m, struct sms_result *out);

/* The parts of sms_send, for tests. */

/* Appends the JSON body sms_send POSTs for m: Tencent's SendSms request
 * (PhoneNumberSet ["+86…"], SmsSdkAppId, SignName, TemplateId,
 * TemplateParamSet, SessionContext = key) or the webhook's object. */
void sms_request_body(struct buf *out, const struct sms_gateway *gw, const struct sms_message *m);

/* Appends the webhook's X-Ysqgk-Signature value: "sha256=" and the hex
 * HMAC-SHA256 of body under secret. */
void sms_webhook_signature(struct buf *out, const char *secret, const char *body);

/* Fills out from the gateway's HTTP status and answer body. */
void sms_read_answer(enum sms_provider provider, long http_status, const char *body,
		     struct sms_result *out);

/* Whether a Tencent error code (Response.Error.Code or a SendStatusSet
 * Code) refuses the message for good, e.g. InvalidParameterValue.
 * IncorrectPhoneNumber; false for those that pass with time, e.g.
 * LimitExceeded.PhoneNumberDailyLimit, InternalError.Timeout. */
bool sms_tencent_code_permanent(const char *code);

#endif
