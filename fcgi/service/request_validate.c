/*
 * request_validate: what a request must hold (Art. 29) — the form, the
 * JSON API and staff registering a paper request all go through
 * request_validate() (requests.h), which keeps what was typed and names
 * every field that is wrong.
 */
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

/* ---- text helpers -------------------------------------------------------------- */

/*
 * Folds full-width ASCII (U+FF01..U+FF5E, what a Chinese input method
 * types in full-width mode) and the ideographic space to ASCII, for fields
 * that are numbers and codes.
 */
char *fold_fullwidth(struct arena *a, const char *s)
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
	char *s = text_trim(v->a, raw);
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

bool is_mobile(const char *digits)
{
	return strlen(digits) == 11 && digits[0] == '1' && is_digits(digits, 11);
}

bool email_plausible(const char *s)
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

/* How the applicant is told of each step (issue 14): their choice, which
 * needs its address; by default e-mail when they gave one, else SMS to a
 * mobile number, else none (they follow the status page). */
static void validate_notify(struct vctx *v, struct request_fields *f)
{
	bool mobile = f->phone_key && is_mobile(f->phone_key);
	const char *notify = text(v, "notify", "通知方式", 10, false);
	if (!notify || !*notify) {
		f->notify = f->email ? "email" : mobile ? "sms" : "none";
	} else if (!vocab_has(&vocab_notify, notify)) {
		fail(v, "notify", "请选择通知方式：电子邮件、短信或不需要通知");
	} else if (!strcmp(notify, "email") && !f->email) {
		fail(v, "notify", "您选择了电子邮件通知，请填写电子邮箱");
	} else if (!strcmp(notify, "sms") && !mobile) {
		fail(v, "notify", "短信通知需要11位手机号码，请填写手机号码或选择其他通知方式");
	} else {
		f->notify = notify;
	}
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
	validate_notify(v, f);
}

/* What the request asks for (sql/035): disclosure unless `correction`. */
static void validate_request_kind(struct vctx *v, struct request_fields *f)
{
	const char *kind = text(v, "request_kind", "申请类别", 32, false);
	if (kind && !*kind)
		f->request_kind = "disclosure";
	else if (kind && !vocab_has(&vocab_request_kind, kind))
		fail(v, "request_kind", "申请类别不正确：应为申请公开政府信息（disclosure）或申请更正与本人相关的政府信息（correction）");
	else if (kind)
		f->request_kind = kind;
}

/*
 * Art. 41: the applicant names the information about themselves, says
 * what in it is inaccurate and what it should say (the evidence comes as
 * files of purpose `evidence`). No form of provision is asked: nothing is
 * provided.
 */
static void validate_correction(struct vctx *v, struct request_fields *f)
{
	const char *d = text(v, "description", "需要更正的政府信息", REQUEST_DESCRIPTION_MAX_CHARS, true);
	if (d && chars(d) < REQUEST_DESCRIPTION_MIN_CHARS)
		failf(v, "description", "请写明需要更正的是哪一项政府信息（名称、制作或提供的机关、时间等），至少%d个字（现在是%zu个字）",
		      REQUEST_DESCRIPTION_MIN_CHARS, chars(d));
	else if (d)
		f->description = d;
	f->document_ref = optional(v, "document_ref", "文件名称或文号", 200);
	const char *wrong = text(v, "correction_wrong", "不准确的内容", REQUEST_DESCRIPTION_MAX_CHARS, true);
	if (wrong && !*wrong)
		fail(v, "correction_wrong", "请写明该信息中哪些内容不准确");
	else if (wrong)
		f->correction_wrong = wrong;
	const char *should = text(v, "correction_should", "应当更正为", REQUEST_DESCRIPTION_MAX_CHARS, true);
	if (should && !*should)
		fail(v, "correction_should", "请写明您认为准确的内容应当是什么");
	else if (should)
		f->correction_should = should;
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
	validate_request_kind(&v, out);
	if (out->request_kind && !strcmp(out->request_kind, "correction")) {
		validate_correction(&v, out);
	} else {
		validate_information(&v, out);
		validate_form(&v, out);
		validate_delivery_contacts(&v, out);
	}
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
