/*
 * What staff write into the yearly report: table 二 (主动公开, the cells of
 * docs/schema.md in the year's format: whole numbers, amounts in 万元 with
 * at most 4 decimals) and the prose of sections 一, 五 and 六. Pages
 * (/staff/report/table2, /staff/report/prose) and JSON
 * (/api/v1/reports/{year}/table2, /prose) share the validation.
 *
 * A value left empty in the form is a cell not entered (publishing wants
 * them all); in JSON, null clears a cell and a missing key leaves it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/auth.h"
#include "web/http.h"
#include "web/pages/pages.h"
/* fcgi/report.h, not pages/report.h beside this file. */
#include "service/report.h"

/* Longest prose section, in characters (the same bound as a request). */
#define PROSE_MAX_CHARS 20000

static void agency_year(struct json_object *m, const struct staff_agency *ag, int year)
{
	struct json_object *a = json_object_new_object();
	model_add_str(a, "code", ag->code);
	model_add_str(a, "name", ag->name);
	json_object_object_add(m, "agency", a);
	json_object_object_add(m, "year", json_object_new_int(year));
}

static void redirect_to_report(struct request *req, const struct staff_agency *ag, int year,
			       const char *done)
{
	char target[200];
	snprintf(target, sizeof target, "/staff/report?year=%d&agency=%s&done=%s", year,
		 ag->code, done);
	respond_redirect(req, target);
}

/* ---- table 二 ----------------------------------------------------------------- */

/* The cells entered so far ({} when none), or NULL when answered. */
static struct json_object *load_cells(struct request *req, const struct staff_agency *ag,
				      int year)
{
	char y[12];
	snprintf(y, sizeof y, "%d", year);
	const char *p[] = { ag->id_text, y };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_REPORT_TABLE2_GET, 2, p);
	if (!res)
		return NULL;
	struct json_object *cells = PQntuples(res)
		? json_tokener_parse(PQgetvalue(res, 0, COL(REPORT_TABLE2_GET, cells))) : NULL;
	PQclear(res);
	if (!json_object_is_type(cells, json_type_object)) {
		json_object_put(cells);
		cells = json_object_new_object();
	}
	return cells;
}

static const char *kind_hint(enum t2_kind kind)
{
	switch (kind) {
	case T2_CHANGE:
		return "整数，减少时填负数";
	case T2_AMOUNT:
		return "万元，最多4位小数";
	default:
		return "整数";
	}
}

/* A label with its column span in the grid: {label, colspan}. */
static struct json_object *spanned(const char *label, int colspan)
{
	struct json_object *o = json_object_new_object();
	model_add_str(o, "label", label);
	json_object_object_add(o, "colspan", json_object_new_int(colspan));
	return o;
}

/*
 * One input cell of the grid: {code, label (its column), name (row and
 * column: what a screen reader says), hint, value, error, colspan}; the
 * value shown is what was typed (`typed`, after an error) or what is
 * stored (`cells`). An error also goes to `summary`, linked to the cell.
 */
static struct json_object *input_cell(const struct t2_block *b, int r, int c,
				      struct json_object *cells, struct json_object *typed,
				      struct json_object *errors, struct json_object *summary)
{
	const struct t2_cell *cell = &b->rows[r].cells[c];
	struct json_object *o = json_object_new_object();
	struct json_object *v = json_object_object_get(typed, cell->code);
	if (!v)
		v = json_object_object_get(cells, cell->code);
	char name[200];
	snprintf(name, sizeof name, "%s %s", b->rows[r].label, b->cols[c]);
	model_add_str(o, "code", cell->code);
	model_add_str(o, "label", b->cols[c]);
	model_add_str(o, "name", name);
	model_add_str(o, "hint", kind_hint(cell->kind));
	json_object_object_add(o, "colspan", json_object_new_int(report_t2_colspan(b, c)));
	model_add_str(o, "value", !v ? "" : json_object_is_type(v, json_type_string)
		? json_object_get_string(v) : json_object_to_json_string(v));
	struct json_object *e = json_object_object_get(errors, cell->code);
	if (e) {
		model_add_str(o, "error", json_object_get_string(e));
		struct json_object *line = json_object_new_object();
		model_add_str(line, "code", cell->code);
		model_add_str(line, "name", name);
		model_add_str(line, "message", json_object_get_string(e));
		json_object_array_add(summary, line);
	}
	return o;
}

