/*
 * archive_content: what each request's folder of the case archive says
 * (service/archive.h): application.json and application.txt, made from one
 * model of the request (its notices listed with their PDFs' paths), and
 * events.json, the event log as stored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "core/db.h"
#include "core/pii.h"
#include "domain/vocab.h"
#include "service/archive_internal.h"

#define JSON_OUT (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The application's fields in the staff API's names (web/pages/staff/
 * staff_request_model.c), each with its label in application.txt. A coded
 * field also gets KEY_label; an encrypted one is decrypted. */
enum field_kind { PLAIN, CODED, CODE_LIST, ENCRYPTED };
static const struct field {
	const char *key, *label;
	int col;
	enum field_kind kind;
	const struct vocab *vocab;	/* CODED (NULL: by the field's name), CODE_LIST */
	bool applicant;			/* under "applicant" */
} fields[] = {
	{ "tracking_no", "编号", COL(ARCHIVE_APPLICATION, tracking_no), PLAIN, NULL, false },
	{ "status", "办理状态", COL(ARCHIVE_APPLICATION, status), CODED, NULL, false },
	{ "kind", "申请人类型", COL(ARCHIVE_APPLICATION, applicant_kind), CODED,
	  &vocab_applicant_kind, true },
	{ "name", "姓名或名称", COL(ARCHIVE_APPLICATION, name), PLAIN, NULL, true },
	{ "id_type", "证件类型", COL(ARCHIVE_APPLICATION, id_type), CODED, &vocab_id_type, true },
	{ "id_number", "证件号码", COL(ARCHIVE_APPLICATION, id_number_enc), ENCRYPTED, NULL, true },
	{ "credit_code", "统一社会信用代码", COL(ARCHIVE_APPLICATION, credit_code), PLAIN, NULL, true },
	{ "legal_representative", "法定代表人", COL(ARCHIVE_APPLICATION, legal_representative),
	  PLAIN, NULL, true },
	{ "contact_name", "联系人", COL(ARCHIVE_APPLICATION, contact_name), PLAIN, NULL, true },
	{ "work_unit", "工作单位", COL(ARCHIVE_APPLICATION, work_unit), PLAIN, NULL, true },
	{ "phone", "联系电话", COL(ARCHIVE_APPLICATION, phone_enc), ENCRYPTED, NULL, true },
	{ "fax", "传真", COL(ARCHIVE_APPLICATION, fax), PLAIN, NULL, true },
	{ "email", "电子邮箱", COL(ARCHIVE_APPLICATION, email), PLAIN, NULL, true },
	{ "address", "通信地址", COL(ARCHIVE_APPLICATION, address), PLAIN, NULL, true },
	{ "postcode", "邮政编码", COL(ARCHIVE_APPLICATION, postcode), PLAIN, NULL, true },
	{ "description", "所需信息的内容描述", COL(ARCHIVE_APPLICATION, description), PLAIN, NULL,
	  false },
	{ "document_ref", "文件名称、文号", COL(ARCHIVE_APPLICATION, document_ref), PLAIN, NULL,
	  false },
	{ "supplement_text", "补正内容", COL(ARCHIVE_APPLICATION, supplement_text), PLAIN, NULL,
	  false },
	{ "provision_forms", "信息的指定提供载体形式", COL(ARCHIVE_APPLICATION, provision_forms),
	  CODE_LIST, &vocab_provision_form, false },
	{ "obtain_methods", "获取信息的方式", COL(ARCHIVE_APPLICATION, obtain_methods), CODE_LIST,
	  &vocab_obtain_method, false },
	{ "channel", "提交方式", COL(ARCHIVE_APPLICATION, channel), CODED, &vocab_channel, false },
	{ "submitted_at", "提交时间", COL(ARCHIVE_APPLICATION, submitted_at), PLAIN, NULL, false },
	{ "received_on", "收到日期", COL(ARCHIVE_APPLICATION, received_on), PLAIN, NULL, false },
	{ "due_on", "答复期限", COL(ARCHIVE_APPLICATION, due_on), PLAIN, NULL, false },
	{ "outcome", "办理结果", COL(ARCHIVE_APPLICATION, outcome), CODED, NULL, false },
	{ "concluded_on", "办结日期", COL(ARCHIVE_APPLICATION, concluded_on), PLAIN, NULL, false },
};
#define FIELD_COUNT (sizeof fields / sizeof fields[0])

