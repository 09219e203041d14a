/*
 * Tests of domain/workflow_rules: every step in every state (allowed or
 * refused with a message), who may take each step, and the outcome table
 * (the 21 codes of table 三, each with its article and a notice template).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "domain/workflow_rules.h"

/* The expected states of each step, written out independently of the
 * table in workflow_rules.c. */
static const struct {
	const char *action;
	const char *states;	/* space-separated status codes */
} expected[] = {
	{ "confirm", "submitted" },
	{ "discard", "submitted" },
	{ "supplement", "in_progress" },
	{ "supplement_answered", "awaiting_supplement closed" },
	{ "consult", "in_progress consulting" },
	{ "consult_answered", "consulting" },
	{ "consult_received", "consulting" },
	{ "extend", "in_progress consulting" },
	{ "approve_extension", "in_progress awaiting_supplement consulting awaiting_fee" },
	{ "refuse_extension", "in_progress awaiting_supplement consulting awaiting_fee" },
	{ "fee_notice", "in_progress" },
	{ "fee_notice_delivered", "awaiting_fee" },
	{ "fee_paid", "awaiting_fee" },
	{ "reply", "in_progress" },
	{ "withdraw", "submitted in_progress awaiting_supplement consulting awaiting_fee" },
	{ "appeal", "submitted in_progress awaiting_supplement consulting awaiting_fee answered closed withdrawn discarded" },
	{ "note", "submitted in_progress awaiting_supplement consulting awaiting_fee answered closed withdrawn discarded" },
	{ "assign", "submitted in_progress awaiting_supplement consulting awaiting_fee" },
	{ "expire_supplement", "awaiting_supplement" },
	{ "expire_fee", "awaiting_fee" },
	/* Art. 35: the request stays in progress, its clock stopped. */
	{ "ask_reasons", "in_progress" },
	{ "reasons_answered", "in_progress awaiting_supplement consulting awaiting_fee" },
	{ "expire_reasons", "in_progress awaiting_supplement consulting awaiting_fee" },
	{ "set_deadline", "in_progress" },
	{ "approve_deadline", "in_progress awaiting_supplement consulting awaiting_fee" },
	{ "refuse_deadline", "in_progress awaiting_supplement consulting awaiting_fee" },
	{ "record_delivery", "in_progress awaiting_supplement consulting awaiting_fee answered closed withdrawn discarded" },
	/* Issue 18: only where a reply may be given. */
	{ "transfer", "in_progress" },
	/* Issue 18 §2: a concluded reply (its outcome checked by the step). */
	{ "publish", "answered" },
};

static bool listed(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static void test_every_step_in_every_state(void **state)
{
	(void)state;
	assert_int_equal(sizeof expected / sizeof expected[0], WF_ACTION_COUNT);
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
		enum wf_action a;
		assert_true(wf_action_from_code(expected[i].action, &a));
		assert_string_equal(wf_action_code(a), expected[i].action);
		assert_true(strlen(wf_action_label(a)) > 0);
		assert_true(strlen(wf_action_event(a)) > 0);
		for (int s = 0; s < WF_STATUS_COUNT; s++) {
			const char *why = NULL;
			bool want = listed(expected[i].states, wf_status_code(s));
			bool got = wf_action_allowed(a, (enum wf_status)s, &why);
			if (want != got)
				fail_msg("%s in %s: expected %s", expected[i].action,
					 wf_status_code(s), want ? "allowed" : "refused");
			if (!got) {
				assert_non_null(why);
				assert_true(strlen(why) > 6);
			}
		}
	}
}

