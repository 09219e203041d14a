/*
 * report: SQL → the report model → JSON, CSV and the page's view model.
 * The counting rules are docs/report.md (and the comments on the
 * REPORT_TABLE3/4 statements in pages/report.stmts).
 */
#include "service/report.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "core/clock.h"

/* ---- the layout of table 三 in both formats ------------------------------- */

/*
 * One line of table 三 as printed: the row's own label and the headings
 * that span it on the left (merged cells): `section` is 三、本年度办理结果
 * for the outcome rows, `group` e.g. （三）不予公开 for its numbered rows.
 */
struct t3_line {
	enum t3_row row;
	const char *section;
	const char *group;
	const char *label;
};

static const char SECTION_RESULTS[] = "三、本年度办理结果";
static const char GROUP_DENY[] = "（三）不予公开";
static const char GROUP_UNABLE[] = "（四）无法提供";
static const char GROUP_REJECT[] = "（五）不予处理";
static const char GROUP_OTHER[] = "（六）其他处理";

#define T3_LINES_COMMON_HEAD						\
	{ T3_RECEIVED, NULL, NULL, "一、本年新收政府信息公开申请数量" },	\
	{ T3_CARRIED_IN, NULL, NULL, "二、上年结转政府信息公开申请数量" },	\
	{ T3_DISCLOSED, SECTION_RESULTS, NULL, "（一）予以公开" },		\
	{ T3_PARTIAL, SECTION_RESULTS, NULL,				\
	  "（二）部分公开（区分处理的，只计这一情形，不计其他情形）" },	\
	{ T3_DENY_SECRET, SECTION_RESULTS, GROUP_DENY, "1.属于国家秘密" },	\
	{ T3_DENY_LAW, SECTION_RESULTS, GROUP_DENY, "2.其他法律行政法规禁止公开" }, \
	{ T3_DENY_SECURITY, SECTION_RESULTS, GROUP_DENY, "3.危及“三安全一稳定”" }, \
	{ T3_DENY_THIRD_PARTY, SECTION_RESULTS, GROUP_DENY, "4.保护第三方合法权益" }, \
	{ T3_DENY_INTERNAL, SECTION_RESULTS, GROUP_DENY, "5.属于三类内部事务信息" }, \
	{ T3_DENY_PROCESS, SECTION_RESULTS, GROUP_DENY, "6.属于四类过程性信息" }, \
	{ T3_DENY_ENFORCEMENT, SECTION_RESULTS, GROUP_DENY, "7.属于行政执法案卷" }, \
	{ T3_DENY_QUERY, SECTION_RESULTS, GROUP_DENY, "8.属于行政查询事项" },	\
	{ T3_UNABLE_NOT_HELD, SECTION_RESULTS, GROUP_UNABLE, "1.本机关不掌握相关政府信息" }, \
	{ T3_UNABLE_CREATE, SECTION_RESULTS, GROUP_UNABLE, "2.没有现成信息需要另行制作" }, \
	{ T3_UNABLE_UNCLEAR, SECTION_RESULTS, GROUP_UNABLE, "3.补正后申请内容仍不明确" }, \
	{ T3_REJECT_PETITION, SECTION_RESULTS, GROUP_REJECT, "1.信访举报投诉类申请" }, \
	{ T3_REJECT_REPEAT, SECTION_RESULTS, GROUP_REJECT, "2.重复申请" },	\
	{ T3_REJECT_PUBLICATION, SECTION_RESULTS, GROUP_REJECT, "3.要求提供公开出版物" }, \
	{ T3_REJECT_MASS, SECTION_RESULTS, GROUP_REJECT, "4.无正当理由大量反复申请" }, \
	{ T3_REJECT_CONFIRM, SECTION_RESULTS, GROUP_REJECT,		\
	  "5.要求行政机关确认或重新出具已获取信息" }

#define T3_LINES_COMMON_TAIL						\
	{ T3_CONCLUDED_TOTAL, SECTION_RESULTS, NULL, "（七）总计" },		\
	{ T3_CARRIED_OUT, NULL, NULL, "四、结转下年度继续办理" }

/* 国办公开办函〔2019〕60号: （六）其他处理 is one row. */
static const struct t3_line t3_lines_2019[] = {
	T3_LINES_COMMON_HEAD,
	{ T3_OTHER_TOTAL, SECTION_RESULTS, NULL, "（六）其他处理" },
	T3_LINES_COMMON_TAIL,
};

/* 国办公开办函〔2021〕30号: （六）其他处理 heads three rows. */
static const struct t3_line t3_lines_2021[] = {
	T3_LINES_COMMON_HEAD,
	{ T3_OTHER_NO_SUPPLEMENT, SECTION_RESULTS, GROUP_OTHER,
	  "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请" },
	{ T3_OTHER_NO_FEE, SECTION_RESULTS, GROUP_OTHER,
	  "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请" },
	{ T3_OTHER, SECTION_RESULTS, GROUP_OTHER, "3.其他" },
	T3_LINES_COMMON_TAIL,
};

static const struct t3_line *t3_lines(enum report_format f, int *n)
{
	if (f == REPORT_FORMAT_2019) {
		*n = (int)(sizeof t3_lines_2019 / sizeof t3_lines_2019[0]);
		return t3_lines_2019;
	}
	*n = (int)(sizeof t3_lines_2021 / sizeof t3_lines_2021[0]);
	return t3_lines_2021;
}

static const struct t3_line *t3_line_of(enum report_format f, int row)
{
	int n;
	const struct t3_line *lines = t3_lines(f, &n);
	for (int i = 0; i < n; i++)
		if ((int)lines[i].row == row)
			return &lines[i];
	return NULL;
}

static const char *const t3_col_labels[T3_NCOLS] = {
	[T3_PERSON] = "自然人",
	[T3_BUSINESS] = "商业企业",
	[T3_RESEARCH] = "科研机构",
	[T3_NONPROFIT] = "社会公益组织",
	[T3_LEGAL_SERVICE] = "法律服务机构",
	[T3_ORG_OTHER] = "其他",
	[T3_TOTAL] = "总计",
};

static const char *const t4_group_labels[T4_NGROUPS] = {
	[T4_REVIEW] = "行政复议",
	[T4_SUIT_DIRECT] = "行政诉讼·未经复议直接起诉",
	[T4_SUIT_AFTER_REVIEW] = "行政诉讼·复议后起诉",
};

static const char *const t4_col_labels[T4_NCOLS] = {
	[T4_UPHELD] = "结果维持",
	[T4_CORRECTED] = "结果纠正",
	[T4_OTHER] = "其他结果",
	[T4_PENDING] = "尚未审结",
	[T4_TOTAL] = "总计",
};

