/*
 * csvout: writing CSV as RFC 4180 — a field with a comma, quote, CR or LF
 * in double quotes (a quote inside written twice), lines ended by CRLF —
 * with, on request, OWASP's guard against formula injection: a field
 * starting with = + - @ TAB or CR is prefixed with a single quote, so that
 * Excel or WPS shows it as text and never evaluates it.
 */
#ifndef YSQGK_CSVOUT_H
#define YSQGK_CSVOUT_H

#include <stdbool.h>

#include "lib/buf.h"

/* The UTF-8 byte order mark: Excel in China reads the file as UTF-8
 * with it (as GBK without). */
#define CSV_UTF8_BOM "\xEF\xBB\xBF"

/* Whether a spreadsheet would read `s` as a formula (OWASP: = + - @ TAB CR
 * first). */
bool csv_formula_like(const char *s);

/* Appends one field, preceded by a comma unless it is the line's first;
 * `guard`: a formula-like field gets its single quote first. */
void csv_field(struct buf *out, const char *s, bool first, bool guard);

/* Ends the line (CRLF). */
void csv_end_line(struct buf *out);

#endif
