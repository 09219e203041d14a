/*
 * libFuzzer target: the Cookie header parser (cookies_parse in
 * fcgi/lib/parse.c). The input, cut at its first NUL as FastCGI would, is one
 * Cookie header. Every cookie kept must obey parse.h (a token name, a value
 * without control characters, quotes or invalid UTF-8) and the list must
 * equal what a small reference parser written here keeps, in order.
 *
 * fuzz-sources: fcgi/lib/parse.c fcgi/lib/arena.c
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/arena.h"
#include "lib/parse.h"

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);             \
			abort();                                        \
		}                                                       \
	} while (0)

/* RFC 9110 token characters, spelled out rather than computed. */
static bool ref_tchar(unsigned char c)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if (c >= 0x80 || c == 0)
		return false;
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return true;
	return memchr(extra, c, sizeof extra - 1) != NULL;
}

/* Well-formed UTF-8, decoded code point by code point. */
static bool ref_utf8(const unsigned char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 :
			     c >= 0xE0 && c <= 0xEF ? 3 :
			     c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		uint32_t cp = len == 1 ? c : len == 2 ? c & 0x1F :
			      len == 3 ? c & 0x0F : c & 0x07;

		if (!len || n - i < len)
			return false;
		for (size_t j = 1; j < len; j++) {
			if ((s[i + j] & 0xC0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3F);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
		    cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return false;
		i += len;
	}
	return true;
}

struct cookie {
	const char *name;
	size_t name_len;
	const char *value;
	size_t value_len;
};

/* One "name=value" piece [s, e); false when it is to be skipped. */
static bool ref_pair(const char *s, const char *e, struct cookie *c)
{
	const char *eq = s;

	while (eq < e && *eq != '=')
		eq++;
	if (eq == e)
		return false;

	const char *ns = s, *ne = eq, *vs = eq + 1, *ve = e;
	while (ns < ne && (*ns == ' ' || *ns == '\t'))
		ns++;
	while (ne > ns && (ne[-1] == ' ' || ne[-1] == '\t'))
		ne--;
	while (vs < ve && (*vs == ' ' || *vs == '\t'))
		vs++;
	while (ve > vs && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	if (ns == ne)
		return false;
	for (const char *p = ns; p < ne; p++)
		if (!ref_tchar((unsigned char)*p))
			return false;
	if (vs < ve && *vs == '"') {
		if (ve - vs < 2 || ve[-1] != '"')
			return false;
		vs++;
		ve--;
	}
	for (const char *p = vs; p < ve; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7F)
			return false;
	if (!ref_utf8((const unsigned char *)vs, (size_t)(ve - vs)))
		return false;
	*c = (struct cookie){ ns, (size_t)(ne - ns), vs, (size_t)(ve - vs) };
	return true;
}

static void check_against_reference(const char *header, const struct fields *f,
				    size_t before)
{
	const char *s = header, *end = header + strlen(header);
	size_t k = before;

	for (;;) {
		const char *semi = s;
		struct cookie c;

		while (semi < end && *semi != ';')
			semi++;
		if (ref_pair(s, semi, &c)) {
			CHECK(k < f->count);
			CHECK(strlen(f->items[k].name) == c.name_len);
			CHECK(memcmp(f->items[k].name, c.name, c.name_len) == 0);
			CHECK(f->items[k].value_len == c.value_len);
			CHECK(memcmp(f->items[k].value, c.value, c.value_len) == 0);
			k++;
		}
		if (semi == end)
			break;
		s = semi + 1;
	}
	CHECK(f->count == k);
}

static void check_cookie(const struct field *x)
{
	size_t nlen = strlen(x->name);

	CHECK(nlen > 0);
	for (size_t i = 0; i < nlen; i++)
		CHECK(ref_tchar((unsigned char)x->name[i]));
	CHECK(strlen(x->value) == x->value_len);
	for (size_t i = 0; i < x->value_len; i++) {
		unsigned char c = (unsigned char)x->value[i];
		CHECK(c >= 0x20 && c != 0x7F && c != ';');
	}
	CHECK(ref_utf8((const unsigned char *)x->value, x->value_len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena a = ARENA_INIT;
	struct fields f = { 0 };
	char *header = malloc(size + 1);
	size_t semis = 0;

	CHECK(header != NULL);
	memcpy(header, data, size);
	header[size] = '\0';
	for (const char *p = header; *p; p++)
		semis += *p == ';';

	cookies_parse(&a, header, &f);
	CHECK(f.count <= semis + 1);
	for (size_t i = 0; i < f.count; i++)
		check_cookie(&f.items[i]);
	check_against_reference(header, &f, 0);

	/* Appending: a second parse adds after what is there. */
	size_t first = f.count;
	cookies_parse(&a, header, &f);
	CHECK(f.count == 2 * first);
	check_against_reference(header, &f, first);
	cookies_parse(&a, NULL, &f);
	CHECK(f.count == 2 * first);

	free(header);
	arena_free(&a);
	return 0;
}
