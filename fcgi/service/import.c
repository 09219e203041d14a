/*
 * import: CSV ledger → checked rows → one transaction of ordinary requests.
 * The format is docs/import.md.
 */
#include "service/import.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar_cache.h"
#include "core/db.h"
#include "domain/date.h"
#include "domain/idcheck.h"
#include "domain/vocab.h"
#include "domain/workflow_rules.h"
#include "core/events.h"
#include "lib/textcheck.h"
#include "lib/parse.h"
#include "core/pii.h"
#include "service/requests.h"
#include "service/workflow.h"
#include "core/clock.h"
#include "service/import_internal.h"

/* ---- the columns ----------------------------------------------------------- */

#define NREQUIRED (C_OUTCOME + 1)

static const char *const col_names[NCOLS] = {
	[C_AGENCY] = "agency_code", [C_TRACKING] = "tracking_no",
	[C_KIND] = "applicant_kind", [C_NAME] = "name", [C_CHANNEL] = "channel",
	[C_RECEIVED] = "received_on", [C_DESCRIPTION] = "description",
	[C_CONCLUDED] = "concluded_on", [C_OUTCOME] = "outcome",
	[C_STATUS] = "status", [C_ID_TYPE] = "id_type", [C_ID_NUMBER] = "id_number",
	[C_CREDIT] = "credit_code", [C_LEGAL_REP] = "legal_representative",
	[C_CONTACT] = "contact_name", [C_WORK_UNIT] = "work_unit", [C_PHONE] = "phone",
	[C_FAX] = "fax", [C_EMAIL] = "email", [C_ADDRESS] = "address",
	[C_POSTCODE] = "postcode", [C_DOCUMENT_REF] = "document_ref",
	[C_PROVISION] = "provision_forms", [C_OBTAIN] = "obtain_methods",
	[C_BACKDATED] = "backdated", [C_LEDGER_NO] = "ledger_no",
	[C_REQUEST_KIND] = "request_kind", [C_CORRECTION_WRONG] = "correction_wrong",
	[C_CORRECTION_SHOULD] = "correction_should",
};

/* Longest text per column, in characters (the schema's or a sane bound). */
static const int col_max_chars[NCOLS] = {
	[C_NAME] = 200, [C_DESCRIPTION] = 20000, [C_LEGAL_REP] = 100,
	[C_CONTACT] = 100, [C_WORK_UNIT] = 200, [C_FAX] = 30, [C_ADDRESS] = 300,
	[C_DOCUMENT_REF] = 200, [C_LEDGER_NO] = 100, [C_ID_NUMBER] = 40,
	[C_PHONE] = 30, [C_EMAIL] = 254, [C_CORRECTION_WRONG] = 20000,
	[C_CORRECTION_SHOULD] = 20000,
};

#define COUNT(a) (sizeof (a) / sizeof (a)[0])

/* ---- problems -------------------------------------------------------------- */

void import_problem(struct ctx *c, int line, int col, const char *fmt, ...)
{
	c->out->problems++;
	if (json_object_array_length(c->out->errors) >= IMPORT_MAX_ERRORS)
		return;
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "line", json_object_new_int(line));
	/* Removed after sorting: keeps a line's problems in the order found. */
	json_object_object_add(e, "n", json_object_new_int(c->out->problems));
	json_object_object_add(e, "column",
			       col >= 0 ? json_object_new_string(col_names[col]) : NULL);
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_array_add(c->out->errors, e);
}

/* ---- CSV (RFC 4180) ---------------------------------------------------------- */

struct record {
	int line;		/* where it starts; the header is line 1 */
	int n;
	char **fields;
};

struct records {
	struct record *items;
	int n, cap;
};

static void push_field(struct arena *a, struct record *r, int *cap, const char *s, size_t len)
{
	if (r->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		char **bigger = arena_alloc(a, (size_t)*cap * sizeof *bigger);
		if (r->n)
			memcpy(bigger, r->fields, (size_t)r->n * sizeof *bigger);
		r->fields = bigger;
	}
	r->fields[r->n++] = arena_strndup(a, s, len);
}

