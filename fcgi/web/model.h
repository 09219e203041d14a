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

/*
 * The same for a key that is a string literal — the compiler checks it:
 * ("" key "") compiles only for one. json-c then keeps the key's pointer
 * instead of a copy of it: on the queue's 50 rows of 20 fields that copy
 * was ~40 % of building the rows (issue 17). For the long lists only;
 * everywhere else the plain forms read as well and cost nothing that
 * shows.
 */
#define model_put_str(o, key, value) model_add_str_literal((o), "" key "", (value))
#define model_put_bool(o, key, value) model_add_bool_literal((o), "" key "", (value))
#define model_put(o, key, value) model_add_literal((o), "" key "", (value))
void model_add_str_literal(struct json_object *o, const char *key, const char *value);
void model_add_bool_literal(struct json_object *o, const char *key, bool value);
void model_add_literal(struct json_object *o, const char *key, struct json_object *value);

/* A file's size for people, in the arena: "1.5 MB", "320 KB", "12 字节"
 * (1 KB = 1024 bytes, as the limits are set: 50 MB = 52428800). */
struct arena;
const char *model_size_text(struct arena *a, long long bytes);

#endif
