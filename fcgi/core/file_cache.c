/* file_cache: blobs as files for nginx (file_cache.h). */
#include "core/file_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"

/* The group may read (nginx's workers, through the folder's group). */
#define CACHE_FILE_MODE 0640

bool file_cache_name(const char *name)
{
	return strlen(name) == 2 * BLOB_SHA256_BYTES &&
	       strspn(name, "0123456789abcdef") == 2 * BLOB_SHA256_BYTES;
}

/* The SHA-256 of an open file's bytes; false on a read error. */
static bool hash_fd(int fd, unsigned char out[BLOB_SHA256_BYTES])
{
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	unsigned char block[65536];
	ssize_t n;
	while ((n = read(fd, block, sizeof block)) > 0)
		crypto_hash_sha256_update(&st, block, (unsigned long long)n);
	crypto_hash_sha256_final(&st, out);
	return n == 0;
}

/*
 * The files this process has checked (or written), by what stat says of
 * them: one found unchanged since (same inode, size, mtime and ctime — a
 * write in place changes ctime, which no user can set back) is not hashed
 * again, so that a cached download costs a stat, not a read of the file.
 */
#define CHECKED_SLOTS 1024
struct checked {
	unsigned char sha256[BLOB_SHA256_BYTES];
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};
static struct checked checked[CHECKED_SLOTS];
static pthread_mutex_t checked_lock = PTHREAD_MUTEX_INITIALIZER;

static struct checked *slot_of(const unsigned char sha256[BLOB_SHA256_BYTES])
{
	return &checked[(sha256[0] | (unsigned)sha256[1] << 8) % CHECKED_SLOTS];
}

static bool same_time(struct timespec a, struct timespec b)
{
	return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec;
}

static bool checked_before(const unsigned char sha256[BLOB_SHA256_BYTES], const struct stat *st)
{
	pthread_mutex_lock(&checked_lock);
	const struct checked *c = slot_of(sha256);
	bool same = !memcmp(c->sha256, sha256, BLOB_SHA256_BYTES) && c->dev == st->st_dev &&
		    c->ino == st->st_ino && c->size == st->st_size &&
		    same_time(c->mtime, st->st_mtim) && same_time(c->ctime, st->st_ctim);
	pthread_mutex_unlock(&checked_lock);
	return same;
}

static void remember_checked(const unsigned char sha256[BLOB_SHA256_BYTES], const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return;
	pthread_mutex_lock(&checked_lock);
	struct checked *c = slot_of(sha256);
	memcpy(c->sha256, sha256, BLOB_SHA256_BYTES);
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	c->size = st.st_size;
	c->mtime = st.st_mtim;
	c->ctime = st.st_ctim;
	pthread_mutex_unlock(&checked_lock);
}

static bool file_matches(const char *path, const unsigned char sha256[BLOB_SHA256_BYTES])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return false;
	struct stat st;
	if (fstat(fd, &st) == 0 && checked_before(sha256, &st)) {
		close(fd);
		return true;
	}
	unsigned char got[BLOB_SHA256_BYTES];
	bool same = hash_fd(fd, got) && sodium_memcmp(got, sha256, sizeof got) == 0;
	close(fd);
	if (same)
		remember_checked(sha256, path);
	else
		log_warn("file cache: %s does not match its hash, written again", path);
	return same;
}

struct writing {
	int fd;
	crypto_hash_sha256_state st;
	bool io_failed;
};

static bool write_chunk(const void *chunk, size_t len, void *ctx)
{
	struct writing *w = ctx;
	crypto_hash_sha256_update(&w->st, chunk, len);
	for (size_t off = 0; off < len;) {
		ssize_t n = write(w->fd, (const char *)chunk + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			w->io_failed = true;
			return false;
		}
		off += (size_t)n;
	}
	return true;
}

/* Writes the blob to tmp chunk by chunk, hashing as it goes. */
static enum file_cache_result write_blob(struct db *db, const char *tmp,
					 const unsigned char sha256[BLOB_SHA256_BYTES])
{
	struct writing w = { .fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
					CACHE_FILE_MODE) };
	if (w.fd < 0) {
		log_error("file cache: cannot create %s: %s", tmp, strerror(errno));
		return FILE_CACHE_IO_FAILED;
	}
	fchmod(w.fd, CACHE_FILE_MODE);	/* whatever the umask */
	crypto_hash_sha256_init(&w.st);
	int got = blob_read(db, sha256, write_chunk, &w);
	if (close(w.fd) != 0)
		w.io_failed = true;
	if (w.io_failed) {
		log_error("file cache: cannot write %s", tmp);
		return FILE_CACHE_IO_FAILED;
	}
	if (got != 1)
		return got == 0 ? FILE_CACHE_NO_BLOB : FILE_CACHE_DB_FAILED;
	unsigned char hash[BLOB_SHA256_BYTES];
	crypto_hash_sha256_final(&w.st, hash);
	if (sodium_memcmp(hash, sha256, sizeof hash) != 0) {
		log_error("file cache: the chunks of blob %s do not hash to its name", tmp);
		return FILE_CACHE_NO_BLOB;
	}
	return FILE_CACHE_READY;
}

enum file_cache_result file_cache_ensure(struct db *db, const char *dir,
					 const unsigned char sha256[BLOB_SHA256_BYTES])
{
	char hex[BLOB_SHA256_HEX], path[4096], tmp[4096];
	sodium_bin2hex(hex, sizeof hex, sha256, BLOB_SHA256_BYTES);
	snprintf(path, sizeof path, "%s/%s", dir, hex);
	if (file_matches(path, sha256))
		return FILE_CACHE_READY;
	/* A name of its own per writer: two workers may fill the same file
	 * at once; the second rename replaces the first with the same bytes. */
	static _Atomic unsigned long serial;
	snprintf(tmp, sizeof tmp, "%s/.%s.%ld.%lu.tmp", dir, hex, (long)getpid(), serial++);
	enum file_cache_result r = write_blob(db, tmp, sha256);
	if (r == FILE_CACHE_READY && rename(tmp, path) != 0) {
		log_error("file cache: cannot rename %s: %s", tmp, strerror(errno));
		r = FILE_CACHE_IO_FAILED;
	}
	if (r == FILE_CACHE_READY)
		remember_checked(sha256, path);
	if (r != FILE_CACHE_READY)
		unlink(tmp);
	return r;
}
