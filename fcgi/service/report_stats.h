/*
 * report_stats: the public statistics (/stats, issue 18 §6) — every
 * agency's table 三 for a year as it stands now, by the report's own
 * computation (report_compute: each agency with the agencies below it
 * summed, as its yearly report counts them). Counts only: no request,
 * no applicant.
 */
#ifndef YSQGK_REPORT_STATS_H
#define YSQGK_REPORT_STATS_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "lib/buf.h"
#include "core/db.h"

/*
 * {"year", "format", "rows": [{code, label}], "columns": [{code, label}],
 *  "agencies": [{code, name, parent, table3: {row: {column: n}},
 *  lines: [{label, cells: [n…]}]}]} in one read-only snapshot. NULL on a
 * database failure (*failure the result, or NULL: the connection).
 */
struct json_object *report_stats(struct db *db, int year, PGresult **failure);

/* The statistics as CSV: agency,agency_name,row,column,value,row_label,
 * column_label (a header line first), formula-guarded. */
void report_stats_csv(struct json_object *stats, struct buf *out);

#endif
