/*
 * log: one line per event on stderr (journald adds the time under systemd).
 * Never log personal data: no query strings, bodies, names or numbers.
 */
#ifndef YSQGK_LOG_H
#define YSQGK_LOG_H

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
