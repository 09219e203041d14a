/*
 * cli: what the subcommands share. Each subcommand is
 *   int cmd_NAME(const char *config_path, int argc, char **argv)
 * with argv[0] its own name, returning the exit status: 0 done, 1 failed,
 * 2 (CLI_USAGE) misused. The commands beyond main.c's own are listed in
 * commands.def, one COMMAND line each.
 */
#ifndef YSQGK_CLI_H
#define YSQGK_CLI_H

#include <stdbool.h>
#include <libpq-fe.h>

#include "core/config.h"

#define CLI_USAGE 2

/* Prints "ysqgk NAME: why" and the usage line; returns CLI_USAGE. */
int cli_usage_error(const char *name, const char *usage, const char *why);

/* Loads the configuration or prints why not (and frees what was loaded). */
bool cli_load_config(struct config *c, const char *path);

/* A plain connection for administrative commands, or NULL (message printed). */
PGconn *cli_connect(const struct config *c);

/* A listing: runs `sql` (no parameters) and prints each row's values
 * tab-separated, in the order the query lists its columns (NULL as "").
 * Returns the exit status; a failure is printed as "ysqgk WHAT: …". */
int cli_print_rows(PGconn *conn, const char *what, const char *sql);

#define COMMAND(name, fn, usage, summary) \
	int fn(const char *config_path, int argc, char **argv);
#include "cli/commands.def"
#undef COMMAND

#endif
