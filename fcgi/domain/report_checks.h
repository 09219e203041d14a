/*
 * report_checks: the numbers of tables 三 and 四 of the yearly report
 * (政府信息公开工作年度报告, shared/domain/report-format.md) and the
 * relations between them that the national format states or implies.
 *
 * Pure: no I/O, no allocation. The computation (report.c) fills the
 * numbers from SQL, which counts the totals independently of the parts
 * (GROUPING SETS), so these checks compare two separate countings rather
 * than a sum with itself. The report shows every failure naming its cell
 * and refuses to publish while one remains.
 */
#ifndef YSQGK_REPORT_CHECKS_H
#define YSQGK_REPORT_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 国办公开办函〔2019〕60号 (years 2019, 2020) or 〔2021〕30号 (2021 on). */
enum report_format {
	REPORT_FORMAT_2019,
	REPORT_FORMAT_2021,
};

/* The format in force for a reporting year (2019 and 2020: the 2019 one). */
enum report_format report_format_of_year(int year);
/* "2019" or "2021". */
const char *report_format_code(enum report_format f);

/*
 * Art. 49: the report on `year` is published by 31 January of the next
 * year (a department) or by 31 March (a government: agencies.kind).
 * A day number (domain/date.h).
 */
int32_t report_publish_deadline(int year, bool government);

/*
 * Whether the report is late: published (first version) after the
 * deadline, or not published (published_on 0 = never) and `today` is past
 * it. Publishing on the deadline day itself is in time.
 */
bool report_publish_late(int32_t deadline, int32_t published_on, int32_t today);

/* Table 三's columns (申请人情况): the six applicant kinds and 总计. */
enum t3_col {
	T3_PERSON,
	T3_BUSINESS,
	T3_RESEARCH,
	T3_NONPROFIT,
	T3_LEGAL_SERVICE,
	T3_ORG_OTHER,
	T3_TOTAL,
	T3_NCOLS
};

#define T3_NKINDS T3_TOTAL

/*
 * Table 三's rows: the union of both formats. other_total is a row of the
 * 2019 format (the sum of the three below it); in the 2021 format it is a
 * heading and its three parts are rows.
 */
enum t3_row {
	T3_RECEIVED,
	T3_CARRIED_IN,
	T3_DISCLOSED,
	T3_PARTIAL,
	T3_DENY_SECRET,
	T3_DENY_LAW,
	T3_DENY_SECURITY,
	T3_DENY_THIRD_PARTY,
	T3_DENY_INTERNAL,
	T3_DENY_PROCESS,
	T3_DENY_ENFORCEMENT,
	T3_DENY_QUERY,
	T3_UNABLE_NOT_HELD,
	T3_UNABLE_CREATE,
	T3_UNABLE_UNCLEAR,
	T3_REJECT_PETITION,
	T3_REJECT_REPEAT,
	T3_REJECT_PUBLICATION,
	T3_REJECT_MASS,
	T3_REJECT_CONFIRM,
	T3_OTHER_TOTAL,
	T3_OTHER_NO_SUPPLEMENT,
	T3_OTHER_NO_FEE,
	T3_OTHER,
	T3_CONCLUDED_TOTAL,
	T3_CARRIED_OUT,
	T3_NROWS
};

/* Table 四: three groups of five columns. */
enum t4_group {
	T4_REVIEW,
	T4_SUIT_DIRECT,
	T4_SUIT_AFTER_REVIEW,
	T4_NGROUPS
};

enum t4_col {
	T4_UPHELD,
	T4_CORRECTED,
	T4_OTHER,
	T4_PENDING,
	T4_TOTAL,
	T4_NCOLS
};

/* The codes of report-format.md ("received", "person", "review", …). */
extern const char *const t3_row_codes[T3_NROWS];
extern const char *const t3_col_codes[T3_NCOLS];
extern const char *const t4_group_codes[T4_NGROUPS];
extern const char *const t4_col_codes[T4_NCOLS];

/* The index of a code, or -1. */
int t3_row_of(const char *code);
int t3_col_of(const char *code);

/*
 * Whether a row carries numbers in the format: every row but other_total
 * in 2021 (a heading there) and its three parts in 2019 (folded into it).
 */
bool t3_row_in_format(enum report_format f, int r);

/* The outcome rows of 三、本年度办理结果 that （七）总计 adds up, in the format. */
bool t3_row_is_outcome(enum report_format f, int r);

struct table3 {
	long v[T3_NROWS][T3_NCOLS];
};

struct table4 {
	long v[T4_NGROUPS][T4_NCOLS];
};

enum report_check {
	/* 本列数据的勾稽关系: 一 + 二 = 三（七）+ 四, for every column. */
	CHECK_BALANCE,
	/* （七）总计 = the sum of the outcome rows, for every column. */
	CHECK_CONCLUDED_SUM,
	/* 总计 = the sum of the six applicant columns, for every row. */
	CHECK_TOTAL_COLUMN,
	/* Table 四: 总计 = 维持 + 纠正 + 其他 + 尚未审结, for every group. */
	CHECK_T4_TOTAL,
	/* This year's 二、上年结转 = last year's 四、结转下年度继续办理. */
	CHECK_CARRY,
	REPORT_NCHECKS
};

extern const char *const report_check_codes[REPORT_NCHECKS];

/*
 * One failed relation, at one cell: for CHECK_T4_TOTAL `row` is the group
 * and `col` T4_TOTAL; otherwise row and col index table 三 (the cell the
 * relation's left side names). lhs and rhs are the two sides.
 */
struct report_failure {
	enum report_check check;
	int row;
	int col;
	long lhs;
	long rhs;
};

/*
 * Checks t3 and t4 of format f. prev_carried_out is last year's row 四
 * (NULL: no previous year to compare with). Writes up to max failures into
 * out and returns how many relations failed in all (possibly more than max).
 */
size_t report_check_all(enum report_format f, const struct table3 *t3,
			const struct table4 *t4, const long *prev_carried_out,
			struct report_failure *out, size_t max);

#endif
