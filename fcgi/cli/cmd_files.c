/*
 * ysqgk files gc [--grace-hours N] [--dry-run] [--trim-days N] (issue 15):
 * removes what nothing references and trims the download cache. Meant for
 * a daily timer (deploy/ysqgk-files-gc.timer).
 *
 * In the database, through files_gc() (sql/024_files_gc.sql): a SECURITY
 * DEFINER function owned by the owner role, the one door through which
 * rows of files, blobs and blob_chunks leave (the application role has no
 * DELETE on them, and blobs' trigger refuses DELETE outside it). It
 * removes the uploads never attached to a request (not seals, nothing
 * pointing at them) older than the grace (default 24 hours), then the
 * blobs and chunks no files row references, in one transaction with its
 * audit_log line. This command runs as the application role, like the
 * others, because the cache folder (file_cache_dir) is the app user's: it
 * then removes the cache files whose blob no longer exists, those not
 * written for --trim-days (default 7: nginx reads do not touch them; a
 * popular file is simply written again on its next download) and
 * temporary files left by a writer that died. Prints the counts.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/db.h"
#include "core/file_cache.h"

#define USAGE "gc [--grace-hours N] [--dry-run] [--trim-days N]"
#define TEMP_FILE_HOURS 1

struct gc_options {
	int grace_hours;
	int trim_days;
	bool dry_run;
};

static int failed(const char *what, PGresult *res)
{
	fprintf(stderr, "ysqgk files gc: %s: %s", what,
		res ? PQresultErrorMessage(res) : "no result\n");
	PQclear(res);
	return 1;
}

static int gc_database(PGconn *conn, const struct gc_options *o)
{
	char grace[16];
	snprintf(grace, sizeof grace, "%d", o->grace_hours);
	const char *params[] = { grace, o->dry_run ? "true" : "false" };
	PGresult *res = PQexecParams(conn,
		"SELECT files_removed, blobs_removed, chunks_removed, bytes_removed"
		" FROM files_gc($1::int, $2::boolean)", 2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
		return failed("files_gc()", res);
	printf("%s: %s unattached file(s) older than %d hour(s), %s blob(s) (%s chunk(s), %s bytes)\n",
	       o->dry_run ? "dry run, would remove" : "removed",
	       db_value(res, 0, "files_removed"), o->grace_hours, db_value(res, 0, "blobs_removed"),
	       db_value(res, 0, "chunks_removed"), db_value(res, 0, "bytes_removed"));
	PQclear(res);
	return 0;
}

/* 1: the blob exists, 0: it does not, -1: the database failed. */
static int blob_exists(PGconn *conn, const char *hex)
{
	const char *params[] = { hex };
	PGresult *res = PQexecParams(conn, "SELECT 1 FROM blobs WHERE sha256 = decode($1, 'hex')",
				     1, NULL, params, NULL, NULL, 0);
	int r = PQresultStatus(res) != PGRES_TUPLES_OK ? -1 : PQntuples(res) == 1;
	if (r < 0)
		fprintf(stderr, "ysqgk files gc: %s", PQresultErrorMessage(res));
	PQclear(res);
	return r;
}

static bool is_temp_name(const char *name)
{
	size_t n = strlen(name);
	return name[0] == '.' && n > 4 && !strcmp(name + n - 4, ".tmp");
}

/* Whether the cache file `name` (modified at mtime) goes; -1 on failure. */
static int cache_file_goes(PGconn *conn, const char *name, time_t mtime, time_t now,
			   const struct gc_options *o)
{
	if (is_temp_name(name))
		return now - mtime > TEMP_FILE_HOURS * 3600;
	if (!file_cache_name(name))
		return 0;	/* not ours: left alone */
	if (now - mtime > (time_t)o->trim_days * 86400)
		return 1;
	int exists = blob_exists(conn, name);
	return exists < 0 ? -1 : !exists;
}

static int gc_cache(PGconn *conn, const char *dir, const struct gc_options *o)
{
	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 1;
	}
	long removed = 0;
	long long bytes = 0;
	int status = 0;
	time_t now = time(NULL);
	struct dirent *e;
	while ((e = readdir(d)) && !status) {
		char path[4096];
		struct stat st;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		int goes = cache_file_goes(conn, e->d_name, st.st_mtime, now, o);
		if (goes < 0)
			status = 1;
		if (goes <= 0)
			continue;
		if (!o->dry_run && unlink(path) != 0) {
			perror(path);
			continue;
		}
		removed++;
		bytes += st.st_size;
	}
	closedir(d);
	printf("cache %s: %s %ld file(s), %lld bytes (blob gone, older than %d day(s), or"
	       " left half-written)\n", dir, o->dry_run ? "dry run, would remove" : "removed",
	       removed, bytes, o->trim_days);
	return status;
}

static bool number_arg(const char *s, int lo, int hi, int *out)
{
	char *end;
	long n = strtol(s, &end, 10);
	if (*end || end == s || n < lo || n > hi)
		return false;
	*out = (int)n;
	return true;
}

int cmd_files(const char *config_path, int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "gc"))
		return cli_usage_error("files", USAGE, "the only subcommand is gc");
	struct gc_options o = { .grace_hours = 24, .trim_days = 7 };
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run")) {
			o.dry_run = true;
		} else if (!strcmp(argv[i], "--grace-hours") && i + 1 < argc) {
			if (!number_arg(argv[++i], 1, 24 * 365, &o.grace_hours))
				return cli_usage_error("files", USAGE, "--grace-hours: 1 to 8760");
		} else if (!strcmp(argv[i], "--trim-days") && i + 1 < argc) {
			if (!number_arg(argv[++i], 1, 3650, &o.trim_days))
				return cli_usage_error("files", USAGE, "--trim-days: 1 to 3650");
		} else {
			return cli_usage_error("files", USAGE, "unknown argument");
		}
	}
	struct config c;
	if (!cli_load_config(&c, config_path))
		return 1;
	int status = 1;
	PGconn *conn = cli_connect(&c);
	if (conn) {
		status = gc_database(conn, &o);
		if (!status && *c.file_cache_dir)
			status = gc_cache(conn, c.file_cache_dir, &o);
		PQfinish(conn);
	}
	config_free(&c);
	return status;
}
