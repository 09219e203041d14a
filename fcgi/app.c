#include "app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool app_load_secret_key(struct app *app, char *err, size_t errlen)
{
	const char *path = app->config.secret_key_file;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "secret key %s: %s (create it with `ysqgk keygen %s`)",
			 path, strerror(errno), path);
		return false;
	}
	unsigned char extra;
	ssize_t n = read(fd, app->secret_key, sizeof app->secret_key);
	ssize_t more = read(fd, &extra, 1);
	close(fd);
	if (n != (ssize_t)sizeof app->secret_key || more != 0) {
		snprintf(err, errlen, "secret key %s: must be exactly %zu bytes", path,
			 sizeof app->secret_key);
		return false;
	}
	return true;
}
