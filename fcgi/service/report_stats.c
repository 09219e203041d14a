/* report_stats: every agency's table 三 as it stands (report_stats.h). */
#include "service/report_stats.h"

#include <stdio.h>
#include <string.h>

#include "lib/csvout.h"
#include "service/report.h"
#include "service/report_internal.h"

/* The printed rows of table 三 in format f, and its columns, with labels. */
static struct json_object *row_list(enum report_format f)
{
	struct json_object *rows = json_object_new_array();
	int n;
	const struct t3_line *lines = t3_lines(f, &n);
	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		struct buf label = BUF_INIT;
		t3_row_label(f, lines[i].row, &label);
		json_object_object_add(o, "code", json_object_new_string(t3_row_codes[lines[i].row]));
		json_object_object_add(o, "label", json_object_new_string(buf_str(&label)));
		buf_free(&label);
		json_object_array_add(rows, o);
	}
	return rows;
}

static struct json_object *column_list(void)
{
	struct json_object *cols = json_object_new_array();
	for (int c = 0; c < T3_NCOLS; c++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "code", json_object_new_string(t3_col_codes[c]));
		json_object_object_add(o, "label", json_object_new_string(t3_col_labels[c]));
		json_object_array_add(cols, o);
	}
	return cols;
}

/* The page's lines of one report: each printed row's label and numbers. */
static struct json_object *printed_lines(const struct report *r)
{
	struct json_object *out = json_object_new_array();
	int n;
	const struct t3_line *lines = t3_lines(r->format, &n);
	for (int i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object(), *cells = json_object_new_array();
		struct buf label = BUF_INIT;
		t3_row_label(r->format, lines[i].row, &label);
		json_object_object_add(o, "label", json_object_new_string(buf_str(&label)));
		buf_free(&label);
		for (int c = 0; c < T3_NCOLS; c++)
			json_object_array_add(cells, json_object_new_int64(r->t3.v[lines[i].row][c]));
		json_object_object_add(o, "cells", cells);
		json_object_array_add(out, o);
	}
	return out;
}

/* One agency's entry, its table 三 exactly as report_to_json gives it. */
static struct json_object *agency_entry(const struct report *r, const char *name)
{
	struct json_object *a = json_object_new_object();
	json_object_object_add(a, "code", json_object_new_string(r->agency_code));
	json_object_object_add(a, "name", json_object_new_string(name));
	struct json_object *full = report_to_json(r), *t3 = NULL;
	json_object_object_get_ex(full, "table3", &t3);
	json_object_object_add(a, "table3", json_object_get(t3));
	json_object_put(full);
	json_object_object_add(a, "lines", printed_lines(r));
	return a;
}

static bool add_agencies(struct db *db, int year, struct json_object *list,
			 PGresult **failure)
{
	PGresult *res = db_exec(db, STMT_AGENCY_LIST, 0, NULL);
	if (!db_ok(res)) {
		*failure = res;
		return false;
	}
	bool ok = true;
	for (int i = 0; ok && i < PQntuples(res); i++) {
		struct report r;
		ok = report_compute(db, PQgetvalue(res, i, COL(AGENCY_LIST, code)), year, &r,
				    failure) == REPORT_OK;
		if (ok)
			json_object_array_add(list, agency_entry(&r, PQgetvalue(res, i,
							COL(AGENCY_LIST, name))));
		report_free(&r);
	}
	PQclear(res);
	return ok;
}

struct json_object *report_stats(struct db *db, int year, PGresult **failure)
{
	*failure = NULL;
	if (!report_begin(db, true))
		return NULL;
	struct json_object *agencies = json_object_new_array();
	bool ok = add_agencies(db, year, agencies, failure);
	if (!ok)
		db_command(db, "ROLLBACK");
	if (!ok || !db_command(db, "COMMIT")) {
		json_object_put(agencies);
		return NULL;
	}
	enum report_format f = report_format_of_year(year);
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "year", json_object_new_int(year));
	json_object_object_add(m, "format", json_object_new_string(report_format_code(f)));
	json_object_object_add(m, "rows", row_list(f));
	json_object_object_add(m, "columns", column_list());
	json_object_object_add(m, "agencies", agencies);
	return m;
}

static const char *str_at(struct json_object *arr, size_t i, const char *key)
{
	struct json_object *v = NULL;
	json_object_object_get_ex(json_object_array_get_idx(arr, i), key, &v);
	return v ? json_object_get_string(v) : "";
}

void report_stats_csv(struct json_object *stats, struct buf *out)
{
	static const char *const head[] = { "agency", "agency_name", "row", "column", "value",
					    "row_label", "column_label" };
	for (size_t i = 0; i < 7; i++)
		csv_field(out, head[i], i == 0, false);
	csv_end_line(out);
	struct json_object *rows = json_object_object_get(stats, "rows");
	struct json_object *cols = json_object_object_get(stats, "columns");
	struct json_object *agencies = json_object_object_get(stats, "agencies");
	for (size_t a = 0; a < json_object_array_length(agencies); a++) {
		struct json_object *t3 = json_object_object_get(
			json_object_array_get_idx(agencies, a), "table3");
		for (size_t r = 0; r < json_object_array_length(rows); r++) {
			struct json_object *row = json_object_object_get(t3, str_at(rows, r, "code"));
			for (size_t c = 0; c < json_object_array_length(cols); c++) {
				const char *fields[] = {
					str_at(agencies, a, "code"), str_at(agencies, a, "name"),
					str_at(rows, r, "code"), str_at(cols, c, "code"),
					json_object_get_string(json_object_object_get(row,
							str_at(cols, c, "code"))),
					str_at(rows, r, "label"), str_at(cols, c, "label"),
				};
				for (size_t k = 0; k < 7; k++)
					csv_field(out, fields[k] ? fields[k] : "", k == 0, true);
				csv_end_line(out);
			}
		}
	}
}
