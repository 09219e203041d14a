/*
 * The public disclosure log (Art. 44 转主动公开, issue 18 §2): the listings
 * staff published from disclosed or partial replies (sql/034,
 * service/workflow_publish.c), to anyone, in Chinese, phone first.
 *
 *   GET /disclosures, /api/v1/disclosures   search: q (pg_trgm over title
 *       and summary), agency, year, page; the most similar first when q
 *       is given, else the newest; PAGE_SIZE a page.
 *   GET /disclosures/{id}, /api/v1/disclosures/{id}   one listing.
 *   GET /disclosures.atom                   the newest 50 (RFC 4287).
 *
 * Each listing shows its agency, date, title, summary and the files
 * ticked public, downloadable through /disclosures/{id}/files/{file}
 * (pages/files/files.c). Nothing of the applicant is read or shown.
 *
 * Anyone may ask, so the reads that take no search words — the newest
 * listings by agency, year and page, one listing, the feed, the form's
 * choices — come from the worker's copies (core/read_cache.h), good until
 * a listing, its files or an agency change (sql/034 announces them, as
 * /stats keeps its numbers a while): a crawler walking the log makes no
 * round trip. A search with words runs each time: its many variants would
 * only push the other copies out.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/parse.h"
#include "lib/tmpl.h"
#include "web/http.h"
#include "web/model.h"
#include "web/pages/disclosures/disclosures.h"

#define PAGE_SIZE 20

#define READ_UNTIL_LOG_CHANGES ((struct read_policy){ .topics = \
	DB_TOPIC_BIT(DB_TOPIC_DISCLOSURES) | DB_TOPIC_BIT(DB_TOPIC_DISCLOSURE_FILES) | \
	DB_TOPIC_BIT(DB_TOPIC_AGENCIES), .max_age = 0 })

/* A read of the log from the worker's copy (never PQclear()ed). */
static const PGresult *log_read(struct request *req, enum stmt s, int n, const char *const *p)
{
	return db_cached_or_respond(req, s, READ_UNTIL_LOG_CHANGES, n, p);
}
#define Q_MAX_CHARS 100

struct search {
	const char *q, *agency;	/* NULL: not given */
	int year, page;		/* 0: not given; page from 1 */
	const char *q_error, *year_error;
};

static bool digits_only(const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= max && strspn(s, "0123456789") == n;
}

/* The text of query field `name`, trimmed; NULL when absent or blank. */
static const char *query_text(struct request *req, const char *name)
{
	const char *s = fields_get(&req->query, name);
	if (!s)
		return NULL;
	while (*s == ' ')
		s++;
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	return n ? arena_strndup(req->arena, s, n) : NULL;
}

static void read_search(struct request *req, struct search *s)
{
	*s = (struct search){ .page = 1 };
	s->q = query_text(req, "q");
	if (s->q && utf8_length(s->q, strlen(s->q)) > Q_MAX_CHARS) {
		s->q_error = "关键词不能超过100字，请缩短后再查找";
		s->q = NULL;
	}
	s->agency = query_text(req, "agency");
	const char *year = query_text(req, "year");
	if (year && digits_only(year, 4) && atoi(year) >= 2000)
		s->year = atoi(year);
	else if (year)
		s->year_error = "年份应为四位数字，如2026";
	const char *page = query_text(req, "page");
	if (page && digits_only(page, 6) && atoi(page) >= 1)
		s->page = atoi(page);
}