static void test_refusal_messages_name_the_rule(void **state)
{
	(void)state;
	const char *why;
	assert_false(wf_action_allowed(WF_REPLY, WF_ANSWERED, &why));
	assert_non_null(strstr(why, "不能重复答复"));
	assert_false(wf_action_allowed(WF_SUPPLEMENT, WF_AWAITING_SUPPLEMENT, &why));
	assert_non_null(strstr(why, "第三十条"));
	assert_false(wf_action_allowed(WF_CONFIRM, WF_IN_PROGRESS, &why));
	assert_non_null(strstr(why, "已经确认"));
	assert_false(wf_action_allowed(WF_REPLY, WF_SUBMITTED, &why));
	assert_non_null(strstr(why, "第三十一条"));
	assert_false(wf_action_allowed(WF_EXTEND, WF_CLOSED, &why));
	assert_non_null(strstr(why, "终止"));
	assert_false(wf_action_allowed(WF_REPLY, WF_CONSULTING, &why));
	assert_non_null(strstr(why, "征求意见"));
	assert_false(wf_action_allowed(WF_WITHDRAW, WF_WITHDRAWN, &why));
	assert_non_null(strstr(why, "撤回"));
	assert_false(wf_action_allowed(WF_ACTION_COUNT, WF_IN_PROGRESS, &why));
}

static void test_who_may_act(void **state)
{
	(void)state;
	const char *why;
	/* Applicants: only answer a supplement and withdraw. */
	for (int a = 0; a < WF_ACTION_COUNT; a++) {
		bool want = a == WF_SUPPLEMENT_ANSWERED || a == WF_WITHDRAW;
		assert_int_equal(wf_actor_may(a, WF_BY_APPLICANT, NULL, &why), want);
	}
	/* The system only lets periods expire. */
	for (int a = 0; a < WF_ACTION_COUNT; a++) {
		bool want = a == WF_EXPIRE_SUPPLEMENT || a == WF_EXPIRE_FEE ||
			    a == WF_EXPIRE_REASONS;
		assert_int_equal(wf_actor_may(a, WF_BY_SYSTEM, NULL, &why), want);
	}
	/* Art. 33: a clerk proposes, only a head decides. */
	assert_true(wf_actor_may(WF_EXTEND, WF_BY_STAFF, "clerk", &why));
	assert_false(wf_actor_may(WF_APPROVE_EXTENSION, WF_BY_STAFF, "clerk", &why));
	assert_non_null(strstr(why, "第三十三条"));
	assert_false(wf_actor_may(WF_REFUSE_EXTENSION, WF_BY_STAFF, "clerk", &why));
	assert_true(wf_actor_may(WF_APPROVE_EXTENSION, WF_BY_STAFF, "head", &why));
	assert_true(wf_actor_may(WF_REPLY, WF_BY_STAFF, "head", &why));
	/* Art. 35: a stated deadline likewise. */
	assert_true(wf_actor_may(WF_SET_DEADLINE, WF_BY_STAFF, "clerk", &why));
	assert_false(wf_actor_may(WF_APPROVE_DEADLINE, WF_BY_STAFF, "clerk", &why));
	assert_non_null(strstr(why, "负责人"));
	assert_false(wf_actor_may(WF_REFUSE_DEADLINE, WF_BY_STAFF, "clerk", &why));
	assert_true(wf_actor_may(WF_APPROVE_DEADLINE, WF_BY_STAFF, "head", &why));
	assert_false(wf_actor_may(WF_EXPIRE_REASONS, WF_BY_STAFF, "head", &why));
	/* Administrators manage, they do not handle requests. */
	assert_false(wf_actor_may(WF_REPLY, WF_BY_STAFF, "admin", &why));
	assert_false(wf_actor_may(WF_NOTE, WF_BY_STAFF, NULL, &why));
	assert_false(wf_actor_may(WF_NOTE, WF_BY_STAFF, "intern", &why));
	/* Expiry is never a staff step. */
	assert_false(wf_actor_may(WF_EXPIRE_FEE, WF_BY_STAFF, "head", &why));
}

