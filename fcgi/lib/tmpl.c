/*
 * tmpl: Mustache templates over json-c values.
 *
 * Parsing runs in three passes over one template source:
 *   1. scan: split the source into text and tag tokens, applying set
 *      delimiters as they come (so the tree never sees a delimiter);
 *   2. mark: find standalone lines and drop their blanks and line end;
 *   3. build: turn the tokens into a tree of nodes, allocated from the
 *      set's arena, and re-indent inheritance blocks.
 * Rendering walks the tree. The context stack, the indentation of partials
 * and the chain of parent calls live in structs on the C stack, so a render
 * allocates nothing but the growth of the output buffer.
 *
 * This file keeps the set and loads templates from files; tmpl_parse.c
 * and tmpl_render.c hold the two halves named above.
 */
#include "lib/tmpl.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/tmpl_internal.h"

/* ---------------------------------------------------------------- set */

static size_t hash_name(const char *s)
{
	size_t h = 2166136261u;	/* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

struct tmpl *tmpl_set_find(const struct tmpl_set *set, const char *name)
{
	if (!set->nbuckets)
		return NULL;
	struct tmpl *t = set->buckets[hash_name(name) & (set->nbuckets - 1)];
	while (t && strcmp(t->name, name) != 0)
		t = t->next;
	return t;
}

static void set_grow(struct tmpl_set *set)
{
	size_t n = set->nbuckets ? set->nbuckets * 2 : 16;
	struct tmpl **b = calloc(n, sizeof *b);
	if (!b)
		abort();
	for (size_t i = 0; i < set->nbuckets; i++) {
		for (struct tmpl *t = set->buckets[i], *next; t; t = next) {
			next = t->next;
			size_t h = hash_name(t->name) & (n - 1);
			t->next = b[h];
			b[h] = t;
		}
	}
	free(set->buckets);
	set->buckets = b;
	set->nbuckets = n;
}

/* The old template's memory stays in the arena until the set is freed:
 * replacing is rare (reloads), and it keeps every node in one arena. */
void tmpl_set_put(struct tmpl_set *set, const char *name, struct node *root)
{
	struct tmpl *t = tmpl_set_find(set, name);
	if (t) {
		t->root = root;
		return;
	}
	if (set->count + 1 > set->nbuckets)
		set_grow(set);
	t = arena_alloc(&set->arena, sizeof *t);
	t->name = arena_strdup(&set->arena, name);
	t->root = root;
	size_t h = hash_name(name) & (set->nbuckets - 1);
	t->next = set->buckets[h];
	set->buckets[h] = t;
	set->count++;
}

struct tmpl_set *tmpl_set_new(void)
{
	struct tmpl_set *set = calloc(1, sizeof *set);
	if (!set)
		abort();
	return set;
}

void tmpl_set_free(struct tmpl_set *set)
{
	if (!set)
		return;
	arena_free(&set->arena);
	free(set->buckets);
	free(set);
}

bool tmpl_set_has(const struct tmpl_set *set, const char *name)
{
	return tmpl_set_find(set, name) != NULL;
}

/* ------------------------------------------------------------- files */

void tmpl_errf(char *err, size_t errlen, const char *fmt, ...)
{
	if (!err || !errlen)
		return;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool read_file(const char *path, struct buf *out, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		tmpl_errf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(out, chunk, n);
	bool ok = !ferror(f);
	if (!ok)
		tmpl_errf(err, errlen, "%s: read error", path);
	fclose(f);
	return ok;
}

static bool add_file(struct tmpl_set *set, const char *name, const char *path,
		     char *err, size_t errlen)
{
	struct buf src = BUF_INIT;
	bool ok = read_file(path, &src, err, errlen) &&
		  tmpl_set_add(set, name, path, buf_str(&src), src.len, err, errlen);
	buf_free(&src);
	return ok;
}

/* dst = a/b + ext; false when that does not fit. */
static bool join_path(char *dst, size_t size, const char *a, const char *b,
		      const char *ext)
{
	int n = snprintf(dst, size, "%s/%s%s", a, b, ext);
	return n >= 0 && (size_t)n < size;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

#define TMPL_EXT ".mustache"

/* Loads dir/rel recursively; rel is "" or ends with '/'. */
static bool load_tree(struct tmpl_set *set, const char *dir, const char *rel,
		      char *err, size_t errlen)
{
	char path[PATH_MAX];
	if (!join_path(path, sizeof path, dir, rel, "")) {
		tmpl_errf(err, errlen, "%s/%s: path too long", dir, rel);
		return false;
	}
	DIR *d = opendir(path);
	if (!d) {
		tmpl_errf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	bool ok = true;
	struct dirent *e;
	while (ok && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;	/* ".", "..", hidden files, editor swap files */
		char name[PATH_MAX], file[PATH_MAX];
		int n = snprintf(name, sizeof name - 1, "%s%s", rel, e->d_name);
		struct stat st;
		if (n < 0 || (size_t)n >= sizeof name - 1 ||
		    !join_path(file, sizeof file, dir, name, "") ||
		    stat(file, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			strcat(name, "/");	/* room kept above */
			ok = load_tree(set, dir, name, err, errlen);
		} else if (S_ISREG(st.st_mode) && ends_with(name, TMPL_EXT)) {
			name[strlen(name) - strlen(TMPL_EXT)] = '\0';
			ok = add_file(set, name, file, err, errlen);
		}
	}
	closedir(d);
	return ok;
}

struct tmpl_set *tmpl_set_load_dir(const char *dir, char *err, size_t errlen)
{
	struct tmpl_set *set = tmpl_set_new();
	if (!load_tree(set, dir, "", err, errlen)) {
		tmpl_set_free(set);
		return NULL;
	}
	return set;
}

/* Names of partials and parents the set refers to but does not hold. */
struct names {
	char **v;
	size_t n, cap;
};

static bool names_has(const struct names *ns, const char *name)
{
	for (size_t i = 0; i < ns->n; i++) {
		if (strcmp(ns->v[i], name) == 0)
			return true;
	}
	return false;
}

static void names_add(struct names *ns, char *name)
{
	if (names_has(ns, name))
		return;
	if (ns->n == ns->cap) {
		ns->cap = ns->cap ? ns->cap * 2 : 8;
		ns->v = realloc(ns->v, ns->cap * sizeof *ns->v);
		if (!ns->v)
			abort();
	}
	ns->v[ns->n++] = name;
}

static void collect_missing(const struct tmpl_set *set, const struct node *n,
			    struct names *out)
{
	for (; n; n = n->next) {
		if ((n->kind == N_PARTIAL || n->kind == N_PARENT) &&
		    !tmpl_set_find(set, n->text))
			names_add(out, n->text);
		collect_missing(set, n->kids, out);
	}
}

static bool safe_name(const char *name)
{
	if (name[0] == '/')
		return false;
	for (const char *s = name; *s; s++) {
		if (s[0] == '.' && s[1] == '.' && (s == name || s[-1] == '/') &&
		    (s[2] == '/' || s[2] == '\0'))
			return false;
	}
	return true;
}

/* Tries dir/name.mustache, then dir/name. *found tells whether either exists. */
static bool load_partial(struct tmpl_set *set, const char *dir, const char *name,
			 bool *found, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	*found = false;
	if (!safe_name(name))
		return true;
	if (!join_path(path, sizeof path, dir, name, TMPL_EXT) ||
	    stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (!join_path(path, sizeof path, dir, name, "") ||
		    stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			return true;
	}
	*found = true;
	return add_file(set, name, path, err, errlen);
}

/* Loads, transitively, every partial and parent the set names from dir. */
static bool load_referenced(struct tmpl_set *set, const char *dir, char *err,
			    size_t errlen)
{
	struct names absent = { 0 };
	bool ok = true, added = true;
	while (ok && added) {
		struct names wanted = { 0 };
		for (size_t i = 0; i < set->nbuckets; i++) {
			for (const struct tmpl *t = set->buckets[i]; t; t = t->next)
				collect_missing(set, t->root, &wanted);
		}
		added = false;
		for (size_t i = 0; ok && i < wanted.n; i++) {
			if (names_has(&absent, wanted.v[i]))
				continue;
			bool found;
			ok = load_partial(set, dir, wanted.v[i], &found, err, errlen);
			if (found)
				added = true;
			else
				names_add(&absent, wanted.v[i]);
		}
		free(wanted.v);
	}
	free(absent.v);
	return ok;
}

bool tmpl_render_file(const char *path, struct json_object *data,
		      struct buf *out, char *err, size_t errlen)
{
	char dir[PATH_MAX], name[PATH_MAX];
	const char *slash = strrchr(path, '/');
	if (slash)
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	else
		snprintf(dir, sizeof dir, ".");
	if (slash && slash == path)
		snprintf(dir, sizeof dir, "/");
	snprintf(name, sizeof name, "%s", slash ? slash + 1 : path);
	if (ends_with(name, TMPL_EXT) && strlen(name) > strlen(TMPL_EXT))
		name[strlen(name) - strlen(TMPL_EXT)] = '\0';

	struct tmpl_set *set = tmpl_set_new();
	bool ok = add_file(set, name, path, err, errlen) &&
		  load_referenced(set, dir, err, errlen) &&
		  tmpl_render(set, name, data, out, err, errlen);
	tmpl_set_free(set);
	return ok;
}
