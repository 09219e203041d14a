/*
 * multipart: a streaming multipart/form-data parser (RFC 7578 on RFC 2046
 * §5.1; filename* as RFC 5987 / RFC 2231 ext-value), push style.
 *
 *   struct multipart *p = multipart_new(boundary, NULL, &callbacks, user);
 *   while (read a chunk of the body)
 *           if (!multipart_feed(p, chunk, n)) break;   (any chunking)
 *   ok = multipart_finish(p);       (false: error, or no closing delimiter)
 *   multipart_free(p);
 *
 * The body is never buffered: part data goes to the part_data callback as
 * it arrives (in pieces of any size), so memory is fixed at creation,
 * O(boundary + header limit). Each limit has its own error code, so that
 * the web layer can answer 413 or 422 naming the field
 * (multipart_part_name() tells which part was being read).
 *
 * Strict where a lenient reading would let two parsers see two different
 * forms: line ends are CRLF (a bare CR or LF is an error), a delimiter must
 * be followed by "--", transport padding (spaces, tabs) and CRLF, each part
 * must carry one Content-Disposition of type form-data with a name. The
 * preamble and the epilogue are ignored.
 *
 * No globals, no I/O; malloc'd once in multipart_new.
 */
#ifndef YSQGK_MULTIPART_H
#define YSQGK_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

/* RFC 2046 §5.1.1: 1 to 70 characters. */
#define MULTIPART_BOUNDARY_MAX 70
/* The largest max_header_bytes multipart_new takes (it allocates twice). */
#define MULTIPART_HEADER_MAX (1024 * 1024)

struct multipart_limits {
	size_t max_parts;	  /* parts in the body (e.g. 16) */
	size_t max_header_bytes;  /* one part's header block, CRLFs included */
	size_t max_name_len;	  /* the name parameter, bytes */
	size_t max_field_bytes;	  /* data of a part without a filename */
	size_t max_file_bytes;	  /* data of a part with a filename */
	size_t max_total_bytes;	  /* the whole body as fed */
};

/*
 * 16 parts, header blocks of 8 KiB, names of 100 bytes, fields of 64 KiB,
 * files of 20 MiB, bodies of 50 MiB.
 */
extern const struct multipart_limits multipart_limits_default;

enum multipart_error {
	MULTIPART_OK = 0,
	MULTIPART_MALFORMED,		/* multipart_error_detail() says how */
	MULTIPART_TOO_MANY_PARTS,
	MULTIPART_PART_TOO_LARGE,	/* the part's max_bytes */
	MULTIPART_HEADER_TOO_LARGE,
	MULTIPART_NAME_TOO_LONG,
	MULTIPART_TOTAL_TOO_LARGE,
	MULTIPART_ABORTED,		/* a callback returned false */
};

/* A short English description for the log ("part too large"). */
const char *multipart_error_str(enum multipart_error e);

/*
 * A part, as its headers describe it; valid during part_begin only (copy
 * what you keep). name: the name parameter, valid UTF-8 without NUL, at
 * most max_name_len bytes. filename: NULL when the part has none; else
 * valid UTF-8 (filename_len bytes, NUL-terminated, but a NUL may sit
 * inside when filename* encoded one), from filename*=UTF-8''… (or
 * ISO-8859-1'', converted) when given, else the filename parameter as sent
 * — not sanitised (multipart_clean_filename) and possibly "" (a browser's
 * empty file input). content_type: the Content-Type header trimmed, or
 * "text/plain" when absent (RFC 7578 §4.4). max_bytes: the limit of this
 * part's data, max_file_bytes or max_field_bytes by whether it has a
 * filename; part_begin may change it for this part.
 */
struct multipart_part {
	size_t index;			/* 0, 1, … */
	const char *name;
	const char *filename;
	size_t filename_len;
	const char *content_type;
	size_t max_bytes;
};

/*
 * Each returns false to stop the parse (MULTIPART_ABORTED). part_data gets
 * one piece of the current part's data (len > 0); part_end says the part's
 * data is complete (its final CRLF belongs to the delimiter, RFC 2046).
 * Any callback may be NULL. None is called after an error.
 */
struct multipart_callbacks {
	bool (*part_begin)(void *user, struct multipart_part *part);
	bool (*part_data)(void *user, const char *data, size_t len);
	bool (*part_end)(void *user);
};

struct multipart;

/*
 * A parser for a body with this boundary (as multipart_boundary returns
 * it; checked again here). limits NULL means multipart_limits_default.
 * NULL when the boundary is not valid, max_header_bytes is above
 * MULTIPART_HEADER_MAX or memory runs out.
 */
struct multipart *multipart_new(const char *boundary,
				const struct multipart_limits *limits,
				const struct multipart_callbacks *callbacks,
				void *user);

/*
 * Parses the next len bytes of the body. False on an error, now or
 * before: once an error is set, every later call returns false and does
 * nothing.
 */
bool multipart_feed(struct multipart *p, const void *bytes, size_t len);

/*
 * The body has ended: true when it was complete (the close delimiter seen,
 * no error). A body cut short is MULTIPART_MALFORMED.
 */
bool multipart_finish(struct multipart *p);

enum multipart_error multipart_error(const struct multipart *p);
/* Why, in a few English words ("bare LF in a header"); "" when none. */
const char *multipart_error_detail(const struct multipart *p);
/*
 * The name of the part being read when the error came (for 413/422
 * beside its field), or NULL when the error came outside a part or
 * before its name was known.
 */
const char *multipart_part_name(const struct multipart *p);

void multipart_free(struct multipart *p);

/*
 * Extracts the boundary parameter of a Content-Type header whose type is
 * multipart/form-data (case-insensitive), quoted or not, into out (outlen
 * >= MULTIPART_BOUNDARY_MAX + 1). False when the type is another, the
 * boundary is missing, given twice, empty, longer than 70 characters, has
 * a character outside RFC 2046's bchars or ends with a space.
 */
bool multipart_boundary(const char *content_type, char *out, size_t outlen);

/*
 * A file's display name from what a browser sent (in[0..inlen), which may
 * hold NUL): drops any path (everything up to the last '/' or '\'),
 * removes NUL, C0 and C1 controls, DEL and the bidi controls (U+202A–
 * U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), trims spaces and dots at
 * both ends, and cuts at 255 bytes (or outlen - 1) on a character
 * boundary. False — out then "" — when the input is not valid UTF-8 or
 * nothing is left (""; "." and ".." trim to "").
 */
bool multipart_clean_filename(const char *in, size_t inlen, char *out,
			      size_t outlen);

#endif
