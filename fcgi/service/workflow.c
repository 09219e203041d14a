/*
 * workflow: every step of a request, one transaction each (workflow.h).
 *
 * A step: lock the request row; check that the actor may see it (404) and
 * take the step (403), that its state allows it (409, domain/workflow_rules)
 * and that its input makes sense (422); write the step's own record
 * (supplements, consultations, extensions, fees, appeals); append the event
 * (events.h, hash-chained); recompute the deadline from the events
 * (domain/deadline) and save the cached row; write the notice.
 */
#include "service/workflow.h"
#include "service/workflow_internal.h"

/* ---- the transaction ----------------------------------------------------- */
static bool run_step(struct step *st)
{
	switch (st->action) {
	case WF_CONFIRM: return do_confirm(st);
	case WF_DISCARD: return do_discard(st);
	case WF_SUPPLEMENT: return do_supplement(st);
	case WF_SUPPLEMENT_ANSWERED: return do_supplement_answered(st);
	case WF_CONSULT: return do_consult(st);
	case WF_CONSULT_ANSWERED: return do_consult_answered(st);
	case WF_CONSULT_RECEIVED: return do_consult_received(st);
	case WF_EXTEND: return do_extend(st);
	case WF_APPROVE_EXTENSION: return do_decide_extension(st, true);
	case WF_REFUSE_EXTENSION: return do_decide_extension(st, false);
	case WF_FEE_NOTICE: return do_fee_notice(st);
	case WF_FEE_DELIVERED: return do_fee_delivered(st);
	case WF_FEE_PAID: return do_fee_paid(st);
	case WF_REPLY: return do_reply(st);
	case WF_WITHDRAW: return do_withdraw(st);
	case WF_APPEAL: return do_appeal(st);
	case WF_NOTE: return do_note(st);
	case WF_ASSIGN: return do_assign(st);
	case WF_EXPIRE_SUPPLEMENT: return do_expire_supplement(st);
	case WF_EXPIRE_FEE: return do_expire_fee(st);
	case WF_ASK_REASONS: return do_ask_reasons(st);
	case WF_REASONS_ANSWERED: return do_reasons_answered(st);
	case WF_EXPIRE_REASONS: return do_expire_reasons(st);
	case WF_SET_DEADLINE: return do_set_deadline(st);
	case WF_APPROVE_DEADLINE: return do_decide_deadline(st, true);
	case WF_REFUSE_DEADLINE: return do_decide_deadline(st, false);
	case WF_RECORD_DELIVERY: return do_record_delivery(st);
	case WF_TRANSFER: return do_transfer(st);
	case WF_PUBLISH: return do_publish(st);
	case WF_ACTION_COUNT: break;
	}
	return step_refuse(st, SERVICE_NOT_FOUND, "没有这个操作", NULL);
}


static bool lock_request(struct step *st, const char *request_id)
{
	PGresult *res = step_exec(st, STMT_WF_REQUEST_LOCK, 1, (const char *[]){ request_id });
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return step_refuse(st, SERVICE_NOT_FOUND, "没有这件申请", NULL);
	}
	st->id = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, id));
	st->agency_id = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, agency_id));
	if (!wf_status_from_code(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, status)), &st->status)) {
		PQclear(res);
		return step_refuse(st, SERVICE_FAILED, "申请的状态无法识别", NULL);
	}
	st->has_received = !PQgetisnull(res, 0, COL(WF_REQUEST_LOCK, received_on));
	st->received = step_value_date(res, 0, COL(WF_REQUEST_LOCK, received_on));
	st->tracking_no = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, tracking_no));
	st->name = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, name));
	st->description = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, description));
	st->applicant_kind = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, applicant_kind));
	st->agency_code = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, agency_code));
	st->agency_name = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, agency_name));
	st->settings = json_tokener_parse(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, settings)));
	st->id_number_hash = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, id_number_hash));
	st->credit_code = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, credit_code));
	st->submitted_on = step_value_date(res, 0, COL(WF_REQUEST_LOCK, submitted_on));
	st->outcome = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, outcome));
	st->concluded = !PQgetisnull(res, 0, COL(WF_REQUEST_LOCK, concluded_on));
	st->concluded_on = step_value_date(res, 0, COL(WF_REQUEST_LOCK, concluded_on));
	st->backdated = !strcmp(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, backdated)), "t");
	st->office_address = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, office_address));
	st->office_phone = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, office_phone));
	st->document_ref = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, document_ref));
	st->office_hours = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, office_hours));
	st->agency_is_government = !strcmp(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, agency_kind)),
			"government");
	st->government_above = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, government_above));
	st->redo = !PQgetisnull(res, 0, COL(WF_REQUEST_LOCK, redo_on));
	st->channel = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, channel));
	st->late_entry = !strcmp(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, late_entry)), "t");
	st->correction = !strcmp(PQgetvalue(res, 0, COL(WF_REQUEST_LOCK, request_kind)),
				 "correction");
	st->correction_wrong = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK, correction_wrong));
	st->correction_should = step_copy_value(st, res, 0, COL(WF_REQUEST_LOCK,
				correction_should));
	PQclear(res);
	return true;
}

