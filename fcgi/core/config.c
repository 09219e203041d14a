#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum key_type { KEY_STRING, KEY_INT, KEY_SIZE, KEY_MODE, KEY_BOOL };

/* One row per configuration key: its name, environment variable and slot. */
struct key {
	const char *name;
	const char *env;
	enum key_type type;
	size_t offset;
	const char *fallback;
};

#define KEY(n, e, t, f) { #n, e, t, offsetof(struct config, n), f }

static const struct key keys[] = {
	KEY(database, "YSQGK_DATABASE", KEY_STRING, "dbname=ysqgk"),
	KEY(listen, "YSQGK_LISTEN", KEY_STRING, "/run/ysqgk/ysqgk.sock"),
	KEY(listen_mode, "YSQGK_LISTEN_MODE", KEY_MODE, "0660"),
	KEY(threads, "YSQGK_THREADS", KEY_INT, "8"),
	KEY(templates, "YSQGK_TEMPLATES", KEY_STRING, "/usr/local/share/ysqgk/templates"),
	KEY(sql_dir, "YSQGK_SQL_DIR", KEY_STRING, "/usr/local/share/ysqgk/sql"),
	KEY(font_dir, "YSQGK_FONT_DIR", KEY_STRING, "/usr/local/share/ysqgk/fonts"),
	KEY(site_name, "YSQGK_SITE_NAME", KEY_STRING, "政府信息公开申请"),
	KEY(secret_key_file, "YSQGK_SECRET_KEY_FILE", KEY_STRING, "/etc/ysqgk/secret.key"),
	KEY(max_body, "YSQGK_MAX_BODY", KEY_SIZE, "1048576"),
	KEY(max_file_bytes, "YSQGK_MAX_FILE_BYTES", KEY_SIZE, "20971520"),
	KEY(max_upload_bytes, "YSQGK_MAX_UPLOAD_BYTES", KEY_SIZE, "52428800"),
	KEY(max_files, "YSQGK_MAX_FILES", KEY_INT, "10"),
	KEY(clamd_socket, "YSQGK_CLAMD_SOCKET", KEY_STRING, ""),
	KEY(statement_timeout_ms, "YSQGK_STATEMENT_TIMEOUT_MS", KEY_INT, "5000"),
	KEY(request_timeout_ms, "YSQGK_REQUEST_TIMEOUT_MS", KEY_INT, "10000"),
	KEY(secure_cookies, "YSQGK_SECURE_COOKIES", KEY_BOOL, "false"),
	KEY(server_timing, "YSQGK_SERVER_TIMING", KEY_BOOL, "false"),
	KEY(database_standby, "YSQGK_DATABASE_STANDBY", KEY_STRING, ""),
	KEY(standby_max_lag_ms, "YSQGK_STANDBY_MAX_LAG_MS", KEY_INT, "1000"),
	KEY(require_2fa, "YSQGK_REQUIRE_2FA", KEY_BOOL, "false"),
	/* 10: the 定期10年 period of the archive rules for 依申请公开 case files
	 * (国家档案局令第8号, docs/deploy.md "Personal data"). */
	KEY(retention_years, "YSQGK_RETENTION_YEARS", KEY_INT, "10"),
	/* Messages (ysqgk notify, docs/deploy.md "Messages"). Secrets are
	 * read from files, never written here. */
	KEY(public_url, "YSQGK_PUBLIC_URL", KEY_STRING, ""),
	KEY(smtp_url, "YSQGK_SMTP_URL", KEY_STRING, ""),
	KEY(smtp_user, "YSQGK_SMTP_USER", KEY_STRING, ""),
	KEY(smtp_password_file, "YSQGK_SMTP_PASSWORD_FILE", KEY_STRING, ""),
	KEY(mail_from, "YSQGK_MAIL_FROM", KEY_STRING, ""),
	KEY(sms_provider, "YSQGK_SMS_PROVIDER", KEY_STRING, "none"),
	KEY(sms_endpoint, "YSQGK_SMS_ENDPOINT", KEY_STRING, ""),
	KEY(sms_secret_id_file, "YSQGK_SMS_SECRET_ID_FILE", KEY_STRING, ""),
	KEY(sms_secret_key_file, "YSQGK_SMS_SECRET_KEY_FILE", KEY_STRING, ""),
	KEY(sms_region, "YSQGK_SMS_REGION", KEY_STRING, "ap-guangzhou"),
	KEY(sms_app_id, "YSQGK_SMS_APP_ID", KEY_STRING, ""),
	KEY(sms_sign_name, "YSQGK_SMS_SIGN_NAME", KEY_STRING, ""),
	KEY(sms_templates, "YSQGK_SMS_TEMPLATES", KEY_STRING, ""),
	KEY(notify_retry_seconds, "YSQGK_NOTIFY_RETRY_SECONDS", KEY_INT, "60"),
	KEY(notify_max_age_hours, "YSQGK_NOTIFY_MAX_AGE_HOURS", KEY_INT, "48"),
	KEY(notify_poll_ms, "YSQGK_NOTIFY_POLL_MS", KEY_INT, "1000"),
	KEY(notify_lease_seconds, "YSQGK_NOTIFY_LEASE_SECONDS", KEY_INT, "120"),
	/* Files (issue 15; docs/deploy.md "Files"). */
	KEY(file_cache_dir, "YSQGK_FILE_CACHE_DIR", KEY_STRING, ""),
};

