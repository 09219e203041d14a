/*
 * The register (台账, issue 18 §3): any filter of the queue as a
 * spreadsheet — `GET /api/v1/requests/export.xlsx` and `export.csv` with
 * the queue's query parameters — in the columns offices keep (编号, 申请人,
 * 类型, 收到日期, 内容摘要, 办理状态, 答复日期, 办理结果, 是否延期, 是否收费,
 * 复议诉讼), labels rather than codes; or, as `export.csv?format=import`,
 * in docs/import.md's columns and codes, which `ysqgk import` reads back.
 *
 * Scoped exactly like the queue: the agency in scope is staff_agency()'s,
 * the rows are the queue's own statements with its own filters
 * (staff_queue.h), page after page by its keyset cursor, all in one
 * read-only snapshot; the details of each page's rows are then read by id
 * with the agency once more in the WHERE. Memory stays flat at any size:
 * pages of EXPORT_BATCH rows, the CSV written to an unlinked temporary file
 * as it goes, the XLSX by libxlsxwriter in constant_memory mode; the file
 * is then sent in pieces (request.h, body_file).
 *
 * No cell is ever a formula: the XLSX has only strings and dates, and in
 * the label CSV a cell starting with = + - @ TAB or CR gets a single quote
 * first (lib/csvout.h). The import flavour keeps values as they are (it is
 * for `ysqgk import`, which must read back what was stored).
 *
 * Personal data leaves the system with every export: each is logged in
 * audit_log (`requests_exported`: who, the format, the filter, the number
 * of rows) before the file is sent, and no file is sent when it cannot be.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "core/clock.h"
#include "core/pii.h"
#include "domain/date.h"
#include "domain/vocab.h"
#include "domain/workflow_rules.h"
#include "lib/csvout.h"
#include "lib/log.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff_queue.h"

/* Rows per page of the queue's statement (and per details statement). */
#define EXPORT_BATCH 250
/* Excel's limit is 32,767 characters a cell: a longer text is cut (at a
 * character's boundary) below it, counted in bytes to be safe. */
#define XLSX_MAX_CELL_BYTES 30000

enum export_format { EXPORT_XLSX, EXPORT_CSV, EXPORT_IMPORT };

static const char *const format_codes[] = { "xlsx", "csv", "import" };

/* The register's columns, with their widths in Excel's units (a Chinese
 * character is about two). */
static const struct {
	const char *title;
	double width;
} register_columns[] = {
	{ "编号", 22 }, { "申请人", 24 }, { "类型", 12 }, { "收到日期", 12 },
	{ "内容摘要", 60 }, { "办理状态", 14 }, { "答复日期", 12 }, { "办理结果", 26 },
	{ "是否延期", 10 }, { "是否收费", 10 }, { "复议诉讼", 28 },
};
#define REGISTER_COLUMNS (int)(sizeof register_columns / sizeof register_columns[0])

/* docs/import.md's columns, in its order. */
static const char *const import_columns[] = {
	"agency_code", "tracking_no", "applicant_kind", "name", "channel", "received_on",
	"description", "concluded_on", "outcome", "status", "id_type", "id_number",
	"credit_code", "legal_representative", "contact_name", "work_unit", "phone", "fax",
	"email", "address", "postcode", "document_ref", "provision_forms", "obtain_methods",
	"backdated", "ledger_no", "request_kind", "correction_wrong", "correction_should",
};
#define IMPORT_COLUMNS (int)(sizeof import_columns / sizeof import_columns[0])

struct exporter {
	struct request *req;
	enum export_format format;
	FILE *csv;			/* the CSV's unlinked temporary file */
	struct buf line;		/* one CSV line */
	lxw_workbook *book;
	lxw_worksheet *sheet;
	lxw_format *date_format, *header_format, *text_format;
	char *xlsx_path;		/* the workbook's file until it is closed */
	struct arena scratch;		/* one page's decrypted values */
	long long rows, skipped;
	bool failed;
};