/* Who may see this request: its agency's staff (an administrator also
 * its descendants'); anyone else gets the same 404 as for no request. */
static bool may_see(struct step *st)
{
	if (st->actor != ACTOR_STAFF)
		return true;
	if (!st->ctx->staff || !session_sees_agency(st->db, st->ctx->staff, atoll(st->agency_id)))
		return step_refuse(st, SERVICE_NOT_FOUND, "没有这件申请", NULL);
	return true;
}

static const char *actor_kind(enum workflow_actor a)
{
	return a == ACTOR_APPLICANT ? "applicant" : a == ACTOR_STAFF ? "staff" : "system";
}

static bool append_event(struct step *st)
{
	struct event e = {
		.request_id = st->id,
		.actor_kind = actor_kind(st->actor),
		.actor_staff_id = st->actor == ACTOR_STAFF ? st->ctx->staff->staff_id_text : NULL,
		.action = st->event ? st->event : wf_action_event(st->action),
		.effective_on = step_fmt_date(st->arena, st->effective),
		.data = st->data,
	};
	PGresult *failure;
	st->seq = event_append(st->db, &e, &failure);
	if (!st->seq)
		return step_db_failed(st, failure);
	return true;
}

/* The closing's notice, annulled by a reopening (Art. 30), stays marked. */
static bool annul_closing_notice(struct step *st)
{
	if (!st->annul_closing)
		return true;
	char seq[16];
	snprintf(seq, sizeof seq, "%d", st->seq);
	const char *params[] = { st->id, seq, step_fmt_date(st->arena, st->today) };
	return step_exec_ok(st, STMT_WF_NOTICE_ANNUL, 3, params);
}

/* The extension notice names the new due date, the receipt the first:
 * computed with the step's event before it is appended, the notice's PDF
 * hash going into it. */
bool step_finish_notice_due(struct step *st)
{
	if (!st->notice_kind || (strcmp(st->notice_kind, "extension") &&
				 strcmp(st->notice_kind, "acknowledgement")))
		return true;
	struct deadline dl;
	if (step_deadline_ahead(st, &dl))
		step_notice_str(st, "due_text", step_date_cn(st, dl.due));
	return true;
}

static bool within_transaction(struct step *st, const char *request_id)
{
	const char *why;
	if (!lock_request(st, request_id) || !may_see(st))
		return false;
	enum wf_actor_kind who = st->actor == ACTOR_APPLICANT ? WF_BY_APPLICANT
			       : st->actor == ACTOR_STAFF ? WF_BY_STAFF : WF_BY_SYSTEM;
	if (!wf_actor_may(st->action, who, st->ctx->staff ? st->ctx->staff->role : NULL, &why))
		return step_refuse(st, SERVICE_FORBIDDEN, why, NULL);
	if (!wf_action_allowed(st->action, st->status, &why))
		return step_refuse(st, SERVICE_CONFLICT, why, NULL);
	if (st->has_received && !st->cal)
		return step_refuse(st, SERVICE_UNAVAILABLE, "工作日历暂时无法读取，请稍后重试", NULL);
	return run_step(st) && step_finish_notice_due(st) && step_prepare_notice(st) &&
	       append_event(st) && step_save_state(st) && annul_closing_notice(st) &&
	       step_issue_notice(st) && step_queue_messages(st);
}

