/*
 * ysqgk import FILE.csv [--dry-run]: a paper ledger into ordinary requests
 * (docs/import.md), all or nothing. Every problem is printed as
 * FILE:LINE: COLUMN: message; with one, nothing is imported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_staff.h"
#include "service/import.h"

#define USAGE "FILE.csv [--dry-run]"
#define MAX_FILE (64 << 20)

static char *read_file(const char *path, size_t *len)
{
	FILE *f = !strcmp(path, "-") ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "ysqgk import: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct buf b = BUF_INIT;
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_FILE)
		buf_append(&b, chunk, n);
	if (f != stdin)
		fclose(f);
	if (b.len > MAX_FILE) {
		fprintf(stderr, "ysqgk import: %s: larger than 64 MiB\n", path);
		buf_free(&b);
		return NULL;
	}
	*len = b.len;
	buf_putc(&b, '\0');
	return b.data;
}

static void print_problems(const char *path, const struct import_result *r)
{
	for (size_t i = 0; i < json_object_array_length(r->errors); i++) {
		struct json_object *e = json_object_array_get_idx(r->errors, i);
		struct json_object *col = json_object_object_get(e, "column");
		fprintf(stderr, "%s:%d: %s%s%s\n", path,
			json_object_get_int(json_object_object_get(e, "line")),
			col ? json_object_get_string(col) : "", col ? ": " : "",
			json_object_get_string(json_object_object_get(e, "message")));
	}
	if (r->problems > (int)json_object_array_length(r->errors))
		fprintf(stderr, "%s: … %d problems in all\n", path, r->problems);
}

int cmd_import(const char *config_path, int argc, char **argv)
{
	const char *path = NULL;
	bool dry_run = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run"))
			dry_run = true;
		else if (!path)
			path = argv[i];
		else
			return cli_usage_error("import", USAGE, "takes one file");
	}
	if (!path)
		return cli_usage_error("import", USAGE, "needs the CSV file");
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return 1;
	struct cli_staff c;
	if (!cli_staff_open(&c, config_path, "import")) {
		free(text);
		return 1;
	}
	const char *slash = strrchr(path, '/');
	struct import_options opt = { .source = slash ? slash + 1 : path, .dry_run = dry_run };
	struct import_result r;
	import_csv(&c.db, c.app, &c.arena, text, len, &opt, &r);
	int status = 1;
	if (r.status == 1) {
		print_problems(path, &r);
		fprintf(stderr, "ysqgk import: %s: nothing imported (%d rows, %d problems)\n",
			path, r.rows, r.problems);
	} else if (r.status == 2) {
		fprintf(stderr, "ysqgk import: %s: nothing imported: %s\n", path,
			r.failure ? r.failure : "database failure");
	} else if (dry_run) {
		printf("%s: %d rows, all good (nothing imported: --dry-run)\n", path, r.rows);
		status = 0;
	} else {
		printf("%s: imported %d requests\n", path, r.imported);
		status = 0;
	}
	import_result_free(&r);
	cli_staff_close(&c);
	free(text);
	return status;
}