#define NKEYS (sizeof keys / sizeof keys[0])

static bool set_value(struct config *c, const struct key *k, const char *value,
		      char *err, size_t errlen)
{
	void *slot = (char *)c + k->offset;
	char *end;
	long n;

	switch (k->type) {
	case KEY_STRING:
		free(*(char **)slot);
		*(char **)slot = strdup(value);
		return true;
	case KEY_INT:
	case KEY_SIZE:
		errno = 0;
		n = strtol(value, &end, 10);
		if (errno || *end || end == value || n < 0 || n > 1L << 30) {
			snprintf(err, errlen, "%s: not a number: \"%s\"", k->name, value);
			return false;
		}
		if (k->type == KEY_INT)
			*(int *)slot = (int)n;
		else
			*(size_t *)slot = (size_t)n;
		return true;
	case KEY_MODE:
		n = strtol(value, &end, 8);
		if (*end || end == value || n < 0 || n > 0777) {
			snprintf(err, errlen, "%s: not an octal mode: \"%s\"", k->name, value);
			return false;
		}
		*(unsigned *)slot = (unsigned)n;
		return true;
	case KEY_BOOL:
		if (!strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on") ||
		    !strcmp(value, "1")) {
			*(bool *)slot = true;
		} else if (!strcmp(value, "false") || !strcmp(value, "no") || !strcmp(value, "off") ||
			   !strcmp(value, "0")) {
			*(bool *)slot = false;
		} else {
			snprintf(err, errlen, "%s: expected true or false: \"%s\"", k->name, value);
			return false;
		}
		return true;
	}
	return false;
}

static const struct key *key_find(const char *name)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (!strcmp(keys[i].name, name))
			return &keys[i];
	return NULL;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static bool load_file(struct config *c, const char *path, FILE *f, char *err,
		      size_t errlen)
{
	char line[4096];
	for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(err, errlen, "%s:%d: expected \"key = value\"", path, lineno);
			return false;
		}
		*eq = '\0';
		char *name = trim(s), *value = trim(eq + 1);
		const struct key *k = key_find(name);
		if (!k) {
			snprintf(err, errlen, "%s:%d: unknown key \"%s\"", path, lineno, name);
			return false;
		}
		char why[256];
		if (!set_value(c, k, value, why, sizeof why)) {
			snprintf(err, errlen, "%s:%d: %s", path, lineno, why);
			return false;
		}
	}
	return true;
}

bool config_load(struct config *c, const char *path, char *err, size_t errlen)
{
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NKEYS; i++)
		set_value(c, &keys[i], keys[i].fallback, err, errlen);

	const char *file = path ? path : CONFIG_DEFAULT_PATH;
	FILE *f = fopen(file, "r");
	if (f) {
		bool ok = load_file(c, file, f, err, errlen);
		fclose(f);
		if (!ok)
			return false;
	} else if (path) {
		/* Only an explicitly named file must exist. */
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return false;
	}

	for (size_t i = 0; i < NKEYS; i++) {
		const char *v = getenv(keys[i].env);
		char why[256];
		if (v && !set_value(c, &keys[i], v, why, sizeof why)) {
			snprintf(err, errlen, "%s: %s", keys[i].env, why);
			return false;
		}
	}
	if (c->threads < 1 || c->threads > 256) {
		snprintf(err, errlen, "threads must be between 1 and 256, not %d", c->threads);
		return false;
	}
	if (c->request_timeout_ms < 1) {	/* 0 would close every connection */
		snprintf(err, errlen, "request_timeout_ms must be at least 1");
		return false;
	}
	return true;
}

void config_free(struct config *c)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (keys[i].type == KEY_STRING) {
			char **slot = (char **)((char *)c + keys[i].offset);
			free(*slot);
			*slot = NULL;
		}
}