static const char *code_label(const struct field *f, const char *code)
{
	const char *label = f->vocab ? vocab_label(f->vocab, code)
				     : vocab_field_label(NULL, f->key, code);
	return label ? label : code;
}

/* [{code, label}] of a comma-separated list of codes. */
static struct json_object *code_list(const struct vocab *v, const char *csv)
{
	struct json_object *list = json_object_new_array();
	char *copy = strdup(csv);
	for (char *save, *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "code", json_object_new_string(t));
		json_object_object_add(o, "label", json_object_new_string(code_label(
			&(struct field){ .vocab = v }, t)));
		json_object_array_add(list, o);
	}
	free(copy);
	return list;
}

static void add_field(const struct context *c, struct json_object *o, const struct field *f,
		      const char *value)
{
	char key[64];
	switch (f->kind) {
	case PLAIN:
		json_object_object_add(o, f->key, json_object_new_string(value));
		break;
	case CODED:
		json_object_object_add(o, f->key, json_object_new_string(value));
		snprintf(key, sizeof key, "%s_label", f->key);
		json_object_object_add(o, key, json_object_new_string(code_label(f, value)));
		break;
	case CODE_LIST:
		json_object_object_add(o, f->key, code_list(f->vocab, value));
		break;
	case ENCRYPTED: {
		const char *plain = pii_decrypt(c->app, c->arena, value);
		json_object_object_add(o, f->key, json_object_new_string(
			plain ? plain : "（无法解密：密钥不符）"));
		break;
	}
	}
}

/* A column of a notice as a string, left out when NULL; with its label
 * beside it when coded. */
static void add_notice_field(struct json_object *o, const PGresult *res, int i, int col,
			     const char *key, bool coded)
{
	if (PQgetisnull(res, i, col))
		return;
	const char *v = PQgetvalue(res, i, col);
	json_object_object_add(o, key, json_object_new_string(v));
	const char *label = coded ? vocab_field_label("notices", key, v) : NULL;
	char k[64];
	snprintf(k, sizeof k, "%s_label", key);
	if (label)
		json_object_object_add(o, k, json_object_new_string(label));
}

static struct json_object *notice_object(const PGresult *res, int i, const char *folder)
{
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_int64(
		atoll(PQgetvalue(res, i, COL(ARCHIVE_NOTICES, id)))));
	/* kind has no label of its own: the title names the notice. */
	add_notice_field(o, res, i, COL(ARCHIVE_NOTICES, kind), "kind", false);
	add_notice_field(o, res, i, COL(ARCHIVE_NOTICES, title), "title", false);
	add_notice_field(o, res, i, COL(ARCHIVE_NOTICES, notice_no), "notice_no", false);
	add_notice_field(o, res, i, COL(ARCHIVE_NOTICES, issued_on), "issued_on", false);
	add_notice_field(o, res, i, COL(ARCHIVE_NOTICES, delivery_method), "delivery_method", true);
	add_notice_field(o, res, i, COL(ARCHIVE_NOTICES, delivered_on), "delivered_on", false);
	json_object_object_add(o, "event_seq", json_object_new_int(
		atoi(PQgetvalue(res, i, COL(ARCHIVE_NOTICES, event_seq)))));
	if (!PQgetisnull(res, i, COL(ARCHIVE_NOTICES, file_id))) {
		struct buf path = BUF_INIT;
		archive_file_path(&path, folder, "notice",
				  PQgetvalue(res, i, COL(ARCHIVE_NOTICES, file_id)),
				  PQgetvalue(res, i, COL(ARCHIVE_NOTICES, display_name)));
		json_object_object_add(o, "pdf", json_object_new_string(buf_str(&path)));
		buf_free(&path);
	}
	return o;
}

