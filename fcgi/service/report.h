/*
 * report: the yearly report (政府信息公开工作年度报告) of one agency and
 * year — tables 三 and 四 computed in SQL from the tracked requests and
 * appeals, table 二 and sections 一/五/六 as staff entered them, the
 * relations of domain/report_checks, and the published snapshots.
 *
 * The counting rules are docs/report.md; the layout of both national
 * formats (row labels, headings, merged cells) is the const tables in
 * report.c. The same model feeds the page, the API, the CSV export and
 * `ysqgk report`.
 */
#ifndef YSQGK_REPORT_H
#define YSQGK_REPORT_H

#include <stdbool.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "lib/buf.h"
#include "core/db.h"
#include "domain/report_checks.h"

/* The first reporting year under the 2019 regulation (and the schema). */
#define REPORT_FIRST_YEAR 2019

/* ---- table 二: the const definitions of both formats -------------------- */

enum t2_kind {
	T2_COUNT,	/* a whole number >= 0 */
	T2_CHANGE,	/* a whole number of either sign (本年增/减) */
	T2_AMOUNT,	/* 万元, >= 0, at most 4 decimals */
};

struct t2_cell {
	const char *code;	/* docs/schema.md, report_table2_cell_kind() */
	enum t2_kind kind;
};

struct t2_row {
	const char *label;		/* 规章 */
	struct t2_cell cells[3];	/* code NULL: past the block's columns */
};

struct t2_block {
	const char *title;		/* 第二十条第（一）项 */
	int ncols;			/* 1..3 value columns */
	const char *cols[3];		/* 本年制发件数 … */
	int nrows;
	struct t2_row rows[2];
};

/* The blocks of table 二 in format f; *n gets their number. */
const struct t2_block *report_t2_blocks(enum report_format f, int *n);

/* Table 二 is one grid of T2_GRID_COLS value columns, as printed: a block
 * with fewer stretches its last one. The columns value column c spans. */
#define T2_GRID_COLS 3
int report_t2_colspan(const struct t2_block *b, int c);
/* The cell of code in format f, with its row and column labels; NULL if none. */
const struct t2_cell *report_t2_find(enum report_format f, const char *code,
				     const char **row_label, const char **col_label);

/*
 * Checks one value typed into the table-二 form for cell kind `kind`;
 * returns NULL when good (then *json_number is its canonical text, for
 * jsonb: "12", "-3", "0.5"), or a Chinese message.
 */
const char *report_t2_parse(enum t2_kind kind, const char *text, char *json_number,
			    size_t len);

/* ---- the report model ------------------------------------------------------ */

/* What a published snapshot says about itself. */
struct report_publication {
	int version;			/* 0: never published */
	char published_at[40];		/* "2027-01-15 10:20" (Beijing) */
	char published_by[208];		/* display name, or 命令行 */
};

struct report {
	int year;
	enum report_format format;
	long long agency_id;
	char agency_code[40];
	char *agency_name;		/* malloc'd */
	struct json_object *includes;	/* [{code, name}]: the agency and its descendants */
	struct table3 t3;
	struct table4 t4;
	struct json_object *table2;	/* {code: number}, entered cells only */
	struct json_object *prose;	/* {"one": text, "five": …, "six": …} */
	bool government;		/* agencies.kind: the deadline (Art. 49) */
	/* Section 六's 信息处理费 (2021 format): notices issued in the year,
	 * the amount asked, the amount collected ("720.00" yuan). has_fees is
	 * false for a snapshot published before they were computed. */
	bool has_fees;
	long fee_notices;
	char fee_amount[32], fee_collected[32];
	/* Last year's row 四, for the carry-over check, and where it came from. */
	long prev_carried_out[T3_NCOLS];
	int prev_version;		/* 0: computed; n: last year's published version n */
};

/* How report_load went. */
enum report_status {
	REPORT_OK,
	REPORT_NO_AGENCY,	/* no agency with that code */
	REPORT_DB_FAILED,	/* *failure holds the result (caller PQclears) */
};

/*
 * Computes the report of agency `code` (summing its descendants) for
 * `year` from the database as it is now.
 */
enum report_status report_compute(struct db *db, const char *code, int year,
				  struct report *r, PGresult **failure);

/*
 * The latest published snapshot of agency `agency_id`'s `year`, into r
 * (and pub); pub->version 0 when none (r then untouched).
 */
enum report_status report_published(struct db *db, long long agency_id, int year,
				    struct report *r, struct report_publication *pub,
				    PGresult **failure);

void report_init(struct report *r);
void report_free(struct report *r);

/* ---- output ---------------------------------------------------------------- */

/* The failed checks as count; the array of all checks, with failures, into *out. */
int report_checks(const struct report *r, struct json_object **out);

/* Codes of table-二 cells of the format not yet entered (array of strings). */
struct json_object *report_t2_missing(const struct report *r);

/*
 * The report as the API gives it (report-format.md codes):
 * {"year","format","agency","agency_name","includes","table3","table4",
 *  "table2","prose","checks"}. This is also a snapshot's content.
 */
struct json_object *report_to_json(const struct report *r);

/* Reads a snapshot's content back; false if it is not one. */
bool report_from_json(struct json_object *content, struct report *r);

/*
 * The cells where `now` differs from `published`:
 * [{"table","row","column","label","published","current"}], table 二 and
 * the prose sections included.
 */
struct json_object *report_differences(const struct report *published,
				       const struct report *now);

/*
 * The model of templates/report/ for r: rows with labels and
 * merged cells in the national layout, prose as paragraphs. `bad` cells
 * (from the checks) are marked.
 */
struct json_object *report_view(const struct report *r);

/* The tables as CSV: table,row,column,value,row_label,column_label. */
void report_csv(const struct report *r, struct buf *out);

/*
 * Opens the transaction a report is computed in: one snapshot (REPEATABLE
 * READ) for all its tables, and no JIT. false on failure (nothing open).
 */
bool report_begin(struct db *db, bool read_only);

/*
 * The report as shown (page, API, command): the latest published version
 * unless `draft` or never published, else as computed now, with
 * "status" (draft|published), "published" ({version, published_at,
 * published_by} or null), "differences" (now against the published),
 * "table2_missing", "checks_failed", "checks_ok" and, with_view, "view".
 * In its own read-only transaction. NULL when *status is not REPORT_OK
 * (*failure NULL when the failure was BEGIN/COMMIT: the connection).
 */
struct json_object *report_model(struct db *db, const char *code, int year, bool draft,
				 bool with_view, enum report_status *status, PGresult **failure);

/* The report's title: "<agency>2021年政府信息公开工作年度报告". */
void report_title(const struct report *r, struct buf *out);

#endif
