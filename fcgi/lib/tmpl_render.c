/* tmpl_render: walks a parsed tree over json-c values (tmpl.c). */
#include "lib/tmpl_internal.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/linkhash.h>

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

/* Part i of n's name in object o (an object); NULL when absent. */
static struct lh_entry *member(struct json_object *o, const struct node *n, unsigned i)
{
	return lh_table_lookup_entry_w_hash(json_object_get_object(o), n->parts[i],
					    n->hashes[i]);
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
	struct lh_entry *e = NULL;
	for (; c; c = c->up) {
		if (json_object_is_type(c->val, json_type_object) && (e = member(c->val, n, 0)))
			break;
	}
	if (!c)
		return false;
	struct json_object *v = (struct json_object *)lh_entry_v(e);
	for (unsigned i = 1; i < n->nparts; i++) {
		if (!json_object_is_type(v, json_type_object) || !(e = member(v, n, i)))
			return false;
		v = (struct json_object *)lh_entry_v(e);
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
	const struct tmpl *t = tmpl_set_find(r->set, n->text);
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
	const struct tmpl *t = tmpl_set_find(set, name);
	if (!t) {
		tmpl_errf(err, errlen, "template '%s' not found", name);
		return false;
	}
	struct render r = { set, out, true, 0, 0 };
	struct ctx root = { data, NULL };
	render_nodes(&r, t->root, &root, NULL, NULL);
	return true;
}