static void test_status_codes(void **state)
{
	(void)state;
	const char *codes[] = { "submitted", "in_progress", "awaiting_supplement",
				"consulting", "awaiting_fee", "answered", "closed",
				"withdrawn", "discarded" };
	for (int i = 0; i < WF_STATUS_COUNT; i++) {
		enum wf_status s;
		assert_true(wf_status_from_code(codes[i], &s));
		assert_int_equal(s, i);
		assert_true(strlen(wf_status_label(s)) > 0);
		assert_int_equal(wf_status_open(s), i <= WF_AWAITING_FEE);
	}
	enum wf_status s;
	assert_false(wf_status_from_code("open", &s));
	assert_false(wf_status_from_code(NULL, &s));
	assert_true(wf_status_paused(WF_CONSULTING));
	assert_false(wf_status_paused(WF_IN_PROGRESS));
}

/* The outcome codes of table 三 in report-format.md, in order. */
static const char *const table3[] = {
	"disclosed", "partial", "deny_secret", "deny_law", "deny_security",
	"deny_third_party", "deny_internal", "deny_process", "deny_enforcement",
	"deny_query", "unable_not_held", "unable_create", "unable_unclear",
	"reject_petition", "reject_repeat", "reject_publication", "reject_mass",
	"reject_confirm", "other_no_supplement", "other_no_fee", "other",
};

static void test_outcome_table(void **state)
{
	(void)state;
	assert_int_equal(wf_outcome_count, 21);
	for (int i = 0; i < 21; i++) {
		const struct wf_outcome *o = wf_outcome_find(table3[i]);
		assert_non_null(o);
		assert_ptr_equal(o, &wf_outcomes[i]);
		assert_non_null(strstr(o->basis, "《中华人民共和国政府信息公开条例》"));
		if (strcmp(o->code, "other"))
			assert_non_null(strstr(o->basis, "第"));
		assert_true(strlen(o->label) > 0 && strlen(o->reason) > 0);
		/* Only the system ends a request for a missing supplement or fee. */
		assert_int_equal(o->staff_may_choose,
				 strcmp(o->code, "other_no_supplement") &&
				 strcmp(o->code, "other_no_fee"));
		/* The notice template exists (run from the repository root). */
		char path[256];
		snprintf(path, sizeof path, "templates/%s.mustache",
			 wf_notice_template(o->notice));
		if (access("templates", F_OK) == 0 && access(path, R_OK) != 0)
			fail_msg("%s: missing %s", o->code, path);
		assert_true(strlen(wf_notice_title(o->notice)) > 0);
	}
	assert_null(wf_outcome_find("approved"));
	assert_null(wf_outcome_find(NULL));
}

/* A correction's outcomes (Art. 41): their own table, found by code like
 * any outcome, marked as a correction's, none a row of table 三. */
static void test_correction_outcomes(void **state)
{
	(void)state;
	static const char *const codes[] = { "corrected", "referred", "refused" };
	assert_int_equal(wf_correction_outcome_count, 3);
	for (int i = 0; i < 3; i++) {
		const struct wf_outcome *o = wf_outcome_find(codes[i]);
		assert_non_null(o);
		assert_ptr_equal(o, &wf_correction_outcomes[i]);
		assert_true(o->correction && o->staff_may_choose);
		assert_non_null(strstr(o->basis, "第四十一条"));
		assert_int_equal(o->notice, WF_NOTICE_CORRECTION);
		for (int j = 0; j < wf_outcome_count; j++)
			assert_string_not_equal(wf_outcomes[j].code, o->code);
	}
	for (int j = 0; j < wf_outcome_count; j++)
		assert_false(wf_outcomes[j].correction);
	assert_string_equal(wf_notice_template(WF_NOTICE_CORRECTION), "notices/correction");
	assert_string_equal(wf_notice_title(WF_NOTICE_CORRECTION), "更正申请答复书");
	if (access("templates", F_OK) == 0 && access("templates/notices/correction.mustache", R_OK))
		fail_msg("missing templates/notices/correction.mustache");
}

