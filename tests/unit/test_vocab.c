/*
 * domain/vocab (and the status and outcome tables of workflow_rules)
 * against the CHECK constraints of sql/: every code the database accepts
 * has a label, and every labelled code is one the database accepts.
 *
 * The migrations are read in order; a constraint defined again later
 * (ALTER TABLE … DROP CONSTRAINT …, ADD CONSTRAINT … CHECK (col IN (…)))
 * replaces the earlier list. Two shapes are read: `CHECK (col IN ('a',
 * …))` and, for arrays, `CHECK (col <@ ARRAY['a', …]`.
 */
#include <ctype.h>
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "domain/vocab.h"
#include "domain/workflow_rules.h"

#define MAX_LISTS 64
#define MAX_CODES 64

struct check_list {
	char column[160];	/* table.column */
	char *codes[MAX_CODES];
	int count;
};

static struct check_list lists[MAX_LISTS];
static int nlists;

static struct check_list *list_for(const char *column)
{
	for (int i = 0; i < nlists; i++)
		if (!strcmp(lists[i].column, column))
			return &lists[i];
	return NULL;
}

/* Replaces (or adds) the list of `column` with the quoted codes from p up
 * to the bracket that closes the list. */
static void record(const char *column, const char *p, char close)
{
	struct check_list *l = list_for(column);
	if (!l) {
		assert_true(nlists < MAX_LISTS);
		l = &lists[nlists++];
		snprintf(l->column, sizeof l->column, "%s", column);
	}
	for (int i = 0; i < l->count; i++)
		free(l->codes[i]);
	l->count = 0;
	for (; *p && *p != close; p++) {
		if (*p != '\'')
			continue;
		const char *end = strchr(p + 1, '\'');
		assert_non_null(end);
		assert_true(l->count < MAX_CODES);
		l->codes[l->count++] = strndup(p + 1, (size_t)(end - p - 1));
		p = end;
	}
}

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* An identifier at p into out; returns the character after it. */
static const char *ident(const char *p, char *out, size_t len)
{
	size_t n = 0;
	while ((isalnum((unsigned char)*p) || *p == '_') && n + 1 < len)
		out[n++] = *p++;
	out[n] = '\0';
	return p;
}

/* The table a statement at p is about, after CREATE TABLE / ALTER TABLE. */
static bool table_at(const char *p, char *table, size_t len)
{
	static const char *const heads[] = { "CREATE TABLE ", "ALTER TABLE " };
	for (size_t i = 0; i < 2; i++) {
		size_t n = strlen(heads[i]);
		if (!strncmp(p, heads[i], n)) {
			p = skip_space(p + n);
			if (!strncmp(p, "IF NOT EXISTS ", 14))
				p = skip_space(p + 14);
			ident(p, table, len);
			return *table != '\0';
		}
	}
	return false;
}

static void scan_sql(const char *text)
{
	char table[64] = "";
	for (const char *p = text; *p; p++) {
		if (!strncmp(p, "--", 2)) {	/* a comment to the end of the line */
			while (*p && *p != '\n')
				p++;
			if (!*p)
				break;
			continue;
		}
		if ((p == text || p[-1] == '\n' || isspace((unsigned char)p[-1])) &&
		    table_at(p, table, sizeof table))
			continue;
		if (strncmp(p, "CHECK (", 7))
			continue;
		char col[64], column[160];
		const char *q = ident(skip_space(p + 7), col, sizeof col);
		q = skip_space(q);
		snprintf(column, sizeof column, "%s.%s", table, col);
		if (!strncmp(q, "IN (", 4))
			record(column, q + 4, ')');
		else if (!strncmp(q, "<@", 2) && !strncmp(skip_space(q + 2), "ARRAY[", 6))
			record(column, skip_space(q + 2) + 6, ']');
	}
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int load_migrations(void **state)
{
	(void)state;
	const char *repo = getenv("YSQGK_REPO");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/sql", repo ? repo : ".");
	struct dirent **names;
	int n = scandir(dir, &names, NULL, by_name);
	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++) {
		size_t len = strlen(names[i]->d_name);
		if (len > 4 && !strcmp(names[i]->d_name + len - 4, ".sql")) {
			char path[8192];
			snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
			FILE *f = fopen(path, "r");
			if (f) {
				static char text[1 << 20];
				size_t got = fread(text, 1, sizeof text - 1, f);
				text[got] = '\0';
				fclose(f);
				scan_sql(text);
			}
		}
		free(names[i]);
	}
	free(names);
	return nlists > 0 ? 0 : -1;
}

