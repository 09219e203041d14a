/*
 * notify: the sender (notify.h). One batch: claim the due messages under
 * a lease, then for each render, send, and record the answer at once.
 */
#include "service/notify.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/columns.h"
#include "core/pii.h"
#include "domain/date.h"
#include "domain/idcheck.h"
#include "domain/vocab.h"
#include "domain/workflow_rules.h"
#include "lib/buf.h"
#include "lib/log.h"
#include "lib/mail.h"
#include "lib/sms.h"
#include "lib/tmpl.h"

#define MAX_SMS_TEMPLATES 32

struct sms_template {
	char kind[32];
	char id[64];
};

struct notifier {
	const struct app *app;
	struct smtp_relay relay;
	char *smtp_password;
	void *smtp;			/* the reused SMTP connection (lib/mail.h) */
	const char *mail_domain;	/* of mail_from: the Message-IDs' right side */
	struct sms_gateway gateway;
	char *sms_secret_id, *sms_secret_key;
	struct sms_template templates[MAX_SMS_TEMPLATES];
	int template_count;
};

/* ---- setting up ----------------------------------------------------------- */

/* The first line of a secret file, or NULL (err says why). */
static char *read_secret(const char *what, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	if (!f || !fgets(line, sizeof line, f)) {
		snprintf(err, errlen, "%s: cannot read %s", what, path);
		if (f)
			fclose(f);
		return NULL;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	return strdup(line);
}

/* sms_templates = kind:id,kind:id,… */
static bool parse_templates(struct notifier *n, const char *list, char *err, size_t errlen)
{
	const char *p = list;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *colon = memchr(p, ':', len);
		struct sms_template *t = &n->templates[n->template_count];
		if (!colon || n->template_count == MAX_SMS_TEMPLATES ||
		    (size_t)(colon - p) >= sizeof t->kind || len - (size_t)(colon - p) > sizeof t->id) {
			snprintf(err, errlen, "sms_templates: expected kind:template_id,… near \"%.*s\"",
				 (int)len, p);
			return false;
		}
		snprintf(t->kind, sizeof t->kind, "%.*s", (int)(colon - p), p);
		snprintf(t->id, sizeof t->id, "%.*s", (int)(len - (size_t)(colon - p) - 1), colon + 1);
		if (!vocab_has(&vocab_message_kind, t->kind)) {
			snprintf(err, errlen, "sms_templates: no message kind \"%s\"", t->kind);
			return false;
		}
		n->template_count++;
		p += len + (p[len] == ',');
	}
	return true;
}

static bool setup_mail(struct notifier *n, const struct config *c, char *err, size_t errlen)
{
	if (!*c->smtp_url)
		return true;
	if (!*c->mail_from || !strchr(c->mail_from, '@')) {
		snprintf(err, errlen, "mail_from: an address is needed with smtp_url");
		return false;
	}
	n->mail_domain = strrchr(c->mail_from, '@') + 1;
	if (*c->smtp_password_file &&
	    !(n->smtp_password = read_secret("smtp_password_file", c->smtp_password_file, err, errlen)))
		return false;
	n->relay = (struct smtp_relay){
		.url = c->smtp_url, .user = *c->smtp_user ? c->smtp_user : NULL,
		.password = n->smtp_password, .timeout_ms = 30000,
	};
	n->smtp = smtp_handle_new();
	return true;
}

static bool setup_sms(struct notifier *n, const struct config *c, char *err, size_t errlen)
{
	if (!strcmp(c->sms_provider, "none"))
		return true;
	enum sms_provider p = !strcmp(c->sms_provider, "tencent") ? SMS_TENCENT
			    : !strcmp(c->sms_provider, "webhook") ? SMS_WEBHOOK : SMS_NONE;
	if (p == SMS_NONE || !*c->sms_endpoint) {
		snprintf(err, errlen, "sms_provider: none, tencent or webhook, with sms_endpoint");
		return false;
	}
	if (p == SMS_TENCENT &&
	    !(n->sms_secret_id = read_secret("sms_secret_id_file", c->sms_secret_id_file, err, errlen)))
		return false;
	if (!(n->sms_secret_key = read_secret("sms_secret_key_file", c->sms_secret_key_file, err, errlen)))
		return false;
	n->gateway = (struct sms_gateway){
		.provider = p, .endpoint = c->sms_endpoint, .secret_id = n->sms_secret_id,
		.secret_key = n->sms_secret_key, .region = c->sms_region, .app_id = c->sms_app_id,
		.sign_name = c->sms_sign_name, .timeout_ms = 30000,
	};
	return parse_templates(n, c->sms_templates, err, errlen);
}

