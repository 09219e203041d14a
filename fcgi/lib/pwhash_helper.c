/* pwhash_helper: Argon2id in a process of its own (pwhash_helper.h). */
#include "lib/pwhash_helper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/log.h"

extern char **environ;

/*
 * One exchange: the request is an operation byte ('v' verify, 'h' hash),
 * then two strings each as a 32-bit length and its bytes (the stored hash,
 * empty for 'h'; the password). The answer is one byte (ANSWER_YES or
 * ANSWER_NO), followed for a successful 'h' by crypto_pwhash_STRBYTES
 * bytes of hash.
 */
enum { OP_VERIFY = 'v', OP_HASH = 'h' };
enum answer { ANSWER_YES, ANSWER_NO, ANSWER_NONE /* the helper did not answer */ };

/* The two computations, wherever they run. */
static bool verify_here(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

static bool hash_here(const char *password, char out[crypto_pwhash_STRBYTES])
{
	return crypto_pwhash_str(out, password, strlen(password),
				 crypto_pwhash_OPSLIMIT_INTERACTIVE,
				 crypto_pwhash_MEMLIMIT_INTERACTIVE) == 0;
}

/* The longest a hash may take before the helper counts as stuck: a hash
 * takes ~0.15 s, so this is only ever reached by a helper that hangs. */
enum { ANSWER_TIMEOUT_S = 30 };

static bool read_all(int fd, void *p, size_t n)
{
	unsigned char *b = p;
	while (n > 0) {
		ssize_t r = read(fd, b, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		b += r;
		n -= (size_t)r;
	}
	return true;
}

static bool write_all(int fd, const void *p, size_t n)
{
	const unsigned char *b = p;
	while (n > 0) {
		ssize_t w = send(fd, b, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		b += w;
		n -= (size_t)w;
	}
	return true;
}

/* ---- the helper's side ---------------------------------------------------- */

static bool read_string(int fd, char *s)
{
	uint32_t len;
	if (!read_all(fd, &len, sizeof len) || len > PWHASH_HELPER_MAX)
		return false;
	s[len] = '\0';
	return read_all(fd, s, len);
}

static bool serve_one(int fd)
{
	unsigned char op;
	static char hash[PWHASH_HELPER_MAX + 1], password[PWHASH_HELPER_MAX + 1];
	if (!read_all(fd, &op, 1) || !read_string(fd, hash) || !read_string(fd, password))
		return false;
	bool ok;
	if (op == OP_VERIFY) {
		unsigned char answer = verify_here(hash, password) ? ANSWER_YES : ANSWER_NO;
		ok = write_all(fd, &answer, 1);
	} else if (op == OP_HASH) {
		char out[crypto_pwhash_STRBYTES];
		unsigned char answer = hash_here(password, out) ? ANSWER_YES : ANSWER_NO;
		ok = write_all(fd, &answer, 1) &&
		     (answer != ANSWER_YES || write_all(fd, out, sizeof out));
		sodium_memzero(out, sizeof out);
	} else {
		ok = false;
	}
	sodium_memzero(password, sizeof password);
	return ok;
}

int pwhash_helper_serve(int fd)
{
	/* Nothing of the serving process's but the socket: not its listening
	 * socket, not its database connections. */
	close_range((unsigned)fd + 1, ~0U, 0);
	if (sodium_init() < 0)
		return 1;
	while (serve_one(fd))
		;
	return 0;
}

/* ---- the serving process's side ------------------------------------------ */

static bool start(struct pwhash_helper *h)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		return false;
	/* dup2 onto the same number would keep close-on-exec: move the
	 * child's end out of the way first. */
	if (sv[1] == PWHASH_HELPER_FD) {
		int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, PWHASH_HELPER_FD + 1);
		close(sv[1]);
		sv[1] = moved;
		if (moved < 0) {
			close(sv[0]);
			return false;
		}
	}
	posix_spawn_file_actions_t actions;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_adddup2(&actions, sv[1], PWHASH_HELPER_FD);
	posix_spawnattr_init(&attr);
	/* The worker threads block the stop signals; the helper takes them. */
	sigset_t none;
	sigemptyset(&none);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
	char *argv[] = { "ysqgk", PWHASH_HELPER_COMMAND, NULL };
	pid_t pid;
	int r = posix_spawn(&pid, "/proc/self/exe", &actions, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	posix_spawnattr_destroy(&attr);
	close(sv[1]);
	if (r != 0) {
		close(sv[0]);
		return false;
	}
	struct timeval tv = { .tv_sec = ANSWER_TIMEOUT_S };
	setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	h->pid = pid;
	h->fd = sv[0];
	return true;
}

void pwhash_helper_stop(struct pwhash_helper *h)
{
	if (h->fd >= 0)
		close(h->fd);
	if (h->pid > 0) {
		/* Closing its socket ends it; a stuck one is killed. */
		kill(h->pid, SIGKILL);
		while (waitpid(h->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	h->pid = 0;
	h->fd = -1;
}

static bool send_request(int fd, unsigned char op, const char *hash, const char *password)
{
	uint32_t hash_len = (uint32_t)strlen(hash), password_len = (uint32_t)strlen(password);
	return write_all(fd, &op, 1) &&
	       write_all(fd, &hash_len, sizeof hash_len) && write_all(fd, hash, hash_len) &&
	       write_all(fd, &password_len, sizeof password_len) &&
	       write_all(fd, password, password_len);
}

/* One exchange; a helper that is gone is started again once (it may have
 * died since the last hash: killed, or out of memory). */
static enum answer exchange(struct pwhash_helper *h, unsigned char op, const char *hash,
			    const char *password, char out[crypto_pwhash_STRBYTES])
{
	/* Too long for the helper: the caller's own bounds are far below. */
	if (strlen(hash) > PWHASH_HELPER_MAX || strlen(password) > PWHASH_HELPER_MAX)
		return ANSWER_NONE;
	for (int attempt = 0; attempt < 2; attempt++) {
		if (h->fd < 0 && !start(h))
			return ANSWER_NONE;
		unsigned char answer;
		if (send_request(h->fd, op, hash, password) && read_all(h->fd, &answer, 1) &&
		    (answer == ANSWER_NO ||
		     (answer == ANSWER_YES && (op != OP_HASH ||
					       read_all(h->fd, out, crypto_pwhash_STRBYTES)))))
			return (enum answer)answer;
		pwhash_helper_stop(h);
	}
	log_error("password hashing helper unavailable: hashing in process");
	return ANSWER_NONE;
}

bool pwhash_verify(struct pwhash_helper *h, const char *hash, const char *password)
{
	enum answer a = h ? exchange(h, OP_VERIFY, hash, password, NULL) : ANSWER_NONE;
	return a == ANSWER_NONE ? verify_here(hash, password) : a == ANSWER_YES;
}

bool pwhash_hash(struct pwhash_helper *h, const char *password, char out[crypto_pwhash_STRBYTES])
{
	enum answer a = h ? exchange(h, OP_HASH, "", password, out) : ANSWER_NONE;
	return a == ANSWER_NONE ? hash_here(password, out) : a == ANSWER_YES;
}