static void push_record(struct records *rs, const struct record *r)
{
	if (rs->n == rs->cap) {
		rs->cap = rs->cap ? rs->cap * 2 : 256;
		rs->items = realloc(rs->items, (size_t)rs->cap * sizeof *rs->items);
		if (!rs->items)
			abort();
	}
	rs->items[rs->n++] = *r;
}

/*
 * Splits text into records; false (with a problem naming the line) on a
 * quote that never closes or stray text after a closing quote.
 */
static bool csv_split(struct ctx *c, const char *text, size_t len, struct records *rs)
{
	struct buf field = BUF_INIT;
	size_t i = 0;
	int line = 1;
	bool ok = true;
	while (i < len && ok) {
		struct record r = { .line = line };
		int cap = 0;
		for (;;) {
			buf_reset(&field);
			if (i < len && text[i] == '"') {
				int opened = line;
				i++;
				for (;;) {
					if (i >= len) {
						import_problem(c, opened, -1, "引号没有闭合（从第%d行开始）", opened);
						ok = false;
						break;
					}
					if (text[i] == '"' && i + 1 < len && text[i + 1] == '"') {
						buf_putc(&field, '"');
						i += 2;
					} else if (text[i] == '"') {
						i++;
						break;
					} else {
						line += text[i] == '\n';
						buf_putc(&field, text[i++]);
					}
				}
				if (ok && i < len && !strchr(",\r\n", text[i])) {
					import_problem(c, line, -1, "引号后面不能紧跟其他字符（第%d个字段）",
						r.n + 1);
					ok = false;
				}
			} else {
				size_t start = i;
				while (i < len && !strchr(",\r\n", text[i]))
					i++;
				buf_append(&field, text + start, i - start);
			}
			if (!ok)
				break;
			push_field(c->a, &r, &cap, buf_str(&field), field.len);
			if (i < len && text[i] == ',') {
				i++;
				continue;
			}
			if (i < len && text[i] == '\r')
				i++;
			if (i < len && text[i] == '\n')
				i++;
			line++;
			break;
		}
		/* A blank line is no record. */
		if (ok && !(r.n == 1 && !r.fields[0][0]))
			push_record(rs, &r);
	}
	buf_free(&field);
	return ok;
}

/* ---- header ------------------------------------------------------------------ */