/* notices: each notice as issued, with the archive's path of its PDF. */
static bool add_notices(const struct context *c, struct json_object *m, const char *request_id,
			const char *folder)
{
	const char *p[] = { request_id };
	PGresult *res = db_exec(c->db, STMT_ARCHIVE_NOTICES, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return false;
	}
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, notice_object(res, i, folder));
	json_object_object_add(m, "notices", list);
	PQclear(res);
	return true;
}

/* The request's model: the fields present (NULL or empty ones left out,
 * as the staff API leaves them out), agency {code, name}, applicant {…}. */
static struct json_object *application_model(const struct context *c, const char *request_id)
{
	const char *p[] = { request_id };
	PGresult *res = db_exec(c->db, STMT_ARCHIVE_APPLICATION, 1, p);
	if (!db_ok(res) || PQntuples(res) != 1) {
		PQclear(res);
		return NULL;
	}
	struct json_object *m = json_object_new_object(), *applicant = json_object_new_object();
	struct json_object *agency = json_object_new_object();
	json_object_object_add(m, "id", json_object_new_int64(atoll(request_id)));
	json_object_object_add(agency, "code", json_object_new_string(
		PQgetvalue(res, 0, COL(ARCHIVE_APPLICATION, agency_code))));
	json_object_object_add(agency, "name", json_object_new_string(
		PQgetvalue(res, 0, COL(ARCHIVE_APPLICATION, agency_name))));
	json_object_object_add(m, "agency", agency);
	json_object_object_add(m, "applicant", applicant);
	for (size_t i = 0; i < FIELD_COUNT; i++) {
		const struct field *f = &fields[i];
		const char *v = PQgetvalue(res, 0, f->col);
		if (!PQgetisnull(res, 0, f->col) && *v)
			add_field(c, f->applicant ? applicant : m, f, v);
	}
	json_object_object_add(m, "extension_days", json_object_new_int(
		atoi(PQgetvalue(res, 0, COL(ARCHIVE_APPLICATION, extension_days)))));
	bool ok = add_notices(c, m, request_id,
			      PQgetvalue(res, 0, COL(ARCHIVE_APPLICATION, tracking_no)));
	PQclear(res);
	if (!ok)
		json_object_put(m);
	return ok ? m : NULL;
}

bool archive_make_application_json(const struct context *c, const char *request_id,
				   struct buf *out)
{
	struct json_object *m = application_model(c, request_id);
	if (!m)
		return false;
	buf_puts(out, json_object_to_json_string_ext(m, JSON_OUT));
	buf_putc(out, '\n');
	json_object_put(m);
	return true;
}

/* The string at o.key, or fallback. */
static const char *str_or(struct json_object *o, const char *key, const char *fallback)
{
	struct json_object *v;
	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : fallback;
}

/* One line of application.txt: "标签：值" (a code as its label, a list
 * joined by 、). */
static void text_line(struct buf *out, const struct field *f, struct json_object *o)
{
	struct json_object *v;
	char key[64];
	snprintf(key, sizeof key, "%s_label", f->key);
	if (!json_object_object_get_ex(o, f->kind == CODED ? key : f->key, &v))
		return;
	buf_printf(out, "%s：", f->label);
	if (f->kind != CODE_LIST) {
		buf_printf(out, "%s\n", json_object_get_string(v));
		return;
	}
	for (size_t i = 0; i < json_object_array_length(v); i++) {
		struct json_object *label;
		json_object_object_get_ex(json_object_array_get_idx(v, i), "label", &label);
		buf_printf(out, "%s%s", i ? "、" : "", json_object_get_string(label));
	}
	buf_putc(out, '\n');
}

/* 告知书: one line each — issued on, title, number, how it was delivered,
 * its PDF. */
static void notice_lines(struct buf *out, struct json_object *m)
{
	struct json_object *list;
	if (!json_object_object_get_ex(m, "notices", &list) || !json_object_array_length(list))
		return;
	buf_puts(out, "\n告知书：\n");
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *n = json_object_array_get_idx(list, i);
		const char *no = str_or(n, "notice_no", NULL), *how = str_or(n, "delivery_method_label", NULL);
		buf_printf(out, "%s　%s", str_or(n, "issued_on", ""), str_or(n, "title", ""));
		if (no)
			buf_printf(out, "（%s）", no);
		if (how)
			buf_printf(out, "，%s送达%s", how, str_or(n, "delivered_on", ""));
		buf_printf(out, "　%s\n", str_or(n, "pdf", ""));
	}
}

