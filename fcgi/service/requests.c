#include "service/requests.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sodium.h>

#include "domain/date.h"
#include "domain/deadline.h"
#include "domain/idcheck.h"
#include "core/events.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "core/pii.h"
#include "lib/textcheck.h"
#include "core/clock.h"
#include "domain/vocab.h"

/* ---- dates -------------------------------------------------------------------- */


/* ---- text helpers -------------------------------------------------------------- */

/*
 * Folds full-width ASCII (U+FF01..U+FF5E, what a Chinese input method
 * types in full-width mode) and the ideographic space to ASCII, for fields
 * that are numbers and codes.
 */
static char *fold_fullwidth(struct arena *a, const char *s)
{
	size_t len = strlen(s);
	char *out = arena_alloc(a, len + 1);
	size_t o = 0;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t i = 0; i < len;) {
		if (p[i] == 0xEF && i + 2 < len && (p[i + 1] == 0xBC || p[i + 1] == 0xBD) &&
		    p[i + 2] >= 0x80 && p[i + 2] <= 0xBF) {
			unsigned cp = 0xF000u | ((p[i + 1] & 0x3Fu) << 6) | (p[i + 2] & 0x3Fu);
			if (cp >= 0xFF01 && cp <= 0xFF5E) {
				out[o++] = (char)(cp - 0xFF01 + 0x21);
				i += 3;
				continue;
			}
		}
		if (p[i] == 0xE3 && i + 2 < len && p[i + 1] == 0x80 && p[i + 2] == 0x80) {
			out[o++] = ' ';
			i += 3;
			continue;
		}
		out[o++] = (char)p[i++];
	}
	out[o] = '\0';
	return out;
}

