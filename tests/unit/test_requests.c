/* requests: validation of the application's fields, query codes, phones. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <sodium.h>

#include "domain/date.h"
#include "core/clock.h"
#include "domain/vocab.h"
#include "core/pii.h"
#include "service/requests.h"

static int32_t today;

static struct json_object *person(void)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "applicant_kind", json_object_new_string("person"));
	json_object_object_add(o, "name", json_object_new_string("  张三\xE3\x80\x80"));
	json_object_object_add(o, "id_type", json_object_new_string("resident_id"));
	json_object_object_add(o, "id_number", json_object_new_string("11010519491231002x"));
	json_object_object_add(o, "phone", json_object_new_string("+86 138-1234-5678"));
	json_object_object_add(o, "description",
			       json_object_new_string("请公开本县道路维修工程的招标文件。\r\n第二行"));
	struct json_object *forms = json_object_new_array();
	json_object_array_add(forms, json_object_new_string("paper"));
	json_object_array_add(forms, json_object_new_string("paper"));
	json_object_object_add(o, "provision_forms", forms);
	struct json_object *ways = json_object_new_array();
	json_object_array_add(ways, json_object_new_string("pickup"));
	json_object_object_add(o, "obtain_methods", ways);
	json_object_object_add(o, "declaration", json_object_new_boolean(true));
	json_object_object_add(o, "privacy_consent", json_object_new_boolean(true));
	return o;
}

static void set(struct json_object *o, const char *key, const char *value)
{
	json_object_object_add(o, key, value ? json_object_new_string(value) : NULL);
}

/* Validates o; returns the error of `field` ("" when none) and frees o. */
static const char *error_of(struct arena *a, struct json_object *o, const char *field,
			    const struct request_origin *origin)
{
	struct request_fields f;
	struct json_object *errors = json_object_new_object();
	bool warn;
	request_validate(a, o, origin, today, &f, errors, &warn);
	struct json_object *e;
	const char *msg = json_object_object_get_ex(errors, field, &e)
		? arena_strdup(a, json_object_get_string(e)) : "";
	json_object_put(errors);
	json_object_put(o);
	return msg;
}

static void test_valid_person_is_normalised(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	struct json_object *o = person(), *errors = json_object_new_object();
	struct request_fields f;
	bool warn;
	assert_true(request_validate(&a, o, NULL, today, &f, errors, &warn));
	assert_int_equal(json_object_object_length(errors), 0);
	assert_string_equal(f.name, "张三");
	assert_string_equal(f.id_number, "11010519491231002X");
	assert_string_equal(f.phone, "13812345678");	/* a mobile: digits only */
	assert_string_equal(f.phone_key, "13812345678");
	assert_string_equal(f.description, "请公开本县道路维修工程的招标文件。\n第二行");
	assert_int_equal(f.provision_count, 1);		/* duplicates dropped */
	assert_string_equal(f.channel, "online");
	assert_null(f.received_on);
	assert_null(f.credit_code);
	json_object_put(errors);
	json_object_put(o);
	arena_free(&a);
}

static void test_rules(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	struct json_object *o;

	o = person(); set(o, "id_number", "110105194912310021");
	assert_non_null(strstr(error_of(&a, o, "id_number", NULL), "校验位"));
	o = person(); set(o, "id_number", "110105194902300012");
	assert_non_null(strstr(error_of(&a, o, "id_number", NULL), "出生日期"));
	o = person(); set(o, "applicant_kind", "robot");
	assert_non_null(strstr(error_of(&a, o, "applicant_kind", NULL), "不正确"));
	o = person(); json_object_object_add(o, "declaration", json_object_new_boolean(false));
	assert_string_not_equal(error_of(&a, o, "declaration", NULL), "");
	o = person(); json_object_object_add(o, "declaration", json_object_new_string("true"));
	assert_string_not_equal(error_of(&a, o, "declaration", NULL), "");
	/* Issue 12, item 17: online, consent to the privacy notice is asked. */
	o = person(); json_object_object_del(o, "privacy_consent");
	assert_non_null(strstr(error_of(&a, o, "privacy_consent", NULL), "个人信息"));
	o = person(); json_object_object_add(o, "privacy_consent", json_object_new_boolean(false));
	assert_string_not_equal(error_of(&a, o, "privacy_consent", NULL), "");
	o = person(); set(o, "description", "太短");
	assert_non_null(strstr(error_of(&a, o, "description", NULL), "10"));
	char *long_text = arena_alloc(&a, 3 * 2001 + 1);
	for (int i = 0; i < 2001; i++)
		memcpy(long_text + 3 * i, "字", 3);
	o = person(); set(o, "description", long_text);
	assert_non_null(strstr(error_of(&a, o, "description", NULL), "2000"));
	o = person(); set(o, "name", "a\x01" "b");
	assert_non_null(strstr(error_of(&a, o, "name", NULL), "控制字符"));
	o = person(); set(o, "name", "x\xEF\xBF\xBDy");
	assert_non_null(strstr(error_of(&a, o, "name", NULL), "无法识别"));
	o = person(); json_object_object_add(o, "name", json_object_new_int(5));
	assert_non_null(strstr(error_of(&a, o, "name", NULL), "格式"));
	o = person(); set(o, "phone", "");
	assert_string_not_equal(error_of(&a, o, "phone", NULL), "");
	o = person(); set(o, "postcode", "12345");
	assert_non_null(strstr(error_of(&a, o, "postcode", NULL), "6位"));
	o = person(); set(o, "email", "x@y");
	assert_string_not_equal(error_of(&a, o, "email", NULL), "");
	/* Delivery needs its contact detail. */
	o = person();
	struct json_object *ways = json_object_new_array();
	json_object_array_add(ways, json_object_new_string("express"));
	json_object_object_add(o, "obtain_methods", ways);
	assert_string_not_equal(error_of(&a, o, "address", NULL), "");
	o = person(); set(o, "submit_token", "short");
	assert_string_not_equal(error_of(&a, o, "submit_token", NULL), "");
	arena_free(&a);
}

