/*
 * report_internal: what the parts of the report share — the printed
 * layout of tables 三 and 四 (report_layout.c). report.c computes and
 * loads, report_json.c checks, converts and compares, report_view.c
 * builds the page's view model and the CSV.
 */
#ifndef YSQGK_REPORT_INTERNAL_H
#define YSQGK_REPORT_INTERNAL_H

#include "lib/buf.h"
#include "service/report.h"

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

/* The printed lines of table 三 in format f (*n of them), and the line of
 * one row (NULL for a row the format does not print). */
const struct t3_line *t3_lines(enum report_format f, int *n);
const struct t3_line *t3_line_of(enum report_format f, int row);

/* The label of a table-三 row with its group: "（三）不予公开 1.属于国家秘密". */
void t3_row_label(enum report_format f, int row, struct buf *out);

extern const char *const t3_col_labels[T3_NCOLS];
extern const char *const t4_group_labels[T4_NGROUPS];
extern const char *const t4_col_labels[T4_NCOLS];

/* The most check failures one report lists. */
#define REPORT_MAX_FAILURES 64

/* Every check of domain/report_checks on the report; the failures in f. */
size_t report_run_checks(const struct report *r, struct report_failure *f, size_t max);

/* A JSON number as its text (NULL for NULL). */
const char *number_text(struct json_object *v);

/* A printed part beside the tables: its code and its title. */
struct report_section {
	const char *code, *title;
};

/* The prose sections 一, 五 and 六, and the text of one ("" when none). */
#define REPORT_PROSE_SECTIONS 3
extern const struct report_section prose_sections[REPORT_PROSE_SECTIONS];
const char *prose_text(const struct report *r, const char *section);

/* Section 六's fee figures (2021 format) and the text of one of them (in
 * buf when a number). A snapshot from before they were computed has none. */
#define REPORT_FEE_ROWS 3
extern const struct report_section fee_rows[REPORT_FEE_ROWS];
const char *fee_value(const struct report *r, size_t i, char *buf, size_t len);

#endif
