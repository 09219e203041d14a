/* page_cache: a worker's rendered copies of token-only pages (page_cache.h). */
#include "web/page_cache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "lib/per_thread.h"
#include "web/http.h"

/*
 * A kept page: its answer with the placeholders cut out, as pieces;
 * between piece i and piece i + 1 goes token slot_after[i]. A JSON answer
 * is one piece.
 */
struct page {
	char *key;		/* NULL: a free entry */
	char *version;		/* NULL: kept without one */
	bool json;
	unsigned long app_serial;
	unsigned topics;
	unsigned long generation[DB_TOPICS];
	time_t made;
	char *text;		/* the pieces, one after another */
	size_t *piece_end;	/* where piece i ends in text */
	unsigned char *slot_after;
	size_t npieces;
	unsigned long last_used;
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
	free(p->version);
	free(p->text);
	free(p->piece_end);
	free(p->slot_after);
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

/* Drawn from this load of the app and the topics' present state, and
 * young enough. */
static bool page_current(const struct page *p, const struct request *req,
			 const struct page_copy *copy, time_t now)
{
	if (p->app_serial != req->app->serial)
		return false;
	for (int t = 0; t < DB_TOPICS; t++)
		if ((p->topics & DB_TOPIC_BIT(t)) && p->generation[t] != req->db->topic_generation[t])
			return false;
	return !copy->max_age || (now >= p->made && now - p->made <= copy->max_age);
}

/*
 * The copy under copy->key for this kind of answer that may still serve,
 * whatever its version; one gone stale is dropped. Only a database that is
 * there and listening tells of changes: without one nothing is kept.
 */
static struct page *kept(struct request *req, const struct page_copy *copy)
{
	if (!db_ready(req->db))
		return NULL;
	struct pages *c = per_thread_get(&caches);
	for (int i = 0; i < PAGE_CACHE_ENTRIES; i++) {
		struct page *p = &c->entries[i];
		if (p->key && p->json == req->wants_json && p->topics == copy->topics &&
		    !strcmp(p->key, copy->key)) {
			if (page_current(p, req, copy, time(NULL)))
				return p;
			page_clear(p);
			return NULL;
		}
	}
	return NULL;
}

bool page_cache_kept(struct request *req, const struct page_copy *copy)
{
	return kept(req, copy) != NULL;
}

/* The page written with its tokens, as the answer. */
static void write_page(struct request *req, const struct page *p, const char *const *tokens)
{
	struct buf *out = &req->worker->out;
	size_t start = 0;
	buf_reset(out);
	for (size_t i = 0; i < p->npieces; i++) {
		buf_append(out, p->text + start, p->piece_end[i] - start);
		start = p->piece_end[i];
		if (i + 1 < p->npieces)
			buf_puts(out, tokens[p->slot_after[i]]);
	}
	http_header(req, "Content-Type", p->json ? "application/json; charset=utf-8"
						 : "text/html; charset=utf-8");
	req->status = 200;
	req->responded = true;
}

static bool same_version(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : a == b;
}

bool page_cache_serve(struct request *req, const struct page_copy *copy,
		      const char *const *tokens, size_t ntokens)
{
	if (!tokens_plain(tokens, ntokens))
		return false;
	struct page *p = kept(req, copy);
	if (!p || !same_version(p->version, copy->version))
		return false;
	struct pages *c = per_thread_get(&caches);
	p->last_used = ++c->clock;
	write_page(req, p, tokens);
	return true;
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

/* Cuts the answer (with placeholders) into p; false when a page with
 * tokens holds no placeholder at all (nothing to keep: the template
 * changed). */
static bool page_cut(struct page *p, const char *text, size_t len, size_t ntokens)
{
	const char *end = text + len;
	size_t n = 1;
	size_t slot;
	for (const char *at = next_slot(text, end, ntokens, &slot); at;
	     at = next_slot(at + strlen(slots[slot]), end, ntokens, &slot))
		n++;
	if (n == 1 && ntokens)
		return false;
	p->text = malloc(len + 1);
	p->piece_end = malloc(n * sizeof *p->piece_end);
	p->slot_after = malloc(n);
	if (!p->text || !p->piece_end || !p->slot_after)
		return false;
	size_t written = 0;
	const char *from = text;
	p->npieces = 0;
	for (const char *at = next_slot(text, end, ntokens, &slot); at;
	     at = next_slot(from, end, ntokens, &slot)) {
		memcpy(p->text + written, from, (size_t)(at - from));
		written += (size_t)(at - from);
		p->slot_after[p->npieces] = (unsigned char)slot;
		p->piece_end[p->npieces++] = written;
		from = at + strlen(slots[slot]);
	}
	memcpy(p->text + written, from, (size_t)(end - from));
	written += (size_t)(end - from);
	p->piece_end[p->npieces++] = written;
	return true;
}

/* The entry a new copy goes into: the key's old one (one copy a key), a
 * free one, or the least recently used. */
static struct page *entry_to_fill(struct pages *c, const struct request *req,
				  const struct page_copy *copy)
{
	struct page *oldest = &c->entries[0], *free_one = NULL;
	for (int i = 0; i < PAGE_CACHE_ENTRIES; i++) {
		struct page *p = &c->entries[i];
		if (p->key && p->json == req->wants_json && !strcmp(p->key, copy->key)) {
			page_clear(p);
			return p;
		}
		if (!p->key && !free_one)
			free_one = p;
		if (p->last_used < oldest->last_used)
			oldest = p;
	}
	if (free_one)
		return free_one;
	page_clear(oldest);
	return oldest;
}

/* The bytes a thread's copies hold, the newest `spare` kept whatever its size. */
static void keep_within_budget(struct pages *c, const struct page *spare)
{
	for (;;) {
		size_t bytes = 0;
		struct page *oldest = NULL;
		for (int i = 0; i < PAGE_CACHE_ENTRIES; i++) {
			struct page *p = &c->entries[i];
			if (!p->key)
				continue;
			bytes += p->npieces ? p->piece_end[p->npieces - 1] : 0;
			if (p != spare && (!oldest || p->last_used < oldest->last_used))
				oldest = p;
		}
		if (bytes <= PAGE_CACHE_BYTES || !oldest)
			return;
		page_clear(oldest);
	}
}

static bool keep(struct request *req, struct page *p, const struct page_copy *copy,
		 size_t ntokens)
{
	const struct buf *out = &req->worker->out;
	if (!page_cut(p, out->data, out->len, req->wants_json ? 0 : ntokens) ||
	    !(p->key = strdup(copy->key)) ||
	    (copy->version && !(p->version = strdup(copy->version))))
		return false;
	p->json = req->wants_json;
	p->app_serial = req->app->serial;
	p->topics = copy->topics;
	memcpy(p->generation, req->db->topic_generation, sizeof p->generation);
	p->made = time(NULL);
	return true;
}

void page_cache_respond(struct request *req, const struct page_copy *copy,
			const char *template, struct json_object *model,
			const char *const *tokens, size_t ntokens)
{
	respond(req, 200, template, model);
	if (req->status != 200 || !db_ready(req->db) || !tokens_plain(tokens, ntokens))
		return;
	struct pages *c = per_thread_get(&caches);
	struct page *p = entry_to_fill(c, req, copy);
	if (!keep(req, p, copy, ntokens)) {
		page_clear(p);
		if (req->wants_json)
			return;
		/* Rendered with placeholders and not kept: the page in full. */
		struct page once = { 0 };
		if (page_cut(&once, req->worker->out.data, req->worker->out.len, ntokens))
			write_page(req, &once, tokens);
		page_clear(&once);
		return;
	}
	p->last_used = ++c->clock;
	write_page(req, p, tokens);
	keep_within_budget(c, p);
}
