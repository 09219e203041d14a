/* read_cache: a worker's copies of rarely changing reads (read_cache.h). */
#include "core/read_cache.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/per_thread.h"

struct entry {
	const struct db *db;
	enum stmt stmt;
	char *key;		/* the parameters (params_key); NULL: a free slot */
	PGresult *res;
	unsigned long generation[DB_TOPICS];	/* of the db's topics when read */
	time_t fetched;
	unsigned long last_used;
};

struct cache {
	struct entry entries[READ_CACHE_ENTRIES];
	unsigned long clock;		/* counts look-ups: the LRU order */
	PGresult **retired;		/* replaced during this request */
	size_t nretired, cap;
};


static void free_retired(struct cache *c)
{
	for (size_t i = 0; i < c->nretired; i++)
		PQclear(c->retired[i]);
	c->nretired = 0;
}

static void cache_free(void *p)
{
	struct cache *c = p;
	if (!c)
		return;
	for (int i = 0; i < READ_CACHE_ENTRIES; i++) {
		free(c->entries[i].key);
		PQclear(c->entries[i].res);
	}
	free_retired(c);
	free(c->retired);
	free(c);
}

static struct per_thread caches = PER_THREAD_INIT(sizeof(struct cache), cache_free);

static struct cache *this_thread(void)
{
	return per_thread_get(&caches);
}

/* Kept until the next request: a page may still hold it. */
static void retire(struct cache *c, PGresult *res)
{
	if (!res)
		return;
	if (c->nretired == c->cap) {
		c->cap = c->cap ? 2 * c->cap : 8;
		c->retired = realloc(c->retired, c->cap * sizeof *c->retired);
		if (!c->retired)
			abort();
	}
	c->retired[c->nretired++] = res;
}

/* The parameters as one string: each one's length, then its bytes, so
 * that no two lists of parameters give the same key (NULL is length -1). */
static char *params_key(int nparams, const char *const *params)
{
	size_t len = 1;
	for (int i = 0; i < nparams; i++)
		len += 12 + (params[i] ? strlen(params[i]) : 0);
	char *key = malloc(len), *p = key;
	if (!key)
		abort();
	*p = '\0';
	for (int i = 0; i < nparams; i++) {
		int n = params[i] ? (int)strlen(params[i]) : -1;
		p += sprintf(p, "%d:", n);
		if (n > 0) {
			memcpy(p, params[i], (size_t)n);
			p += n;
			*p = '\0';
		}
	}
	return key;
}

static bool still_good(const struct entry *e, const struct db *db, struct read_policy policy,
		       time_t now)
{
	for (int t = 0; t < DB_TOPICS; t++) {
		if ((policy.topics & DB_TOPIC_BIT(t)) &&
		    e->generation[t] != db->topic_generation[t])
			return false;
	}
	return policy.max_age <= 0 || now - e->fetched < policy.max_age;
}

static struct entry *find(struct cache *c, const struct db *db, enum stmt s, const char *key)
{
	for (int i = 0; i < READ_CACHE_ENTRIES; i++) {
		struct entry *e = &c->entries[i];
		if (e->key && e->db == db && e->stmt == s && !strcmp(e->key, key))
			return e;
	}
	return NULL;
}

/* A free slot, or the least recently used one emptied. */
static struct entry *slot_for_new(struct cache *c)
{
	struct entry *lru = &c->entries[0];
	for (int i = 0; i < READ_CACHE_ENTRIES; i++) {
		struct entry *e = &c->entries[i];
		if (!e->key)
			return e;
		if (e->last_used < lru->last_used)
			lru = e;
	}
	free(lru->key);
	lru->key = NULL;
	retire(c, lru->res);
	lru->res = NULL;
	return lru;
}

const PGresult *read_cached(struct db *db, enum stmt s, struct read_policy policy,
			    int nparams, const char *const *params, bool *fresh)
{
	struct cache *c = this_thread();
	if (!db->listens || !db_ready(db)) {
		/* Nothing would tell it of a change (the command line, or a
		 * connection that is down: what changes meanwhile is never
		 * announced to it): no copy is served, the read runs — and fails
		 * while the database is away, as any page's would. */
		PGresult *res = db_exec(db, s, nparams, params);
		if (fresh)
			*fresh = true;
		retire(c, res);
		return res;
	}
	time_t now = time(NULL);
	char *key = params_key(nparams, params);
	struct entry *e = find(c, db, s, key);
	bool good = e && still_good(e, db, policy, now);
	if (fresh)
		*fresh = !good;
	if (good) {
		free(key);
		e->last_used = ++c->clock;
		return e->res;
	}
	PGresult *res = db_exec(db, s, nparams, params);
	if (!db_ok(res)) {
		free(key);
		retire(c, res);
		return res;
	}
	if (!e)
		e = slot_for_new(c);
	else
		retire(c, e->res);
	free(e->key);
	*e = (struct entry){ .db = db, .stmt = s, .key = key, .res = res, .fetched = now,
			     .last_used = ++c->clock };
	memcpy(e->generation, db->topic_generation, sizeof e->generation);
	return res;
}

void read_cache_begin(void)
{
	free_retired(this_thread());
}

void read_cache_release(void)
{
	per_thread_release(&caches);
}
