#include "web/request.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sodium.h>

#include "lib/log.h"

void http_header(struct request *req, const char *name, const char *value)
{
	/* A CR or LF in a value would let it inject headers: refuse loudly. */
	if (strpbrk(value, "\r\n")) {
		log_error("refused header %s with a line break", name);
		return;
	}
	buf_printf(req->headers, "%s: %s\r\n", name, value);
}

void http_set_cookie(struct request *req, const char *name, const char *value,
		     int max_age_seconds)
{
	char line[512];
	/* Secure whenever the client came over https (nginx's HTTPS param),
	 * so a TLS site needs no setting for it (issue 12, item 16);
	 * secure_cookies forces it behind a proxy that ends TLS earlier. */
	bool secure = req->app->config.secure_cookies || req->https;
	snprintf(line, sizeof line, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s%s",
		 name, value, secure ? "; Secure" : "",
		 max_age_seconds < 0 ? "" : "; Max-Age=");
	if (max_age_seconds >= 0) {
		size_t n = strlen(line);
		snprintf(line + n, sizeof line - n, "%d", max_age_seconds);
	}
	http_header(req, "Set-Cookie", line);
}

const char *http_client_bucket(struct request *req)
{
	unsigned char buf[16];
	const char *a = req->remote_addr;
	if (a && inet_pton(AF_INET, a, buf) == 1)
		return a;
	if (a && inet_pton(AF_INET6, a, buf) == 1) {
		if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)buf))
			return a;
		memset(buf + 8, 0, 8);
		char *net = arena_alloc(req->arena, INET6_ADDRSTRLEN);
		return inet_ntop(AF_INET6, buf, net, INET6_ADDRSTRLEN) ? net : "::";
	}
	return "0.0.0.0";
}

char *request_base64(struct request *req, const unsigned char *bin, size_t len)
{
	size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	char *out = arena_alloc(req->arena, n);
	sodium_bin2base64(out, n, bin, len, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	return out;
}
