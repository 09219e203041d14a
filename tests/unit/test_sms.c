/* sms: Tencent Cloud's documented TC3-HMAC-SHA256 example, the request
 * bodies' fields, the webhook's HMAC, how answers are read; and, when
 * tests/e2e/test_sms_transport.py sets YSQGK_TEST_SMS_ENDPOINT, one real
 * send to its gateway stand-in. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <sodium.h>

#include "lib/buf.h"
#include "lib/sms.h"

/* Tencent Cloud API 3.0, 签名方法 v3: the worked example (DescribeInstances
 * of cvm, 2019-02-25) with its intermediate hashes and final signature. */
static const char doc_payload[] =
	"{\"Limit\": 1, \"Filters\": [{\"Values\": [\"\\u672a\\u547d\\u540d\"], "
	"\"Name\": \"instance-name\"}]}";

static void test_tc3_documented_example(void **state)
{
	(void)state;
	struct buf auth = BUF_INIT;
	sms_tc3_authorization(&auth, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
			      "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE", "cvm", "cvm.tencentcloudapi.com",
			      "application/json; charset=utf-8", doc_payload, 1551113065);
	assert_string_equal(auth.data,
		"TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/"
		"tc3_request, SignedHeaders=content-type;host, "
		"Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168");
	buf_free(&auth);
}

/* The Chinese page's edition of the example masks the key with asterisks;
 * its signature is that of the masked key, taken literally. */
static void test_tc3_documented_masked_key(void **state)
{
	(void)state;
	struct buf auth = BUF_INIT;
	sms_tc3_authorization(&auth, "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
			      "Gu5t9xGARNpq86cd98joQYCN3*******", "cvm", "cvm.tencentcloudapi.com",
			      "application/json; charset=utf-8", doc_payload, 1551113065);
	assert_non_null(strstr(auth.data,
		"Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"));
	buf_free(&auth);
}

/* A SendSms body signed at 07:59:59 in Beijing: the scope's date is the UTC
 * one (2025-12-06), as the documentation insists. The signature was
 * computed independently with Python's hmac and hashlib. */
static void test_tc3_sms_utc_date(void **state)
{
	(void)state;
	static const char payload[] =
		"{\"PhoneNumberSet\":[\"+8613800138000\"],\"SmsSdkAppId\":\"1400000000\","
		"\"SignName\":\"某市人民政府\",\"TemplateId\":\"1234567\","
		"\"TemplateParamSet\":[\"GOV-2026-000123\"],\"SessionContext\":\"msg-42\"}";
	struct buf auth = BUF_INIT;
	sms_tc3_authorization(&auth, "AKIDsmstest", "sms-test-secret-key", "sms",
			      "sms.tencentcloudapi.com", "application/json; charset=utf-8",
			      payload, 1765065599);
	assert_string_equal(auth.data,
		"TC3-HMAC-SHA256 Credential=AKIDsmstest/2025-12-06/sms/tc3_request, "
		"SignedHeaders=content-type;host, "
		"Signature=28b1031a00d1926de4d2cbfbe96903d0ba3f86d8c40fd445e7b78a246aff3294");
	buf_free(&auth);
}

static const char *const two_params[] = { "GOV-2026-000123", "2026年12月10日" };

static const struct sms_message message = {
	.key = "msg-42", .phone = "13800138000", .template_id = "1234567",
	.params = two_params, .param_count = 2,
};

static const char *str_at(struct json_object *o, const char *key)
{
	struct json_object *v;
	assert_true(json_object_object_get_ex(o, key, &v));
	assert_true(json_object_is_type(v, json_type_string));
	return json_object_get_string(v);
}

static struct json_object *array_at(struct json_object *o, const char *key, size_t len)
{
	struct json_object *v;
	assert_true(json_object_object_get_ex(o, key, &v));
	assert_true(json_object_is_type(v, json_type_array));
	assert_int_equal(json_object_array_length(v), len);
	return v;
}

static const char *item(struct json_object *a, size_t i)
{
	return json_object_get_string(json_object_array_get_idx(a, i));
}

static void test_tencent_body(void **state)
{
	(void)state;
	const struct sms_gateway gw = {
		.provider = SMS_TENCENT, .app_id = "1400000000", .sign_name = "某市人民政府",
	};
	struct buf body = BUF_INIT;
	sms_request_body(&body, &gw, &message);
	struct json_object *o = json_tokener_parse(body.data);
	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 6);
	assert_string_equal(item(array_at(o, "PhoneNumberSet", 1), 0), "+8613800138000");
	assert_string_equal(str_at(o, "SmsSdkAppId"), "1400000000");
	assert_string_equal(str_at(o, "SignName"), "某市人民政府");
	assert_string_equal(str_at(o, "TemplateId"), "1234567");
	struct json_object *params = array_at(o, "TemplateParamSet", 2);
	assert_string_equal(item(params, 0), "GOV-2026-000123");
	assert_string_equal(item(params, 1), "2026年12月10日");
	assert_string_equal(str_at(o, "SessionContext"), "msg-42");
	json_object_put(o);
	buf_free(&body);
}

