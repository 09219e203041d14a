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
 */
#include "lib/tmpl.h"
#include "lib/arena.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum node_kind {
	N_TEXT,
	N_VAR,		/* {{name}}: HTML-escaped */
	N_RAW,		/* {{{name}}}, {{&name}} */
	N_SECTION,	/* {{#name}} */
	N_INVERTED,	/* {{^name}} */
	N_PARTIAL,	/* {{>name}} */
	N_PARENT,	/* {{<name}}: kids are the argument blocks */
	N_BLOCK,	/* {{$name}}: kids are the default (or argument) content */
};

struct node {
	enum node_kind kind;
	bool standalone;	/* partial, parent, block: opening line was standalone */
	bool close_standalone;	/* block: closing line was standalone */
	bool pair_line;		/* block: opened and closed on one standalone line,
				 * whose line break went with it */
	bool intrinsic;		/* block: content was dedented by its own indentation */
	char *text;		/* N_TEXT: the text; partial/parent/block: the name */
	size_t len;
	/* Partial, parent: the standalone line's blanks. Block: the
	 * indentation its content gets where it is expanded. */
	const char *indent;
	size_t indent_len;
	char **parts;		/* variables and sections: the dotted name split */
	unsigned nparts;	/* 0 for the implicit iterator "." */
	struct node *kids;
	struct node *next;
};

struct tmpl {
	char *name;
	struct node *root;
	struct tmpl *next;	/* in its hash bucket */
};

struct tmpl_set {
	struct arena arena;	/* every template, node and string of the set */
	struct tmpl **buckets;
	size_t nbuckets;
	size_t count;
};

/* ---------------------------------------------------------------- set */

