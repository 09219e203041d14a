/*
 * Downloads of stored files (issue 15, sql/022): the bytes of the blob as
 * they were stored, read chunk by chunk (core/blobs.h), with the SHA-256
 * as ETag; every download logged in file_downloads. Staff with their
 * session (another agency's file is not found); the applicant with a
 * signed link that expires (core/file_links.h) from the status page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/blobs.h"
#include "core/file_links.h"
#include "lib/log.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/pages/files/files.h"

static bool digits(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n;
}

/* RFC 5987 / 6266: filename* in UTF-8, percent-encoded; an ASCII fallback. */
static void content_disposition(struct request *req, const char *file_id, const char *name)
{
	struct buf v = BUF_INIT;
	char head[96];
	snprintf(head, sizeof head, "inline; filename=\"file-%s.pdf\"; filename*=UTF-8''", file_id);
	buf_puts(&v, head);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || strchr("!#$&+-.^_`|~", *p)) {
			buf_putc(&v, (char)*p);
		} else {
			char pct[4];
			snprintf(pct, sizeof pct, "%%%02X", *p);
			buf_puts(&v, pct);
		}
	}
	http_header(req, "Content-Disposition", buf_str(&v));
	buf_free(&v);
}

static bool append_chunk(const void *chunk, size_t len, void *ctx)
{
	buf_append(ctx, chunk, len);
	return true;
}

/* Answers with the file's bytes and logs the download (staff_id NULL for
 * a link). */
static void send_file(struct request *req, const char *file_id, const char *sha_hex,
		      const char *name, const char *mime, const char *staff_id, const char *via)
{
	unsigned char sha[BLOB_SHA256_BYTES];
	size_t n = 0;
	if (sodium_hex2bin(sha, sizeof sha, sha_hex, strlen(sha_hex), NULL, &n, NULL) != 0 ||
	    n != sizeof sha) {
		respond_error(req, 500, NULL);
		return;
	}
	const char *p[] = { file_id, staff_id, via };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_FILES_DOWNLOAD_LOG, 3, p);
	if (!res)
		return;
	PQclear(res);
	struct buf *out = &req->worker->out;
	buf_reset(out);
	int got = blob_read(req->db, sha, append_chunk, out);
	if (got != 1) {
		buf_reset(out);
		if (got == 0)
			log_error("file %s: its blob is missing or incomplete", file_id);
		respond_error(req, got < 0 ? 503 : 500, got < 0 ? "系统暂时无法读取文件，请稍后重试" : NULL);
		return;
	}
	char etag[BLOB_SHA256_HEX + 2];
	snprintf(etag, sizeof etag, "\"%s\"", sha_hex);
	http_header(req, "Content-Type", mime);
	content_disposition(req, file_id, name);
	http_header(req, "ETag", etag);
	req->status = 200;
	req->responded = true;
}

void page_staff_notice_pdf(struct request *req, const char *request_id, const char *notice_id)
{
	if (!digits(request_id) || !digits(notice_id)) {
		respond_error(req, 404, NULL);
		return;
	}
	const char *p[] = { request_id, notice_id };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_FILES_NOTICE_PDF, 2, p);
	if (!res)
		return;
	if (PQntuples(res) != 1 ||
	    !auth_sees_agency(req, atoll(PQgetvalue(res, 0, COL(FILES_NOTICE_PDF, agency_id))))) {
		PQclear(res);
		respond_error(req, 404, "没有这份告知书的PDF文件");
		return;
	}
#define V(c) arena_strdup(req->arena, PQgetvalue(res, 0, COL(FILES_NOTICE_PDF, c)))
	const char *id = V(id), *sha = V(sha256), *name = V(display_name), *mime = V(mime);
#undef V
	PQclear(res);
	send_file(req, id, sha, name, mime, req->staff->staff_id_text, "staff");
}

void page_status_file(struct request *req)
{
	char file_id[32];
	if (!route_capture(&req->match, "file", file_id, sizeof file_id) || !digits(file_id)) {
		respond_error(req, 404, NULL);
		return;
	}
	if (!file_link_valid(req->app, file_id, fields_get(&req->query, "exp"),
			     fields_get(&req->query, "sig"), time(NULL))) {
		respond_error(req, 403, "下载链接已过期或无效。请回到“查询申请”页面，"
			      "用申请编号和查询码重新查询，页面上会有新的下载链接（15分钟内有效）。");
		return;
	}
	const char *p[] = { file_id };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_FILES_APPLICANT_FILE, 1, p);
	if (!res)
		return;
	if (PQntuples(res) != 1) {
		PQclear(res);
		respond_error(req, 404, "没有这个文件");
		return;
	}
#define V(c) arena_strdup(req->arena, PQgetvalue(res, 0, COL(FILES_APPLICANT_FILE, c)))
	const char *sha = V(sha256), *name = V(display_name), *mime = V(mime);
#undef V
	PQclear(res);
	send_file(req, file_id, sha, name, mime, NULL, "status_link");
}

/* GET /staff/files/{file}: any file attached to a request of an agency
 * the member sees (issue 15: uploads listed on the request page). */
void page_staff_file(struct request *req)
{
	char file_id[32];
	if (!route_capture(&req->match, "file", file_id, sizeof file_id) || !digits(file_id)) {
		respond_error(req, 404, NULL);
		return;
	}
	const char *p[] = { file_id };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_UPLOAD_STAFF_FILE, 1, p);
	if (!res)
		return;
	if (PQntuples(res) != 1 ||
	    !auth_sees_agency(req, atoll(PQgetvalue(res, 0, COL(UPLOAD_STAFF_FILE, agency_id))))) {
		PQclear(res);
		respond_error(req, 404, "没有这个文件");
		return;
	}
#define V(c) arena_strdup(req->arena, PQgetvalue(res, 0, COL(UPLOAD_STAFF_FILE, c)))
	const char *sha = V(sha256), *name = V(display_name), *mime = V(mime);
#undef V
	PQclear(res);
	send_file(req, file_id, sha, name, mime, req->staff->staff_id_text, "staff");
}
