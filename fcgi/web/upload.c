/* upload: multipart bodies streamed into unattached files (upload.h). */
#include "web/upload.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <sodium.h>

#include "core/columns.h"
#include "core/uploads.h"
#include "lib/buf.h"
#include "lib/clamd.h"
#include "lib/filetype.h"
#include "lib/log.h"
#include "lib/multipart.h"
#include "web/csrf.h"
#include "web/http.h"
#include "web/model.h"
#include "web/body_check.h"

enum { READ_PIECE = 8192, NAME_MAX_BYTES = 256, KEPT_FIELD_MAX = 32 };
#define KEPT_FIELD "kept_files"

static const char csrf_message[] =
	"页面已过期，或浏览器没有启用 Cookie，因此无法确认这次提交来自本站。"
	"请点击浏览器的“后退”返回上一页，复制您填写的内容，刷新页面后重新提交。";

/* The parse's state, shared by the callbacks. */
struct receiving {
	struct request *req;
	const struct upload_spec *spec;
	struct upload_result *out;
	size_t cap;
	bool csrf_checked;
	int abort_status;		/* why a callback stopped the parse */
	const char *abort_why;
	size_t file_bytes_total;	/* of the files accepted so far */
	/* The part being read. */
	bool in_text;
	bool in_file;			/* data goes to fd */
	struct buf text;
	char name[128];
	struct upload_file *file;	/* NULL: the part's data is dropped */
	int fd;
	size_t size;
	crypto_hash_sha256_state sha;
};

/* ---- the list of files ---------------------------------------------------- */

static struct upload_file *add_file(struct receiving *r, const char *field,
				    const char *purpose)
{
	struct upload_result *out = r->out;
	if (out->count == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct upload_file *f = arena_alloc(r->req->arena, cap * sizeof *f);
		if (out->count)
			memcpy(f, out->files, out->count * sizeof *f);
		out->files = f;
		r->cap = cap;
	}
	struct upload_file *f = &out->files[out->count++];
	*f = (struct upload_file){ .field = arena_strdup(r->req->arena, field),
				   .purpose = purpose, .name = "", .pending_fd = -1 };
	return f;
}

static int worse(int a, int b)
{
	static const int order[] = { 0, 422, 413, 503 };
	int ra = 0, rb = 0;
	for (int i = 0; i < 4; i++) {
		if (order[i] == a)
			ra = i;
		if (order[i] == b)
			rb = i;
	}
	return ra >= rb ? a : b;
}

static void refuse_file(struct receiving *r, struct upload_file *f, int status,
			const char *message)
{
	f->status = status;
	f->error = arena_strdup(r->req->arena, message);
	r->out->status = worse(r->out->status, status);
}

static size_t accepted_count(const struct upload_result *out)
{
	size_t n = 0;
	for (size_t i = 0; i < out->count; i++)
		n += out->files[i].id != 0 || out->files[i].pending_fd >= 0;
	return n;
}

/* ---- kept files: "id.mac" ------------------------------------------------- */

static const char *kept_mac(struct request *req, long long id)
{
	char msg[160];
	int n = snprintf(msg, sizeof msg, "upload:%lld:%s", id, csrf_token(req));
	unsigned char mac[crypto_auth_BYTES];
	crypto_auth(mac, (const unsigned char *)msg, (unsigned long long)n,
		    req->app->secret_key);
	return request_base64(req, mac, 16);
}

static const char *kept_token(struct request *req, long long id)
{
	const char *mac = kept_mac(req, id);
	size_t len = strlen(mac) + 24;
	char *t = arena_alloc(req->arena, len);
	snprintf(t, len, "%lld.%s", id, mac);
	return t;
}

static const char *field_of_purpose(const struct upload_spec *spec, const char *purpose)
{
	for (size_t i = 0; i < spec->ninputs; i++)
		if (!strcmp(spec->inputs[i].purpose, purpose))
			return spec->inputs[i].field;
	return NULL;
}

