/*
 * page_cache: a worker's copies of the answers it gave, for pages that
 * would be the same again but for a few tokens (issue 17).
 *
 * Two kinds of page are kept:
 *
 * - Pages every visitor sees alike but for their tokens: the blank apply
 *   form cost twice the home page, nearly all of it building its json-c
 *   model and rendering 17 KB of template, and differs between visitors
 *   only in its CSRF and submission tokens.
 * - Pages about rows that change (the status look-up, the staff queue),
 *   where the database can say cheaply whether the page would still be the
 *   same: the caller reads a `version` of the rows the page shows — in its
 *   one round trip — and a copy serves only if it was made at the same
 *   version. The version is the whole proof: a copy of such a page is
 *   never served on the strength of its key alone. It must be read before
 *   the page's own reads, so that a copy is never older than its version.
 *
 * A page is rendered once with a placeholder where each token goes; the
 * HTML is kept cut at the placeholders, and each later visit writes the
 * pieces with its own tokens between them: the bytes a full render would
 * give. A JSON answer has no tokens and is kept whole. A copy serves while
 * the app is the same load (templates and settings: a reload makes a new
 * one), the database topics it was drawn from have not changed (core/db.h:
 * the agencies, say) and, where the caller gives a max_age, it is no older
 * than that (for what in it counts from the clock, such as links good for
 * a while). Kept per thread, least recently used first out: nothing
 * shared, nothing locked.
 *
 *	const char *tokens[] = { csrf, submit };
 *	if (page_cache_serve(req, &copy, tokens, 2))
 *		return;
 *	model_add_str(m, "csrf_token", page_cache_slot(0)); …
 *	page_cache_respond(req, &copy, "apply", m, tokens, 2);
 */
#ifndef YSQGK_PAGE_CACHE_H
#define YSQGK_PAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "web/request.h"

/* How many pages a thread keeps, in how many bytes at most (a queue page
 * is ~40 KB), and how many tokens a page may have. */
#define PAGE_CACHE_ENTRIES 64
#define PAGE_CACHE_BYTES (1024 * 1024)
#define PAGE_CACHE_SLOTS 4

/* Which copy: what it is kept under and what it must still match. */
struct page_copy {
	const char *key;
	const char *version;	/* the rows' version, read now; NULL: none */
	unsigned topics;	/* DB_TOPIC_BIT()s it was drawn from */
	int max_age;		/* seconds; 0: no limit */
};

/* The placeholder the model holds where token i goes (i < PAGE_CACHE_SLOTS). */
const char *page_cache_slot(size_t i);

/*
 * Answers with the copy (200: HTML with tokens put in its slots, or JSON
 * when the request wants JSON) when one is kept that still matches.
 * Tokens must be of the characters HTML leaves alone (base64url): other
 * tokens are never served from a copy. False when nothing was sent.
 */
bool page_cache_serve(struct request *req, const struct page_copy *copy,
		      const char *const *tokens, size_t ntokens);

/*
 * Answers 200 with model (ownership taken) — rendered through template,
 * its token fields holding page_cache_slot(i), or as JSON when the request
 * wants JSON — and keeps the answer as page_cache_serve would give it. A
 * page that could not be kept (the render failed, a slot missing) is
 * answered all the same, rendered in full.
 */
void page_cache_respond(struct request *req, const struct page_copy *copy,
			const char *template, struct json_object *model,
			const char *const *tokens, size_t ntokens);

/* Whether a copy under copy->key may still serve, whatever its version:
 * the caller may then read the version alone, not the whole page. */
bool page_cache_kept(struct request *req, const struct page_copy *copy);

#endif
