/*
 * pwhash_helper: Argon2id in a process of its own.
 *
 * Why not in the serving process: libsodium maps a fresh 64 MiB for every
 * Argon2id hash and unmaps it after (argon2-core.c, mmap/munmap), so each
 * hash faults in 16,384 pages and then unmaps them all. Inside the
 * multithreaded FastCGI process that work contends with every worker
 * thread for the process's address space (page faults, TLB shootdowns):
 * under 20 concurrent sign-ins the home page's p99 reached 40–59 ms on two
 * cores, although the hash itself ran at the lowest CPU priority. The same
 * hashes in another process left it under 12 ms (measured with
 * test_staff_hardening item 4). A helper's address space is its own.
 *
 * The helper is this same binary started again (`/proc/self/exe
 * pwhash-helper`, by posix_spawn: safe from a threaded process, and it
 * can be restarted at any time), serving one hash at a time on a socket
 * pair. The caller owns one struct pwhash_helper per hashing slot and uses
 * it from one thread at a time; the helper starts at first use and again
 * after it died. It exits when the serving process's end of the socket
 * closes.
 *
 * Passwords cross the socket in the clear: a socket pair between a process
 * and its own child, under one user, reachable by nobody else.
 */
#ifndef YSQGK_LIB_PWHASH_HELPER_H
#define YSQGK_LIB_PWHASH_HELPER_H

#include <stdbool.h>
#include <sys/types.h>
#include <sodium.h>

#define PWHASH_HELPER_COMMAND	"pwhash-helper"	/* argv[1] of the helper */
#define PWHASH_HELPER_FD	3		/* its end of the socket pair */
#define PWHASH_HELPER_MAX	4096		/* longest password or hash it takes */

struct pwhash_helper {
	pid_t pid;		/* 0: not started */
	int fd;			/* the serving process's end, -1 when none */
};

#define PWHASH_HELPER_INIT { .pid = 0, .fd = -1 }

/*
 * Whether password matches the Argon2id string hash
 * (crypto_pwhash_str_verify), computed by helper h — or in this process
 * when h is NULL, or when the helper cannot be started or does not answer
 * (logged): a sign-in is never refused for want of a helper.
 */
bool pwhash_verify(struct pwhash_helper *h, const char *hash, const char *password);

/* The Argon2id string of password into out (crypto_pwhash_str, the
 * "interactive" limits), where pwhash_verify() would compute it; false if
 * libsodium failed (out of memory). */
bool pwhash_hash(struct pwhash_helper *h, const char *password,
		 char out[crypto_pwhash_STRBYTES]);

/* Ends the helper (if any) and waits for it. */
void pwhash_helper_stop(struct pwhash_helper *h);

/* The helper's side: serves requests on fd until it closes. Returns the
 * process's exit status. */
int pwhash_helper_serve(int fd);

#endif
