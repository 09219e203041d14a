#include "cli/cli_staff.h"

#include <stdio.h>
#include <string.h>

#include "core/calendar_cache.h"
#include "core/read_cache.h"

bool cli_staff_open(struct cli_staff *c, const char *config_path, const char *name)
{
	char err[1024];
	memset(c, 0, sizeof *c);
	c->app = app_load(config_path, err, sizeof err);
	if (!c->app) {
		fprintf(stderr, "ysqgk %s: %s\n", name, err);
		return false;
	}
	db_open(&c->db, c->app->config.database, c->app->config.statement_timeout_ms);
	c->db.event_key = app_event_key(c->app);
	c->db.event_key_no = c->app->event_key_no;
	if (!db_ready(&c->db)) {
		fprintf(stderr, "ysqgk %s: database: %s", name,
			c->db.conn ? PQerrorMessage(c->db.conn) : "cannot connect\n");
		cli_staff_close(c);
		return false;
	}
	c->ctx = (struct context){ .db = &c->db, .arena = &c->arena, .app = c->app };
	return true;
}

void cli_staff_close(struct cli_staff *c)
{
	calendar_cache_release();
	read_cache_release();
	db_close(&c->db);
	arena_free(&c->arena);
	app_free(c->app);
	c->app = NULL;
}