/* Length of a blank at s: ASCII white space, NBSP or the ideographic space. */
static size_t blank_len(const unsigned char *s, size_t n)
{
	if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r' ||
		       s[0] == '\v' || s[0] == '\f'))
		return 1;
	if (n >= 2 && s[0] == 0xC2 && s[1] == 0xA0)
		return 2;
	if (n >= 3 && s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

static size_t blank_len_before(const unsigned char *s, size_t end)
{
	if (end >= 1 && blank_len(s + end - 1, 1) == 1)
		return 1;
	if (end >= 2 && blank_len(s + end - 2, 2) == 2)
		return 2;
	if (end >= 3 && blank_len(s + end - 3, 3) == 3)
		return 3;
	return 0;
}

static char *trim(struct arena *a, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t start = 0, end = strlen(s), n;
	while (start < end && (n = blank_len(p + start, end - start)))
		start += n;
	while (end > start && (n = blank_len_before(p + start, end - start)))
		end -= n;
	return arena_strndup(a, s + start, end - start);
}

/* CRLF and lone CR become LF (browsers send CRLF from a textarea). */
static void newlines_to_lf(char *s)
{
	char *o = s;
	for (const char *p = s; *p; p++) {
		if (*p == '\r') {
			*o++ = '\n';
			if (p[1] == '\n')
				p++;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
}

/* The site's one rule for text (textcheck.h); CR is gone by now. */
static bool has_control(const char *s, bool multiline)
{
	uint32_t cp;
	return text_forbidden_char(s, strlen(s), multiline, &cp);
}

static size_t chars(const char *s)
{
	return utf8_length(s, strlen(s));
}

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static char *strip_spaces(struct arena *a, const char *s)
{
	char *out = arena_alloc(a, strlen(s) + 1), *o = out;
	for (; *s; s++)
		if (*s != ' ' && *s != '\t')
			*o++ = *s;
	*o = '\0';
	return out;
}

/* ---- validation ------------------------------------------------------------------ */

struct vctx {
	struct arena *a;
	struct json_object *in;
	struct json_object *errors;
	bool failed;
};

static void fail(struct vctx *v, const char *field, const char *message)
{
	v->failed = true;
	if (!json_object_object_get_ex(v->errors, field, NULL))
		json_object_object_add(v->errors, field, json_object_new_string(message));
}

static void failf(struct vctx *v, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void failf(struct vctx *v, const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fail(v, field, msg);
}

/*
 * The trimmed text of a string field: "" when it is absent, null or blank;
 * NULL after recording an error (not a string, a NUL, invalid UTF-8,
 * control characters, longer than max_chars).
 */
static const char *text(struct vctx *v, const char *field, const char *label,
			size_t max_chars, bool multiline)
{
	struct json_object *o;
	if (!json_object_object_get_ex(v->in, field, &o) || json_object_is_type(o, json_type_null))
		return "";
	if (!json_object_is_type(o, json_type_string)) {
		failf(v, field, "%s的格式不正确", label);
		return NULL;
	}
	const char *raw = json_object_get_string(o);
	size_t len = (size_t)json_object_get_string_len(o);
	/* U+FFFD is what a decoder leaves of bytes it could not read (json-c
	 * turns a lone surrogate escape into it): the text is damaged. */
	if (strlen(raw) != len || !utf8_valid(raw, len) || strstr(raw, "\xEF\xBF\xBD")) {
		failf(v, field, "%s含有无法识别的字符，请重新输入", label);
		return NULL;
	}
	char *s = trim(v->a, raw);
	if (multiline)
		newlines_to_lf(s);
	if (has_control(s, multiline)) {
		failf(v, field, multiline ? "%s含有不可见的控制字符或格式字符，请删除"
					  : "%s不能换行，也不能含有不可见的控制字符或格式字符", label);
		return NULL;
	}
	size_t n = chars(s);
	if (n > max_chars) {
		failf(v, field, "%s不能超过%zu个字（现在是%zu个字）", label, max_chars, n);
		return NULL;
	}
	return s;
}

/* A text that must be given. */
static const char *required(struct vctx *v, const char *field, const char *label,
			    size_t max_chars, const char *missing)
{
	const char *s = text(v, field, label, max_chars, false);
	if (s && !*s) {
		fail(v, field, missing);
		return NULL;
	}
	return s;
}

static const char *optional(struct vctx *v, const char *field, const char *label,
			    size_t max_chars)
{
	const char *s = text(v, field, label, max_chars, false);
	return s && *s ? s : NULL;
}

static bool flag(struct vctx *v, const char *field)
{
	struct json_object *o;
	return json_object_object_get_ex(v->in, field, &o) &&
	       json_object_is_type(o, json_type_boolean) && json_object_get_boolean(o);
}

/* A list of codes from `table`; duplicates dropped; count returned. */
static size_t code_list(struct vctx *v, const char *field, const struct vocab *table,
			const char **out, const char *missing,
			const char *unknown)
{
	struct json_object *o;
	if (!json_object_object_get_ex(v->in, field, &o) || json_object_is_type(o, json_type_null)) {
		fail(v, field, missing);
		return 0;
	}
	if (!json_object_is_type(o, json_type_array)) {
		fail(v, field, unknown);
		return 0;
	}
	size_t count = 0;
	size_t len = json_object_array_length(o);
	for (size_t i = 0; i < len; i++) {
		struct json_object *item = json_object_array_get_idx(o, i);
		const char *code = json_object_is_type(item, json_type_string)
			? json_object_get_string(item) : NULL;
		const struct vocab_term *t = vocab_find(table, code);
		if (!t) {
			fail(v, field, unknown);
			return 0;
		}
		bool seen = false;
		for (size_t j = 0; j < count; j++)
			seen |= out[j] == t->code;
		if (!seen)
			out[count++] = t->code;
	}
	if (!count)
		fail(v, field, missing);
	return count;
}

static bool has_code(const char *const *list, size_t n, const char *code)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], code))
			return true;
	return false;
}

const char *phone_normalise(struct arena *a, const char *typed)
{
	char *digits = arena_alloc(a, strlen(typed) + 1);
	size_t n = 0;
	bool plus = false;
	for (const char *p = typed; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits[n++] = *p;
		else if (*p == '+' && n == 0 && !plus)
			plus = true;
		else if (!strchr(" -()", *p))
			return NULL;
	}
	digits[n] = '\0';
	char *d = digits;
	if (plus && !strncmp(d, "86", 2))
		d += 2;
	else if (!plus && !strncmp(d, "0086", 4))
		d += 4;
	size_t len = strlen(d);
	if (len < 7 || len > 20)
		return NULL;
	/* A mobile number is 1 + 10 digits; 10 digits starting with 1 is a
	 * typing slip, not a landline (those start with 0). */
	if (!plus && d[0] == '1' && len != 11)
		return NULL;
	return d;
}

static bool is_mobile(const char *digits)
{
	return strlen(digits) == 11 && digits[0] == '1' && is_digits(digits, 11);
}

static bool email_plausible(const char *s)
{
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@') || (size_t)(at - s) > 64)
		return false;
	const char *domain = at + 1;
	size_t dl = strlen(domain);
	if (dl < 3 || !strchr(domain, '.') || domain[0] == '.' || domain[dl - 1] == '.' ||
	    strstr(domain, ".."))
		return false;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
			return false;
	return true;
}

