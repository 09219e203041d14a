/*
 * archive: the case archive as a ZIP (service/archive.h). Every entry is
 * a zip_source_function that libzip reads while zip_close() writes the
 * file: a generated entry is made when it is opened and freed when it is
 * closed, a file's blob is read a chunk at a time (core/blobs.h,
 * blob_reader) and its SHA-256 checked against the blob's own name at its
 * end. Each entry's hash and size are taken as it is read; manifest.json,
 * the last entry, is made from them.
 */
#include "service/archive.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zip.h>
#include <json-c/json.h>

#include "core/audit_anchor.h"
#include "core/blobs.h"
#include "service/archive_internal.h"

/* MADE: by its maker when opened; TEXT: held from the start. */
enum entry_kind { ENTRY_MADE, ENTRY_TEXT, ENTRY_BLOB, ENTRY_MANIFEST };

struct archiver;

/* One entry of the ZIP. The state of its reading lives only while libzip
 * reads it. */
struct entry {
	struct archiver *a;
	char *path;
	enum entry_kind kind;
	archive_maker make;
	char request_id[24];
	unsigned char blob_sha[BLOB_SHA256_BYTES];
	long long blob_size;
	/* what the manifest says of it, once read */
	bool read;
	char sha_hex[BLOB_SHA256_HEX];
	long long bytes;
	/* while open */
	struct buf made;
	size_t made_off;
	struct blob_reader reader;
	PGresult *chunk;
	int chunk_off;
	crypto_hash_sha256_state sha;
};

struct archiver {
	struct context c;		/* the caller's, with a scratch arena */
	struct arena scratch;
	zip_t *zip;
	zip_error_t error;
	time_t mtime;
	struct entry **entries;
	size_t count, cap;
	struct archive_result *out;
	struct buf request_ids;		/* "{1,2,…}": the anchor's chains */
	bool failed;
};

static void fail(struct archiver *a, const char *why, const char *what)
{
	if (!a->failed)
		snprintf(a->out->why, sizeof a->out->why, "%s%s%s", why, what ? ": " : "",
			 what ? what : "");
	a->failed = true;
}

/* ---- reading an entry ------------------------------------------------------ */

static bool entry_open(struct entry *e);
static zip_int64_t entry_read(struct entry *e, unsigned char *data, zip_uint64_t len);
static void entry_close(struct entry *e);

static zip_int64_t entry_stat(struct entry *e, zip_stat_t *st)
{
	zip_stat_init(st);
	st->mtime = e->a->mtime;
	st->valid |= ZIP_STAT_MTIME;
	if (e->kind == ENTRY_BLOB) {
		st->size = (zip_uint64_t)e->blob_size;
		st->valid |= ZIP_STAT_SIZE;
	}
	return sizeof *st;
}

static zip_int64_t entry_callback(void *ud, void *data, zip_uint64_t len, zip_source_cmd_t cmd)
{
	struct entry *e = ud;
	switch (cmd) {
	case ZIP_SOURCE_OPEN:
		return entry_open(e) ? 0 : -1;
	case ZIP_SOURCE_READ:
		return entry_read(e, data, len);
	case ZIP_SOURCE_CLOSE:
		entry_close(e);
		return 0;
	case ZIP_SOURCE_STAT:
		return entry_stat(e, data);
	case ZIP_SOURCE_ERROR:
		return zip_error_to_data(&e->a->error, data, len);
	case ZIP_SOURCE_FREE:
		return 0;
	case ZIP_SOURCE_SUPPORTS:
		return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ,
						      ZIP_SOURCE_CLOSE, ZIP_SOURCE_STAT,
						      ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, -1);
	default:
		zip_error_set(&e->a->error, ZIP_ER_OPNOTSUPP, 0);
		return -1;
	}
}

static bool make_manifest(struct archiver *a, struct buf *out);

/* Opens an entry for libzip: a blob's reader, or a generated entry made
 * whole (one request's JSON or text, the manifest: small). */
static bool entry_open(struct entry *e)
{
	struct archiver *a = e->a;
	bool ok = true;
	e->read = false;
	if (e->kind != ENTRY_TEXT)
		buf_reset(&e->made);
	e->made_off = 0;
	crypto_hash_sha256_init(&e->sha);
	e->bytes = 0;
	if (e->kind == ENTRY_BLOB)
		ok = blob_reader_open(&e->reader, a->c.db, e->blob_sha) == 1;
	else if (e->kind == ENTRY_MANIFEST)
		ok = make_manifest(a, &e->made);
	else if (e->kind == ENTRY_MADE)
		ok = e->make(&a->c, e->request_id, &e->made);
	arena_reset(&a->scratch);
	if (!ok) {
		fail(a, "cannot read", e->path);
		zip_error_set(&a->error, ZIP_ER_READ, EIO);
	}
	return ok;
}

