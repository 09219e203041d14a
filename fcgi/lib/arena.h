/*
 * arena: per-request scratch memory. Everything allocated from an arena is
 * released at once by arena_reset() (between requests) or arena_free().
 * Nothing allocated here is ever freed individually, so parsers that build
 * many small strings need no cleanup paths.
 */
#ifndef YSQGK_ARENA_H
#define YSQGK_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t total;	/* bytes handed out since the last reset */
};

#define ARENA_INIT { NULL, 0 }

void *arena_alloc(struct arena *a, size_t size);	/* zeroed, 16-aligned */
char *arena_strndup(struct arena *a, const char *s, size_t len);
char *arena_strdup(struct arena *a, const char *s);
/* Keeps the first block for reuse, frees the others. */
void arena_reset(struct arena *a);
void arena_free(struct arena *a);

#endif
