/*
 * Tests of the Mustache engine: every case of the official spec files
 * (read at run time from $YSQGK_SHARED/mustache-spec), then the engine's
 * own promises: error positions, directory loading, escaping, the
 * recursion cap, rendering from several threads, tmpl_render_file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/tmpl.h"

static const char *const spec_files[] = {
	"comments.json", "delimiters.json", "interpolation.json",
	"inverted.json", "partials.json", "sections.json", "~inheritance.json",
};

/* The template under test gets a name no spec partial uses. */
#define SPEC_MAIN "(spec template)"

struct spec_case {
	const char *file;
	struct json_object *test;	/* borrowed from the file's document */
};

/* Shows line ends and tabs, so a whitespace mismatch is visible. */
static void print_visible(const char *label, const char *s)
{
	struct buf b = BUF_INIT;
	for (; *s; s++) {
		switch (*s) {
		case '\n': buf_puts(&b, "\\n"); break;
		case '\r': buf_puts(&b, "\\r"); break;
		case '\t': buf_puts(&b, "\\t"); break;
		default: buf_putc(&b, *s);
		}
	}
	print_error("%s \"%s\"\n", label, buf_str(&b));
	buf_free(&b);
}

static const char *str_field(struct json_object *o, const char *key)
{
	struct json_object *v;
	if (!json_object_object_get_ex(o, key, &v))
		return "";
	return json_object_get_string(v);
}

static void add_source(struct tmpl_set *set, const char *name, const char *src)
{
	char err[512] = "";
	if (!tmpl_set_add(set, name, name, src, strlen(src), err, sizeof err)) {
		print_error("parse error: %s\n", err);
		fail();
	}
}

static void test_spec_case(void **state)
{
	const struct spec_case *sc = *state;
	struct json_object *partials, *data = NULL;
	struct tmpl_set *set = tmpl_set_new();

	if (json_object_object_get_ex(sc->test, "partials", &partials)) {
		json_object_object_foreach(partials, name, src)
			add_source(set, name, json_object_get_string(src));
	}
	add_source(set, SPEC_MAIN, str_field(sc->test, "template"));
	json_object_object_get_ex(sc->test, "data", &data);

	struct buf out = BUF_INIT;
	char err[512] = "";
	bool ok = tmpl_render(set, SPEC_MAIN, data, &out, err, sizeof err);
	const char *expected = str_field(sc->test, "expected");
	if (!ok || strcmp(buf_str(&out), expected) != 0) {
		print_error("%s: \"%s\" (%s)\n", sc->file,
			    str_field(sc->test, "name"), err);
		print_visible("template:", str_field(sc->test, "template"));
		print_visible("expected:", expected);
		print_visible("actual:  ", buf_str(&out));
		buf_free(&out);
		tmpl_set_free(set);
		fail();
	}
	buf_free(&out);
	tmpl_set_free(set);
}

/* CI always has ../shared beside the clone: there a missing spec is an
 * error, not a skip that would pass unseen. */
static void test_spec_missing(void **state)
{
	if (getenv("CI"))
		fail_msg("%s not found (CI has ../shared beside the clone)",
			 (const char *)*state);
	print_message("skipped: %s not found\n", (const char *)*state);
	skip();
}