/* ---- the cells' values ----------------------------------------------------- */

#define ROW(res, i, c) PQgetvalue(res, i, COL(EXPORT_ROWS, c))
#define ROW_NULL(res, i, c) PQgetisnull(res, i, COL(EXPORT_ROWS, c))

static const char *yes_no(bool b)
{
	return b ? "是" : "否";
}

/* 复议诉讼: each remedy as "行政复议（结果维持）", "无" when none. */
static const char *remedies_text(struct exporter *ex, const char *list)
{
	if (!*list)
		return "无";
	struct buf b = BUF_INIT;
	char *copy = arena_strdup(&ex->scratch, list), *save = NULL;
	for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(item, ':');
		if (!colon)
			continue;
		*colon = '\0';
		const char *kind = vocab_label(&vocab_appeal_kind, item);
		const char *result = vocab_label(&vocab_appeal_result, colon + 1);
		buf_printf(&b, "%s%s（%s）", b.len ? "；" : "", kind ? kind : item,
			   result ? result : colon + 1);
	}
	const char *out = arena_strdup(&ex->scratch, buf_str(&b));
	buf_free(&b);
	return out;
}

static const char *label_or_code(const char *label, const char *code)
{
	return label ? label : code;
}

/* The eleven values of a register row (dates as YYYY-MM-DD or ""). */
static void register_values(struct exporter *ex, const PGresult *res, int i,
			    const char *v[REGISTER_COLUMNS])
{
	const char *kind = ROW(res, i, applicant_kind), *status = ROW(res, i, status);
	const char *outcome = ROW(res, i, outcome);
	v[0] = ROW(res, i, tracking_no);
	v[1] = ROW(res, i, name);
	v[2] = label_or_code(vocab_short(&vocab_applicant_kind, kind), kind);
	v[3] = ROW(res, i, received_on);
	v[4] = ROW(res, i, description);
	v[5] = label_or_code(vocab_field_label(NULL, "status", status), status);
	v[6] = ROW(res, i, concluded_on);
	v[7] = *outcome ? label_or_code(vocab_field_label(NULL, "outcome", outcome), outcome) : "";
	v[8] = yes_no(atoi(ROW(res, i, extension_days)) > 0);
	v[9] = yes_no(!strcmp(ROW(res, i, fee_paid), "t"));
	v[10] = remedies_text(ex, ROW(res, i, appeals));
}

/* ---- the XLSX -------------------------------------------------------------- */

/* Where the files are made: $TMPDIR, else /tmp (ysqgk.service: PrivateTmp). */
static const char *temp_dir(void)
{
	const char *t = getenv("TMPDIR");
	return t && *t == '/' ? t : "/tmp";
}


static bool xlsx_ok(struct exporter *ex, lxw_error e, const char *what)
{
	if (e == LXW_NO_ERROR)
		return true;
	if (!ex->failed)
		log_error("export %s: %s", what, lxw_strerror(e));
	ex->failed = true;
	return false;
}

/* The text cut below Excel's cell limit at a UTF-8 character's start. */
static const char *xlsx_text(struct exporter *ex, const char *s)
{
	size_t n = strlen(s);
	if (n <= XLSX_MAX_CELL_BYTES)
		return s;
	n = XLSX_MAX_CELL_BYTES;
	while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
		n--;
	return arena_strndup(&ex->scratch, s, n);
}