struct notifier *notifier_new(const struct app *app, char *err, size_t errlen)
{
	struct notifier *n = calloc(1, sizeof *n);
	if (!n) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->app = app;
	if (app->config.notify_lease_seconds < 1) {
		/* 0 would let a second sender take a message still in flight. */
		snprintf(err, errlen, "notify_lease_seconds: at least 1");
		notifier_free(n);
		return NULL;
	}
	if (!setup_mail(n, &app->config, err, errlen) || !setup_sms(n, &app->config, err, errlen)) {
		notifier_free(n);
		return NULL;
	}
	return n;
}

void notifier_free(struct notifier *n)
{
	if (!n)
		return;
	if (n->smtp)
		smtp_handle_free(n->smtp);
	free(n->smtp_password);
	free(n->sms_secret_id);
	free(n->sms_secret_key);
	free(n);
}

/* ---- what a message says -------------------------------------------------- */

/* The template's data: the params, each date also as 2026年3月5日 under
 * KEY_cn, the labels, the site's addresses. */
static struct json_object *message_model(const struct notifier *n, PGresult *res, int i)
{
	const struct config *c = &n->app->config;
	struct json_object *m = json_tokener_parse(PQgetvalue(res, i, COL(NOTIFY_CLAIM, params)));
	if (!m || !json_object_is_type(m, json_type_object)) {
		json_object_put(m);
		m = json_object_new_object();
	}
	struct json_object_iterator it = json_object_iter_begin(m), end = json_object_iter_end(m);
	struct json_object *dates = json_object_new_object();
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		const char *v = json_object_get_string(json_object_iter_peek_value(&it));
		int32_t d;
		char cn[DATE_CN_SIZE], key[64];
		if (json_object_is_type(json_object_iter_peek_value(&it), json_type_string) &&
		    strlen(v) == 10 && date_parse(v, &d)) {
			snprintf(key, sizeof key, "%s_cn", json_object_iter_peek_name(&it));
			json_object_object_add(dates, key, json_object_new_string(date_format_cn(d, cn)));
		}
	}
	json_object_object_foreach(dates, key, value)
		json_object_object_add(m, key, json_object_get(value));
	json_object_put(dates);

	const char *kind = PQgetvalue(res, i, COL(NOTIFY_CLAIM, kind));
	json_object_object_add(m, "kind_label", json_object_new_string(
		vocab_label(&vocab_message_kind, kind) ? vocab_label(&vocab_message_kind, kind) : kind));
	struct json_object *outcome;
	if (json_object_object_get_ex(m, "outcome", &outcome)) {
		const struct wf_outcome *o = wf_outcome_find(json_object_get_string(outcome));
		if (o)
			json_object_object_add(m, "outcome_label", json_object_new_string(o->label));
	}
	json_object_object_add(m, "site_name", json_object_new_string(c->site_name));
	if (*c->public_url) {
		char url[512];
		snprintf(url, sizeof url, "%s/status", c->public_url);
		json_object_object_add(m, "status_url", json_object_new_string(url));
		snprintf(url, sizeof url, "%s/complaints/status", c->public_url);
		json_object_object_add(m, "complaints_url", json_object_new_string(url));
		snprintf(url, sizeof url, "%s/staff", c->public_url);
		json_object_object_add(m, "staff_url", json_object_new_string(url));
	}
	if (!PQgetisnull(res, i, COL(NOTIFY_CLAIM, staff_name)))
		json_object_object_add(m, "staff_name", json_object_new_string(
			PQgetvalue(res, i, COL(NOTIFY_CLAIM, staff_name))));
	return m;
}

const char *notify_render_mail(const struct app *app, struct arena *a, const char *kind,
			       struct json_object *model)
{
	char name[64], err[256];
	snprintf(name, sizeof name, "messages/%s", kind);
	struct buf out = { 0 };
	const char *text = NULL;
	if (tmpl_set_has(app->templates, name) &&
	    tmpl_render(app->templates, name, model, &out, err, sizeof err))
		text = arena_strdup(a, buf_str(&out));
	buf_free(&out);
	return text;
}

/* ---- sending -------------------------------------------------------------- */

struct outcome {
	bool accepted, permanent;
	char sent_to[300];
	char ref[256];
	char error[300];
};

/* Not sent, for `why`; false, for the senders' early returns. */
static bool refuse(struct outcome *o, bool permanent, const char *why)
{
	o->accepted = false;
	o->permanent = permanent;
	snprintf(o->error, sizeof o->error, "%s", why);
	return false;
}

