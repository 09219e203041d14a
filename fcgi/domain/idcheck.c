#include "domain/idcheck.h"

#include <stdio.h>
#include <string.h>

#include "domain/date.h"
#include "domain/vocab.h"

#define ID_BIRTH_MIN_YEAR 1800

static bool set_why(const char **why, const char *message)
{
	if (why)
		*why = message;
	return false;
}

static bool ok(const char **why)
{
	if (why)
		*why = "";
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static char upper(char c)
{
	return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

void id_upcase(char *s)
{
	for (; s && *s; s++)
		*s = upper(*s);
}

/* ---- 居民身份证号码, GB 11643-1999 -------------------------------------- */

/* The check character of 17 digits: weights 2^(18-i) mod 11. */
static char resident_check_char(const char *s)
{
	static const int weight[17] = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 };
	int sum = 0;

	for (int i = 0; i < 17; i++)
		sum += (s[i] - '0') * weight[i];
	return "10X98765432"[sum % 11];
}

static bool resident_shape_ok(const char *s, const char **why)
{
	if (!s || strlen(s) != 18)
		return set_why(why, "长度应为18位");
	if (!all_digits(s, 17))
		return set_why(why, "前17位应为数字");
	if (!is_digit(s[17]) && upper(s[17]) != 'X')
		return set_why(why, "最后一位应为数字或X");
	return ok(why);
}

bool resident_id_valid(const char *s, int32_t today, const char **why)
{
	if (!resident_shape_ok(s, why))
		return false;

	int y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
	int m = (s[10] - '0') * 10 + (s[11] - '0');
	int d = (s[12] - '0') * 10 + (s[13] - '0');
	if (y < ID_BIRTH_MIN_YEAR || !date_ymd_valid(y, m, d))
		return set_why(why, "出生日期不正确");
	if (date_from_ymd(y, m, d) > today)
		return set_why(why, "出生日期不能晚于今天");
	if (upper(s[17]) != resident_check_char(s))
		return set_why(why, "校验位不正确");
	return ok(why);
}

/* ---- 统一社会信用代码, GB 32100-2015 ------------------------------------ */

static const char credit_alphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/* 0..30, or -1 for a character outside the alphabet. */
static int credit_value(char c)
{
	const char *p = c ? strchr(credit_alphabet, upper(c)) : NULL;

	return p ? (int)(p - credit_alphabet) : -1;
}

bool credit_code_format_ok(const char *s, const char **why)
{
	if (!s || strlen(s) != 18)
		return set_why(why, "长度应为18位");
	for (int i = 0; i < 18; i++)
		if (credit_value(s[i]) < 0)
			return set_why(why, "含有不允许的字符（只能是数字和除I、O、S、V、Z以外的大写字母）");
	return ok(why);
}

bool credit_code_valid(const char *s, const char **why)
{
	if (!credit_code_format_ok(s, why))
		return false;

	/* Weights 3^(i-1) mod 31 for positions 1..17. */
	int sum = 0, weight = 1;
	for (int i = 0; i < 17; i++) {
		sum += credit_value(s[i]) * weight;
		weight = weight * 3 % 31;
	}
	int check = 31 - sum % 31;
	if (check == 31)
		check = 0;
	if (credit_value(s[17]) != check)
		return set_why(why, "校验位不正确");
	return ok(why);
}

/* ---- other documents ---------------------------------------------------- */

static bool passport_plausible(const char *s, size_t n, const char **why)
{
	if (n < 5 || n > 20)
		return set_why(why, "护照号码应为5到20位字母或数字");
	for (size_t i = 0; i < n; i++)
		if (!is_digit(s[i]) && !is_alpha(s[i]))
			return set_why(why, "护照号码只能包含字母和数字");
	return ok(why);
}

static bool hk_macao_plausible(const char *s, size_t n, const char **why)
{
	char first = n ? upper(s[0]) : 0;

	if ((first != 'H' && first != 'M') || (n != 9 && n != 11) ||
	    !all_digits(s + 1, n - 1))
		return set_why(why, "港澳居民来往内地通行证号码应为H或M加8位或10位数字");
	return ok(why);
}

static bool taiwan_plausible(const char *s, size_t n, const char **why)
{
	if ((n != 8 && n != 10) || !all_digits(s, n))
		return set_why(why, "台湾居民来往大陆通行证号码应为8位或10位数字");
	return ok(why);
}

static bool foreign_permanent_plausible(const char *s, size_t n, const char **why)
{
	/* Before 2023: 3 letters (nationality) and 12 digits. */
	if (n == 15 && is_alpha(s[0]) && is_alpha(s[1]) && is_alpha(s[2]) &&
	    all_digits(s + 3, 12))
		return ok(why);
	/* From 2023-12: 18 characters shaped like a 居民身份证 number, led by 9. */
	if (n == 18 && s[0] == '9' && all_digits(s, 17) &&
	    (is_digit(s[17]) || upper(s[17]) == 'X'))
		return ok(why);
	return set_why(why, "外国人永久居留身份证号码应为3位字母加12位数字，或以9开头的18位");
}

/* Counts UTF-8 code points; false on a control character. */
static bool printable_length(const char *s, size_t *chars, bool *blank)
{
	*chars = 0;
	*blank = true;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			return false;
		if ((*p & 0xC0) != 0x80)
			(*chars)++;
		if (*p != ' ')
			*blank = false;
	}
	return true;
}