bool archive_make_application_txt(const struct context *c, const char *request_id,
				  struct buf *out)
{
	struct json_object *m = application_model(c, request_id), *agency, *applicant, *name;
	if (!m)
		return false;
	json_object_object_get_ex(m, "agency", &agency);
	json_object_object_get_ex(m, "applicant", &applicant);
	json_object_object_get_ex(agency, "name", &name);
	buf_printf(out, "政府信息公开申请\n\n受理机关：%s\n", json_object_get_string(name));
	for (size_t i = 0; i < FIELD_COUNT; i++)
		text_line(out, &fields[i], fields[i].applicant ? applicant : m);
	notice_lines(out, m);
	json_object_put(m);
	return true;
}

/* An event's column as a JSON string, or null. */
static struct json_object *text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL
					  : json_object_new_string(PQgetvalue(res, row, col));
}

static struct json_object *event_object(const PGresult *res, int i)
{
	static const struct { const char *key; int col; } texts[] = {
		{ "at", COL(ARCHIVE_EVENTS, at) },
		{ "effective_on", COL(ARCHIVE_EVENTS, effective_on) },
		{ "actor_kind", COL(ARCHIVE_EVENTS, actor_kind) },
		{ "action", COL(ARCHIVE_EVENTS, action) },
		{ "prev_hash", COL(ARCHIVE_EVENTS, prev_hash) },
		{ "hash", COL(ARCHIVE_EVENTS, hash) },
		{ "mac", COL(ARCHIVE_EVENTS, mac) },
	};
	struct json_object *e = json_object_new_object();
	json_object_object_add(e, "id", json_object_new_int64(
		atoll(PQgetvalue(res, i, COL(ARCHIVE_EVENTS, id)))));
	json_object_object_add(e, "seq", json_object_new_int(
		atoi(PQgetvalue(res, i, COL(ARCHIVE_EVENTS, seq)))));
	json_object_object_add(e, "actor_staff_id", PQgetisnull(res, i, COL(ARCHIVE_EVENTS, actor_staff_id))
		? NULL : json_object_new_int64(atoll(PQgetvalue(res, i, COL(ARCHIVE_EVENTS, actor_staff_id)))));
	for (size_t k = 0; k < sizeof texts / sizeof texts[0]; k++)
		json_object_object_add(e, texts[k].key, text_or_null(res, i, texts[k].col));
	json_object_object_add(e, "action_label", json_object_new_string(vocab_label(
		&vocab_event_action, PQgetvalue(res, i, COL(ARCHIVE_EVENTS, action)))));
	/* The data exactly as jsonb printed it: the hash covers that text. */
	json_object_object_add(e, "data", json_object_new_string(
		PQgetvalue(res, i, COL(ARCHIVE_EVENTS, data))));
	json_object_object_add(e, "mac_key", PQgetisnull(res, i, COL(ARCHIVE_EVENTS, mac_key))
		? NULL : json_object_new_int(atoi(PQgetvalue(res, i, COL(ARCHIVE_EVENTS, mac_key)))));
	return e;
}

bool archive_make_events_json(const struct context *c, const char *request_id,
			      struct buf *out)
{
	const char *p[] = { request_id };
	PGresult *res = db_exec(c->db, STMT_ARCHIVE_EVENTS, 1, p);
	if (!db_ok(res)) {
		PQclear(res);
		return false;
	}
	struct json_object *doc = json_object_new_object(), *list = json_object_new_array();
	json_object_object_add(doc, "request_id", json_object_new_int64(atoll(request_id)));
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, event_object(res, i));
	json_object_object_add(doc, "events", list);
	PQclear(res);
	buf_puts(out, json_object_to_json_string_ext(doc, JSON_OUT));
	buf_putc(out, '\n');
	json_object_put(doc);
	return true;
}