/* Each sender fills `o` and returns whether the other side accepted. */
static bool send_mail(struct notifier *n, const struct context *ctx, PGresult *res, int i,
		      struct json_object *model, struct outcome *o)
{
	const char *to = PQgetvalue(res, i, COL(NOTIFY_CLAIM, email));
	if (!n->smtp)
		return refuse(o, false, "未配置邮件服务器（smtp_url）");
	if (PQgetisnull(res, i, COL(NOTIFY_CLAIM, email)) || !*to)
		return refuse(o, true, "收件人没有电子邮箱地址");
	const char *kind = PQgetvalue(res, i, COL(NOTIFY_CLAIM, kind));
	const char *text = notify_render_mail(n->app, ctx->arena, kind, model);
	if (!text)
		return refuse(o, true, "没有这类消息的邮件模板");
	/* The template's first line is the subject; the body follows a blank line. */
	size_t subject_len = strcspn(text, "\n");
	const char *body = text + subject_len;
	while (*body == '\n')
		body++;
	char message_id[160];
	snprintf(message_id, sizeof message_id, "%s@%s",
		 PQgetvalue(res, i, COL(NOTIFY_CLAIM, message_key)), n->mail_domain);
	const char *reply_to = PQgetvalue(res, i, COL(NOTIFY_CLAIM, reply_to));
	const char *agency = PQgetvalue(res, i, COL(NOTIFY_CLAIM, agency_name));
	struct mail m = {
		.from = n->app->config.mail_from,
		.from_name = *agency ? agency : n->app->config.site_name,
		.to = to,
		.reply_to = *reply_to ? reply_to : NULL,
		.subject = arena_strndup(ctx->arena, text, subject_len),
		.body = body,
		.message_id = message_id,
		.date = time(NULL),
	};
	struct buf msg = { 0 };
	if (!mail_format(&msg, &m)) {
		buf_free(&msg);
		return refuse(o, true, "邮件头含有换行符");
	}
	struct smtp_result r;
	smtp_send(n->smtp, &n->relay, m.from, to, buf_str(&msg), msg.len, &r);
	buf_free(&msg);
	o->accepted = r.accepted;
	o->permanent = r.permanent;
	mask_email(to, o->sent_to, sizeof o->sent_to);
	/* Accepted by the relay, not yet delivered: the record says so
	 * (送达 by e-mail counts from the recipient's server; docs/deploy.md). */
	snprintf(r.accepted ? o->ref : o->error, r.accepted ? sizeof o->ref : sizeof o->error,
		 "%s", r.reply);	return o->accepted;
}

/* The SMS template's parameters per kind, in the template's order. The
 * status page's address is fixed template text: providers allow no links
 * in variables. */
static const struct sms_params {
	const char *kind;
	const char *keys[3];
} sms_params[] = {
	{ "received", { "tracking_no" } },
	{ "confirmed", { "tracking_no", "due_on_cn" } },
	{ "supplement", { "tracking_no", "answer_by_cn" } },
	{ "supplement_due", { "tracking_no", "answer_by_cn" } },
	{ "reasons", { "tracking_no", "answer_by_cn" } },
	{ "extension", { "tracking_no", "due_on_cn" } },
	{ "fee", { "tracking_no", "amount_yuan", "pay_by_cn" } },
	{ "fee_due", { "tracking_no", "pay_by_cn" } },
	{ "reply", { "tracking_no" } },
	{ "closed", { "tracking_no" } },
	{ "withdrawn", { "tracking_no" } },
	{ "transferred", { "tracking_no", "new_tracking_no" } },
	{ "new_submission", { "tracking_no" } },
	{ "complaint_replied", { "complaint_no" } },
};

static const struct sms_params *sms_params_of(const char *kind)
{
	for (size_t i = 0; i < sizeof sms_params / sizeof sms_params[0]; i++)
		if (!strcmp(sms_params[i].kind, kind))
			return &sms_params[i];
	return NULL;
}

static const char *template_id(const struct notifier *n, const char *kind)
{
	for (int i = 0; i < n->template_count; i++)
		if (!strcmp(n->templates[i].kind, kind))
			return n->templates[i].id;
	return NULL;
}

static const char *recipient_phone(struct notifier *n, const struct context *ctx, PGresult *res,
				   int i)
{
	if (!PQgetisnull(res, i, COL(NOTIFY_CLAIM, staff_id)))
		return PQgetisnull(res, i, COL(NOTIFY_CLAIM, staff_phone)) ? NULL
			: PQgetvalue(res, i, COL(NOTIFY_CLAIM, staff_phone));
	if (PQgetisnull(res, i, COL(NOTIFY_CLAIM, phone_enc)))
		return NULL;
	return pii_decrypt(n->app, ctx->arena, PQgetvalue(res, i, COL(NOTIFY_CLAIM, phone_enc)));
}

