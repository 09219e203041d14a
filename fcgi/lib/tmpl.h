/*
 * tmpl: Mustache templates over json-c values.
 *
 * Templates are parsed once into a tree (tmpl_set_add / tmpl_set_load_dir)
 * and rendered many times; rendering never re-parses. A set maps names to
 * parsed templates; partials ({{>name}}) and parents ({{<name}}) are looked
 * up by name in the same set at render time, so a set is self-contained.
 *
 * Supported: {{name}} (HTML-escaped: & < > " '), {{{name}}} and {{& name}}
 * (raw), dotted names and the implicit iterator {{.}}, sections over lists,
 * objects and truthy values, inverted sections, comments, partials with
 * standalone indentation, set delimiters, and template inheritance
 * ({{<parent}}{{$block}}…{{/block}}{{/parent}}). Lambdas are not supported.
 *
 * Values: a section is skipped for json null, false, an empty array and a
 * missing name; every other value (also "" and 0) is truthy. Integers render
 * as integers, doubles in their shortest round-trip form ("1.21"), booleans
 * as "true"/"false"; objects and arrays interpolate as nothing.
 *
 * Standalone lines: a line holding only blanks and non-output tags (sections,
 * comments, set-delimiters, partials, parents, blocks; several may share the
 * line) is removed from the output, as the spec wants for one tag per line
 * and ~inheritance needs for "{{<parent}}{{/parent}}" on one line. A
 * standalone partial, parent or block indents every line it renders by the
 * line's leading blanks.
 *
 * Ownership: a set owns its templates and copies the sources it is given;
 * render borrows `data` and appends to `out`. A set is immutable after
 * loading and may be rendered from many threads at once.
 */
#ifndef YSQGK_TMPL_H
#define YSQGK_TMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "lib/buf.h"

/* How deep partials, parents and block overrides may nest at render time;
 * deeper ones render as nothing (a template including itself forever). */
#define TMPL_MAX_DEPTH 100

struct tmpl_set;

struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *set);

/*
 * Parses `src` and stores it under `name` (replacing one of that name).
 * `file` names the source in error messages. On a syntax error returns
 * false and writes "file:line: what is wrong" into err.
 */
bool tmpl_set_add(struct tmpl_set *set, const char *name, const char *file,
		  const char *src, size_t len, char *err, size_t errlen);

/*
 * Loads every *.mustache file under dir, recursively; a file's name is its
 * path below dir without the extension ("layout", "notices/reply").
 * Stops at the first error (file:line in err) and returns NULL.
 */
struct tmpl_set *tmpl_set_load_dir(const char *dir, char *err, size_t errlen);

bool tmpl_set_has(const struct tmpl_set *set, const char *name);

/*
 * Renders template `name` with `data` as the context, appending to out.
 * Returns false (with a message in err) only when `name` is not in the set;
 * a missing partial renders as nothing, as the spec says.
 */
bool tmpl_render(const struct tmpl_set *set, const char *name,
		 struct json_object *data, struct buf *out, char *err,
		 size_t errlen);

/*
 * Renders the template file at `path` (named by its file name without
 * ".mustache"). Partials and parents it names, transitively, are loaded
 * from beside it: {{>foo}} is foo.mustache there, or a file named exactly
 * foo; "notices/reply" is notices/reply.mustache. A name that is absolute,
 * has a ".." part or has no file renders as nothing. Backs `ysqgk render`.
 * Returns false with "file:line: message" (or "path: reason") in err.
 */
bool tmpl_render_file(const char *path, struct json_object *data,
		      struct buf *out, char *err, size_t errlen);

#endif