static void validate_kind(struct vctx *v, struct request_fields *f)
{
	const char *kind = text(v, "applicant_kind", "申请人类型", 32, false);
	if (kind && !*kind)
		fail(v, "applicant_kind", "请选择申请人类型：公民，或者法人或其他组织的类别");
	else if (kind && !vocab_has(&vocab_applicant_kind, kind))
		fail(v, "applicant_kind", "申请人类型不正确，请从列出的选项中选择");
	else if (kind)
		f->applicant_kind = kind;
}

static void validate_person(struct vctx *v, struct request_fields *f, int32_t today)
{
	const char *type = text(v, "id_type", "证件类型", 32, false);
	enum id_type t = ID_OTHER;
	if (type && !*type)
		fail(v, "id_type", "请选择证件类型");
	else if (type && !id_type_from_code(type, &t))
		fail(v, "id_type", "证件类型不正确，请从列出的选项中选择");
	else if (type)
		f->id_type = type;

	const char *number = required(v, "id_number", "证件号码", 40, "请填写证件号码");
	if (number && f->id_type) {
		char *n = fold_fullwidth(v->a, number);
		if (t != ID_OTHER)
			n = strip_spaces(v->a, n);
		const char *why = NULL;
		bool ok = t == ID_RESIDENT ? resident_id_valid(n, today, &why)
					   : other_id_plausible(t, n, &why);
		if (!ok && t == ID_RESIDENT)
			failf(v, "id_number", "居民身份证号码%s，请核对", why);
		else if (!ok)
			fail(v, "id_number", why);
		else {
			id_upcase(n);
			f->id_number = n;
		}
	}
	f->work_unit = optional(v, "work_unit", "工作单位", 200);
}

static void validate_organisation(struct vctx *v, struct request_fields *f,
				  bool *credit_warning)
{
	const char *code = required(v, "credit_code", "统一社会信用代码", 40,
				    "请填写统一社会信用代码（18位，见营业执照或登记证书）");
	if (code) {
		char *c = strip_spaces(v->a, fold_fullwidth(v->a, code));
		id_upcase(c);
		const char *why = NULL;
		if (!credit_code_format_ok(c, &why)) {
			failf(v, "credit_code", "统一社会信用代码%s", why);
		} else if (!credit_code_valid(c, &why) && !flag(v, "credit_code_confirmed")) {
			/* GB 32100: some codes issued in practice fail the check,
			 * so the applicant may confirm rather than be refused. */
			*credit_warning = true;
			fail(v, "credit_code", "统一社会信用代码的最后一位（校验位）与前17位不符，请对照营业执照或登记证书核对。"
					       "如果确认与证书上的完全一致，请勾选“我确认统一社会信用代码无误”后再次提交。");
		} else {
			f->credit_code = c;
		}
	}
	f->legal_representative = required(v, "legal_representative", "法定代表人或负责人", 100,
					   "请填写法定代表人或负责人的姓名");
	f->contact_name = required(v, "contact_name", "联系人", 100, "请填写联系人姓名");
}

static void validate_contact(struct vctx *v, struct request_fields *f, bool staff)
{
	const char *phone = text(v, "phone", "联系电话", 30, false);
	if (phone && *phone) {
		char *p = fold_fullwidth(v->a, phone);
		f->phone_key = phone_normalise(v->a, p);
		if (!f->phone_key)
			fail(v, "phone", "电话号码格式不正确，请填写11位手机号码，或带区号的固定电话（如010-12345678）");
		else	/* a mobile number as 11 digits, so it masks as 138****5678 */
			f->phone = is_mobile(f->phone_key) ? f->phone_key : p;
	} else if (phone && !staff) {
		fail(v, "phone", "请填写联系电话，以便工作人员与您联系");
	}

	const char *fax = text(v, "fax", "传真", 30, false);
	if (fax && *fax) {
		char *p = fold_fullwidth(v->a, fax);
		if (!phone_normalise(v->a, p))
			fail(v, "fax", "传真号码格式不正确，请填写带区号的号码（如010-12345678）");
		else
			f->fax = p;
	}

	const char *email = text(v, "email", "电子邮箱", 254, false);
	if (email && *email) {
		char *e = fold_fullwidth(v->a, email);
		if (!email_plausible(e))
			fail(v, "email", "电子邮箱格式不正确，应类似 zhangsan@example.com");
		else
			f->email = e;
	}

	f->address = optional(v, "address", "通信地址", 300);

	const char *postcode = text(v, "postcode", "邮政编码", 20, false);
	if (postcode && *postcode) {
		char *p = strip_spaces(v->a, fold_fullwidth(v->a, postcode));
		if (strlen(p) != 6 || !is_digits(p, 6))
			fail(v, "postcode", "邮政编码应为6位数字");
		else
			f->postcode = p;
	}
}

