#include "core/migrate.h"

#include <dirent.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/db.h"

#define MAX_MIGRATIONS 1000

struct migration_files {
	char *names[MAX_MIGRATIONS];
	int count;
};

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool list_files(const char *dir, struct migration_files *files, char *err,
		       size_t errlen)
{
	regex_t re;
	regcomp(&re, "^[0-9]{3}_[a-z0-9_]+\\.sql$", REG_EXTENDED | REG_NOSUB);
	DIR *d = opendir(dir);
	files->count = 0;
	if (!d) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		regfree(&re);
		return false;
	}
	struct dirent *e;
	while ((e = readdir(d)) && files->count < MAX_MIGRATIONS)
		if (regexec(&re, e->d_name, 0, NULL, 0) == 0)
			files->names[files->count++] = strdup(e->d_name);
	closedir(d);
	regfree(&re);
	qsort(files->names, (size_t)files->count, sizeof files->names[0], compare_names);
	return true;
}

static void free_files(struct migration_files *files)
{
	for (int i = 0; i < files->count; i++)
		free(files->names[i]);
	files->count = 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	rewind(f);
	char *s = malloc((size_t)len + 1);
	if (fread(s, 1, (size_t)len, f) != (size_t)len) {
		free(s);
		s = NULL;
	} else {
		s[len] = '\0';
	}
	fclose(f);
	return s;
}

static bool exec_ok(PGconn *conn, const char *sql, char *err, size_t errlen)
{
	PGresult *res = PQexec(conn, sql);
	ExecStatusType st = PQresultStatus(res);
	bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
	if (!ok)
		snprintf(err, errlen, "%s", PQresultErrorMessage(res));
	PQclear(res);
	return ok;
}

static bool is_applied(PGconn *conn, const char *version)
{
	const char *params[] = { version };
	PGresult *res = PQexecParams(conn,
		"SELECT 1 FROM schema_migrations WHERE version = $1",
		1, NULL, params, NULL, NULL, 0);
	bool applied = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	PQclear(res);
	return applied;
}

static bool apply_one(PGconn *conn, const char *dir, const char *name, char *err,
		      size_t errlen)
{
	char path[4096], why[1024];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	char *sql = read_file(path);
	if (!sql) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return false;
	}
	const char *params[] = { name };
	bool ok = exec_ok(conn, "BEGIN", why, sizeof why) &&
		  exec_ok(conn, sql, why, sizeof why);
	if (ok) {
		PGresult *res = PQexecParams(conn,
			"INSERT INTO schema_migrations (version) VALUES ($1)",
			1, NULL, params, NULL, NULL, 0);
		ok = PQresultStatus(res) == PGRES_COMMAND_OK;
		if (!ok)
			snprintf(why, sizeof why, "%s", PQresultErrorMessage(res));
		PQclear(res);
	}
	ok = ok && exec_ok(conn, "COMMIT", why, sizeof why);
	if (!ok) {
		char ignored[256];
		exec_ok(conn, "ROLLBACK", ignored, sizeof ignored);
		snprintf(err, errlen, "%s: %s", path, why);
	}
	free(sql);
	return ok;
}

static bool prepare_table(PGconn *conn, char *err, size_t errlen)
{
	/* The advisory lock makes two migrate runs at once take turns. */
	return exec_ok(conn,
		"CREATE TABLE IF NOT EXISTS schema_migrations ("
		" version text PRIMARY KEY,"
		" applied_at timestamptz NOT NULL DEFAULT now())", err, errlen) &&
	       exec_ok(conn, "SELECT pg_advisory_lock(7453921)", err, errlen);
}

bool migrate_run(PGconn *conn, const char *sql_dir, bool verbose, char *err,
		 size_t errlen)
{
	struct migration_files files;
	if (!list_files(sql_dir, &files, err, errlen))
		return false;
	bool ok = prepare_table(conn, err, errlen);
	for (int i = 0; ok && i < files.count; i++) {
		if (is_applied(conn, files.names[i]))
			continue;
		ok = apply_one(conn, sql_dir, files.names[i], err, errlen);
		if (ok && verbose)
			printf("applied %s\n", files.names[i]);
	}
	char ignored[256];
	exec_ok(conn, "SELECT pg_advisory_unlock(7453921)", ignored, sizeof ignored);
	free_files(&files);
	return ok;
}

int migrate_pending(PGconn *conn, const char *sql_dir, char *err, size_t errlen)
{
	struct migration_files files;
	if (!list_files(sql_dir, &files, err, errlen))
		return -1;
	PGresult *res = PQexec(conn,
		"SELECT to_regclass('schema_migrations') IS NOT NULL AS migrated");
	bool table = PQresultStatus(res) == PGRES_TUPLES_OK &&
		     !strcmp(db_value(res, 0, "migrated"), "t");
	PQclear(res);
	int pending = 0;
	for (int i = 0; i < files.count; i++)
		if (!table || !is_applied(conn, files.names[i]))
			pending++;
	free_files(&files);
	return pending;
}