static size_t hash_name(const char *s)
{
	size_t h = 2166136261u;	/* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static struct tmpl *set_find(const struct tmpl_set *set, const char *name)
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
static void set_put(struct tmpl_set *set, const char *name, struct node *root)
{
	struct tmpl *t = set_find(set, name);
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
	return set_find(set, name) != NULL;
}

/* ------------------------------------------------------------- tokens */

enum tok_kind {
	T_TEXT, T_VAR, T_RAW, T_SECTION, T_INVERTED, T_CLOSE, T_COMMENT,
	T_DELIM, T_PARTIAL, T_PARENT, T_BLOCK,
};

struct token {
	enum tok_kind kind;
	bool removed;		/* blanks or line end of a standalone line */
	bool standalone;	/* a tag alone (with other tags) on its line */
	unsigned line;		/* 1-based line of the token's start */
	unsigned group;		/* which source line it belongs to */
	const char *s;		/* text, or the tag's trimmed content */
	size_t len;
	size_t start, end;	/* offsets in the source */
	size_t ws_start, ws_len; /* standalone: the line's leading blanks */
	size_t line_end;	/* standalone: offset just past its line */
};

struct parser {
	struct tmpl_set *set;
	const char *src;	/* the arena's copy of the source */
	size_t len;
	const char *file;
	char *err;
	size_t errlen;
	struct token *toks;
	size_t ntoks, captoks;
};

static bool fail(struct parser *p, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static bool fail(struct parser *p, unsigned line, const char *fmt, ...)
{
	if (!p->err || !p->errlen)
		return false;
	int n = snprintf(p->err, p->errlen, "%s:%u: ", p->file, line);
	if (n < 0 || (size_t)n >= p->errlen)
		return false;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static struct token *push_token(struct parser *p, enum tok_kind kind,
				unsigned line, size_t start, size_t end)
{
	if (p->ntoks == p->captoks) {
		p->captoks = p->captoks ? p->captoks * 2 : 64;
		p->toks = realloc(p->toks, p->captoks * sizeof *p->toks);
		if (!p->toks)
			abort();
	}
	struct token *t = &p->toks[p->ntoks++];
	memset(t, 0, sizeof *t);
	t->kind = kind;
	t->line = line;
	t->start = start;
	t->end = end;
	t->s = p->src + start;
	t->len = end - start;
	return t;
}

/* Text becomes one token per line piece, so a line end always ends a token. */
static void push_text(struct parser *p, size_t from, size_t to, unsigned *line)
{
	while (from < to) {
		const char *nl = memchr(p->src + from, '\n', to - from);
		size_t end = nl ? (size_t)(nl - p->src) + 1 : to;
		push_token(p, T_TEXT, *line, from, end);
		if (nl)
			(*line)++;
		from = end;
	}
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
	while (*len && (is_blank(**s) || **s == '\n' || **s == '\r')) {
		(*s)++;
		(*len)--;
	}
	while (*len && (is_blank((*s)[*len - 1]) || (*s)[*len - 1] == '\n' ||
			(*s)[*len - 1] == '\r'))
		(*len)--;
}

static unsigned count_lines(const char *s, size_t len)
{
	unsigned n = 0;
	for (size_t i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

static enum tok_kind sigil_kind(char c)
{
	switch (c) {
	case '{': case '&': return T_RAW;
	case '#': return T_SECTION;
	case '^': return T_INVERTED;
	case '/': return T_CLOSE;
	case '!': return T_COMMENT;
	case '=': return T_DELIM;
	case '>': return T_PARTIAL;
	case '<': return T_PARENT;
	case '$': return T_BLOCK;
	default: return T_VAR;
	}
}

/*
 * Finds where the tag's content ends: at the closing delimiter, which for
 * {{{name}}} and {{=a b=}} must be preceded by '}' or '='. Returns the
 * offset of the closing delimiter, or SIZE_MAX.
 */
static size_t find_close(const struct parser *p, size_t from, const char *ctag,
			 size_t clen, char before)
{
	size_t at = from;
	while (at < p->len) {
		const char *c = memmem(p->src + at, p->len - at, ctag, clen);
		if (!c)
			return SIZE_MAX;
		size_t off = (size_t)(c - p->src);
		if (!before || (off > from && p->src[off - 1] == before))
			return off;
		at = off + 1;
	}
	return SIZE_MAX;
}

/* "{{=<% %>=}}": two blank-separated delimiters, without blanks or '='. */
static bool parse_delims(const char *s, size_t len, const char **o, size_t *olen,
			 const char **c, size_t *clen)
{
	trim(&s, &len);
	size_t i = 0;
	while (i < len && !is_blank(s[i]))
		i++;
	*o = s;
	*olen = i;
	while (i < len && is_blank(s[i]))
		i++;
	*c = s + i;
	*clen = len - i;
	if (!*olen || !*clen || memchr(*o, '=', *olen) || memchr(*c, '=', *clen))
		return false;
	for (size_t k = 0; k < *clen; k++) {
		if (is_blank((*c)[k]))
			return false;
	}
	return true;
}

static bool scan(struct parser *p)
{
	const char *otag = "{{", *ctag = "}}";
	size_t olen = 2, clen = 2, pos = 0;
	unsigned line = 1;

	while (pos < p->len) {
		const char *o = memmem(p->src + pos, p->len - pos, otag, olen);
		size_t at = o ? (size_t)(o - p->src) : p->len;
		push_text(p, pos, at, &line);
		if (!o)
			break;
		size_t q = at + olen;
		enum tok_kind kind = sigil_kind(q < p->len ? p->src[q] : '\0');
		char before = '\0';
		if (kind != T_VAR) {
			if (p->src[q] == '{')
				before = '}';
			else if (kind == T_DELIM)
				before = '=';
			q++;
		}
		size_t c = find_close(p, q, ctag, clen, before);
		if (c == SIZE_MAX)
			return fail(p, line, "unclosed tag: no '%.*s%.*s' after '%.*s'",
				    before ? 1 : 0, &before, (int)clen, ctag,
				    (int)(q - at), p->src + at);
		size_t cend = before ? c - 1 : c;
		struct token *t = push_token(p, kind, line, at, c + clen);
		t->s = p->src + q;
		t->len = cend - q;
		line += count_lines(p->src + at, c + clen - at);
		pos = c + clen;
		if (kind == T_DELIM) {
			if (!parse_delims(t->s, t->len, &otag, &olen, &ctag, &clen))
				return fail(p, t->line, "bad set-delimiter tag '%.*s'",
					    (int)(t->end - t->start), p->src + t->start);
		} else if (kind != T_COMMENT) {
			trim(&t->s, &t->len);
			if (!t->len)
				return fail(p, t->line, "empty tag '%.*s'",
					    (int)(t->end - t->start), p->src + t->start);
		}
	}
	return true;
}

/* ----------------------------------------------------- standalone lines */

static bool text_is_blank(const struct token *t)
{
	size_t len = t->len;
	if (len && t->s[len - 1] == '\n') {
		len--;
		if (len && t->s[len - 1] == '\r')
			len--;
	}
	for (size_t i = 0; i < len; i++) {
		if (!is_blank(t->s[i]))
			return false;
	}
	return true;
}

/* Tokens [first, last] are one source line. */
static void mark_line(struct parser *p, size_t first, size_t last, unsigned group)
{
	size_t tags = 0;
	bool clear = true;
	for (size_t i = first; i <= last; i++) {
		struct token *t = &p->toks[i];
		t->group = group;
		if (t->kind == T_TEXT)
			clear = clear && text_is_blank(t);
		else if (t->kind == T_VAR || t->kind == T_RAW)
			clear = false;
		else
			tags++;
	}
	if (!clear || !tags)
		return;
	const struct token *lead = &p->toks[first];
	size_t ws_start = lead->start;
	size_t ws_len = lead->kind == T_TEXT ? lead->len : 0;
	if (ws_len && lead->s[ws_len - 1] == '\n')
		ws_len = 0;	/* a text token ending the line is not a lead */
	for (size_t i = first; i <= last; i++) {
		struct token *t = &p->toks[i];
		if (t->kind == T_TEXT) {
			t->removed = true;
			continue;
		}
		t->standalone = true;
		t->ws_start = ws_start;
		t->ws_len = ws_len;
		t->line_end = p->toks[last].end;
	}
}

static void mark_standalone(struct parser *p)
{
	size_t first = 0;
	unsigned group = 0;
	for (size_t i = 0; i < p->ntoks; i++) {
		const struct token *t = &p->toks[i];
		bool ends = t->kind == T_TEXT && t->s[t->len - 1] == '\n';
		if (ends || i + 1 == p->ntoks) {
			mark_line(p, first, i, group++);
			first = i + 1;
		}
	}
}

/* ---------------------------------------------------------- the tree */

/* Removes from *s the longest start it shares with pre. */
static void strip_prefix(const char **s, size_t *len, const char *pre, size_t plen)
{
	size_t k = 0;
	while (k < plen && k < *len && (*s)[k] == pre[k])
		k++;
	*s += k;
	*len -= k;
}

static void dedent_text(struct node *n, const char *pre, size_t plen, bool *bol)
{
	char *t = n->text;
	size_t r = 0, w = 0;
	while (r < n->len) {
		if (*bol) {
			size_t k = 0;
			while (k < plen && r + k < n->len && t[r + k] == pre[k])
				k++;
			r += k;
			*bol = false;
			if (r >= n->len)
				break;
		}
		char c = t[r++];
		t[w++] = c;
		if (c == '\n')
			*bol = true;
	}
	n->len = w;
	t[w] = '\0';
}

/*
 * Removes the block's intrinsic indentation `pre` from the start of every
 * line of its content (~inheritance "Block reindentation"). Nested
 * partials, parents and blocks carry their indentation as a string, which
 * loses the prefix instead; a nested block that was dedented on its own
 * keeps its content, which is relative to its own indentation.
 */
static void dedent(struct node *n, const char *pre, size_t plen, bool *bol)
{
	for (; n; n = n->next) {
		switch (n->kind) {
		case N_TEXT:
			dedent_text(n, pre, plen, bol);
			break;
		case N_VAR:
		case N_RAW:
			*bol = false;
			break;
		case N_SECTION:
		case N_INVERTED:
			dedent(n->kids, pre, plen, bol);
			break;
		case N_PARTIAL:
		case N_PARENT:
			strip_prefix(&n->indent, &n->indent_len, pre, plen);
			*bol = n->standalone;
			break;
		case N_BLOCK:
			strip_prefix(&n->indent, &n->indent_len, pre, plen);
			if (!n->intrinsic)
				dedent(n->kids, pre, plen, bol);
			if (n->close_standalone)
				*bol = true;
			break;
		}
	}
}

/*
 * The intrinsic indentation of a block whose opening line is standalone:
 * the blanks that start the first non-blank line of its content
 * (~inheritance "Intrinsic indentation"). None when the closing tag comes
 * first.
 */
static bool find_intrinsic(const char *src, size_t from, size_t close,
			   size_t *ws, size_t *wlen)
{
	size_t p = from;
	while (p < close) {
		size_t q = p;
		while (q < close && is_blank(src[q]))
			q++;
		if (q >= close)
			return false;
		if (src[q] == '\n' || (src[q] == '\r' && src[q + 1] == '\n')) {
			p = q + (src[q] == '\r' ? 2 : 1);
			continue;
		}
		*ws = p;
		*wlen = q - p;
		return true;
	}
	return false;
}

static void finish_block(struct parser *p, struct node *n,
			 const struct token *open, const struct token *close)
{
	n->standalone = open->standalone;
	n->close_standalone = close->standalone;
	/* Only a line that ended in a line break swallowed one. */
	n->pair_line = open->standalone && open->group == close->group &&
		       p->src[open->line_end - 1] == '\n';
	size_t ws, wlen;
	if (open->standalone && open->group != close->group &&
	    find_intrinsic(p->src, open->line_end, close->start, &ws, &wlen)) {
		bool bol = true;
		n->intrinsic = true;
		n->indent = p->src + ws;
		n->indent_len = wlen;
		dedent(n->kids, n->indent, n->indent_len, &bol);
	}
}

struct open_tag {
	const struct token *tok;
	struct node *node;
	struct node **tail;	/* where the next kid goes */
};

struct builder {
	struct parser *p;
	struct open_tag *stack;
	size_t depth, cap;
	struct buf text;	/* text waiting to become one node */
	struct node *root;
	struct node **root_tail;
};

static struct node **current_tail(struct builder *b)
{
	return b->depth ? b->stack[b->depth - 1].tail : b->root_tail;
}

/* Inside a parent only blocks count: other content is ignored (spec). */
static void add_node(struct builder *b, struct node *n)
{
	if (b->depth && b->stack[b->depth - 1].node->kind == N_PARENT &&
	    n->kind != N_BLOCK)
		return;
	struct node **tail = current_tail(b);
	*tail = n;
	if (b->depth)
		b->stack[b->depth - 1].tail = &n->next;
	else
		b->root_tail = &n->next;
}

static struct node *new_node(struct builder *b, enum node_kind kind)
{
	struct node *n = arena_alloc(&b->p->set->arena, sizeof *n);
	n->kind = kind;
	n->indent = "";
	return n;
}

static void flush_text(struct builder *b)
{
	if (!b->text.len)
		return;
	struct node *n = new_node(b, N_TEXT);
	n->text = arena_strndup(&b->p->set->arena, b->text.data, b->text.len);
	n->len = b->text.len;
	add_node(b, n);
	buf_reset(&b->text);
}

static void split_name(struct builder *b, struct node *n, const struct token *t)
{
	struct arena *a = &b->p->set->arena;
	n->text = arena_strndup(a, t->s, t->len);
	n->len = t->len;
	if (t->len == 1 && t->s[0] == '.')
		return;		/* the implicit iterator: no parts */
	unsigned parts = 1;
	for (size_t i = 0; i < t->len; i++)
		parts += t->s[i] == '.';
	n->parts = arena_alloc(a, parts * sizeof *n->parts);
	const char *s = t->s, *end = t->s + t->len;
	for (unsigned i = 0; i < parts; i++) {
		const char *dot = memchr(s, '.', (size_t)(end - s));
		const char *stop = dot ? dot : end;
		n->parts[i] = arena_strndup(a, s, (size_t)(stop - s));
		s = stop + 1;
	}
	n->nparts = parts;
}

static void open_tag(struct builder *b, struct node *n, const struct token *t)
{
	add_node(b, n);
	if (b->depth == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 16;
		b->stack = realloc(b->stack, b->cap * sizeof *b->stack);
		if (!b->stack)
			abort();
	}
	b->stack[b->depth++] = (struct open_tag){ t, n, &n->kids };
}

static bool close_tag(struct builder *b, const struct token *t)
{
	struct parser *p = b->p;
	if (!b->depth)
		return fail(p, t->line, "closing tag '%.*s' has no open section",
			    (int)t->len, t->s);
	const struct open_tag *o = &b->stack[b->depth - 1];
	if (o->tok->len != t->len || memcmp(o->tok->s, t->s, t->len) != 0)
		return fail(p, t->line,
			    "closing tag '%.*s' does not match '%.*s' opened on line %u",
			    (int)t->len, t->s, (int)o->tok->len, o->tok->s,
			    o->tok->line);
	b->depth--;
	if (o->node->kind == N_BLOCK)
		finish_block(p, o->node, o->tok, t);
	return true;
}

static void set_indent(struct builder *b, struct node *n, const struct token *t)
{
	n->standalone = t->standalone;
	if (t->standalone) {
		n->indent = b->p->src + t->ws_start;
		n->indent_len = t->ws_len;
	}
}

static bool build_token(struct builder *b, const struct token *t)
{
	static const enum node_kind kinds[] = {
		[T_VAR] = N_VAR, [T_RAW] = N_RAW, [T_SECTION] = N_SECTION,
		[T_INVERTED] = N_INVERTED, [T_PARTIAL] = N_PARTIAL,
		[T_PARENT] = N_PARENT, [T_BLOCK] = N_BLOCK,
	};
	if (t->kind == T_TEXT) {
		if (!t->removed)
			buf_append(&b->text, t->s, t->len);
		return true;
	}
	if (t->kind == T_COMMENT || t->kind == T_DELIM)
		return true;
	flush_text(b);
	if (t->kind == T_CLOSE)
		return close_tag(b, t);
	struct node *n = new_node(b, kinds[t->kind]);
	switch (t->kind) {
	case T_VAR:
	case T_RAW:
		split_name(b, n, t);
		add_node(b, n);
		break;
	case T_SECTION:
	case T_INVERTED:
		split_name(b, n, t);
		open_tag(b, n, t);
		break;
	case T_PARTIAL:
		n->text = arena_strndup(&b->p->set->arena, t->s, t->len);
		set_indent(b, n, t);
		add_node(b, n);
		break;
	default:	/* T_PARENT, T_BLOCK */
		n->text = arena_strndup(&b->p->set->arena, t->s, t->len);
		set_indent(b, n, t);
		open_tag(b, n, t);
		break;
	}
	return true;
}

static bool build(struct parser *p, struct node **root)
{
	struct builder b = { .p = p };
	b.root_tail = &b.root;
	bool ok = true;
	for (size_t i = 0; ok && i < p->ntoks; i++)
		ok = build_token(&b, &p->toks[i]);
	if (ok) {
		flush_text(&b);
		if (b.depth) {
			const struct token *t = b.stack[b.depth - 1].tok;
			ok = fail(p, t->line, "unclosed section '%.*s'",
				  (int)t->len, t->s);
		}
	}
	*root = b.root;
	free(b.stack);
	buf_free(&b.text);
	return ok;
}

bool tmpl_set_add(struct tmpl_set *set, const char *name, const char *file,
		  const char *src, size_t len, char *err, size_t errlen)
{
	struct parser p = {
		.set = set,
		.src = arena_strndup(&set->arena, src, len),
		.len = len,
		.file = file ? file : name,
		.err = err,
		.errlen = errlen,
	};
	struct node *root = NULL;
	bool ok = scan(&p);
	if (ok) {
		mark_standalone(&p);
		ok = build(&p, &root);
	}
	free(p.toks);
	if (ok)
		set_put(set, name, root);
	return ok;
}

/* ------------------------------------------------------------- files */

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void errf(char *err, size_t errlen, const char *fmt, ...)
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
		errf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(out, chunk, n);
	bool ok = !ferror(f);
	if (!ok)
		errf(err, errlen, "%s: read error", path);
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
		errf(err, errlen, "%s/%s: path too long", dir, rel);
		return false;
	}
	DIR *d = opendir(path);
	if (!d) {
		errf(err, errlen, "%s: %s", path, strerror(errno));
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
		    !set_find(set, n->text))
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

/* ---------------------------------------------------------- rendering */

/* The context stack: innermost first. */
struct ctx {
	struct json_object *val;
	const struct ctx *up;
};

/* Indentation to put before each template line: outermost first. */
struct indent {
	const char *s;
	size_t len;
	const struct indent *outer;
};

/* The parent calls being rendered, innermost first; their kids are the
 * argument blocks. */
struct frame {
	const struct node *parent;
	const struct frame *outer;
};

/*
 * TMPL_MAX_DEPTH bounds how deep includes nest, not how many there are: a
 * template that includes itself twice ("{{>t}}{{>t}}"), or an argument
 * block holding two blocks of its own name, doubles its work at every
 * level, 2^100 includes that never end (found by tests/fuzz/fuzz_tmpl.c).
 * So one render also enters at most this many partials, parents and
 * overrides; past it they render as nothing, like those too deep. Far
 * above any real page (a list of 1,000 rows with a partial each uses
 * 1,000). The fuzz build lowers it to keep each run short.
 */
#ifndef TMPL_MAX_EXPANSIONS
#define TMPL_MAX_EXPANSIONS 10000
#endif

struct render {
	const struct tmpl_set *set;
	struct buf *out;
	bool bol;		/* the next template text starts a line */
	unsigned depth;		/* partials, parents and overrides entered */
	unsigned long expansions; /* ... in all, for TMPL_MAX_EXPANSIONS */
};

static void render_nodes(struct render *r, const struct node *n,
			 const struct ctx *c, const struct indent *in,
			 const struct frame *f);

static void put_indent(struct buf *out, const struct indent *in)
{
	if (!in)
		return;
	put_indent(out, in->outer);
	buf_append(out, in->s, in->len);
}

static void render_text(struct render *r, const char *s, size_t len,
			const struct indent *in)
{
	if (!len)
		return;
	if (!in) {
		buf_append(r->out, s, len);
		r->bol = s[len - 1] == '\n';
		return;
	}
	size_t i = 0;
	while (i < len) {
		if (r->bol)
			put_indent(r->out, in);
		const char *nl = memchr(s + i, '\n', len - i);
		size_t j = nl ? (size_t)(nl - s) + 1 : len;
		buf_append(r->out, s + i, j - i);
		r->bol = nl != NULL;
		i = j;
	}
}

/*
 * Spec lookup: the first name part is searched down the context stack, the
 * rest only inside what it found ("Broken Chain Resolution"). A key that
 * holds null is found (json-c gives NULL for it).
 */
static bool lookup(const struct ctx *c, const struct node *n,
		   struct json_object **out)
{
	if (!n->nparts) {
		*out = c->val;
		return true;
	}
	struct json_object *v = NULL;
	for (; c; c = c->up) {
		if (json_object_is_type(c->val, json_type_object) &&
		    json_object_object_get_ex(c->val, n->parts[0], &v))
			break;
	}
	if (!c)
		return false;
	for (unsigned i = 1; i < n->nparts; i++) {
		if (!json_object_is_type(v, json_type_object) ||
		    !json_object_object_get_ex(v, n->parts[i], &v))
			return false;
	}
	*out = v;
	return true;
}

/* Decimal digits of v into the end of s[0, size); returns where they start. */
static char *format_u64(uint64_t v, char *s, size_t size)
{
	char *p = s + size;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

static const char *format_i64(int64_t i, char *s, size_t size)
{
	uint64_t mag = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	char *p = format_u64(mag, s, size);
	if (i < 0)
		*--p = '-';
	return p;
}

/*
 * A double as JavaScript shows it: whole numbers without a fraction, others
 * in the fewest digits that read back as the same double ("1.21", not
 * "1.2099999999999999"). Fifteen digits always suffice for numbers that
 * came from short decimals, so that is where the search starts.
 */
static const char *format_double(double d, char *s, size_t size, size_t *len)
{
	if (d > -9007199254740992.0 && d < 9007199254740992.0 &&
	    d == (double)(int64_t)d) {
		const char *p = format_i64((int64_t)d, s, size);
		*len = (size_t)(s + size - p);
		return p;
	}
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(s, size, "%.*g", prec, d);
		if (strtod(s, NULL) == d)
			break;
	}
	*len = n > 0 ? (size_t)n : 0;
	return s;
}

static const char *format_int(struct json_object *v, char *s, size_t size,
			      size_t *len)
{
	int64_t i = json_object_get_int64(v);
	const char *p;
	if (i == INT64_MAX)	/* may be a larger unsigned value, clamped */
		p = format_u64(json_object_get_uint64(v), s, size);
	else
		p = format_i64(i, s, size);
	*len = (size_t)(s + size - p);
	return p;
}

/* Never json_object_get_string() on non-strings: it caches its result
 * inside the shared object, which would race between threads. */
static void put_value(struct buf *out, struct json_object *v, bool escape)
{
	char num[64];
	const char *s;
	size_t len;
	switch (json_object_get_type(v)) {
	case json_type_string:
		s = json_object_get_string(v);
		len = (size_t)json_object_get_string_len(v);
		break;
	case json_type_boolean:
		s = json_object_get_boolean(v) ? "true" : "false";
		len = strlen(s);
		break;
	case json_type_int:
		s = format_int(v, num, sizeof num, &len);
		break;
	case json_type_double:
		s = format_double(json_object_get_double(v), num, sizeof num, &len);
		break;
	default:	/* null, objects, arrays */
		return;
	}
	if (escape)
		buf_put_html(out, s, len);
	else
		buf_append(out, s, len);
}

static bool truthy(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return false;
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_array:
		return json_object_array_length(v) > 0;
	default:
		return true;
	}
}

static void render_section(struct render *r, const struct node *n,
			   const struct ctx *c, const struct indent *in,
			   const struct frame *f)
{
	struct json_object *v;
	if (!lookup(c, n, &v) || !truthy(v))
		return;
	if (!json_object_is_type(v, json_type_array)) {
		struct ctx inner = { v, c };
		render_nodes(r, n->kids, &inner, in, f);
		return;
	}
	size_t len = json_object_array_length(v);
	for (size_t i = 0; i < len; i++) {
		struct ctx inner = { json_object_array_get_idx(v, i), c };
		render_nodes(r, n->kids, &inner, in, f);
	}
}

/* A partial, or a parent with its frame already pushed. */
static void render_include(struct render *r, const struct node *n,
			   const struct ctx *c, const struct indent *in,
			   const struct frame *f)
{
	const struct tmpl *t = set_find(r->set, n->text);
	if (!t || r->depth >= TMPL_MAX_DEPTH ||
	    r->expansions >= TMPL_MAX_EXPANSIONS)
		return;
	struct indent own = { n->indent, n->indent_len, in };
	r->expansions++;
	r->depth++;
	render_nodes(r, t->root, c, n->indent_len ? &own : in, f);
	r->depth--;
}

/*
 * The argument for block `name`: the outermost parent call that passes one
 * wins ("Multi-level inheritance"). *owner is that call's frame; the
 * argument renders within it, so its own blocks resolve from there out.
 */
static const struct node *find_argument(const struct frame *f, const char *name,
					const struct frame **owner)
{
	const struct node *found = NULL;
	for (; f; f = f->outer) {
		for (const struct node *b = f->parent->kids; b; b = b->next) {
			if (strcmp(b->text, name) == 0) {
				found = b;
				*owner = f;
			}
		}
	}
	return found;
}

static void render_block(struct render *r, const struct node *n,
			 const struct ctx *c, const struct indent *in,
			 const struct frame *f)
{
	const struct frame *owner = NULL;
	const struct node *arg = find_argument(f, n->text, &owner);
	struct indent own = { n->indent, n->indent_len, in };
	const struct indent *use = n->indent_len ? &own : in;
	size_t before = r->out->len;
	if (!arg) {
		render_nodes(r, n->kids, c, use, f);
	} else if (r->depth < TMPL_MAX_DEPTH &&
		   r->expansions < TMPL_MAX_EXPANSIONS) {
		r->expansions++;
		r->depth++;
		render_nodes(r, arg->kids, c, use, owner);
		r->depth--;
	}
	/* "{{$b}}{{/b}}" alone on a line stands for whole lines: the line
	 * end it swallowed comes back after content that lacks one. */
	if (n->pair_line && r->out->len > before &&
	    r->out->data[r->out->len - 1] != '\n') {
		buf_putc(r->out, '\n');
		r->bol = true;
	}
}

static void render_nodes(struct render *r, const struct node *n,
			 const struct ctx *c, const struct indent *in,
			 const struct frame *f)
{
	struct json_object *v;
	for (; n; n = n->next) {
		switch (n->kind) {
		case N_TEXT:
			render_text(r, n->text, n->len, in);
			break;
		case N_VAR:
		case N_RAW:
			if (r->bol && in)
				put_indent(r->out, in);
			r->bol = false;
			if (lookup(c, n, &v))
				put_value(r->out, v, n->kind == N_VAR);
			break;
		case N_SECTION:
			render_section(r, n, c, in, f);
			break;
		case N_INVERTED:
			if (!lookup(c, n, &v) || !truthy(v))
				render_nodes(r, n->kids, c, in, f);
			break;
		case N_PARTIAL:
			/* A partial is a parent without arguments: the
			 * arguments around it still reach its blocks. */
			render_include(r, n, c, in, f);
			break;
		case N_PARENT: {
			struct frame call = { n, f };
			render_include(r, n, c, in, &call);
			break;
		}
		case N_BLOCK:
			render_block(r, n, c, in, f);
			break;
		}
	}
}

bool tmpl_render(const struct tmpl_set *set, const char *name,
		 struct json_object *data, struct buf *out, char *err,
		 size_t errlen)
{
	const struct tmpl *t = set_find(set, name);
	if (!t) {
		errf(err, errlen, "template '%s' not found", name);
		return false;
	}
	struct render r = { set, out, true, 0, 0 };
	struct ctx root = { data, NULL };
	render_nodes(&r, t->root, &root, NULL, NULL);
	return true;
}
