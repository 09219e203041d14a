/*
 * pdfdoc: an official document (公文-style notice) as an A4 PDF, rendered
 * with cairo and pango. Knows nothing of the application: the caller
 * describes the document, pdfdoc lays it out.
 *
 * Layout, in the basic style of GB/T 9704-2012:
 *   - A4, 210 × 297 mm; the text block 156 × 225 mm, 37 mm from the top
 *     and 28 mm from the left edge; 22 lines to the page (3号 text).
 *   - The title centred (2号, Noto Serif CJK SC Bold as the 小标宋),
 *     on lines of even length when long; the 文号 centred under it.
 *   - A blank line, the addressee flush left, then the body: each paragraph
 *     with a two-character first-line indent, justified (3号, Noto Serif
 *     CJK SC Regular in place of 仿宋). Lines end in "\n" or "\r\n"; empty
 *     paragraphs are skipped.
 *   - The 落款 after the body, each of its lines on one line. With a seal
 *     (GB/T 9704 7.3.5.1): the date four characters from the right edge,
 *     the signer centred over it, the seal 42 mm wide (42 mm high when
 *     taller than wide) centred over both, its top within one line below
 *     the body, drawn in multiply mode so the text shows through. Without
 *     (7.3.5.2): a blank line, the signer two characters from the right
 *     edge, the date under it starting two characters further right.
 *     Signer, date and seal stay on one page; when they do not fit, they
 *     move to the next with the body's last two lines, never alone.
 *   - Text flows across pages; when there is more than one page, each
 *     carries its number "— N —" centred under the text block (4号).
 *   - The footer, when given, in small type at the bottom of every page.
 *
 * Output is deterministic: the same document gives the same bytes, from
 * one render to the next and across processes, on one installation (the
 * bytes depend on the cairo, pango and font versions). The PDF carries no
 * creation date unless the caller gives one; its Title is the title.
 *
 * Threads: call pdfdoc_global_init() once at start-up, before any thread
 * renders: pango initialises fontconfig, the two faces are loaded and a
 * throwaway document is rendered (some 0.3 s), so that no render pays for
 * it (a first render costs ten times a later one). pdfdoc_render() may
 * then be called from any thread (it calls pdfdoc_global_init itself if
 * need be). Every render runs on one thread that pdfdoc_global_init starts
 * (the caller waits for it): renders are serialised (the pango font map is
 * shared, and pango objects are not thread-safe), each taking a few tens
 * of milliseconds, and the large block cairo allocates to subset the font
 * stays in that one thread's malloc arena instead of in every caller's
 * (pdfdoc.c says why). The seal's PNG is decoded on the caller's thread.
 * Do not fork after pdfdoc_global_init: the child would have no renderer.
 * pdfdoc_global_cleanup() (tests, at exit) frees what can be freed; no
 * render may run during or after it.
 */
#ifndef YSQGK_PDFDOC_H
#define YSQGK_PDFDOC_H

#include <stdbool.h>
#include <stddef.h>

#include "lib/buf.h"

struct pdfdoc {
	const char *title;		/* required */
	const char *doc_no;		/* 文号, "某政信〔2026〕12号", or NULL */
	const char *addressee;		/* "张三：", or NULL */
	const char *body;		/* required: paragraphs separated by "\n" */
	const char *signer;		/* required: 落款, the agency's name */
	const char *date_text;		/* required: "2026年12月7日" */
	const void *seal_png;		/* the seal as a PNG, or NULL */
	size_t seal_png_len;
	const char *footer;		/* small text at the bottom of each page, or NULL */
	const char *created;		/* the PDF's CreationDate as ISO 8601
					 * ("2026-12-07T09:30:00+08:00"), or NULL
					 * for none (the bytes then depend on the
					 * document alone). cairo 1.16 writes it
					 * without the "D:" prefix; pdfinfo and
					 * viewers read it all the same. */
};

/* The folder holding the subset of the font (build/fonts, installed in
 * DATADIR/fonts: deploy/subset-font.py), which makes each render several
 * times cheaper; without it the full font serves. Before the first render
 * or pdfdoc_global_init; the string is copied. */
void pdfdoc_set_font_dir(const char *dir);

/* Once, before any thread renders. Idempotent. */
void pdfdoc_global_init(void);

/* Appends the PDF to out. False, with out as it was and a message (Chinese,
 * naming the field) in err: a required field missing or empty, a text not
 * valid UTF-8 or holding control characters (the body may hold line
 * breaks, "\n" or "\r\n"), the body longer than 200 000 bytes or another
 * text longer than 2 000, the signer or date longer than a line, created
 * not ISO 8601, the seal not a readable PNG of at most 4096 pixels a side,
 * the font (Noto Serif CJK SC, Debian fonts-noto-cjk) not installed, or
 * cairo failing. */
bool pdfdoc_render(const struct pdfdoc *d, struct buf *out, char *err, size_t errlen);

/* Frees the font map and cairo's static caches (for leak checkers). */
void pdfdoc_global_cleanup(void);

#endif