int workflow_registered_event(const struct context *ctx, struct event *e, PGresult **failure)
{
	struct step st = {
		.ctx = ctx,
		.db = ctx->db,
		.arena = ctx->arena,
		.action = WF_CONFIRM,
		.actor = ACTOR_STAFF,
		.today = clock_today(),
		.data = e->data,	/* borrowed: the PDF's hash goes into it */
		.event = e->action,
		.result = { .status = SERVICE_DONE },
		.cal = calendar_current(ctx->db),
	};
	*failure = NULL;
	int32_t received;
	bool ok = st.cal && e->effective_on && date_parse(e->effective_on, &received) &&
		  lock_request(&st, e->request_id);
	if (ok) {
		st.has_received = true;
		st.received = st.effective = received;
		step_receipt_notice(&st);
		ok = step_finish_notice_due(&st) && step_prepare_notice(&st);
	}
	if (ok) {
		st.seq = event_append(ctx->db, e, failure);
		ok = st.seq && step_issue_notice(&st);
	}
	json_object_put(st.settings);
	json_object_put(st.notice_model);
	if (!ok && st.result.status != SERVICE_DONE)
		log_error("receipt of request %s: %s", e->request_id, st.result.message);
	return ok ? st.seq : 0;
}

static bool id_well_formed(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n > 0 && n <= 18 && strspn(s, "0123456789") == n;
}

/* A preview ends here: the step's notice copied out, then ROLLBACK. */
static bool preview_notice(struct step *st)
{
	if (!st->notice_kind)
		return step_refuse(st, SERVICE_BAD_INPUT, "这一步不发出告知书，没有可预览的内容",
				   "preview");
	st->preview->kind = st->notice_kind;
	st->preview->title = st->notice_title;
	st->preview->notice_no = st->notice_no && *st->notice_no ? st->notice_no : NULL;
	st->preview->body = st->notice_body;
	return true;
}

static struct workflow_result act(const struct context *ctx, const char *request_id,
				  const char *action, struct json_object *input,
				  bool input_typed, enum workflow_actor actor,
				  struct workflow_notice_preview *preview)
{
	struct step st = {
		.ctx = ctx,
		.input_typed = input_typed,
		.db = ctx->db,
		.arena = ctx->arena,
		.input = input && json_object_is_type(input, json_type_object) ? input : NULL,
		.actor = actor,
		.today = clock_today(),
		.data = json_object_new_object(),
		.result = { .status = SERVICE_DONE, .message = "已办理" },
		.preview = preview,
	};
	st.effective = st.today;
	if (!wf_action_from_code(action, &st.action)) {
		st.result = (struct workflow_result){ SERVICE_NOT_FOUND, "没有这个操作", NULL, 0 };
	} else if (!id_well_formed(request_id)) {
		st.result = (struct workflow_result){ SERVICE_NOT_FOUND, "没有这件申请", NULL, 0 };
	} else if (actor == ACTOR_STAFF && !ctx->staff) {
		st.result = (struct workflow_result){ SERVICE_NOT_SIGNED_IN, "请先登录", NULL, 0 };
	} else if (!step_input_types_ok(&st)) {
		/* st.result says which field */
	} else {
		st.cal = calendar_current(ctx->db);
		if (!db_command(ctx->db, "BEGIN")) {
			st.result = (struct workflow_result){ SERVICE_UNAVAILABLE, "系统暂时无法办理，请稍后重试",
					NULL, 0 };
		} else if (preview) {
			/* Nothing a preview did is kept, whatever its answer. */
			bool ok = within_transaction(&st, request_id) && preview_notice(&st);
			db_command(ctx->db, "ROLLBACK");
			if (!ok && st.result.status == SERVICE_DONE)
				st.result = (struct workflow_result){ SERVICE_UNAVAILABLE,
						"系统暂时无法预览，请稍后重试", NULL, 0 };
		} else if (within_transaction(&st, request_id) && db_command(ctx->db, "COMMIT")) {
			st.result.seq = st.seq;
		} else {
			db_command(ctx->db, "ROLLBACK");
			if (st.result.status == SERVICE_DONE)
				st.result = (struct workflow_result){ SERVICE_UNAVAILABLE,
						"系统暂时无法办理，您的操作没有保存，请稍后重试", NULL, 0 };
		}
	}
	json_object_put(st.data);
	json_object_put(st.settings);
	json_object_put(st.notice_model);
	return st.result;
}