static void test_legal_basis_per_outcome(void **state)
{
	(void)state;
	/* Hand-checked against ogi-rules.md "How a request ends". */
	static const struct { const char *code, *article; } cases[] = {
		{ "disclosed", "第三十六条第（二）项" },
		{ "partial", "第三十七条" },
		{ "deny_secret", "第十四条" },
		{ "deny_third_party", "第十五条" },
		{ "deny_internal", "第十六条第一款" },
		{ "deny_process", "第十六条第二款" },
		{ "deny_enforcement", "第十六条第二款" },
		{ "deny_query", "第三十六条第（七）项" },
		{ "unable_not_held", "第三十六条第（四）项" },
		{ "unable_create", "第三十八条" },
		{ "unable_unclear", "第三十条" },
		{ "reject_petition", "第三十九条第一款" },
		{ "reject_repeat", "第三十六条第（六）项" },
		{ "reject_publication", "第三十九条第二款" },
		{ "reject_mass", "第三十五条" },
		{ "other_no_supplement", "第三十条" },
		{ "other_no_fee", "第四十二条" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct wf_outcome *o = wf_outcome_find(cases[i].code);
		if (!strstr(o->basis, cases[i].article))
			fail_msg("%s: basis %s lacks %s", o->code, o->basis, cases[i].article);
	}
	assert_non_null(strstr(wf_outcome_find("disclosed")->basis_alt, "第三十六条第（一）项"));
	assert_non_null(strstr(wf_outcome_find("unable_not_held")->basis_alt, "第三十六条第（五）项"));
	/* 36 ⑸ says why differently from 36 ⑷; other outcomes keep theirs. */
	const struct wf_outcome *nh = wf_outcome_find("unable_not_held");
	assert_string_equal(wf_outcome_reason(nh, nh->basis), nh->reason);
	assert_non_null(strstr(wf_outcome_reason(nh, nh->basis_alt), "不属于本机关负责公开"));
	const struct wf_outcome *dc = wf_outcome_find("disclosed");
	assert_string_equal(wf_outcome_reason(dc, dc->basis_alt), dc->reason);
	assert_int_equal(wf_outcome_find("deny_law")->notice, WF_NOTICE_DENY);
	assert_int_equal(wf_outcome_find("partial")->notice, WF_NOTICE_PARTIAL);
	assert_int_equal(wf_outcome_find("reject_mass")->notice, WF_NOTICE_REJECT);
	assert_int_equal(wf_outcome_find("unable_create")->notice, WF_NOTICE_UNABLE);
	/* Art. 36(7): a 告知 naming the channel, its own template. */
	assert_int_equal(wf_outcome_find("deny_query")->notice, WF_NOTICE_QUERY);
	assert_string_equal(wf_notice_template(WF_NOTICE_QUERY), "notices/query");
	assert_string_equal(wf_notice_template(WF_NOTICE_DENY), "notices/deny");
}

/* Art. 44: only information disclosed, wholly or in part, is listed. */
static void test_listable_outcomes(void **state)
{
	(void)state;
	for (int i = 0; i < wf_outcome_count; i++) {
		const char *code = wf_outcomes[i].code;
		bool want = !strcmp(code, "disclosed") || !strcmp(code, "partial");
		if (wf_outcome_listable(code) != want)
			fail_msg("wf_outcome_listable(%s) should be %d", code, want);
	}
	assert_false(wf_outcome_listable(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_step_in_every_state),
		cmocka_unit_test(test_refusal_messages_name_the_rule),
		cmocka_unit_test(test_who_may_act),
		cmocka_unit_test(test_status_codes),
		cmocka_unit_test(test_outcome_table),
		cmocka_unit_test(test_correction_outcomes),
		cmocka_unit_test(test_legal_basis_per_outcome),
		cmocka_unit_test(test_listable_outcomes),
	};
	return cmocka_run_group_tests_name("workflow_rules", tests, NULL, NULL);
}
