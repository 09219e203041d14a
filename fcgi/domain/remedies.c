#include "domain/remedies.h"

#include <string.h>

#include "domain/date.h"

int32_t remedy_review_first_since(void)
{
	return date_from_ymd(2024, 1, 1);
}

/* 行政复议法 Art. 23(1)(4): "申请政府信息公开，行政机关不予公开". */
static bool is_refusal(const char *outcome)
{
	return outcome && (!strncmp(outcome, "deny_", 5) || !strcmp(outcome, "partial"));
}

enum remedy_paragraph remedy_paragraph(const char *outcome, int32_t issued_on)
{
	if (issued_on < remedy_review_first_since())
		return REMEDY_BEFORE_2024;
	return is_refusal(outcome) ? REMEDY_REVIEW_FIRST : REMEDY_REVIEW_OR_SUIT;
}

const char *remedy_paragraph_code(enum remedy_paragraph p)
{
	switch (p) {
	case REMEDY_BEFORE_2024: return "before_2024";
	case REMEDY_REVIEW_OR_SUIT: return "review_or_suit";
	case REMEDY_REVIEW_FIRST: return "review_first";
	}
	return "review_or_suit";
}

const char *review_body_choose(const char *configured, const char *government_above,
			       bool is_government, enum review_body_source *source)
{
	enum review_body_source s;
	const char *body;
	if (configured && *configured) {
		s = REVIEW_BODY_SET;
		body = configured;
	} else if (government_above && *government_above) {
		s = REVIEW_BODY_DERIVED;
		body = government_above;
	} else {
		/* 行政复议法 Art. 24(1)(1), (1)(2): the words of the law, not a
		 * name; notices stay correct, and check asks for the name. */
		s = REVIEW_BODY_UNKNOWN;
		body = is_government ? "上一级人民政府" : "本级人民政府";
	}
	if (source)
		*source = s;
	return body;
}

const char *review_body_source_code(enum review_body_source s)
{
	switch (s) {
	case REVIEW_BODY_SET: return "set";
	case REVIEW_BODY_DERIVED: return "derived";
	case REVIEW_BODY_UNKNOWN: return "unknown";
	}
	return "unknown";
}