/* The label of a table-三 row with its group: "（三）不予公开 1.属于国家秘密". */
static void t3_row_label(enum report_format f, int row, struct buf *out)
{
	const struct t3_line *l = t3_line_of(f, row);
	if (!l) {
		buf_puts(out, t3_row_codes[row]);
		return;
	}
	if (l->group)
		buf_printf(out, "%s ", l->group);
	buf_puts(out, l->label);
}

/* ---- table 二 --------------------------------------------------------------- */

static const struct t2_block t2_blocks_2021[] = {
	{ "第二十条第（一）项", 3, { "本年制发件数", "本年废止件数", "现行有效件数" }, 2, {
		{ "规章", { { "rules_issued", T2_COUNT }, { "rules_repealed", T2_COUNT },
			  { "rules_in_force", T2_COUNT } } },
		{ "行政规范性文件", { { "normative_docs_issued", T2_COUNT },
				    { "normative_docs_repealed", T2_COUNT },
				    { "normative_docs_in_force", T2_COUNT } } } } },
	{ "第二十条第（五）项", 1, { "本年处理决定数量" }, 1, {
		{ "行政许可", { { "licensing_decisions", T2_COUNT } } } } },
	{ "第二十条第（六）项", 1, { "本年处理决定数量" }, 2, {
		{ "行政处罚", { { "penalty_decisions", T2_COUNT } } },
		{ "行政强制", { { "coercion_decisions", T2_COUNT } } } } },
	{ "第二十条第（八）项", 1, { "本年收费金额（单位：万元）" }, 1, {
		{ "行政事业性收费", { { "charges_amount", T2_AMOUNT } } } } },
};

static const struct t2_block t2_blocks_2019[] = {
	{ "第二十条第（一）项", 3, { "本年新制作数量", "本年新公开数量", "对外公开总数量" }, 2, {
		{ "规章", { { "rules_made", T2_COUNT }, { "rules_published", T2_COUNT },
			  { "rules_published_total", T2_COUNT } } },
		{ "规范性文件", { { "normative_docs_made", T2_COUNT },
				 { "normative_docs_published", T2_COUNT },
				 { "normative_docs_published_total", T2_COUNT } } } } },
	{ "第二十条第（五）项", 3, { "上一年项目数量", "本年增/减", "处理决定数量" }, 2, {
		{ "行政许可", { { "licensing_items_prev", T2_COUNT },
				{ "licensing_items_change", T2_CHANGE },
				{ "licensing_decisions", T2_COUNT } } },
		{ "其他对外管理服务事项", { { "other_services_items_prev", T2_COUNT },
					  { "other_services_items_change", T2_CHANGE },
					  { "other_services_decisions", T2_COUNT } } } } },
	{ "第二十条第（六）项", 3, { "上一年项目数量", "本年增/减", "处理决定数量" }, 2, {
		{ "行政处罚", { { "penalty_items_prev", T2_COUNT },
				{ "penalty_items_change", T2_CHANGE },
				{ "penalty_decisions", T2_COUNT } } },
		{ "行政强制", { { "coercion_items_prev", T2_COUNT },
				{ "coercion_items_change", T2_CHANGE },
				{ "coercion_decisions", T2_COUNT } } } } },
	{ "第二十条第（八）项", 2, { "上一年项目数量", "本年增/减" }, 1, {
		{ "行政事业性收费", { { "charges_items_prev", T2_COUNT },
				      { "charges_items_change", T2_CHANGE } } } } },
	{ "第二十条第（九）项", 2, { "采购项目数量", "采购总金额" }, 1, {
		{ "政府集中采购", { { "procurement_items", T2_COUNT },
				    { "procurement_amount", T2_AMOUNT } } } } },
};

const struct t2_block *report_t2_blocks(enum report_format f, int *n)
{
	if (f == REPORT_FORMAT_2019) {
		*n = (int)(sizeof t2_blocks_2019 / sizeof t2_blocks_2019[0]);
		return t2_blocks_2019;
	}
	*n = (int)(sizeof t2_blocks_2021 / sizeof t2_blocks_2021[0]);
	return t2_blocks_2021;
}

const struct t2_cell *report_t2_find(enum report_format f, const char *code,
				     const char **row_label, const char **col_label)
{
	int n;
	const struct t2_block *b = report_t2_blocks(f, &n);
	for (int i = 0; i < n; i++)
		for (int r = 0; r < b[i].nrows; r++)
			for (int c = 0; c < b[i].ncols; c++)
				if (!strcmp(b[i].rows[r].cells[c].code, code)) {
					if (row_label)
						*row_label = b[i].rows[r].label;
					if (col_label)
						*col_label = b[i].cols[c];
					return &b[i].rows[r].cells[c];
				}
	return NULL;
}

/* Limits well above any real count or amount, well below overflow. */
#define T2_MAX_INT_DIGITS 9
#define T2_MAX_AMOUNT_DIGITS 12
#define T2_MAX_DECIMALS 4

const char *report_t2_parse(enum t2_kind kind, const char *text, char *json_number,
			    size_t len)
{
	while (*text == ' ')
		text++;
	size_t n = strlen(text);
	while (n && text[n - 1] == ' ')
		n--;
	bool negative = n && text[0] == '-';
	const char *p = text + negative;
	size_t digits = 0, decimals = 0;
	bool point = false;
	for (const char *q = p; q < text + n; q++) {
		if (*q == '.' && !point && kind == T2_AMOUNT) {
			point = true;
		} else if (isdigit((unsigned char)*q)) {
			point ? decimals++ : digits++;
		} else {
			return kind == T2_AMOUNT ? "请填写数字（万元，最多4位小数）"
						 : "请填写整数";
		}
	}
	if (!digits)
		return kind == T2_AMOUNT ? "请填写数字（万元，最多4位小数）" : "请填写整数";
	if (negative && kind != T2_CHANGE)
		return "不能为负数";
	if (point && !decimals)
		return "小数点后缺少数字";
	if (decimals > T2_MAX_DECIMALS)
		return "金额最多保留4位小数（万元）";
	if (digits > (kind == T2_AMOUNT ? T2_MAX_AMOUNT_DIGITS : T2_MAX_INT_DIGITS))
		return "数字过大";
	/* Canonical: no leading zeros, no "-0". */
	while (digits > 1 && *p == '0') {
		p++;
		digits--;
	}
	bool zero = true;
	for (const char *q = p; q < text + n; q++)
		if (*q >= '1' && *q <= '9')
			zero = false;
	snprintf(json_number, len, "%s%.*s", negative && !zero ? "-" : "",
		 (int)(text + n - p), p);
	return NULL;
}

/* ---- computing ---------------------------------------------------------------- */

void report_init(struct report *r)
{
	memset(r, 0, sizeof *r);
}

void report_free(struct report *r)
{
	free(r->agency_name);
	json_object_put(r->includes);
	json_object_put(r->table2);
	json_object_put(r->prose);
	memset(r, 0, sizeof *r);
}

