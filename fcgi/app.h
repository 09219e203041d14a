/*
 * app: what all worker threads share — configuration, parsed templates,
 * the secret key — and what each worker owns. The shared part is
 * immutable while requests run; a reload (SIGHUP) builds a new one and
 * swaps the pointer between requests.
 */
#ifndef YSQGK_APP_H
#define YSQGK_APP_H

#include <sodium.h>

#include "arena.h"
#include "buf.h"
#include "config.h"
#include "db.h"

struct tmpl_set;

struct app {
	struct config config;
	struct tmpl_set *templates;
	unsigned char secret_key[crypto_auth_KEYBYTES];
	/* Derived from secret_key by pii_derive_keys(), one per purpose. */
	unsigned char box_key[crypto_secretbox_KEYBYTES];
	unsigned char hash_keys[7][crypto_generichash_KEYBYTES];	/* [PII_PURPOSES] */
};

/* A worker thread's own resources, reused request after request. */
struct worker {
	int id;
	const struct app *app;	/* the app of the request being served */
	struct db db;
	/* The optional read-only standby (config database_standby), opened
	 * on first use by db_for_reading() (db_read.h). */
	struct db standby;
	int standby_state;	/* enum standby_state, once standby_checked */
	bool standby_checked;	/* during this request (reset for each) */
	struct arena arena;
	struct buf out;		/* the response body being built */
};

/*
 * Loads the configuration (config_path NULL: the default file), the secret
 * key and the templates into a new app, as `ysqgk serve` starts and as
 * SIGHUP reloads. NULL with the reason in err.
 */
struct app *app_load(const char *config_path, char *err, size_t errlen);

/* Frees an app from app_load (NULL is fine), wiping the keys. */
void app_free(struct app *app);

/* Reads a key file of exactly crypto_auth_KEYBYTES bytes. */
bool app_load_secret_key(struct app *app, char *err, size_t errlen);

#endif
