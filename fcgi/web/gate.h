/*
 * gate: a connection reaches a worker only once its request has arrived.
 *
 * libfcgi reads a request with blocking reads on the worker's own thread,
 * so a client that promised a body and never sent it held a worker (and its
 * database connection) for ever; `threads` such connections stopped the
 * app. Here one thread accepts every connection and waits, holding only the
 * file descriptor, until the whole FastCGI request (parameters and body, up
 * to the empty FCGI_STDIN record) sits in the socket's buffer — read with
 * MSG_PEEK, so that libfcgi reads it again from the start — or until its
 * deadline (request_timeout_ms after the accept) passes and it is closed.
 * A request too large to sit in the buffer whole goes to a worker once the
 * first GATE_PEEK_BYTES are there; the worker then reads the rest with
 * socket timeouts bounded by the same deadline (server.c).
 */
#ifndef YSQGK_GATE_H
#define YSQGK_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

enum { GATE_PEEK_BYTES = 65536 };

struct gate;

/* Starts the gate's thread on a listening socket (made non-blocking). */
struct gate *gate_start(int listen_fd, int timeout_ms);

/* A reload's new request_timeout_ms, for connections accepted from now on. */
void gate_set_timeout(struct gate *g, int timeout_ms);

/*
 * Blocks until a connection's request has arrived; returns its descriptor
 * (the caller closes it) and its deadline (CLOCK_MONOTONIC). -1 once the
 * gate is closed and every accepted connection has been handed out.
 */
int gate_next(struct gate *g, struct timespec *deadline);

/*
 * Stops accepting; connections already accepted still get until their
 * deadline to complete their request. Returns at once; gate_next returns
 * -1 when they are all handed out or closed.
 */
void gate_close(struct gate *g);

/* Joins the gate's thread (after gate_close) and frees it. */
void gate_free(struct gate *g);

/*
 * How much of a FastCGI request the first `len` bytes hold: true when they
 * end the request (an empty FCGI_STDIN record, whole). *bad is set when
 * they are not FastCGI at all. Exposed for the unit tests.
 */
bool gate_request_complete(const unsigned char *data, size_t len, bool *bad);

#endif
