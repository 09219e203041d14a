/*
 * ysqgk: one binary, one subcommand per job. Each subcommand has --help,
 * says clearly what went wrong, and exits non-zero on misuse (2) or
 * failure (1).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>
#include <libpq-fe.h>

#include "core/app.h"
#include "cli/cli.h"
#include "core/db.h"
#include "lib/log.h"
#include "lib/pwhash_helper.h"
#include "core/migrate.h"
#include "core/pii.h"
#include "web/server.h"
#include "lib/tmpl.h"

#ifdef __SANITIZE_ADDRESS__
/*
 * The sanitizer build (ysqgk-test) only: every command that issues a
 * notice renders its PDF (lib/pdfdoc), and fontconfig and cairo keep
 * memory LeakSanitizer would report at exit (ysqgk deadlines closing a
 * request, ysqgk agency set … seal). The suppressions of tests/lsan.supp,
 * third-party libraries only, and the slow unwinder that cairo's frames
 * need for the second to match (see that file). ASAN_OPTIONS and
 * LSAN_OPTIONS still add to or override these.
 */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libfontconfig.so\nleak:cairo_surface_finish\n";
}
#endif

#define EXIT_USAGE CLI_USAGE

struct command {
	const char *name;
	int (*run)(const char *config_path, int argc, char **argv);
	const char *usage;
	const char *summary;
};

static const struct command *find_command(const char *name);

static int usage_error(const struct command *cmd, const char *why)
{
	return cli_usage_error(cmd->name, cmd->usage, why);
}

static bool wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			return true;
	return false;
}

/* ---- serve ---------------------------------------------------------------- */

/* app_load() with its error printed for the command line. */
static struct app *load_app(const char *config_path)
{
	char err[1024];
	struct app *app = app_load(config_path, err, sizeof err);
	if (!app)
		fprintf(stderr, "ysqgk: %s\n", err);
	return app;
}

static int cmd_serve(const char *config_path, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error(find_command("serve"), "takes no arguments");
	struct app *app = load_app(config_path);
	if (!app)
		return 1;
	/* server_run owns app from here: a reload replaces and frees it. */
	return server_run(app, config_path);
}

/* ---- migrate -------------------------------------------------------------- */

static int cmd_migrate(const char *config_path, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error(find_command("migrate"), "takes no arguments");
	struct config c;
	if (!cli_load_config(&c, config_path))
		return 1;
	PGconn *conn = cli_connect(&c);
	int status = 1;
	if (conn) {
		char err[2048];
		if (migrate_run(conn, c.sql_dir, true, err, sizeof err))
			status = 0;
		else
			fprintf(stderr, "ysqgk migrate: %s\n", err);
		PQfinish(conn);
	}
	config_free(&c);
	return status;
}

/* ---- render --------------------------------------------------------------- */

/*
 * Reads a whole JSON file. json_object_from_file() cannot end a document
 * that is a bare number without a newline; parsing the NUL-terminated text
 * at once can.
 */
static struct json_object *read_json_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "ysqgk render: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	struct buf text = BUF_INIT;
	char chunk[8192];
	size_t n;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		buf_append(&text, chunk, n);
	fclose(f);
	enum json_tokener_error error;
	struct json_object *data = json_tokener_parse_verbose(buf_str(&text), &error);
	if (error != json_tokener_success) {
		fprintf(stderr, "ysqgk render: %s: %s\n", path, json_tokener_error_desc(error));
		data = NULL;
	}
	buf_free(&text);
	return data;
}

static int cmd_render(const char *config_path, int argc, char **argv)
{
	(void)config_path;
	if (argc != 3)
		return usage_error(find_command("render"), "needs TEMPLATE and DATA.json");
	struct json_object *data = read_json_file(argv[2]);
	if (!data)
		return 1;
	struct buf out = BUF_INIT;
	char err[1024];
	bool ok = tmpl_render_file(argv[1], data, &out, err, sizeof err);
	if (ok)
		fwrite(buf_str(&out), 1, out.len, stdout);
	else
		fprintf(stderr, "ysqgk render: %s\n", err);
	buf_free(&out);
	json_object_put(data);
	return ok ? 0 : 1;
}

