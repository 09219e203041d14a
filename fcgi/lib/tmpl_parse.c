/* tmpl_parse: a template source into its tree (scan, mark, build: tmpl.c). */
#include "lib/tmpl_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include <json-c/linkhash.h>

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

unsigned long tmpl_key_hash(const char *key)
{
	/* Every json-c object hashes its keys with the same function (the
	 * process's string hash, seeded once): ask an object's table. */
	struct json_object *o = json_object_new_object();
	if (!o)
		abort();
	unsigned long h = lh_get_hash(json_object_get_object(o), key);
	json_object_put(o);
	return h;
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
	n->hashes = arena_alloc(a, parts * sizeof *n->hashes);
	const char *s = t->s, *end = t->s + t->len;
	for (unsigned i = 0; i < parts; i++) {
		const char *dot = memchr(s, '.', (size_t)(end - s));
		const char *stop = dot ? dot : end;
		n->parts[i] = arena_strndup(a, s, (size_t)(stop - s));
		n->hashes[i] = tmpl_key_hash(n->parts[i]);
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
		tmpl_set_put(set, name, root);
	return ok;
}
