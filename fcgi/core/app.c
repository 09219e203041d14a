#include "core/app.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/event_mac.h"
#include "lib/pdfdoc.h"
#include "lib/tmpl.h"

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
	ssize_t n = read(fd, app->keys, sizeof app->keys);
	ssize_t more = read(fd, &extra, 1);
	close(fd);
	size_t one = sizeof app->secret_key;
	if (n < (ssize_t)one || n % (ssize_t)one || more != 0) {
		snprintf(err, errlen, "secret key %s: must be 1 to %d keys of exactly %zu bytes",
			 path, APP_MAX_KEYS, one);
		return false;
	}
	app->key_count = (int)(n / (ssize_t)one);
	memcpy(app->secret_key, app->keys[app->key_count - 1], one);
	return true;
}

const unsigned char *app_event_key_no(const struct app *app, int key_no)
{
	return key_no >= 1 && key_no <= app->key_count ? app->event_keys[key_no - 1] : NULL;
}

struct app *app_load(const char *config_path, char *err, size_t errlen)
{
	static atomic_ulong loads;
	struct app *app = calloc(1, sizeof *app);
	if (!app) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	app->serial = atomic_fetch_add(&loads, 1) + 1;
	char why[1024];
	if (!config_load(&app->config, config_path, why, sizeof why)) {
		snprintf(err, errlen, "configuration: %s", why);
		goto fail;
	}
	if (!app_load_secret_key(app, err, errlen))
		goto fail;
	app_derive_keys(app);
	app->templates = tmpl_set_load_dir(app->config.templates, why, sizeof why);
	if (!app->templates) {
		snprintf(err, errlen, "templates: %s", why);
		goto fail;
	}
	/* The server and the commands that issue notices (deadlines) render
	 * PDFs; the first render loads the fonts from here. */
	pdfdoc_set_font_dir(app->config.font_dir);
	return app;
fail:
	app_free(app);
	return NULL;
}

void app_free(struct app *app)
{
	if (!app)
		return;
	if (app->templates)
		tmpl_set_free(app->templates);
	config_free(&app->config);
	sodium_memzero(app->secret_key, sizeof app->secret_key);
	sodium_memzero(app->box_key, sizeof app->box_key);
	sodium_memzero(app->hash_keys, sizeof app->hash_keys);
	sodium_memzero(app->keys, sizeof app->keys);
	sodium_memzero(app->old_box_keys, sizeof app->old_box_keys);
	sodium_memzero(app->event_keys, sizeof app->event_keys);
	free(app);
}

/* One key per purpose from crypto_kdf, so that no two uses share a key. */
static const char kdf_context[crypto_kdf_CONTEXTBYTES] = "ysqgkpii";

void app_derive_keys(struct app *app)
{
	_Static_assert(crypto_auth_KEYBYTES == crypto_kdf_KEYBYTES, "key sizes");
	if (!app->key_count) {	/* only secret_key set (the unit tests) */
		memcpy(app->keys[0], app->secret_key, sizeof app->secret_key);
		app->key_count = 1;
	}
	crypto_kdf_derive_from_key(app->box_key, sizeof app->box_key, 100,
				   kdf_context, app->secret_key);
	for (int k = 0; k < app->key_count - 1; k++)
		crypto_kdf_derive_from_key(app->old_box_keys[k], sizeof app->old_box_keys[k], 100,
					   kdf_context, app->keys[k]);
	for (int p = PII_ID_NUMBER; p < PII_PURPOSES; p++)
		crypto_kdf_derive_from_key(app->hash_keys[p], sizeof app->hash_keys[p],
					   (uint64_t)p, kdf_context, app->keys[0]);
	for (int k = 0; k < app->key_count; k++)
		event_mac_derive_key(app->event_keys[k], app->keys[k]);
	app->event_key_no = app->key_count;
}