static bool already_listed(const struct upload_result *out, long long id)
{
	for (size_t i = 0; i < out->count; i++)
		if (out->files[i].id == id)
			return true;
	return false;
}

/* One kept_files value: silently dropped when its MAC is wrong or the file
 * is no longer an unattached upload of this agency. */
static bool keep_one(struct receiving *r, const char *token)
{
	char *end;
	long long id = strtoll(token, &end, 10);
	if (id <= 0 || *end != '.')
		return true;
	const char *want = kept_mac(r->req, id);
	if (strlen(end + 1) != strlen(want) || sodium_memcmp(end + 1, want, strlen(want)))
		return true;
	if (already_listed(r->out, id))
		return true;
	char id_text[24], agency[24];
	snprintf(id_text, sizeof id_text, "%lld", id);
	snprintf(agency, sizeof agency, "%lld", r->spec->agency_id);
	const char *p[] = { id_text, agency };
	PGresult *res = db_exec(r->req->db, STMT_UPLOAD_GET, 2, p);
	if (!db_ok(res)) {
		PQclear(res);
		return false;
	}
	const char *field = PQntuples(res) == 1
		? field_of_purpose(r->spec, PQgetvalue(res, 0, COL(UPLOAD_GET, purpose))) : NULL;
	if (field) {
		struct upload_file *f = add_file(r, field, NULL);
		f->purpose = arena_strdup(r->req->arena, PQgetvalue(res, 0, COL(UPLOAD_GET, purpose)));
		f->id = id;
		f->name = arena_strdup(r->req->arena, PQgetvalue(res, 0, COL(UPLOAD_GET, display_name)));
		f->kind = arena_strdup(r->req->arena, PQgetvalue(res, 0, COL(UPLOAD_GET, kind)));
		const struct filetype_kind *k = filetype_kind_by_code(f->kind);
		f->label = k ? k->label : f->kind;
		f->size = atoll(PQgetvalue(res, 0, COL(UPLOAD_GET, size)));
		snprintf(f->sha256, sizeof f->sha256, "%s", PQgetvalue(res, 0, COL(UPLOAD_GET, sha256)));
		f->token = kept_token(r->req, id);
	}
	PQclear(res);
	return true;
}

static bool keep_listed(struct receiving *r)
{
	const char *tokens[KEPT_FIELD_MAX];
	size_t n = fields_get_all(&r->req->form, KEPT_FIELD, tokens, KEPT_FIELD_MAX);
	for (size_t i = 0; i < n && i < KEPT_FIELD_MAX; i++)
		if (!keep_one(r, tokens[i]))
			return false;
	return true;
}

/* ---- one file part ----------------------------------------------------------- */

