#include "lib/arena.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_BLOCK_SIZE (64 * 1024)

struct arena_block {
	struct arena_block *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

static struct arena_block *block_new(size_t size, struct arena_block *next)
{
	struct arena_block *b = malloc(sizeof *b + size);
	if (!b)
		abort();
	b->next = next;
	b->size = size;
	b->used = 0;
	return b;
}

void *arena_alloc(struct arena *a, size_t size)
{
	size = (size + 15) & ~(size_t)15;
	if (!a->head || a->head->size - a->head->used < size) {
		size_t block = size > ARENA_BLOCK_SIZE ? size : ARENA_BLOCK_SIZE;
		if (a->head && size > ARENA_BLOCK_SIZE) {
			/* A big allocation gets its own block behind the head, so
			 * the head's free space stays usable. */
			struct arena_block *big = block_new(block, a->head->next);
			a->head->next = big;
			big->used = size;
			a->total += size;
			memset(big->data, 0, size);
			return big->data;
		}
		a->head = block_new(block, a->head);
	}
	void *p = a->head->data + a->head->used;
	a->head->used += size;
	a->total += size;
	memset(p, 0, size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *p = arena_alloc(a, len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void arena_reset(struct arena *a)
{
	struct arena_block *keep = NULL;
	for (struct arena_block *b = a->head; b;) {
		struct arena_block *next = b->next;
		if (!next && b->size == ARENA_BLOCK_SIZE) {
			keep = b;	/* the oldest block is the standard size */
		} else {
			free(b);
		}
		b = next;
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	a->head = keep;
	a->total = 0;
}

void arena_free(struct arena *a)
{
	for (struct arena_block *b = a->head; b;) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	a->head = NULL;
	a->total = 0;
}