static bool send_sms(struct notifier *n, const struct context *ctx, PGresult *res, int i,
		     struct json_object *model, struct outcome *o)
{
	const char *kind = PQgetvalue(res, i, COL(NOTIFY_CLAIM, kind));
	const struct sms_params *p = sms_params_of(kind);
	const char *template = template_id(n, kind);
	const char *phone = recipient_phone(n, ctx, res, i);
	if (n->gateway.provider == SMS_NONE)
		return refuse(o, false, "未配置短信服务（sms_provider）");
	if (!phone || !*phone)
		return refuse(o, true, "收件人没有手机号码");
	if (!p || !template)
		return refuse(o, true, "没有为这类消息配置短信模板（sms_templates）");
	const char *values[3];
	size_t count = 0;
	for (; count < 3 && p->keys[count]; count++) {
		struct json_object *v;
		values[count] = json_object_object_get_ex(model, p->keys[count], &v)
				? json_object_get_string(v) : "";
	}
	struct sms_message m = {
		.key = PQgetvalue(res, i, COL(NOTIFY_CLAIM, message_key)), .phone = phone,
		.template_id = template, .params = values, .param_count = count,
	};
	struct sms_result r;
	sms_send(&n->gateway, &m, &r);
	o->accepted = r.accepted;
	o->permanent = r.permanent;
	mask_phone(phone, o->sent_to, sizeof o->sent_to);
	snprintf(o->ref, sizeof o->ref, "%s", r.ref);
	snprintf(o->error, sizeof o->error, "%s", r.error);	return o->accepted;
}

/* Records the answer; false when the database failed. */
static bool record(struct notifier *n, const struct context *ctx, const char *id,
		   const struct outcome *o, struct notify_counts *counts)
{
	PGresult *res;
	if (o->accepted) {
		const char *params[] = { id, o->sent_to, o->ref };
		res = db_exec(ctx->db, STMT_NOTIFY_SENT, 3, params);
		counts->sent++;
	} else {
		char retry[16], age[16];
		snprintf(retry, sizeof retry, "%d", n->app->config.notify_retry_seconds);
		snprintf(age, sizeof age, "%d", n->app->config.notify_max_age_hours);
		const char *params[] = { id, o->error, o->permanent ? "true" : "false", retry, age };
		res = db_exec(ctx->db, STMT_NOTIFY_FAILED, 5, params);
		log_warn("notify: message %s not sent: %s", id, o->error);
		/* Dead when refused for good or too old: the row says which. */
		bool dead = db_ok(res) && PQntuples(res) == 1 &&
			    !strcmp(PQgetvalue(res, 0, COL(NOTIFY_FAILED, state)), "dead");
		if (dead)
			counts->dead++;
		else
			counts->retried++;
	}
	bool ok = db_ok(res);
	PQclear(res);
	return ok;
}

int notify_batch(struct notifier *n, const struct context *ctx, struct notify_counts *counts)
{
	char batch[16], lease[16];
	snprintf(batch, sizeof batch, "%d", NOTIFY_BATCH);
	snprintf(lease, sizeof lease, "%d", n->app->config.notify_lease_seconds);
	PGresult *res = db_exec(ctx->db, STMT_NOTIFY_CLAIM, 2, (const char *[]){ batch, lease });
	if (!db_ok(res)) {
		log_error("notify: cannot take messages: %s", res ? PQresultErrorMessage(res) : "no connection");
		PQclear(res);
		return -1;
	}
	int taken = PQntuples(res);
	for (int i = 0; i < taken; i++) {
		struct json_object *model = message_model(n, res, i);
		struct outcome o = { 0 };
		if (!strcmp(PQgetvalue(res, i, COL(NOTIFY_CLAIM, channel)), "email"))
			send_mail(n, ctx, res, i, model, &o);
		else
			send_sms(n, ctx, res, i, model, &o);
		json_object_put(model);
		bool ok = record(n, ctx, PQgetvalue(res, i, COL(NOTIFY_CLAIM, id)), &o, counts);
		arena_reset(ctx->arena);
		if (!ok) {
			/* The rest stay 'sending' until their lease runs out. */
			PQclear(res);
			return -1;
		}
	}
	PQclear(res);
	return taken;
}