/* One block of the grid: {title, cols, rows: [{label, cells}]}. */
static struct json_object *grid_block(const struct t2_block *b, struct json_object *cells,
				      struct json_object *typed, struct json_object *errors,
				      struct json_object *summary)
{
	struct json_object *block = json_object_new_object();
	model_add_str(block, "title", b->title);
	struct json_object *cols = json_object_new_array();
	for (int c = 0; c < b->ncols; c++)
		json_object_array_add(cols, spanned(b->cols[c], report_t2_colspan(b, c)));
	json_object_object_add(block, "cols", cols);
	struct json_object *rows = json_object_new_array();
	for (int r = 0; r < b->nrows; r++) {
		struct json_object *row = json_object_new_object();
		model_add_str(row, "label", b->rows[r].label);
		struct json_object *list = json_object_new_array();
		for (int c = 0; c < b->ncols; c++)
			json_object_array_add(list, input_cell(b, r, c, cells, typed, errors,
							       summary));
		json_object_object_add(row, "cells", list);
		json_object_array_add(rows, row);
	}
	json_object_object_add(block, "rows", rows);
	return block;
}

/*
 * The form (issue 16, item 13): table 二 as the format prints it, rows ×
 * columns, an input in each cell; the refused cells listed on top.
 */
static void table2_page(struct request *req, int status, const struct staff_agency *ag,
			int year, struct json_object *cells, struct json_object *typed,
			struct json_object *errors)
{
	enum report_format f = report_format_of_year(year);
	char title[160];
	snprintf(title, sizeof title, "填写表二 主动公开政府信息情况（%d年）", year);
	struct json_object *m = staff_model(req, title);
	agency_year(m, ag, year);
	model_add_str(m, "format", report_format_code(f));
	struct json_object *blocks = json_object_new_array();
	struct json_object *summary = json_object_new_array();
	int n;
	const struct t2_block *b = report_t2_blocks(f, &n);
	for (int i = 0; i < n; i++)
		json_object_array_add(blocks, grid_block(&b[i], cells, typed, errors, summary));
	json_object_object_add(m, "blocks", blocks);
	if (errors && json_object_object_length(errors)) {
		json_object_object_add(m, "errors", json_object_get(errors));
		json_object_object_add(m, "error_count",
				       json_object_new_int((int)json_object_array_length(summary)));
		json_object_object_add(m, "error_list", summary);
	} else {
		json_object_put(summary);
	}
	respond(req, status, "report/table2", m);
}

void page_staff_report_table2_form(struct request *req)
{
	int year;
	struct staff_agency ag;
	if (!report_query_scope(req, &year, &ag))
		return;
	struct json_object *cells = load_cells(req, &ag, year);
	if (cells) {
		table2_page(req, 200, &ag, year, cells, NULL, NULL);
		json_object_put(cells);
	}
}

/*
 * The value typed for a cell: form field, or JSON "cells": {code: …}.
 * JSON is typed (issue 12, item 9): a count is a JSON integer; an amount
 * a JSON number or a decimal string (exact: money is not a binary
 * fraction); null clears; anything else sets *type_error.
 */
