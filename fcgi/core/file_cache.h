/*
 * file_cache: blobs as files for nginx (issue 15). Where nginx shares the
 * app's host, config file_cache_dir names a folder (systemd
 * CacheDirectory=ysqgk, readable by nginx's group) holding each blob
 * downloaded once, named by its SHA-256 in hex; the app decides who may
 * download and answers X-Accel-Redirect: /_files/<sha>, and nginx sends
 * the bytes from an internal location. The database stays the only
 * truth: a file is written from it (a temporary file, checked against the
 * hash, then renamed), a file that does not match its name is written
 * again (checked by hashing it, once per change of the file: a file this
 * process checked and that stat says is unchanged is not read again), and the folder may be emptied at any time (a cold cache fills
 * on the next downloads).
 */
#ifndef YSQGK_FILE_CACHE_H
#define YSQGK_FILE_CACHE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/blobs.h"

enum file_cache_result {
	FILE_CACHE_READY,	/* the file is there and matches its hash */
	FILE_CACHE_NO_BLOB,	/* no such blob, or it is incomplete */
	FILE_CACHE_DB_FAILED,	/* the database did not answer */
	FILE_CACHE_IO_FAILED,	/* the folder could not be written (logged) */
};

/* Makes sure dir holds the blob's file with the right bytes, writing it
 * from the database when it is missing or does not match. */
enum file_cache_result file_cache_ensure(struct db *db, const char *dir,
					 const unsigned char sha256[BLOB_SHA256_BYTES]);

/* True when name is a cache file's name (64 lowercase hex digits). */
bool file_cache_name(const char *name);

#endif