/* One listing as the pages and the API show it. */
static struct json_object *listing(struct request *req, const PGresult *res, int row,
				   const int *col)
{
	struct json_object *m = json_object_new_object();
	const char *id = PQgetvalue(res, row, col[0]);
	json_object_object_add(m, "id", json_object_new_int64(atoll(id)));
	model_add_str(m, "title", PQgetvalue(res, row, col[1]));
	model_add_str(m, "summary", PQgetvalue(res, row, col[2]));
	model_add_str(m, "agency_code", PQgetvalue(res, row, col[3]));
	model_add_str(m, "agency_name", PQgetvalue(res, row, col[4]));
	model_add_str(m, "published_on", PQgetvalue(res, row, col[5]));
	model_add_str(m, "published_at", PQgetvalue(res, row, col[6]));
	char url[64];
	snprintf(url, sizeof url, "/disclosures/%s", id);
	model_add_str(m, "url", url);
	struct json_object *files = json_tokener_parse(PQgetvalue(res, row, col[7]));
	if (!files)
		files = json_object_new_array();
	for (size_t i = 0; i < json_object_array_length(files); i++) {
		struct json_object *f = json_object_array_get_idx(files, i);
		struct json_object *size;
		char file_url[96];
		snprintf(file_url, sizeof file_url, "/disclosures/%s/files/%lld", id,
			 (long long)json_object_get_int64(json_object_object_get(f, "id")));
		model_add_str(f, "url", file_url);
		if (json_object_object_get_ex(f, "size", &size))
			model_add_str(f, "size_text", model_size_text(req->arena,
								      json_object_get_int64(size)));
	}
	model_add_bool(m, "has_files", json_object_array_length(files) > 0);
	json_object_object_add(m, "files", files);
	return m;
}

#define LISTING_COLS(S) (const int[]){ COL(S, id), COL(S, title), COL(S, summary), \
	COL(S, agency_code), COL(S, agency_name), COL(S, published_on), COL(S, published_utc), \
	COL(S, files) }

/* The search form's choices, the current one selected. */
static bool add_choices(struct request *req, struct json_object *m, const struct search *s)
{
	const PGresult *res = log_read(req, STMT_DISCLOSURE_AGENCIES, 0, NULL);
	if (!res)
		return false;
	struct json_object *agencies = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *a = json_object_new_object();
		const char *code = PQgetvalue(res, i, COL(DISCLOSURE_AGENCIES, code));
		model_add_str(a, "code", code);
		model_add_str(a, "name", PQgetvalue(res, i, COL(DISCLOSURE_AGENCIES, name)));
		model_add_bool(a, "selected", s->agency && !strcmp(s->agency, code));
		json_object_array_add(agencies, a);
	}
	json_object_object_add(m, "agencies", agencies);
	res = log_read(req, STMT_DISCLOSURE_YEARS, 0, NULL);
	if (!res)
		return false;
	struct json_object *years = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *y = json_object_new_object();
		int year = atoi(PQgetvalue(res, i, COL(DISCLOSURE_YEARS, year)));
		json_object_object_add(y, "year", json_object_new_int(year));
		model_add_bool(y, "selected", year == s->year);
		json_object_array_add(years, y);
	}
	json_object_object_add(m, "years", years);
	return true;
}

/* The link to page `page` of the same search. */
static const char *page_link(struct request *req, const struct search *s, int page)
{
	struct buf b = BUF_INIT;
	buf_puts(&b, "/disclosures?");
	if (s->q) {
		buf_puts(&b, "q=");
		buf_put_url_component(&b, s->q);
		buf_putc(&b, '&');
	}
	if (s->agency) {
		buf_puts(&b, "agency=");
		buf_put_url_component(&b, s->agency);
		buf_putc(&b, '&');
	}
	char tail[48];
	if (s->year)
		snprintf(tail, sizeof tail, "year=%d&page=%d", s->year, page);
	else
		snprintf(tail, sizeof tail, "page=%d", page);
	buf_puts(&b, tail);
	const char *out = arena_strdup(req->arena, buf_str(&b));
	buf_free(&b);
	return out;
}

static void add_pages(struct request *req, struct json_object *m, const struct search *s,
		      long long total)
{
	int pages = total ? (int)((total + PAGE_SIZE - 1) / PAGE_SIZE) : 1;
	json_object_object_add(m, "total", json_object_new_int64(total));
	json_object_object_add(m, "page", json_object_new_int(s->page));
	json_object_object_add(m, "pages", json_object_new_int(pages));
	if (s->page > 1)
		model_add_str(m, "prev_url", page_link(req, s, s->page - 1));
	if (s->page < pages)
		model_add_str(m, "next_url", page_link(req, s, s->page + 1));
}

