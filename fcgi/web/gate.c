#include "web/gate.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"

/*
 * libfcgi closes a connection with select(2) (it lingers for the client's
 * end of stream), which cannot watch a descriptor from FD_SETSIZE up: such
 * a connection is refused. Accepted connections not yet taken by a worker
 * are capped below it; at the cap the gate stops accepting for a moment
 * and new connections wait in the listen queue.
 */
enum { MAX_FD = FD_SETSIZE, MAX_WAITING = 512 };

enum { FCGI_VERSION_1 = 1, FCGI_STDIN = 5, FCGI_HEADER_LEN = 8 };

struct gate {
	int listen_fd;
	int epoll_fd;
	int wake_fd;			/* eventfd: gate_close */
	pthread_t thread;
	atomic_int timeout_ms;
	unsigned char *peek;		/* GATE_PEEK_BYTES */
	int64_t deadline_ms[MAX_FD];	/* of a waiting connection, else 0 */
	int waiting;			/* connections being watched */
	bool listening;			/* listen_fd is in the epoll set */
	bool closing;

	pthread_mutex_t lock;		/* guards what follows */
	pthread_cond_t ready_cond;
	int ready[MAX_WAITING];		/* ring of complete connections */
	int64_t ready_deadline[MAX_WAITING];
	int ready_head, ready_count;
	bool done;			/* closed, and nothing left to hand out */
};

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bool gate_request_complete(const unsigned char *data, size_t len, bool *bad)
{
	*bad = false;
	size_t off = 0;
	while (off + FCGI_HEADER_LEN <= len) {
		const unsigned char *h = data + off;
		if (h[0] != FCGI_VERSION_1) {
			*bad = true;
			return false;
		}
		size_t content = (size_t)h[4] << 8 | h[5];
		size_t end = off + FCGI_HEADER_LEN + content + h[6];
		if (h[1] == FCGI_STDIN && content == 0)
			return end <= len;
		off = end;
	}
	return false;
}

/* ---- handing out -------------------------------------------------------- */

static int ready_total(struct gate *g)
{
	pthread_mutex_lock(&g->lock);
	int n = g->ready_count;
	pthread_mutex_unlock(&g->lock);
	return n;
}

static void hand_out(struct gate *g, int fd, int64_t deadline)
{
	pthread_mutex_lock(&g->lock);
	int i = (g->ready_head + g->ready_count) % MAX_WAITING;
	g->ready[i] = fd;
	g->ready_deadline[i] = deadline;
	g->ready_count++;
	pthread_cond_signal(&g->ready_cond);
	pthread_mutex_unlock(&g->lock);
}

int gate_next(struct gate *g, struct timespec *deadline)
{
	pthread_mutex_lock(&g->lock);
	while (!g->ready_count && !g->done)
		pthread_cond_wait(&g->ready_cond, &g->lock);
	int fd = -1;
	if (g->ready_count) {
		fd = g->ready[g->ready_head];
		int64_t ms = g->ready_deadline[g->ready_head];
		deadline->tv_sec = ms / 1000;
		deadline->tv_nsec = (long)(ms % 1000) * 1000000;
		g->ready_head = (g->ready_head + 1) % MAX_WAITING;
		g->ready_count--;
	}
	pthread_mutex_unlock(&g->lock);
	return fd;
}

/* ---- watching ------------------------------------------------------------ */

static void forget(struct gate *g, int fd)
{
	epoll_ctl(g->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	g->deadline_ms[fd] = 0;
	g->waiting--;
}

/*
 * Looks at what has arrived; hands the connection out once it is enough.
 * A client that closed its end (hung_up) before its request was whole can
 * never finish it: closed at once.
 */
static void examine(struct gate *g, int fd, bool hung_up)
{
	ssize_t n = recv(fd, g->peek, GATE_PEEK_BYTES, MSG_PEEK | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR) && !hung_up)
		return;
	bool bad = n <= 0;
	bool complete = !bad && gate_request_complete(g->peek, (size_t)n, &bad);
	int64_t deadline = g->deadline_ms[fd];
	if (complete || (!bad && n == GATE_PEEK_BYTES)) {
		forget(g, fd);
		hand_out(g, fd, deadline);
	} else if (bad || hung_up) {
		forget(g, fd);
		close(fd);
	}
}

