/*
 * Tests of domain/remedies: which remedies paragraph a notice carries
 * (行政复议法 2023 Art. 23(1)(4), in force 2024-01-01; ogi-rules.md
 * "Remedies") and which review body it names (Art. 24).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "domain/date.h"
#include "domain/remedies.h"
#include "domain/workflow_rules.h"

#define expect_int(expected, got) do {					\
	long long e_ = (expected), g_ = (got);				\
	if (e_ != g_)							\
		fail_msg("%s: expected %lld, got %lld", #got, e_, g_);	\
} while (0)

#define expect_str(expected, got) do {					\
	const char *e_ = (expected), *g_ = (got);			\
	if (!g_ || strcmp(e_, g_))					\
		fail_msg("%s: expected \"%s\", got \"%s\"", #got, e_,	\
			 g_ ? g_ : "(null)");				\
} while (0)

static int32_t day(int y, int m, int d)
{
	return date_from_ymd(y, m, d);
}

/* Every outcome of table 三, on each side of 2024-01-01. */
static void test_every_outcome_before_and_after(void **state)
{
	(void)state;
	int first = 0;
	for (int i = 0; i < wf_outcome_count; i++) {
		const char *o = wf_outcomes[i].code;
		bool refusal = !strncmp(o, "deny_", 5) || !strcmp(o, "partial");
		expect_int(REMEDY_BEFORE_2024, remedy_paragraph(o, day(2023, 12, 31)));
		expect_int(REMEDY_BEFORE_2024, remedy_paragraph(o, day(2019, 5, 15)));
		expect_int(refusal ? REMEDY_REVIEW_FIRST : REMEDY_REVIEW_OR_SUIT,
			   remedy_paragraph(o, day(2024, 1, 1)));
		expect_int(refusal ? REMEDY_REVIEW_FIRST : REMEDY_REVIEW_OR_SUIT,
			   remedy_paragraph(o, day(2026, 6, 30)));
		first += refusal;
	}
	/* partial and the eight deny_ rows. */
	expect_int(9, first);
}

static void test_named_cases(void **state)
{
	(void)state;
	int32_t after = day(2024, 1, 1);
	/* Art. 36(7): a 告知 in its words, but 不予公开 in the table. */
	expect_int(REMEDY_REVIEW_FIRST, remedy_paragraph("deny_query", after));
	expect_int(REMEDY_REVIEW_FIRST, remedy_paragraph("partial", after));
	expect_int(REMEDY_REVIEW_OR_SUIT, remedy_paragraph("disclosed", after));
	expect_int(REMEDY_REVIEW_OR_SUIT, remedy_paragraph("unable_not_held", after));
	expect_int(REMEDY_REVIEW_OR_SUIT, remedy_paragraph("reject_repeat", after));
	expect_int(REMEDY_REVIEW_OR_SUIT, remedy_paragraph("other_no_fee", after));
	/* A notice deciding no outcome (a fee notice). */
	expect_int(REMEDY_REVIEW_OR_SUIT, remedy_paragraph(NULL, after));
	expect_int(REMEDY_BEFORE_2024, remedy_paragraph(NULL, after - 1));
	expect_int(after, remedy_review_first_since());
	expect_str("review_first", remedy_paragraph_code(REMEDY_REVIEW_FIRST));
	expect_str("review_or_suit", remedy_paragraph_code(REMEDY_REVIEW_OR_SUIT));
	expect_str("before_2024", remedy_paragraph_code(REMEDY_BEFORE_2024));
}

static void test_review_body(void **state)
{
	(void)state;
	enum review_body_source s;
	/* The setting wins (a vertically managed agency, Art. 27). */
	expect_str("国家税务总局某市税务局",
		   review_body_choose("国家税务总局某市税务局", "某县人民政府", false, &s));
	expect_int(REVIEW_BODY_SET, s);
	/* A department: its government; a township: the county. */
	expect_str("某县人民政府", review_body_choose(NULL, "某县人民政府", false, &s));
	expect_int(REVIEW_BODY_DERIVED, s);
	expect_str("某县人民政府", review_body_choose("", "某县人民政府", true, &s));
	expect_int(REVIEW_BODY_DERIVED, s);
	/* Neither: the words of Art. 24, flagged. */
	expect_str("本级人民政府", review_body_choose(NULL, NULL, false, &s));
	expect_int(REVIEW_BODY_UNKNOWN, s);
	expect_str("上一级人民政府", review_body_choose("", "", true, &s));
	expect_int(REVIEW_BODY_UNKNOWN, s);
	expect_str("unknown", review_body_source_code(s));
	expect_str("某县人民政府", review_body_choose(NULL, "某县人民政府", false, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_outcome_before_and_after),
		cmocka_unit_test(test_named_cases),
		cmocka_unit_test(test_review_body),
	};
	return cmocka_run_group_tests_name("remedies", tests, NULL, NULL);
}