static long field_long(const PGresult *res, int row, int col)
{
	return strtol(PQgetvalue(res, row, col), NULL, 10);
}

static bool load_tree(struct db *db, const char *code, struct report *r, PGresult **failure)
{
	const char *p[] = { code };
	PGresult *res = db_exec(db, STMT_REPORT_AGENCY_TREE, 1, p);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	r->includes = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		if (i == 0) {
			r->agency_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
			snprintf(r->agency_code, sizeof r->agency_code, "%s",
				 PQgetvalue(res, 0, 1));
			r->agency_name = strdup(PQgetvalue(res, 0, 2));
			r->government = !strcmp(PQgetvalue(res, 0, 3), "government");
		}
		struct json_object *a = json_object_new_object();
		json_object_object_add(a, "code", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(a, "name", json_object_new_string(PQgetvalue(res, i, 2)));
		json_object_array_add(r->includes, a);
	}
	PQclear(res);
	return true;
}

/*
 * One row of REPORT_TABLE3 into the table. The outcome's row for a part is
 * its own; a kind's or the grand total's row is the four counting rows.
 */
static void take_t3_row(struct report *r, const PGresult *res, int i)
{
	int g = atoi(PQgetvalue(res, i, 0));
	int col = g & 2 ? T3_TOTAL : t3_col_of(PQgetvalue(res, i, 1));
	int row = PQgetisnull(res, i, 2) ? -1 : t3_row_of(PQgetvalue(res, i, 2));
	long concluded = field_long(res, i, 5);
	/* An unknown kind or outcome is left out here and caught by the checks. */
	if (col < 0)
		return;
	if (!(g & 1)) {
		if (row >= T3_DISCLOSED && row <= T3_OTHER)
			r->t3.v[row][col] += concluded;
		return;
	}
	r->t3.v[T3_RECEIVED][col] = field_long(res, i, 3);
	r->t3.v[T3_CARRIED_IN][col] = field_long(res, i, 4);
	r->t3.v[T3_CONCLUDED_TOTAL][col] = concluded;
	r->t3.v[T3_CARRIED_OUT][col] = field_long(res, i, 6);
	r->prev_carried_out[col] = field_long(res, i, 7);
}

static bool load_t3(struct db *db, struct report *r, PGresult **failure)
{
	char year[12];
	snprintf(year, sizeof year, "%d", r->year);
	const char *p[] = { r->agency_code, year };
	PGresult *res = db_exec(db, STMT_REPORT_TABLE3, 2, p);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	for (int i = 0; i < PQntuples(res); i++)
		take_t3_row(r, res, i);
	PQclear(res);
	/* （六）其他处理 of the 2019 format: the three ways of ending otherwise. */
	for (int c = 0; c < T3_NCOLS; c++)
		r->t3.v[T3_OTHER_TOTAL][c] = r->t3.v[T3_OTHER_NO_SUPPLEMENT][c] +
					     r->t3.v[T3_OTHER_NO_FEE][c] + r->t3.v[T3_OTHER][c];
	return true;
}

static int t4_group_of(const char *code)
{
	for (int g = 0; g < T4_NGROUPS; g++)
		if (!strcmp(t4_group_codes[g], code))
			return g;
	return -1;
}

static bool load_t4(struct db *db, struct report *r, PGresult **failure)
{
	char year[12];
	snprintf(year, sizeof year, "%d", r->year);
	const char *p[] = { r->agency_code, year };
	PGresult *res = db_exec(db, STMT_REPORT_TABLE4, 2, p);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	for (int i = 0; i < PQntuples(res); i++) {
		int g = t4_group_of(PQgetvalue(res, i, 0));
		for (int c = 0; g >= 0 && c < T4_NCOLS; c++)
			r->t4.v[g][c] = field_long(res, i, 1 + c);
	}
	PQclear(res);
	return true;
}

