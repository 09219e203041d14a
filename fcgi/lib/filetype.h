/*
 * filetype: what a file is, from its content (issue 15, "Limits").
 *
 * An upload's type is read from its bytes with libmagic, never taken from
 * its name or the browser's Content-Type. ZIP-based formats are told apart
 * by their inner manifest with libzip (OFD: OFD.xml at the root; DOCX:
 * [Content_Types].xml and word/document.xml; XLSX: [Content_Types].xml
 * and xl/workbook.xml; any other archive is a plain ZIP; more than 10000
 * entries are refused unread). OLE2 compound files are DOC or XLS as
 * libmagic names them, WPS or ET by the extension.
 * The kind found is then checked against one table of accepted kinds:
 * its code, its Chinese label, the extensions it may carry and the MIME
 * type it is served with. A name whose extension disagrees with the
 * content is refused; a name without an extension takes the content's.
 *
 * TXT is accepted only as UTF-8 (a BOM allowed) without NUL bytes: the
 * bytes are served as text/plain; charset=utf-8 and shown as such.
 * GB18030/GBK text cannot be told from other 8-bit data reliably, so it is
 * refused with a message asking for UTF-8 (Notepad's "另存为 UTF-8").
 *
 * HTML and SVG are refused explicitly: both can carry script, and a file
 * we serve must never run in our origin. Executables and scripts (shell,
 * batch, PHP, Python …) are refused too. Whoever serves an accepted file
 * still sends X-Content-Type-Options: nosniff and, but for images and
 * PDF, Content-Disposition: attachment: a text or image can hold markup.
 *
 * Cost: libmagic reads the first 256 KiB; the ZIP directory and the whole
 * of a text file are read here in small pieces. Memory does not grow with
 * the file.
 *
 * Threads: libmagic cookies are not thread-safe. A checker is used by one
 * thread at a time; give each worker thread its own.
 */
#ifndef YSQGK_FILETYPE_H
#define YSQGK_FILETYPE_H

#include <stddef.h>

/* One accepted kind: a row of the table. */
struct filetype_kind {
	const char *code;		/* "pdf", "docx", …: stored with the file */
	const char *label;		/* "PDF文档": shown to people */
	const char *extensions[3];	/* lower case, no dot; first = canonical; NULL-ended */
	const char *mime;		/* Content-Type it is served with */
};

enum filetype_verdict {
	FILETYPE_ACCEPTED,
	FILETYPE_EMPTY,			/* zero bytes */
	FILETYPE_TYPE_NOT_ALLOWED,	/* content of a kind not in the table */
	FILETYPE_EXTENSION_MISMATCH,	/* an accepted kind under another kind's name */
	FILETYPE_ERROR,			/* the file could not be read or libmagic failed */
};

struct filetype_result {
	/* ACCEPTED: the kind (code, label, mime point into the table). */
	const char *code;
	const char *mime;
	const char *label;
	/* The extension the file should carry (the kind's canonical one when
	 * the name had none): ACCEPTED and EXTENSION_MISMATCH. */
	const char *extension;
	/* What the content is, in words, for every verdict but EMPTY and
	 * ERROR: the kind's label, or e.g. "HTML网页（可能含有脚本）". */
	const char *content_label;
	/* libmagic's own answer, for the log ("image/png"); "" if none. */
	char magic_mime[96];
};

struct filetype_checker;

/* Opens libmagic (MAGIC_MIME_TYPE) with its default database. NULL on
 * failure, with the reason in err. One per thread (see above). */
struct filetype_checker *filetype_checker_new(char *err, size_t errlen);
void filetype_checker_free(struct filetype_checker *c);

/*
 * The verdict on one file. With path (the stored upload) the file itself
 * is read and head is ignored; without it, head[0..head_len) is taken to
 * be the whole content (a ZIP needs its central directory at the end).
 * display_name is the name the sender gave (may be NULL: no extension).
 * out is always filled.
 */
enum filetype_verdict filetype_check(struct filetype_checker *c, const char *path,
				     const void *head, size_t head_len,
				     const char *display_name, struct filetype_result *out);

/* The Chinese message for a verdict, written to buf (always NUL-ended and
 * valid UTF-8 when cut); returns buf. The name is shown without controls,
 * bidi or invisible characters, cut after 60 characters. e.g.
 * "文件“x.pdf”的内容是PNG图片，与扩展名不符（应为 .png）". */
const char *filetype_message(enum filetype_verdict v, const char *display_name,
			     const struct filetype_result *r, char *buf, size_t buflen);

/* The table, in the order shown to people, and a row by code (NULL if
 * none). */
const struct filetype_kind *filetype_kinds(size_t *count);
const struct filetype_kind *filetype_kind_by_code(const char *code);

/* The lower-case extension of name, without the dot, in buf, cut to fit
 * ("" when the name has none: no dot, or only a leading one). */
const char *filetype_extension(const char *name, char *buf, size_t buflen);

#endif
