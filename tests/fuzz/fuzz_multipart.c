/*
 * libFuzzer target: the multipart/form-data parser (fcgi/lib/multipart.c).
 * The input's first byte says where to cut the rest, the body, in two
 * pieces (at that byte's value); the boundary is "xyz" (see
 * multipart.dict). The body is parsed fed in those two pieces, whole, and
 * one byte at a time, under tight limits and under limits it cannot reach.
 *
 * Checked besides "no crash, no leak, no UB":
 *   - no callback after an error; begin, data, end come in order;
 *   - each part's data within its max_bytes, the parts within max_parts,
 *     the data of all parts within max_total_bytes;
 *   - names valid UTF-8 within max_name_len, filenames valid UTF-8,
 *     content types printable ASCII;
 *   - once feed() fails it keeps failing, and finish() agrees;
 *   - the chunking changes nothing: same error, and when there is none,
 *     the same events;
 *   - the body taken as a Content-Type header: a boundary found is valid
 *     and found again in a header rebuilt around it;
 *   - the body taken as a file name: the display name is valid UTF-8, has
 *     no path, control or bidi character, no space or dot at its ends,
 *     fits 255 bytes, and cleaning it again changes nothing.
 *
 * fuzz-sources: fcgi/lib/multipart.c fcgi/lib/parse.c fcgi/lib/arena.c
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/multipart.h"
#include "lib/parse.h"

/* A broken invariant: say which, then abort so libFuzzer keeps the input. */
#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);             \
			abort();                                        \
		}                                                       \
	} while (0)

/* ---- the observer ----------------------------------------------------- */

struct obs {
	const struct multipart_limits *lim;
	bool errored, in_part;
	size_t parts, part_bytes, part_max, all_bytes;
	/* The events, as in tests/unit/test_multipart.c. */
	char *log;
	size_t len, cap;
};

static void log_add(struct obs *o, const void *s, size_t n)
{
	if (o->len + n > o->cap) {
		o->cap = (o->len + n) * 2 + 64;
		o->log = realloc(o->log, o->cap);
		CHECK(o->log != NULL);
	}
	memcpy(o->log + o->len, s, n);
	o->len += n;
}