static void validate_information(struct vctx *v, struct request_fields *f)
{
	const char *d = text(v, "description", "所需信息的描述", REQUEST_DESCRIPTION_MAX_CHARS, true);
	if (d && !*d) {
		fail(v, "description", "请描述您要申请公开的政府信息");
	} else if (d && chars(d) < REQUEST_DESCRIPTION_MIN_CHARS) {
		failf(v, "description", "请至少写%d个字，说明信息的名称、内容、时间或其他特征，便于机关查找（现在是%zu个字）",
		      REQUEST_DESCRIPTION_MIN_CHARS, chars(d));
	} else if (d) {
		f->description = d;
	}
	f->document_ref = optional(v, "document_ref", "文件名称或文号", 200);
}

static void validate_form(struct vctx *v, struct request_fields *f)
{
	f->provision_count = code_list(v, "provision_forms", &vocab_provision_form,
				       f->provision_forms, "请至少选择一种信息的提供形式",
				       "提供形式不正确，请从列出的选项中选择");
	f->obtain_count = code_list(v, "obtain_methods", &vocab_obtain_method,
				    f->obtain_methods, "请至少选择一种获取信息的方式",
				    "获取方式不正确，请从列出的选项中选择");
}

/* Art. 29 ¶3: the chosen way of delivery needs its contact detail. */
static void validate_delivery_contacts(struct vctx *v, struct request_fields *f)
{
	bool by_email = has_code(f->provision_forms, f->provision_count, "email") ||
			has_code(f->obtain_methods, f->obtain_count, "email");
	bool by_post = has_code(f->obtain_methods, f->obtain_count, "post") ||
		       has_code(f->obtain_methods, f->obtain_count, "express");
	bool by_fax = has_code(f->obtain_methods, f->obtain_count, "fax");
	if (by_email && !f->email)
		fail(v, "email", "您选择了电子邮件，请填写电子邮箱");
	if (by_post && !f->address)
		fail(v, "address", "您选择了邮寄或快递，请填写通信地址");
	if (by_post && !f->postcode)
		fail(v, "postcode", "您选择了邮寄或快递，请填写邮政编码");
	if (by_fax && !f->fax)
		fail(v, "fax", "您选择了传真，请填写传真号码");
}

static void validate_origin(struct vctx *v, struct request_fields *f,
			    const struct request_origin *origin, int32_t today)
{
	if (!origin) {
		f->channel = "online";
		return;
	}
	if (!origin->channel || !vocab_has(&vocab_channel, origin->channel))
		fail(v, "channel", "请选择申请的提交方式（当面、邮寄、传真、电子邮件或其他）");
	else
		f->channel = origin->channel;
	int32_t day;
	if (!origin->received_on || !date_parse(origin->received_on, &day))
		fail(v, "received_on", "请填写收到申请的日期（YYYY-MM-DD）");
	else if (day > today)
		fail(v, "received_on", "收到申请的日期不能晚于今天");
	else if (day < date_from_ymd(2000, 1, 1))
		fail(v, "received_on", "收到申请的日期不正确");
	else
		f->received_on = origin->received_on;
	f->backdate_reason = optional(v, "backdate_reason", "补登理由", 500);
	if (f->channel && !f->phone && !f->email && !f->address)
		fail(v, "phone", "请至少填写电话、电子邮箱或通信地址中的一项");
}

static bool token_well_formed(const char *s)
{
	size_t n = strlen(s);
	return n >= 22 && n <= 64 &&
	       strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-") == n;
}

