/*
 * server: the FastCGI socket, the worker threads and the signals.
 * `ysqgk serve` calls server_run(); it returns when SIGTERM or SIGINT has
 * stopped the server and every in-flight request has finished.
 */
#ifndef YSQGK_SERVER_H
#define YSQGK_SERVER_H

#include "core/app.h"

/*
 * Returns the process exit status. Takes ownership of app (from
 * app_load): SIGHUP loads `config_path`, the key and the templates again
 * and swaps them in between requests; the last app is freed on return.
 */
int server_run(struct app *app, const char *config_path);

#endif
