#include "web/http.h"

#include <stdio.h>
#include <string.h>

#include "web/csrf.h"
#include "lib/log.h"
#include "lib/tmpl.h"

struct status_info {
	int status;
	const char *reason;	/* for the Status: line */
	const char *title;	/* for the Chinese error page */
	const char *message;
};

static const struct status_info statuses[] = {
	{ 200, "OK", NULL, NULL },
	{ 201, "Created", NULL, NULL },
	{ 303, "See Other", NULL, NULL },
	{ 304, "Not Modified", NULL, NULL },
	{ 400, "Bad Request", "请求无效", "请求的格式不正确，无法处理。请检查后重试。" },
	{ 401, "Unauthorized", "需要登录", "请先登录，再进行此操作。" },
	{ 403, "Forbidden", "禁止访问", "您没有权限执行此操作。如果您刚才提交了表单，请刷新页面后重试。" },
	{ 404, "Not Found", "页面不存在", "您要找的页面不存在，请检查网址是否正确。" },
	{ 405, "Method Not Allowed", "不支持的请求方式", "此页面不支持这种请求方式。" },
	{ 409, "Conflict", "操作冲突", "当前状态不允许此操作。" },
	{ 413, "Content Too Large", "提交的内容过大", "提交的内容超过了允许的大小，请删减后重试。" },
	{ 415, "Unsupported Media Type", "不支持的内容类型", "提交的内容类型不受支持。" },
	{ 422, "Unprocessable Content", "填写有误", "提交的信息有误，请修改后重试。" },
	{ 429, "Too Many Requests", "请求过于频繁", "您的请求过于频繁，请稍后再试。" },
	{ 500, "Internal Server Error", "服务器内部错误", "服务器处理请求时出错，您的操作没有完成。请稍后重试。" },
	{ 503, "Service Unavailable", "服务暂时不可用", "系统正在维护或数据库暂时无法连接，您的操作没有完成，也没有保存任何内容。请稍后重试。" },
};

static const struct status_info *status_info(int status)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (statuses[i].status == status)
			return &statuses[i];
	return NULL;
}

const char *http_status_text(int status)
{
	const struct status_info *s = status_info(status);
	return s ? s->reason : "Unknown";
}