static int free_lists(void **state)
{
	(void)state;
	for (int i = 0; i < nlists; i++)
		for (int j = 0; j < lists[i].count; j++)
			free(lists[i].codes[j]);
	return 0;
}

static bool in_list(const struct check_list *l, const char *code)
{
	for (int i = 0; i < l->count; i++)
		if (!strcmp(l->codes[i], code))
			return true;
	return false;
}

/* Both ways: the database's codes all labelled, the labels' codes all
 * accepted by the database, each once. */
static void compare(const char *column, const char *const *codes, size_t n)
{
	const struct check_list *l = list_for(column);
	if (!l)
		fail_msg("no CHECK (… IN (…)) for %s in sql/", column);
	for (size_t i = 0; i < n; i++) {
		if (!in_list(l, codes[i]))
			fail_msg("%s: \"%s\" has a label but the database refuses it", column, codes[i]);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(codes[i], codes[j]))
				fail_msg("%s: \"%s\" twice", column, codes[i]);
	}
	for (int i = 0; i < l->count; i++) {
		bool found = false;
		for (size_t j = 0; j < n && !found; j++)
			found = !strcmp(l->codes[i], codes[j]);
		if (!found)
			fail_msg("%s: the database accepts \"%s\", which has no label", column, l->codes[i]);
	}
}

static void test_every_vocabulary_matches_its_check(void **state)
{
	(void)state;
	for (size_t v = 0; v < vocab_all_count; v++) {
		const struct vocab *voc = vocab_all[v];
		const char *codes[MAX_CODES];
		assert_true(voc->count <= MAX_CODES);
		for (size_t i = 0; i < voc->count; i++) {
			codes[i] = voc->terms[i].code;
			assert_non_null(voc->terms[i].label);
			assert_true(*voc->terms[i].label);
		}
		if (voc->column)
			compare(voc->column, codes, voc->count);
	}
}

static void test_status_and_outcome_match_their_checks(void **state)
{
	(void)state;
	const char *codes[MAX_CODES];
	for (int i = 0; i < WF_STATUS_COUNT; i++)
		codes[i] = wf_status_code((enum wf_status)i);
	compare("requests.status", codes, WF_STATUS_COUNT);
	for (int i = 0; i < wf_outcome_count; i++)
		codes[i] = wf_outcomes[i].code;
	for (int i = 0; i < wf_correction_outcome_count; i++)
		codes[wf_outcome_count + i] = wf_correction_outcomes[i].code;
	compare("requests.outcome", codes,
		(size_t)(wf_outcome_count + wf_correction_outcome_count));
}

static void test_lookups(void **state)
{
	(void)state;
	assert_string_equal("法人或者其他组织（其他）", vocab_label(&vocab_applicant_kind, "org_other"));
	assert_string_equal("其他组织", vocab_short(&vocab_applicant_kind, "org_other"));
	assert_string_equal("网上提交", vocab_short(&vocab_channel, "online"));
	assert_null(vocab_label(&vocab_channel, "pigeon"));
	assert_null(vocab_label(&vocab_channel, NULL));
	assert_false(vocab_has(&vocab_staff_role, "intern"));
}

/* The scanner itself: a later definition replaces an earlier one. */
static void test_scanner_takes_the_last_definition(void **state)
{
	(void)state;
	scan_sql("CREATE TABLE t (\n\tk text CHECK (k IN ('a', 'b')),\n"
		 "\tl text[] CHECK (l <@ ARRAY['x']::text[])\n);\n"
		 "ALTER TABLE t DROP CONSTRAINT t_k_check,\n"
		 "\tADD CONSTRAINT t_k_check CHECK (k IN (\n\t\t'a', 'c'));\n");
	const char *want[] = { "a", "c" };
	compare("t.k", want, 2);
	const char *arr[] = { "x" };
	compare("t.l", arr, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_vocabulary_matches_its_check),
		cmocka_unit_test(test_status_and_outcome_match_their_checks),
		cmocka_unit_test(test_lookups),
		cmocka_unit_test(test_scanner_takes_the_last_definition),
	};
	return cmocka_run_group_tests(tests, load_migrations, free_lists);
}