static bool other_plausible(const char *s, const char **why)
{
	size_t chars;
	bool blank;

	if (!printable_length(s, &chars, &blank))
		return set_why(why, "证件号码含有不可见字符");
	if (chars == 0 || blank)
		return set_why(why, "请填写证件号码");
	if (chars > 40)
		return set_why(why, "证件号码不能超过40个字符");
	return ok(why);
}

bool other_id_plausible(enum id_type type, const char *s, const char **why)
{
	if (!s || !*s)
		return set_why(why, "请填写证件号码");

	size_t n = strlen(s);
	switch (type) {
	case ID_RESIDENT:
		return resident_shape_ok(s, why);
	case ID_PASSPORT:
		return passport_plausible(s, n, why);
	case ID_HK_MACAO_PERMIT:
		return hk_macao_plausible(s, n, why);
	case ID_TAIWAN_PERMIT:
		return taiwan_plausible(s, n, why);
	case ID_FOREIGN_PERMANENT:
		return foreign_permanent_plausible(s, n, why);
	case ID_OTHER:
		return other_plausible(s, why);
	}
	return set_why(why, "证件类型不正确");
}

/* requests.id_type's codes; their labels are in vocab.c. */
static const char *const id_type_codes[] = {
	[ID_RESIDENT] = "resident_id",
	[ID_PASSPORT] = "passport",
	[ID_HK_MACAO_PERMIT] = "hk_macao_permit",
	[ID_TAIWAN_PERMIT] = "taiwan_permit",
	[ID_FOREIGN_PERMANENT] = "foreign_permanent_id",
	[ID_OTHER] = "other",
};

#define ID_TYPE_COUNT (sizeof(id_type_codes) / sizeof(id_type_codes[0]))

const char *id_type_code(enum id_type type)
{
	return (size_t)type < ID_TYPE_COUNT ? id_type_codes[type] : "other";
}

const char *id_type_name(enum id_type type)
{
	return vocab_label(&vocab_id_type, id_type_code(type));
}

bool id_type_from_code(const char *code, enum id_type *out)
{
	for (size_t i = 0; code && i < ID_TYPE_COUNT; i++) {
		if (strcmp(code, id_type_codes[i]) == 0) {
			*out = (enum id_type)i;
			return true;
		}
	}
	return false;
}

/* ---- masking ------------------------------------------------------------ */

static size_t utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/*
 * Copies s keeping `head` code points at the start and `tail` at the end,
 * each code point in between replaced by one '*'.
 */
static bool mask_middle(const char *s, size_t long_head, size_t long_tail,
			size_t long_from, char *out, size_t outsize)
{
	if (!s)
		s = "";
	if (outsize < strlen(s) + 1) {
		if (outsize > 0)
			out[0] = '\0';
		return false;
	}

	size_t chars = utf8_chars(s);
	size_t head = chars >= long_from ? long_head : chars / 4;
	size_t tail = chars >= long_from ? long_tail : chars / 4;
	size_t index = 0, o = 0;
	for (const char *p = s; *p; p++) {
		bool starts_char = ((unsigned char)*p & 0xC0) != 0x80;
		if (starts_char && p != s)
			index++;
		if (index < head || index >= chars - tail)
			out[o++] = *p;
		else if (starts_char)
			out[o++] = '*';
	}
	out[o] = '\0';
	return true;
}

bool mask_id_number(const char *s, char *out, size_t outsize)
{
	return mask_middle(s, 6, 4, 15, out, outsize);
}

bool mask_phone(const char *s, char *out, size_t outsize)
{
	return mask_middle(s, 3, 4, 11, out, outsize);
}

bool mask_email(const char *s, char *out, size_t outsize)
{
	const char *at = s ? strrchr(s, '@') : NULL;
	size_t domain = at ? strlen(at) : 0;
	if (!at || at == s || outsize < 1 + 3 + domain + 1) {
		if (outsize > 0)
			*out = '\0';
		return false;
	}
	/* The first byte of the local part is ASCII in practice; a UTF-8
	 * local part keeps no character at all rather than half of one. */
	size_t keep = (unsigned char)s[0] < 0x80 ? 1 : 0;
	snprintf(out, outsize, "%.*s***%s", (int)keep, s, at);
	return true;
}
