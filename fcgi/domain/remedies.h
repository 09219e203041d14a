/*
 * remedies: what a notice tells the applicant about challenging it
 * (救济途径, regulation Art. 51), as pure functions (no I/O).
 *
 * Since 1 January 2024 (行政复议法 as revised in 2023) a decision not to
 * disclose must go to administrative review first (复议前置, 行政复议法
 * Art. 23(1)(4)); a suit follows within 15 days of receiving the review
 * decision (行政诉讼法 Art. 45), and the notice must say so (Art. 23 ¶2).
 * Any other reply: review within 60 days (行政复议法 Art. 20) or suit
 * within 6 months (行政诉讼法 Art. 46). A notice dated before 2024 keeps
 * the old wording, review or suit for every reply.
 *
 * Which paragraph is decided here; its wording is in
 * templates/notices/remedies.mustache.
 */
#ifndef YSQGK_REMEDIES_H
#define YSQGK_REMEDIES_H

#include <stdbool.h>
#include <stdint.h>

enum remedy_paragraph {
	REMEDY_BEFORE_2024,	/* the old wording: review or suit, for all */
	REMEDY_REVIEW_OR_SUIT,	/* review in 60 days or suit in 6 months */
	REMEDY_REVIEW_FIRST,	/* 复议前置, then suit in 15 days */
};

/* The day the revised 行政复议法 took effect: 2024-01-01. */
int32_t remedy_review_first_since(void);

/*
 * The paragraph of a notice dated `issued_on` that ends a request with
 * `outcome` (a table-三 code; NULL for a notice that decides no outcome,
 * such as a fee notice). From 2024: `deny_*` (deny_query included: the
 * national table counts Art. 36(7) under 不予公开) and `partial` (its
 * withheld part is a refusal) are review-first; everything else review
 * or suit.
 */
enum remedy_paragraph remedy_paragraph(const char *outcome, int32_t issued_on);

/* "before_2024", "review_or_suit", "review_first": the template's flag. */
const char *remedy_paragraph_code(enum remedy_paragraph p);

/* Where the named review body came from. */
enum review_body_source {
	REVIEW_BODY_SET,	/* the agency's setting `review_body` */
	REVIEW_BODY_DERIVED,	/* the government above, from the hierarchy */
	REVIEW_BODY_UNKNOWN,	/* neither: a generic phrase, to be set */
};

/*
 * The review body (行政复议机关, 行政复议法 Art. 24) named in an agency's
 * notices: its setting when there is one (vertically managed agencies
 * — customs, tax, finance… Art. 27 — must set it: they go to the
 * department above); else the nearest government above it in the
 * hierarchy, `government_above` (for a department that is 本级人民政府,
 * for a township government the county government); else, unknown, the
 * generic words of Art. 24 (本级人民政府 for a department, 上一级人民政府
 * for a government) — `ysqgk check` warns about such an agency. Empty
 * strings count as absent. *source (may be NULL) says which.
 */
const char *review_body_choose(const char *configured, const char *government_above,
			       bool is_government, enum review_body_source *source);

const char *review_body_source_code(enum review_body_source s); /* set, derived, unknown */

#endif
