#include "web/server.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <fcgiapp.h>

#include "web/auth.h"
#include "web/csrf.h"
#include "web/body_check.h"
#include "web/gate.h"
#include "web/http.h"
#include "lib/filetype.h"
#include "lib/log.h"
#include "lib/pdfdoc.h"
#include "core/read_cache.h"
#include "web/routes.h"

/* Sent with every response the app makes (nginx adds them to static files). */
static const char security_headers[] =
	"X-Content-Type-Options: nosniff\r\n"
	"Referrer-Policy: same-origin\r\n"
	"X-Frame-Options: DENY\r\n"
	"Content-Security-Policy: default-src 'self'; script-src 'self'; "
	"style-src 'self'; img-src 'self' data:; form-action 'self'; "
	"frame-ancestors 'none'; base-uri 'none'; object-src 'none'\r\n"
	"Cache-Control: no-store\r\n";

struct worker_slot {
	struct worker w;
	pthread_t thread;
	int fd;			/* the connection being served */
	struct timespec deadline;	/* to have read its request (gate.h) */
	/* The app this worker's request is using (NULL between requests): a
	 * reload frees the app it replaced only when no slot points at it. */
	_Atomic(struct app *) app_in_use;
	struct buf headers;
};

static int listen_fd = -1;
static struct gate *gate;
/* Passed by systemd (ysqgk.socket): it outlives us, so never shut it down. */
static bool listen_inherited;
/* What new requests use; SIGHUP swaps in a freshly loaded one. */
static _Atomic(struct app *) current_app;

/* ---- reading the request ------------------------------------------------ */

static const char *param(FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);
	return v ? v : "";
}

/* The site's host as the client named it: Debian's fastcgi_params pass
 * HTTP_HOST as nginx's $host, without the port, so a port other than
 * the scheme's is added back from SERVER_PORT. */