bool request_validate(struct arena *a, struct json_object *input,
		      const struct request_origin *origin, int32_t today,
		      struct request_fields *out, struct json_object *errors,
		      bool *credit_warning)
{
	struct vctx v = { .a = a, .in = input, .errors = errors };
	memset(out, 0, sizeof *out);
	*credit_warning = false;
	if (!json_object_is_type(input, json_type_object)) {
		fail(&v, "request", "提交的内容应为一个JSON对象");
		return false;
	}

	validate_kind(&v, out);
	const char *kind = out->applicant_kind;
	bool person = kind && !strcmp(kind, "person");
	out->name = required(&v, "name", person ? "姓名" : "名称", 200,
			     !kind ? "请填写姓名或名称"
			     : person ? "请填写姓名" : "请填写法人或者其他组织的名称");
	/* Fields of the other kind of applicant are ignored: without
	 * JavaScript the form shows both groups and one may hold leftovers. */
	if (person)
		validate_person(&v, out, today);
	else if (kind)
		validate_organisation(&v, out, credit_warning);
	validate_contact(&v, out, origin != NULL);
	validate_information(&v, out);
	validate_form(&v, out);
	validate_delivery_contacts(&v, out);
	if (!origin && !flag(&v, "declaration"))
		fail(&v, "declaration", "请阅读声明并勾选“本人承诺所填写的信息真实有效”");
	/* PIPL Art. 14: consent given freely and explicitly, after the notice
	 * of Art. 17. Staff registering a paper request are not asked: the
	 * agency processes it to perform its statutory duty (Art. 13(3)). */
	if (!origin && !flag(&v, "privacy_consent"))
		fail(&v, "privacy_consent", "请阅读个人信息处理说明并勾选“我已阅读并同意”，否则无法在网上提交申请");
	out->privacy_consent = !origin;

	const char *token = text(&v, "submit_token", "submit_token", 64, false);
	if (token && *token && !token_well_formed(token))
		fail(&v, "submit_token", "表单已失效，请刷新页面后重新填写提交");
	else if (token && *token)
		out->submit_token = token;
	validate_origin(&v, out, origin, today);
	return !v.failed;
}

/* ---- query codes ------------------------------------------------------------------- */

static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/* Ten characters of 5 bits each from the first 7 bytes of bin. */
static void code_from_bytes(const unsigned char bin[7], char out[QUERY_CODE_CHARS + 1])
{
	uint64_t bits = 0;
	for (int i = 0; i < 7; i++)
		bits = bits << 8 | bin[i];
	bits >>= 6;	/* 56 bits, keep 50 */
	for (int i = QUERY_CODE_CHARS - 1; i >= 0; i--) {
		out[i] = code_alphabet[bits & 31];
		bits >>= 5;
	}
	out[QUERY_CODE_CHARS] = '\0';
}

bool query_code_normalise(const char *typed, char out[QUERY_CODE_CHARS + 1])
{
	size_t n = 0;
	for (const char *p = typed; p && *p; p++) {
		char c = *p;
		const unsigned char *u = (const unsigned char *)p;
		/* Full-width ASCII from a Chinese input method. */
		if (u[0] == 0xEF && (u[1] == 0xBC || u[1] == 0xBD) && u[2] >= 0x80 && u[2] <= 0xBF) {
			unsigned cp = 0xF000u | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
			if (cp < 0xFF01 || cp > 0xFF5E)
				return false;
			c = (char)(cp - 0xFF01 + 0x21);
			p += 2;
		}
		if (c == ' ' || c == '-' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c == 'O')
			c = '0';
		else if (c == 'I' || c == 'L')
			c = '1';
		if (!strchr(code_alphabet, c) || n == QUERY_CODE_CHARS)
			return false;
		out[n++] = c;
	}
	out[n] = '\0';
	return n == QUERY_CODE_CHARS;
}

void query_code_format(const char *code, char out[QUERY_CODE_SIZE])
{
	memcpy(out, code, 5);
	out[5] = '-';
	memcpy(out + 6, code + 5, QUERY_CODE_CHARS - 5);
	out[QUERY_CODE_SIZE - 1] = '\0';
}

char *query_code_hash(const struct app *app, struct arena *a, const char *typed)
{
	char code[QUERY_CODE_CHARS + 1];
	if (!query_code_normalise(typed, code))
		return NULL;
	return pii_hash(app, a, PII_QUERY_CODE, code);
}

/* The raw bytes of a bytea hex text ("\\x…"). */
static void hex_bytes(const char *bytea, unsigned char *out, size_t n)
{
	sodium_hex2bin(out, n, bytea + 2, 2 * n, NULL, NULL, NULL);
}

/*
 * The query code of a request submitted with a form token: a keyed MAC of
 * the agency and the token, so only the holder of the token can have it
 * shown again. Distinct message prefixes keep it apart from the other
 * uses of the same key.
 */
static void code_from_token(const struct app *app, struct arena *a, const char *agency_id,
			    const char *token, char out[QUERY_CODE_CHARS + 1])
{
	size_t len = strlen(agency_id) + strlen(token) + 32;
	char *msg = arena_alloc(a, len);
	snprintf(msg, len, "query-code:%s:%s", agency_id, token);
	unsigned char bin[7];
	hex_bytes(pii_hash(app, a, PII_QUERY_CODE, msg), bin, sizeof bin);
	code_from_bytes(bin, out);
}