/* ---- check ---------------------------------------------------------------- */

/*
 * Notices name the review body in full (行政复议法 Art. 24): an agency
 * that has none set and no government above it gets only the words of the
 * law. A warning, not a failure: the service works meanwhile.
 */
static void warn_review_bodies(const struct config *c)
{
	struct db db;
	db_open(&db, c->database, c->statement_timeout_ms);
	PGresult *res = db_ready(&db) ? db_exec(&db, STMT_AGENCY_REVIEW_BODY_MISSING, 0, NULL)
				      : NULL;
	for (int i = 0; db_ok(res) && i < PQntuples(res); i++)
		fprintf(stderr, "warning: agency %s (%s) has no review body: no government above it;"
			" set it with `ysqgk agency set %s review_body NAME`\n",
			PQgetvalue(res, i, COL(AGENCY_REVIEW_BODY_MISSING, code)), PQgetvalue(res, i, COL(AGENCY_REVIEW_BODY_MISSING, name)), PQgetvalue(res, i, COL(AGENCY_REVIEW_BODY_MISSING, code)));
	PQclear(res);
	db_close(&db);
}

static int cmd_check(const char *config_path, int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		return usage_error(find_command("check"), "takes no arguments");
	int problems = 0;
	struct app *app = load_app(config_path);
	if (!app)
		return 1;
	printf("configuration: ok\ntemplates: ok\nsecret key: ok\n");
	PGconn *conn = cli_connect(&app->config);
	if (!conn) {
		problems++;
	} else {
		char err[1024];
		int pending = migrate_pending(conn, app->config.sql_dir, err, sizeof err);
		if (pending < 0) {
			fprintf(stderr, "migrations: %s\n", err);
			problems++;
		} else if (pending > 0) {
			fprintf(stderr, "migrations: %d not applied (run `ysqgk migrate`)\n", pending);
			problems++;
		} else {
			printf("database: ok, migrations applied\n");
			warn_review_bodies(&app->config);
		}
		PQfinish(conn);
	}
	app_free(app);
	return problems ? 1 : 0;
}

/* ---- keygen --------------------------------------------------------------- */

/* Reads the keys of an existing key file into keys; their count, or 0. */
static int read_key_file(const char *path, unsigned char keys[APP_MAX_KEYS][crypto_auth_KEYBYTES],
			 struct stat *st)
{
	struct app probe = { 0 };
	probe.config.secret_key_file = (char *)path;
	char err[1024];
	if (stat(path, st) != 0) {
		fprintf(stderr, "ysqgk keygen --rotate: %s: %s\n", path, strerror(errno));
		return 0;
	}
	if (!app_load_secret_key(&probe, err, sizeof err)) {
		fprintf(stderr, "ysqgk keygen --rotate: %s\n", err);
		return 0;
	}
	memcpy(keys, probe.keys, sizeof probe.keys);
	int n = probe.key_count;
	sodium_memzero(&probe, sizeof probe);
	return n;
}

/*
 * keygen --rotate FILE: appends a new key to the key file (the newest
 * protects what is written from now on; the older ones stay for what they
 * protected). The old file is kept as FILE.N (N its key count), the new one
 * replaces FILE atomically with the same owner and mode 0600.
 */