static const char *typed_value(struct request *req, const struct t2_cell *cell, bool *clear,
			       const char **type_error)
{
	*clear = false;
	*type_error = NULL;
	if (!json_object_is_type(req->json_body, json_type_object))
		return fields_get(&req->form, cell->code);
	struct json_object *cells = json_object_object_get(req->json_body, "cells");
	struct json_object *v;
	if (!json_object_object_get_ex(cells, cell->code, &v))
		return NULL;
	if (!v) {
		*clear = true;
		return "";
	}
	enum json_type t = json_object_get_type(v);
	bool amount = cell->kind == T2_AMOUNT;
	if (amount && t == json_type_string)
		return json_object_get_string(v);
	if (t != json_type_int && !(t == json_type_double && amount))
		*type_error = amount ? "应为数字（JSON 数字或数字文本）"
				     : "应为整数（JSON 数字，不加引号、不带小数）";
	return arena_strdup(req->arena,
			    json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
}

/* The number for jsonb, from its canonical text. */
static struct json_object *number_of(enum t2_kind kind, const char *canonical)
{
	if (kind == T2_AMOUNT)
		return json_object_new_double_s(strtod(canonical, NULL), canonical);
	return json_object_new_int64(strtoll(canonical, NULL, 10));
}

/*
 * Applies what was typed to `cells`; errors gets {code: message}, typed
 * the raw input (to show again). JSON keys that are no cell of the
 * format are errors too.
 */
static void apply_table2(struct request *req, enum report_format f, struct json_object *cells,
			 struct json_object *typed, struct json_object *errors)
{
	int n;
	const struct t2_block *b = report_t2_blocks(f, &n);
	for (int i = 0; i < n; i++)
		for (int r = 0; r < b[i].nrows; r++)
			for (int c = 0; c < b[i].ncols; c++) {
				const struct t2_cell *cell = &b[i].rows[r].cells[c];
				bool clear;
				const char *type_error;
				const char *text = typed_value(req, cell, &clear, &type_error);
				if (!text)
					continue;
				model_add_str(typed, cell->code, text);
				if (type_error) {
					model_add_str(errors, cell->code, type_error);
					continue;
				}
				if (!text[strspn(text, " ")]) {
					json_object_object_del(cells, cell->code);
					continue;
				}
				char canonical[40];
				const char *why = report_t2_parse(cell->kind, text, canonical,
								  sizeof canonical);
				if (why)
					model_add_str(errors, cell->code, why);
				else
					json_object_object_add(cells, cell->code,
							       number_of(cell->kind, canonical));
			}
	if (!json_object_is_type(req->json_body, json_type_object))
		return;
	struct json_object *given = json_object_object_get(req->json_body, "cells");
	if (!json_object_is_type(given, json_type_object)) {
		model_add_str(errors, "cells", "cells 须为对象：{\"单元格代码\": 数字}");
		return;
	}
	json_object_object_foreach(given, k, v) {
		(void)v;
		if (!report_t2_find(f, k, NULL, NULL))
			model_add_str(errors, k, "该年度格式的表二没有这一项");
	}
}

static bool save_cells(struct request *req, const struct staff_agency *ag, int year,
		       struct json_object *cells)
{
	char y[12];
	snprintf(y, sizeof y, "%d", year);
	const char *p[] = { ag->id_text, y, report_format_code(report_format_of_year(year)),
			    json_object_to_json_string_ext(cells, JSON_C_TO_STRING_PLAIN),
			    req->staff->staff_id_text };
	PGresult *res = db_exec(req->db, STMT_REPORT_TABLE2_SAVE, 5, p);
	bool ok = db_ok(res);
	if (!ok)
		respond_db_failure(req, res);
	PQclear(res);
	if (ok) {
		struct json_object *data = json_object_new_object();
		json_object_object_add(data, "year", json_object_new_int(year));
		json_object_object_add(data, "cells", json_object_get(cells));
		report_audit(req, ag, "report_table2_saved", data);
		json_object_put(data);
	}
	return ok;
}

/* The API's 422: {"error", "status", "errors": {field: message}}. */
static void respond_invalid(struct request *req, const char *message,
			    struct json_object *errors)
{
	struct json_object *m = json_object_new_object();
	model_add_str(m, "error", message);
	json_object_object_add(m, "status", json_object_new_int(422));
	json_object_object_add(m, "errors", json_object_get(errors));
	respond(req, 422, NULL, m);
}

/* Saves table 二; NULL when answered, else the cells saved (owned). */
static struct json_object *table2_save(struct request *req, int year,
				       const struct staff_agency *ag, bool page)
{
	struct json_object *cells = load_cells(req, ag, year);
	if (!cells)
		return NULL;
	struct json_object *typed = json_object_new_object();
	struct json_object *errors = json_object_new_object();
	apply_table2(req, report_format_of_year(year), cells, typed, errors);
	bool ok = json_object_object_length(errors) == 0;
	if (!ok) {
		req->log_why = "invalid table 2";
		if (page) {
			table2_page(req, 422, ag, year, cells, typed, errors);
		} else {
			respond_invalid(req, "表二填写有误", errors);
		}
	}
	if (ok && !save_cells(req, ag, year, cells))
		ok = false;
	json_object_put(typed);
	json_object_put(errors);
	if (!ok) {
		json_object_put(cells);
		return NULL;
	}
	return cells;
}

/*
 * Table 二 and the prose are saved the same way from a staff form (then
 * back to the report) and from the API (then the saved values as JSON):
 * `save` validates and stores, answering itself when it refuses.
 */
typedef struct json_object *(*report_save_fn)(struct request *req, int year,
					      const struct staff_agency *ag, bool page);

static void save_from_form(struct request *req, report_save_fn save, const char *anchor)
{
	int year;
	struct staff_agency ag;
	if (!report_page_scope(req, fields_get(&req->form, "year"),
			       fields_get(&req->form, "agency"), &year, &ag))
		return;
	struct json_object *saved = save(req, year, &ag, true);
	if (saved) {
		json_object_put(saved);
		redirect_to_report(req, &ag, year, anchor);
	}
}

static void save_from_api(struct request *req, report_save_fn save, const char *key,
			  const char *expected_body)
{
	char y[8];
	int year;
	struct staff_agency ag;
	if (!route_capture(&req->match, "year", y, sizeof y)) {
		respond_error(req, 404, NULL);
		return;
	}
	if (!json_object_is_type(req->json_body, json_type_object)) {
		respond_error(req, 400, expected_body);
		return;
	}
	if (!report_page_scope(req, y, report_input(req, "agency"), &year, &ag))
		return;
	struct json_object *saved = save(req, year, &ag, false);
	if (!saved)
		return;
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "year", json_object_new_int(year));
	model_add_str(m, "agency", ag.code);
	json_object_object_add(m, key, saved);
	respond(req, 200, NULL, m);
}