static int open_temp(void)
{
	const char *dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd;
	char path[4096];
	snprintf(path, sizeof path, "%s/ysqgk-upload-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

static const struct upload_input *input_of(const struct upload_spec *spec, const char *field)
{
	for (size_t i = 0; i < spec->ninputs; i++)
		if (!strcmp(spec->inputs[i].field, field))
			return &spec->inputs[i];
	return NULL;
}

/* The staff API's optional `purpose` field (before the file part). */
static const char *purpose_asked(struct request *req)
{
	static const char *const allowed[] = { "reply", "registration", "supplement",
					       "id_copy", "authorization", "other", "evidence" };
	const char *p = fields_get(&req->form, "purpose");
	for (size_t i = 0; p && i < sizeof allowed / sizeof allowed[0]; i++)
		if (!strcmp(p, allowed[i]))
			return allowed[i];
	return "reply";
}

static void format_mb(char *buf, size_t len, size_t bytes)
{
	snprintf(buf, len, "%zu MB", bytes / (1024 * 1024));
}

static bool file_begin(struct receiving *r, struct multipart_part *part)
{
	const struct config *c = &r->req->app->config;
	const struct upload_input *in = input_of(r->spec, part->name);
	/* An empty file input sends a part without a name and data: none. */
	if (!in || !part->filename_len)
		return true;
	if (!r->csrf_checked) {
		if (!csrf_valid(r->req)) {
			r->abort_status = 403;
			r->abort_why = "CSRF token missing or wrong (before the first file)";
			return false;
		}
		r->csrf_checked = true;
	}
	struct upload_file *f = add_file(r, in->field, in->purpose ? in->purpose
								     : purpose_asked(r->req));
	char name[NAME_MAX_BYTES];
	if (multipart_clean_filename(part->filename, part->filename_len, name, sizeof name))
		f->name = arena_strdup(r->req->arena, name);
	r->file = f;
	r->size = 0;
	size_t kept = fields_get_all(&r->req->form, KEPT_FIELD, NULL, 0);
	if (accepted_count(r->out) + kept >= (size_t)c->max_files) {
		char msg[160];
		snprintf(msg, sizeof msg, "一次最多上传%d个文件，文件“%s”未保存。", c->max_files,
			 f->name);
		refuse_file(r, f, 422, msg);
		return true;
	}
	if (!*f->name) {
		refuse_file(r, f, 422, "文件名无效（为空或不是UTF-8编码），请改名后重新上传。");
		return true;
	}
	r->fd = open_temp();
	if (r->fd < 0) {
		log_error("upload: no temporary file: %s", strerror(errno));
		refuse_file(r, f, 503, "暂时无法保存文件，请稍后重试。");
		return true;
	}
	crypto_hash_sha256_init(&r->sha);
	r->in_file = true;
	return true;
}

static void close_temp(struct receiving *r)
{
	if (r->in_file)
		close(r->fd);
	r->in_file = false;
}

static bool write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n <= 0)
			return false;
		data += n;
		len -= (size_t)n;
	}
	return true;
}

static void file_data(struct receiving *r, const char *data, size_t len)
{
	const struct config *c = &r->req->app->config;
	r->size += len;
	if (!r->in_file)
		return;
	char limit[32], msg[256];
	if (r->size > c->max_file_bytes) {
		format_mb(limit, sizeof limit, c->max_file_bytes);
		snprintf(msg, sizeof msg, "文件“%s”超过%s，未保存。请压缩或分拆后再上传。",
			 r->file->name, limit);
		refuse_file(r, r->file, 413, msg);
		close_temp(r);
	} else if (r->file_bytes_total + r->size > c->max_upload_bytes) {
		format_mb(limit, sizeof limit, c->max_upload_bytes);
		snprintf(msg, sizeof msg, "一次提交的文件合计不能超过%s，文件“%s”未保存。", limit,
			 r->file->name);
		refuse_file(r, r->file, 413, msg);
		close_temp(r);
	} else if (!write_all(r->fd, data, len)) {
		log_error("upload: writing the temporary file: %s", strerror(errno));
		refuse_file(r, r->file, 503, "暂时无法保存文件，请稍后重试。");
		close_temp(r);
	} else {
		crypto_hash_sha256_update(&r->sha, (const unsigned char *)data, len);
	}
}

static struct filetype_checker *checker(struct request *req)
{
	struct worker *w = req->worker;
	if (!w->filetype) {
		char err[256];
		w->filetype = filetype_checker_new(err, sizeof err);
		if (!w->filetype)
			log_error("upload: %s", err);
	}
	return w->filetype;
}

/* The verdict by content; false (and the file refused) unless accepted. */
static bool type_accepted(struct receiving *r, struct upload_file *f, const char *path)
{
	struct filetype_checker *c = checker(r->req);
	struct filetype_result res = { 0 };
	enum filetype_verdict v = c ? filetype_check(c, path, NULL, 0, f->name, &res)
				    : FILETYPE_ERROR;
	if (v == FILETYPE_ACCEPTED) {
		f->kind = res.code;
		f->label = res.label;
		return true;
	}
	char msg[512];
	filetype_message(v, f->name, &res, msg, sizeof msg);
	log_info("upload refused: verdict %d (%s)", (int)v, res.magic_mime);
	refuse_file(r, f, v == FILETYPE_ERROR ? 503 : 422, msg);
	return false;
}

