/*
 * page_cache: a worker's rendered copies of pages that every visitor sees
 * alike but for a few tokens (issue 17). The blank apply form cost twice
 * the home page, nearly all of it building its json-c model and rendering
 * 17 KB of template; the page differs between visitors only in its CSRF
 * and submission tokens.
 *
 * A page is rendered once with a placeholder where each token goes; the
 * HTML is kept cut at the placeholders, and each later visit writes the
 * pieces with its own tokens between them: the bytes a full render would
 * give. A copy serves while the app is the same load (templates and
 * settings: a reload makes a new one) and the database topics it was
 * drawn from have not changed (core/db.h: the agencies, say). Kept per
 * thread, least recently used first out: nothing shared, nothing locked.
 *
 *	const char *tokens[] = { csrf, submit };
 *	if (page_cache_serve(req, key, topics, tokens, 2))
 *		return;
 *	model_add_str(m, "csrf_token", page_cache_slot(0)); …
 *	page_cache_respond(req, key, topics, "apply", m, tokens, 2);
 */
#ifndef YSQGK_PAGE_CACHE_H
#define YSQGK_PAGE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "web/request.h"

/* How many pages a thread keeps, and how many tokens a page may have. */
#define PAGE_CACHE_ENTRIES 64
#define PAGE_CACHE_SLOTS 4

/* The placeholder the model holds where token i goes (i < PAGE_CACHE_SLOTS). */
const char *page_cache_slot(size_t i);

/*
 * Answers with the copy kept under key (200, HTML) with tokens put in its
 * slots, when there is one drawn from this app and these topics' present
 * state (the DB_TOPIC_BIT()s in topics). Tokens must be of the characters
 * HTML leaves alone (base64url): other tokens are never served from a copy.
 * False when nothing was sent.
 */
bool page_cache_serve(struct request *req, const char *key, unsigned topics,
		      const char *const *tokens, size_t ntokens);

/*
 * Renders template with model (ownership taken), whose token fields hold
 * page_cache_slot(i), keeps the page under key and answers it as
 * page_cache_serve would. A page that could not be kept (the render
 * failed, a slot missing) is answered all the same, rendered in full.
 */
void page_cache_respond(struct request *req, const char *key, unsigned topics,
			const char *template, struct json_object *model,
			const char *const *tokens, size_t ntokens);

/*
 * JSON answers are kept too, whole (the status look-up, issue 17), where
 * the database can say cheaply whether the answer would still be the same:
 * the caller reads that `version` in a round trip it makes anyway and a
 * copy serves only if it was made at the same version, the topics have not
 * changed and it is at most max_age seconds old (for what in it counts from
 * the clock, such as links good for a while). The version is the whole
 * proof: a copy is never served on the strength of its key alone.
 *
 *	if (page_cache_kept(req, key, topics, age))
 *		… read the version alone …
 *	if (version && page_cache_serve_json(req, key, version, topics, age))
 *		return;
 *	… read and build the model …
 *	page_cache_respond_json(req, key, version, topics, model);
 */

/* Whether a JSON copy under key may still serve (its version unknown yet). */
bool page_cache_kept(struct request *req, const char *key, unsigned topics, int max_age);

/* Answers (200) with the JSON copy under key made at version; false when
 * there is none good, nothing sent. */
bool page_cache_serve_json(struct request *req, const char *key, const char *version,
			   unsigned topics, int max_age);

/* Answers 200 with model (ownership taken) as JSON, and keeps the answer
 * under key at version. */
void page_cache_respond_json(struct request *req, const char *key, const char *version,
			     unsigned topics, struct json_object *model);

#endif