struct workflow_result workflow_act(const struct context *ctx, const char *request_id,
				    const char *action, struct json_object *input,
				    bool input_typed, enum workflow_actor actor)
{
	return act(ctx, request_id, action, input, input_typed, actor, NULL);
}

struct workflow_result workflow_preview(const struct context *ctx, const char *request_id,
					const char *action, struct json_object *input,
					bool input_typed, enum workflow_actor actor,
					struct workflow_notice_preview *out)
{
	*out = (struct workflow_notice_preview){ 0 };
	return act(ctx, request_id, action, input, input_typed, actor, out);
}

/* One request of workflow_reassign_all(): the assign step in the caller's
 * transaction, its event by the administrator. A request whose state
 * takes no assignment (a closed one) is left as it is: *moved false. */
static bool reassign_one(const struct context *ctx, const char *request_id,
			 struct json_object *input, struct workflow_result *out, bool *moved)
{
	struct step st = {
		.ctx = ctx,
		.db = ctx->db,
		.arena = ctx->arena,
		.input = input,
		.action = WF_ASSIGN,
		.actor = ACTOR_STAFF,
		.today = clock_today(),
		.data = json_object_new_object(),
		.result = { .status = SERVICE_DONE, .message = "已办理" },
		.cal = calendar_current(ctx->db),
	};
	st.effective = st.today;
	*moved = false;
	bool ok = lock_request(&st, request_id) && may_see(&st);
	if (ok && wf_action_allowed(st.action, st.status, NULL)) {
		if (st.has_received && !st.cal)
			ok = step_refuse(&st, SERVICE_UNAVAILABLE, "工作日历暂时无法读取，请稍后重试", NULL);
		else
			ok = *moved = run_step(&st) && append_event(&st) && step_save_state(&st);
	}
	*out = st.result;
	json_object_put(st.data);
	json_object_put(st.settings);
	json_object_put(st.notice_model);
	return ok;
}

struct workflow_result workflow_reassign_all(const struct context *ctx, const char *from_staff_id,
					     const char *to, int *moved)
{
	struct workflow_result r = { SERVICE_DONE, "已办理", NULL, 0 };
	*moved = 0;
	if (!db_command(ctx->db, "BEGIN"))
		return (struct workflow_result){ SERVICE_UNAVAILABLE, "系统暂时无法办理，请稍后重试", NULL, 0 };
	PGresult *res = db_exec(ctx->db, STMT_WF_ASSIGNED_TO, 1, (const char *[]){ from_staff_id });
	bool ok = db_ok(res);
	struct json_object *input = json_object_new_object();
	if (to && *to)
		json_object_object_add(input, "to", json_object_new_string(to));
	for (int i = 0; ok && i < PQntuples(res); i++) {
		bool moved_one;
		ok = reassign_one(ctx, PQgetvalue(res, i, COL(WF_ASSIGNED_TO, id)), input, &r, &moved_one);
		*moved += moved_one;
	}
	PQclear(res);
	json_object_put(input);
	if (ok && db_command(ctx->db, "COMMIT"))
		return r;
	db_command(ctx->db, "ROLLBACK");
	*moved = 0;
	if (r.status == SERVICE_DONE)
		r = (struct workflow_result){ SERVICE_UNAVAILABLE,
			"系统暂时无法办理，没有改动任何申请，请稍后重试", NULL, 0 };
	return r;
}
