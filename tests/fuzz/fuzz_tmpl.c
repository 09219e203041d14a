/*
 * libFuzzer target: the Mustache engine (fcgi/lib/tmpl.c), template source and
 * data both fuzzed.
 *
 * The input is a template source, optionally followed by a line "---" and
 * JSON data (TEMPLATE "\n---\n" JSON). Each input:
 *   1. parses the source as template "fuzz" into a fresh set that also holds
 *      a few small fixed templates it may use as partials or parent
 *      ("layout", "footer", "row"); a refusal must come with a
 *      "file:line: message" error, also when the error buffer is tiny;
 *   2. renders it (when parsed) with the data, twice, and wants identical
 *      output; a source without any "{{" renders as itself;
 *   3. renders every real template of templates/ (loaded once) with the
 *      data, as the server would with a handler's model;
 *   4. renders "{{s}}" with the raw input as s, and checks the HTML
 *      escaping: no markup character survives and unescaping gives s back.
 *
 * Sections over arrays multiply the work by the array's length per nesting
 * level, which is the template's business, not a bug: the fuzzed template
 * is rendered only while (longest array) ^ (number of '#') stays small.
 *
 * fuzz-sources: fcgi/lib/tmpl.c fcgi/lib/tmpl_parse.c fcgi/lib/tmpl_render.c fcgi/lib/arena.c fcgi/lib/buf.c
 * fuzz-pkgs: json-c
 * fuzz-max-len: 8192
 * fuzz-cflags: -DTMPL_MAX_EXPANSIONS=120
 */
#include <dirent.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "lib/buf.h"
#include "lib/tmpl.h"

#define CHECK(cond)                                                     \
	do {                                                            \
		if (!(cond)) {                                          \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", \
				__FILE__, __LINE__, #cond);             \
			abort();                                        \
		}                                                       \
	} while (0)

#ifndef FUZZ_ROOT
#define FUZZ_ROOT "."
#endif

#define SEPARATOR "\n---\n"
#define MAX_WORK 4096	/* (longest array) ^ (sections) allowed */

static const struct {
	const char *name, *src;
} fixed[] = {
	{ "layout",
	  "<!doctype html>\n<title>{{$title}}{{site.name}}{{/title}}</title>\n"
	  "{{$head}}{{/head}}\n<main>\n  {{$content}}\n  <p>默认内容</p>\n"
	  "  {{/content}}\n</main>\n{{>footer}}\n" },
	{ "footer", "<footer>{{site.name}} {{csrf_token}}</footer>\n" },
	{ "row", "  <li>{{name}}{{#done}} ✓{{/done}}{{^done}} …{{/done}}</li>\n" },
};

static struct tmpl_set *real_set, *esc_set;
static char **real_names;
static size_t nreal;

/* ---- the real templates, loaded once ---------------------------------- */

static void add_real_name(const char *name)
{
	real_names = realloc(real_names, (nreal + 1) * sizeof *real_names);
	CHECK(real_names != NULL);
	real_names[nreal] = strdup(name);
	CHECK(real_names[nreal] != NULL);
	nreal++;
}

/* The names tmpl_set_load_dir gives: paths below dir without ".mustache". */
static void collect_names(const char *dir, const char *rel)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "%s/%s", dir, rel);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d))) {
		char name[PATH_MAX], file[PATH_MAX + 8];
		struct stat st;
		size_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(name, sizeof name, "%s%s", rel, e->d_name);
		snprintf(file, sizeof file, "%s/%s", dir, name);
		if (stat(file, &st) != 0)
			continue;
		len = strlen(name);
		if (S_ISDIR(st.st_mode) && len + 2 < sizeof name) {
			strcat(name, "/");
			collect_names(dir, name);
		} else if (S_ISREG(st.st_mode) && len > 9 &&
			   !strcmp(name + len - 9, ".mustache")) {
			name[len - 9] = '\0';
			add_real_name(name);
		}
	}
	closedir(d);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("FUZZ_TEMPLATES");
	char err[512] = "";

	(void)argc;
	(void)argv;
	if (!dir)
		dir = FUZZ_ROOT "/templates";
	real_set = tmpl_set_load_dir(dir, err, sizeof err);
	if (!real_set) {
		fprintf(stderr, "fuzz_tmpl: cannot load %s: %s\n", dir, err);
		exit(2);
	}
	collect_names(dir, "");
	esc_set = tmpl_set_new();
	CHECK(tmpl_set_add(esc_set, "esc", NULL, "{{s}}", 5, err, sizeof err));
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* The longest array anywhere in v. */
static size_t longest_array(struct json_object *v)
{
	size_t best = 0;

	if (json_object_is_type(v, json_type_array)) {
		size_t n = json_object_array_length(v);
		best = n;
		for (size_t i = 0; i < n; i++) {
			size_t k = longest_array(json_object_array_get_idx(v, i));
			if (k > best)
				best = k;
		}
	} else if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, val) {
			size_t k = longest_array(val);
			(void)key;
			if (k > best)
				best = k;
		}
	}
	return best;
}

static bool cheap_enough(const char *src, size_t len, struct json_object *data)
{
	size_t m = longest_array(data), work = 1;

	if (m < 2)
		return true;
	for (size_t i = 0; i < len; i++) {
		if (src[i] != '#')
			continue;
		work *= m;
		if (work > MAX_WORK)
			return false;
	}
	return true;
}

