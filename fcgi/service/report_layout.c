/* report_layout: tables 三 and 四 as printed, in both formats. */
#include "service/report_internal.h"

/* ---- the layout of table 三 in both formats ------------------------------- */


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

const struct t3_line *t3_lines(enum report_format f, int *n)
{
	if (f == REPORT_FORMAT_2019) {
		*n = (int)(sizeof t3_lines_2019 / sizeof t3_lines_2019[0]);
		return t3_lines_2019;
	}
	*n = (int)(sizeof t3_lines_2021 / sizeof t3_lines_2021[0]);
	return t3_lines_2021;
}

const struct t3_line *t3_line_of(enum report_format f, int row)
{
	int n;
	const struct t3_line *lines = t3_lines(f, &n);
	for (int i = 0; i < n; i++)
		if ((int)lines[i].row == row)
			return &lines[i];
	return NULL;
}

const char *const t3_col_labels[T3_NCOLS] = {
	[T3_PERSON] = "自然人",
	[T3_BUSINESS] = "商业企业",
	[T3_RESEARCH] = "科研机构",
	[T3_NONPROFIT] = "社会公益组织",
	[T3_LEGAL_SERVICE] = "法律服务机构",
	[T3_ORG_OTHER] = "其他",
	[T3_TOTAL] = "总计",
};

const char *const t4_group_labels[T4_NGROUPS] = {
	[T4_REVIEW] = "行政复议",
	[T4_SUIT_DIRECT] = "行政诉讼·未经复议直接起诉",
	[T4_SUIT_AFTER_REVIEW] = "行政诉讼·复议后起诉",
};

const char *const t4_col_labels[T4_NCOLS] = {
	[T4_UPHELD] = "结果维持",
	[T4_CORRECTED] = "结果纠正",
	[T4_OTHER] = "其他结果",
	[T4_PENDING] = "尚未审结",
	[T4_TOTAL] = "总计",
};

/* The label of a table-三 row with its group: "（三）不予公开 1.属于国家秘密". */
void t3_row_label(enum report_format f, int row, struct buf *out)
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

/* ---- the sections beside the tables ---------------------------------------- */

const char *number_text(struct json_object *v)
{
	return v ? json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN) : NULL;
}

const struct report_section prose_sections[REPORT_PROSE_SECTIONS] = {
	{ "one", "一、总体情况" },
	{ "five", "五、存在的主要问题及改进情况" },
	{ "six", "六、其他需要报告的事项" },
};

const char *prose_text(const struct report *r, const char *section)
{
	struct json_object *v = json_object_object_get(r->prose, section);
	return v ? json_object_get_string(v) : "";
}

/* Section 六's fee figures; a snapshot from before they were computed has none. */
const struct report_section fee_rows[REPORT_FEE_ROWS] = {
	{ "notices", "六、信息处理费：发出收费通知的件数" },
	{ "amount_yuan", "六、信息处理费：收费通知的总金额（元）" },
	{ "collected_yuan", "六、信息处理费：实际收取的总金额（元）" },
};

const char *fee_value(const struct report *r, size_t i, char *buf, size_t len)
{
	if (i == 0) {
		snprintf(buf, len, "%ld", r->fee_notices);
		return buf;
	}
	return i == 1 ? r->fee_amount : r->fee_collected;
}