static bool on_begin(void *user, struct multipart_part *part)
{
	struct obs *o = user;
	size_t nlen;

	CHECK(!o->errored);
	CHECK(!o->in_part);
	CHECK(part->index == o->parts);
	CHECK(++o->parts <= o->lim->max_parts);
	nlen = strlen(part->name);
	CHECK(nlen <= o->lim->max_name_len);
	CHECK(utf8_valid(part->name, nlen));
	if (part->filename) {
		CHECK(part->filename[part->filename_len] == '\0');
		CHECK(utf8_valid(part->filename, part->filename_len));
		CHECK(part->max_bytes == o->lim->max_file_bytes);
	} else {
		CHECK(part->max_bytes == o->lim->max_field_bytes);
	}
	for (const char *c = part->content_type; *c; c++)
		CHECK((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7F);
	o->in_part = true;
	o->part_bytes = 0;
	o->part_max = part->max_bytes;
	log_add(o, "<", 1);
	log_add(o, part->name, nlen + 1);
	if (part->filename)
		log_add(o, part->filename, part->filename_len + 1);
	log_add(o, part->content_type, strlen(part->content_type) + 1);
	return true;
}

static bool on_data(void *user, const char *data, size_t len)
{
	struct obs *o = user;

	CHECK(!o->errored);
	CHECK(o->in_part);
	CHECK(len > 0);
	o->part_bytes += len;
	o->all_bytes += len;
	CHECK(o->part_bytes <= o->part_max);
	CHECK(o->all_bytes <= o->lim->max_total_bytes);
	log_add(o, data, len);
	return true;
}

static bool on_end(void *user)
{
	struct obs *o = user;

	CHECK(!o->errored);
	CHECK(o->in_part);
	o->in_part = false;
	log_add(o, ">", 1);
	return true;
}

static const struct multipart_callbacks callbacks = {
	on_begin, on_data, on_end,
};

/* ---- one parse -------------------------------------------------------- */

struct outcome {
	enum multipart_error err;
	char *log;
	size_t len;
};

/* Parses body in pieces: at `cut` when step is 0, else `step` bytes each. */
static struct outcome parse(const uint8_t *body, size_t size, size_t cut,
			    size_t step, const struct multipart_limits *lim)
{
	struct obs o = { .lim = lim };
	struct multipart *p = multipart_new("xyz", lim, &callbacks, &o);
	struct outcome r;
	bool ok = true, fin;
	size_t i = 0;

	CHECK(p != NULL);
	if (step == 0) {	/* two pieces, the first possibly empty */
		ok = multipart_feed(p, body, cut) &&
		     multipart_feed(p, body + cut, size - cut);
	}
	while (step && ok && i < size) {
		size_t n = step < size - i ? step : size - i;
		ok = multipart_feed(p, body + i, n);
		i += n;
	}
	if (!ok) {
		o.errored = true;
		CHECK(multipart_error(p) != MULTIPART_OK);
		CHECK(multipart_error_detail(p)[0] != '\0');
		CHECK(!multipart_feed(p, "--xyz--", 7));
	} else {
		CHECK(multipart_error(p) == MULTIPART_OK);
	}
	fin = multipart_finish(p);
	o.errored = true;
	CHECK(fin == (multipart_error(p) == MULTIPART_OK));
	CHECK(!fin || !o.in_part);
	CHECK(!multipart_finish(p) || fin);
	if (multipart_part_name(p))
		CHECK(utf8_valid(multipart_part_name(p),
				 strlen(multipart_part_name(p))));
	CHECK(strlen(multipart_error_str(multipart_error(p))) > 0);
	r.err = multipart_error(p);
	r.log = o.log;
	r.len = o.len;
	multipart_free(p);
	return r;
}

static void check_parses(const uint8_t *body, size_t size, size_t cut,
			 const struct multipart_limits *lim, bool compare)
{
	struct outcome two = parse(body, size, cut, 0, lim);
	struct outcome whole = parse(body, size, size, 0, lim);
	struct outcome bytes = parse(body, size, 0, 1, lim);

	if (compare) {
		CHECK(two.err == whole.err && bytes.err == whole.err);
		if (whole.err == MULTIPART_OK) {
			CHECK(two.len == whole.len && bytes.len == whole.len);
			CHECK(whole.len == 0 ||
			      (memcmp(two.log, whole.log, whole.len) == 0 &&
			       memcmp(bytes.log, whole.log, whole.len) == 0));
		}
	}
	free(two.log);
	free(whole.log);
	free(bytes.log);
}

/* ---- boundary and display names --------------------------------------- */

static void check_boundary(const uint8_t *data, size_t size)
{
	char *header = malloc(size + 1), out[MULTIPART_BOUNDARY_MAX + 1];
	char rebuilt[MULTIPART_BOUNDARY_MAX + 64], again[sizeof out];

	CHECK(header != NULL);
	memcpy(header, data, size);
	header[size] = '\0';
	if (multipart_boundary(header, out, sizeof out)) {
		size_t n = strlen(out);
		CHECK(n >= 1 && n <= MULTIPART_BOUNDARY_MAX);
		CHECK(out[n - 1] != ' ');
		snprintf(rebuilt, sizeof rebuilt,
			 "multipart/form-data; boundary=\"%s\"", out);
		CHECK(multipart_boundary(rebuilt, again, sizeof again));
		CHECK(strcmp(again, out) == 0);
		struct multipart *p = multipart_new(out, NULL, NULL, NULL);
		CHECK(p != NULL);
		multipart_free(p);
	} else {
		CHECK(out[0] == '\0');
	}
	free(header);
}

static bool banned(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == '/' ||
	       cp == '\\' || (cp >= 0x202A && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
	       cp == 0x200F || cp == 0x061C;
}

static void check_clean_filename(const uint8_t *data, size_t size)
{
	char out[300], again[300];
	size_t n;

	if (!multipart_clean_filename((const char *)data, size, out,
				      sizeof out)) {
		CHECK(out[0] == '\0');
		return;
	}
	n = strlen(out);
	CHECK(n >= 1 && n <= 255);
	CHECK(utf8_valid(out, n));
	CHECK(out[0] != ' ' && out[0] != '.');
	CHECK(out[n - 1] != ' ' && out[n - 1] != '.');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)out[i];
		size_t k = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		uint32_t cp = k == 1 ? c : c & (0xFF >> (k + 1));
		for (size_t j = 1; j < k; j++)
			cp = cp << 6 | ((unsigned char)out[i + j] & 0x3F);
		CHECK(!banned(cp));
		i += k;
	}
	CHECK(multipart_clean_filename(out, n, again, sizeof again));
	CHECK(strcmp(again, out) == 0);
	/* A smaller buffer cuts on a character boundary. */
	if (multipart_clean_filename((const char *)data, size, again, 8))
		CHECK(utf8_valid(again, strlen(again)) && strlen(again) <= 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct multipart_limits tight = {
		.max_parts = 3,
		.max_header_bytes = 120,
		.max_name_len = 8,
		.max_field_bytes = 16,
		.max_file_bytes = 64,
		.max_total_bytes = 300,
	};
	static const struct multipart_limits roomy = {
		.max_parts = 1000,
		.max_header_bytes = 8192,	/* inputs are 4096 bytes at most */
		.max_name_len = 1 << 20,
		.max_field_bytes = 1 << 20,
		.max_file_bytes = 1 << 20,
		.max_total_bytes = 1 << 20,
	};
	const uint8_t *body;
	size_t cut, len;

	if (size == 0)
		return 0;
	body = data + 1;
	len = size - 1;
	cut = data[0] < len ? data[0] : len;
	check_parses(body, len, cut, &roomy, true);
	/* The total limit is checked before a piece is read: how the body
	 * is cut decides which error comes first when it is passed. */
	check_parses(body, len, cut, &tight, len <= tight.max_total_bytes);
	check_parses(body, len, cut, &multipart_limits_default, true);
	check_boundary(data, size);
	check_clean_filename(data, size);
	return 0;
}