/* Section 六's 信息处理费 (REPORT_FEES): notices, amount asked, collected. */
static bool load_fees(struct db *db, struct report *r, PGresult **failure)
{
	char year[12];
	snprintf(year, sizeof year, "%d", r->year);
	const char *p[] = { r->agency_code, year };
	PGresult *res = db_exec(db, STMT_REPORT_FEES, 2, p);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	r->has_fees = true;
	r->fee_notices = field_long(res, 0, 0);
	snprintf(r->fee_amount, sizeof r->fee_amount, "%s", PQgetvalue(res, 0, 1));
	snprintf(r->fee_collected, sizeof r->fee_collected, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	return true;
}

static bool load_entered(struct db *db, struct report *r, PGresult **failure)
{
	char id[24], year[12];
	snprintf(id, sizeof id, "%lld", r->agency_id);
	snprintf(year, sizeof year, "%d", r->year);
	const char *p[] = { id, year };
	PGresult *res = db_exec(db, STMT_REPORT_TABLE2_GET, 2, p);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	r->table2 = PQntuples(res) ? json_tokener_parse(PQgetvalue(res, 0, 0)) : NULL;
	if (!json_object_is_type(r->table2, json_type_object)) {
		json_object_put(r->table2);
		r->table2 = json_object_new_object();
	}
	PQclear(res);
	res = db_exec(db, STMT_REPORT_PROSE_GET, 2, p);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	r->prose = json_object_new_object();
	static const char *const sections[] = { "one", "five", "six" };
	for (size_t s = 0; s < 3; s++)
		json_object_object_add(r->prose, sections[s], json_object_new_string(""));
	for (int i = 0; i < PQntuples(res); i++)
		json_object_object_add(r->prose, PQgetvalue(res, i, 0),
				       json_object_new_string(PQgetvalue(res, i, 1)));
	PQclear(res);
	return true;
}

/* Last year's row 四 as published, when it was: then the carry-over
 * check compares with what the public has read. */
static bool load_previous(struct db *db, struct report *r, PGresult **failure)
{
	if (r->year <= REPORT_FIRST_YEAR)
		return true;
	struct report prev;
	struct report_publication pub;
	report_init(&prev);
	enum report_status s = report_published(db, r->agency_id, r->year - 1, &prev, &pub,
						failure);
	if (s == REPORT_OK && pub.version > 0) {
		memcpy(r->prev_carried_out, prev.t3.v[T3_CARRIED_OUT],
		       sizeof r->prev_carried_out);
		r->prev_version = pub.version;
	}
	report_free(&prev);
	return s == REPORT_OK;
}

enum report_status report_compute(struct db *db, const char *code, int year,
				  struct report *r, PGresult **failure)
{
	report_init(r);
	*failure = NULL;
	r->year = year;
	r->format = report_format_of_year(year);
	if (!load_tree(db, code, r, failure))
		return REPORT_DB_FAILED;
	if (!r->agency_name)
		return REPORT_NO_AGENCY;
	if (!load_t3(db, r, failure) || !load_t4(db, r, failure) || !load_fees(db, r, failure) ||
	    !load_entered(db, r, failure) || !load_previous(db, r, failure))
		return REPORT_DB_FAILED;
	return REPORT_OK;
}

enum report_status report_published(struct db *db, long long agency_id, int year,
				    struct report *r, struct report_publication *pub,
				    PGresult **failure)
{
	char id[24], y[12];
	snprintf(id, sizeof id, "%lld", agency_id);
	snprintf(y, sizeof y, "%d", year);
	const char *p[] = { id, y };
	memset(pub, 0, sizeof *pub);
	PGresult *res = db_exec(db, STMT_REPORT_SNAPSHOT_LATEST, 2, p);
	if (!db_ok(res)) {
		*failure = res;
		return REPORT_DB_FAILED;
	}
	if (PQntuples(res) == 1) {
		struct json_object *content = json_tokener_parse(PQgetvalue(res, 0, 3));
		report_init(r);
		if (report_from_json(content, r)) {
			r->agency_id = agency_id;
			pub->version = atoi(PQgetvalue(res, 0, 0));
			snprintf(pub->published_at, sizeof pub->published_at, "%s",
				 PQgetvalue(res, 0, 1));
			snprintf(pub->published_by, sizeof pub->published_by, "%s",
				 PQgetvalue(res, 0, 2));
		}
		json_object_put(content);
	}
	PQclear(res);
	return REPORT_OK;
}

/* ---- checks ------------------------------------------------------------------- */

static const char *const check_rules[REPORT_NCHECKS] = {
	[CHECK_BALANCE] = "每列：一、本年新收 + 二、上年结转 = 三、（七）总计 + 四、结转下年度继续办理",
	[CHECK_CONCLUDED_SUM] = "每列：（七）总计 = 各项办理结果之和",
	[CHECK_TOTAL_COLUMN] = "每行：总计 = 六类申请人之和",
	[CHECK_T4_TOTAL] = "表四：每项总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
	[CHECK_CARRY] = "本年“二、上年结转” = 上一年度报告的“四、结转下年度继续办理”",
};

#define MAX_FAILURES 64

static void failure_message(const struct report *r, const struct report_failure *f,
			    struct buf *m)
{
	const char *col = f->check == CHECK_T4_TOTAL ? "" : t3_col_labels[f->col];
	struct buf row = BUF_INIT;
	if (f->check != CHECK_T4_TOTAL)
		t3_row_label(r->format, f->row, &row);
	switch (f->check) {
	case CHECK_BALANCE:
		buf_printf(m, "表三“%s”列：一 + 二 = %ld，三（七）+ 四 = %ld，两者不等",
			   col, f->lhs, f->rhs);
		break;
	case CHECK_CONCLUDED_SUM:
		buf_printf(m, "表三“（七）总计”行“%s”列为 %ld，各项办理结果之和为 %ld",
			   col, f->lhs, f->rhs);
		break;
	case CHECK_TOTAL_COLUMN:
		buf_printf(m, "表三“%s”行“总计”列为 %ld，六类申请人之和为 %ld",
			   buf_str(&row), f->lhs, f->rhs);
		break;
	case CHECK_T4_TOTAL:
		buf_printf(m, "表四“%s”的“总计”为 %ld，结果维持、结果纠正、其他结果、尚未审结之和为 %ld",
			   t4_group_labels[f->row], f->lhs, f->rhs);
		break;
	case CHECK_CARRY:
		buf_printf(m, "表三“二、上年结转政府信息公开申请数量”行“%s”列为 %ld，"
			      "%d年度报告%s的“四、结转下年度继续办理”为 %ld",
			   col, f->lhs, r->year - 1, r->prev_version ? "（已发布）" : "",
			   f->rhs);
		if (r->prev_version)
			buf_printf(m, "：请先发布%d年度报告的更正版", r->year - 1);
		break;
	default:
		break;
	}
	buf_free(&row);
}

static struct json_object *failure_json(const struct report *r, const struct report_failure *f)
{
	struct json_object *o = json_object_new_object();
	bool t4 = f->check == CHECK_T4_TOTAL;
	json_object_object_add(o, "table", json_object_new_string(t4 ? "table4" : "table3"));
	json_object_object_add(o, "row", json_object_new_string(
		t4 ? t4_group_codes[f->row] : t3_row_codes[f->row]));
	json_object_object_add(o, "column", json_object_new_string(
		t4 ? t4_col_codes[f->col] : t3_col_codes[f->col]));
	json_object_object_add(o, "left", json_object_new_int64(f->lhs));
	json_object_object_add(o, "right", json_object_new_int64(f->rhs));
	struct buf m = BUF_INIT;
	failure_message(r, f, &m);
	json_object_object_add(o, "message", json_object_new_string(buf_str(&m)));
	buf_free(&m);
	return o;
}

static size_t run_checks(const struct report *r, struct report_failure *f, size_t max)
{
	return report_check_all(r->format, &r->t3, &r->t4, r->prev_carried_out, f, max);
}

int report_checks(const struct report *r, struct json_object **out)
{
	struct report_failure f[MAX_FAILURES];
	size_t n = run_checks(r, f, MAX_FAILURES);
	size_t stored = n < MAX_FAILURES ? n : MAX_FAILURES;
	*out = json_object_new_array();
	for (int c = 0; c < REPORT_NCHECKS; c++) {
		struct json_object *check = json_object_new_object();
		struct json_object *failures = json_object_new_array();
		for (size_t i = 0; i < stored; i++)
			if ((int)f[i].check == c)
				json_object_array_add(failures, failure_json(r, &f[i]));
		json_object_object_add(check, "code", json_object_new_string(report_check_codes[c]));
		json_object_object_add(check, "rule", json_object_new_string(check_rules[c]));
		json_object_object_add(check, "ok", json_object_new_boolean(
			json_object_array_length(failures) == 0));
		json_object_object_add(check, "failures", failures);
		json_object_array_add(*out, check);
	}
	return (int)n;
}

struct json_object *report_t2_missing(const struct report *r)
{
	struct json_object *missing = json_object_new_array();
	int n;
	const struct t2_block *b = report_t2_blocks(r->format, &n);
	for (int i = 0; i < n; i++)
		for (int row = 0; row < b[i].nrows; row++)
			for (int c = 0; c < b[i].ncols; c++) {
				const char *code = b[i].rows[row].cells[c].code;
				if (!json_object_object_get_ex(r->table2, code, NULL))
					json_object_array_add(missing, json_object_new_string(code));
			}
	return missing;
}

/* ---- JSON ------------------------------------------------------------------- */

static struct json_object *t3_json(const struct report *r)
{
	struct json_object *t = json_object_new_object();
	int n;
	const struct t3_line *lines = t3_lines(r->format, &n);
	for (int i = 0; i < n; i++) {
		struct json_object *row = json_object_new_object();
		for (int c = 0; c < T3_NCOLS; c++)
			json_object_object_add(row, t3_col_codes[c],
					       json_object_new_int64(r->t3.v[lines[i].row][c]));
		json_object_object_add(t, t3_row_codes[lines[i].row], row);
	}
	return t;
}

static struct json_object *t4_json(const struct report *r)
{
	struct json_object *t = json_object_new_object();
	char code[48];
	for (int g = 0; g < T4_NGROUPS; g++)
		for (int c = 0; c < T4_NCOLS; c++) {
			snprintf(code, sizeof code, "%s_%s", t4_group_codes[g], t4_col_codes[c]);
			json_object_object_add(t, code, json_object_new_int64(r->t4.v[g][c]));
		}
	return t;
}

static struct json_object *t3_row_json(const long *v)
{
	struct json_object *row = json_object_new_object();
	for (int c = 0; c < T3_NCOLS; c++)
		json_object_object_add(row, t3_col_codes[c], json_object_new_int64(v[c]));
	return row;
}

struct json_object *report_to_json(const struct report *r)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "year", json_object_new_int(r->year));
	json_object_object_add(o, "format", json_object_new_string(report_format_code(r->format)));
	json_object_object_add(o, "agency", json_object_new_string(r->agency_code));
	json_object_object_add(o, "agency_name", json_object_new_string(
		r->agency_name ? r->agency_name : ""));
	json_object_object_add(o, "includes", r->includes ? json_object_get(r->includes)
							  : json_object_new_array());
	json_object_object_add(o, "table3", t3_json(r));
	json_object_object_add(o, "table4", t4_json(r));
	json_object_object_add(o, "table2", r->table2 ? json_object_get(r->table2)
						      : json_object_new_object());
	json_object_object_add(o, "prose", r->prose ? json_object_get(r->prose)
						    : json_object_new_object());
	struct json_object *prev = json_object_new_object();
	json_object_object_add(prev, "carried_out", t3_row_json(r->prev_carried_out));
	json_object_object_add(prev, "published_version",
			       r->prev_version ? json_object_new_int(r->prev_version) : NULL);
	json_object_object_add(o, "previous_year", prev);
	if (r->has_fees) {
		struct json_object *fees = json_object_new_object();
		json_object_object_add(fees, "notices", json_object_new_int64(r->fee_notices));
		json_object_object_add(fees, "amount_yuan", json_object_new_string(r->fee_amount));
		json_object_object_add(fees, "collected_yuan",
				       json_object_new_string(r->fee_collected));
		json_object_object_add(o, "fees", fees);
	}
	struct json_object *checks;
	report_checks(r, &checks);
	json_object_object_add(o, "checks", checks);
	return o;
}

