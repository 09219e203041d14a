/* report_view: the page's view model (cells, merged headings, marked
 * failures) and the CSV (report.c). */
#include "service/report.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "domain/date.h"
#include "core/clock.h"
#include "service/report_internal.h"

/* ---- the view model ------------------------------------------------------------- */

/* Which cells the failed checks involve, to mark them on the page. */
struct bad_cells {
	bool t3[T3_NROWS][T3_NCOLS];
	bool t4[T4_NGROUPS][T4_NCOLS];
};

static void find_bad_cells(const struct report *r, struct bad_cells *bad)
{
	struct report_failure f[REPORT_MAX_FAILURES];
	size_t n = report_run_checks(r, f, REPORT_MAX_FAILURES);
	memset(bad, 0, sizeof *bad);
	for (size_t i = 0; i < n && i < REPORT_MAX_FAILURES; i++) {
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

/* Table 二 is one grid of four columns (信息内容 + three), as printed
 * (report_t2_colspan). */
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
			json_object_array_add(head, label_cell(b[i].cols[c], 1,
							       report_t2_colspan(&b[i], c)));
		}
		json_object_object_add(block, "cols", head);
		struct json_object *rows = json_object_new_array();
		for (int row = 0; row < b[i].nrows; row++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "label", json_object_new_string(b[i].rows[row].label));
			struct json_object *cells = json_object_new_array();
			for (int c = 0; c < b[i].ncols; c++) {
				json_object_array_add(cells, t2_value_cell(
					r, b[i].rows[row].cells[c].code,
					report_t2_colspan(&b[i], c)));
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
	for (size_t s = 0; s < REPORT_PROSE_SECTIONS; s++)
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
	for (size_t i = 0; r->has_fees && i < REPORT_FEE_ROWS; i++)
		csv_line(out, "fees", fee_rows[i].code, "", fee_value(r, i, value, sizeof value),
			 fee_rows[i].title, "");
}