static bool xlsx_open(struct exporter *ex, const char *tmpdir)
{
	ex->xlsx_path = arena_alloc(ex->req->arena, strlen(tmpdir) + 32);
	sprintf(ex->xlsx_path, "%s/ysqgk-export-XXXXXX", tmpdir);
	int fd = mkstemp(ex->xlsx_path);
	if (fd < 0) {
		log_error("export: cannot create a file in %s", tmpdir);
		ex->xlsx_path = NULL;
		return false;
	}
	close(fd);
	lxw_workbook_options options = { .constant_memory = LXW_TRUE,
					 .tmpdir = (char *)tmpdir };
	ex->book = workbook_new_opt(ex->xlsx_path, &options);
	if (!ex->book)
		return false;
	ex->sheet = workbook_add_worksheet(ex->book, "台账");
	ex->date_format = workbook_add_format(ex->book);
	format_set_num_format(ex->date_format, "yyyy-mm-dd");
	ex->text_format = workbook_add_format(ex->book);
	format_set_text_wrap(ex->text_format);
	format_set_align(ex->text_format, LXW_ALIGN_VERTICAL_TOP);
	ex->header_format = workbook_add_format(ex->book);
	format_set_bold(ex->header_format);
	if (!ex->sheet)
		return false;
	for (int c = 0; c < REGISTER_COLUMNS; c++)
		worksheet_set_column(ex->sheet, (lxw_col_t)c, (lxw_col_t)c, register_columns[c].width,
				     c == 4 ? ex->text_format : NULL);
	/* The header row stays in view while the rows scroll. */
	worksheet_freeze_panes(ex->sheet, 1, 0);
	for (int c = 0; c < REGISTER_COLUMNS; c++)
		if (!xlsx_ok(ex, worksheet_write_string(ex->sheet, 0, (lxw_col_t)c,
							register_columns[c].title, ex->header_format),
			     "header"))
			return false;
	return true;
}

/* A date cell (a number formatted yyyy-mm-dd), or nothing for "". */
static void xlsx_date(struct exporter *ex, lxw_row_t r, lxw_col_t c, const char *iso)
{
	int32_t d;
	if (!*iso || !date_parse(iso, &d))
		return;
	int y, m, day;
	date_to_ymd(d, &y, &m, &day);
	lxw_datetime dt = { .year = y, .month = m, .day = day };
	xlsx_ok(ex, worksheet_write_datetime(ex->sheet, r, c, &dt, ex->date_format), "date");
}

static void xlsx_row(struct exporter *ex, const PGresult *res, int i)
{
	const char *v[REGISTER_COLUMNS];
	register_values(ex, res, i, v);
	lxw_row_t r = (lxw_row_t)ex->rows;	/* counted already; the header is row 0 */
	for (int c = 0; c < REGISTER_COLUMNS; c++) {
		if (c == 3 || c == 6)
			xlsx_date(ex, r, (lxw_col_t)c, v[c]);
		else if (*v[c])
			/* Always a string cell: "=1+1" stays text (no formula). */
			xlsx_ok(ex, worksheet_write_string(ex->sheet, r, (lxw_col_t)c, xlsx_text(ex, v[c]),
							   c == 4 ? ex->text_format : NULL), "cell");
	}
}

/* Closes the workbook and opens its file for sending (unlinked). */
static FILE *xlsx_finish(struct exporter *ex)
{
	worksheet_autofilter(ex->sheet, 0, 0, (lxw_row_t)ex->rows, REGISTER_COLUMNS - 1);
	lxw_error e = workbook_close(ex->book);
	ex->book = NULL;
	if (!xlsx_ok(ex, e, "close"))
		return NULL;
	FILE *f = fopen(ex->xlsx_path, "rb");
	unlink(ex->xlsx_path);
	ex->xlsx_path = NULL;
	return f;
}

/* ---- the CSV --------------------------------------------------------------- */

static bool csv_flush_line(struct exporter *ex)
{
	csv_end_line(&ex->line);
	if (fwrite(buf_str(&ex->line), 1, ex->line.len, ex->csv) != ex->line.len) {
		if (!ex->failed)
			log_error("export: cannot write the CSV's temporary file");
		ex->failed = true;
	}
	buf_reset(&ex->line);
	return !ex->failed;
}

/* A temporary file in dir, unlinked at once (it goes with its last
 * descriptor), 0600. */