/* What requests.submit_token stores: a keyed hash, never the token. */
static const char *stored_token(const struct app *app, struct arena *a, const char *token)
{
	size_t len = strlen(token) + 16;
	char *msg = arena_alloc(a, len);
	snprintf(msg, len, "submit-token:%s", token);
	unsigned char bin[32];
	hex_bytes(pii_hash(app, a, PII_QUERY_CODE, msg), bin, sizeof bin);
	size_t n = sodium_base64_encoded_len(sizeof bin, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(a, n);
	sodium_bin2base64(out, n, bin, sizeof bin, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}

static void random_code(char out[QUERY_CODE_CHARS + 1])
{
	unsigned char bin[7];
	randombytes_buf(bin, sizeof bin);
	code_from_bytes(bin, out);
}

/* ---- storing ------------------------------------------------------------------------- */

static int failure_status(struct db *db, PGresult *res, const char *what)
{
	enum db_failure f = db_failure_of(db, res);
	if (f == DB_FAIL_DOWN || f == DB_FAIL_TIMEOUT)
		return 503;
	/* Only the primary message and constraint: the detail would hold
	 * the row, personal data included. */
	const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	log_error("%s: %s", what, msg ? msg : "no result");
	return 500;
}

static char *code_array(struct arena *a, const char *const *codes, size_t n)
{
	size_t len = 3;
	for (size_t i = 0; i < n; i++)
		len += strlen(codes[i]) + 1;
	char *out = arena_alloc(a, len), *o = out;
	*o++ = '{';
	for (size_t i = 0; i < n; i++) {
		if (i)
			*o++ = ',';
		size_t l = strlen(codes[i]);
		memcpy(o, codes[i], l);
		o += l;
	}
	*o++ = '}';
	*o = '\0';
	return out;
}

static const char *copy_value(struct arena *a, PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : arena_strdup(a, PQgetvalue(res, row, col));
}

/* Fills out with the first request of this form (same token). */
static bool find_repeated(struct db *db, const struct app *app, struct arena *a,
			  const char *agency_id, const struct request_fields *f,
			  const char *token_hash, struct request_created *out)
{
	const char *params[] = { agency_id, token_hash };
	PGresult *res = db_exec(db, STMT_CITIZEN_REQUEST_BY_TOKEN, 2, params);
	if (!db_ok(res) || PQntuples(res) != 1) {
		out->status = db_ok(res) ? 500 : failure_status(db, res, "repeated submission");
		if (db_ok(res))
			log_error("repeated submission: the first request is gone");
		PQclear(res);
		return false;
	}
	out->status = 200;
	out->request_id = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, id));
	out->tracking_no = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, tracking_no));
	out->status_code = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, status));
	out->submitted_at = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, submitted_at));
	out->submitted_text = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, submitted_text));
	int age = atoi(PQgetvalue(res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, age_seconds)));
	out->received_on = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, received_on));
	out->due_on = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, due_on));
	out->description = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, description));
	out->document_ref = copy_value(a, res, 0, COL(CITIZEN_REQUEST_BY_TOKEN, document_ref));
	PQclear(res);
	if (age >= 0 && age < QUERY_CODE_REPEAT_SECONDS) {
		char code[QUERY_CODE_CHARS + 1];
		char shown[QUERY_CODE_SIZE];
		code_from_token(app, a, agency_id, f->submit_token, code);
		query_code_format(code, shown);
		out->query_code = arena_strdup(a, shown);
	}
	return true;
}

/* The agency row: id, name, accepting. */
static bool load_agency(struct db *db, struct arena *a, const char *code,
			struct request_created *out, const char **agency_id, bool *accepting)
{
	const char *params[] = { code };
	PGresult *res = db_exec(db, STMT_CITIZEN_AGENCY, 1, params);
	if (!db_ok(res)) {
		out->status = failure_status(db, res, "agency");
		PQclear(res);
		return false;
	}
	if (PQntuples(res) != 1) {
		out->status = 404;
		PQclear(res);
		return false;
	}
	*agency_id = copy_value(a, res, 0, COL(CITIZEN_AGENCY, id));
	out->agency_code = copy_value(a, res, 0, COL(CITIZEN_AGENCY, code));
	out->agency_name = copy_value(a, res, 0, COL(CITIZEN_AGENCY, name));
	*accepting = !strcmp(PQgetvalue(res, 0, COL(CITIZEN_AGENCY, accepting)), "t");
	PQclear(res);
	return true;
}

/*
 * A registration's date of receipt entered late (issue 11, item 8; as
 * workflow.c's backdate_allowed() for a step): more than the agency's
 * backdate_workdays working days back it needs backdate_reason and marks
 * the request late_entry; in a year whose yearly report is published
 * (Art. 50) only the head enters it, and the report shows the change as
 * a difference calling for a 更正版. Fills `late`; false with out->status
 * (422 with out->errors naming the field) when refused.
 */
