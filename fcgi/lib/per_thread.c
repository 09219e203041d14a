/* per_thread: one object per thread (per_thread.h). */
#include "lib/per_thread.h"

#include <stdlib.h>

/* pthread_once() cannot say which object it runs for: the keys are made
 * under one lock instead, once each (the flag is read first without it). */
static pthread_mutex_t keys_lock = PTHREAD_MUTEX_INITIALIZER;

static void make_key(struct per_thread *p)
{
	if (atomic_load_explicit(&p->made, memory_order_acquire))
		return;
	pthread_mutex_lock(&keys_lock);
	if (!atomic_load_explicit(&p->made, memory_order_relaxed)) {
		if (pthread_key_create(&p->key, p->destroy) != 0)
			abort();
		atomic_store_explicit(&p->made, true, memory_order_release);
	}
	pthread_mutex_unlock(&keys_lock);
}

void *per_thread_get(struct per_thread *p)
{
	make_key(p);
	void *copy = pthread_getspecific(p->key);
	if (!copy) {
		copy = calloc(1, p->size);
		if (!copy || pthread_setspecific(p->key, copy) != 0)
			abort();
	}
	return copy;
}

void per_thread_release(struct per_thread *p)
{
	make_key(p);
	void *copy = pthread_getspecific(p->key);
	if (copy) {
		pthread_setspecific(p->key, NULL);
		p->destroy(copy);
	}
}
