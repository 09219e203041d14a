/*
 * The real calendar for unit tests: the project's own copy of the State
 * Council schedules, sql/cn_holidays.csv (the rows of sql/002_holidays.sql,
 * checked by test_workdays), found through $YSQGK_REPO, which `make unit`
 * sets to the checkout. Missing is a failure, not a skip: the cases on
 * the real calendar are the ones that catch weekend and holiday mistakes.
 *
 * Header-only (static functions) so that each test program stays one file.
 */
#ifndef YSQGK_TEST_REAL_CALENDAR_H
#define YSQGK_TEST_REAL_CALENDAR_H

#include <stdio.h>
#include <stdlib.h>

#include "domain/workdays.h"

#define REAL_CALENDAR_CSV "sql/cn_holidays.csv"

/* $YSQGK_REPO/<relative> into path; false (with a message) when unset. */
static bool repo_path(const char *relative, char *path, size_t size)
{
	const char *repo = getenv("YSQGK_REPO");

	if (!repo || !*repo) {
		fprintf(stderr, "YSQGK_REPO is not set: run the tests with `make unit`, "
			"or set it to the checkout\n");
		return false;
	}
	snprintf(path, size, "%s/%s", repo, relative);
	return true;
}

/* The whole file, NUL-terminated, or NULL (with a message). */
static char *read_repo_file(const char *relative, size_t *len)
{
	char path[4096];
	char *text = NULL;

	if (!repo_path(relative, path, sizeof(path)))
		return NULL;
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
			text = malloc((size_t)size + 1);
			*len = fread(text, 1, (size_t)size, f);
			text[*len] = '\0';
		}
	}
	fclose(f);
	if (!text)
		fprintf(stderr, "%s: cannot read\n", path);
	return text;
}

/* A new calendar of sql/cn_holidays.csv, or NULL (with a message). */
static struct calendar *real_calendar_load(void)
{
	size_t len = 0;
	char err[256];
	char *text = read_repo_file(REAL_CALENDAR_CSV, &len);

	if (!text)
		return NULL;
	struct calendar *cal = calendar_new();
	if (!calendar_load_csv_text(cal, text, len, err, sizeof(err))) {
		fprintf(stderr, "%s does not load: %s\n", REAL_CALENDAR_CSV, err);
		calendar_free(cal);
		cal = NULL;
	}
	free(text);
	return cal;
}

#endif
