/*
 * blobs: content-addressed storage in PostgreSQL (sql/022_files.sql).
 *
 * A blob is stored once under its SHA-256, its bytes in chunks of
 * BLOB_CHUNK_BYTES; storing the same bytes again writes nothing. Both
 * functions run in the caller's transaction, so a blob is kept exactly
 * when the step that brought it is.
 */
#ifndef YSQGK_BLOBS_H
#define YSQGK_BLOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <libpq-fe.h>
#include <sodium.h>

#include "core/db.h"

#define BLOB_CHUNK_BYTES (256 * 1024)
#define BLOB_SHA256_BYTES crypto_hash_sha256_BYTES
#define BLOB_SHA256_HEX (2 * BLOB_SHA256_BYTES + 1)

/* The SHA-256 of data, in out and as lowercase hex in hex (either may be
 * NULL). */
void blob_sha256(const void *data, size_t len, unsigned char out[BLOB_SHA256_BYTES],
		 char hex[BLOB_SHA256_HEX]);

/*
 * Stores data (len bytes) unless a blob of its hash is there; its hash in
 * sha256_out. False on a database failure, with the failed result in
 * *failure (the caller PQclears it).
 */
bool blob_store(struct db *db, const void *data, size_t len,
		unsigned char sha256_out[BLOB_SHA256_BYTES], PGresult **failure);

/*
 * Stores the size bytes of the open file fd (read from offset 0, a chunk
 * at a time: memory does not grow with the file) whose SHA-256 the caller
 * computed while writing it, unless a blob of that hash is there. False
 * on a database or read failure (*failure then the failed result, or NULL
 * when the file could not be read).
 */
bool blob_store_fd(struct db *db, int fd, size_t size,
		   const unsigned char sha256[BLOB_SHA256_BYTES], PGresult **failure);

/*
 * Calls each(chunk, len, ctx) for the blob's chunks in order; stops when
 * it returns false. 1 when every chunk was read, 0 when there is no such
 * blob (or a chunk is missing), -1 on a database failure or when each
 * stopped.
 */
/*
 * The same read pulled a chunk at a time (an archive's entry read as the
 * ZIP is written). blob_reader_open: 1 found, 0 no such blob, -1 database
 * failure. blob_reader_next: the next chunk as a result (the caller
 * PQclears it; the bytes are column 0, binary), or NULL with *end 1 after
 * the last chunk, 0 when a chunk is missing, -1 on a database failure.
 */
struct blob_reader {
	struct db *db;
	char hex[BLOB_SHA256_HEX];
	long long size;
	long chunks, seq;
};
int blob_reader_open(struct blob_reader *r, struct db *db,
		     const unsigned char sha256[BLOB_SHA256_BYTES]);
PGresult *blob_reader_next(struct blob_reader *r, int *end);

typedef bool (*blob_chunk_fn)(const void *chunk, size_t len, void *ctx);
int blob_read(struct db *db, const unsigned char sha256[BLOB_SHA256_BYTES],
	      blob_chunk_fn each, void *ctx);

#endif
