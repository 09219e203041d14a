/*
 * workflow_messages: the applicant's message a step gives (issue 14),
 * queued in the step's transaction (service/messages.h). Which steps the
 * applicant must hear of: those that ask something of them (补正, the
 * reasons of Art. 35, a fee), move their date (receipt, extension) or end
 * the request. Internal steps (notes, assignment, consultations, the
 * head's approvals of proposals) say nothing to the applicant.
 */
#include "service/workflow_internal.h"
#include "service/messages.h"
#include "domain/vocab.h"

struct step_message {
	enum wf_action action;
	const char *kind;		/* messages.kind */
	const char *keys[4];		/* the event's data the message names */
	const char *why;		/* a closing's reason, as the applicant reads it */
};

static const struct step_message step_messages[] = {
	{ WF_CONFIRM, "confirmed", { "received_on" }, NULL },
	{ WF_SUPPLEMENT, "supplement", { "what", "answer_by" }, NULL },
	{ WF_ASK_REASONS, "reasons", { "text", "answer_by" }, NULL },
	{ WF_APPROVE_EXTENSION, "extension", { "days" }, NULL },
	{ WF_APPROVE_DEADLINE, "extension", { "due_on" }, NULL },
	{ WF_FEE_NOTICE, "fee", { "amount_yuan", "pay_by" }, NULL },
	{ WF_REPLY, "reply", { "outcome", "replied_on" }, NULL },
	{ WF_WITHDRAW, "withdrawn", { "reason" }, NULL },
	{ WF_DISCARD, "closed", { NULL }, NULL },
	/* 转办: the reply and the new tracking number in one message. */
	{ WF_TRANSFER, "transferred", { "new_tracking_no", "new_agency_name" }, NULL },	/* its reason_code's label */
	/* Art. 30: a 补正 not given in time is taken as given up. */
	{ WF_EXPIRE_SUPPLEMENT, "closed", { NULL }, "逾期未补正，视为放弃申请" },
	/* 2020 measures on fees: a fee not paid in time, likewise. */
	{ WF_EXPIRE_FEE, "closed", { NULL }, "逾期未缴纳信息处理费，视为放弃申请" },
	/* An expired period to state reasons (Art. 35) closes nothing: the
	 * clock resumes and the agency decides, so nothing is sent. */
};

static const struct step_message *message_of(enum wf_action action)
{
	for (size_t i = 0; i < sizeof step_messages / sizeof step_messages[0]; i++)
		if (step_messages[i].action == action)
			return &step_messages[i];
	return NULL;
}

static struct json_object *message_params(const struct step *st, const struct step_message *m)
{
	struct json_object *params = json_object_new_object();
	for (size_t i = 0; i < 4 && m->keys[i]; i++) {
		struct json_object *v;
		if (json_object_object_get_ex(st->data, m->keys[i], &v))
			json_object_object_add(params, m->keys[i], json_object_get(v));
	}
	const char *why = m->why;
	struct json_object *code;
	if (st->action == WF_DISCARD && json_object_object_get_ex(st->data, "reason_code", &code))
		why = vocab_label(&vocab_discard_reason, json_object_get_string(code));
	if (why)
		json_object_object_add(params, "reason", json_object_new_string(why));
	/* The e-mail names a correction (Art. 41) as one. */
	if (st->correction)
		json_object_object_add(params, "correction", json_object_new_boolean(1));
	return params;
}

bool step_queue_messages(struct step *st)
{
	const struct step_message *m = message_of(st->action);
	if (!m)
		return true;
	struct json_object *params = message_params(st, m);
	bool ok = messages_queue_applicant(st->db, st->id, st->seq, m->kind, params, NULL);
	json_object_put(params);
	if (!ok)
		return step_refuse(st, SERVICE_UNAVAILABLE,
				   "系统暂时无法办理，您的操作没有保存，请稍后重试", NULL);
	return true;
}
