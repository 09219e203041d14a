/*
 * model: adding values to a page's json-c model (the handlers build one,
 * http.h renders it). A NULL string adds nothing, so a template's
 * {{#key}} section and the API's missing key agree.
 */
#ifndef YSQGK_MODEL_H
#define YSQGK_MODEL_H

#include <stdbool.h>
#include <json-c/json.h>

/* key → value (a copy); nothing for NULL. */
void model_add_str(struct json_object *o, const char *key, const char *value);

/* key → true or false. */
void model_add_bool(struct json_object *o, const char *key, bool value);

#endif