static void test_credit_code_warning(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	struct json_object *o = person(), *errors = json_object_new_object();
	set(o, "applicant_kind", "business");
	set(o, "credit_code", "91350100M000100Y40");	/* wrong check character */
	set(o, "legal_representative", "李四");
	set(o, "contact_name", "王五");
	struct request_fields f;
	bool warn;
	assert_false(request_validate(&a, o, NULL, today, &f, errors, &warn));
	assert_true(warn);
	json_object_object_add(o, "credit_code_confirmed", json_object_new_boolean(true));
	json_object_put(errors);
	errors = json_object_new_object();
	assert_true(request_validate(&a, o, NULL, today, &f, errors, &warn));
	assert_false(warn);
	assert_string_equal(f.credit_code, "91350100M000100Y40");
	assert_null(f.id_type);		/* a person's fields are dropped */
	assert_null(f.id_number);
	json_object_put(errors);
	json_object_put(o);
	arena_free(&a);
}

static void test_staff_origin(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	char yesterday[DATE_STR_SIZE], tomorrow[DATE_STR_SIZE];
	date_format(today - 1, yesterday);
	date_format(today + 1, tomorrow);
	struct request_origin ok = { "post", yesterday, "1", false };
	struct json_object *o = person();
	json_object_object_del(o, "declaration");
	json_object_object_del(o, "privacy_consent");
	set(o, "phone", NULL);
	set(o, "address", "某县某路1号");
	assert_string_equal(error_of(&a, json_object_get(o), "declaration", &ok), "");
	/* PIPL Art. 13(3): a paper request is processed under the statutory
	 * duty, not consent (issue 12, item 17). */
	assert_string_equal(error_of(&a, o, "privacy_consent", &ok), "");
	struct request_origin bad = { "pigeon", tomorrow, "1", false };
	assert_string_not_equal(error_of(&a, person(), "channel", &bad), "");
	assert_non_null(strstr(error_of(&a, person(), "received_on", &bad), "晚于今天"));
	o = person();
	set(o, "phone", NULL);
	assert_string_not_equal(error_of(&a, o, "phone", &ok), "");
	arena_free(&a);
}

static void test_query_codes(void **state)
{
	(void)state;
	char out[QUERY_CODE_CHARS + 1], shown[QUERY_CODE_SIZE];
	assert_true(query_code_normalise("abcde-fghjk", out));
	assert_string_equal(out, "ABCDEFGHJK");
	assert_true(query_code_normalise(" O1L2I 3456 7 ", out));
	assert_string_equal(out, "0112134567");
	assert_true(query_code_normalise("\xEF\xBC\xA1" "BCDEFGHJK", out));	/* full-width A */
	assert_string_equal(out, "ABCDEFGHJK");
	assert_false(query_code_normalise("ABCDEFGHJ", out));	/* 9 */
	assert_false(query_code_normalise("ABCDEFGHJKM", out));	/* 11 */
	assert_false(query_code_normalise("ABCDEFGHJU", out));	/* U is not in the alphabet */
	assert_false(query_code_normalise(NULL, out));
	query_code_format("ABCDEFGHJK", shown);
	assert_string_equal(shown, "ABCDE-FGHJK");

	struct app app;
	memset(&app, 0, sizeof app);
	memset(app.secret_key, 3, sizeof app.secret_key);
	app_derive_keys(&app);
	struct arena a = ARENA_INIT;
	assert_string_equal(query_code_hash(&app, &a, "abcde fghjk"),
			    pii_hash(&app, &a, PII_QUERY_CODE, "ABCDEFGHJK"));
	assert_null(query_code_hash(&app, &a, "nonsense"));
	arena_free(&a);
}

static void test_phones(void **state)
{
	(void)state;
	struct arena a = ARENA_INIT;
	assert_string_equal(phone_normalise(&a, "+86 138-1234-5678"), "13812345678");
	assert_string_equal(phone_normalise(&a, "0086 13812345678"), "13812345678");
	assert_string_equal(phone_normalise(&a, "(010) 1234-5678"), "01012345678");
	assert_null(phone_normalise(&a, "1381234567"));		/* a digit short */
	assert_null(phone_normalise(&a, "12345"));
	assert_null(phone_normalise(&a, "138x1234567"));
	arena_free(&a);
}

static void test_labels(void **state)
{
	(void)state;
	assert_string_equal(vocab_label(&vocab_applicant_kind, "legal_service"), "法人或者其他组织（法律服务机构）");
	assert_string_equal(vocab_label(&vocab_id_type, "hk_macao_permit"), "港澳居民来往内地通行证");
	assert_string_equal(vocab_label(&vocab_obtain_method, "on_site"), "当场阅读、抄录");
	assert_string_equal(vocab_label(&vocab_provision_form, "cd"), "光盘");
	assert_null(vocab_label(&vocab_applicant_kind, "martian"));
	/* Beijing's date is today or yesterday/tomorrow of UTC's, never further. */
	int32_t utc = (int32_t)(time(NULL) / 86400);
	assert_true(clock_today() - utc >= 0 && clock_today() - utc <= 1);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	today = clock_today();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_person_is_normalised),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_credit_code_warning),
		cmocka_unit_test(test_staff_origin),
		cmocka_unit_test(test_query_codes),
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests_name("requests", tests, NULL, NULL);
}