static long get_long(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) ? (long)json_object_get_int64(v) : 0;
}

static void read_t3_row(struct json_object *row, long *v)
{
	for (int c = 0; c < T3_NCOLS; c++)
		v[c] = get_long(row, t3_col_codes[c]);
}

bool report_from_json(struct json_object *content, struct report *r)
{
	struct json_object *t3, *t4, *v;
	if (!json_object_is_type(content, json_type_object) ||
	    !json_object_object_get_ex(content, "table3", &t3) ||
	    !json_object_object_get_ex(content, "table4", &t4) ||
	    !json_object_object_get_ex(content, "year", &v))
		return false;
	r->year = json_object_get_int(v);
	r->format = report_format_of_year(r->year);
	if (json_object_object_get_ex(content, "agency", &v))
		snprintf(r->agency_code, sizeof r->agency_code, "%s", json_object_get_string(v));
	if (json_object_object_get_ex(content, "agency_name", &v))
		r->agency_name = strdup(json_object_get_string(v));
	for (int row = 0; row < T3_NROWS; row++) {
		struct json_object *cells;
		if (json_object_object_get_ex(t3, t3_row_codes[row], &cells))
			read_t3_row(cells, r->t3.v[row]);
	}
	char code[48];
	for (int g = 0; g < T4_NGROUPS; g++)
		for (int c = 0; c < T4_NCOLS; c++) {
			snprintf(code, sizeof code, "%s_%s", t4_group_codes[g], t4_col_codes[c]);
			r->t4.v[g][c] = get_long(t4, code);
		}
	r->includes = json_object_object_get_ex(content, "includes", &v)
		? json_object_get(v) : json_object_new_array();
	r->table2 = json_object_object_get_ex(content, "table2", &v)
		? json_object_get(v) : json_object_new_object();
	r->prose = json_object_object_get_ex(content, "prose", &v)
		? json_object_get(v) : json_object_new_object();
	struct json_object *prev, *carried, *fees;
	if (json_object_object_get_ex(content, "fees", &fees) &&
	    json_object_is_type(fees, json_type_object)) {
		r->has_fees = true;
		r->fee_notices = get_long(fees, "notices");
		const char *asked = json_object_get_string(json_object_object_get(fees, "amount_yuan"));
		const char *got = json_object_get_string(json_object_object_get(fees, "collected_yuan"));
		snprintf(r->fee_amount, sizeof r->fee_amount, "%s", asked ? asked : "0.00");
		snprintf(r->fee_collected, sizeof r->fee_collected, "%s", got ? got : "0.00");
	}
	if (json_object_object_get_ex(content, "previous_year", &prev)) {
		if (json_object_object_get_ex(prev, "carried_out", &carried))
			read_t3_row(carried, r->prev_carried_out);
		r->prev_version = (int)get_long(prev, "published_version");
	}
	return true;
}

/* ---- differences ---------------------------------------------------------------- */

static void add_difference(struct json_object *list, const char *table, const char *row,
			   const char *column, const char *label, struct json_object *published,
			   struct json_object *current)
{
	struct json_object *d = json_object_new_object();
	json_object_object_add(d, "table", json_object_new_string(table));
	json_object_object_add(d, "row", json_object_new_string(row));
	json_object_object_add(d, "column", column ? json_object_new_string(column) : NULL);
	json_object_object_add(d, "label", json_object_new_string(label));
	json_object_object_add(d, "published", published);
	json_object_object_add(d, "current", current);
	json_object_array_add(list, d);
}

static void t3_differences(const struct report *was, const struct report *now,
			   struct json_object *list)
{
	int n;
	const struct t3_line *lines = t3_lines(now->format, &n);
	for (int i = 0; i < n; i++)
		for (int c = 0; c < T3_NCOLS; c++) {
			long a = was->t3.v[lines[i].row][c], b = now->t3.v[lines[i].row][c];
			if (a == b)
				continue;
			struct buf label = BUF_INIT;
			buf_puts(&label, "表三 ");
			t3_row_label(now->format, lines[i].row, &label);
			buf_printf(&label, " · %s", t3_col_labels[c]);
			add_difference(list, "table3", t3_row_codes[lines[i].row], t3_col_codes[c],
				       buf_str(&label), json_object_new_int64(a),
				       json_object_new_int64(b));
			buf_free(&label);
		}
}