/* Runs every case of the spec files as its own cmocka test. */
static int run_spec(void)
{
	const char *shared = getenv("YSQGK_SHARED");
	char dir[4096];
	struct stat st;
	snprintf(dir, sizeof dir, "%s/mustache-spec",
		 shared ? shared : "$YSQGK_SHARED (unset)");
	if (!shared || stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		const struct CMUnitTest missing[] = {
			cmocka_unit_test_prestate(test_spec_missing, dir),
		};
		return cmocka_run_group_tests_name("mustache spec", missing,
						   NULL, NULL);
	}

	size_t nfiles = sizeof spec_files / sizeof spec_files[0];
	struct json_object *docs[sizeof spec_files / sizeof spec_files[0]];
	size_t total = 0;
	for (size_t i = 0; i < nfiles; i++) {
		char path[4200];
		struct json_object *tests;
		snprintf(path, sizeof path, "%s/%s", dir, spec_files[i]);
		docs[i] = json_object_from_file(path);
		if (!docs[i] || !json_object_object_get_ex(docs[i], "tests", &tests)) {
			fprintf(stderr, "cannot read spec file %s\n", path);
			for (size_t k = 0; k <= i; k++)
				json_object_put(docs[k]);
			return 1;
		}
		total += json_object_array_length(tests);
	}

	struct CMUnitTest *tests = calloc(total, sizeof *tests);
	struct spec_case *cases = calloc(total, sizeof *cases);
	char **names = calloc(total, sizeof *names);
	size_t n = 0;
	for (size_t i = 0; i < nfiles; i++) {
		struct json_object *list;
		json_object_object_get_ex(docs[i], "tests", &list);
		for (size_t k = 0; k < json_object_array_length(list); k++, n++) {
			struct json_object *t = json_object_array_get_idx(list, k);
			cases[n] = (struct spec_case){ spec_files[i], t };
			if (asprintf(&names[n], "%s: %s", spec_files[i],
				     str_field(t, "name")) < 0)
				abort();
			tests[n].name = names[n];
			tests[n].test_func = test_spec_case;
			tests[n].initial_state = &cases[n];
		}
	}
	int failed = _cmocka_run_group_tests("mustache spec", tests, total,
					     NULL, NULL);
	for (size_t i = 0; i < total; i++)
		free(names[i]);
	free(names);
	free(cases);
	free(tests);
	for (size_t i = 0; i < nfiles; i++)
		json_object_put(docs[i]);
	return failed;
}

/* ------------------------------------------------------ own tests */

static char *render_str(const char *src, const char *json)
{
	struct tmpl_set *set = tmpl_set_new();
	add_source(set, "t", src);
	struct json_object *data = json_tokener_parse(json);
	struct buf out = BUF_INIT;
	char err[256];
	assert_true(tmpl_render(set, "t", data, &out, err, sizeof err));
	json_object_put(data);
	tmpl_set_free(set);
	char *s = strdup(buf_str(&out));
	buf_free(&out);
	return s;
}

static void expect_render(const char *src, const char *json, const char *want)
{
	char *got = render_str(src, json);
	if (strcmp(got, want) != 0) {
		print_visible("template:", src);
		print_visible("expected:", want);
		print_visible("actual:  ", got);
		free(got);
		fail();
	}
	free(got);
}

static void expect_parse_error(const char *src, const char *want)
{
	struct tmpl_set *set = tmpl_set_new();
	char err[256] = "";
	bool ok = tmpl_set_add(set, "page", "templates/page.mustache", src,
			       strlen(src), err, sizeof err);
	tmpl_set_free(set);
	if (ok || strcmp(err, want) != 0) {
		print_visible("template:", src);
		print_error("expected error: %s\nactual error:   %s (ok=%d)\n",
			    want, err, ok);
		fail();
	}
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_parse_error("a\nb\n{{#x}}\n{{y}}\n",
			   "templates/page.mustache:3: unclosed section 'x'");
	expect_parse_error("{{#x}}\n{{#y}}\n{{/x}}\n",
			   "templates/page.mustache:3: closing tag 'x' does not "
			   "match 'y' opened on line 2");
	expect_parse_error("ok\n\n  {{/x}}",
			   "templates/page.mustache:3: closing tag 'x' has no "
			   "open section");
	expect_parse_error("line\n{{name\nmore text",
			   "templates/page.mustache:2: unclosed tag: no '}}' "
			   "after '{{'");
	expect_parse_error("{{{name}}",
			   "templates/page.mustache:1: unclosed tag: no '}}}' "
			   "after '{{{'");
	expect_parse_error("\n{{=<% %>=}}\n<%x}}",
			   "templates/page.mustache:3: unclosed tag: no '%>' "
			   "after '<%'");
	expect_parse_error("x\n{{=<%>=}}",
			   "templates/page.mustache:2: bad set-delimiter tag "
			   "'{{=<%>=}}'");
	expect_parse_error("{{= a b c =}}",
			   "templates/page.mustache:1: bad set-delimiter tag "
			   "'{{= a b c =}}'");
	expect_parse_error("{{!\n\n}}{{ }}",
			   "templates/page.mustache:3: empty tag '{{ }}'");
	expect_parse_error("{{<layout}}{{$a}}{{/layout}}",
			   "templates/page.mustache:1: closing tag 'layout' does "
			   "not match 'a' opened on line 1");
}

