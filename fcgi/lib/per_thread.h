/*
 * per_thread: an object each thread has its own copy of, made (zeroed) on
 * the thread's first use and destroyed when the thread ends — the workers'
 * caches (core/read_cache, core/calendar_cache), which need no lock
 * because no other thread ever sees them.
 *
 *	static void cache_free(void *p);
 *	static struct per_thread caches = PER_THREAD_INIT(sizeof(struct cache), cache_free);
 *	struct cache *c = per_thread_get(&caches);
 */
#ifndef YSQGK_PER_THREAD_H
#define YSQGK_PER_THREAD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

struct per_thread {
	size_t size;
	void (*destroy)(void *);	/* frees a copy (and what it holds) */
	atomic_bool made;		/* the key exists */
	pthread_key_t key;
};

#define PER_THREAD_INIT(size_, destroy_) { .size = (size_), .destroy = (destroy_) }

/* This thread's copy, made on first use (aborts when memory is out). */
void *per_thread_get(struct per_thread *p);

/* Destroys this thread's copy now, if it has one (a worker ending; tests):
 * the next per_thread_get() makes a fresh one. */
void per_thread_release(struct per_thread *p);

#endif
