/*
 * cli_staff: what the staff commands (holidays, workdays, deadlines) need
 * to run the server's own code outside the server: the app (configuration,
 * key, templates), a connection with every statement prepared, an arena,
 * and the context services take (core/context.h): no actor, the system.
 */
#ifndef YSQGK_CLI_STAFF_H
#define YSQGK_CLI_STAFF_H

#include <stdbool.h>

#include "core/app.h"
#include "core/context.h"

struct cli_staff {
	struct app *app;
	struct db db;
	struct arena arena;
	struct context ctx;
};

/* Loads and connects, or prints why not (prefixed "ysqgk NAME: "). */
bool cli_staff_open(struct cli_staff *c, const char *config_path, const char *name);
void cli_staff_close(struct cli_staff *c);

#endif
