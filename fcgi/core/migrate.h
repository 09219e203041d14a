#ifndef YSQGK_MIGRATE_H
#define YSQGK_MIGRATE_H

#include <stdbool.h>
#include <libpq-fe.h>

/*
 * Applies sql_dir/NNN_name.sql files not yet recorded in schema_migrations,
 * in name order, each in its own transaction. A failing file is rolled back
 * (the database stays as it was before that file), named in err, and stops
 * the run. Prints one line per applied file to stdout when verbose.
 */
bool migrate_run(PGconn *conn, const char *sql_dir, bool verbose, char *err,
		 size_t errlen);

/* Number of migration files not yet applied, or -1 on error. */
int migrate_pending(PGconn *conn, const char *sql_dir, char *err, size_t errlen);

#endif
