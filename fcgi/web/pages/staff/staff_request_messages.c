/*
 * staff_request_messages: what the request page shows of issue 14 — how
 * the applicant chose to be told (通知方式, with the address masked), the
 * request's messages and their delivery, and "send again" (重新发送) of a
 * dead one (service/message_resend.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>

#include "core/pii.h"
#include "domain/idcheck.h"
#include "domain/workflow_rules.h"
#include "domain/vocab.h"
#include "service/message_resend.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff_request.h"

/* The address a message of this choice goes to, masked; NULL for none. */
static const char *masked_address(struct request *req, const char *notify, const char *email,
				  const char *phone_enc)
{
	if (!strcmp(notify, "email") && email) {
		size_t n = strlen(email) + 4;
		char *out = arena_alloc(req->arena, n);
		return mask_email(email, out, n) ? out : NULL;
	}
	if (!strcmp(notify, "sms") && phone_enc) {
		char *phone = pii_decrypt(req->app, req->arena, phone_enc);
		if (!phone)
			return NULL;
		size_t n = strlen(phone) + 1;
		char *out = arena_alloc(req->arena, n);
		bool ok = mask_phone(phone, out, n);
		sodium_memzero(phone, strlen(phone));
		return ok ? out : NULL;
	}
	return NULL;
}

void request_add_notify(struct request *req, struct json_object *m, const char *notify,
			const char *email, const char *phone_enc)
{
	if (!notify)
		return;
	model_add_str(m, "notify", notify);
	model_add_str(m, "notify_label", vocab_label(&vocab_notify, notify));
	model_add_str(m, "notify_to", masked_address(req, notify, email, phone_enc));
}

static void add_label(struct json_object *o, const char *key, const struct vocab *v,
		      const char *code)
{
	char name[48];
	model_add_str(o, key, code);
	snprintf(name, sizeof name, "%s_label", key);
	model_add_str(o, name, vocab_label(v, code));
}

void request_add_messages(struct request *req, struct json_object *m, const char *id,
			  const PGresult *res)
{
	struct json_object *list = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(
			atoll(PQgetvalue(res, i, COL(REQ_MESSAGES, id)))));
		json_object_object_add(o, "request_id", json_object_new_int64(atoll(id)));
		add_label(o, "kind", &vocab_message_kind, PQgetvalue(res, i, COL(REQ_MESSAGES, kind)));
		add_label(o, "channel", &vocab_message_channel,
			  PQgetvalue(res, i, COL(REQ_MESSAGES, channel)));
		const char *state = PQgetvalue(res, i, COL(REQ_MESSAGES, state));
		add_label(o, "state", &vocab_message_state, state);
		json_object_object_add(o, "attempts", json_object_new_int(
			atoi(PQgetvalue(res, i, COL(REQ_MESSAGES, attempts)))));
		staff_add_val(req, o, "created", res, i, COL(REQ_MESSAGES, created));
		staff_add_val(req, o, "sent_at", res, i, COL(REQ_MESSAGES, sent_at));
		staff_add_val(req, o, "sent_to", res, i, COL(REQ_MESSAGES, sent_to));
		staff_add_val(req, o, "requeued_at", res, i, COL(REQ_MESSAGES, requeued_at));
		/* The recipient: the applicant, or the member an alert went to. */
		const char *to = PQgetvalue(res, i, COL(REQ_MESSAGES, staff_name));
		model_add_str(o, "recipient", *to ? to : "申请人");
		bool dead = !strcmp(state, "dead");
		model_add_bool(o, "dead", dead);
		if (dead)
			staff_add_val(req, o, "last_error", res, i, COL(REQ_MESSAGES, last_error));
		json_object_array_add(list, o);
	}
	if (PQntuples(res) > 0)
		model_add_bool(m, "has_messages", true);
	json_object_object_add(m, "messages", list);
}

/* ---- send again ------------------------------------------------------------ */

static bool captures(struct request *req, char *id, size_t idlen, char *mid, size_t midlen)
{
	if (route_capture(&req->match, "id", id, idlen) &&
	    route_capture(&req->match, "mid", mid, midlen))
		return true;
	respond_error(req, 404, "没有这条消息");
	return false;
}

static struct message_resend resend(struct request *req, const char *id, const char *mid)
{
	struct context ctx = http_context(req);
	const char *ip = req->remote_addr && *req->remote_addr ? req->remote_addr : NULL;
	struct message_resend r = message_resend(&ctx, id, mid, ip);
	if (r.status != SERVICE_DONE)
		req->log_why = "resend refused";
	return r;
}

/* The page's button: back to the request, or its refusal there. */
void page_staff_message_resend(struct request *req)
{
	char id[32], mid[32];
	if (!captures(req, id, sizeof id, mid, sizeof mid))
		return;
	struct message_resend r = resend(req, id, mid);
	int status = http_status_of(r.status);
	if (status == 200) {
		char target[128];
		snprintf(target, sizeof target, "/staff/requests/%s?done=resend#messages", id);
		respond_redirect(req, target);
	} else if (status == 409) {
		struct workflow_result refused = { .status = r.status, .message = r.message };
		request_page(req, id, status, REVEAL_NOTHING, &refused, NULL);
	} else {
		respond_error(req, status, r.message);
	}
}

/* POST /api/v1/requests/{id}/messages/{mid}/resend → the message's new state. */
void page_api_message_resend(struct request *req)
{
	char id[32], mid[32];
	if (!captures(req, id, sizeof id, mid, sizeof mid))
		return;
	struct message_resend r = resend(req, id, mid);
	int status = http_status_of(r.status);
	struct json_object *m = json_object_new_object();
	if (status == 200) {
		json_object_object_add(m, "id", json_object_new_int64(atoll(mid)));
		json_object_object_add(m, "request_id", json_object_new_int64(atoll(id)));
		model_add_str(m, "state", r.state);
		model_add_str(m, "state_label", vocab_label(&vocab_message_state, r.state));
	} else {
		model_add_str(m, "error", r.message ? r.message : "无法完成此操作");
		json_object_object_add(m, "status", json_object_new_int(status));
	}
	respond(req, status, NULL, m);
}