void page_staff_report_table2_save(struct request *req)
{
	save_from_form(req, table2_save, "table2");
}

void page_api_report_table2(struct request *req)
{
	save_from_api(req, table2_save, "table2", "需要 JSON 对象：{\"agency\": …, \"cells\": {…}}");
}

/* ---- sections 一, 五, 六 ------------------------------------------------------------ */

static const struct {
	const char *code, *title, *hint;
} sections[] = {
	{ "one", "一、总体情况", "本年度政府信息公开工作的总体情况。" },
	{ "five", "五、存在的主要问题及改进情况", "工作中存在的主要问题和改进措施。" },
	{ "six", "六、其他需要报告的事项", "没有需要报告的事项时填写“无”。" },
};

#define NSECTIONS (sizeof sections / sizeof sections[0])

/* The stored sections ({"one": "", …}), or NULL when answered. */
static struct json_object *load_prose(struct request *req, const struct staff_agency *ag,
				      int year)
{
	char y[12];
	snprintf(y, sizeof y, "%d", year);
	const char *p[] = { ag->id_text, y };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_REPORT_PROSE_GET, 2, p);
	if (!res)
		return NULL;
	struct json_object *prose = json_object_new_object();
	for (size_t s = 0; s < NSECTIONS; s++)
		model_add_str(prose, sections[s].code, "");
	for (int i = 0; i < PQntuples(res); i++)
		model_add_str(prose, PQgetvalue(res, i, COL(REPORT_PROSE_GET, section)), PQgetvalue(res, i, COL(REPORT_PROSE_GET, body)));
	PQclear(res);
	return prose;
}

