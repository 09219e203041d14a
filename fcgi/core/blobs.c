/* blobs: content-addressed storage in PostgreSQL (blobs.h). */
#include "core/blobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

void blob_sha256(const void *data, size_t len, unsigned char out[BLOB_SHA256_BYTES],
		 char hex[BLOB_SHA256_HEX])
{
	unsigned char h[BLOB_SHA256_BYTES];
	crypto_hash_sha256(h, data, len);
	if (out)
		memcpy(out, h, sizeof h);
	if (hex)
		sodium_bin2hex(hex, BLOB_SHA256_HEX, h, sizeof h);
}

static bool ok_or_fail(PGresult *res, PGresult **failure)
{
	if (db_ok(res)) {
		PQclear(res);
		return true;
	}
	*failure = res;
	return false;
}

bool blob_store(struct db *db, const void *data, size_t len,
		unsigned char sha256_out[BLOB_SHA256_BYTES], PGresult **failure)
{
	char hex[BLOB_SHA256_HEX], size[24];
	blob_sha256(data, len, sha256_out, hex);
	snprintf(size, sizeof size, "%zu", len);
	*failure = NULL;
	const char *p[] = { hex, size };
	PGresult *res = db_exec(db, STMT_BLOB_ADD, 2, p);
	if (!db_ok(res))
		return ok_or_fail(res, failure);
	bool fresh = atoi(PQcmdTuples(res)) == 1;
	PQclear(res);
	if (!fresh)	/* stored before, chunks and all (same transaction rule) */
		return true;
	/* One chunk at least, so that an empty blob reads back as empty. */
	const unsigned char *bytes = data;
	size_t off = 0, seq = 0;
	do {
		size_t n = len - off < BLOB_CHUNK_BYTES ? len - off : BLOB_CHUNK_BYTES;
		char seq_text[24];
		snprintf(seq_text, sizeof seq_text, "%zu", seq++);
		const char *cp[] = { hex, seq_text, (const char *)bytes + off };
		const int lengths[] = { 0, 0, (int)n };
		const int formats[] = { 0, 0, 1 };
		if (!ok_or_fail(db_exec_bin(db, STMT_BLOB_CHUNK_ADD, 3, cp, lengths, formats, false),
				failure))
			return false;
		off += n;
	} while (off < len);
	return true;
}

static bool read_full(int fd, unsigned char *buf, size_t n, off_t at)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, at + (off_t)got);
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

bool blob_store_fd(struct db *db, int fd, size_t size,
		   const unsigned char sha256[BLOB_SHA256_BYTES], PGresult **failure)
{
	char hex[BLOB_SHA256_HEX], size_text[24];
	sodium_bin2hex(hex, sizeof hex, sha256, BLOB_SHA256_BYTES);
	snprintf(size_text, sizeof size_text, "%zu", size);
	*failure = NULL;
	const char *p[] = { hex, size_text };
	PGresult *res = db_exec(db, STMT_BLOB_ADD, 2, p);
	if (!db_ok(res))
		return ok_or_fail(res, failure);
	bool fresh = atoi(PQcmdTuples(res)) == 1;
	PQclear(res);
	if (!fresh)
		return true;
	/* Mapped, not malloc'd: its pages go back to the system at once (and
	 * a sanitizer build does not hold them in its quarantine). */
	unsigned char *chunk = mmap(NULL, BLOB_CHUNK_BYTES, PROT_READ | PROT_WRITE,
				    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (chunk == MAP_FAILED)
		return false;
	size_t off = 0, seq = 0;
	bool ok = true;
	do {
		size_t n = size - off < BLOB_CHUNK_BYTES ? size - off : BLOB_CHUNK_BYTES;
		char seq_text[24];
		snprintf(seq_text, sizeof seq_text, "%zu", seq++);
		const char *cp[] = { hex, seq_text, (const char *)chunk };
		const int lengths[] = { 0, 0, (int)n };
		const int formats[] = { 0, 0, 1 };
		ok = read_full(fd, chunk, n, (off_t)off) &&
		     ok_or_fail(db_exec_bin(db, STMT_BLOB_CHUNK_ADD, 3, cp, lengths, formats, false),
				failure);
		off += n;
	} while (ok && off < size);
	munmap(chunk, BLOB_CHUNK_BYTES);
	return ok;
}

int blob_reader_open(struct blob_reader *r, struct db *db,
		     const unsigned char sha256[BLOB_SHA256_BYTES])
{
	memset(r, 0, sizeof *r);
	r->db = db;
	sodium_bin2hex(r->hex, sizeof r->hex, sha256, BLOB_SHA256_BYTES);
	const char *p[] = { r->hex };
	PGresult *res = db_exec(db, STMT_BLOB_INFO, 1, p);
	int found = !db_ok(res) ? -1 : PQntuples(res) == 1;
	if (found == 1) {
		r->size = atoll(PQgetvalue(res, 0, COL(BLOB_INFO, size)));
		r->chunks = atol(PQgetvalue(res, 0, COL(BLOB_INFO, chunks)));
	}
	PQclear(res);
	return found;
}

PGresult *blob_reader_next(struct blob_reader *r, int *end)
{
	*end = 1;
	if (r->seq >= r->chunks)
		return NULL;
	char seq_text[24];
	snprintf(seq_text, sizeof seq_text, "%ld", r->seq++);
	const char *cp[] = { r->hex, seq_text };
	PGresult *res = db_exec_bin(r->db, STMT_BLOB_CHUNK_GET, 2, cp, NULL, NULL, true);
	if (db_ok(res) && PQntuples(res) == 1)
		return res;
	*end = db_ok(res) ? 0 : -1;
	PQclear(res);
	return NULL;
}

int blob_read(struct db *db, const unsigned char sha256[BLOB_SHA256_BYTES],
	      blob_chunk_fn each, void *ctx)
{
	struct blob_reader r;
	int found = blob_reader_open(&r, db, sha256);
	if (found != 1)
		return found;
	long long seen = 0;
	int end;
	PGresult *res;
	while ((res = blob_reader_next(&r, &end))) {
		int n = PQgetlength(res, 0, 0);
		bool go_on = each(PQgetvalue(res, 0, 0), (size_t)n, ctx);
		seen += n;
		PQclear(res);
		if (!go_on)
			return -1;
	}
	if (end != 1)
		return end;
	return seen == r.size ? 1 : 0;
}
