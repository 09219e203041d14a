/*
 * textcheck: what text a person may send us (issue 12, item 10).
 *
 * Control characters and invisible formatting characters have no place in
 * a name, an address or a request: a bidi override (U+202E) makes a notice
 * read differently from what is stored, a zero-width character makes two
 * names that look alike compare different, a tag character hides text.
 * They are refused — never silently removed, which would change what the
 * applicant signed — with the field named. Names are stored in Unicode
 * NFC, so that the same name typed on two keyboards is one name.
 *
 * Pure functions: no I/O, no globals.
 */
#ifndef YSQGK_TEXTCHECK_H
#define YSQGK_TEXTCHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/arena.h"

/*
 * Whether well-formed UTF-8 s[0..len) holds a code point text may not
 * hold; the first one goes to *cp:
 *   - C0 controls and DEL — except TAB, LF and CR when `multiline` (a
 *     textarea sends CRLF) —, C1 controls (U+0080–U+009F);
 *   - bidi embeddings, overrides and isolates (U+202A–U+202E,
 *     U+2066–U+2069) and the marks U+200E, U+200F, U+061C;
 *   - zero-width and invisible characters (U+200B–U+200D, U+2060–U+2064,
 *     U+180E, U+FEFF) and tag characters (U+E0000–U+E007F).
 */
bool text_forbidden_char(const char *s, size_t len, bool multiline, uint32_t *cp);

/* s (well-formed UTF-8) in Unicode NFC, in the arena; NULL if that fails. */
char *text_nfc(struct arena *a, const char *s, size_t len, size_t *out_len);

/*
 * s without the blanks at either end, copied into the arena: ASCII white
 * space, NBSP (U+00A0) and the ideographic space (U+3000) that a Chinese
 * keyboard types in full-width mode. s must not be NULL.
 */
char *text_trim(struct arena *a, const char *s);

#endif