static void t4_differences(const struct report *was, const struct report *now,
			   struct json_object *list)
{
	for (int g = 0; g < T4_NGROUPS; g++)
		for (int c = 0; c < T4_NCOLS; c++) {
			long a = was->t4.v[g][c], b = now->t4.v[g][c];
			if (a == b)
				continue;
			char code[48], label[160];
			snprintf(code, sizeof code, "%s_%s", t4_group_codes[g], t4_col_codes[c]);
			snprintf(label, sizeof label, "表四 %s · %s", t4_group_labels[g],
				 t4_col_labels[c]);
			add_difference(list, "table4", code, NULL, label,
				       json_object_new_int64(a), json_object_new_int64(b));
		}
}

static const char *number_text(struct json_object *v)
{
	return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : NULL;
}

static void t2_differences(const struct report *was, const struct report *now,
			   struct json_object *list)
{
	int n;
	const struct t2_block *b = report_t2_blocks(now->format, &n);
	for (int i = 0; i < n; i++)
		for (int row = 0; row < b[i].nrows; row++)
			for (int c = 0; c < b[i].ncols; c++) {
				const char *code = b[i].rows[row].cells[c].code;
				struct json_object *a = json_object_object_get(was->table2, code);
				struct json_object *z = json_object_object_get(now->table2, code);
				const char *ta = number_text(a), *tz = number_text(z);
				if ((!ta && !tz) || (ta && tz && !strcmp(ta, tz)))
					continue;
				char label[200];
				snprintf(label, sizeof label, "表二 %s %s · %s", b[i].title,
					 b[i].rows[row].label, b[i].cols[c]);
				add_difference(list, "table2", code, NULL, label,
					       json_object_get(a), json_object_get(z));
			}
}

static const struct {
	const char *code, *title;
} prose_sections[] = {
	{ "one", "一、总体情况" },
	{ "five", "五、存在的主要问题及改进情况" },
	{ "six", "六、其他需要报告的事项" },
};

static const char *prose_text(const struct report *r, const char *section)
{
	struct json_object *v = json_object_object_get(r->prose, section);
	return v ? json_object_get_string(v) : "";
}

static void prose_differences(const struct report *was, const struct report *now,
			      struct json_object *list)
{
	for (size_t s = 0; s < sizeof prose_sections / sizeof prose_sections[0]; s++) {
		const char *code = prose_sections[s].code;
		if (!strcmp(prose_text(was, code), prose_text(now, code)))
			continue;
		char label[120];
		snprintf(label, sizeof label, "%s（文字已修改）", prose_sections[s].title);
		add_difference(list, "prose", code, NULL, label, NULL, NULL);
	}
}

/* Section 六's fee figures; a snapshot from before they were computed has none. */
static const struct {
	const char *code, *label;
} fee_rows[] = {
	{ "notices", "六、信息处理费：发出收费通知的件数" },
	{ "amount_yuan", "六、信息处理费：收费通知的总金额（元）" },
	{ "collected_yuan", "六、信息处理费：实际收取的总金额（元）" },
};

static const char *fee_value(const struct report *r, size_t i, char *buf, size_t len)
{
	if (i == 0) {
		snprintf(buf, len, "%ld", r->fee_notices);
		return buf;
	}
	return i == 1 ? r->fee_amount : r->fee_collected;
}

static void fee_differences(const struct report *was, const struct report *now,
			    struct json_object *list)
{
	if (!was->has_fees || !now->has_fees)
		return;
	for (size_t i = 0; i < sizeof fee_rows / sizeof fee_rows[0]; i++) {
		char a[32], b[32];
		const char *old = fee_value(was, i, a, sizeof a), *cur = fee_value(now, i, b, sizeof b);
		if (strcmp(old, cur))
			add_difference(list, "fees", fee_rows[i].code, NULL, fee_rows[i].label,
				       json_object_new_string(old), json_object_new_string(cur));
	}
}

struct json_object *report_differences(const struct report *published,
				       const struct report *now)
{
	struct json_object *list = json_object_new_array();
	t2_differences(published, now, list);
	t3_differences(published, now, list);
	t4_differences(published, now, list);
	fee_differences(published, now, list);
	prose_differences(published, now, list);
	return list;
}

/* ---- the view model ------------------------------------------------------------- */

/* Which cells the failed checks involve, to mark them on the page. */
struct bad_cells {
	bool t3[T3_NROWS][T3_NCOLS];
	bool t4[T4_NGROUPS][T4_NCOLS];
};

static void find_bad_cells(const struct report *r, struct bad_cells *bad)
{
	struct report_failure f[MAX_FAILURES];
	size_t n = run_checks(r, f, MAX_FAILURES);
	memset(bad, 0, sizeof *bad);
	for (size_t i = 0; i < n && i < MAX_FAILURES; i++) {
		if (f[i].check == CHECK_T4_TOTAL) {
			bad->t4[f[i].row][T4_TOTAL] = true;
		} else if (f[i].check == CHECK_BALANCE) {
			bad->t3[T3_RECEIVED][f[i].col] = true;
			bad->t3[T3_CARRIED_IN][f[i].col] = true;
			bad->t3[T3_CONCLUDED_TOTAL][f[i].col] = true;
			bad->t3[T3_CARRIED_OUT][f[i].col] = true;
		} else {
			bad->t3[f[i].row][f[i].col] = true;
		}
	}
}

static struct json_object *label_cell(const char *label, int rowspan, int colspan)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "label", json_object_new_string(label));
	json_object_object_add(o, "rowspan", json_object_new_int(rowspan));
	json_object_object_add(o, "colspan", json_object_new_int(colspan));
	return o;
}

static struct json_object *number_cell(long v, bool bad)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "v", json_object_new_int64(v));
	if (bad)
		json_object_object_add(o, "bad", json_object_new_boolean(true));
	return o;
}

/* How many lines from i on share the pointer `key` picks (a merged cell). */
static int run_length(const struct t3_line *lines, int n, int i, bool section)
{
	const char *key = section ? lines[i].section : lines[i].group;
	int k = i;
	while (k < n && (section ? lines[k].section : lines[k].group) == key)
		k++;
	return k - i;
}

