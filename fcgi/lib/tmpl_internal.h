/*
 * tmpl_internal: what the three parts of the template engine share — the
 * parsed tree and the set that holds it. tmpl.c keeps the set and loads
 * files, tmpl_parse.c turns a source into a tree, tmpl_render.c walks it.
 */
#ifndef YSQGK_TMPL_INTERNAL_H
#define YSQGK_TMPL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/arena.h"
#include "lib/tmpl.h"

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
	unsigned long *hashes;	/* each part's json-c key hash (tmpl_key_hash) */
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

/*
 * The hash json-c gives key in every object's table, computed once when a
 * template is parsed: rendering looks each key up by it
 * (lh_table_lookup_entry_w_hash) instead of hashing the name again for
 * every object searched — the queue's 50 rows resolve ~20 keys each
 * through two or three levels of context (issue 17, docs/bench.md).
 */
unsigned long tmpl_key_hash(const char *key);

/* The template called `name`, or NULL. */
struct tmpl *tmpl_set_find(const struct tmpl_set *set, const char *name);

/* Adds or replaces the template `name` with the tree `root`. */
void tmpl_set_put(struct tmpl_set *set, const char *name, struct node *root);

/* snprintf into err (when given), for the engine's messages. */
void tmpl_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