static void respond_json(struct request *req, int status,
			 struct json_object *model)
{
	const char *s = json_object_to_json_string_ext(
		model, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	buf_puts(&req->worker->out, s);
	buf_putc(&req->worker->out, '\n');
	http_header(req, "Content-Type", "application/json; charset=utf-8");
	req->status = status;
	req->responded = true;
}

bool http_display_large(const struct request *req)
{
	const char *mode = fields_get(&req->cookies, DISPLAY_COOKIE);
	return mode && !strcmp(mode, DISPLAY_LARGE);
}

/* Where the display switch brings the reader back: this very page when it
 * was a GET; after a POST its path, which /display keeps only when it has
 * a GET page (a POST is never repeated). */
static const char *display_back(const struct request *req)
{
	if (req->target && req->method && !strcmp(req->method, "GET"))
		return req->target;
	return req->path ? req->path : "/";
}

/* The switch in the header: which mode is on, where to come back to. */
static void add_display_fields(const struct request *req, struct json_object *model)
{
	struct json_object *display = json_object_new_object();
	json_object_object_add(display, "large",
			       json_object_new_boolean(http_display_large(req)));
	json_object_object_add(display, "back", json_object_new_string(display_back(req)));
	json_object_object_add(model, "display_mode", display);
}

/* Adds what the layout needs to a page's model. */
static void add_layout_fields(struct request *req, struct json_object *model)
{
	struct json_object *site = json_object_new_object();
	json_object_object_add(site, "name",
			       json_object_new_string(req->app->config.site_name));
	json_object_object_add(model, "site", site);
	add_display_fields(req, model);
	/* A page kept by page_cache holds its placeholder here already. */
	const char *token = json_object_object_get_ex(model, "csrf_token", NULL)
		? NULL : csrf_token(req);
	if (token)
		json_object_object_add(model, "csrf_token", json_object_new_string(token));
}

void respond(struct request *req, int status, const char *template,
	     struct json_object *model)
{
	if (req->wants_json || !template) {
		respond_json(req, status, model);
		json_object_put(model);
		return;
	}
	add_layout_fields(req, model);
	char err[256];
	struct buf *out = &req->worker->out;
	if (!tmpl_render(req->app->templates, template, model, out, err, sizeof err)) {
		log_error("render %s: %s", template, err);
		json_object_put(model);
		buf_reset(out);
		buf_puts(out, "<!doctype html><meta charset=utf-8><title>500</title><p>服务器内部错误</p>");
		status = 500;
	} else {
		json_object_put(model);
	}
	http_header(req, "Content-Type", "text/html; charset=utf-8");
	req->status = status;
	req->responded = true;
}

void respond_error(struct request *req, int status, const char *message)
{
	const struct status_info *info = status_info(status);
	struct json_object *model = json_object_new_object();
	const char *title = info && info->title ? info->title : "错误";
	if (!message)
		message = info && info->message ? info->message : title;
	if (!req->log_why)
		req->log_why = info ? info->reason : "error";
	buf_reset(&req->worker->out);
	if (req->wants_json) {
		json_object_object_add(model, "error", json_object_new_string(message));
		json_object_object_add(model, "status", json_object_new_int(status));
		respond(req, status, NULL, model);
		return;
	}
	json_object_object_add(model, "status", json_object_new_int(status));
	json_object_object_add(model, "title", json_object_new_string(title));
	json_object_object_add(model, "message", json_object_new_string(message));
	respond(req, status, "error", model);
}

void respond_redirect(struct request *req, const char *target)
{
	if (!redirect_target_safe(target)) {
		req->log_why = "unsafe redirect target";
		respond_error(req, 400, NULL);
		return;
	}
	http_header(req, "Location", target);
	req->status = 303;
	req->responded = true;
}

void respond_db_failure(struct request *req, const PGresult *res)
{
	enum db_failure f = db_failure_of(req->db, res);
	if (f == DB_FAIL_DOWN || f == DB_FAIL_TIMEOUT) {
		req->log_why = f == DB_FAIL_DOWN ? "database down" : "database timeout";
		respond_error(req, 503, NULL);
		return;
	}
	char why[512];
	log_error("database: %s", db_error_text(res, why, sizeof why));
	req->log_why = "database error";
	respond_error(req, 500, NULL);
}

bool db_exec_steps_or_respond(struct request *req, struct db_step *steps, size_t n)
{
	if (db_exec_steps(req->db, steps, n))
		return true;
	const PGresult *first = NULL;	/* the cause; later ones were skipped */
	for (size_t i = 0; i < n && !first; i++)
		if (!db_ok(steps[i].res))
			first = steps[i].res;
	respond_db_failure(req, first);
	return false;
}

struct context http_context(const struct request *req)
{
	return (struct context){
		.db = req->db,
		.arena = req->arena,
		.app = req->app,
		.staff = req->staff,
	};
}

int http_status_of(enum service_status s)
{
	switch (s) {
	case SERVICE_DONE:		return 200;
	case SERVICE_NOT_SIGNED_IN:	return 401;
	case SERVICE_FORBIDDEN:		return 403;
	case SERVICE_NOT_FOUND:		return 404;
	case SERVICE_CONFLICT:		return 409;
	case SERVICE_BAD_INPUT:		return 422;
	case SERVICE_UNAVAILABLE:	return 503;
	case SERVICE_FAILED:		break;
	}
	return 500;
}

PGresult *db_exec_or_respond(struct request *req, struct db *db, enum stmt s, int n,
			     const char *const *params)
{
	PGresult *res = db_exec(db, s, n, params);
	if (db_ok(res))
		return res;
	respond_db_failure(req, res);
	PQclear(res);
	return NULL;
}

const PGresult *db_cached_or_respond(struct request *req, enum stmt s, struct read_policy policy,
				     int n, const char *const *params)
{
	const PGresult *res = read_cached(req->db, s, policy, n, params, NULL);
	if (db_ok(res))
		return res;
	respond_db_failure(req, res);
	return NULL;
}

/* The site's address: the configured public_url, else the scheme and
 * Host this request came with (when it looks like a host name). */
const char *http_site_origin(struct request *req)
{
	const char *pub = req->app->config.public_url;
	if (pub && *pub)
		return pub;
	const char *host = req->host ? req->host : "";
	size_t n = strlen(host);
	if (n == 0 || n > 255 ||
	    strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") != n)
		return "";
	char *out = arena_alloc(req->arena, n + 9);
	sprintf(out, "%s://%s", req->https ? "https" : "http", host);
	return out;
}