/* map[col] = the field index of that column in each record, or -1. */
static bool read_header(struct ctx *c, const struct record *h, int map[NCOLS])
{
	bool ok = true;
	for (int k = 0; k < NCOLS; k++)
		map[k] = -1;
	for (int f = 0; f < h->n; f++) {
		char *name = h->fields[f];
		while (*name == ' ')
			name++;
		size_t n = strlen(name);
		while (n && name[n - 1] == ' ')
			name[--n] = '\0';
		for (char *p = name; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		int k = 0;
		while (k < NCOLS && strcmp(col_names[k], name))
			k++;
		if (k == NCOLS) {
			import_problem(c, 1, -1, "第%d列“%s”不是可以导入的列（列名见导入说明）", f + 1,
				name);
			ok = false;
		} else if (map[k] >= 0) {
			import_problem(c, 1, k, "列“%s”出现了两次", name);
			ok = false;
		} else {
			map[k] = f;
		}
	}
	for (int k = 0; k < NREQUIRED; k++)
		if (map[k] < 0) {
			import_problem(c, 1, k, "缺少必需的列“%s”", col_names[k]);
			ok = false;
		}
	return ok;
}

/* ---- one row ---------------------------------------------------------------- */

/* "2021-03-05", "2021/3/5", "2021.3.5", "2021-3-5". */
static bool ledger_date(const char *s, int32_t *out)
{
	int y, m, d, used = 0;
	char s1, s2;
	if (sscanf(s, "%4d%c%2d%c%2d%n", &y, &s1, &m, &s2, &d, &used) != 5 || s[used] ||
	    s1 != s2 || !strchr("-/.", s1) || strlen(s) < 8 || !isdigit((unsigned char)s[0]))
		return false;
	if (!date_ymd_valid(y, m, d))
		return false;
	*out = date_from_ymd(y, m, d);
	return true;
}

static bool check_date(struct ctx *c, struct row *r, int col, int32_t *out)
{
	if (!ledger_date(r->v[col], out)) {
		import_problem(c, r->line, col, "日期“%s”无效，请写成 2021-03-05", r->v[col]);
		return false;
	}
	if (*out < date_from_ymd(2000, 1, 1) || *out > c->today) {
		import_problem(c, r->line, col, "日期“%s”须在2000年1月1日至今天之间", r->v[col]);
		return false;
	}
	return true;
}

/* A code that is not one of the list's: say which would do. */
static void unknown_code(struct ctx *c, struct row *r, int col, const char *allowed)
{
	if (!*r->v[col])
		import_problem(c, r->line, col, "不能为空；可填：%s", allowed);
	else
		import_problem(c, r->line, col, "“%s”不是有效代码；可填：%s", r->v[col], allowed);
}

static void check_code(struct ctx *c, struct row *r, int col, const struct vocab *v)
{
	if (vocab_has(v, r->v[col]))
		return;
	char allowed[400] = "";
	for (size_t i = 0; i < v->count; i++) {
		size_t used = strlen(allowed);
		snprintf(allowed + used, sizeof allowed - used, "%s%s", i ? ", " : "",
			 v->terms[i].code);
	}
	unknown_code(c, r, col, allowed);
}

/* The ways any request may end, a correction too: withdrawn, or lapsed
 * for want of a 补正 or a fee (sql/035, requests_outcome_fits_kind). */
static bool ends_any_request(const char *code)
{
	return !strcmp(code, "other") || !strcmp(code, "other_no_supplement") ||
	       !strcmp(code, "other_no_fee");
}

/* Appends the codes of the n outcomes in table that fit the kind. */
static void list_outcomes(char *allowed, size_t size, const struct wf_outcome *table, int n,
			  bool correction)
{
	for (int i = 0; i < n; i++) {
		if (correction && !table[i].correction && !ends_any_request(table[i].code))
			continue;
		size_t used = strlen(allowed);
		snprintf(allowed + used, size - used, "%s%s", used ? ", " : "", table[i].code);
	}
}

/* The outcome: for a disclosure request one of the 21 rows of table 三
 * (workflow_rules.h); for a correction (Art. 41) one of its own, or a way
 * any request ends. */
static void check_outcome(struct ctx *c, struct row *r, int col)
{
	bool correction = !strcmp(r->request_kind, "correction");
	const struct wf_outcome *o = wf_outcome_find(r->v[col]);
	if (o && (correction ? o->correction || ends_any_request(o->code) : !o->correction))
		return;
	char allowed[600] = "";
	list_outcomes(allowed, sizeof allowed, wf_outcomes, wf_outcome_count, correction);
	if (correction)
		list_outcomes(allowed, sizeof allowed, wf_correction_outcomes,
			      wf_correction_outcome_count, true);
	unknown_code(c, r, col, allowed);
}

/* request_kind (empty: a disclosure request) and a correction's two
 * texts, which a correction has (as its form asks) and nothing else has. */
static void check_request_kind(struct ctx *c, struct row *r)
{
	r->request_kind = *r->v[C_REQUEST_KIND] ? r->v[C_REQUEST_KIND] : "disclosure";
	if (!vocab_has(&vocab_request_kind, r->request_kind)) {
		import_problem(c, r->line, C_REQUEST_KIND, "“%s”不是申请类别；可填：disclosure, correction",
			       r->request_kind);
		r->request_kind = "disclosure";
	}
	bool correction = !strcmp(r->request_kind, "correction");
	for (int col = C_CORRECTION_WRONG; col <= C_CORRECTION_SHOULD; col++) {
		if (correction && !*r->v[col])
			import_problem(c, r->line, col, "更正申请须填写不准确的内容和应当更正为的内容");
		else if (!correction && *r->v[col])
			import_problem(c, r->line, col, "只有更正申请（request_kind 为 correction）填写此栏");
	}
}

/* A list like "paper;email" as the array literal {paper,email}. */
static const char *code_list(struct ctx *c, struct row *r, int col, const struct vocab *v)
{
	struct buf b = BUF_INIT;
	buf_putc(&b, '{');
	const char *p = r->v[col];
	bool first = true;
	while (*p) {
		size_t len = strcspn(p, ";|");
		const char *item = text_trim(c->a, arena_strndup(c->a, p, len));
		if (*item) {
			if (!vocab_has(v, item))
				import_problem(c, r->line, col, "“%s”不是有效代码（多项用分号隔开）",
					item);
			else if (!strstr(buf_str(&b), item)) {
				buf_printf(&b, "%s%s", first ? "" : ",", item);
				first = false;
			}
		}
		p += len + (p[len] != '\0');
	}
	buf_putc(&b, '}');
	const char *out = arena_strdup(c->a, buf_str(&b));
	buf_free(&b);
	return out;
}

static void check_lengths(struct ctx *c, struct row *r)
{
	for (int k = 0; k < NCOLS; k++) {
		const char *s = r->v[k];
		if (!utf8_valid(s, strlen(s)) || strpbrk(s, "\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f")) {
			import_problem(c, r->line, k, "含有无效字符");
			continue;
		}
		if (col_max_chars[k] && (int)utf8_length(s, strlen(s)) > col_max_chars[k])
			import_problem(c, r->line, k, "最多 %d 个字", col_max_chars[k]);
	}
	if (!*r->v[C_NAME])
		import_problem(c, r->line, C_NAME, "姓名或名称不能为空");
	if (!*r->v[C_DESCRIPTION])
		import_problem(c, r->line, C_DESCRIPTION, "申请内容不能为空");
}

/* Which status a concluded request ends in (schema: requests_status_consistent). */
static void check_status(struct ctx *c, struct row *r)
{
	const char *o = r->v[C_OUTCOME], *s = r->v[C_STATUS];
	bool other_end = !strcmp(o, "other_no_supplement") || !strcmp(o, "other_no_fee");
	if (!r->concluded) {
		if (*s && strcmp(s, "in_progress"))
			import_problem(c, r->line, C_STATUS,
				"未办结的申请只能导入为 in_progress（办理中）");
		r->status = "in_progress";
		return;
	}
	if (!*s)
		s = other_end || !strcmp(o, "other") ? "closed" : "answered";
	if (!strcmp(s, "answered") && other_end)
		import_problem(c, r->line, C_STATUS, "结果为 %s 的申请状态应为 closed", o);
	else if (!strcmp(s, "closed") && !other_end && strcmp(o, "other"))
		import_problem(c, r->line, C_STATUS,
			"closed 只用于 other_no_supplement、other_no_fee 或 other");
	else if (!strcmp(s, "withdrawn") && strcmp(o, "other"))
		import_problem(c, r->line, C_STATUS, "申请人撤回的申请，结果应为 other");
	else if (strcmp(s, "answered") && strcmp(s, "closed") && strcmp(s, "withdrawn"))
		import_problem(c, r->line, C_STATUS,
			"“%s”不是已办结申请的状态；可填：answered, closed, withdrawn", s);
	r->status = s;
}

static void check_dates(struct ctx *c, struct row *r)
{
	bool received_ok = check_date(c, r, C_RECEIVED, &r->received);
	r->concluded = *r->v[C_CONCLUDED] != '\0';
	if (r->concluded != (*r->v[C_OUTCOME] != '\0')) {
		import_problem(c, r->line, r->concluded ? C_OUTCOME : C_CONCLUDED,
			"办结日期和办理结果须同时填写（未办结的两项都留空）");
		r->concluded = false;
		return;
	}
	if (!r->concluded)
		return;
	check_outcome(c, r, C_OUTCOME);
	if (check_date(c, r, C_CONCLUDED, &r->concluded_on) && received_ok &&
	    r->concluded_on < r->received)
		import_problem(c, r->line, C_CONCLUDED, "办结日期早于收到申请之日");
}

static void check_identity(struct ctx *c, struct row *r)
{
	bool person = !strcmp(r->v[C_KIND], "person");
	const char *type = r->v[C_ID_TYPE], *number = r->v[C_ID_NUMBER];
	if (!person && (*type || *number))
		import_problem(c, r->line, *type ? C_ID_TYPE : C_ID_NUMBER,
			"组织申请人不填证件类型和证件号码");
	if (person && (*r->v[C_CREDIT] || *r->v[C_LEGAL_REP]))
		import_problem(c, r->line, *r->v[C_CREDIT] ? C_CREDIT : C_LEGAL_REP,
			"自然人不填统一社会信用代码和法定代表人");
	if (person && (*type != '\0') != (*number != '\0'))
		import_problem(c, r->line, *type ? C_ID_NUMBER : C_ID_TYPE,
			"证件类型和证件号码须同时填写，或都不填");
	if (person && *type && *number) {
		enum id_type t;
		bool known = id_type_from_code(type, &t);
		char *n = arena_strdup(c->a, number);
		id_upcase(n);
		const char *why = NULL;
		if (!known)
			import_problem(c, r->line, C_ID_TYPE, "“%s”不是有效的证件类型；可填：resident_id, "
				"passport, hk_macao_permit, taiwan_permit, foreign_permanent_id, other",
				type);
		else if (t == ID_RESIDENT ? !resident_id_valid(n, c->today, &why)
			 : !other_id_plausible(t, n, &why))
			import_problem(c, r->line, C_ID_NUMBER, "证件号码有误：%s", why ? why : "请核对");
		r->id_number = n;
	}
	const char *why = NULL;
	if (*r->v[C_CREDIT]) {
		char *cc = arena_strdup(c->a, r->v[C_CREDIT]);
		id_upcase(cc);
		if (!credit_code_format_ok(cc, &why))
			import_problem(c, r->line, C_CREDIT, "统一社会信用代码有误：%s", why ? why : "请核对");
		r->v[C_CREDIT] = cc;
	}
}

static void check_contact(struct ctx *c, struct row *r)
{
	if (*r->v[C_PHONE]) {
		r->phone_key = phone_normalise(c->a, r->v[C_PHONE]);
		if (!r->phone_key)
			import_problem(c, r->line, C_PHONE, "电话号码“%s”格式不正确", r->v[C_PHONE]);
		r->phone_store = r->v[C_PHONE];
	}
	const char *e = r->v[C_EMAIL];
	const char *at = strchr(e, '@');
	if (*e && (!at || at == e || !at[1] || strchr(at + 1, '@') || strpbrk(e, " \t")))
		import_problem(c, r->line, C_EMAIL, "电子邮箱“%s”格式不正确", e);
	const char *pc = r->v[C_POSTCODE];
	if (*pc && (strlen(pc) != 6 || strspn(pc, "0123456789") != 6))
		import_problem(c, r->line, C_POSTCODE, "邮政编码须为6位数字");
	const char *b = r->v[C_BACKDATED];
	if (!*b || !strcmp(b, "0") || !strcmp(b, "false") || !strcmp(b, "否"))
		r->backdated = false;
	else if (!strcmp(b, "1") || !strcmp(b, "true") || !strcmp(b, "是"))
		r->backdated = true;
	else
		import_problem(c, r->line, C_BACKDATED, "填 是/否（或 true/false、1/0）");
}

/* <agency_code>-<year>-<6 or more digits>, or empty (a number is given). */
static void check_tracking(struct ctx *c, struct row *r)
{
	const char *t = r->v[C_TRACKING], *code = r->v[C_AGENCY];
	size_t n = strlen(code);
	r->tn_no = 0;
	if (!*t)
		return;
	const char *rest = t + n;
	/* rest: "-2021-000015" */
	bool ok = *code && !strncmp(t, code, n) && *rest == '-' && strlen(rest) >= 12 &&
		  strspn(rest + 1, "0123456789") == 4 && rest[5] == '-' &&
		  strspn(rest + 6, "0123456789") == strlen(rest + 6) && strlen(rest + 6) <= 9;
	if (!ok) {
		import_problem(c, r->line, C_TRACKING,
			"编号“%s”须为“机关代码-年份-6位以上数字”（如 %s-2021-000015），或留空由系统编号",
			t, *code ? code : "demo");
		return;
	}
	r->tn_year = atoi(rest + 1);
	r->tn_no = atol(rest + 6);
	if (r->tn_year < 2000 || r->tn_no < 1)
		import_problem(c, r->line, C_TRACKING, "编号“%s”的年份或序号无效", t);
}

static void check_row(struct ctx *c, const struct record *rec, const int map[NCOLS],
		      int nfields, struct row *r)
{
	memset(r, 0, sizeof *r);
	r->line = rec->line;
	for (int k = 0; k < NCOLS; k++)
		r->v[k] = map[k] >= 0 && map[k] < rec->n ? text_trim(c->a, rec->fields[map[k]]) : "";
	if (rec->n != nfields) {
		import_problem(c, r->line, -1, "有 %d 个字段，表头有 %d 个", rec->n, nfields);
		r->broken = true;
		return;
	}
	check_lengths(c, r);
	check_code(c, r, C_KIND, &vocab_applicant_kind);
	check_code(c, r, C_CHANNEL, &vocab_channel);
	check_request_kind(c, r);
	check_dates(c, r);
	check_status(c, r);
	check_identity(c, r);
	check_contact(c, r);
	check_tracking(c, r);
	r->provision = code_list(c, r, C_PROVISION, &vocab_provision_form);
	r->obtain = code_list(c, r, C_OBTAIN, &vocab_obtain_method);
}

/* ---- the whole file ---------------------------------------------------------- */

static int by_line(const void *x, const void *y)
{
	struct json_object *a = *(struct json_object *const *)x, *b = *(struct json_object *const *)y;
	int d = json_object_get_int(json_object_object_get(a, "line")) -
		json_object_get_int(json_object_object_get(b, "line"));
	return d ? d : json_object_get_int(json_object_object_get(a, "n")) -
		       json_object_get_int(json_object_object_get(b, "n"));
}

/* The problems in file order (the checks against the database come last). */
static void sort_problems(struct json_object *errors)
{
	json_object_array_sort(errors, by_line);
	for (size_t i = 0; i < json_object_array_length(errors); i++)
		json_object_object_del(json_object_array_get_idx(errors, i), "n");
}

void import_csv(struct db *db, const struct app *app, struct arena *a, const char *text,
		size_t len, const struct import_options *opt, struct import_result *out)
{
	memset(out, 0, sizeof *out);
	out->errors = json_object_new_array();
	out->created = json_object_new_array();
	struct ctx c = { db, app, a, opt, out, clock_today() };
	if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
		text += 3;
		len -= 3;
	}
	if (memchr(text, '\0', len) || !utf8_valid(text, len)) {
		import_problem(&c, 1, -1, "文件不是 UTF-8 编码的文本：在 Excel 或 WPS 中请另存为“CSV UTF-8（逗号分隔）”");
		out->status = 1;
		return;
	}
	struct records rs = { 0 };
	int map[NCOLS];
	if (!csv_split(&c, text, len, &rs) || rs.n == 0 || !read_header(&c, &rs.items[0], map)) {
		if (rs.n == 0 && !out->problems)
			import_problem(&c, 1, -1, "文件是空的：第一行应为表头");
		out->status = 1;
		free(rs.items);
		return;
	}
	out->rows = rs.n - 1;
	if (out->rows == 0)
		import_problem(&c, 1, -1, "表头之后没有数据");
	if (out->rows > IMPORT_MAX_ROWS)
		import_problem(&c, 1, -1, "一次最多导入 %d 行，请分成几个文件", IMPORT_MAX_ROWS);
	struct row *rows = NULL;
	if (!out->problems) {
		rows = calloc((size_t)out->rows, sizeof *rows);
		if (!rows)
			abort();
		for (int i = 0; i < out->rows; i++)
			check_row(&c, &rs.items[i + 1], map, rs.items[0].n, &rows[i]);
		if (import_resolve_agencies(&c, rows, out->rows))
			import_check_numbers_unique(&c, rows, out->rows);
	}
	sort_problems(out->errors);
	if (out->status != 2 && out->problems)
		out->status = 1;
	else if (out->status == 0 && !opt->dry_run)
		import_write_all(&c, rows, out->rows);
	free(rows);
	free(rs.items);
}

void import_result_free(struct import_result *r)
{
	json_object_put(r->errors);
	json_object_put(r->created);
	r->errors = r->created = NULL;
}
