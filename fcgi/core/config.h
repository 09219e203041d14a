/*
 * config: the `key = value` configuration file, with YSQGK_* environment
 * overrides. Loaded once at start-up (and again on SIGHUP); the struct is
 * then read-only and shared by all threads.
 */
#ifndef YSQGK_CONFIG_H
#define YSQGK_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_DEFAULT_PATH "/etc/ysqgk/ysqgk.conf"

struct config {
	char *database;		/* libpq conninfo */
	char *listen;		/* unix socket path, or host:port */
	unsigned listen_mode;	/* permissions of a unix socket */
	int threads;
	char *templates;	/* directory of *.mustache */
	char *sql_dir;		/* directory of NNN_name.sql migrations */
	char *font_dir;		/* the notices' font subset (lib/pdfdoc.h) */
	char *site_name;
	char *secret_key_file;
	size_t max_body;	/* bytes; larger bodies get 413 */
	/* Uploads (multipart routes, web/upload.h; docs/deploy.md "Uploads"). */
	size_t max_file_bytes;	/* one file */
	size_t max_upload_bytes;	/* the files of one request together */
	int max_files;		/* files in one request */
	char *clamd_socket;	/* clamd's unix socket for INSTREAM, or "" (no scan) */
	int statement_timeout_ms;
	int request_timeout_ms;	/* to receive a request's parameters and body */
	bool secure_cookies;	/* set the Secure flag (behind https) */
	bool server_timing;	/* a Server-Timing header: the database's part (issue 17) */
	char *database_standby;	/* conninfo of a hot standby for reading, or "" */
	int standby_max_lag_ms;	/* a standby further behind is not read from */
	bool require_2fa;	/* administrators and heads must sign in with TOTP */
	int retention_years;	/* ysqgk retention: years after conclusion (docs/deploy.md) */
	/* Messages (ysqgk notify; docs/deploy.md "Messages"). */
	char *public_url;	/* https://… of the site, named in messages */
	char *smtp_url;		/* smtp://host:587 or smtps://host:465; "" = no e-mail */
	char *smtp_user;
	char *smtp_password_file;
	char *mail_from;	/* the envelope and From address */
	char *sms_provider;	/* none, tencent or webhook */
	char *sms_endpoint;
	char *sms_secret_id_file;
	char *sms_secret_key_file;	/* Tencent's SecretKey or the webhook's secret */
	char *sms_region;
	char *sms_app_id;
	char *sms_sign_name;
	char *sms_templates;	/* kind:template_id,… (messages.kind) */
	int notify_retry_seconds;	/* the first retry's delay; doubles each time */
	int notify_max_age_hours;	/* then a message is dead */
	int notify_poll_ms;		/* the sender's idle poll */
	int notify_lease_seconds;	/* a killed sender's messages are taken again after it */
	/* Files (issue 15; docs/deploy.md "Files"). */
	char *file_cache_dir;	/* blobs as files for nginx (file_cache.h); "" = off */
};

/*
 * Loads `path` (NULL: the default path, which may be missing) and then the
 * environment. Unknown keys and malformed lines are errors naming the line.
 * Returns false with a message in err.
 */
bool config_load(struct config *c, const char *path, char *err, size_t errlen);
void config_free(struct config *c);

#endif
