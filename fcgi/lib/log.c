#include "lib/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static void log_line(const char *level, const char *fmt, va_list ap)
{
	char line[2048];
	struct timespec now;
	struct tm tm;
	clock_gettime(CLOCK_REALTIME, &now);
	localtime_r(&now.tv_sec, &tm);
	int n = (int)strftime(line, sizeof line, "%Y-%m-%dT%H:%M:%S", &tm);
	n += snprintf(line + n, sizeof line - (size_t)n, ".%03ld %s ",
		      now.tv_nsec / 1000000, level);
	vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
	/* One fprintf per line: stdio locks the stream, so lines from different
	 * threads do not interleave. */
	fprintf(stderr, "%s\n", line);
}

#define LOG_FN(name, level)                      \
	void name(const char *fmt, ...)          \
	{                                        \
		va_list ap;                      \
		va_start(ap, fmt);               \
		log_line(level, fmt, ap);        \
		va_end(ap);                      \
	}

LOG_FN(log_info, "info")
LOG_FN(log_warn, "warn")
LOG_FN(log_error, "error")
