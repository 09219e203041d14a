#include "web/model.h"

#include <stdio.h>

#include "lib/arena.h"

void model_add_str(struct json_object *o, const char *key, const char *value)
{
	if (value)
		json_object_object_add(o, key, json_object_new_string(value));
}

void model_add_bool(struct json_object *o, const char *key, bool value)
{
	json_object_object_add(o, key, json_object_new_boolean(value));
}

void model_add_literal(struct json_object *o, const char *key, struct json_object *value)
{
	json_object_object_add_ex(o, key, value, JSON_C_OBJECT_KEY_IS_CONSTANT);
}

void model_add_str_literal(struct json_object *o, const char *key, const char *value)
{
	if (value)
		model_add_literal(o, key, json_object_new_string(value));
}

void model_add_bool_literal(struct json_object *o, const char *key, bool value)
{
	model_add_literal(o, key, json_object_new_boolean(value));
}

const char *model_size_text(struct arena *a, long long bytes)
{
	char text[32];
	if (bytes >= 1024 * 1024)
		snprintf(text, sizeof text, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
	else if (bytes >= 1024)
		snprintf(text, sizeof text, "%lld KB", (bytes + 512) / 1024);
	else
		snprintf(text, sizeof text, "%lld 字节", bytes);
	return arena_strdup(a, text);
}
