/* report_json: the checks, the report as JSON and back, the differences
 * between a published version and now (report.c). */
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

/* ---- checks ------------------------------------------------------------------- */

static const char *const check_rules[REPORT_NCHECKS] = {
	[CHECK_BALANCE] = "每列：一、本年新收 + 二、上年结转 = 三、（七）总计 + 四、结转下年度继续办理",
	[CHECK_CONCLUDED_SUM] = "每列：（七）总计 = 各项办理结果之和",
	[CHECK_TOTAL_COLUMN] = "每行：总计 = 六类申请人之和",
	[CHECK_T4_TOTAL] = "表四：每项总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结",
	[CHECK_CARRY] = "本年“二、上年结转” = 上一年度报告的“四、结转下年度继续办理”",
};


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

size_t report_run_checks(const struct report *r, struct report_failure *f, size_t max)
{
	return report_check_all(r->format, &r->t3, &r->t4, r->prev_carried_out, f, max);
}

int report_checks(const struct report *r, struct json_object **out)
{
	struct report_failure f[REPORT_MAX_FAILURES];
	size_t n = report_run_checks(r, f, REPORT_MAX_FAILURES);
	size_t stored = n < REPORT_MAX_FAILURES ? n : REPORT_MAX_FAILURES;
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

static void prose_differences(const struct report *was, const struct report *now,
			      struct json_object *list)
{
	for (size_t s = 0; s < REPORT_PROSE_SECTIONS; s++) {
		const char *code = prose_sections[s].code;
		if (!strcmp(prose_text(was, code), prose_text(now, code)))
			continue;
		char label[120];
		snprintf(label, sizeof label, "%s（文字已修改）", prose_sections[s].title);
		add_difference(list, "prose", code, NULL, label, NULL, NULL);
	}
}

static void fee_differences(const struct report *was, const struct report *now,
			    struct json_object *list)
{
	if (!was->has_fees || !now->has_fees)
		return;
	for (size_t i = 0; i < REPORT_FEE_ROWS; i++) {
		char a[32], b[32];
		const char *old = fee_value(was, i, a, sizeof a), *cur = fee_value(now, i, b, sizeof b);
		if (strcmp(old, cur))
			add_difference(list, "fees", fee_rows[i].code, NULL, fee_rows[i].title,
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
