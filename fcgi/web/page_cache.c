/* page_cache: a worker's rendered copies of token-only pages (page_cache.h). */
#include "web/page_cache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "lib/per_thread.h"
#include "web/http.h"

/*
 * A kept page: its HTML with the placeholders cut out, as pieces; between
 * piece i and piece i + 1 goes token slot_after[i].
 */
struct page {
	char *key;		/* NULL: a free entry */
	unsigned long app_serial;
	unsigned topics;
	unsigned long generation[DB_TOPICS];
	char *html;		/* the pieces, one after another */
	size_t *piece_end;	/* where piece i ends in html */
	unsigned char *slot_after;
	size_t npieces;
	unsigned long last_used;
	char *version;		/* a JSON answer's (NULL: an HTML page) */
	time_t made;
};

struct pages {
	struct page entries[PAGE_CACHE_ENTRIES];
	unsigned long clock;
};

/* Control characters no template, agency name or label holds (the
 * renderer leaves them as they are), so a placeholder is found only
 * where a token field was rendered. */
static const char *const slots[PAGE_CACHE_SLOTS] = {
	"\x01ysqgk-slot-0\x02", "\x01ysqgk-slot-1\x02", "\x01ysqgk-slot-2\x02", "\x01ysqgk-slot-3\x02",
};

const char *page_cache_slot(size_t i)
{
	return i < PAGE_CACHE_SLOTS ? slots[i] : "";
}

static void page_clear(struct page *p)
{
	free(p->key);
	free(p->html);
	free(p->piece_end);
	free(p->slot_after);
	free(p->version);
	memset(p, 0, sizeof *p);
}

static void pages_free(void *v)
{
	struct pages *c = v;
	if (!c)
		return;
	for (int i = 0; i < PAGE_CACHE_ENTRIES; i++)
		page_clear(&c->entries[i]);
	free(c);
}

static struct per_thread caches = PER_THREAD_INIT(sizeof(struct pages), pages_free);

/* A token a template would write unchanged: base64url. */
static bool token_plain(const char *t)
{
	if (!t)
		return false;
	for (; *t; t++)
		if (!((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z') ||
		      (*t >= '0' && *t <= '9') || *t == '-' || *t == '_'))
			return false;
	return true;
}

static bool tokens_plain(const char *const *tokens, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!token_plain(tokens[i]))
			return false;
	return n <= PAGE_CACHE_SLOTS;
}

static bool page_current(const struct page *p, const struct request *req)
{
	if (p->app_serial != req->app->serial)
		return false;
	for (int t = 0; t < DB_TOPICS; t++)
		if ((p->topics & DB_TOPIC_BIT(t)) && p->generation[t] != req->db->topic_generation[t])
			return false;
	return true;
}

/* The page written with its tokens, as the answer. */
static void write_page(struct request *req, const struct page *p, const char *const *tokens)
{
	struct buf *out = &req->worker->out;
	size_t start = 0;
	buf_reset(out);
	for (size_t i = 0; i < p->npieces; i++) {
		buf_append(out, p->html + start, p->piece_end[i] - start);
		start = p->piece_end[i];
		if (i + 1 < p->npieces)
			buf_puts(out, tokens[p->slot_after[i]]);
	}
	http_header(req, "Content-Type", "text/html; charset=utf-8");
	req->status = 200;
	req->responded = true;
}

bool page_cache_serve(struct request *req, const char *key, unsigned topics,
		      const char *const *tokens, size_t ntokens)
{
	/* Only a database that is there and listening tells of changes. */
	if (req->wants_json || !db_ready(req->db) || !tokens_plain(tokens, ntokens))
		return false;
	struct pages *c = per_thread_get(&caches);
	for (int i = 0; i < PAGE_CACHE_ENTRIES; i++) {
		struct page *p = &c->entries[i];
		if (p->key && !p->version && p->topics == topics && !strcmp(p->key, key) &&
		    page_current(p, req)) {
			p->last_used = ++c->clock;
			write_page(req, p, tokens);
			return true;
		}
	}
	return false;
}

/* The first placeholder at or after s: its slot in *slot, NULL if none. */
static const char *next_slot(const char *s, const char *end, size_t ntokens, size_t *slot)
{
	for (const char *at = memchr(s, '\x01', (size_t)(end - s)); at;
	     at = memchr(at + 1, '\x01', (size_t)(end - at - 1))) {
		for (size_t i = 0; i < ntokens; i++) {
			size_t len = strlen(slots[i]);
			if ((size_t)(end - at) >= len && !memcmp(at, slots[i], len)) {
				*slot = i;
				return at;
			}
		}
	}
	return NULL;
}

/* Cuts the rendered page (with placeholders) into p; false when it holds
 * no placeholder at all (nothing to keep: the template changed). */