/* Optional (config clamd_socket); false (and the file refused) unless clean. */
static bool virus_free(struct receiving *r, struct upload_file *f)
{
	const struct config *c = &r->req->app->config;
	if (!*c->clamd_socket)
		return true;
	char virus[128];
	switch (clamd_scan(c->clamd_socket, r->fd, r->size, c->request_timeout_ms, virus,
			   sizeof virus)) {
	case CLAMD_CLEAN:
		return true;
	case CLAMD_FOUND:
		log_warn("upload refused: clamd found %s", virus);
		refuse_file(r, f, 422, "文件未通过病毒检查，未保存。");
		return false;
	case CLAMD_UNAVAILABLE:
		break;
	}
	log_error("upload: clamd at %s did not answer", c->clamd_socket);
	refuse_file(r, f, 503, "病毒检查服务暂时不可用，文件未保存，请稍后重试。");
	return false;
}

static const char *mime_of(const char *kind)
{
	const struct filetype_kind *k = filetype_kind_by_code(kind);
	return k ? k->mime : "application/octet-stream";
}

static void store_file(struct request *req, const struct upload_spec *spec,
		       struct upload_result *out, struct upload_file *f, int fd)
{
	struct upload_row row = { .display_name = f->name, .kind = f->kind,
				  .mime = mime_of(f->kind), .purpose = f->purpose,
				  .request_id = spec->request_id };
	f->id = upload_store(req->db, fd, (size_t)f->size, f->sha, spec->agency_id,
			     spec->staff_id, &row);
	if (f->id) {
		f->token = kept_token(req, f->id);
	} else {
		f->status = 503;
		f->error = "暂时无法保存文件，请稍后重试。";
		out->status = worse(out->status, 503);
	}
}

static void file_end(struct receiving *r)
{
	struct upload_file *f = r->file;
	r->file = NULL;
	if (!f || !r->in_file)
		return;
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", r->fd);
	if (type_accepted(r, f, path) && virus_free(r, f)) {
		crypto_hash_sha256_final(&r->sha, f->sha);
		sodium_bin2hex(f->sha256, sizeof f->sha256, f->sha, sizeof f->sha);
		f->size = (long long)r->size;
		r->file_bytes_total += r->size;
		if (!r->spec->agency_id) {	/* stored by upload_store_pending */
			f->pending_fd = r->fd;
			r->in_file = false;
			return;
		}
		store_file(r->req, r->spec, r->out, f, r->fd);
	}
	close_temp(r);
}

/* ---- the callbacks ------------------------------------------------------------ */

static bool on_begin(void *user, struct multipart_part *part)
{
	struct receiving *r = user;
	snprintf(r->name, sizeof r->name, "%s", part->name);
	if (!part->filename) {
		r->in_text = true;
		buf_reset(&r->text);
		return true;
	}
	/* Each file's own limit is ours (refused beside its field, the parse
	 * going on): the parser's is the body's. */
	part->max_bytes = r->req->app->config.max_upload_bytes + r->req->app->config.max_body;
	return file_begin(r, part);
}

static bool on_data(void *user, const char *data, size_t len)
{
	struct receiving *r = user;
	if (r->in_text)
		buf_append(&r->text, data, len);
	else
		file_data(r, data, len);
	return true;
}

static bool on_end(void *user)
{
	struct receiving *r = user;
	if (r->in_text) {
		r->in_text = false;
		if (r->req->form.count >= form_limits_default.max_fields) {
			r->abort_status = 413;
			r->abort_why = "too many form fields";
			return false;
		}
		fields_add(r->req->arena, &r->req->form, r->name, buf_str(&r->text), r->text.len);
		return true;
	}
	file_end(r);
	return true;
}

/* ---- reading the body ---------------------------------------------------------- */

static bool refuse_body(struct request *req, int status, const char *why, const char *message)
{
	req->log_why = why;
	respond_error(req, status, message);
	return false;
}