static void test_webhook_body(void **state)
{
	(void)state;
	const struct sms_gateway gw = { .provider = SMS_WEBHOOK };
	struct buf body = BUF_INIT;
	sms_request_body(&body, &gw, &message);
	struct json_object *o = json_tokener_parse(body.data);
	assert_non_null(o);
	assert_int_equal(json_object_object_length(o), 4);
	assert_string_equal(str_at(o, "id"), "msg-42");
	assert_string_equal(str_at(o, "phone"), "13800138000");
	assert_string_equal(str_at(o, "template"), "1234567");
	struct json_object *params = array_at(o, "params", 2);
	assert_string_equal(item(params, 0), "GOV-2026-000123");
	assert_string_equal(item(params, 1), "2026年12月10日");
	json_object_put(o);
	buf_free(&body);
}

/* RFC 4231 test case 2. */
static void test_webhook_signature(void **state)
{
	(void)state;
	struct buf sig = BUF_INIT;
	sms_webhook_signature(&sig, "Jefe", "what do ya want for nothing?");
	assert_string_equal(sig.data,
		"sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	buf_free(&sig);
}

static void expect_answer(enum sms_provider p, long status, const char *body,
			  bool accepted, bool permanent, const char *ref, const char *error)
{
	struct sms_result r;
	sms_read_answer(p, status, body, &r);
	if (r.accepted != accepted || r.permanent != permanent)
		fail_msg("HTTP %ld %s: accepted %d permanent %d (%s)", status, body,
			 r.accepted, r.permanent, r.error);
	assert_string_equal(r.ref, ref);
	assert_non_null(strstr(r.error, error));
}

static void test_tencent_answers(void **state)
{
	(void)state;
	expect_answer(SMS_TENCENT, 200,
		"{\"Response\":{\"SendStatusSet\":[{\"SerialNo\":\"5000:1045710669157053657849499619\","
		"\"PhoneNumber\":\"+8613800138000\",\"Fee\":1,\"SessionContext\":\"msg-42\","
		"\"Code\":\"Ok\",\"Message\":\"send success\",\"IsoCode\":\"CN\"}],"
		"\"RequestId\":\"a0aabda6-cf91-4f3e-a81f-9198114a2279\"}}",
		true, false, "5000:1045710669157053657849499619", "");
	expect_answer(SMS_TENCENT, 200,
		"{\"Response\":{\"SendStatusSet\":[{\"SerialNo\":\"\",\"Code\":"
		"\"InvalidParameterValue.IncorrectPhoneNumber\",\"Message\":\"手机号格式错误\"}]}}",
		false, true, "", "InvalidParameterValue.IncorrectPhoneNumber: 手机号格式错误");
	expect_answer(SMS_TENCENT, 200,
		"{\"Response\":{\"SendStatusSet\":[{\"Code\":\"LimitExceeded.PhoneNumberDailyLimit\"}]}}",
		false, false, "", "LimitExceeded.PhoneNumberDailyLimit");
	expect_answer(SMS_TENCENT, 200,
		"{\"Response\":{\"Error\":{\"Code\":\"FailedOperation.TemplateIncorrectOrUnapproved\","
		"\"Message\":\"模板未审批\"},\"RequestId\":\"x\"}}",
		false, true, "", "FailedOperation.TemplateIncorrectOrUnapproved");
	expect_answer(SMS_TENCENT, 200,
		"{\"Response\":{\"Error\":{\"Code\":\"AuthFailure.SignatureFailure\"}}}",
		false, true, "", "AuthFailure.SignatureFailure");
	expect_answer(SMS_TENCENT, 200,
		"{\"Response\":{\"Error\":{\"Code\":\"UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber\"}}}",
		false, true, "", "UnsupportedOperation");
	expect_answer(SMS_TENCENT, 200,
		"{\"Response\":{\"Error\":{\"Code\":\"InternalError.Timeout\"}}}",
		false, false, "", "InternalError.Timeout");
	expect_answer(SMS_TENCENT, 200,
		"{\"Response\":{\"Error\":{\"Code\":\"FailedOperation.InsufficientBalanceInSmsPackage\"}}}",
		false, false, "", "InsufficientBalance");
	expect_answer(SMS_TENCENT, 500, "{\"Response\":{}}", false, false, "", "HTTP 500");
	expect_answer(SMS_TENCENT, 502, "<html>Bad Gateway</html>", false, false, "", "HTTP 502");
	expect_answer(SMS_TENCENT, 404, "<html>Not Found</html>", false, true, "", "HTTP 404");
	expect_answer(SMS_TENCENT, 200, "{\"Response\":{\"SendStatusSet\":[]}}", false, false, "",
		      "without SendStatusSet");
}

static void test_webhook_answers(void **state)
{
	(void)state;
	expect_answer(SMS_WEBHOOK, 200, "{\"id\":\"wh-7\"}", true, false, "wh-7", "");
	expect_answer(SMS_WEBHOOK, 202, "", true, false, "", "");
	expect_answer(SMS_WEBHOOK, 204, "[1]", true, false, "", "");
	expect_answer(SMS_WEBHOOK, 400, "bad phone", false, true, "", "HTTP 400");
	expect_answer(SMS_WEBHOOK, 401, "", false, true, "", "HTTP 401");
	expect_answer(SMS_WEBHOOK, 429, "", false, false, "", "HTTP 429");
	expect_answer(SMS_WEBHOOK, 503, "", false, false, "", "HTTP 503");
}

/* A loopback port nothing listens on. */
static int closed_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof a;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static void test_send_refusals(void **state)
{
	(void)state;
	struct sms_result r;
	const struct sms_gateway none = { .provider = SMS_NONE };
	sms_send(&none, &message, &r);
	assert_false(r.accepted);
	assert_true(r.permanent);

	const struct sms_gateway no_url = { .provider = SMS_WEBHOOK, .endpoint = "not a url",
					    .secret_key = "k" };
	sms_send(&no_url, &message, &r);
	assert_false(r.accepted);
	assert_true(r.permanent);

	const struct sms_gateway no_region = { .provider = SMS_TENCENT,
		.endpoint = "http://127.0.0.1:9/", .secret_id = "AKIDsmstest", .secret_key = "k" };
	sms_send(&no_region, &message, &r);
	assert_false(r.accepted);
	assert_true(r.permanent);
	assert_string_equal(r.error, "the SMS gateway's region is missing");

	const struct sms_gateway no_secret = { .provider = SMS_WEBHOOK,
		.endpoint = "http://127.0.0.1:9/", .secret_key = "" };
	sms_send(&no_secret, &message, &r);
	assert_true(r.permanent);
	assert_string_equal(r.error, "the SMS gateway's keys are missing");

	char url[64];
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", closed_port());
	const struct sms_gateway down = { .provider = SMS_TENCENT, .endpoint = url,
		.secret_id = "AKIDsmstest", .secret_key = "k", .region = "ap-guangzhou",
		.app_id = "1400000000", .sign_name = "某市人民政府", .timeout_ms = 5000 };
	sms_send(&down, &message, &r);
	assert_false(r.accepted);
	assert_false(r.permanent);	/* no answer: try again */
	assert_true(r.error[0] != '\0');
}

/* ---- one real send, driven by tests/e2e/test_sms_transport.py ------------- */

static const char *env_or(const char *name, const char *fallback)
{
	const char *v = getenv(name);
	return v ? v : fallback;
}

/* YSQGK_TEST_SMS_PARAMS: the parameters, one a line. */
static size_t split_lines(char *s, const char *out[], size_t max)
{
	size_t n = 0;
	for (char *save = NULL, *p = strtok_r(s, "\n", &save); p && n < max;
	     p = strtok_r(NULL, "\n", &save))
		out[n++] = p;
	return n;
}

static void test_live_send(void **state)
{
	(void)state;
	const char *endpoint = getenv("YSQGK_TEST_SMS_ENDPOINT");
	if (!endpoint)
		skip();
	bool webhook = strcmp(env_or("YSQGK_TEST_SMS_PROVIDER", "tencent"), "webhook") == 0;
	const struct sms_gateway gw = {
		.provider = webhook ? SMS_WEBHOOK : SMS_TENCENT,
		.endpoint = endpoint,
		.secret_id = env_or("YSQGK_TEST_SMS_SECRET_ID", ""),
		.secret_key = env_or("YSQGK_TEST_SMS_SECRET_KEY", ""),
		.region = "ap-guangzhou",
		.app_id = env_or("YSQGK_TEST_SMS_APP_ID", "1400000000"),
		.sign_name = env_or("YSQGK_TEST_SMS_SIGN_NAME", "某市人民政府"),
		.timeout_ms = 10000,
	};
	char *param_text = strdup(env_or("YSQGK_TEST_SMS_PARAMS", ""));
	const char *params[16];
	const struct sms_message m = {
		.key = env_or("YSQGK_TEST_SMS_KEY", "msg-1"),
		.phone = env_or("YSQGK_TEST_SMS_PHONE", "13800138000"),
		.template_id = env_or("YSQGK_TEST_SMS_TEMPLATE", "1234567"),
		.params = params, .param_count = split_lines(param_text, params, 16),
	};
	struct sms_result r;
	sms_send(&gw, &m, &r);
	printf("SMS_RESULT accepted=%d permanent=%d ref=%s error=%s\n",
	       r.accepted, r.permanent, r.ref, r.error);
	fflush(stdout);
	free(param_text);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tc3_documented_example),
		cmocka_unit_test(test_tc3_documented_masked_key),
		cmocka_unit_test(test_tc3_sms_utc_date),
		cmocka_unit_test(test_tencent_body),
		cmocka_unit_test(test_webhook_body),
		cmocka_unit_test(test_webhook_signature),
		cmocka_unit_test(test_tencent_answers),
		cmocka_unit_test(test_webhook_answers),
		cmocka_unit_test(test_send_refusals),
		cmocka_unit_test(test_live_send),
	};
	if (getenv("YSQGK_TEST_SMS_ENDPOINT"))
		cmocka_set_test_filter("test_live_send");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