static bool page_cut(struct page *p, const char *html, size_t len, size_t ntokens)
{
	const char *end = html + len;
	size_t n = 1;
	size_t slot;
	for (const char *at = next_slot(html, end, ntokens, &slot); at;
	     at = next_slot(at + strlen(slots[slot]), end, ntokens, &slot))
		n++;
	if (n == 1)
		return false;
	p->html = malloc(len + 1);
	p->piece_end = malloc(n * sizeof *p->piece_end);
	p->slot_after = malloc(n);
	if (!p->html || !p->piece_end || !p->slot_after)
		return false;
	size_t written = 0;
	const char *from = html;
	p->npieces = 0;
	for (const char *at = next_slot(html, end, ntokens, &slot); at;
	     at = next_slot(from, end, ntokens, &slot)) {
		memcpy(p->html + written, from, (size_t)(at - from));
		written += (size_t)(at - from);
		p->slot_after[p->npieces] = (unsigned char)slot;
		p->piece_end[p->npieces++] = written;
		from = at + strlen(slots[slot]);
	}
	memcpy(p->html + written, from, (size_t)(end - from));
	written += (size_t)(end - from);
	p->piece_end[p->npieces++] = written;
	return true;
}

static struct page *entry_to_fill(struct pages *c)
{
	struct page *oldest = &c->entries[0];
	for (int i = 0; i < PAGE_CACHE_ENTRIES; i++) {
		if (!c->entries[i].key)
			return &c->entries[i];
		if (c->entries[i].last_used < oldest->last_used)
			oldest = &c->entries[i];
	}
	page_clear(oldest);
	return oldest;
}

void page_cache_respond(struct request *req, const char *key, unsigned topics,
			const char *template, struct json_object *model,
			const char *const *tokens, size_t ntokens)
{
	respond(req, 200, template, model);
	if (req->status != 200 || req->wants_json || !tokens_plain(tokens, ntokens))
		return;
	struct pages *c = per_thread_get(&caches);
	struct page *p = entry_to_fill(c);
	const struct buf *out = &req->worker->out;
	if (!page_cut(p, out->data, out->len, ntokens) || !(p->key = strdup(key))) {
		page_clear(p);
		/* Rendered with placeholders and not kept: the page in full. */
		struct page once = { 0 };
		if (page_cut(&once, out->data, out->len, ntokens))
			write_page(req, &once, tokens);
		page_clear(&once);
		return;
	}
	p->app_serial = req->app->serial;
	p->topics = topics;
	memcpy(p->generation, req->db->topic_generation, sizeof p->generation);
	p->last_used = ++c->clock;
	write_page(req, p, tokens);
}

/* ---- JSON answers ------------------------------------------------------------------ */

/* The JSON copy under key that may still serve, whatever its version. */
static struct page *json_kept(struct request *req, const char *key, unsigned topics,
			      int max_age)
{
	if (!req->wants_json || !db_ready(req->db))
		return NULL;
	struct pages *c = per_thread_get(&caches);
	time_t now = time(NULL);
	for (int i = 0; i < PAGE_CACHE_ENTRIES; i++) {
		struct page *p = &c->entries[i];
		if (p->key && p->version && p->topics == topics && !strcmp(p->key, key)) {
			if (page_current(p, req) && now >= p->made && now - p->made <= max_age)
				return p;
			page_clear(p);
			return NULL;
		}
	}
	return NULL;
}

bool page_cache_kept(struct request *req, const char *key, unsigned topics, int max_age)
{
	return json_kept(req, key, topics, max_age) != NULL;
}

bool page_cache_serve_json(struct request *req, const char *key, const char *version,
			   unsigned topics, int max_age)
{
	struct page *p = json_kept(req, key, topics, max_age);
	if (!p || strcmp(p->version, version))
		return false;
	struct pages *c = per_thread_get(&caches);
	p->last_used = ++c->clock;
	struct buf *out = &req->worker->out;
	buf_reset(out);
	buf_append(out, p->html, p->piece_end[0]);
	http_header(req, "Content-Type", "application/json; charset=utf-8");
	req->status = 200;
	req->responded = true;
	return true;
}

void page_cache_respond_json(struct request *req, const char *key, const char *version,
			     unsigned topics, struct json_object *model)
{
	respond(req, 200, NULL, model);
	if (req->status != 200 || !req->wants_json || !version || !db_ready(req->db))
		return;
	struct pages *c = per_thread_get(&caches);
	/* One copy a key: the one of an older version goes. */
	struct page *p = json_kept(req, key, topics, 0x7fffffff);
	if (p)
		page_clear(p);
	else
		p = entry_to_fill(c);
	const struct buf *out = &req->worker->out;
	p->key = strdup(key);
	p->version = strdup(version);
	p->html = malloc(out->len + 1);
	p->piece_end = malloc(sizeof *p->piece_end);
	if (!p->key || !p->version || !p->html || !p->piece_end) {
		page_clear(p);
		return;
	}
	memcpy(p->html, out->data, out->len);
	p->piece_end[0] = out->len;
	p->npieces = 1;
	p->topics = topics;
	p->app_serial = req->app->serial;
	memcpy(p->generation, req->db->topic_generation, sizeof p->generation);
	p->made = time(NULL);
	p->last_used = ++c->clock;
}
