/* clamd: INSTREAM over a unix socket (clamd.h). */
#include "lib/clamd.h"

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

enum { CLAMD_CHUNK = 65536 };

static int connect_unix(const char *path, int timeout_ms)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof addr.sun_path)
		return -1;
	strcpy(addr.sun_path, path);
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	struct timeval tv = { .tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000 };
	setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
	if (connect(s, (struct sockaddr *)&addr, sizeof addr) != 0) {
		close(s);
		return -1;
	}
	return s;
}

static bool send_all(int s, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = send(s, p, len, MSG_NOSIGNAL);
		if (n <= 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

static bool send_chunk(int s, const char *data, size_t len)
{
	uint32_t n = htonl((uint32_t)len);
	return send_all(s, &n, sizeof n) && (!len || send_all(s, data, len));
}

static bool stream_file(int s, int fd, size_t size)
{
	static const char cmd[] = "zINSTREAM";
	if (!send_all(s, cmd, sizeof cmd))	/* with its NUL */
		return false;
	char chunk[CLAMD_CHUNK];
	for (size_t off = 0; off < size;) {
		size_t want = size - off < sizeof chunk ? size - off : sizeof chunk;
		ssize_t n = pread(fd, chunk, want, (off_t)off);
		if (n <= 0 || !send_chunk(s, chunk, (size_t)n))
			return false;
		off += (size_t)n;
	}
	return send_chunk(s, NULL, 0);
}

/* The answer, up to its NUL (or the end of the connection). */
static bool read_answer(int s, char *buf, size_t len)
{
	size_t got = 0;
	while (got + 1 < len) {
		ssize_t n = recv(s, buf + got, len - 1 - got, 0);
		if (n < 0)
			return false;
		if (n == 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\0', got))
			break;
	}
	buf[got] = '\0';
	return got > 0;
}

static enum clamd_verdict verdict_of(char *answer, char *name, size_t namelen)
{
	answer[strcspn(answer, "\n")] = '\0';
	const char *body = strncmp(answer, "stream: ", 8) ? answer : answer + 8;
	if (!strcmp(body, "OK"))
		return CLAMD_CLEAN;
	size_t len = strlen(body);
	static const char found[] = " FOUND";
	if (len > sizeof found - 1 && !strcmp(body + len - (sizeof found - 1), found)) {
		snprintf(name, namelen, "%.*s", (int)(len - (sizeof found - 1)), body);
		return CLAMD_FOUND;
	}
	return CLAMD_UNAVAILABLE;	/* "… ERROR", e.g. INSTREAM size limit exceeded */
}

enum clamd_verdict clamd_scan(const char *socket_path, int fd, size_t size,
			      int timeout_ms, char *name, size_t namelen)
{
	if (namelen)
		name[0] = '\0';
	int s = connect_unix(socket_path, timeout_ms);
	if (s < 0)
		return CLAMD_UNAVAILABLE;
	char answer[512];
	enum clamd_verdict v = CLAMD_UNAVAILABLE;
	if (stream_file(s, fd, size) && read_answer(s, answer, sizeof answer))
		v = verdict_of(answer, name, namelen);
	close(s);
	return v;
}