/* The hash and size of what was read, for the manifest; a blob's must be
 * its name's. */
static bool entry_finish(struct entry *e)
{
	unsigned char sha[BLOB_SHA256_BYTES];
	crypto_hash_sha256_final(&e->sha, sha);
	sodium_bin2hex(e->sha_hex, sizeof e->sha_hex, sha, sizeof sha);
	if (e->kind == ENTRY_BLOB && (memcmp(sha, e->blob_sha, sizeof sha) ||
				      e->bytes != e->blob_size)) {
		fail(e->a, "a stored file does not match its SHA-256", e->path);
		zip_error_set(&e->a->error, ZIP_ER_INCONS, 0);
		return false;
	}
	e->read = true;
	return true;
}

/* Copies up to len bytes of the blob, fetching its next chunk as needed;
 * 0 at its end, -1 on a failure. */
static zip_int64_t blob_copy(struct entry *e, unsigned char *data, zip_uint64_t len)
{
	while (!e->chunk || e->chunk_off >= PQgetlength(e->chunk, 0, 0)) {
		PQclear(e->chunk);
		e->chunk_off = 0;
		int end;
		e->chunk = blob_reader_next(&e->reader, &end);
		if (e->chunk)
			continue;
		if (end == 1)
			return 0;
		fail(e->a, end ? "the database failed reading" : "a stored file lacks a chunk",
		     e->path);
		zip_error_set(&e->a->error, ZIP_ER_READ, EIO);
		return -1;
	}
	zip_uint64_t left = (zip_uint64_t)(PQgetlength(e->chunk, 0, 0) - e->chunk_off);
	zip_uint64_t n = len < left ? len : left;
	memcpy(data, PQgetvalue(e->chunk, 0, 0) + e->chunk_off, n);
	e->chunk_off += (int)n;
	return (zip_int64_t)n;
}

static zip_int64_t entry_read(struct entry *e, unsigned char *data, zip_uint64_t len)
{
	zip_int64_t n;
	if (e->kind == ENTRY_BLOB) {
		n = blob_copy(e, data, len);
	} else {
		size_t left = e->made.len - e->made_off;
		n = (zip_int64_t)(len < left ? len : left);
		if (n > 0)
			memcpy(data, e->made.data + e->made_off, (size_t)n);
		e->made_off += (size_t)n;
	}
	if (n > 0) {
		crypto_hash_sha256_update(&e->sha, data, (unsigned long long)n);
		e->bytes += n;
	} else if (n == 0 && !e->read && !entry_finish(e)) {	/* once, at its end */
		return -1;
	}
	return n;
}

static void entry_close(struct entry *e)
{
	PQclear(e->chunk);
	e->chunk = NULL;
	if (e->kind != ENTRY_TEXT)
		buf_free(&e->made);
}

/* ---- the entries ----------------------------------------------------------- */

void archive_file_path(struct buf *out, const char *folder, const char *purpose,
		       const char *file_id, const char *name)
{
	buf_printf(out, "%s/%s/%s-", folder, strcmp(purpose, "notice") ? "files" : "notices",
		   file_id);
	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		buf_putc(out, *p < 0x20 || *p == '/' || *p == '\\' || *p == 0x7f ? '_' : (char)*p);
}

static struct entry *add_entry(struct archiver *a, const char *path, enum entry_kind kind,
			       bool compress)
{
	struct entry *e = calloc(1, sizeof *e);
	e->a = a;
	e->path = strdup(path);
	e->kind = kind;
	zip_source_t *src = zip_source_function(a->zip, entry_callback, e);
	zip_int64_t idx = src ? zip_file_add(a->zip, path, src, ZIP_FL_ENC_UTF_8) : -1;
	if (idx < 0) {
		zip_source_free(src);
		fail(a, "cannot add", path);
		free(e->path);
		free(e);
		return NULL;
	}
	zip_set_file_compression(a->zip, (zip_uint64_t)idx,
				 compress ? ZIP_CM_DEFLATE : ZIP_CM_STORE, 0);
	if (a->count == a->cap) {
		a->cap = a->cap ? 2 * a->cap : 64;
		a->entries = realloc(a->entries, a->cap * sizeof *a->entries);
	}
	a->entries[a->count++] = e;
	return e;
}