static struct json_object *t3_view(const struct report *r, const struct bad_cells *bad)
{
	struct json_object *rows = json_object_new_array();
	int n;
	const struct t3_line *lines = t3_lines(r->format, &n);
	for (int i = 0; i < n; i++) {
		const struct t3_line *l = &lines[i];
		struct json_object *row = json_object_new_object();
		json_object_object_add(row, "code", json_object_new_string(t3_row_codes[l->row]));
		/* Column A: a top-level row's label spans all three; a section
		 * heading spans its rows. Column B likewise for groups. */
		if (!l->section) {
			json_object_object_add(row, "a", label_cell(l->label, 1, 3));
		} else {
			if (i == 0 || lines[i - 1].section != l->section)
				json_object_object_add(row, "a", label_cell(
					l->section, run_length(lines, n, i, true), 1));
			if (!l->group)
				json_object_object_add(row, "b", label_cell(l->label, 1, 2));
			else {
				if (lines[i - 1].group != l->group)
					json_object_object_add(row, "b", label_cell(
						l->group, run_length(lines, n, i, false), 1));
				json_object_object_add(row, "c", label_cell(l->label, 1, 1));
			}
		}
		struct json_object *cells = json_object_new_array();
		for (int c = 0; c < T3_NCOLS; c++)
			json_object_array_add(cells, number_cell(r->t3.v[l->row][c],
								 bad->t3[l->row][c]));
		json_object_object_add(row, "cells", cells);
		json_object_array_add(rows, row);
	}
	return rows;
}

static struct json_object *t4_view(const struct report *r, const struct bad_cells *bad)
{
	struct json_object *cells = json_object_new_array();
	for (int g = 0; g < T4_NGROUPS; g++)
		for (int c = 0; c < T4_NCOLS; c++)
			json_object_array_add(cells, number_cell(r->t4.v[g][c], bad->t4[g][c]));
	return cells;
}

/* One value cell of table 二: {text, colspan, missing}. */
static struct json_object *t2_value_cell(const struct report *r, const char *code, int colspan)
{
	struct json_object *o = json_object_new_object();
	struct json_object *v = json_object_object_get(r->table2, code);
	json_object_object_add(o, "code", json_object_new_string(code));
	json_object_object_add(o, "text", json_object_new_string(v ? number_text(v) : ""));
	json_object_object_add(o, "colspan", json_object_new_int(colspan));
	if (!v)
		json_object_object_add(o, "missing", json_object_new_boolean(true));
	return o;
}

/*
 * Table 二 is one grid of four columns (信息内容 + three), as printed: a
 * block with fewer value columns stretches its last one, like the format.
 */
#define T2_GRID_COLS 3

static struct json_object *t2_view(const struct report *r)
{
	struct json_object *blocks = json_object_new_array();
	int n;
	const struct t2_block *b = report_t2_blocks(r->format, &n);
	for (int i = 0; i < n; i++) {
		struct json_object *block = json_object_new_object();
		json_object_object_add(block, "title", json_object_new_string(b[i].title));
		struct json_object *head = json_object_new_array();
		for (int c = 0; c < b[i].ncols; c++) {
			int span = c == b[i].ncols - 1 ? T2_GRID_COLS - c : 1;
			json_object_array_add(head, label_cell(b[i].cols[c], 1, span));
		}
		json_object_object_add(block, "cols", head);
		struct json_object *rows = json_object_new_array();
		for (int row = 0; row < b[i].nrows; row++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "label", json_object_new_string(b[i].rows[row].label));
			struct json_object *cells = json_object_new_array();
			for (int c = 0; c < b[i].ncols; c++) {
				int span = c == b[i].ncols - 1 ? T2_GRID_COLS - c : 1;
				json_object_array_add(cells, t2_value_cell(
					r, b[i].rows[row].cells[c].code, span));
			}
			json_object_object_add(o, "cells", cells);
			json_object_array_add(rows, o);
		}
		json_object_object_add(block, "rows", rows);
		json_object_array_add(blocks, block);
	}
	return blocks;
}

/* Staff prose as paragraphs: one per non-blank line. */
static struct json_object *paragraphs(const char *text)
{
	struct json_object *list = json_object_new_array();
	while (text && *text) {
		size_t len = strcspn(text, "\n");
		const char *start = text;
		size_t n = len;
		while (n && (start[n - 1] == '\r' || start[n - 1] == ' '))
			n--;
		while (n && *start == ' ') {
			start++;
			n--;
		}
		if (n)
			json_object_array_add(list, json_object_new_string_len(start, (int)n));
		text += len + (text[len] == '\n');
	}
	return list;
}

void report_title(const struct report *r, struct buf *out)
{
	buf_printf(out, "%s%d年政府信息公开工作年度报告", r->agency_name ? r->agency_name : "",
		   r->year);
}

struct json_object *report_view(const struct report *r)
{
	struct json_object *v = json_object_new_object();
	struct buf title = BUF_INIT;
	report_title(r, &title);
	json_object_object_add(v, "title", json_object_new_string(buf_str(&title)));
	buf_free(&title);
	json_object_object_add(v, "format_2019", json_object_new_boolean(
		r->format == REPORT_FORMAT_2019));
	struct bad_cells bad;
	find_bad_cells(r, &bad);
	json_object_object_add(v, "t2", t2_view(r));
	json_object_object_add(v, "t3", t3_view(r, &bad));
	json_object_object_add(v, "t4", t4_view(r, &bad));
	if (r->has_fees && r->format == REPORT_FORMAT_2021) {
		/* 国办公开办函〔2021〕30号: section 六 reports the 信息处理费. */
		struct json_object *fees = json_object_new_object();
		json_object_object_add(fees, "notices", json_object_new_int64(r->fee_notices));
		json_object_object_add(fees, "amount", json_object_new_string(r->fee_amount));
		json_object_object_add(fees, "collected", json_object_new_string(r->fee_collected));
		json_object_object_add(v, "fees", fees);
	}
	for (size_t s = 0; s < sizeof prose_sections / sizeof prose_sections[0]; s++)
		json_object_object_add(v, prose_sections[s].code,
				       paragraphs(prose_text(r, prose_sections[s].code)));
	return v;
}

/* ---- CSV ---------------------------------------------------------------------- */

/* A CSV field: quoted when it holds a comma, quote or line break. */
static void csv_field(struct buf *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		buf_puts(out, s);
		return;
	}
	buf_putc(out, '"');
	for (; *s; s++) {
		if (*s == '"')
			buf_putc(out, '"');
		buf_putc(out, *s);
	}
	buf_putc(out, '"');
}

static void csv_line(struct buf *out, const char *table, const char *row, const char *col,
		     const char *value, const char *row_label, const char *col_label)
{
	const char *fields[] = { table, row, col, value, row_label, col_label };
	for (size_t i = 0; i < 6; i++) {
		if (i)
			buf_putc(out, ',');
		csv_field(out, fields[i]);
	}
	buf_puts(out, "\r\n");
}

