/*
 * Downloads of stored files (issue 15, sql/022): the bytes of the blob as
 * they were stored, read chunk by chunk (core/blobs.h), with the SHA-256
 * as ETag; every download logged in file_downloads. Staff with their
 * session (another agency's file is not found); the applicant with a
 * signed link that expires (core/file_links.h) from the status page;
 * anyone, a file staff made public with a listing of the disclosure log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/blobs.h"
#include "core/file_cache.h"
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

/* The display name's extension when it is a short ASCII one ("pdf"),
 * else "bin": for the ASCII fallback name. */
static const char *ascii_extension(const char *name)
{
	const char *dot = strrchr(name, '.');
	if (!dot || !dot[1] || strlen(dot + 1) > 5)
		return "bin";
	for (const char *p = dot + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			return "bin";
	return dot + 1;
}

/* RFC 5987 / 6266: filename* in UTF-8, percent-encoded; an ASCII fallback. */
static void content_disposition(struct request *req, const char *file_id, const char *name)
{
	struct buf v = BUF_INIT;
	char head[96];
	snprintf(head, sizeof head, "inline; filename=\"file-%s.%s\"; filename*=UTF-8''", file_id,
		 ascii_extension(name));
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

/* The blob being streamed (request.h: req->stream). */
struct blob_stream {
	unsigned char sha[BLOB_SHA256_BYTES];
	const char *file_id;
	body_put_fn put;
	void *sink;
};

static bool put_chunk(const void *chunk, size_t len, void *ctx)
{
	struct blob_stream *s = ctx;
	return s->put(chunk, len, s->sink);
}

/* One SELECT per 256 KiB chunk, each written out before the next is read. */
static bool stream_blob(struct request *req, body_put_fn put, void *sink)
{
	struct blob_stream *s = req->stream_ctx;
	s->put = put;
	s->sink = sink;
	int got = blob_read(req->db, s->sha, put_chunk, s);
	if (got == 0)
		log_error("file %s: its blob is incomplete", s->file_id);
	return got == 1;
}

/* If-None-Match names the file's ETag (or is *): the client has it. */
static bool client_has(const struct request *req, const char *etag)
{
	const char *inm = req->if_none_match;
	return inm && (!strcmp(inm, "*") || strstr(inm, etag));
}

/*
 * Where nginx shares the host (file_cache_dir): the blob as a file in the
 * cache, and nginx sends it from its internal location /_files/. False
 * when the cache cannot be used: the caller streams the bytes instead.
 */
static bool redirect_to_cache(struct request *req, const unsigned char *sha,
			      const char *sha_hex)
{
	enum file_cache_result r = file_cache_ensure(req->db, req->app->config.file_cache_dir, sha);
	if (r != FILE_CACHE_READY)
		return false;
	char target[sizeof "/_files/" + BLOB_SHA256_HEX];
	snprintf(target, sizeof target, "/_files/%s", sha_hex);
	http_header(req, "X-Accel-Redirect", target);
	req->status = 200;
	req->responded = true;
	return true;
}

/* Answers with the file's bytes, streamed, and logs the download
 * (staff_id NULL for a link); 304 when the client has them already. */
static void send_file(struct request *req, const char *file_id, const char *sha_hex,
		      const char *name, const char *mime, const char *size_text,
		      const char *staff_id, const char *via)
{
	struct blob_stream *s = arena_alloc(req->arena, sizeof *s);
	size_t n = 0;
	if (sodium_hex2bin(s->sha, sizeof s->sha, sha_hex, strlen(sha_hex), NULL, &n, NULL) != 0 ||
	    n != sizeof s->sha) {
		respond_error(req, 500, NULL);
		return;
	}
	s->file_id = file_id;
	char etag[BLOB_SHA256_HEX + 2];
	snprintf(etag, sizeof etag, "\"%s\"", sha_hex);
	http_header(req, "ETag", etag);
	if (client_has(req, etag)) {	/* nothing sent: not a download */
		req->status = 304;
		req->responded = true;
		return;
	}
	if (!*size_text) {
		log_error("file %s: its blob is missing", file_id);
		respond_error(req, 500, NULL);
		return;
	}
	const char *p[] = { file_id, staff_id, via };
	if (!db_exec_no_flush_wait(req->db, STMT_FILES_DOWNLOAD_LOG, 3, p)) {
		respond_error(req, 503, "系统暂时无法读取文件，请稍后重试");
		return;
	}
	http_header(req, "Content-Type", mime);
	content_disposition(req, file_id, name);
	if (*req->app->config.file_cache_dir && redirect_to_cache(req, s->sha, sha_hex))
		return;
	req->stream = stream_blob;
	req->stream_ctx = s;
	req->stream_length = atoll(size_text);
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
	const char *id = V(id), *sha = V(sha256), *name = V(display_name), *mime = V(mime),
		   *size = V(size);
#undef V
	PQclear(res);
	send_file(req, id, sha, name, mime, size, req->staff->staff_id_text, "staff");
}

void page_staff_file(struct request *req)
{
	char request_id[32], file_id[32];
	if (!route_capture(&req->match, "id", request_id, sizeof request_id) ||
	    !route_capture(&req->match, "file", file_id, sizeof file_id) ||
	    !digits(request_id) || !digits(file_id)) {
		respond_error(req, 404, NULL);
		return;
	}
	const char *p[] = { request_id, file_id };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_FILES_STAFF_FILE, 2, p);
	if (!res)
		return;
	/* Another agency's file is not found (issue 15). */
	if (PQntuples(res) != 1 ||
	    !auth_sees_agency(req, atoll(PQgetvalue(res, 0, COL(FILES_STAFF_FILE, agency_id))))) {
		PQclear(res);
		respond_error(req, 404, "没有这个文件");
		return;
	}
#define V(c) arena_strdup(req->arena, PQgetvalue(res, 0, COL(FILES_STAFF_FILE, c)))
	const char *id = V(id), *sha = V(sha256), *name = V(display_name), *mime = V(mime),
		   *size = V(size);
#undef V
	PQclear(res);
	send_file(req, id, sha, name, mime, size, req->staff->staff_id_text, "staff");
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
	const char *sha = V(sha256), *name = V(display_name), *mime = V(mime), *size = V(size);
#undef V
	PQclear(res);
	send_file(req, file_id, sha, name, mime, size, NULL, "status_link");
}

void page_disclosure_file(struct request *req)
{
	char disclosure_id[32], file_id[32];
	if (!route_capture(&req->match, "id", disclosure_id, sizeof disclosure_id) ||
	    !route_capture(&req->match, "file", file_id, sizeof file_id) ||
	    !digits(disclosure_id) || !digits(file_id)) {
		respond_error(req, 404, NULL);
		return;
	}
	const char *p[] = { disclosure_id, file_id };
	PGresult *res = db_exec_or_respond(req, req->db, STMT_FILES_DISCLOSED, 2, p);
	if (!res)
		return;
	if (PQntuples(res) != 1) {
		PQclear(res);
		respond_error(req, 404, "没有这个公开的文件");
		return;
	}
#define V(c) arena_strdup(req->arena, PQgetvalue(res, 0, COL(FILES_DISCLOSED, c)))
	const char *sha = V(sha256), *name = V(display_name), *mime = V(mime), *size = V(size);
#undef V
	PQclear(res);
	send_file(req, file_id, sha, name, mime, size, NULL, "public");
}