static FILE *unlinked_temp_file(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/ysqgk-export-XXXXXX", dir);
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	unlink(path);
	FILE *f = fdopen(fd, "w+b");
	if (!f)
		close(fd);
	return f;
}

static bool csv_open(struct exporter *ex, const char *tmpdir)
{
	ex->csv = unlinked_temp_file(tmpdir);
	if (!ex->csv) {
		log_error("export: cannot create a file in %s", tmpdir);
		return false;
	}
	buf_puts(&ex->line, CSV_UTF8_BOM);
	if (ex->format == EXPORT_IMPORT)
		for (int c = 0; c < IMPORT_COLUMNS; c++)
			csv_field(&ex->line, import_columns[c], c == 0, false);
	else
		for (int c = 0; c < REGISTER_COLUMNS; c++)
			csv_field(&ex->line, register_columns[c].title, c == 0, false);
	return csv_flush_line(ex);
}

static void csv_register_row(struct exporter *ex, const PGresult *res, int i)
{
	const char *v[REGISTER_COLUMNS];
	register_values(ex, res, i, v);
	for (int c = 0; c < REGISTER_COLUMNS; c++)
		csv_field(&ex->line, v[c], c == 0, true);	/* OWASP: no formula */
	csv_flush_line(ex);
}

/* A personal number stored encrypted, in clear ("" when there is none). */
static const char *decrypted(struct exporter *ex, const PGresult *res, int i, int col)
{
	if (PQgetisnull(res, i, col))
		return "";
	const char *plain = pii_decrypt(ex->req->app, &ex->scratch, PQgetvalue(res, i, col));
	if (!plain) {
		log_error("export: a stored number does not decrypt (request %s)",
			  ROW(res, i, tracking_no));
		ex->failed = true;
		return "";
	}
	return plain;
}

/*
 * A row as `ysqgk import` reads it. Only received requests can be
 * imported (import.md: received_on is required; a submission not yet
 * confirmed has no date of receipt, Art. 31): the others are left out and
 * counted. An open request is imported as in_progress, the one open state
 * the import knows (its clock is recomputed from the date of receipt).
 */
static void csv_import_row(struct exporter *ex, const PGresult *res, int i)
{
	if (ROW_NULL(res, i, received_on)) {
		ex->skipped++;
		ex->rows--;
		return;
	}
	enum wf_status st = WF_IN_PROGRESS;
	wf_status_from_code(ROW(res, i, status), &st);
	const char *v[IMPORT_COLUMNS] = {
		ROW(res, i, agency_code), ROW(res, i, tracking_no), ROW(res, i, applicant_kind),
		ROW(res, i, name), ROW(res, i, channel), ROW(res, i, received_on),
		ROW(res, i, description), ROW(res, i, concluded_on), ROW(res, i, outcome),
		wf_status_open(st) ? "in_progress" : ROW(res, i, status), ROW(res, i, id_type),
		decrypted(ex, res, i, COL(EXPORT_ROWS, id_number_enc)), ROW(res, i, credit_code),
		ROW(res, i, legal_representative), ROW(res, i, contact_name), ROW(res, i, work_unit),
		decrypted(ex, res, i, COL(EXPORT_ROWS, phone_enc)), ROW(res, i, fax),
		ROW(res, i, email), ROW(res, i, address), ROW(res, i, postcode),
		ROW(res, i, document_ref), ROW(res, i, provision_forms), ROW(res, i, obtain_methods),
		yes_no(!strcmp(ROW(res, i, backdated), "t")), ROW(res, i, ledger_no),
		ROW(res, i, request_kind), ROW(res, i, correction_wrong),
		ROW(res, i, correction_should),
	};
	if (wf_status_open(st))
		v[7] = v[8] = "";
	for (int c = 0; c < IMPORT_COLUMNS; c++)
		csv_field(&ex->line, v[c], c == 0, false);
	csv_flush_line(ex);
}

