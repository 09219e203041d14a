/*
 * archive_verify: checks a case archive (service/archive.h). Without a
 * key: the manifest against every entry, read a piece at a time. With the
 * app's keys and database: each events.json's chain (the hash recomputed
 * from the event by the expression the append used, core/event_hash.h;
 * the links; the MACs, core/event_mac.h) and the anchor (its MAC, and
 * each archived chain still holding the head it names).
 */
#include "service/archive.h"

#include <stdlib.h>
#include <string.h>
#include <zip.h>
#include <json-c/json.h>

#include "core/audit_anchor.h"
#include "core/blobs.h"
#include "core/event_mac.h"
#include "lib/buf.h"

#define MANIFEST "manifest.json"
#define READ_PIECE (64 * 1024)
/* A manifest, events.json or anchor larger than this is not ours. */
#define SMALL_ENTRY_MAX (256LL * 1024 * 1024)

struct verifier {
	const struct context *c;	/* NULL: no key */
	zip_t *zip;
	FILE *report;
	int problems;
	/* the anchor's, once checked */
	char *anchor_text;
	char *heads;
	long switch_id;
};

static void problem(struct verifier *v, const char *path, const char *why)
{
	fprintf(v->report, "BROKEN: %s: %s\n", path, why);
	v->problems++;
}

/* The whole of a small entry into out; false when missing or too big. */
static bool read_small(struct verifier *v, const char *path, struct buf *out)
{
	zip_stat_t st;
	if (zip_stat(v->zip, path, 0, &st) != 0 || !(st.valid & ZIP_STAT_SIZE) ||
	    st.size > SMALL_ENTRY_MAX)
		return false;
	zip_file_t *f = zip_fopen(v->zip, path, 0);
	if (!f)
		return false;
	char piece[READ_PIECE];
	zip_int64_t n;
	while ((n = zip_fread(f, piece, sizeof piece)) > 0)
		buf_append(out, piece, (size_t)n);
	zip_fclose(f);
	return n == 0;
}

/* The SHA-256 (hex) and size of entry idx, read a piece at a time. */
static bool hash_entry(struct verifier *v, zip_uint64_t idx, char hex[BLOB_SHA256_HEX],
		       long long *bytes)
{
	zip_file_t *f = zip_fopen_index(v->zip, idx, 0);
	if (!f)
		return false;
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	unsigned char piece[READ_PIECE], sha[BLOB_SHA256_BYTES];
	zip_int64_t n;
	*bytes = 0;
	while ((n = zip_fread(f, piece, sizeof piece)) > 0) {
		crypto_hash_sha256_update(&st, piece, (unsigned long long)n);
		*bytes += n;
	}
	zip_fclose(f);
	crypto_hash_sha256_final(&st, sha);
	sodium_bin2hex(hex, BLOB_SHA256_HEX, sha, sizeof sha);
	return n == 0;
}

static const char *str_of(struct json_object *o, const char *key)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		? json_object_get_string(v) : NULL;
}

/* One manifest line against its entry; marks the entry seen. */
static void check_listed(struct verifier *v, struct json_object *f, bool *seen)
{
	const char *path = str_of(f, "path"), *want = str_of(f, "sha256");
	struct json_object *b;
	if (!path || !want || !json_object_object_get_ex(f, "bytes", &b)) {
		problem(v, MANIFEST, "清单条目不完整 (an entry lacks path, sha256 or bytes)");
		return;
	}
	zip_int64_t idx = zip_name_locate(v->zip, path, 0);
	if (idx < 0) {
		problem(v, path, "缺少此文件 (listed in the manifest, missing from the archive)");
		return;
	}
	seen[idx] = true;
	char hex[BLOB_SHA256_HEX];
	long long bytes;
	if (!hash_entry(v, (zip_uint64_t)idx, hex, &bytes))
		problem(v, path, "无法读取 (cannot be read: the ZIP is damaged)");
	else if (bytes != json_object_get_int64(b))
		problem(v, path, "大小与清单不符 (its size differs from the manifest)");
	else if (strcmp(hex, want))
		problem(v, path, "内容与清单不符 (its SHA-256 differs from the manifest)");
}