static void add_made(struct archiver *a, const char *folder, const char *name,
		     const char *request_id, archive_maker make)
{
	struct buf path = BUF_INIT;
	buf_printf(&path, "%s/%s", folder, name);
	struct entry *e = add_entry(a, buf_str(&path), ENTRY_MADE, true);
	buf_free(&path);
	if (!e)
		return;
	e->make = make;
	snprintf(e->request_id, sizeof e->request_id, "%s", request_id);
}

/* The request's files: notices/ID-NAME for the notices' PDFs, files/ID-NAME
 * for the rest, each read from its blob (stored as it is: PDFs and
 * uploads are mostly compressed already). */
static bool add_files(struct archiver *a, const char *folder, const char *request_id)
{
	const char *p[] = { request_id };
	PGresult *res = db_exec(a->c.db, STMT_ARCHIVE_FILES, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		fail(a, "the database failed listing the files of", folder);
		return false;
	}
	for (int i = 0; i < PQntuples(res) && !a->failed; i++) {
		struct buf path = BUF_INIT;
		archive_file_path(&path, folder, PQgetvalue(res, i, COL(ARCHIVE_FILES, purpose)),
				  PQgetvalue(res, i, COL(ARCHIVE_FILES, id)),
				  PQgetvalue(res, i, COL(ARCHIVE_FILES, display_name)));
		struct entry *e = add_entry(a, buf_str(&path), ENTRY_BLOB, false);
		buf_free(&path);
		if (!e)
			break;
		const char *hex = PQgetvalue(res, i, COL(ARCHIVE_FILES, sha256));
		sodium_hex2bin(e->blob_sha, sizeof e->blob_sha, hex, strlen(hex), NULL, NULL, NULL);
		e->blob_size = atoll(PQgetvalue(res, i, COL(ARCHIVE_FILES, size)));
		a->out->files++;
	}
	PQclear(res);
	return !a->failed;
}

static void add_request(struct archiver *a, const char *request_id, const char *tracking_no)
{
	buf_printf(&a->request_ids, "%s%s", a->request_ids.len ? "," : "{", request_id);
	add_made(a, tracking_no, "application.json", request_id, archive_make_application_json);
	add_made(a, tracking_no, "application.txt", request_id, archive_make_application_txt);
	add_made(a, tracking_no, "events.json", request_id, archive_make_events_json);
	add_files(a, tracking_no, request_id);
	a->out->requests++;
}

/* anchor.txt: the anchor at anchor_path (a directory: its newest), or one
 * of the archived chains written now. Held from the start. */
static void add_anchor(struct archiver *a, const char *anchor_path)
{
	struct buf text = BUF_INIT;
	buf_puts(&a->request_ids, a->request_ids.len ? "}" : "{}");
	bool ok = anchor_path ? audit_anchor_read(anchor_path, &text)
			      : audit_anchor_build(a->c.db->conn, a->c.app,
						   buf_str(&a->request_ids), &text);
	struct entry *e = ok ? add_entry(a, "anchor.txt", ENTRY_TEXT, true) : NULL;
	if (e)
		e->made = text;
	else
		buf_free(&text);
	if (!ok)
		fail(a, "cannot read the anchor", anchor_path ? anchor_path : "(written now)");
}

/* manifest.json: every entry before it, as read. */
static bool make_manifest(struct archiver *a, struct buf *out)
{
	struct json_object *doc = json_object_new_object(), *list = json_object_new_array();
	bool ok = true;
	for (size_t i = 0; i < a->count && a->entries[i]->kind != ENTRY_MANIFEST; i++) {
		struct entry *e = a->entries[i];
		struct json_object *f = json_object_new_object();
		ok = ok && e->read;
		json_object_object_add(f, "path", json_object_new_string(e->path));
		json_object_object_add(f, "sha256", json_object_new_string(e->sha_hex));
		json_object_object_add(f, "bytes", json_object_new_int64(e->bytes));
		json_object_array_add(list, f);
	}
	json_object_object_add(doc, "files", list);
	buf_puts(out, json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
							  JSON_C_TO_STRING_NOSLASHESCAPE));
	buf_putc(out, '\n');
	json_object_put(doc);
	return ok;
}

/* ---- the archive ----------------------------------------------------------- */

/* The file at path created (or emptied) 0600 whatever the umask, then
 * opened by libzip, which keeps an existing file's mode when it replaces
 * it at zip_close(). */
