/*
 * privacy_check: personal data in a text meant for the public disclosure
 * log (Art. 44 转主动公开, issue 18 §2). Nothing personal is listed: the
 * applicant is never named, and the shapes of personal identifiers are
 * refused whoever they belong to. No I/O: the caller gives the text and
 * the applicant's name as stored.
 *
 * Refused (PRIVACY_REFUSE):
 *   - the applicant's own name (requests.name, trimmed; 2 characters or
 *     more, so that a one-character name does not match every text);
 *   - an 18-character run shaped like a 居民身份证号码: 17 digits and a
 *     digit or X/x, whether or not its check character is right;
 *   - a mainland phone number: a mobile (11 digits, 1[3-9]…, an optional
 *     +86/86 before it) or a landline with its area code (0 and 2–3
 *     digits, then 7–8 digits: 10 to 12 digits in all); digits may be
 *     grouped by single '-' or spaces ("138 1234 5678", "010-12345678");
 *   - an 18-character 统一社会信用代码 shape: letters and digits of its
 *     alphabet ("0123456789ABCDEFGHJKLMNPQRTUWXY", either case) with at
 *     least one letter, standing alone (no ASCII letter or digit beside).
 * A run of digits counts only as a whole: "12345678901234567890" (20
 * digits) is neither an ID nor a phone number.
 *
 * Warned (PRIVACY_WARN), for the clerk to confirm: what looks like some
 * other person's name. The heuristic, deliberately simple: one of the
 * common single-character surnames (privacy_check.c's list) followed by
 * 0–2 Han characters and then 先生, 女士 or 同志 ("张女士", "李建国同志");
 * or 申请人 / 姓名 / 当事人, a colon (： or :) and 2–4 Han characters
 * ("姓名：王小明"; "申请人申请公开" is no name). Surnames that are also
 * everyday words (位, 和, 国 …) are left out of the list. It misses names written otherwise and may
 * warn on a phrase that is not a name: hence a warning, not a refusal.
 */
#ifndef YSQGK_PRIVACY_CHECK_H
#define YSQGK_PRIVACY_CHECK_H

#include <stdbool.h>
#include <stddef.h>

enum privacy_kind {
	PRIVACY_NONE,
	PRIVACY_APPLICANT_NAME,
	PRIVACY_ID_NUMBER,
	PRIVACY_PHONE,
	PRIVACY_CREDIT_CODE,
	PRIVACY_PERSON_NAME,	/* the only warning */
};

enum privacy_level { PRIVACY_CLEAN, PRIVACY_WARN, PRIVACY_REFUSE };

#define PRIVACY_FOUND_MAX 64

struct privacy_finding {
	enum privacy_kind kind;
	char found[PRIVACY_FOUND_MAX];	/* the text found, UTF-8, cut to fit */
};

/* The first refusal in text, else the first warning, else PRIVACY_CLEAN
 * (out->kind PRIVACY_NONE). applicant_name may be NULL. */
enum privacy_level privacy_check(const char *text, const char *applicant_name,
				 struct privacy_finding *out);

/* What was found, in Chinese for the message: "申请人的姓名或名称",
 * "身份证号码", "电话号码", "统一社会信用代码", "他人姓名". */
const char *privacy_kind_label(enum privacy_kind kind);

#endif