static int rotate_key(const char *path)
{
	unsigned char keys[APP_MAX_KEYS][crypto_auth_KEYBYTES];
	struct stat st;
	int n = read_key_file(path, keys, &st);
	if (!n)
		return 1;
	if (n == APP_MAX_KEYS) {
		fprintf(stderr, "ysqgk keygen --rotate: %s already holds %d keys\n", path, n);
		return 1;
	}
	crypto_auth_keygen(keys[n]);
	char tmp[4200], old[4200];
	snprintf(tmp, sizeof tmp, "%s.new", path);
	snprintf(old, sizeof old, "%s.%d", path, n);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	size_t len = (size_t)(n + 1) * crypto_auth_KEYBYTES;
	bool ok = fd >= 0 && write(fd, keys, len) == (ssize_t)len &&
		  fchown(fd, st.st_uid, st.st_gid) == 0 && fsync(fd) == 0;
	if (fd >= 0)
		close(fd);
	sodium_memzero(keys, sizeof keys);
	if (!ok || link(path, old) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "ysqgk keygen --rotate: %s: %s\n", path, strerror(errno));
		unlink(tmp);
		return 1;
	}
	printf("added key %d to %s (the old file is %s): reload ysqgk, then back the new"
	       " file up in place of the old one\n", n + 1, path, old);
	return 0;
}

static int cmd_keygen(const char *config_path, int argc, char **argv)
{
	(void)config_path;
	if (argc == 3 && !strcmp(argv[1], "--rotate"))
		return rotate_key(argv[2]);
	if (argc != 2)
		return usage_error(find_command("keygen"), "needs the key file's path");
	unsigned char key[crypto_auth_KEYBYTES];
	crypto_auth_keygen(key);
	/* O_EXCL: never overwrite a key, it would make stored data unreadable. */
	int fd = open(argv[1], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "ysqgk keygen: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	bool ok = write(fd, key, sizeof key) == (ssize_t)sizeof key && fsync(fd) == 0;
	close(fd);
	sodium_memzero(key, sizeof key);
	if (!ok) {
		fprintf(stderr, "ysqgk keygen: %s: cannot write\n", argv[1]);
		unlink(argv[1]);
		return 1;
	}
	printf("wrote a new secret key to %s (mode 0600): back it up with the database\n",
	       argv[1]);
	return 0;
}

/* ---- the table ---------------------------------------------------------- */

static const struct command commands[] = {
	{ "serve", cmd_serve, "", "answer FastCGI requests on the configured socket" },
	{ "migrate", cmd_migrate, "", "apply the SQL migrations not yet applied" },
	{ "render", cmd_render, "TEMPLATE DATA.json",
	  "render a template file with JSON data (partials beside it)" },
	{ "check", cmd_check, "", "check configuration, templates, key and database" },
	{ "keygen", cmd_keygen, "[--rotate] FILE",
	  "create a new secret key file (mode 0600), or add a new key to one" },
#define COMMAND(name, fn, usage, summary) { name, fn, usage, summary },
#include "cli/commands.def"
#undef COMMAND
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

static void print_help(FILE *out)
{
	fprintf(out, "usage: ysqgk [--config FILE] COMMAND [ARGS]\n\n"
		     "Configuration: FILE (default " CONFIG_DEFAULT_PATH
		     "), overridden by YSQGK_* environment variables.\n\ncommands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-8s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n`ysqgk COMMAND --help` describes one command.\n");
}

int main(int argc, char **argv)
{
	/* The serving process's password hashing helper: not a command of
	 * its own, started only by `serve` (lib/pwhash_helper.h). */
	if (argc == 2 && !strcmp(argv[1], PWHASH_HELPER_COMMAND))
		return pwhash_helper_serve(PWHASH_HELPER_FD);
	const char *config_path = NULL;
	int i = 1;
	if (i + 1 < argc && !strcmp(argv[i], "--config")) {
		config_path = argv[i + 1];
		i += 2;
	}
	if (i >= argc || !strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
		print_help(i >= argc ? stderr : stdout);
		return i >= argc ? EXIT_USAGE : 0;
	}
	const struct command *cmd = find_command(argv[i]);
	if (!cmd) {
		fprintf(stderr, "ysqgk: unknown command \"%s\"\n", argv[i]);
		print_help(stderr);
		return EXIT_USAGE;
	}
	if (wants_help(argc - i, argv + i)) {
		printf("usage: ysqgk [--config FILE] %s %s\n%s\n", cmd->name, cmd->usage,
		       cmd->summary);
		return 0;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "ysqgk: libsodium failed to initialise\n");
		return 1;
	}
	return cmd->run(config_path, argc - i, argv + i);
}