static void set_listening(struct gate *g, bool on)
{
	if (g->listening == on)
		return;
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = g->listen_fd };
	epoll_ctl(g->epoll_fd, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, g->listen_fd, &ev);
	g->listening = on;
}

static void accept_one(struct gate *g)
{
	int fd = accept4(g->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;	/* EAGAIN: another process took it; errors: try again later */
	if (fd >= MAX_FD) {
		log_warn("gate: descriptor %d over %d, connection refused", fd, MAX_FD - 1);
		close(fd);
		return;
	}
	g->deadline_ms[fd] = now_ms() + atomic_load(&g->timeout_ms);
	g->waiting++;
	/* Edge-triggered: woken again only when more bytes arrive, not while
	 * an incomplete request merely sits there. Data already there when
	 * it is added counts as an edge. */
	struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLET, .data.fd = fd };
	epoll_ctl(g->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* Closes the connections past their deadline; the next deadline, or -1. */
static int64_t expire(struct gate *g)
{
	int64_t now = now_ms(), next = -1;
	int closed = 0;
	for (int fd = 0; fd < MAX_FD && g->waiting; fd++) {
		int64_t d = g->deadline_ms[fd];
		if (!d)
			continue;
		if (d <= now) {
			forget(g, fd);
			close(fd);
			closed++;
		} else if (next < 0 || d < next) {
			next = d;
		}
	}
	if (closed)
		log_warn("gate: closed %d connection%s that sent no whole request within "
			 "request_timeout_ms", closed, closed == 1 ? "" : "s");
	return next;
}

static int wait_timeout(struct gate *g, int64_t next_deadline)
{
	if (!g->listening && !g->closing)
		return 10;	/* at the cap: look again soon */
	if (next_deadline < 0)
		return -1;
	int64_t ms = next_deadline - now_ms();
	return ms < 0 ? 0 : ms > 60000 ? 60000 : (int)ms;
}

static void *gate_main(void *arg)
{
	struct gate *g = arg;
	struct epoll_event events[64];
	int64_t next = -1;
	for (;;) {
		int n = epoll_wait(g->epoll_fd, events, 64, wait_timeout(g, next));
		for (int i = 0; i < n; i++) {
			int fd = events[i].data.fd;
			if (fd == g->wake_fd) {
				g->closing = true;
				set_listening(g, false);
			} else if (fd == g->listen_fd) {
				accept_one(g);
			} else if (g->deadline_ms[fd]) {
				examine(g, fd, events[i].events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR));
			}
		}
		next = expire(g);
		if (g->closing && !g->waiting)
			break;
		if (!g->closing)
			set_listening(g, g->waiting + ready_total(g) < MAX_WAITING);
	}
	pthread_mutex_lock(&g->lock);
	g->done = true;
	pthread_cond_broadcast(&g->ready_cond);
	pthread_mutex_unlock(&g->lock);
	return NULL;
}

/* ---- start and stop -------------------------------------------------------- */

struct gate *gate_start(int listen_fd, int timeout_ms)
{
	struct gate *g = calloc(1, sizeof *g);
	g->listen_fd = listen_fd;
	atomic_store(&g->timeout_ms, timeout_ms);
	g->peek = malloc(GATE_PEEK_BYTES);
	g->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	g->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	pthread_mutex_init(&g->lock, NULL);
	pthread_cond_init(&g->ready_cond, NULL);
	/* Non-blocking: a connection that another instance on the same
	 * socket accepted first must not stop the gate in accept(). */
	fcntl(listen_fd, F_SETFL, fcntl(listen_fd, F_GETFL) | O_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = g->wake_fd };
	epoll_ctl(g->epoll_fd, EPOLL_CTL_ADD, g->wake_fd, &ev);
	set_listening(g, true);
	pthread_create(&g->thread, NULL, gate_main, g);
	return g;
}

void gate_set_timeout(struct gate *g, int timeout_ms)
{
	atomic_store(&g->timeout_ms, timeout_ms);
}

void gate_close(struct gate *g)
{
	uint64_t one = 1;
	if (write(g->wake_fd, &one, sizeof one) < 0)
		log_warn("gate: cannot wake: %s", strerror(errno));
}

void gate_free(struct gate *g)
{
	pthread_join(g->thread, NULL);
	close(g->epoll_fd);
	close(g->wake_fd);
	pthread_mutex_destroy(&g->lock);
	pthread_cond_destroy(&g->ready_cond);
	free(g->peek);
	free(g);
}
