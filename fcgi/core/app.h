/*
 * app: what all worker threads share — configuration, parsed templates,
 * the secret key — and what each worker owns. The shared part is
 * immutable while requests run; a reload (SIGHUP) builds a new one and
 * swaps the pointer between requests.
 */
#ifndef YSQGK_APP_H
#define YSQGK_APP_H

#include <sodium.h>

#include "lib/arena.h"
#include "lib/buf.h"
#include "core/config.h"
#include "core/db.h"

struct tmpl_set;
struct filetype_checker;

/* The most keys a key file holds (the first and 15 rotations). */
#define APP_MAX_KEYS 16

/* The purposes of the look-up hashes (pii.h), one key each. */
enum pii_purpose {
	PII_ID_NUMBER = 1,
	PII_PHONE = 2,
	PII_QUERY_CODE = 3,
	PII_SESSION = 4,
	PII_USERNAME = 5,	/* a typed username, for the sign-in counters and log */
	PII_RECOVERY = 6,	/* one-time recovery codes of two-factor sign-in */
	PII_FILE_LINK = 7,	/* the MAC of a signed download link (file_links.h) */
	PII_PURPOSES
};

struct app {
	/* Which load this is (1, 2, … in this process): what was derived from
	 * an app (web/page_cache's rendered pages) is good while it is the
	 * same — a pointer alone could be reused by the next load. */
	unsigned long serial;
	struct config config;
	struct tmpl_set *templates;
	/* The key file holds key_count keys, oldest first (`ysqgk keygen
	 * --rotate` appends one); secret_key is the newest, which protects
	 * everything written from now on (CSRF tokens too). */
	unsigned char secret_key[crypto_auth_KEYBYTES];
	unsigned char keys[APP_MAX_KEYS][crypto_auth_KEYBYTES];
	int key_count;
	/* Derived by app_derive_keys(): the box key of the newest key, and of
	 * the older ones (old_box_keys[i] from keys[i]) for decrypting what
	 * they encrypted. */
	unsigned char box_key[crypto_secretbox_KEYBYTES];
	unsigned char old_box_keys[APP_MAX_KEYS - 1][crypto_secretbox_KEYBYTES];
	/* The look-up hash keys, one per purpose, from the FIRST key: those
	 * hashes (query codes, sessions, id numbers) cannot be recomputed
	 * without the plain values, so they never rotate. */
	unsigned char hash_keys[PII_PURPOSES][crypto_generichash_KEYBYTES];
	/* The event MAC keys (event_mac.h): event_keys[n - 1] is key number n
	 * (from keys[n - 1]); new events use number event_key_no = key_count. */
	unsigned char event_keys[APP_MAX_KEYS][crypto_generichash_KEYBYTES];
	int event_key_no;
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
	/* lib/filetype's libmagic cookie, opened on this worker's first
	 * upload (web/upload.c); freed with the worker. */
	struct filetype_checker *filetype;
};

/*
 * Loads the configuration (config_path NULL: the default file), the secret
 * key and the templates into a new app, as `ysqgk serve` starts and as
 * SIGHUP reloads. NULL with the reason in err.
 */
struct app *app_load(const char *config_path, char *err, size_t errlen);

/* Frees an app from app_load (NULL is fine), wiping the keys. */
void app_free(struct app *app);

/* Derives the box, look-up hash and event MAC keys from the key file's
 * keys (call once after loading them; the unit tests set secret_key only). */
void app_derive_keys(struct app *app);

/* Reads a key file of 1 to APP_MAX_KEYS keys of crypto_auth_KEYBYTES bytes. */
bool app_load_secret_key(struct app *app, char *err, size_t errlen);

/* The event MAC key new events use, and the one of number key_no (NULL
 * when the key file has no such key). */
#define app_event_key(app) ((app)->event_keys[(app)->event_key_no - 1])
const unsigned char *app_event_key_no(const struct app *app, int key_no);

#endif