static bool answer_parse_error(struct request *req, struct receiving *r, struct multipart *p)
{
	enum multipart_error e = multipart_error(p);
	if (e == MULTIPART_ABORTED && r->abort_status == 403)
		return refuse_body(req, 403, r->abort_why, csrf_message);
	if (e == MULTIPART_ABORTED)
		return refuse_body(req, r->abort_status, r->abort_why, NULL);
	if (e == MULTIPART_MALFORMED) {
		req->log_why = multipart_error_detail(p);
		respond_error(req, 400, "表单数据格式不正确，请刷新页面后重新提交。");
		return false;
	}
	return refuse_body(req, 413, multipart_error_str(e), "提交的内容超过大小限制。");
}

static bool feed_body(struct request *req, struct multipart *p, struct receiving *r)
{
	struct body_stream *bs = req->body_stream;
	char piece[READ_PIECE];
	bs->consumed = true;
	for (;;) {
		long n = bs->read(bs->ctx, piece, sizeof piece);
		if (n < 0) {
			close_temp(r);
			return refuse_body(req, 400, "multipart body cut short or late",
					   "提交未能完整接收，请重新提交。");
		}
		if (n == 0)
			break;
		if (!multipart_feed(p, piece, (size_t)n)) {
			close_temp(r);
			return answer_parse_error(req, r, p);
		}
	}
	if (!multipart_finish(p)) {
		close_temp(r);
		return answer_parse_error(req, r, p);
	}
	return true;
}

static bool receive_multipart(struct request *req, struct receiving *r)
{
	char boundary[MULTIPART_BOUNDARY_MAX + 1];
	if (!multipart_boundary(req->content_type, boundary, sizeof boundary))
		return refuse_body(req, 400, "multipart without a valid boundary",
				   "表单数据格式不正确，请刷新页面后重新提交。");
	const struct config *c = &req->app->config;
	struct multipart_limits lim = multipart_limits_default;
	lim.max_parts = form_limits_default.max_fields + (size_t)c->max_files + 16;
	lim.max_field_bytes = form_limits_default.max_value_len;
	lim.max_file_bytes = c->max_upload_bytes + c->max_body;
	lim.max_total_bytes = c->max_upload_bytes + c->max_body;
	static const struct multipart_callbacks cb = { on_begin, on_data, on_end };
	struct multipart *p = multipart_new(boundary, &lim, &cb, r);
	if (!p)
		return refuse_body(req, 503, "out of memory", NULL);
	bool ok = feed_body(req, p, r);
	multipart_free(p);
	if (!ok)
		return false;
	/* A form without files: its token is checked as any form's. */
	if (!r->csrf_checked && !csrf_valid(req))
		return refuse_body(req, 403, "CSRF token missing or wrong", csrf_message);
	return body_text_acceptable(req, !(req->match.route->flags & ROUTE_FORM_CHECKS_TEXT));
}

bool upload_receive(struct request *req, const struct upload_spec *spec,
		    struct upload_result *out)
{
	*out = (struct upload_result){ 0 };
	struct receiving r = { .req = req, .spec = spec, .out = out, .fd = -1 };
	bool ok = true;
	if (req->body_stream && !req->body_stream->consumed)
		ok = receive_multipart(req, &r);
	buf_free(&r.text);
	if (!ok) {
		upload_discard(out);
		return false;
	}
	if (spec->agency_id && !keep_listed(&r)) {
		req->log_why = "database failure reading kept uploads";
		respond_error(req, 503, NULL);
		return false;
	}
	return true;
}

bool upload_store_pending(struct request *req, const struct upload_spec *spec,
			  struct upload_result *out)
{
	for (size_t i = 0; i < out->count; i++) {
		struct upload_file *f = &out->files[i];
		if (f->pending_fd < 0)
			continue;
		store_file(req, spec, out, f, f->pending_fd);
		close(f->pending_fd);
		f->pending_fd = -1;
	}
	struct receiving r = { .req = req, .spec = spec, .out = out, .fd = -1,
			       .cap = out->count };
	if (!keep_listed(&r)) {
		req->log_why = "database failure reading kept uploads";
		respond_error(req, 503, NULL);
		return false;
	}
	return true;
}