/* What a handler might pass when the input carries no usable JSON. */
static struct json_object *default_data(void)
{
	return json_tokener_parse(
		"{\"title\":\"标题\",\"site\":{\"name\":\"政府信息公开申请\"},"
		"\"csrf_token\":\"t0k\",\"agencies\":[{\"code\":\"A1\","
		"\"name\":\"<市政府办公室>\"}],\"items\":[{\"name\":\"x\","
		"\"done\":true},{\"name\":\"y\",\"done\":false}],"
		"\"n\":42,\"d\":1.21,\"empty\":[],\"nothing\":null}");
}

static struct json_object *parse_data(const char *s, size_t len)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *v;

	CHECK(tok != NULL);
	v = json_tokener_parse_ex(tok, s, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(v);
		v = NULL;
	}
	json_tokener_free(tok);
	return v ? v : default_data();
}

static void add_fixed(struct tmpl_set *set)
{
	char err[256];

	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
		CHECK(tmpl_set_add(set, fixed[i].name, NULL, fixed[i].src,
				   strlen(fixed[i].src), err, sizeof err));
}

/* An error is "fuzz.mustache:LINE: message". */
static void check_error(const char *err)
{
	const char *p = err + strlen("fuzz.mustache:");

	CHECK(strncmp(err, "fuzz.mustache:", strlen("fuzz.mustache:")) == 0);
	CHECK(*p >= '1' && *p <= '9');
	while (*p >= '0' && *p <= '9')
		p++;
	CHECK(p[0] == ':' && p[1] == ' ' && p[2] != '\0');
}

/* ---- the steps ---------------------------------------------------------- */

static void fuzz_template(const char *src, size_t len, struct json_object *data,
			  size_t errlen_small)
{
	struct tmpl_set *set = tmpl_set_new(), *again = tmpl_set_new();
	char err[512] = "", tiny[16];
	bool ok, ok2;

	add_fixed(set);
	ok = tmpl_set_add(set, "fuzz", "fuzz.mustache", src, len, err, sizeof err);
	if (!ok)
		check_error(err);
	CHECK(tmpl_set_has(set, "fuzz") == ok);

	/* The same verdict with a tiny error buffer, always terminated. */
	add_fixed(again);
	memset(tiny, 'x', sizeof tiny);
	ok2 = tmpl_set_add(again, "fuzz", "fuzz.mustache", src, len, tiny,
			   errlen_small);
	CHECK(ok2 == ok);
	if (!ok && errlen_small)
		CHECK(memchr(tiny, '\0', errlen_small) != NULL);
	tmpl_set_free(again);

	if (ok && cheap_enough(src, len, data)) {
		struct buf out = BUF_INIT, out2 = BUF_INIT;

		CHECK(tmpl_render(set, "fuzz", data, &out, err, sizeof err));
		CHECK(tmpl_render(set, "fuzz", data, &out2, err, sizeof err));
		CHECK(out.len == out2.len &&
		      memcmp(buf_str(&out), buf_str(&out2), out.len) == 0);
		if (!memmem(src, len, "{{", 2))
			CHECK(out.len == len && !memcmp(buf_str(&out), src, len));
		buf_free(&out);
		buf_free(&out2);
	}
	struct buf none = BUF_INIT;
	CHECK(!tmpl_render(set, "no such template", data, &none, err, sizeof err));
	CHECK(none.len == 0);
	tmpl_set_free(set);
}

static void fuzz_real(struct json_object *data)
{
	char err[256];

	for (size_t i = 0; i < nreal; i++) {
		struct buf out = BUF_INIT;

		CHECK(tmpl_render(real_set, real_names[i], data, &out, err,
				  sizeof err));
		buf_free(&out);
	}
}

/* Undoes buf_put_html's five entities; false on any other '&'. */
static bool unescape(const char *s, size_t len, struct buf *out)
{
	static const struct {
		const char *entity;
		char c;
	} ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
		{ "&quot;", '"' }, { "&#39;", '\'' },
	};

	for (size_t i = 0; i < len;) {
		size_t k;

		if (s[i] != '&') {
			buf_putc(out, s[i++]);
			continue;
		}
		for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
			size_t n = strlen(ents[k].entity);
			if (len - i >= n && !memcmp(s + i, ents[k].entity, n))
				break;
		}
		if (k == sizeof ents / sizeof ents[0])
			return false;
		buf_putc(out, ents[k].c);
		i += strlen(ents[k].entity);
	}
	return true;
}

static void fuzz_escaping(const uint8_t *data, size_t size)
{
	struct json_object *model = json_object_new_object();
	struct buf out = BUF_INIT, back = BUF_INIT;
	char err[256];

	json_object_object_add(model, "s",
			       json_object_new_string_len((const char *)data,
							  (int)size));
	CHECK(tmpl_render(esc_set, "esc", model, &out, err, sizeof err));
	for (size_t i = 0; i < out.len; i++)
		CHECK(!strchr("<>\"'", out.data[i]) || out.data[i] == '\0');
	CHECK(unescape(buf_str(&out), out.len, &back));
	CHECK(back.len == size && !memcmp(buf_str(&back), data, size));
	buf_free(&out);
	buf_free(&back);
	json_object_put(model);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *sep = memmem(s, size, SEPARATOR, strlen(SEPARATOR));
	size_t src_len = sep ? (size_t)(sep - s) : size;
	struct json_object *model;

	if (sep) {
		const char *js = sep + strlen(SEPARATOR);
		model = parse_data(js, size - (size_t)(js - s));
	} else {
		model = default_data();
	}
	fuzz_template(s, src_len, model, size % 8);
	fuzz_real(model);
	fuzz_escaping(data, size);
	json_object_put(model);
	return 0;
}