static void test_escaping(void **state)
{
	(void)state;
	expect_render("{{s}}|{{{s}}}|{{&s}}", "{\"s\":\"<a href='x'>&\\\"</a>\"}",
		      "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;|"
		      "<a href='x'>&\"</a>|<a href='x'>&\"</a>");
	expect_render("{{s}}", "{\"s\":\"申请人：张三\"}", "申请人：张三");
}

static void test_values(void **state)
{
	(void)state;
	/* Only null, false, [] and missing are falsy; "" and 0 are not. */
	expect_render("{{#e}}E{{/e}}{{#z}}Z{{/z}}{{#n}}N{{/n}}{{#f}}F{{/f}}"
		      "{{#a}}A{{/a}}{{#m}}M{{/m}}{{^o}}O{{/o}}",
		      "{\"e\":\"\",\"z\":0,\"n\":null,\"f\":false,\"a\":[],"
		      "\"o\":{}}", "EZ");
	expect_render("{{i}} {{d}} {{big}} {{neg}} {{t}} {{o}}{{l}}",
		      "{\"i\":42,\"d\":0.5,\"big\":18446744073709551615,"
		      "\"neg\":-7,\"t\":true,\"o\":{\"a\":1},\"l\":[1]}",
		      "42 0.5 18446744073709551615 -7 true ");

	/* A computed double prints in its shortest round-trip form. */
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "x", json_object_new_double(0.1 + 0.2));
	json_object_object_add(o, "y", json_object_new_double(2.0));
	struct tmpl_set *set = tmpl_set_new();
	add_source(set, "t", "{{x}} {{y}}");
	struct buf out = BUF_INIT;
	assert_true(tmpl_render(set, "t", o, &out, NULL, 0));
	assert_string_equal(buf_str(&out), "0.30000000000000004 2");
	buf_free(&out);
	tmpl_set_free(set);
	json_object_put(o);
}

static void test_missing_template(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	struct buf out = BUF_INIT;
	char err[128] = "";
	assert_false(tmpl_render(set, "nope", NULL, &out, err, sizeof err));
	assert_string_equal(err, "template 'nope' not found");
	assert_false(tmpl_set_has(set, "nope"));
	buf_free(&out);
	tmpl_set_free(set);
}

static void test_replace(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	add_source(set, "t", "old");
	add_source(set, "t", "new {{x}}");
	/* Many names force the table to grow; all stay reachable. */
	for (int i = 0; i < 100; i++) {
		char name[16], src[32];
		snprintf(name, sizeof name, "p%d", i);
		snprintf(src, sizeof src, "<%d>", i);
		add_source(set, name, src);
	}
	add_source(set, "all", "{{>p0}}{{>p57}}{{>p99}}");
	struct json_object *data = json_tokener_parse("{\"x\":1}");
	struct buf out = BUF_INIT;
	assert_true(tmpl_render(set, "t", data, &out, NULL, 0));
	assert_string_equal(buf_str(&out), "new 1");
	buf_reset(&out);
	assert_true(tmpl_render(set, "all", data, &out, NULL, 0));
	assert_string_equal(buf_str(&out), "<0><57><99>");
	/* A failed parse leaves the old template in place. */
	char err[128];
	assert_false(tmpl_set_add(set, "t", "t.mustache", "{{#a}}", 6, err,
				  sizeof err));
	buf_reset(&out);
	assert_true(tmpl_render(set, "t", data, &out, NULL, 0));
	assert_string_equal(buf_str(&out), "new 1");
	buf_free(&out);
	json_object_put(data);
	tmpl_set_free(set);
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == c;
	return n;
}

