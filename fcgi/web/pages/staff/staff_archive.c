/*
 * staff_archive: GET /staff/requests/{id}/archive.zip — one request's case
 * archive (service/archive.h, the layout of `ysqgk archive`) for the staff
 * of its agency (another agency's: 404, as for its page). The ZIP holds
 * the applicant's personal data decrypted: each download is logged in
 * audit_log (`request_archived`) before it is sent. It is written to a
 * temporary file (0600, unlinked once open) and sent in pieces.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "service/archive.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff.h"

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* The request's id if it is this member's agency's; else NULL, answered. */
static bool archive_scope(struct request *req, const char *id, long long *agency_id)
{
	struct context c = http_context(req);
	enum service_status s = all_digits(id) && strlen(id) < 19
		? archive_request_agency(&c, id, agency_id) : SERVICE_NOT_FOUND;
	if (s == SERVICE_DONE && !auth_sees_agency(req, *agency_id))
		s = SERVICE_NOT_FOUND;
	if (s != SERVICE_DONE)
		respond_error(req, http_status_of(s), s == SERVICE_NOT_FOUND ? "没有这件申请" : NULL);
	return s == SERVICE_DONE;
}

static bool log_archive(struct request *req, long long agency_id, const char *id,
			const struct archive_result *r)
{
	char agency[24], data[160];
	snprintf(agency, sizeof agency, "%lld", agency_id);
	snprintf(data, sizeof data, "{\"request_id\": %s, \"files\": %ld}", id, r->files);
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : NULL;
	const char *p[] = { req->staff->staff_id_text, agency, "request_archived", NULL, ip, data };
	PGresult *res = db_exec(req->db, STMT_AUDIT_ADD, 6, p);
	bool ok = db_ok(res);
	if (!ok)
		respond_db_failure(req, res);
	PQclear(res);
	return ok;
}

/* The archive written to a new temporary file, opened, unlinked. */
static FILE *write_archive(struct request *req, const char *id, struct archive_result *r)
{
	const char *t = getenv("TMPDIR");
	char path[4096];
	snprintf(path, sizeof path, "%s/ysqgk-archive-XXXXXX", t && *t == '/' ? t : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	close(fd);
	struct context c = http_context(req);
	FILE *f = archive_request(&c, id, path, r) == SERVICE_DONE ? fopen(path, "rb") : NULL;
	unlink(path);
	return f;
}

void page_staff_request_archive(struct request *req)
{
	char id[32];
	long long agency_id;
	if (!route_capture(&req->match, "id", id, sizeof id)) {
		respond_error(req, 404, NULL);
		return;
	}
	if (!archive_scope(req, id, &agency_id))
		return;
	struct archive_result r;
	FILE *f = write_archive(req, id, &r);
	if (!f) {
		respond_error(req, 500, "归档文件生成失败，请稍后重试");
		return;
	}
	if (!log_archive(req, agency_id, id, &r)) {
		fclose(f);
		return;
	}
	char disposition[96];
	snprintf(disposition, sizeof disposition, "attachment; filename=\"archive-%s.zip\"", id);
	http_header(req, "Content-Type", "application/zip");
	http_header(req, "Content-Disposition", disposition);
	http_header(req, "Cache-Control", "no-store");
	req->body_file = f;
	req->status = 200;
	req->responded = true;
}