static bool archiver_open(struct archiver *a, const struct context *c, const char *path,
			  struct archive_result *out)
{
	memset(a, 0, sizeof *a);
	memset(out, 0, sizeof *out);
	a->out = out;
	a->c = *c;
	a->c.arena = &a->scratch;
	a->mtime = time(NULL);
	zip_error_init(&a->error);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) != 0) {
		snprintf(out->why, sizeof out->why, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	int err = 0;
	a->zip = zip_open(path, ZIP_TRUNCATE, &err);
	if (!a->zip) {
		snprintf(out->why, sizeof out->why, "%s: libzip error %d", path, err);
		unlink(path);
	}
	return a->zip != NULL;
}

static void archiver_free(struct archiver *a)
{
	for (size_t i = 0; i < a->count; i++) {
		PQclear(a->entries[i]->chunk);
		buf_free(&a->entries[i]->made);
		free(a->entries[i]->path);
		free(a->entries[i]);
	}
	free(a->entries);
	buf_free(&a->request_ids);
	zip_error_fini(&a->error);
	arena_free(&a->scratch);
}

/* Adds the anchor and the manifest and writes the file (everything is
 * read now); on a failure nothing is left at path. */
static enum service_status archiver_close(struct archiver *a, const char *anchor_path,
					  const char *path)
{
	if (!a->failed)
		add_anchor(a, anchor_path);
	if (!a->failed)
		add_entry(a, "manifest.json", ENTRY_MANIFEST, true);
	if (!a->failed && zip_close(a->zip) != 0) {
		fail(a, "cannot write the ZIP", zip_strerror(a->zip));
		zip_discard(a->zip);
	} else if (a->failed) {
		zip_discard(a->zip);
	}
	archiver_free(a);
	if (!a->failed)
		return SERVICE_DONE;
	unlink(path);
	return SERVICE_UNAVAILABLE;
}

enum service_status archive_year(const struct context *c, const char *agency_code, int year,
				 const char *anchor_path, const char *path,
				 struct archive_result *out)
{
	char year_text[16];
	snprintf(year_text, sizeof year_text, "%d", year);
	const char *p[] = { agency_code, year_text };
	memset(out, 0, sizeof *out);
	PGresult *res = db_exec(c->db, STMT_ARCHIVE_AGENCY, 1, p);
	bool known = db_ok(res) && PQntuples(res) == 1;
	PQclear(res);
	if (!known) {
		snprintf(out->why, sizeof out->why, "no agency %s", agency_code);
		return SERVICE_NOT_FOUND;
	}
	res = db_exec(c->db, STMT_ARCHIVE_YEAR_REQUESTS, 2, p);
	if (!db_ok(res)) {
		PQclear(res);
		snprintf(out->why, sizeof out->why, "the database failed");
		return SERVICE_UNAVAILABLE;
	}
	struct archiver a;
	if (!archiver_open(&a, c, path, out)) {
		PQclear(res);
		return SERVICE_FAILED;
	}
	for (int i = 0; i < PQntuples(res) && !a.failed; i++)
		add_request(&a, PQgetvalue(res, i, COL(ARCHIVE_YEAR_REQUESTS, id)),
			    PQgetvalue(res, i, COL(ARCHIVE_YEAR_REQUESTS, tracking_no)));
	PQclear(res);
	return archiver_close(&a, anchor_path, path);
}

enum service_status archive_request_agency(const struct context *c, const char *request_id,
					   long long *agency_id)
{
	const char *p[] = { request_id };
	PGresult *res = db_exec(c->db, STMT_ARCHIVE_REQUEST, 1, p);
	enum service_status s = !db_ok(res) ? SERVICE_UNAVAILABLE
			      : PQntuples(res) != 1 ? SERVICE_NOT_FOUND : SERVICE_DONE;
	if (s == SERVICE_DONE)
		*agency_id = atoll(PQgetvalue(res, 0, COL(ARCHIVE_REQUEST, agency_id)));
	PQclear(res);
	return s;
}

enum service_status archive_request(const struct context *c, const char *request_id,
				    const char *path, struct archive_result *out)
{
	const char *p[] = { request_id };
	PGresult *res = db_exec(c->db, STMT_ARCHIVE_REQUEST, 1, p);
	if (!db_ok(res) || PQntuples(res) != 1) {
		enum service_status s = db_ok(res) ? SERVICE_NOT_FOUND : SERVICE_UNAVAILABLE;
		PQclear(res);
		memset(out, 0, sizeof *out);
		return s;
	}
	struct archiver a;
	if (!archiver_open(&a, c, path, out)) {
		PQclear(res);
		return SERVICE_FAILED;
	}
	add_request(&a, request_id, PQgetvalue(res, 0, COL(ARCHIVE_REQUEST, tracking_no)));
	PQclear(res);
	return archiver_close(&a, NULL, path);
}