static void prose_page(struct request *req, int status, const struct staff_agency *ag,
		       int year, struct json_object *prose, struct json_object *errors)
{
	char title[120];
	snprintf(title, sizeof title, "填写年度报告第一、五、六部分（%d年）", year);
	struct json_object *m = staff_model(req, title);
	agency_year(m, ag, year);
	struct json_object *list = json_object_new_array();
	for (size_t s = 0; s < NSECTIONS; s++) {
		struct json_object *o = json_object_new_object();
		model_add_str(o, "code", sections[s].code);
		model_add_str(o, "title", sections[s].title);
		model_add_str(o, "hint", sections[s].hint);
		model_add_str(o, "body", json_object_get_string(
			json_object_object_get(prose, sections[s].code)));
		struct json_object *e = json_object_object_get(errors, sections[s].code);
		if (e)
			model_add_str(o, "error", json_object_get_string(e));
		json_object_array_add(list, o);
	}
	json_object_object_add(m, "sections", list);
	if (errors && json_object_object_length(errors))
		json_object_object_add(m, "errors", json_object_get(errors));
	respond(req, status, "report/prose", m);
}

void page_staff_report_prose_form(struct request *req)
{
	int year;
	struct staff_agency ag;
	if (!report_query_scope(req, &year, &ag))
		return;
	struct json_object *prose = load_prose(req, &ag, year);
	if (prose) {
		prose_page(req, 200, &ag, year, prose, NULL);
		json_object_put(prose);
	}
}

/* Saves the sections given, all in one transaction; false when answered. */
static bool save_prose(struct request *req, const struct staff_agency *ag, int year,
		       struct json_object *prose, struct json_object *given)
{
	char y[12];
	snprintf(y, sizeof y, "%d", year);
	if (!db_command(req->db, "BEGIN")) {
		respond_error(req, 503, NULL);
		return false;
	}
	for (size_t s = 0; s < NSECTIONS; s++) {
		if (!json_object_object_get_ex(given, sections[s].code, NULL))
			continue;
		const char *p[] = { ag->id_text, y, sections[s].code,
				    json_object_get_string(json_object_object_get(
					    prose, sections[s].code)),
				    req->staff->staff_id_text };
		PGresult *res = db_exec(req->db, STMT_REPORT_PROSE_SAVE, 5, p);
		if (!db_ok(res)) {
			respond_db_failure(req, res);
			PQclear(res);
			db_command(req->db, "ROLLBACK");
			return false;
		}
		PQclear(res);
	}
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "year", json_object_new_int(year));
	json_object_object_add(data, "sections", json_object_get(given));
	report_audit(req, ag, "report_prose_saved", data);
	json_object_put(data);
	if (!db_command(req->db, "COMMIT")) {
		respond_error(req, 503, NULL);
		return false;
	}
	return true;
}

/* Saves the sections typed; NULL when answered, else all three (owned). */
static struct json_object *prose_save(struct request *req, int year,
				      const struct staff_agency *ag, bool page)
{
	struct json_object *prose = load_prose(req, ag, year);
	if (!prose)
		return NULL;
	struct json_object *given = json_object_new_array();
	struct json_object *given_set = json_object_new_object();
	struct json_object *errors = json_object_new_object();
	for (size_t s = 0; s < NSECTIONS; s++) {
		const char *text = report_input(req, sections[s].code);
		if (!text)
			continue;
		model_add_str(prose, sections[s].code, text);
		json_object_object_add(given_set, sections[s].code, json_object_new_boolean(1));
		json_object_array_add(given, json_object_new_string(sections[s].code));
		if (!utf8_valid(text, strlen(text)))
			model_add_str(errors, sections[s].code, "文字编码无效");
		else if (utf8_length(text, strlen(text)) > PROSE_MAX_CHARS)
			model_add_str(errors, sections[s].code, "最多 20000 字");
	}
	bool ok = json_object_object_length(errors) == 0;
	if (!ok) {
		req->log_why = "invalid prose";
		if (page) {
			prose_page(req, 422, ag, year, prose, errors);
		} else {
			respond_invalid(req, "填写有误", errors);
		}
	} else {
		ok = save_prose(req, ag, year, prose, given_set);
	}
	json_object_put(given);
	json_object_put(given_set);
	json_object_put(errors);
	if (!ok) {
		json_object_put(prose);
		return NULL;
	}
	return prose;
}

void page_staff_report_prose_save(struct request *req)
{
	save_from_form(req, prose_save, "prose");
}

void page_api_report_prose(struct request *req)
{
	save_from_api(req, prose_save, "prose", "需要 JSON 对象：{\"agency\": …, \"one\": …}");
}