struct late_entry {
	bool late;
	int workdays;		/* working days between receipt and today */
	int published_year;	/* 0 unless that year's report is published */
};

static bool registration_backdate(struct db *db, struct arena *a, const char *agency_id,
				  const struct request_fields *f, const struct request_origin *origin,
				  struct request_created *out, struct late_entry *late)
{
	memset(late, 0, sizeof *late);
	const char *params[] = { agency_id, f->received_on };
	PGresult *res = db_exec(db, STMT_CITIZEN_BACKDATE, 2, params);
	if (!db_ok(res) || PQntuples(res) != 1) {
		out->status = failure_status(db, res, "backdate check");
		PQclear(res);
		return false;
	}
	int back = atoi(PQgetvalue(res, 0, COL(CITIZEN_BACKDATE, workdays_back))), limit = atoi(PQgetvalue(res, 0, COL(CITIZEN_BACKDATE, backdate_workdays)));
	bool published = !strcmp(PQgetvalue(res, 0, COL(CITIZEN_BACKDATE, year_published)), "t");
	PQclear(res);
	const char *field = NULL;
	char message[512];
	int32_t day = 0;
	date_parse(f->received_on, &day);
	if (back > limit && !f->backdate_reason) {
		field = "backdate_reason";
		snprintf(message, sizeof message,
			 "收到申请的日期早于今天%d个工作日，超过本机关的补登期限（%d个工作日）：请写明补登理由",
			 back, limit);
	} else if (published && !origin->head) {
		field = "received_on";
		snprintf(message, sizeof message,
			 "%d年的政府信息公开工作年度报告已经公布：收到日期在该年度的申请须经负责人同意，由负责人登记，并发布年度报告更正版",
			 date_year(day));
	}
	if (field) {
		out->errors = json_object_new_object();
		json_object_object_add(out->errors, field, json_object_new_string(arena_strdup(a, message)));
		out->status = 422;
		return false;
	}
	late->late = back > limit;
	late->workdays = back;
	late->published_year = published ? date_year(day) : 0;
	return true;
}

struct insert_ctx {
	struct db *db;
	const struct app *app;
	struct arena *a;
	const char *agency_id;
	const struct request_fields *f;
	const struct request_origin *origin;
	const char *token_hash;
	const char *code_hash;
	struct late_entry late;
};

