/*
 * idcheck: identity numbers an applicant gives (Art. 29 ¶2 item 1: 身份证明).
 *
 * Every check returns true or false and, when false, points *why (if why is
 * not NULL) at a short message in Chinese for the form. Input is taken as
 * typed: callers trim surrounding spaces first. Letters are accepted in
 * either case; store numbers upper-cased (id_upcase).
 */
#ifndef YSQGK_IDCHECK_H
#define YSQGK_IDCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum id_type {
	ID_RESIDENT,		/* 居民身份证 */
	ID_PASSPORT,		/* 护照 */
	ID_HK_MACAO_PERMIT,	/* 港澳居民来往内地通行证 */
	ID_TAIWAN_PERMIT,	/* 台湾居民来往大陆通行证 */
	ID_FOREIGN_PERMANENT,	/* 外国人永久居留身份证 */
	ID_OTHER,		/* 其他 */
};

/* The codes requests.id_type stores ("resident_id", "passport", ...:
 * domain/vocab.h, vocab_id_type, has them with their labels too). */
const char *id_type_code(enum id_type type);
bool id_type_from_code(const char *code, enum id_type *out);
const char *id_type_name(enum id_type type);	/* 居民身份证, 护照, ... */

/*
 * 居民身份证号码, GB 11643-1999: 17 digits and a check character (digit or
 * X/x); positions 7-14 are the birth date, a real date not after today and
 * not before 1800-01-01 (the standard's own example was born in 1880).
 */
bool resident_id_valid(const char *s, int32_t today, const char **why);

/*
 * 统一社会信用代码, GB 32100-2015: 18 characters of
 * "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I O S V Z) with a check character.
 * Some codes issued in practice reportedly fail the check, so a caller
 * should refuse only what credit_code_format_ok() refuses and treat a
 * failing check as a warning the applicant may confirm.
 */
bool credit_code_valid(const char *s, const char **why);
bool credit_code_format_ok(const char *s, const char **why);

/*
 * Plausibility for the other documents, which have no public check digit:
 *   passport:       5-20 letters or digits
 *   港澳通行证:      H or M, then 8 or 10 digits
 *   台湾通行证:      8 or 10 digits
 *   外国人永久居留证: 3 letters + 12 digits (before 2023) or, from 2023,
 *                   18 characters: '9', 16 digits and a digit or X
 *   other:          1-40 characters, no control characters, not blank
 * ID_RESIDENT gets the shape check only (18 characters, 17 digits, digit
 * or X); use resident_id_valid() for the full check.
 */
bool other_id_plausible(enum id_type type, const char *s, const char **why);

/* Upper-cases ASCII letters in place (x -> X in 居民身份证). */
void id_upcase(char *s);

/*
 * Masks the middle of a number for display. Characters are UTF-8 code
 * points, each masked one becomes one '*'. Identity numbers of 15
 * characters or more keep the first 6 and last 4 ("110105********002X");
 * phone numbers of 11 or more the first 3 and last 4 ("138****5678").
 * Shorter values keep a quarter at each end (rounded down), so at least
 * half is masked ("M1*******90", "87****21"); 3 characters or fewer are
 * masked entirely.
 *
 * out must hold strlen(s) + 1 bytes (the result is never longer); returns
 * false, with out set to "" if outsize > 0, when it does not.
 */
bool mask_id_number(const char *s, char *out, size_t outsize);
bool mask_phone(const char *s, char *out, size_t outsize);

/* "z***@example.com": the local part's first character and the domain.
 * out needs strlen(domain part) + 5 bytes; false (out "") for no '@'. */
bool mask_email(const char *s, char *out, size_t outsize);

#endif
