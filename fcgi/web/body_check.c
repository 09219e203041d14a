/*
 * Every text a request body carries — form fields and JSON strings alike,
 * whatever page receives them — is checked once here, before any page
 * sees it (issue 12, item 10; textcheck.h says why): one rule for the
 * whole site, so no page can forget it. Names are brought to NFC.
 */
#include "web/body_check.h"

#include <stdio.h>
#include <string.h>

#include "lib/textcheck.h"

/* Fields that come from a <textarea> (or its JSON twin): TAB, LF and CR
 * are text there. The report's prose sections are named by their code. */
static const char *const multiline_fields[] = {
	"description", "text", "what", "withheld", "reason", "answer",
	"supplement_text", "note", "body", "channel_info",
	"one", "five", "six",
};

/* Fields checked by their own parsers, or not text at all: a password is
 * whatever bytes its owner chose, and a CSV file may start with a BOM. */
static const char *const unchecked_fields[] = {
	"password", "password_again", "current", "new_password", "csv",
};

/* Names of people and organisations: stored in NFC. */
static const char *const name_fields[] = {
	"name", "contact_name", "legal_representative", "display_name", "party",
	"work_unit",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool listed(const char *const *list, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], key))
			return true;
	return false;
}

/* Answers 422 naming the field and the character. */
static bool refuse_char(struct request *req, const char *key, uint32_t cp)
{
	char msg[256];
	snprintf(msg, sizeof msg,
		 "“%s”中含有控制字符或不可见字符（U+%04X），请删除后重新提交。"
		 "复制粘贴的文字常带有这类字符，可先粘贴到记事本中再复制。",
		 key, (unsigned)cp);
	req->log_why = "forbidden character in a field";
	if (req->wants_json) {
		struct json_object *m = json_object_new_object();
		json_object_object_add(m, "error", json_object_new_string(msg));
		json_object_object_add(m, "status", json_object_new_int(422));
		json_object_object_add(m, "field", json_object_new_string(key));
		respond(req, 422, NULL, m);
	} else {
		respond_error(req, 422, msg);
	}
	return false;
}

/* Checks one value of field `key`; false when answered. */
static bool check_value(struct request *req, const char *key, const char *s, size_t len)
{
	if (listed(unchecked_fields, COUNT(unchecked_fields), key))
		return true;
	uint32_t cp;
	if (text_forbidden_char(s, len, listed(multiline_fields, COUNT(multiline_fields), key), &cp))
		return refuse_char(req, key, cp);
	return true;
}

static bool is_name(const char *key)
{
	return listed(name_fields, COUNT(name_fields), key);
}

static bool check_json(struct request *req, const char *key, struct json_object *v);

static bool check_json_object(struct request *req, struct json_object *o)
{
	json_object_object_foreach(o, k, v) {
		if (!check_value(req, k, k, strlen(k)) || !check_json(req, k, v))
			return false;
	}
	return true;
}

/* A JSON value under `key`: strings checked (and names normalised),
 * arrays item by item under the same key, objects key by key. */
static bool check_json(struct request *req, const char *key, struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_string: {
		const char *s = json_object_get_string(v);
		size_t len = (size_t)json_object_get_string_len(v);
		if (!check_value(req, key, s, len))
			return false;
		if (is_name(key)) {
			size_t n;
			char *nfc = text_nfc(req->arena, s, len, &n);
			if (nfc && (n != len || memcmp(nfc, s, len)))
				json_object_set_string_len(v, nfc, (int)n);
		}
		return true;
	}
	case json_type_array:
		for (size_t i = 0; i < json_object_array_length(v); i++)
			if (!check_json(req, key, json_object_array_get_idx(v, i)))
				return false;
		return true;
	case json_type_object:
		return check_json_object(req, v);
	default:
		return true;
	}
}

static bool check_form(struct request *req, struct fields *f, bool refuse)
{
	for (size_t i = 0; i < f->count; i++) {
		struct field *fd = &f->items[i];
		if (refuse && (!check_value(req, fd->name, fd->name, strlen(fd->name)) ||
			       !check_value(req, fd->name, fd->value, fd->value_len)))
			return false;
		if (is_name(fd->name)) {
			size_t n;
			char *nfc = text_nfc(req->arena, fd->value, fd->value_len, &n);
			if (nfc) {
				fd->value = nfc;
				fd->value_len = n;
			}
		}
	}
	return true;
}

bool body_text_acceptable(struct request *req, bool check_form_fields)
{
	if (req->json_body)
		return check_json(req, "", req->json_body);
	return check_form(req, &req->form, check_form_fields);
}