static void test_recursion_cap(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	add_source(set, "self", "x{{>self}}");
	add_source(set, "parent", "y{{<parent}}{{/parent}}");
	add_source(set, "block", "{{<wrap}}{{$a}}z{{$a}}{{/a}}{{/a}}{{/wrap}}");
	add_source(set, "wrap", "{{$a}}{{/a}}");
	add_source(set, "mutual", "{{>a}}");
	add_source(set, "a", "a{{>b}}");
	add_source(set, "b", "b{{>a}}");
	struct buf out = BUF_INIT;

	assert_true(tmpl_render(set, "self", NULL, &out, NULL, 0));
	assert_int_equal(out.len, TMPL_MAX_DEPTH + 1);
	assert_int_equal(count_char(buf_str(&out), 'x'), TMPL_MAX_DEPTH + 1);

	buf_reset(&out);
	assert_true(tmpl_render(set, "parent", NULL, &out, NULL, 0));
	assert_int_equal(count_char(buf_str(&out), 'y'), TMPL_MAX_DEPTH + 1);

	buf_reset(&out);
	assert_true(tmpl_render(set, "block", NULL, &out, NULL, 0));
	assert_true(out.len > 0 && out.len <= TMPL_MAX_DEPTH + 1);
	assert_int_equal(count_char(buf_str(&out), 'z'), out.len);

	buf_reset(&out);
	assert_true(tmpl_render(set, "mutual", NULL, &out, NULL, 0));
	assert_int_equal(out.len, TMPL_MAX_DEPTH);

	/* Deep but finite nesting below the cap renders fully. */
	buf_reset(&out);
	add_source(set, "tree", "({{#kids}}{{>tree}}{{/kids}})");
	struct json_object *leaf = json_tokener_parse("{\"kids\":[]}");
	for (int i = 0; i < 50; i++) {
		struct json_object *node = json_object_new_object();
		struct json_object *kids = json_object_new_array();
		json_object_array_add(kids, leaf);
		json_object_object_add(node, "kids", kids);
		leaf = node;
	}
	assert_true(tmpl_render(set, "tree", leaf, &out, NULL, 0));
	assert_int_equal(out.len, 2 * 51);
	json_object_put(leaf);
	buf_free(&out);
	tmpl_set_free(set);
}

/*
 * Found by tests/fuzz/fuzz_tmpl.c: a template that includes itself twice,
 * or an argument holding two blocks of its own name, doubled its work at
 * each of TMPL_MAX_DEPTH levels and never finished. Now every render
 * stops entering includes after a fixed total, so these end, quickly.
 */
static void test_expansion_cap(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	add_source(set, "twice", "x{{>twice}}{{>twice}}");
	add_source(set, "blocks",
		   "{{<wrap}}{{$a}}z{{$a}}{{/a}}{{$a}}{{/a}}{{/a}}{{/wrap}}");
	add_source(set, "wrap", "{{$a}}{{/a}}");
	struct buf out = BUF_INIT;

	assert_true(tmpl_render(set, "twice", NULL, &out, NULL, 0));
	assert_true(out.len > TMPL_MAX_DEPTH && out.len <= 1000000);
	assert_int_equal(count_char(buf_str(&out), 'x'), out.len);

	buf_reset(&out);
	assert_true(tmpl_render(set, "blocks", NULL, &out, NULL, 0));
	assert_true(out.len > TMPL_MAX_DEPTH && out.len <= 1000000);
	assert_int_equal(count_char(buf_str(&out), 'z'), out.len);
	buf_free(&out);
	tmpl_set_free(set);
}

/* ------------------------------------------------------- files */

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char path[512];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static void make_dir(char *tmpl)
{
	assert_non_null(mkdtemp(tmpl));
}

