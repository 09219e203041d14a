/*
 * workflow_notice_pdf: a step's notice, its text and its PDF (issue 15).
 *
 * Before the step's event is appended, step_prepare_notice() renders the
 * notice's text (notices.body, as before) and its A4 PDF (lib/pdfdoc: the
 * title, the 文号, the addressee, the body, the agency as signer, the date
 * of issue in Chinese and the agency's seal), stores the PDF as a blob and
 * puts its SHA-256 into the event's data (notice_pdf_sha256), so that the
 * PDF joins the event log's hash chain. After the event, step_issue_notice()
 * writes the notice, the PDF's files row and notices.pdf_file_id. All in
 * the step's transaction: a PDF that cannot be rendered fails the step.
 */
#include "service/workflow_internal.h"

#include "core/blobs.h"
#include "lib/buf.h"
#include "lib/pdfdoc.h"

/* The text of the notice, or the body of its PDF (pdf: without addressee,
 * signer and date, which pdfdoc sets itself). NULL when it failed. */
static const char *render_text(struct step *st, bool pdf)
{
	struct buf body = BUF_INIT;
	char err[256];
	json_object_object_add(st->notice_model, "pdf", json_object_new_boolean(pdf));
	bool ok = tmpl_render(st->ctx->app->templates, st->notice_template,
			      st->notice_model, &body, err, sizeof err);
	const char *text = ok ? arena_strdup(st->arena, buf_str(&body)) : NULL;
	if (!ok)
		log_error("notice %s: %s", st->notice_template, err);
	buf_free(&body);
	return text;
}

/*
 * The 文号 when staff gave none and the agency numbers its documents
 * (settings.notice_no_prefix): "某政信〔2026〕12号", the next number of the
 * agency's year of issue, counted in the step's transaction (the request
 * row is locked, the counter row too until COMMIT).
 */
static bool assign_notice_no(struct step *st)
{
	const char *prefix = step_setting_str(st, "notice_no_prefix", NULL);
	if ((st->notice_no && *st->notice_no) || !prefix)
		return true;
	char year[16];
	snprintf(year, sizeof year, "%d", date_year(st->effective));
	const char *p[] = { st->agency_id, year };
	PGresult *res = step_exec(st, STMT_WF_NOTICE_NUMBER_NEXT, 2, p);
	if (!res)
		return false;
	char no[256];
	snprintf(no, sizeof no, "%s〔%s〕%s号", prefix, year,
		 PQgetvalue(res, 0, COL(WF_NOTICE_NUMBER_NEXT, last_no)));
	PQclear(res);
	st->notice_no = arena_strdup(st->arena, no);
	return true;
}

static bool append_chunk(const void *chunk, size_t len, void *ctx)
{
	buf_append(ctx, chunk, len);
	return true;
}

/* The agency's seal PNG into seal (left empty when it has none). */
static bool load_seal(struct step *st, struct buf *seal)
{
	const char *p[] = { st->agency_id };
	PGresult *res = step_exec(st, STMT_WF_AGENCY_SEAL, 1, p);
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return true;
	}
	unsigned char sha[BLOB_SHA256_BYTES];
	size_t n = 0;
	int ok = sodium_hex2bin(sha, sizeof sha, PQgetvalue(res, 0, COL(WF_AGENCY_SEAL, sha256)),
				2 * sizeof sha, NULL, &n, NULL) == 0 && n == sizeof sha;
	PQclear(res);
	if (ok && blob_read(st->db, sha, append_chunk, seal) == 1)
		return true;
	buf_reset(seal);
	return step_refuse(st, SERVICE_UNAVAILABLE, "读取本机关印章图片失败，操作没有保存，请稍后重试", NULL);
}

static bool render_pdf(struct step *st, const char *pdf_body, struct buf *pdf)
{
	struct buf seal = BUF_INIT;
	if (!load_seal(st, &seal)) {
		buf_free(&seal);
		return false;
	}
	char addressee[512];
	snprintf(addressee, sizeof addressee, "%s：",
		 st->notice_addressee ? st->notice_addressee : st->name);
	struct pdfdoc d = {
		.title = st->notice_title,
		.doc_no = st->notice_no && *st->notice_no ? st->notice_no : NULL,
		.addressee = addressee,
		.body = pdf_body,
		.signer = st->agency_name,
		.date_text = step_date_cn(st, st->effective),
		.seal_png = seal.len ? seal.data : NULL,
		.seal_png_len = seal.len,
	};
	char err[256];
	bool ok = pdfdoc_render(&d, pdf, err, sizeof err);
	buf_free(&seal);
	if (!ok) {
		log_error("notice %s: PDF: %s", st->notice_template, err);
		return step_refusef(st, SERVICE_UNAVAILABLE, NULL,
				    "告知书PDF生成失败（%s），操作没有保存，请稍后重试", err);
	}
	return true;
}

bool step_prepare_notice(struct step *st)
{
	if (!st->notice_kind)
		return true;
	st->notice_body = render_text(st, false);
	const char *pdf_body = st->notice_body ? render_text(st, true) : NULL;
	if (!pdf_body) {
		st->result.status = SERVICE_FAILED;
		st->result.message = "告知书模板缺失，操作没有保存";
		return false;
	}
	if (!assign_notice_no(st))
		return false;
	struct buf pdf = BUF_INIT;
	bool ok = render_pdf(st, pdf_body, &pdf);
	if (ok) {
		unsigned char sha[BLOB_SHA256_BYTES];
		PGresult *failure;
		ok = blob_store(st->db, pdf.data, pdf.len, sha, &failure) ||
		     step_db_failed(st, failure);
		if (ok && st->preview) {
			unsigned char *copy = arena_alloc(st->arena, pdf.len ? pdf.len : 1);
			memcpy(copy, pdf.data, pdf.len);
			st->preview->pdf = copy;
			st->preview->pdf_len = pdf.len;
		}
		if (ok) {
			sodium_bin2hex(st->notice_pdf_hex, sizeof st->notice_pdf_hex, sha, sizeof sha);
			step_data_str(st, "notice_pdf_sha256", st->notice_pdf_hex);
		}
	}
	buf_free(&pdf);
	return ok;
}

bool step_issue_notice(struct step *st)
{
	if (!st->notice_kind)
		return true;
	char seq[16];
	snprintf(seq, sizeof seq, "%d", st->seq);
	const char *params[] = { st->id, seq, st->notice_kind, st->notice_no,
				 st->notice_title, st->notice_body,
				 step_fmt_date(st->arena, st->effective),
				 st->notice_addressee ? "false" : "true" };
	PGresult *res = step_exec(st, STMT_WF_NOTICE_ADD, 8, params);
	if (!res)
		return false;
	const char *notice_id = arena_strdup(st->arena,
					     PQgetvalue(res, 0, COL(WF_NOTICE_ADD, id)));
	PQclear(res);
	char name[1024];
	snprintf(name, sizeof name, "%s-%s.pdf", st->tracking_no, st->notice_title);
	const char *fp[] = { st->agency_id, st->id, st->notice_pdf_hex, name, notice_id };
	res = step_exec(st, STMT_WF_NOTICE_FILE_ADD, 5, fp);
	if (!res)
		return false;
	const char *np[] = { notice_id, PQgetvalue(res, 0, COL(WF_NOTICE_FILE_ADD, id)) };
	bool ok = step_exec_ok(st, STMT_WF_NOTICE_SET_PDF, 2, np);
	PQclear(res);
	return ok;
}