static void disclosures(struct request *req, bool page)
{
	struct search s;
	read_search(req, &s);
	char year[8], limit[8], offset[24];
	snprintf(year, sizeof year, "%d", s.year);
	snprintf(limit, sizeof limit, "%d", PAGE_SIZE);
	snprintf(offset, sizeof offset, "%lld", (long long)(s.page - 1) * PAGE_SIZE);
	const char *p[] = { s.q, s.agency, s.year ? year : NULL, limit, offset };
	PGresult *run = s.q ? db_exec_or_respond(req, req->db, STMT_DISCLOSURE_SEARCH, 5, p) : NULL;
	const PGresult *res = s.q ? run : log_read(req, STMT_DISCLOSURE_SEARCH, 5, p);
	if (!res)
		return;
	struct json_object *m = json_object_new_object();
	struct json_object *items = json_object_new_array();
	long long total = PQntuples(res) ? atoll(PQgetvalue(res, 0, COL(DISCLOSURE_SEARCH, total)))
					 : 0;
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(items, listing(req, res, i, LISTING_COLS(DISCLOSURE_SEARCH)));
	PQclear(run);
	json_object_object_add(m, "disclosures", items);
	model_add_str(m, "q", s.q);
	model_add_str(m, "agency", s.agency);
	if (s.year)
		json_object_object_add(m, "year", json_object_new_int(s.year));
	if (s.q_error || s.year_error) {
		struct json_object *errors = json_object_new_object();
		model_add_str(errors, "q", s.q_error);
		model_add_str(errors, "year", s.year_error);
		json_object_object_add(m, "errors", errors);
		model_add_str(m, "q_input", fields_get(&req->query, "q"));
		model_add_str(m, "year_input", fields_get(&req->query, "year"));
	}
	add_pages(req, m, &s, total);
	if (!add_choices(req, m, &s)) {
		json_object_put(m);
		return;
	}
	if (page)
		model_add_str(m, "title", "政府信息公开目录");
	respond(req, 200, page ? "disclosures" : NULL, m);
}

void page_disclosures(struct request *req)
{
	disclosures(req, true);
}

void page_api_disclosures(struct request *req)
{
	disclosures(req, false);
}

static void disclosure(struct request *req, bool page)
{
	char id[32];
	if (!route_capture(&req->match, "id", id, sizeof id) || !digits_only(id, 18)) {
		respond_error(req, 404, "没有这条公开信息");
		return;
	}
	const PGresult *res = log_read(req, STMT_DISCLOSURE_GET, 1, (const char *[]){ id });
	if (!res)
		return;
	if (PQntuples(res) != 1) {
		respond_error(req, 404, "没有这条公开信息");
		return;
	}
	struct json_object *m = listing(req, res, 0, LISTING_COLS(DISCLOSURE_GET));
	respond(req, 200, page ? "disclosure" : NULL, m);
}

void page_disclosure(struct request *req)
{
	disclosure(req, true);
}

void page_api_disclosure(struct request *req)
{
	disclosure(req, false);
}

/* RFC 4287: the feed's and each entry's id is the page's absolute URL,
 * updated the newest publication (or the epoch for an empty log). */
void page_disclosures_atom(struct request *req)
{
	const PGresult *res = log_read(req, STMT_DISCLOSURE_FEED, 0, NULL);
	if (!res)
		return;
	struct json_object *m = json_object_new_object();
	struct json_object *entries = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(entries, listing(req, res, i, LISTING_COLS(DISCLOSURE_FEED)));
	model_add_str(m, "updated", PQntuples(res) ? PQgetvalue(res, 0,
			COL(DISCLOSURE_FEED, published_utc)) : "1970-01-01T00:00:00Z");
	json_object_object_add(m, "entries", entries);
	model_add_str(m, "origin", http_site_origin(req));
	model_add_str(m, "site_name", req->app->config.site_name);
	struct buf *out = &req->worker->out;
	buf_reset(out);
	char err[256];
	bool ok = tmpl_render(req->app->templates, "disclosures_atom", m, out, err, sizeof err);
	json_object_put(m);
	if (!ok) {
		buf_reset(out);
		respond_error(req, 500, NULL);
		return;
	}
	http_header(req, "Content-Type", "application/atom+xml; charset=utf-8");
	req->status = 200;
	req->responded = true;
}