static void test_load_dir(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_tmpl_XXXXXX", sub[64];
	make_dir(dir);
	snprintf(sub, sizeof sub, "%s/notices", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(dir, "layout.mustache",
		   "<title>{{$title}}依申请公开{{/title}}</title>\n"
		   "<main>\n  {{$main}}{{/main}}\n</main>\n");
	write_file(dir, "notices/reply.mustache",
		   "{{<layout}}\n{{$title}}答复书{{/title}}\n"
		   "{{$main}}\n<p>{{name}}：</p>\n<p>{{>notices/sign}}</p>\n"
		   "{{/main}}\n{{/layout}}\n");
	write_file(dir, "notices/sign.mustache", "{{agency}}");
	write_file(dir, "README.txt", "{{#not a template");
	write_file(dir, ".hidden.mustache", "{{#broken");

	char err[512] = "";
	struct tmpl_set *set = tmpl_set_load_dir(dir, err, sizeof err);
	if (!set)
		print_error("load_dir: %s\n", err);
	assert_non_null(set);
	assert_true(tmpl_set_has(set, "layout"));
	assert_true(tmpl_set_has(set, "notices/reply"));
	assert_true(tmpl_set_has(set, "notices/sign"));
	assert_false(tmpl_set_has(set, "README"));
	assert_false(tmpl_set_has(set, "README.txt"));
	assert_false(tmpl_set_has(set, ".hidden"));

	struct json_object *data =
		json_tokener_parse("{\"name\":\"张三\",\"agency\":\"某市政府办公室\"}");
	struct buf out = BUF_INIT;
	assert_true(tmpl_render(set, "notices/reply", data, &out, err, sizeof err));
	assert_string_equal(buf_str(&out),
			    "<title>答复书</title>\n<main>\n  <p>张三：</p>\n"
			    "  <p>某市政府办公室</p>\n</main>\n");
	buf_free(&out);
	json_object_put(data);
	tmpl_set_free(set);

	/* A syntax error anywhere names the file and line. */
	write_file(dir, "notices/bad.mustache", "ok\n{{#open}}\n");
	err[0] = '\0';
	assert_null(tmpl_set_load_dir(dir, err, sizeof err));
	char want[256];
	snprintf(want, sizeof want, "%s/notices/bad.mustache:2: unclosed section 'open'",
		 dir);
	assert_string_equal(err, want);

	remove_tree(dir);
	assert_null(tmpl_set_load_dir(dir, err, sizeof err));
	assert_non_null(strstr(err, "No such file"));
}

static void test_render_file(void **state)
{
	(void)state;
	char dir[] = "/tmp/test_tmpl_XXXXXX", sub[64], path[128];
	make_dir(dir);
	snprintf(sub, sizeof sub, "%s/notices", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(dir, "main.mustache", "[{{>foo}}|{{>bar}}|{{>notices/x}}|{{>none}}]\n");
	write_file(dir, "foo.mustache", "foo={{v}}{{>deep}}");
	write_file(dir, "deep.mustache", "+deep");
	write_file(dir, "bar", "bar");
	write_file(dir, "notices/x.mustache", "x");
	write_file(dir, "unused.mustache", "{{#broken");	/* never named */

	struct json_object *data = json_tokener_parse("{\"v\":\"<1>\"}");
	struct buf out = BUF_INIT;
	char err[512] = "";
	snprintf(path, sizeof path, "%s/main.mustache", dir);
	if (!tmpl_render_file(path, data, &out, err, sizeof err))
		print_error("render_file: %s\n", err);
	assert_string_equal(buf_str(&out), "[foo=&lt;1&gt;+deep|bar|x|]\n");

	/* A named partial with a syntax error is reported. */
	write_file(dir, "deep.mustache", "\n\n{{/deep}}");
	buf_reset(&out);
	assert_false(tmpl_render_file(path, data, &out, err, sizeof err));
	char want[256];
	snprintf(want, sizeof want,
		 "%s/deep.mustache:3: closing tag 'deep' has no open section", dir);
	assert_string_equal(err, want);

	snprintf(path, sizeof path, "%s/absent.mustache", dir);
	assert_false(tmpl_render_file(path, data, &out, err, sizeof err));
	assert_non_null(strstr(err, "absent.mustache: No such file"));

	buf_free(&out);
	json_object_put(data);
	remove_tree(dir);
}

/* ------------------------------------------------------- threads */

#define THREADS 4
#define ROUNDS 200

struct thread_job {
	const struct tmpl_set *set;
	struct json_object *data;
	const char *want;
	int mismatches;
};

static void *render_many(void *arg)
{
	struct thread_job *job = arg;
	struct buf out = BUF_INIT;
	for (int i = 0; i < ROUNDS; i++) {
		buf_reset(&out);
		if (!tmpl_render(job->set, "page", job->data, &out, NULL, 0) ||
		    strcmp(buf_str(&out), job->want) != 0)
			job->mismatches++;
	}
	buf_free(&out);
	return NULL;
}

static void test_threads(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	add_source(set, "layout", "<h1>{{$title}}{{/title}}</h1>\n  {{$body}}{{/body}}\n");
	add_source(set, "row", "<td>{{id}}</td><td>{{fee}}</td><td>{{ok}}</td>\n");
	add_source(set, "page",
		   "{{<layout}}{{$title}}{{agency.name}}{{/title}}"
		   "{{$body}}\n<table>\n{{#rows}}\n  {{>row}}\n{{/rows}}\n"
		   "{{^rows}}无{{/rows}}</table>\n{{/body}}{{/layout}}");
	struct json_object *data = json_tokener_parse(
		"{\"agency\":{\"name\":\"A&B\"},\"rows\":["
		"{\"id\":1,\"fee\":0.1,\"ok\":true},"
		"{\"id\":2,\"fee\":12.5,\"ok\":false},"
		"{\"id\":3,\"fee\":1e21,\"ok\":null}]}");
	struct buf ref = BUF_INIT;
	assert_true(tmpl_render(set, "page", data, &ref, NULL, 0));
	assert_non_null(strstr(buf_str(&ref), "<td>2</td><td>12.5</td><td>false</td>"));

	pthread_t tid[THREADS];
	struct thread_job jobs[THREADS];
	for (int i = 0; i < THREADS; i++) {
		jobs[i] = (struct thread_job){ set, data, buf_str(&ref), 0 };
		assert_int_equal(pthread_create(&tid[i], NULL, render_many, &jobs[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(tid[i], NULL);
		assert_int_equal(jobs[i].mismatches, 0);
	}
	buf_free(&ref);
	json_object_put(data);
	tmpl_set_free(set);
}

static void test_indentation(void **state)
{
	(void)state;
	struct tmpl_set *set = tmpl_set_new();
	add_source(set, "outer", "<div>\n  {{>inner}}\n</div>\n");
	add_source(set, "inner", "<ul>\n{{#xs}}\n  <li>{{.}}</li>\n{{/xs}}\n</ul>\n");
	struct json_object *data = json_tokener_parse("{\"xs\":[\"a\",\"b\"]}");
	struct buf out = BUF_INIT;
	assert_true(tmpl_render(set, "outer", data, &out, NULL, 0));
	assert_string_equal(buf_str(&out),
			    "<div>\n  <ul>\n    <li>a</li>\n    <li>b</li>\n  </ul>\n</div>\n");
	buf_free(&out);
	json_object_put(data);
	tmpl_set_free(set);
}

int main(void)
{
	const struct CMUnitTest own[] = {
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_escaping),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_missing_template),
		cmocka_unit_test(test_replace),
		cmocka_unit_test(test_recursion_cap),
		cmocka_unit_test(test_expansion_cap),
		cmocka_unit_test(test_load_dir),
		cmocka_unit_test(test_render_file),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_indentation),
	};
	int failed = run_spec();
	failed += cmocka_run_group_tests_name("tmpl", own, NULL, NULL);
	return failed ? 1 : 0;
}