static void check_manifest(struct verifier *v)
{
	struct buf text = BUF_INIT;
	struct json_object *doc = read_small(v, MANIFEST, &text)
		? json_tokener_parse(buf_str(&text)) : NULL, *files;
	buf_free(&text);
	if (!json_object_object_get_ex(doc, "files", &files) ||
	    !json_object_is_type(files, json_type_array)) {
		problem(v, MANIFEST, "缺少清单或清单无法读取 (missing or not {\"files\": […]})");
		json_object_put(doc);
		return;
	}
	zip_int64_t count = zip_get_num_entries(v->zip, 0);
	bool *seen = calloc((size_t)count + 1, sizeof *seen);
	for (size_t i = 0; i < json_object_array_length(files); i++)
		check_listed(v, json_object_array_get_idx(files, i), seen);
	for (zip_int64_t i = 0; i < count; i++) {
		const char *name = zip_get_name(v->zip, (zip_uint64_t)i, 0);
		if (!seen[i] && name && strcmp(name, MANIFEST))
			problem(v, name, "清单中没有此文件 (in the archive, not in the manifest)");
	}
	free(seen);
	json_object_put(doc);
}

/* ---- with the key: the chains and the anchor ---------------------------- */

/* The hash of an event as the append computes it, from the archive's copy
 * (hex), or NULL when the database failed. */
static char *recomputed_hash(struct verifier *v, long long request_id, struct json_object *e)
{
	char rid[24], seq[16], staff[24];
	struct json_object *x;
	snprintf(rid, sizeof rid, "%lld", request_id);
	snprintf(seq, sizeof seq, "%d", json_object_object_get_ex(e, "seq", &x)
		 ? json_object_get_int(x) : 0);
	bool has_staff = json_object_object_get_ex(e, "actor_staff_id", &x) && x;
	snprintf(staff, sizeof staff, "%lld", has_staff ? (long long)json_object_get_int64(x) : 0);
	const char *p[] = { rid, seq, str_of(e, "at"), str_of(e, "effective_on"),
			    has_staff ? staff : NULL, str_of(e, "actor_kind"), str_of(e, "action"),
			    str_of(e, "data"), str_of(e, "prev_hash") };
	PGresult *res = db_exec(v->c->db, STMT_ARCHIVE_EVENT_HASH, 9, p);
	char *hash = db_ok(res) && PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)
		? strdup(PQgetvalue(res, 0, COL(ARCHIVE_EVENT_HASH, hash))) : NULL;
	PQclear(res);
	return hash;
}

/* Why event e (the i-th, after one whose hash is prev) is not a sound
 * link, or NULL. */
static const char *event_problem(struct verifier *v, long long request_id, struct json_object *e,
				 int i, const char *prev)
{
	struct json_object *x;
	const char *hash = str_of(e, "hash"), *mac = str_of(e, "mac"), *prev_hash = str_of(e, "prev_hash");
	if (!json_object_object_get_ex(e, "seq", &x) || json_object_get_int(x) != i + 1)
		return "an event before it is missing";
	if (!hash || (prev ? !prev_hash || strcmp(prev, prev_hash) : prev_hash != NULL))
		return "its prev_hash is not the hash of the event before it";
	char *again = recomputed_hash(v, request_id, e);
	bool same = again && !strcmp(again, hash);
	free(again);
	if (!same)
		return "its content does not match its hash (changed after it was written)";
	if (!mac) {
		bool after_switch = json_object_object_get_ex(e, "id", &x) && v->heads &&
				    json_object_get_int64(x) >= v->switch_id;
		return after_switch ? "it has no MAC though written after the switch to MACs" : NULL;
	}
	int key_no = json_object_object_get_ex(e, "mac_key", &x) ? json_object_get_int(x) : 0;
	return event_mac_problem(app_event_key_no(v->c->app, key_no), key_no, hash, mac);
}