static const char *host_of(struct arena *a, FCGX_Request *fr)
{
	const char *host = param(fr, "HTTP_HOST"), *port = param(fr, "SERVER_PORT");
	if (!*host || strchr(host, ':') || !*port || !strcmp(port, "80") || !strcmp(port, "443"))
		return host;
	size_t n = strlen(host) + strlen(port) + 2;
	char *out = arena_alloc(a, n);
	snprintf(out, n, "%s:%s", host, port);
	return out;
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Sets an error response and returns false. */
static bool refuse(struct request *req, int status, const char *why)
{
	req->log_why = why;
	respond_error(req, status, NULL);
	return false;
}

/* libfcgi's read buffer: one FCGX_GetStr of at most this reads the socket
 * at most about once, so each read waits at most the time left. */
enum { READ_CHUNK = 8192 };

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

/*
 * Lets the next reads of fd wait only until deadline; false once it has
 * passed. A socket timeout bounds each read, not their sum: setting it to
 * what is left before every read makes it a deadline for the whole body.
 */
static bool read_timeout_until(int fd, const struct timespec *deadline)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long long left_us = (long long)(deadline->tv_sec - now.tv_sec) * 1000000 +
			    (deadline->tv_nsec - now.tv_nsec) / 1000;
	if (left_us <= 0)
		return false;
	struct timeval tv = { .tv_sec = left_us / 1000000, .tv_usec = left_us % 1000000 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	return true;
}

/* A multipart body read piece by piece by the handler (upload.h). */
struct stream_ctx {
	FCGX_Request *fr;
	const struct worker_slot *slot;
	size_t left;
};

/*
 * Each read of a multipart body waits at most request_timeout_ms: the
 * files are stored while it is read (upload.h), which a deadline for the
 * whole body would count. nginx buffers the whole body before it passes
 * it on (fastcgi_request_buffering), so a stall here is not a slow client.
 */
static long stream_read(void *ctx, char *buf, size_t len)
{
	struct stream_ctx *s = ctx;
	if (!s->left)
		return 0;
	struct timespec deadline;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += s->slot->w.app->config.request_timeout_ms / 1000 + 1;
	if (!read_timeout_until(s->slot->fd, &deadline))
		return -1;
	int n = FCGX_GetStr(buf, (int)min_size(min_size(len, s->left), READ_CHUNK), s->fr->in);
	if (n <= 0)
		return -1;
	s->left -= (size_t)n;
	return n;
}

static bool is_multipart(const char *content_type)
{
	return !strncasecmp(content_type, "multipart/form-data", 19);
}

/*
 * multipart/form-data is taken on ROUTE_MULTIPART routes only, and there
 * left unread: the handler streams it (upload.h), so that the memory does
 * not grow with the files. Its limit is the files' plus max_body for the
 * text fields around them.
 */
static bool defer_multipart_body(struct request *req, FCGX_Request *fr,
				 const struct worker_slot *slot, unsigned long long len)
{
	char allow[64];
	struct route_match m;
	if (route_find(routes, routes_count, req->method, req->path, &m, allow,
		       sizeof allow) != ROUTE_FOUND || !(m.route->flags & ROUTE_MULTIPART))
		return refuse(req, 415, "multipart body on a route without uploads");
	const struct config *c = &req->app->config;
	if (len > (unsigned long long)c->max_upload_bytes + c->max_body)
		return refuse(req, 413, "multipart body over the limit");
	struct stream_ctx *s = arena_alloc(req->arena, sizeof *s);
	*s = (struct stream_ctx){ .fr = fr, .slot = slot, .left = (size_t)len };
	struct body_stream *bs = arena_alloc(req->arena, sizeof *bs);
	*bs = (struct body_stream){ .read = stream_read, .ctx = s, .length = (size_t)len };
	req->body_stream = bs;
	return true;
}

static bool read_body(struct request *req, FCGX_Request *fr, const struct worker_slot *slot)
{
	const char *cl = param(fr, "CONTENT_LENGTH");
	if (!*cl)
		return true;
	char *end;
	errno = 0;
	unsigned long long len = strtoull(cl, &end, 10);
	if (errno || *end || end == cl)
		return refuse(req, 400, "bad Content-Length");
	if (len && is_multipart(req->content_type))
		return defer_multipart_body(req, fr, slot, len);
	if (len > req->app->config.max_body)
		return refuse(req, 413, "body over the limit");
	char *body = arena_alloc(req->arena, (size_t)len + 1);
	size_t got = 0;
	bool late = false;
	while (got < len && !(late = !read_timeout_until(slot->fd, &slot->deadline))) {
		int n = FCGX_GetStr(body + got, (int)min_size(len - got, READ_CHUNK), fr->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (late)
		return refuse(req, 408, "body not received within request_timeout_ms");
	if (got != len)
		return refuse(req, 400, "body shorter than Content-Length");
	req->body = body;
	req->body_len = (size_t)len;
	return true;
}

static bool parse_json_body(struct request *req)
{
	/* json-c's JSON_TOKENER_VALIDATE_UTF8 checks only the shape of a
	 * sequence: overlong forms, UTF-16 surrogates and code points above
	 * U+10FFFF got through to PostgreSQL, which refuses them — a sign-in
	 * with such a username answered 503 (tests/e2e/test_abuse_input.py). */
	if (!utf8_valid(req->body, req->body_len))
		return refuse(req, 400, "invalid UTF-8 in JSON body");
	struct json_tokener *tok = json_tokener_new();
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	struct json_object *obj = json_tokener_parse_ex(tok, req->body, (int)req->body_len);
	bool ok = obj && json_tokener_get_error(tok) == json_tokener_success &&
		  tok->char_offset == (int)req->body_len;
	json_tokener_free(tok);
	if (!ok) {
		json_object_put(obj);
		return refuse(req, 400, "malformed JSON body");
	}
	req->json_body = obj;
	return true;
}

static int parse_error_status(enum parse_error e)
{
	return e == PARSE_TOO_MANY_FIELDS || e == PARSE_FIELD_TOO_LONG ? 413 : 400;
}

static bool parse_body(struct request *req)
{
	if (!req->body_len)
		return true;
	const char *ct = req->content_type;
	if (starts_with(ct, "application/x-www-form-urlencoded")) {
		enum parse_error e = form_parse(req->arena, req->body, req->body_len,
						&form_limits_default, &req->form);
		return e == PARSE_OK || refuse(req, parse_error_status(e), parse_error_str(e));
	}
	if (starts_with(ct, "application/json"))
		return parse_json_body(req);
	return refuse(req, 415, "unsupported Content-Type");
}

static bool wants_json(const char *path, const char *accept)
{
	if (starts_with(path, "/api/"))
		return true;
	const char *json = strstr(accept, "application/json");
	const char *html = strstr(accept, "text/html");
	return json && (!html || json < html);
}

/* Fills req from the FastCGI parameters and body; false = already answered. */
static bool read_request(struct request *req, FCGX_Request *fr,
			 const struct worker_slot *slot)
{
	/* Copied: FastCGI frees its parameters when the request is finished,
	 * before the log line is written. */
	req->method = arena_strdup(req->arena, param(fr, "REQUEST_METHOD"));
	req->content_type = param(fr, "CONTENT_TYPE");
	req->remote_addr = param(fr, "REMOTE_ADDR");
	req->if_none_match = param(fr, "HTTP_IF_NONE_MATCH");
	req->https = !strcmp(param(fr, "HTTPS"), "on");
	req->host = host_of(req->arena, fr);
	cookies_parse(req->arena, param(fr, "HTTP_COOKIE"), &req->cookies);

	/* REQUEST_URI is the raw target: decode and check it ourselves rather
	 * than trust any normalisation done in front of us. */
	const char *uri = param(fr, "REQUEST_URI");
	req->target = arena_strdup(req->arena, uri);
	const char *q = strchr(uri, '?');
	size_t path_len = q ? (size_t)(q - uri) : strlen(uri);
	char *path;
	req->path = "/";
	enum parse_error e = path_decode(req->arena, uri, path_len, &path);
	if (e != PARSE_OK)
		return refuse(req, 400, parse_error_str(e));
	req->path = path;
	req->wants_json = wants_json(path, param(fr, "HTTP_ACCEPT"));
	if (q) {
		e = form_parse(req->arena, q + 1, strlen(q + 1), &form_limits_default, &req->query);
		if (e != PARSE_OK)
			return refuse(req, parse_error_status(e), parse_error_str(e));
	}
	return read_body(req, fr, slot) && parse_body(req);
}

/* ---- dispatching ---------------------------------------------------------- */

/*
 * A POST must prove it comes from our own pages: a form carries the CSRF
 * token; JSON needs its Content-Type, which a cross-site form cannot send
 * without a CORS preflight that we never grant.
 */
static bool post_allowed(struct request *req)
{
	if (strcmp(req->method, "POST"))
		return true;
	/* upload_receive() checks the form's csrf_token before the first file
	 * is stored, and refuses the body without one (upload.h). */
	if (req->body_stream)
		return true;
	bool json = starts_with(req->content_type, "application/json");
	if (starts_with(req->path, "/api/"))
		return json || refuse(req, 415, "API POST without application/json");
	if (json)
		return true;
	if (csrf_valid(req))
		return true;
	/* Most often an honest user: the page sat open past a restart of the
	 * browser, or cookies are off. Say how to get the form back. */
	req->log_why = "CSRF token missing or wrong";
	respond_error(req, 403, "页面已过期，或浏览器没有启用 Cookie，因此无法确认这次提交来自本站。"
				"请点击浏览器的“后退”返回上一页，复制您填写的内容，刷新页面后重新提交。");
	return false;
}

static void dispatch(struct request *req)
{
	char allow[64];
	switch (route_find(routes, routes_count, req->method, req->path, &req->match,
			   allow, sizeof allow)) {
	case ROUTE_NOT_FOUND:
		refuse(req, 404, "no route");
		return;
	case ROUTE_BAD_METHOD:
		http_header(req, "Allow", allow);
		refuse(req, 405, "method not allowed");
		return;
	case ROUTE_FOUND:
		break;
	}
	if (!(req->match.route->flags & ROUTE_NO_DB) && !db_ready(req->db)) {
		refuse(req, 503, "database down");
		return;
	}
	/* The staff session (req->staff), before the CSRF check it binds. */
	if (!auth_attach_session(req))
		return;
	if (!post_allowed(req))
		return;
	if (!req->body_stream &&
	    !body_text_acceptable(req, !(req->match.route->flags & ROUTE_FORM_CHECKS_TEXT)))
		return;
	req->match.route->handler(req);
}

/* ---- writing the response --------------------------------------------------- */

/* The length of the body file (request.h), or 0 when it cannot be read
 * (then closed, and the answer is empty). */
static size_t body_file_length(struct request *req)
{
	struct stat st;
	if (fstat(fileno(req->body_file), &st) == 0 && S_ISREG(st.st_mode) &&
	    fseeko(req->body_file, 0, SEEK_SET) == 0)
		return (size_t)st.st_size;
	log_error("%s: the answer's file cannot be read", req->path);
	fclose(req->body_file);
	req->body_file = NULL;
	return 0;
}

/* Sends the body file in pieces (memory stays flat at any size), closes it. */
static void send_body_file(struct request *req, FCGX_Request *fr, size_t length)
{
	char piece[65536];
	size_t sent = 0, got;
	while (sent < length &&
	       (got = fread(piece, 1, length - sent < sizeof piece ? length - sent : sizeof piece,
			    req->body_file)) > 0) {
		if (FCGX_PutStr(piece, (int)got, fr->out) < 0)
			break;
		sent += got;
	}
	fclose(req->body_file);
	req->body_file = NULL;
}

static bool put_fcgx(const void *bytes, size_t len, void *sink)
{
	return FCGX_PutStr(bytes, (int)len, sink) == (int)len;
}

/*
 * Server-Timing (W3C Server Timing; issue 17), with `server_timing` on:
 * what the request asked of the database — `rt` round trips carrying `st`
 * statements (core/db.h, struct db_usage), and the milliseconds spent
 * waiting for them — over the worker's connection and its standby's.
 * A streamed body's reads come after the headers and are not in it.
 */
static void put_server_timing(struct request *req, FCGX_Request *fr)
{
	if (!req->app || !req->app->config.server_timing)
		return;
	const struct db_usage *p = &req->worker->db.usage, *s = &req->worker->standby.usage;
	char line[128];
	int n = snprintf(line, sizeof line,
			 "Server-Timing: db;desc=\"rt=%u st=%u\";dur=%.3f\r\n",
			 p->round_trips + s->round_trips, p->statements + s->statements,
			 (double)(p->wait_ns + s->wait_ns) / 1e6);
	FCGX_PutStr(line, n, fr->out);
}

/*
 * The body comes from one of three places: the worker's buffer (pages), a
 * file the handler wrote (exports: request.h body_file), or a stream the
 * handler set up that writes after the headers (downloads: stream).
 */
static void write_response(struct request *req, FCGX_Request *fr)
{
	const struct buf *body = &req->worker->out;
	bool streamed = req->stream && req->status == 200;
	long long length = req->body_file ? (long long)body_file_length(req)
			 : streamed ? req->stream_length : (long long)body->len;
	/* snprintf, not FCGX_FPrintF: libfcgi's own printf knows no %zu. */
	char head[1024];
	int n = snprintf(head, sizeof head, "Status: %d %s\r\n%sContent-Length: %lld\r\n",
			 req->status, http_status_text(req->status), security_headers, length);
	FCGX_PutStr(head, n, fr->out);
	/* Over https, browsers are told to come back only that way (issue
	 * 12, item 16): a year, as the HSTS preload rules ask at least. */
	if (req->https) {
		static const char hsts[] = "Strict-Transport-Security: max-age=31536000\r\n";
		FCGX_PutStr(hsts, (int)sizeof hsts - 1, fr->out);
	}
	put_server_timing(req, fr);
	FCGX_PutStr(buf_str(req->headers), (int)req->headers->len, fr->out);
	FCGX_PutStr("\r\n", 2, fr->out);
	bool head_only = !strcmp(req->method, "HEAD");
	if (req->body_file) {
		if (head_only) {
			fclose(req->body_file);
			req->body_file = NULL;
		} else {
			send_body_file(req, fr, (size_t)length);
		}
		return;
	}
	if (head_only)
		return;
	if (!streamed) {
		FCGX_PutStr(buf_str(body), (int)body->len, fr->out);
		return;
	}
	/* Headers first, then the chunks as they come (issue 15). Cut short,
	 * the connection is closed: nginx sees fewer bytes than announced. */
	if (!req->stream(req, put_fcgx, fr->out)) {
		req->log_why = "streamed body cut short";
		fr->keepConnection = 0;
	}
}

static double ms_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) * 1e3 +
	       (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

static void handle_request(struct worker_slot *slot, FCGX_Request *fr)
{
	struct worker *w = &slot->w;
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	arena_reset(&w->arena);
	buf_reset(&w->out);
	buf_reset(&slot->headers);

	struct request req = {
		.worker = w,
		.app = w->app,
		.arena = &w->arena,
		.db = &w->db,
		.headers = &slot->headers,
		.method = "",
		.path = "",
		.content_type = "",
	};
	/* The copies a worker keeps (core/read_cache.h) learn of changes
	 * here, between requests: a page sees one state of them throughout. */
	read_cache_begin();
	db_poll_changes(&w->db);
	w->db.usage = (struct db_usage){ 0 };
	w->standby.usage = (struct db_usage){ 0 };
	if (read_request(&req, fr, slot))
		dispatch(&req);
	if (!req.responded)
		refuse(&req, 500, "handler gave no response");
	write_response(&req, fr);

	/* Read what is left of the body, so a kept connection stays in step. */
	char sink[4096];
	while (FCGX_GetStr(sink, sizeof sink, fr->in) > 0)
		;
	FCGX_Finish_r(fr);

	log_info("%s %s %d %.1fms%s%s", req.method, req.path, req.status,
		 ms_since(&start), req.log_why ? " " : "",
		 req.log_why ? req.log_why : "");
	json_object_put(req.json_body);
}

/*
 * Publishes which app this worker uses before using it, then checks that
 * it is still the current one: a reload that swapped it in between either
 * sees the published pointer (and waits) or is seen here (and we retry).
 */
static struct app *pin_current_app(struct worker_slot *slot)
{
	for (;;) {
		struct app *app = atomic_load(&current_app);
		atomic_store(&slot->app_in_use, app);
		if (atomic_load(&current_app) == app)
			return app;
	}
}

/* A reload may have changed the conninfo: keep connections that still fit. */
static void follow_database_config(struct worker *w)
{
	const struct config *c = &w->app->config;
	if (strcmp(w->db.conninfo, c->database) ||
	    w->db.statement_timeout_ms != c->statement_timeout_ms) {
		log_info("worker %d: database settings changed, reconnecting", w->id);
		db_close(&w->db);
		db_open(&w->db, c->database, c->statement_timeout_ms);
		db_listen_for_changes(&w->db);
	}
	/* The standby is opened lazily (db_read.c): closing it is enough. */
	if (w->standby.conninfo && (strcmp(w->standby.conninfo, c->database_standby) ||
				    w->standby.statement_timeout_ms != c->statement_timeout_ms)) {
		db_close(&w->standby);
	}
	w->standby_checked = false;	/* db_read.c checks once per request */
}

/*
 * Has libfcgi read the request of a connection the gate accepted. libfcgi
 * has no call for that: FCGX_Accept_r accepts by itself unless a kept
 * connection is open (ipcFd, with keepConnection so that the finish it
 * starts with leaves it open). Those two fields are marked internal in
 * fcgiapp.h; libfcgi 2.4 has used them so since 2001 (Debian 12: 2.4.2).
 * No listening socket: should the request be unreadable, libfcgi closes
 * the connection and its accept fails at once instead of accepting.
 */
static int fcgx_adopt(FCGX_Request *fr, int fd)
{
	FCGX_InitRequest(fr, -1, 0);
	fr->ipcFd = fd;
	fr->keepConnection = 1;
	return FCGX_Accept_r(fr);
}

/* Writes, too, wait at most request_timeout_ms each: a client that stops
 * reading its answer cannot hold the worker for ever. */
static void set_socket_timeouts(struct worker_slot *slot)
{
	int ms = slot->w.app->config.request_timeout_ms;
	struct timeval tv = { .tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000 };
	setsockopt(slot->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	read_timeout_until(slot->fd, &slot->deadline);
}

static void serve_connection(struct worker_slot *slot, FCGX_Request *fr)
{
	slot->w.app = pin_current_app(slot);
	set_socket_timeouts(slot);
	if (fcgx_adopt(fr, slot->fd) == 0) {
		follow_database_config(&slot->w);
		/* After it: a changed database setting reopens (clears) the db. */
		slot->w.db.event_key = app_event_key(slot->w.app);
		slot->w.db.event_key_no = slot->w.app->event_key_no;
		handle_request(slot, fr);
	}
	FCGX_Free(fr, 1);	/* a connection the client asked to keep, too */
	slot->w.app = NULL;
	atomic_store(&slot->app_in_use, NULL);
}

static void *worker_main(void *arg)
{
	struct worker_slot *slot = arg;
	FCGX_Request fr;
	while ((slot->fd = gate_next(gate, &slot->deadline)) >= 0)
		serve_connection(slot, &fr);
	return NULL;
}

/* ---- start and stop ------------------------------------------------------------ */

/*
 * systemd socket activation (sd_listen_fds(3)): the listening socket is
 * systemd's and outlives the process, so connections that nginx opens
 * while the service restarts wait in its queue instead of failing.
 */
static int inherited_socket(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
		return -1;
	const int first = 3;	/* SD_LISTEN_FDS_START */
	if (strcmp(fds, "1"))
		log_warn("LISTEN_FDS=%s: using only the first socket", fds);
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	struct stat st;
	if (fstat(first, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		log_error("LISTEN_FDS is set but fd %d is not a socket", first);
		return -2;
	}
	fcntl(first, F_SETFD, FD_CLOEXEC);
	listen_inherited = true;
	return first;
}

static int open_listen_socket(const struct config *c)
{
	int inherited = inherited_socket();
	if (inherited != -1)
		return inherited < 0 ? -1 : inherited;
	bool is_unix = c->listen[0] == '/';
	struct stat st;
	if (is_unix && stat(c->listen, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(c->listen);	/* left by an earlier run */
	/* A deep backlog: under a burst the connections wait here for a free
	 * thread instead of failing at once with 502 (the kernel caps it at
	 * net.core.somaxconn, 4096 on Debian 12). */
	int fd = FCGX_OpenSocket(c->listen, 4096);
	if (fd < 0) {
		log_error("cannot listen on %s: %s", c->listen, strerror(errno));
		return -1;
	}
	if (is_unix && chmod(c->listen, c->listen_mode) != 0)
		log_warn("chmod %s: %s", c->listen, strerror(errno));
	return fd;
}

/*
 * The gate stops accepting; the workers serve every connection it accepted
 * (those still arriving get until their deadline) and then leave.
 */
static void stop_workers(struct worker_slot *slots, int n)
{
	/* Refuse new connections now; an inherited socket keeps them queued
	 * for our successor instead. */
	if (!listen_inherited)
		shutdown(listen_fd, SHUT_RDWR);
	gate_close(gate);
	for (int i = 0; i < n; i++)
		pthread_join(slots[i].thread, NULL);
	gate_free(gate);
}

/* Settings a reload cannot apply: the socket and the threads stay. */
static void warn_restart_only(const struct config *old, const struct config *fresh)
{
	if (strcmp(old->listen, fresh->listen) || old->listen_mode != fresh->listen_mode)
		log_warn("reload: listen and listen_mode change only on restart");
	if (old->threads != fresh->threads)
		log_warn("reload: threads changes only on restart");
}

/*
 * SIGHUP: load configuration, key and templates afresh; on any error keep
 * serving with what we have. Requests in flight finish with the old app,
 * new ones take the new one; the old one is freed once nobody uses it.
 */
static void reload(struct worker_slot *slots, int n, const char *config_path)
{
	char err[1024];
	struct app *fresh = app_load(config_path, err, sizeof err);
	if (!fresh) {
		log_error("reload failed, still serving the previous configuration: %s", err);
		return;
	}
	struct app *old = atomic_load(&current_app);
	warn_restart_only(&old->config, &fresh->config);
	atomic_store(&current_app, fresh);
	gate_set_timeout(gate, fresh->config.request_timeout_ms);
	for (int i = 0; i < n; i++)
		while (atomic_load(&slots[i].app_in_use) == old)
			usleep(1000);
	app_free(old);
	log_info("reloaded configuration, secret key and templates");
}

int server_run(struct app *app, const char *config_path)
{
	size_t bad;
	if (!route_table_check(routes, routes_count, &bad)) {
		log_error("routes.c: line %zu (%s %s) is malformed", bad,
			  routes[bad].method, routes[bad].pattern);
		app_free(app);
		return 1;
	}
	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		app_free(app);
		return 1;
	}
	listen_fd = open_listen_socket(&app->config);
	if (listen_fd < 0) {
		app_free(app);
		return 1;
	}
	atomic_store(&current_app, app);

	signal(SIGPIPE, SIG_IGN);
	sigset_t stop_set;
	sigemptyset(&stop_set);
	sigaddset(&stop_set, SIGTERM);
	sigaddset(&stop_set, SIGINT);
	sigaddset(&stop_set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_set, NULL);	/* inherited by workers */
	/* Fonts loaded before any worker renders a notice's PDF (lib/pdfdoc.h).
	 * After the mask: pdfdoc starts its renderer thread here, which must
	 * not take a SIGHUP (its default action ends the process). */
	pdfdoc_global_init();
	auth_hash_in_helpers();

	gate = gate_start(listen_fd, app->config.request_timeout_ms);
	int n = app->config.threads;
	struct worker_slot *slots = calloc((size_t)n, sizeof *slots);
	for (int i = 0; i < n; i++) {
		slots[i].w.id = i;
		db_open(&slots[i].w.db, app->config.database, app->config.statement_timeout_ms);
		db_listen_for_changes(&slots[i].w.db);
		pthread_create(&slots[i].thread, NULL, worker_main, &slots[i]);
	}
	log_info("serving on %s with %d threads",
		 listen_inherited ? "the socket passed by systemd" : app->config.listen, n);

	int sig;
	for (;;) {
		sigwait(&stop_set, &sig);
		if (sig != SIGHUP)
			break;
		reload(slots, n, config_path);
	}
	log_info("signal %d: finishing in-flight requests", sig);
	stop_workers(slots, n);
	auth_hash_helpers_stop();
	for (int i = 0; i < n; i++) {
		db_close(&slots[i].w.db);
		if (slots[i].w.standby.conninfo)
			db_close(&slots[i].w.standby);
		arena_free(&slots[i].w.arena);
		filetype_checker_free(slots[i].w.filetype);
		buf_free(&slots[i].w.out);
		buf_free(&slots[i].headers);
	}
	free(slots);
	close(listen_fd);
	app = atomic_load(&current_app);
	if (!listen_inherited && app->config.listen[0] == '/')
		unlink(app->config.listen);
	app_free(app);
	log_info("stopped");
	return 0;
}
