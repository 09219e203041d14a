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
	unsigned char hash_keys[5][crypto_generichash_KEYBYTES];
};

/* A worker thread's own resources, reused request after request. */
struct worker {
	int id;
	const struct app *app;
	struct db db;
	struct arena arena;
	struct buf out;		/* the response body being built */
};

/* Reads a key file of exactly crypto_auth_KEYBYTES bytes. */
bool app_load_secret_key(struct app *app, char *err, size_t errlen);

#endif