/* ---- the pages of rows ------------------------------------------------------- */

/* The ids of a queue page as an array literal {1,2,3}, in `a` (the
 * page's scratch: the request's arena would grow with every page). */
static const char *page_ids(struct arena *a, const struct queue_query *qq, const PGresult *page)
{
	struct buf b = BUF_INIT;
	buf_putc(&b, '{');
	for (int i = 0; i < PQntuples(page) && i < qq->limit; i++)
		buf_printf(&b, "%s%s", i ? "," : "", PQgetvalue(page, i, COL(QUEUE_OPEN, id)));
	buf_putc(&b, '}');
	const char *out = arena_strdup(a, buf_str(&b));
	buf_free(&b);
	return out;
}

static void write_rows(struct exporter *ex, const PGresult *rows)
{
	for (int i = 0; i < PQntuples(rows) && !ex->failed; i++) {
		ex->rows++;
		if (ex->format == EXPORT_XLSX)
			xlsx_row(ex, rows, i);
		else if (ex->format == EXPORT_CSV)
			csv_register_row(ex, rows, i);
		else
			csv_import_row(ex, rows, i);
	}
}

/* Every page of the queue's filter, in one read-only snapshot. false with
 * the failure answered. */
static bool export_pages(struct exporter *ex, const struct staff_agency *ag,
			 struct queue_query *qq)
{
	struct request *req = ex->req;
	if (!db_command(req->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")) {
		respond_error(req, 503, NULL);
		return false;
	}
	/* Each page planned for its own cursor (as run_queue does for the
	 * filtered pages): a generic plan cached while the table was small
	 * can read every remaining row per page, making the export quadratic. */
	db_command(req->db, "SET LOCAL plan_cache_mode = force_custom_plan");
	qq->in_transaction = true;
	queue_set_page_size(req, qq, EXPORT_BATCH);
	bool more = true;
	while (more && !ex->failed) {
		PGresult *page = queue_run(req, qq);
		if (!db_ok(page)) {
			respond_db_failure(req, page);
			PQclear(page);
			db_command(req->db, "ROLLBACK");
			return false;
		}
		const char *p[] = { page_ids(&ex->scratch, qq, page), ag->id_text };
		PGresult *rows = db_exec(req->db, STMT_EXPORT_ROWS, 2, p);
		more = db_ok(rows) && queue_next_page(req, qq, page);
		PQclear(page);
		if (!db_ok(rows)) {
			respond_db_failure(req, rows);
			PQclear(rows);
			db_command(req->db, "ROLLBACK");
			return false;
		}
		write_rows(ex, rows);
		PQclear(rows);
		arena_reset(&ex->scratch);
	}
	db_command(req->db, "COMMIT");
	if (ex->failed)
		respond_error(req, 500, "导出失败，请稍后重试");
	return !ex->failed;
}

/* ---- the answer ------------------------------------------------------------ */

/* audit_log requests_exported: who (the row's actor), the agency, the
 * format, the filter as asked, the number of rows. false when it could not
 * be written: then nothing leaves. */
static bool log_export(struct exporter *ex, const struct staff_agency *ag)
{
	struct request *req = ex->req;
	struct json_object *data = json_object_new_object();
	struct json_object *filter = json_object_new_object();
	for (size_t i = 0; i < req->query.count; i++)
		if (strcmp(req->query.items[i].name, "format"))
			json_object_object_add(filter, req->query.items[i].name,
					       json_object_new_string(req->query.items[i].value));
	model_add_str(data, "format", format_codes[ex->format]);
	json_object_object_add(data, "filter", filter);
	json_object_object_add(data, "rows", json_object_new_int64(ex->rows));
	if (ex->format == EXPORT_IMPORT)
		json_object_object_add(data, "left_out", json_object_new_int64(ex->skipped));
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : NULL;
	const char *p[] = { req->staff->staff_id_text, ag->id_text, "requests_exported", NULL, ip,
			    json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN) };
	PGresult *res = db_exec(req->db, STMT_AUDIT_ADD, 6, p);
	bool ok = db_ok(res);
	if (!ok)
		respond_db_failure(req, res);
	PQclear(res);
	json_object_put(data);
	return ok;
}

