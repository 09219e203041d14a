#include "core/audit_anchor.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/db.h"
#include "lib/buf.h"
#include "core/event_mac.h"

#define ANCHOR_PREFIX "ysqgk-anchor-"
#define HEX_MAX (2 * crypto_generichash_BYTES + 1)

/* The hex BLAKE2b of text (keyed when key is not NULL). */
static void digest_hex(char out[HEX_MAX], const unsigned char *key, const char *text, size_t len)
{
	unsigned char h[crypto_generichash_BYTES];
	crypto_generichash(h, sizeof h, (const unsigned char *)text, len, key,
			   key ? crypto_generichash_KEYBYTES : 0);
	sodium_bin2hex(out, HEX_MAX, h, sizeof h);
}

/* Appends the head lines (one snapshot) to b — of the chains of the
 * requests in `only` (an array literal), or of every chain when NULL;
 * their count, or -1. */
static long append_heads(PGconn *conn, const char *only, struct buf *b, long *switch_id)
{
	PGresult *res = PQexec(conn, "SELECT first_event_id FROM audit_mac_switch");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
		fprintf(stderr, "ysqgk audit anchor: no audit_mac_switch row\n");
		PQclear(res);
		return -1;
	}
	*switch_id = atol(db_value(res, 0, "first_event_id"));
	PQclear(res);
	const char *p[] = { only };
	res = PQexecParams(conn, "SELECT DISTINCT ON (request_id) request_id, seq,"
				 " encode(hash, 'hex') AS hash FROM request_events"
				 " WHERE $1::bigint[] IS NULL OR request_id = ANY ($1::bigint[])"
				 " ORDER BY request_id, seq DESC", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ysqgk audit anchor: %s", PQresultErrorMessage(res));
		PQclear(res);
		return -1;
	}
	long n = PQntuples(res);
	for (long i = 0; i < n; i++)
		buf_printf(b, "head %s %s %s\n", db_value(res, (int)i, "request_id"),
			   db_value(res, (int)i, "seq"), db_value(res, (int)i, "hash"));
	PQclear(res);
	return n;
}

/* The anchor's text, from its first line to its mac line; false on failure. */
static bool build_anchor(PGconn *conn, const struct app *app, const char *only,
			 struct buf *out, char stamp[32])
{
	struct buf heads = { 0 };
	long switch_id = 0;
	PGresult *res = PQexec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	PQclear(res);
	long n = append_heads(conn, only, &heads, &switch_id);
	PQclear(PQexec(conn, "COMMIT"));
	if (n < 0) {
		buf_free(&heads);
		return false;
	}
	time_t now = time(NULL);
	char written[32], digest[HEX_MAX], mac[HEX_MAX];
	strftime(written, sizeof written, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	strftime(stamp, 32, "%Y%m%dT%H%M%SZ", gmtime(&now));
	digest_hex(digest, NULL, buf_str(&heads), heads.len);
	buf_printf(out, "ysqgk-anchor v1\nwritten %s\nkey %d\nswitch %ld\nchains %ld\n", written,
		   app->event_key_no, switch_id, n);
	buf_append(out, buf_str(&heads), heads.len);
	buf_printf(out, "digest %s\n", digest);
	digest_hex(mac, app_event_key(app), buf_str(out), out->len);
	buf_printf(out, "mac %s\n", mac);
	buf_free(&heads);
	return true;
}

bool audit_anchor_build(PGconn *conn, const struct app *app, const char *request_ids,
			struct buf *out)
{
	char stamp[32];
	return build_anchor(conn, app, request_ids, out, stamp);
}

static bool is_directory(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool write_file(const char *path, const struct buf *b)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return false;
	bool ok = write(fd, buf_str(b), b->len) == (ssize_t)b->len && fsync(fd) == 0;
	close(fd);
	if (ok && rename(tmp, path) == 0)
		return true;
	unlink(tmp);
	return false;
}

int audit_anchor_write(PGconn *conn, const struct app *app, const char *path)
{
	struct buf b = { 0 };
	char stamp[32], file[4096];
	if (!build_anchor(conn, app, NULL, &b, stamp)) {
		buf_free(&b);
		return 1;
	}
	if (is_directory(path))
		snprintf(file, sizeof file, "%s/" ANCHOR_PREFIX "%s.txt", path, stamp);
	else
		snprintf(file, sizeof file, "%s", path);
	bool ok = write_file(file, &b);
	buf_free(&b);
	if (!ok) {
		fprintf(stderr, "ysqgk audit anchor: %s: %s\n", file, strerror(errno));
		return 1;
	}
	printf("wrote %s: copy it to another machine\n", file);
	return 0;
}

/* The newest anchor in dir (names sort by time), into out; false if none. */
static bool newest_anchor(const char *dir, char *out, size_t size)
{
	DIR *d = opendir(dir);
	if (!d)
		return false;
	char best[256] = "";
	struct dirent *e;
	size_t plen = strlen(ANCHOR_PREFIX);
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (!strncmp(e->d_name, ANCHOR_PREFIX, plen) && len > 4 &&
		    !strcmp(e->d_name + len - 4, ".txt") && strcmp(e->d_name, best) > 0)
			snprintf(best, sizeof best, "%s", e->d_name);
	}
	closedir(d);
	if (!*best)
		return false;
	snprintf(out, size, "%s/%s", dir, best);
	return true;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct buf b = { 0 };
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&b, chunk, n);
	fclose(f);
	char *text = strdup(buf_str(&b));
	buf_free(&b);
	return text;
}