/* The hash the anchor holds for the chain of request_id at *seq, or NULL
 * when the anchor has no head of it. The heads are in request order. */
static const char *anchored_head(struct verifier *v, long long request_id, int *seq, char *hash)
{
	for (const char *h = v->heads; h && !strncmp(h, "head ", 5); h = strchr(h, '\n') + 1) {
		long long rid;
		if (sscanf(h, "head %lld %d %64s", &rid, seq, hash) != 3 || rid > request_id)
			return NULL;
		if (rid == request_id)
			return hash;
		if (!strchr(h, '\n'))
			break;
	}
	return NULL;
}

/* The anchor's head of the chain, if any, must be among its events. */
static void check_anchored(struct verifier *v, const char *path, long long request_id,
			   struct json_object *events)
{
	char hash[BLOB_SHA256_HEX] = "";
	int seq = 0;
	if (!anchored_head(v, request_id, &seq, hash))
		return;
	struct json_object *e = seq >= 1 && (size_t)seq <= json_object_array_length(events)
		? json_object_array_get_idx(events, (size_t)seq - 1) : NULL;
	const char *held = e ? str_of(e, "hash") : NULL;
	if (!held || strcmp(held, hash))
		problem(v, path, e ? "the event the anchor names was changed"
				   : "the chain was cut back before the event the anchor names");
}

static void check_events(struct verifier *v, const char *path)
{
	struct buf text = BUF_INIT;
	struct json_object *doc = read_small(v, path, &text) ? json_tokener_parse(buf_str(&text))
							    : NULL, *events, *rid;
	buf_free(&text);
	if (!json_object_object_get_ex(doc, "events", &events) ||
	    !json_object_object_get_ex(doc, "request_id", &rid)) {
		problem(v, path, "无法读取事件记录 (not an event log)");
		json_object_put(doc);
		return;
	}
	const char *prev = NULL;
	size_t n = json_object_array_length(events);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(events, i);
		const char *why = event_problem(v, json_object_get_int64(rid), e, (int)i, prev);
		if (why)
			fprintf(v->report, "BROKEN: %s event %zu: %s\n", path, i + 1, why);
		v->problems += why != NULL;
		prev = str_of(e, "hash");
	}
	if (n == 0)
		problem(v, path, "the request has no events");
	check_anchored(v, path, json_object_get_int64(rid), events);
	json_object_put(doc);
}

static void check_anchor(struct verifier *v)
{
	struct buf text = BUF_INIT;
	if (!read_small(v, "anchor.txt", &text)) {
		problem(v, "anchor.txt", "missing");
		buf_free(&text);
		return;
	}
	v->anchor_text = strdup(buf_str(&text));
	buf_free(&text);
	const char *why = audit_anchor_check_text(v->c->app, v->anchor_text, &v->heads,
						  &v->switch_id);
	if (why) {
		v->heads = NULL;
		problem(v, "anchor.txt", why);
	}
}

static void check_chains(struct verifier *v)
{
	check_anchor(v);
	zip_int64_t count = zip_get_num_entries(v->zip, 0);
	for (zip_int64_t i = 0; i < count; i++) {
		const char *name = zip_get_name(v->zip, (zip_uint64_t)i, 0);
		const char *slash = name ? strrchr(name, '/') : NULL;
		if (slash && !strcmp(slash, "/events.json"))
			check_events(v, name);
	}
}

bool archive_verify(const struct context *c, const char *path, FILE *report)
{
	int err = 0;
	struct verifier v = { .c = c, .report = report };
	v.zip = zip_open(path, ZIP_RDONLY, &err);
	if (!v.zip) {
		fprintf(report, "BROKEN: %s: 不是可读的ZIP文件 (not a readable ZIP, libzip error %d)\n",
			path, err);
		return false;
	}
	check_manifest(&v);
	if (c)
		check_chains(&v);
	zip_discard(v.zip);
	free(v.anchor_text);
	return v.problems == 0;
}
