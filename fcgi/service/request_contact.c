/* request_contact: the applicant's contact details (request_contact.h). */
#include "service/request_contact.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/events.h"
#include "core/pii.h"
#include "domain/vocab.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "service/requests.h"

/* What was typed, checked: NULL for "keep". */
struct contact_input {
	const char *notify;
	const char *email;
	const char *phone;	/* as stored: a mobile number as 11 digits */
	const char *phone_key;	/* normalised, for the hash */
};

static void add_error(struct json_object **errors, const char *field, const char *message)
{
	if (!*errors)
		*errors = json_object_new_object();
	if (!json_object_object_get_ex(*errors, field, NULL))
		json_object_object_add(*errors, field, json_object_new_string(message));
}

/* The field's text, trimmed of ASCII blanks; NULL when absent or blank. */
static const char *typed(struct arena *a, struct json_object *in, const char *field)
{
	struct json_object *o;
	if (!json_object_object_get_ex(in, field, &o) || !json_object_is_type(o, json_type_string))
		return NULL;
	const char *s = fold_fullwidth(a, json_object_get_string(o));
	s += strspn(s, " \t\r\n");
	size_t n = strlen(s);
	while (n && strchr(" \t\r\n", s[n - 1]))
		n--;
	return n ? arena_strndup(a, s, n) : NULL;
}

/* The same rules and messages as the application (request_validate.c). */
static void check_input(struct arena *a, struct json_object *in, struct contact_input *c,
			struct json_object **errors)
{
	memset(c, 0, sizeof *c);
	struct json_object *o;
	if (json_object_object_get_ex(in, "notify", &o) && !json_object_is_type(o, json_type_string) &&
	    !json_object_is_type(o, json_type_null))
		add_error(errors, "notify", "请选择通知方式：电子邮件、短信或不需要通知");
	c->notify = typed(a, in, "notify");
	if (c->notify && !vocab_has(&vocab_notify, c->notify))
		add_error(errors, "notify", "请选择通知方式：电子邮件、短信或不需要通知");

	const char *email = typed(a, in, "email");
	if (email && (utf8_length(email, strlen(email)) > 254 || !email_plausible(email)))
		add_error(errors, "email", "电子邮箱格式不正确，应类似 zhangsan@example.com");
	else
		c->email = email;

	const char *phone = typed(a, in, "phone");
	c->phone_key = phone && strlen(phone) <= 30 ? phone_normalise(a, phone) : NULL;
	if (phone && !c->phone_key)
		add_error(errors, "phone", "电话号码格式不正确，请填写11位手机号码，或带区号的固定电话（如010-12345678）");
	else if (phone)	/* a mobile number as 11 digits, so it masks as 138****5678 */
		c->phone = is_mobile(c->phone_key) ? c->phone_key : phone;
}

/* Whether the stored phone number (bytea hex text) is a mobile one. */
static bool stored_mobile(const struct context *ctx, const char *phone_enc)
{
	if (!phone_enc)
		return false;
	char *plain = pii_decrypt(ctx->app, ctx->arena, phone_enc);
	if (!plain)
		return false;
	const char *key = phone_normalise(ctx->arena, plain);
	bool mobile = key && is_mobile(key);
	sodium_memzero(plain, strlen(plain));
	return mobile;
}

static struct contact_change failed(enum service_status s, const char *message)
{
	return (struct contact_change){ .status = s, .message = message };
}

/* The event: which fields changed, never their values. */
static int append_event(const struct context *ctx, const char *request_id,
			const char *const *fields, int n)
{
	struct json_object *data = json_object_new_object();
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < n; i++)
		json_object_array_add(list, json_object_new_string(fields[i]));
	json_object_object_add(data, "changed", list);
	struct event e = {
		.request_id = request_id,
		.actor_kind = "applicant",
		.action = "contact_changed",
		.data = data,
	};
	int seq = event_append(ctx->db, &e, NULL);
	json_object_put(data);
	return seq;
}