bool audit_anchor_read(const char *path, struct buf *out)
{
	char file[4096];
	if (!is_directory(path))
		snprintf(file, sizeof file, "%s", path);
	else if (!newest_anchor(path, file, sizeof file))
		return false;
	char *text = read_all(file);
	if (text)
		buf_puts(out, text);
	free(text);
	return text != NULL;
}

/* Checks the anchor's own MAC and digest; points *heads at its head lines
 * and *switch_id at its switch. NULL when fine, else why not. */
const char *audit_anchor_check_text(const struct app *app, char *text, char **heads,
				    long *switch_id)
{
	char *mac_line = strstr(text, "\nmac ");
	char *digest_line = strstr(text, "\ndigest ");
	char *first_head = strstr(text, "\nhead ");
	char *sw = strstr(text, "\nswitch ");
	char *key_line = strstr(text, "\nkey ");
	if (strncmp(text, "ysqgk-anchor v1\n", 16) || !mac_line || !digest_line || !sw || !key_line)
		return "not an anchor file (ysqgk-anchor v1)";
	const unsigned char *key = app_event_key_no(app, atoi(key_line + 5));
	if (!key)
		return "its key is not in the secret key file";
	char want[HEX_MAX];
	digest_hex(want, key, text, (size_t)(mac_line + 1 - text));
	if (strncmp(mac_line + 5, want, HEX_MAX - 1))
		return "its MAC does not match (changed, or written with another key)";
	*heads = first_head && first_head < digest_line ? first_head + 1 : digest_line + 1;
	digest_hex(want, NULL, *heads, (size_t)(digest_line + 1 - *heads));
	if (strncmp(digest_line + 8, want, HEX_MAX - 1))
		return "its digest does not match its head lines";
	*digest_line = '\0';
	*switch_id = atol(sw + 8);
	return NULL;
}

/* The anchored heads as three PostgreSQL array literals. */
static void head_arrays(char *heads, struct buf *rids, struct buf *seqs, struct buf *hashes)
{
	buf_putc(rids, '{');
	buf_putc(seqs, '{');
	buf_putc(hashes, '{');
	char rid[32], seq[32], hash[HEX_MAX];
	int off = 0, used;
	for (int i = 0; sscanf(heads + off, "head %31s %31s %64s\n%n", rid, seq, hash, &used) == 3;
	     i++, off += used) {
		buf_printf(rids, "%s%s", i ? "," : "", rid);
		buf_printf(seqs, "%s%s", i ? "," : "", seq);
		buf_printf(hashes, "%s%s", i ? "," : "", hash);
	}
	buf_putc(rids, '}');
	buf_putc(seqs, '}');
	buf_putc(hashes, '}');
}

/* Names each anchored head that is gone or changed. */
static int check_heads(PGconn *conn, char *heads, const char *file)
{
	struct buf rids = { 0 }, seqs = { 0 }, hashes = { 0 };
	head_arrays(heads, &rids, &seqs, &hashes);
	const char *params[] = { buf_str(&rids), buf_str(&seqs), buf_str(&hashes) };
	PGresult *res = PQexecParams(conn,
		"SELECT a.rid, coalesce(r.tracking_no, '?') AS tracking_no, a.seq,"
		" e.hash IS NULL AS removed"
		" FROM unnest($1::bigint[], $2::int[], $3::text[]) AS a (rid, seq, hash)"
		" LEFT JOIN request_events e ON e.request_id = a.rid AND e.seq = a.seq"
		" LEFT JOIN requests r ON r.id = a.rid"
		" WHERE e.hash IS DISTINCT FROM decode(a.hash, 'hex')"
		" ORDER BY a.rid LIMIT 20", 3, NULL, params, NULL, NULL, 0);
	buf_free(&rids);
	buf_free(&seqs);
	buf_free(&hashes);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		fprintf(stderr, "ysqgk audit verify: %s", PQresultErrorMessage(res));
		PQclear(res);
		return 1;
	}
	int n = PQntuples(res);
	for (int i = 0; i < n; i++)
		printf("BROKEN: request %s (%s) event %s: %s since the anchor %s\n",
		       db_value(res, i, "rid"), db_value(res, i, "tracking_no"), db_value(res, i, "seq"),
		       strcmp(db_value(res, i, "removed"), "t") ? "changed"
							       : "removed (the chain was cut back)",
		       file);
	PQclear(res);
	return n > 0;
}

static int check_switch(PGconn *conn, long anchored, const char *file)
{
	PGresult *res = PQexec(conn, "SELECT first_event_id FROM audit_mac_switch");
	long now = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1
		? atol(db_value(res, 0, "first_event_id")) : -1;
	PQclear(res);
	if (now == anchored)
		return 0;
	printf("BROKEN: audit_mac_switch says MACs from event %ld, the anchor %s says %ld\n",
	       now, file, anchored);
	return 1;
}

int audit_anchor_check(PGconn *conn, const struct app *app, const char *path)
{
	char file[4096];
	if (!is_directory(path))
		snprintf(file, sizeof file, "%s", path);
	else if (!newest_anchor(path, file, sizeof file)) {
		printf("BROKEN: no " ANCHOR_PREFIX "*.txt in %s\n", path);
		return 1;
	}
	char *text = read_all(file), *heads = NULL;
	long switch_id = 0;
	const char *why = text ? audit_anchor_check_text(app, text, &heads, &switch_id) : strerror(errno);
	if (why) {
		printf("BROKEN: anchor %s: %s\n", file, why);
		free(text);
		return 1;
	}
	printf("checking against the anchor %s\n", file);
	int failed = check_switch(conn, switch_id, file);
	failed |= check_heads(conn, heads, file);
	free(text);
	return failed;
}