void report_csv(const struct report *r, struct buf *out)
{
	char value[48];
	csv_line(out, "table", "row", "column", "value", "row_label", "column_label");
	int n;
	const struct t2_block *b = report_t2_blocks(r->format, &n);
	for (int i = 0; i < n; i++)
		for (int row = 0; row < b[i].nrows; row++)
			for (int c = 0; c < b[i].ncols; c++) {
				const char *code = b[i].rows[row].cells[c].code;
				struct json_object *v = json_object_object_get(r->table2, code);
				char label[160];
				snprintf(label, sizeof label, "%s %s", b[i].title,
					 b[i].rows[row].label);
				csv_line(out, "table2", code, "", v ? number_text(v) : "", label,
					 b[i].cols[c]);
			}
	const struct t3_line *lines = t3_lines(r->format, &n);
	for (int i = 0; i < n; i++) {
		struct buf label = BUF_INIT;
		t3_row_label(r->format, lines[i].row, &label);
		for (int c = 0; c < T3_NCOLS; c++) {
			snprintf(value, sizeof value, "%ld", r->t3.v[lines[i].row][c]);
			csv_line(out, "table3", t3_row_codes[lines[i].row], t3_col_codes[c], value,
				 buf_str(&label), t3_col_labels[c]);
		}
		buf_free(&label);
	}
	for (int g = 0; g < T4_NGROUPS; g++)
		for (int c = 0; c < T4_NCOLS; c++) {
			snprintf(value, sizeof value, "%ld", r->t4.v[g][c]);
			csv_line(out, "table4", t4_group_codes[g], t4_col_codes[c], value,
				 t4_group_labels[g], t4_col_labels[c]);
		}
	for (size_t i = 0; r->has_fees && i < sizeof fee_rows / sizeof fee_rows[0]; i++)
		csv_line(out, "fees", fee_rows[i].code, "", fee_value(r, i, value, sizeof value),
			 fee_rows[i].label, "");
}

/* ---- the model of the page, the API and the command ------------------------------ */

static struct json_object *publication_json(const struct report_publication *pub)
{
	if (!pub->version)
		return NULL;
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "version", json_object_new_int(pub->version));
	json_object_object_add(o, "published_at", json_object_new_string(pub->published_at));
	json_object_object_add(o, "published_by", json_object_new_string(pub->published_by));
	return o;
}

/* The first version's day of publication (Art. 49 asks for the first), 0 if none. */
static enum report_status first_published(struct db *db, long long agency_id, int year,
					  int32_t *on, PGresult **failure)
{
	char id[24], y[12];
	snprintf(id, sizeof id, "%lld", agency_id);
	snprintf(y, sizeof y, "%d", year);
	const char *p[] = { id, y };
	PGresult *res = db_exec(db, STMT_REPORT_FIRST_PUBLISHED, 2, p);
	if (!db_ok(res)) {
		*failure = res;
		return REPORT_DB_FAILED;
	}
	*on = 0;
	if (!PQgetisnull(res, 0, 0))
		date_parse(PQgetvalue(res, 0, 0), on);
	PQclear(res);
	return REPORT_OK;
}

static struct json_object *date_json(int32_t d, bool chinese)
{
	char buf[DATE_STR_SIZE], cn[32];
	if (!chinese)
		return json_object_new_string(date_format(d, buf));
	int y, m, day;
	date_to_ymd(d, &y, &m, &day);
	snprintf(cn, sizeof cn, "%d年%d月%d日", y, m, day);
	return json_object_new_string(cn);
}

/*
 * Art. 49: {"on", "on_text", "government", "published_on" (the first
 * version's day, or null), "late"}: published after the deadline, or not
 * yet and the deadline passed.
 */
static struct json_object *deadline_json(const struct report *r, int32_t published_on)
{
	int32_t deadline = report_publish_deadline(r->year, r->government);
	int32_t today = clock_today();
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "on", date_json(deadline, false));
	json_object_object_add(o, "on_text", date_json(deadline, true));
	json_object_object_add(o, "government", json_object_new_boolean(r->government));
	json_object_object_add(o, "published_on", published_on ? date_json(published_on, false)
							       : NULL);
	json_object_object_add(o, "published_on_text", published_on
				? date_json(published_on, true) : NULL);
	json_object_object_add(o, "late", json_object_new_boolean(
		report_publish_late(deadline, published_on, today)));
	return o;
}

bool report_begin(struct db *db, bool read_only)
{
	if (!db_command(db, read_only ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
				      : "BEGIN ISOLATION LEVEL REPEATABLE READ"))
		return false;
	/* Compiling the aggregation (JIT) costs far more than it saves:
	 * 80 ms instead of 8 for a department-year at a million requests. */
	if (db_command(db, "SET LOCAL jit = off"))
		return true;
	db_command(db, "ROLLBACK");
	return false;
}

struct json_object *report_model(struct db *db, const char *code, int year, bool draft,
				 bool with_view, enum report_status *status, PGresult **failure)
{
	struct report now, was;
	struct report_publication pub;
	report_init(&was);
	report_init(&now);
	*failure = NULL;
	if (!report_begin(db, true)) {
		*status = REPORT_DB_FAILED;
		return NULL;
	}
	int32_t published_on = 0;
	*status = report_compute(db, code, year, &now, failure);
	if (*status == REPORT_OK)
		*status = report_published(db, now.agency_id, year, &was, &pub, failure);
	if (*status == REPORT_OK)
		*status = first_published(db, now.agency_id, year, &published_on, failure);
	if (*status == REPORT_OK && !db_command(db, "COMMIT"))
		*status = REPORT_DB_FAILED;
	else if (*status != REPORT_OK)
		db_command(db, "ROLLBACK");
	if (*status != REPORT_OK) {
		report_free(&now);
		return NULL;
	}
	/* Once published, the report is what was published; what changed
	 * since shows as differences, never silently. */
	const struct report *shown = pub.version && !draft ? &was : &now;
	struct json_object *m = report_to_json(shown);
	json_object_object_add(m, "status", json_object_new_string(
		shown == &was ? "published" : "draft"));
	json_object_object_add(m, "published", publication_json(&pub));
	json_object_object_add(m, "deadline", deadline_json(&now, published_on));
	json_object_object_add(m, "differences", pub.version ? report_differences(&was, &now)
							     : json_object_new_array());
	json_object_object_add(m, "table2_missing", report_t2_missing(shown));
	struct json_object *checks;
	int failed = report_checks(shown, &checks);
	json_object_put(checks);
	json_object_object_add(m, "checks_failed", json_object_new_int(failed));
	json_object_object_add(m, "checks_ok", json_object_new_boolean(failed == 0));
	if (with_view) {
		struct json_object *view = report_view(shown);
		if (shown == &was) {
			struct json_object *edition = publication_json(&pub);
			json_object_object_add(edition, "correction",
					       json_object_new_boolean(pub.version > 1));
			json_object_object_add(view, "edition", edition);
		}
		json_object_object_add(m, "view", view);
	}
	report_free(&now);
	report_free(&was);
	return m;
}