/* Inside the transaction. */
static struct contact_change change(const struct context *ctx, const char *request_id,
				    const struct contact_input *c)
{
	const char *hash = c->phone_key ? pii_hash(ctx->app, ctx->arena, PII_PHONE, c->phone_key)
					: NULL;
	const char *p[] = { request_id, hash };
	PGresult *res = db_exec(ctx->db, STMT_CONTACT_LOCK, 2, p);
	if (!db_ok(res) || PQntuples(res) != 1) {
		bool missing = db_ok(res);
		PQclear(res);
		return missing ? failed(SERVICE_NOT_FOUND, "没有这件申请")
			       : failed(SERVICE_UNAVAILABLE, NULL);
	}
	bool pseudonymised = !strcmp(PQgetvalue(res, 0, COL(CONTACT_LOCK, pseudonymised)), "t");
	const char *old_notify = arena_strdup(ctx->arena, PQgetvalue(res, 0, COL(CONTACT_LOCK, notify)));
	const char *old_email = PQgetisnull(res, 0, COL(CONTACT_LOCK, email)) ? NULL
		: arena_strdup(ctx->arena, PQgetvalue(res, 0, COL(CONTACT_LOCK, email)));
	const char *old_phone = PQgetisnull(res, 0, COL(CONTACT_LOCK, phone_enc)) ? NULL
		: arena_strdup(ctx->arena, PQgetvalue(res, 0, COL(CONTACT_LOCK, phone_enc)));
	bool phone_differs = !strcmp(PQgetvalue(res, 0, COL(CONTACT_LOCK, phone_differs)), "t");
	PQclear(res);
	if (pseudonymised)
		return failed(SERVICE_CONFLICT, "该申请已超过保存期限，个人信息已删除，不能再修改联系方式");

	/* The choice needs its address: the new one, or the one stored. */
	const char *notify = c->notify ? c->notify : old_notify;
	struct contact_change r = { .status = SERVICE_DONE };
	bool mobile = c->phone ? is_mobile(c->phone_key) : stored_mobile(ctx, old_phone);
	if (!strcmp(notify, "email") && !c->email && !old_email)
		add_error(&r.errors, "notify", "您选择了电子邮件通知，请填写电子邮箱");
	else if (!strcmp(notify, "sms") && !mobile)
		add_error(&r.errors, "notify", "短信通知需要11位手机号码，请填写手机号码或选择其他通知方式");
	if (r.errors) {
		r.status = SERVICE_BAD_INPUT;
		return r;
	}

	const char *fields[3];
	int n = 0;
	if (strcmp(notify, old_notify))
		fields[n++] = "notify";
	if (c->email && (!old_email || strcmp(c->email, old_email)))
		fields[n++] = "email";
	if (c->phone && phone_differs)
		fields[n++] = "phone";
	r.changed = n;
	if (!n)
		return r;
	const char *enc = c->phone && phone_differs ? pii_encrypt(ctx->app, ctx->arena, c->phone)
						    : NULL;
	const char *q[] = { request_id, notify, c->email, enc, enc ? hash : NULL };
	res = db_exec(ctx->db, STMT_CONTACT_UPDATE, 5, q);
	bool ok = db_ok(res);
	PQclear(res);
	if (!ok || !(r.seq = append_event(ctx, request_id, fields, n)))
		return failed(SERVICE_UNAVAILABLE, NULL);
	return r;
}

struct contact_change request_contact_change(const struct context *ctx,
					     const char *request_id,
					     struct json_object *input)
{
	if (!json_object_is_type(input, json_type_object)) {
		struct contact_change r = failed(SERVICE_BAD_INPUT, NULL);
		add_error(&r.errors, "notify", "提交的内容应为一个JSON对象");
		return r;
	}
	struct contact_input c;
	struct contact_change r = { .status = SERVICE_DONE };
	check_input(ctx->arena, input, &c, &r.errors);
	if (r.errors) {
		r.status = SERVICE_BAD_INPUT;
		return r;
	}
	if (!db_command(ctx->db, "BEGIN"))
		return failed(SERVICE_UNAVAILABLE, NULL);
	r = change(ctx, request_id, &c);
	if (r.status != SERVICE_DONE || !r.changed) {
		db_command(ctx->db, "ROLLBACK");
		return r;
	}
	if (!db_command(ctx->db, "COMMIT")) {
		log_error("contact change: COMMIT failed");
		return failed(SERVICE_UNAVAILABLE, NULL);
	}
	return r;
}
