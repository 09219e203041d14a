/* Tests of domain/privacy_check: personal data in a public listing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "domain/privacy_check.h"

static void expect(const char *text, const char *applicant, enum privacy_level level,
		   enum privacy_kind kind, const char *what)
{
	struct privacy_finding f;
	enum privacy_level got = privacy_check(text, applicant, &f);
	if (got != level || f.kind != kind)
		fail_msg("privacy_check(\"%s\"): expected level %d kind %d, got %d kind %d (\"%s\")",
			 text, level, kind, got, f.kind, f.found);
	if (what && strcmp(f.found, what))
		fail_msg("privacy_check(\"%s\"): expected to find \"%s\", found \"%s\"", text, what,
			 f.found);
}

#define CLEAN(text) expect(text, "赵大海", PRIVACY_CLEAN, PRIVACY_NONE, "")
#define REFUSE(text, kind, what) expect(text, "赵大海", PRIVACY_REFUSE, kind, what)
#define WARN(text, what) expect(text, "赵大海", PRIVACY_WARN, PRIVACY_PERSON_NAME, what)

static void test_clean(void **state)
{
	(void)state;
	CLEAN("2025年城区道路改造工程招标文件");
	CLEAN("共3份文件，合同金额12345678元，2025-01-01签订");
	CLEAN("编号12345678901234567890的项目（20位数字不是证件号码）");
	CLEAN("申请人申请公开的道路改造资料");
	CLEAN("各位先生、女士：");
	CLEAN("");
	expect("赵", "赵", PRIVACY_CLEAN, PRIVACY_NONE, "");	/* a one-character name */
	expect("任何文字", NULL, PRIVACY_CLEAN, PRIVACY_NONE, "");
}

static void test_applicant_name(void **state)
{
	(void)state;
	REFUSE("赵大海申请的道路资料", PRIVACY_APPLICANT_NAME, "赵大海");
	expect("关于某某科技有限公司的答复", " 某某科技有限公司 ", PRIVACY_REFUSE,
	       PRIVACY_APPLICANT_NAME, "某某科技有限公司");
}

static void test_id_numbers(void **state)
{
	(void)state;
	REFUSE("身份证11010519491231002X的材料", PRIVACY_ID_NUMBER, "11010519491231002X");
	REFUSE("号码440524188001010014", PRIVACY_ID_NUMBER, "440524188001010014");
	/* a wrong check character is still an ID number's shape */
	REFUSE("110105194912310021", PRIVACY_ID_NUMBER, "110105194912310021");
	REFUSE("110105 19491231 002x", PRIVACY_ID_NUMBER, "110105 19491231 002x");
}

static void test_phones(void **state)
{
	(void)state;
	REFUSE("联系13812345678", PRIVACY_PHONE, "13812345678");
	REFUSE("手机 138-1234-5678。", PRIVACY_PHONE, "138-1234-5678");
	REFUSE("+86 13912345678", PRIVACY_PHONE, "86 13912345678");
	REFUSE("电话010-12345678", PRIVACY_PHONE, "010-12345678");
	REFUSE("电话0571-8888888", PRIVACY_PHONE, "0571-8888888");
	CLEAN("12812345678");	/* 12… is no mobile prefix */
}

static void test_credit_codes(void **state)
{
	(void)state;
	REFUSE("代码91350100M000100Y43。", PRIVACY_CREDIT_CODE, "91350100M000100Y43");
	/* a failing check character: still its shape */
	REFUSE("91350100M000100Y44", PRIVACY_CREDIT_CODE, NULL);
	CLEAN("ABCDEFGHJKLMNPQRTUVW");	/* 20 characters */
	CLEAN("91350100M000100I43");	/* I is not in the alphabet */
}

static void test_other_names(void **state)
{
	(void)state;
	WARN("经与张女士核实", "张女士");
	WARN("李建国同志提供的资料", "李建国同志");
	WARN("由王小先生转交", "王小先生");
	WARN("姓名：王小明", "姓名：王小明");
	WARN("当事人:刘强", "当事人:刘强");
	/* a refusal comes before a warning */
	REFUSE("张女士 13812345678", PRIVACY_PHONE, "13812345678");
}

static void test_labels(void **state)
{
	(void)state;
	assert_string_equal(privacy_kind_label(PRIVACY_PHONE), "电话号码");
	assert_string_equal(privacy_kind_label(PRIVACY_PERSON_NAME), "他人姓名");
	assert_string_equal(privacy_kind_label(PRIVACY_NONE), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean),
		cmocka_unit_test(test_applicant_name),
		cmocka_unit_test(test_id_numbers),
		cmocka_unit_test(test_phones),
		cmocka_unit_test(test_credit_codes),
		cmocka_unit_test(test_other_names),
		cmocka_unit_test(test_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