/* attachment; filename="register-CODE-DATE.EXT"; filename*=UTF-8''台账-NAME-DATE.EXT
 * (RFC 6266 with RFC 5987's encoding). */
static void attachment_header(struct request *req, const struct staff_agency *ag,
			      const char *ext)
{
	char today[DATE_STR_SIZE];
	date_format(clock_today(), today);
	struct buf name = BUF_INIT, v = BUF_INIT;
	buf_printf(&name, "台账-%s-%s.%s", ag->name, today, ext);
	buf_printf(&v, "attachment; filename=\"register-%s-%s.%s\"; filename*=UTF-8''",
		   ag->code, today, ext);
	for (const unsigned char *p = (const unsigned char *)buf_str(&name); *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p))
			buf_putc(&v, (char)*p);
		else
			buf_printf(&v, "%%%02X", *p);
	}
	http_header(req, "Content-Disposition", buf_str(&v));
	buf_free(&name);
	buf_free(&v);
}

static void exporter_free(struct exporter *ex)
{
	if (ex->book)
		workbook_close(ex->book);
	if (ex->xlsx_path)
		unlink(ex->xlsx_path);
	if (ex->csv)
		fclose(ex->csv);
	buf_free(&ex->line);
	arena_free(&ex->scratch);
}

static void export(struct request *req, enum export_format format)
{
	struct staff_agency ag;
	struct queue_query qq;
	if (!queue_prepare(req, &ag, &qq))
		return;
	struct exporter ex = { .req = req, .format = format, .line = BUF_INIT,
			       .scratch = ARENA_INIT };
	bool opened = format == EXPORT_XLSX ? xlsx_open(&ex, temp_dir()) : csv_open(&ex, temp_dir());
	if (!opened) {
		respond_error(req, 500, "导出失败，请稍后重试");
		exporter_free(&ex);
		return;
	}
	if (!export_pages(&ex, &ag, &qq) || !log_export(&ex, &ag)) {
		exporter_free(&ex);
		return;
	}
	FILE *file = format == EXPORT_XLSX ? xlsx_finish(&ex) : ex.csv;
	ex.csv = NULL;
	if (!file || fflush(file) != 0) {
		if (file)
			fclose(file);
		respond_error(req, 500, "导出失败，请稍后重试");
		exporter_free(&ex);
		return;
	}
	exporter_free(&ex);
	http_header(req, "Content-Type", format == EXPORT_XLSX ?
		    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" :
		    "text/csv; charset=utf-8");
	attachment_header(req, &ag, format == EXPORT_XLSX ? "xlsx" : "csv");
	char n[32];
	snprintf(n, sizeof n, "%lld", ex.rows);
	http_header(req, "X-Export-Rows", n);
	if (format == EXPORT_IMPORT) {
		snprintf(n, sizeof n, "%lld", ex.skipped);
		http_header(req, "X-Export-Left-Out", n);
	}
	http_header(req, "Cache-Control", "no-store");
	req->body_file = file;
	req->status = 200;
	req->responded = true;
}

void page_api_export_xlsx(struct request *req)
{
	export(req, EXPORT_XLSX);
}

void page_api_export_csv(struct request *req)
{
	const char *format = fields_get(&req->query, "format");
	if (format && *format && strcmp(format, "import") && strcmp(format, "labels")) {
		respond_error(req, 422, "format 应为 import 或 labels（留空：台账）");
		return;
	}
	export(req, format && !strcmp(format, "import") ? EXPORT_IMPORT : EXPORT_CSV);
}
