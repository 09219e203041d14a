/*
 * buf: a growable byte buffer, always NUL-terminated.
 *
 * Ownership: the buffer owns `data`; buf_free() releases it. A zeroed
 * struct buf (BUF_INIT) is a valid empty buffer. Allocation failure aborts:
 * the program cannot do anything sensible without memory.
 */
#ifndef YSQGK_BUF_H
#define YSQGK_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_reserve(struct buf *b, size_t extra);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s with & < > " ' replaced by HTML entities. */
void buf_put_html(struct buf *b, const char *s, size_t len);
/* s as a URL's query component: letters, digits and "-_." as they are,
 * every other byte %XX (UTF-8 byte by byte). */
void buf_put_url_component(struct buf *b, const char *s);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* The contents as a C string ("" for an empty buffer). */
const char *buf_str(const struct buf *b);

#endif