void upload_discard(struct upload_result *out)
{
	for (size_t i = 0; i < out->count; i++) {
		if (out->files[i].pending_fd >= 0)
			close(out->files[i].pending_fd);
		out->files[i].pending_fd = -1;
	}
}

const char *upload_error_for(const struct upload_result *r, const char *field)
{
	for (size_t i = 0; i < r->count; i++)
		if (r->files[i].status && !strcmp(r->files[i].field, field))
			return r->files[i].error;
	return NULL;
}

struct json_object *upload_model(const struct upload_result *r, const char *field)
{
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; i < r->count; i++) {
		const struct upload_file *f = &r->files[i];
		if (!f->id || (field && strcmp(f->field, field)))
			continue;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(f->id));
		json_object_object_add(o, "field", json_object_new_string(f->field));
		json_object_object_add(o, "name", json_object_new_string(f->name));
		json_object_object_add(o, "kind", json_object_new_string(f->kind ? f->kind : ""));
		json_object_object_add(o, "label", json_object_new_string(f->label ? f->label : ""));
		json_object_object_add(o, "size", json_object_new_int64(f->size));
		json_object_object_add(o, "sha256", json_object_new_string(f->sha256));
		json_object_object_add(o, "token", json_object_new_string(f->token ? f->token : ""));
		json_object_array_add(list, o);
	}
	return list;
}

static struct json_object *kept_model(struct request *req, const struct upload_result *r,
				      const char *field)
{
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; r && i < r->count; i++) {
		const struct upload_file *f = &r->files[i];
		if (!f->id || strcmp(f->field, field))
			continue;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(f->name));
		json_object_object_add(o, "label", json_object_new_string(f->label ? f->label : ""));
		json_object_object_add(o, "size_text", json_object_new_string(model_size_text(req->arena, f->size)));
		json_object_object_add(o, "token", json_object_new_string(f->token ? f->token : ""));
		json_object_array_add(list, o);
	}
	return list;
}

void upload_form_model(struct request *req, struct json_object *m,
		       const struct upload_result *r,
		       const struct upload_form_field *fields, size_t n)
{
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "field", json_object_new_string(fields[i].field));
		json_object_object_add(o, "label", json_object_new_string(fields[i].label));
		if (fields[i].multiple)
			json_object_object_add(o, "multiple", json_object_new_boolean(true));
		const char *error = r ? upload_error_for(r, fields[i].field) : NULL;
		if (error)
			json_object_object_add(o, "error", json_object_new_string(error));
		json_object_object_add(o, "kept", kept_model(req, r, fields[i].field));
		json_object_array_add(list, o);
	}
	json_object_object_add(m, "uploads", list);
	const struct config *c = &req->app->config;
	json_object_object_add(m, "upload_max_file_mb",
			       json_object_new_int64((int64_t)(c->max_file_bytes / (1024 * 1024))));
	json_object_object_add(m, "upload_max_total_mb",
			       json_object_new_int64((int64_t)(c->max_upload_bytes / (1024 * 1024))));
	json_object_object_add(m, "upload_max_files", json_object_new_int(c->max_files));
}

long long *upload_ids(struct request *req, const struct upload_result *r, size_t *n)
{
	long long *ids = arena_alloc(req->arena, (r->count + 1) * sizeof *ids);
	*n = 0;
	for (size_t i = 0; i < r->count; i++)
		if (r->files[i].id)
			ids[(*n)++] = r->files[i].id;
	return ids;
}


void upload_add_ids(struct request *req, struct json_object *in, const struct upload_result *r)
{
	size_t n;
	long long *ids = upload_ids(req, r, &n);
	if (!n)
		return;
	struct json_object *list = json_object_new_array();
	for (size_t i = 0; i < n; i++)
		json_object_array_add(list, json_object_new_int64(ids[i]));
	json_object_object_add(in, "files", list);
}