/* The step inside the transaction that may fail; returns the status. */
static int insert_request(struct insert_ctx *c, struct request_created *out)
{
	struct arena *a = c->a;
	const struct request_fields *f = c->f;
	const char *p1[] = { c->agency_id };
	PGresult *res = db_exec(c->db, STMT_CITIZEN_TRACKING_NEXT, 1, p1);
	if (!db_ok(res) || PQntuples(res) != 1) {
		int st = failure_status(c->db, res, "tracking counter");
		PQclear(res);
		return st;
	}
	char tracking[96];
	int last_no = atoi(PQgetvalue(res, 0, COL(CITIZEN_TRACKING_NEXT, last_no)));
	snprintf(tracking, sizeof tracking, "%s-%s-%06d", out->agency_code,
		 PQgetvalue(res, 0, COL(CITIZEN_TRACKING_NEXT, year)), last_no);
	PQclear(res);

	bool staff = c->origin != NULL;
	/* A registered request is received: its 20 working days run (Art. 33;
	 * 15 for one received before 2019-05-15: the 2008 Regulations). */
	int32_t received;
	char reply_days[8];
	snprintf(reply_days, sizeof reply_days, "%d",
		 f->received_on && date_parse(f->received_on, &received)
		 ? ogi_reply_workdays(received) : OGI_REPLY_WORKDAYS);
	const char *params[] = {
		c->agency_id, tracking, c->code_hash, f->applicant_kind, f->name,
		f->id_type,
		f->id_number ? pii_encrypt(c->app, a, f->id_number) : NULL,
		f->id_number ? pii_hash(c->app, a, PII_ID_NUMBER, f->id_number) : NULL,
		f->credit_code, f->legal_representative, f->contact_name, f->work_unit,
		f->phone ? pii_encrypt(c->app, a, f->phone) : NULL,
		f->phone ? pii_hash(c->app, a, PII_PHONE, f->phone_key) : NULL,
		f->fax, f->email, f->address, f->postcode, f->description, f->document_ref,
		code_array(a, f->provision_forms, f->provision_count),
		code_array(a, f->obtain_methods, f->obtain_count),
		f->channel, f->received_on, staff ? "in_progress" : "submitted",
		c->token_hash, reply_days,
		f->privacy_consent ? PRIVACY_NOTICE_VERSION : NULL,
		c->late.late ? "true" : "false",
	};
	res = db_exec(c->db, STMT_CITIZEN_REQUEST_INSERT, 29, params);
	if (!db_ok(res)) {
		int st = failure_status(c->db, res, "request insert");
		PQclear(res);
		return st;
	}
	if (PQntuples(res) == 0) {	/* the same form was stored before */
		PQclear(res);
		return 200;
	}
	out->request_id = copy_value(a, res, 0, COL(CITIZEN_REQUEST_INSERT, id));
	out->submitted_at = copy_value(a, res, 0, COL(CITIZEN_REQUEST_INSERT, submitted_at));
	out->submitted_text = copy_value(a, res, 0, COL(CITIZEN_REQUEST_INSERT, submitted_text));
	out->due_on = copy_value(a, res, 0, COL(CITIZEN_REQUEST_INSERT, due_on));
	PQclear(res);
	out->tracking_no = arena_strdup(a, tracking);
	out->status_code = staff ? "in_progress" : "submitted";
	out->received_on = f->received_on;
	out->description = f->description;
	out->document_ref = f->document_ref;

	/* The first event: what the row was created with, without personal
	 * data (the log is append-only and never encrypted). */
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "channel", json_object_new_string(f->channel));
	json_object_object_add(data, "applicant_kind", json_object_new_string(f->applicant_kind));
	if (staff)
		json_object_object_add(data, "received_on", json_object_new_string(f->received_on));
	if (c->late.late) {
		json_object_object_add(data, "backdate_reason", json_object_new_string(f->backdate_reason));
		json_object_object_add(data, "backdated_workdays", json_object_new_int(c->late.workdays));
	}
	if (c->late.published_year)
		json_object_object_add(data, "published_report_year",
				       json_object_new_int(c->late.published_year));
	struct event e = {
		.request_id = out->request_id,
		.actor_kind = staff ? "staff" : "applicant",
		.actor_staff_id = staff ? c->origin->staff_id : NULL,
		.action = staff ? "registered" : "submitted",
		.effective_on = staff ? f->received_on : NULL,
		.data = data,
	};
	PGresult *failure = NULL;
	int seq = event_append(c->db, &e, &failure);
	json_object_put(data);
	if (!seq) {
		int st = failure_status(c->db, failure, "first event");
		PQclear(failure);
		return st;
	}
	return 201;
}

void request_create(struct db *db, const struct app *app, struct arena *a,
		    const char *agency_code, struct json_object *input,
		    const struct request_origin *origin, struct request_created *out)
{
	memset(out, 0, sizeof *out);
	const char *agency_id;
	bool accepting;
	if (!load_agency(db, a, agency_code, out, &agency_id, &accepting))
		return;
	/* Staff register what arrived on paper even when the online form
	 * is closed. */
	if (!accepting && !origin) {
		out->status = 409;
		return;
	}

	struct request_fields f;
	out->errors = json_object_new_object();
	if (!request_validate(a, input, origin, clock_today(), &f, out->errors,
			      &out->credit_warning)) {
		out->status = 422;
		return;
	}
	json_object_put(out->errors);
	out->errors = NULL;

	char code[QUERY_CODE_CHARS + 1];
	const char *token_hash = NULL;
	if (f.submit_token) {
		token_hash = stored_token(app, a, f.submit_token);
		code_from_token(app, a, agency_id, f.submit_token, code);
	} else {
		random_code(code);
	}
	struct insert_ctx c = {
		.db = db, .app = app, .a = a, .agency_id = agency_id, .f = &f,
		.origin = origin, .token_hash = token_hash,
		.code_hash = pii_hash(app, a, PII_QUERY_CODE, code),
	};
	if (origin && !registration_backdate(db, a, agency_id, &f, origin, out, &c.late))
		return;

	if (!db_command(db, "BEGIN")) {
		out->status = 503;
		return;
	}
	int st = insert_request(&c, out);
	if (st != 201) {
		/* Gives the tracking number back to the counter. */
		db_command(db, "ROLLBACK");
		if (st == 200)
			find_repeated(db, app, a, agency_id, &f, token_hash, out);
		else
			out->status = st;
		return;
	}
	if (!db_command(db, "COMMIT")) {
		log_error("request insert: COMMIT failed");
		out->status = 503;
		return;
	}
	char shown[QUERY_CODE_SIZE];
	query_code_format(code, shown);
	out->query_code = arena_strdup(a, shown);
	out->status = 201;
}
