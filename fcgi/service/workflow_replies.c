/* workflow_replies: mass requests (Art. 35), the reply, withdrawal, appeals,
 * notes and the system's expiries (workflow_internal.h). */
#include "service/workflow_internal.h"

/* ---- mass requests: asking for reasons (Art. 35) -------------------------- */

enum reasons_state { REASONS_NONE, REASONS_PENDING, REASONS_ANSWERED, REASONS_EXPIRED };

/* The latest request for reasons: its state, day asked and answer-by. */
static bool load_reasons(struct step *st, enum reasons_state *state, int32_t *asked,
			 int32_t *answer_by)
{
	PGresult *res = step_exec(st, STMT_WF_REASONS_GET, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	*state = REASONS_NONE;
	*asked = *answer_by = 0;
	if (PQntuples(res) == 1) {
		*asked = step_value_date(res, 0, COL(WF_REASONS_GET, asked_on));
		*answer_by = step_value_date(res, 0, COL(WF_REASONS_GET, answer_by));
		const char *end = PQgetisnull(res, 0, COL(WF_REASONS_GET,
				ended_by)) ? "" : PQgetvalue(res, 0, COL(WF_REASONS_GET, ended_by));
		*state = !strcmp(end, "reasons_answered") ? REASONS_ANSWERED
		       : !strcmp(end, "reasons_expired") ? REASONS_EXPIRED : REASONS_PENDING;
	}
	PQclear(res);
	return true;
}

/*
 * Art. 35: when the number or frequency of requests clearly exceeds a
 * reasonable range, the agency may ask the applicant to state reasons.
 * The period runs from today (the agency's supplement_workdays unless
 * given); meanwhile the clock stops (a pause, like a supplement's time it
 * is not counted) and the request stays in progress.
 */
bool do_ask_reasons(struct step *st)
{
	enum reasons_state state;
	int32_t asked, answer_by;
	const char *text;
	if (!step_in_text(st, "text", false, "需要说明的事项", &text) ||
	    !load_reasons(st, &state, &asked, &answer_by))
		return false;
	if (state == REASONS_PENDING)
		return step_refusef(st, SERVICE_CONFLICT, NULL, "已于%s要求申请人说明理由，期限至%s，尚未届满",
			       step_date_cn(st, asked), step_date_cn(st, answer_by));
	int32_t d;
	if (!step_date(st, "date", &d) || !step_applicant_period(st, "说明理由的期限", d, &answer_by))
		return false;
	step_data_str(st, "text", text);
	step_data_date(st, "answer_by", answer_by);
	st->effective = d;
	st->clock_changed = true;
	step_set_notice(st, "reasons", "notices/reasons", "政府信息公开申请说明理由告知书");
	step_notice_str(st, "text", text);
	step_notice_str(st, "answer_by_text", step_date_cn(st, answer_by));
	return true;
}

/* The applicant's reasons arrived (back-datable): the clock resumes. */
bool do_reasons_answered(struct step *st)
{
	enum reasons_state state;
	int32_t asked, answer_by, d;
	const char *text;
	if (!step_in_text(st, "text", false, "申请人说明的理由", &text) ||
	    !load_reasons(st, &state, &asked, &answer_by))
		return false;
	if (state != REASONS_PENDING)
		return step_refuse(st, SERVICE_CONFLICT, "该申请没有等待说明的理由", NULL);
	if (!step_date(st, "date", &d))
		return false;
	if (d < asked)
		return step_refusef(st, SERVICE_BAD_INPUT, "date", "收到理由的日期不能早于要求说明理由之日（%s）",
			       step_date_cn(st, asked));
	step_data_str(st, "text", text);
	step_data_date(st, "answer_by", answer_by);
	st->effective = d;
	st->clock_changed = true;
	return true;
}

/* System: no reasons by the last day of the period; the clock resumes
 * from the day after it, and the agency decides. */
bool do_expire_reasons(struct step *st)
{
	enum reasons_state state;
	int32_t asked, answer_by;
	if (!load_reasons(st, &state, &asked, &answer_by))
		return false;
	if (state != REASONS_PENDING)
		return step_refuse(st, SERVICE_CONFLICT, "该申请没有等待说明的理由", NULL);
	if (!window_over(answer_by, st->today))
		return step_refusef(st, SERVICE_CONFLICT, NULL, "说明理由的期限至%s，尚未届满", step_date_cn(st,
				answer_by));
	step_data_date(st, "answer_by", answer_by);
	st->effective = answer_by;
	st->clock_changed = true;
	return true;
}

/* ---- mass requests: a longer, stated deadline (Art. 35) ------------------ */

/* The open proposal: *proposer 0 when there is none. */
static bool load_deadline_proposal(struct step *st, long long *proposer, int32_t *due,
				   const char **reason)
{
	PGresult *res = step_exec(st, STMT_WF_DEADLINE_PENDING, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	*proposer = 0;
	if (PQntuples(res) == 1) {
		*proposer = atoll(PQgetvalue(res, 0, COL(WF_DEADLINE_PENDING, actor_staff_id)));
		*due = step_value_date(res, 0, COL(WF_DEADLINE_PENDING, due_on));
		*reason = step_copy_value(st, res, 0, COL(WF_DEADLINE_PENDING, reason));
	}
	PQclear(res);
	return true;
}

/*
 * Like an extension (Art. 33 ¶2), the stated deadline is set and the
 * applicant told within the period it replaces: once the request is
 * overdue it cannot cure the delay.
 */
static bool deadline_in_time(struct step *st, struct deadline *dl)
{
	if (!workflow_deadline(st->db, st->cal, st->id, dl))
		return step_refuse(st, SERVICE_CONFLICT, "无法计算答复期限，不能确定延迟答复期限", NULL);
	if (extension_allowed(st->cal, dl, st->today))
		return true;
	return step_refusef(st, SERVICE_CONFLICT, NULL,
		       "答复期限已于%s届满：延迟答复的期限须在答复期限内确定并告知申请人，期限届满后不能再确定（条例第三十三条、第三十五条）",
		       step_date_cn(st, dl->due));
}

/*
 * Art. 35: the applicant stated reasons the agency finds reasonable, but
 * it cannot answer within Art. 33's limits: it may set a reasonable,
 * stated deadline (not capped at 20 + 20 working days). Proposed by
 * staff, it takes effect with the head's consent (approve_deadline).
 */
bool do_set_deadline(struct step *st)
{
	enum reasons_state state;
	int32_t asked, answer_by, due, pending_due;
	long long proposer;
	const char *reason, *pending_reason;
	struct deadline dl;
	if (!step_in_text(st, "reason", true, "延迟答复的理由", &reason) ||
	    !load_reasons(st, &state, &asked, &answer_by) ||
	    !load_deadline_proposal(st, &proposer, &pending_due, &pending_reason))
		return false;
	if (state != REASONS_ANSWERED)
		return step_refuse(st, SERVICE_CONFLICT, "确定延迟答复的期限前，应当先要求申请人说明理由并收到其理由（条例第三十五条）",
				NULL);
	if (proposer)
		return step_refuse(st, SERVICE_CONFLICT, "已有一项延迟答复期限等待负责人审批，不能重复提出", NULL);
	if (!deadline_in_time(st, &dl))
		return false;
	if (!step_in_date(st, "due_on", 0, &due))
		return false;
	if (!due)
		return step_refuse(st, SERVICE_BAD_INPUT, "请填写确定的答复期限（YYYY-MM-DD）", "due_on");
	if (due <= dl.due)
		return step_refusef(st, SERVICE_BAD_INPUT, "due_on", "确定的答复期限应晚于现在的答复期限（%s）",
			       step_date_cn(st, dl.due));
	step_data_date(st, "due_on", due);
	step_data_str(st, "reason", reason);
	return true;
}

bool do_decide_deadline(struct step *st, bool approve)
{
	long long proposer;
	int32_t due;
	const char *reason, *opinion;
	struct deadline dl;
	if (!step_in_text(st, "opinion", false, "审批意见", &opinion) ||
	    !load_deadline_proposal(st, &proposer, &due, &reason))
		return false;
	if (!proposer)
		return step_refuse(st, SERVICE_CONFLICT, "没有等待审批的延迟答复期限", NULL);
	if (proposer == st->ctx->staff->staff_id)
		return step_refuse(st, SERVICE_FORBIDDEN, "不能审批自己提出的延迟答复期限", NULL);
	if (approve && !deadline_in_time(st, &dl))
		return false;
	if (approve && due <= dl.due)
		return step_refusef(st, SERVICE_CONFLICT, NULL, "提出的期限（%s）已不晚于现在的答复期限（%s）",
			       step_date_cn(st, due), step_date_cn(st, dl.due));
	step_data_date(st, "due_on", due);
	step_data_str(st, "reason", reason);
	step_data_str(st, "opinion", opinion);
	if (!approve)
		return true;
	st->clock_changed = true;
	/* The applicant is told the date (Art. 35). */
	step_set_notice(st, "deadline", "notices/deadline", "延迟答复告知书");
	step_notice_str(st, "reason", step_clause(st, reason));
	step_notice_str(st, "due_text", step_date_cn(st, due));
	return true;
}

/*
 * Outcomes that need a step before them: `unable_unclear` only after a
 * 补正 was asked and given (Art. 30: still unclear after it); `reject_mass`
 * only once the applicant was asked to state reasons and answered, or let
 * the period pass (Art. 35).
 */
static bool outcome_preconditions(struct step *st, const struct wf_outcome *o)
{
	if (!strcmp(o->code, "unable_unclear")) {
		PGresult *res = step_exec(st, STMT_WF_SUPPLEMENT_GET, 1,
				(const char *[]){ st->id });
		if (!res)
			return false;
		bool answered = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0,
				COL(WF_SUPPLEMENT_GET, state)), "answered");
		PQclear(res);
		if (!answered)
			return step_refuse(st, SERVICE_CONFLICT,
					"申请内容不明确的，应当先告知补正（条例第三十条）；只有申请人补正后仍不明确的，才能答复“补正后申请内容仍不明确”", NULL);
	}
	if (!strcmp(o->code, "reject_mass")) {
		enum reasons_state state;
		int32_t asked, answer_by;
		if (!load_reasons(st, &state, &asked, &answer_by))
			return false;
		if (state == REASONS_NONE)
			return step_refuse(st, SERVICE_CONFLICT,
					"以“无正当理由大量反复申请”不予处理前，应当先要求申请人说明理由（条例第三十五条）", NULL);
		if (state == REASONS_PENDING)
			return step_refusef(st, SERVICE_CONFLICT, NULL,
				       "申请人说明理由的期限至%s：收到理由或期限届满后才能作出不予处理（条例第三十五条）",
				       step_date_cn(st, answer_by));
	}
	return true;
}

void step_conclude(struct step *st, enum wf_status status, const char *outcome, int32_t on)
{
	st->status = status;
	st->notice_outcome = outcome;
	/* Table 三 counts a request by its first conclusion only
	 * (docs/report.md): after a redo the row keeps it; the new one is in
	 * the events and the notice. */
	if (st->redo) {
		step_data_bool(st, "redo", true);
		return;
	}
	st->outcome = outcome;
	st->concluded = outcome != NULL;
	st->concluded_on = on;
}

void step_reply_outcome(struct step *st, const struct wf_outcome *o, const char *basis,
			int32_t on)
{
	step_data_str(st, "outcome", o->code);
	step_data_str(st, "basis", basis);
	step_conclude(st, WF_ANSWERED, o->code, on);
	step_set_notice(st, "reply", wf_notice_template(o->notice), wf_notice_title(o->notice));
	step_notice_str(st, "outcome_label", o->label);
	step_notice_str(st, "basis", basis);
}

/* A correction is answered with a correction's outcome, a disclosure
 * request with a disclosure's (sql/035, requests_outcome_fits_kind). */
static bool outcome_fits_kind(struct step *st, const struct wf_outcome *o)
{
	if (o->correction == st->correction)
		return true;
	return step_refuse(st, SERVICE_BAD_INPUT, st->correction
			   ? "更正申请的答复结果应为：已更正（corrected）、告知有权更正的机关（referred）或不予更正（refused）"
			   : "“已更正”“告知有权更正的机关”“不予更正”只用于更正申请：请选择政府信息公开申请的答复结果",
			   "outcome");
}

/*
 * The reply to a correction (Art. 41): corrected (the text says what now
 * stands), referred (names the agency with the power to correct it), or
 * refused (with the reasons, which Art. 41 requires). notices/correction,
 * 更正申请答复书; the applicant hears of it as of any reply.
 */
static bool reply_correction(struct step *st, const struct wf_outcome *o)
{
	bool referred = !strcmp(o->code, "referred"), refused = !strcmp(o->code, "refused");
	const char *text, *reason, *other_agency;
	int32_t d;
	if (!step_in_text(st, "text", true, "答复内容", &text) ||
	    !step_in_text(st, "reason", refused, "不予更正的理由", &reason) ||
	    !step_in_text(st, "other_agency", referred, "有权更正的机关", &other_agency) ||
	    !step_attach_files(st, "files", "reply") || !step_date(st, "date", &d))
		return false;
	if (!refused)
		reason = NULL;
	if (!referred)
		other_agency = NULL;
	st->notice_no = step_in_str(st, "notice_no");
	st->effective = d;
	step_reply_outcome(st, o, o->basis, d);
	step_data_str(st, "reason", reason);
	step_data_str(st, "other_agency", other_agency);
	step_data_date(st, "replied_on", d);
	json_object_object_add(st->notice_model, o->code, json_object_new_boolean(1));
	step_notice_str(st, "text", text);
	step_notice_str(st, "reason", reason);
	step_notice_str(st, "other_agency", step_clause(st, other_agency));
	return true;
}

bool do_reply(struct step *st)
{
	const struct wf_outcome *o = wf_outcome_find(step_in_str(st, "outcome"));
	if (!o || !o->staff_may_choose)
		return step_refuse(st, SERVICE_BAD_INPUT, "请选择答复结果", "outcome");
	if (!outcome_fits_kind(st, o))
		return false;
	if (o->correction)
		return reply_correction(st, o);
	const char *text, *withheld, *other_agency, *channel_info;
	bool must_say_why = o->notice == WF_NOTICE_PARTIAL || o->notice == WF_NOTICE_DENY;
	/* Art. 36(7): the 告知 names the channel the law provides. */
	bool names_channel = o->notice == WF_NOTICE_QUERY;
	if (!step_in_text(st, "text", true, "答复内容", &text) ||
	    !step_in_text(st, "withheld", must_say_why, "不予公开的内容及理由", &withheld) ||
	    !step_in_text(st, "other_agency", false, "负责公开的机关", &other_agency) ||
	    !step_in_text(st, "channel_info", names_channel,
		     "查询获取的途径（有关法律、行政法规规定的办理渠道）", &channel_info) ||
	    !outcome_preconditions(st, o))
		return false;
	/* The released documents themselves (Art. 40: provided in the form
	 * asked for), attached in this step's transaction. */
	if (!step_attach_files(st, "files", "reply") ||
	    !step_publish_with_reply(st, o->code))
		return false;
	if (!names_channel)
		channel_info = NULL;
	int32_t d;
	if (!step_date(st, "date", &d))
		return false;
	const char *basis = o->basis;
	if (o->basis_alt && ((!strcmp(o->code, "disclosed") && step_in_bool(st,
			"already_published")) ||
			     (!strcmp(o->code, "unable_not_held") && other_agency)))
		basis = o->basis_alt;
	st->notice_no = step_in_str(st, "notice_no");
	st->effective = d;
	step_reply_outcome(st, o, basis, d);
	step_data_str(st, "withheld", withheld);
	step_data_str(st, "other_agency", other_agency);
	step_data_str(st, "channel_info", channel_info);
	step_data_date(st, "replied_on", d);
	step_notice_str(st, "reason", wf_outcome_reason(o, basis));
	/* notices/other goes on from "根据…的规定，" with the clerk's text;
	 * notices/unable names the other agency inside its sentence. */
	step_notice_str(st, "text", o->notice == WF_NOTICE_OTHER ? step_sentence(st, text) : text);
	step_notice_str(st, "withheld", withheld);
	step_notice_str(st, "other_agency", step_clause(st, other_agency));
	step_notice_str(st, "channel_info", channel_info);
	return true;
}

bool do_withdraw(struct step *st)
{
	const char *reason;
	int32_t d = st->today;
	if (!step_in_text(st, "reason", false, "撤回理由", &reason))
		return false;
	if (st->actor == ACTOR_STAFF && !step_date(st, "date", &d))
		return false;
	step_data_str(st, "reason", reason);
	st->effective = d;
	/* Withdrawn before receipt: no request, counted nowhere; after: it
	 * ends as `other` in table 三. */
	if (st->has_received)
		step_conclude(st, WF_WITHDRAWN, "other", d);
	else
		st->status = WF_WITHDRAWN;
	return true;
}

/*
 * A review decision (行政复议法 Art. 64) or judgment (行政诉讼法 Art. 70)
 * revoked the reply and ordered a new one: the request is worked again
 * from the day the decision was received, within the period it names
 * (default OGI_REDO_WORKDAYS_DEFAULT working days), and replied again.
 */
static bool order_redo(struct step *st, int32_t decided)
{
	if (!st->concluded || st->status == WF_WITHDRAWN || wf_status_open(st->status))
		return step_refuse(st, SERVICE_CONFLICT, "只有已答复或已终止的申请可以依复议决定或判决重新答复", "redo");
	int days;
	int32_t received;
	if (!step_in_int(st, "redo_workdays", 1, 60, OGI_REDO_WORKDAYS_DEFAULT,
		    "重新答复期限（工作日）", &days) ||
	    !step_in_date(st, "decision_received_on", decided, &received))
		return false;
	if (received < decided || received > st->today)
		return step_refuse(st, SERVICE_BAD_INPUT, "收到决定书的日期应在审结日期与今天之间",
				"decision_received_on");
	if (!step_exec_ok(st, STMT_WF_REQUEST_REDO, 2,
		     (const char *[]){ st->id, step_fmt_date(st->arena, received) }))
		return false;
	step_data_int(st, "days", days);
	step_data_date(st, "decision_received_on", received);
	st->event = "redo_ordered";
	st->effective = received;
	st->status = WF_IN_PROGRESS;
	st->redo = true;
	st->clock_changed = true;
	return true;
}

static bool appeal_decided(struct step *st, const char *appeal)
{
	const char *result = step_in_str(st, "result"), *note;
	int32_t on;
	if (!result || (strcmp(result, "upheld") && strcmp(result, "corrected") &&
			strcmp(result, "other")))
		return step_refuse(st, SERVICE_BAD_INPUT,
				"请选择结果：维持（upheld）、纠正（corrected）或其他（other）", "result");
	if (!step_in_text(st, "note", false, "备注", &note) ||
	    !step_in_date(st, "decided_on", st->today, &on))
		return false;
	if (on > st->today)
		return step_refuse(st, SERVICE_BAD_INPUT, "审结日期不能晚于今天", "decided_on");
	const char *params[] = { st->id, appeal, result, step_fmt_date(st->arena, on), note };
	PGresult *res = step_exec(st, STMT_WF_APPEAL_DECIDE, 5, params);
	if (!res)
		return false;
	bool found = PQntuples(res) == 1;
	PQclear(res);
	if (!found)
		return step_refuse(st, SERVICE_CONFLICT, "没有这项尚未审结的复议或诉讼，或审结日期早于立案日期", "appeal_id");
	step_data_int(st, "appeal_id", atoll(appeal));
	step_data_str(st, "result", result);
	step_data_date(st, "decided_on", on);
	st->effective = on;
	st->event = "appeal_decided";
	return !strcmp(result, "corrected") && step_in_bool(st, "redo") ? order_redo(st, on) : true;
}

bool do_appeal(struct step *st)
{
	/* Any request may be appealed, an unconfirmed or discarded one too:
	 * not handling it is itself an act that can be challenged
	 * (non-performance, 不履行法定职责; Art. 51). */
	int32_t from = st->has_received ? st->received : st->submitted_on;
	const char *appeal = step_in_str(st, "appeal_id");
	if (appeal) {
		if (strspn(appeal, "0123456789") != strlen(appeal) || strlen(appeal) > 18)
			return step_refuse(st, SERVICE_BAD_INPUT, "appeal_id 应为数字", "appeal_id");
		return appeal_decided(st, appeal);
	}
	const char *kind = step_in_str(st, "kind"), *body, *note, *result = step_in_str(st,
			"result");
	if (!kind || (strcmp(kind, "review") && strcmp(kind, "suit_direct") &&
		      strcmp(kind, "suit_after_review")))
		return step_refuse(st, SERVICE_BAD_INPUT,
				"请选择类型：行政复议（review）、直接起诉（suit_direct）或复议后起诉（suit_after_review）", "kind");
	if (!step_in_text(st, "body", false, "复议机关或法院", &body) ||
	    !step_in_text(st, "note", false, "备注", &note))
		return false;
	int32_t filed, decided = 0;
	if (!step_in_str(st, "filed_on"))
		return step_refuse(st, SERVICE_BAD_INPUT, "请填写立案（申请）日期", "filed_on");
	if (!step_in_date(st, "filed_on", st->today, &filed))
		return false;
	if (filed > st->today || filed < from)
		return step_refuse(st, SERVICE_BAD_INPUT, "立案日期应在提交（收到）申请之日与今天之间", "filed_on");
	if (!result)
		result = "pending";
	if (strcmp(result, "pending") && strcmp(result, "upheld") &&
	    strcmp(result, "corrected") && strcmp(result, "other"))
		return step_refuse(st, SERVICE_BAD_INPUT, "结果应为 upheld、corrected、other 或 pending",
				"result");
	bool pending = !strcmp(result, "pending");
	if (!pending) {
		if (!step_in_str(st, "decided_on"))
			return step_refuse(st, SERVICE_BAD_INPUT, "已审结的请填写审结日期", "decided_on");
		if (!step_in_date(st, "decided_on", st->today, &decided))
			return false;
		if (decided < filed || decided > st->today)
			return step_refuse(st, SERVICE_BAD_INPUT, "审结日期应在立案日期与今天之间", "decided_on");
	}
	const char *params[] = { st->id, kind, body, step_fmt_date(st->arena, filed), result,
				 pending ? NULL : step_fmt_date(st->arena, decided), note };
	PGresult *res = step_exec(st, STMT_WF_APPEAL_ADD, 7, params);
	if (!res)
		return false;
	step_data_int(st, "appeal_id", atoll(PQgetvalue(res, 0, COL(WF_APPEAL_ADD, id))));
	PQclear(res);
	step_data_str(st, "kind", kind);
	step_data_str(st, "body", body);
	step_data_date(st, "filed_on", filed);
	step_data_str(st, "result", result);
	if (!pending)
		step_data_date(st, "decided_on", decided);
	st->effective = filed;
	if (!strcmp(result, "corrected") && step_in_bool(st, "redo"))
		return order_redo(st, decided);
	return true;
}

bool do_note(struct step *st)
{
	const char *text;
	if (!step_in_text(st, "text", true, "备注内容", &text))
		return false;
	step_data_str(st, "text", text);
	return true;
}

bool do_assign(struct step *st)
{
	const char *lower = step_in_lower(st, "to"), *staff_id = NULL;
	if (lower) {
		const char *params[] = { lower, st->agency_id };
		PGresult *res = step_exec(st, STMT_WF_STAFF_FOR_ASSIGN, 2, params);
		if (!res)
			return false;
		if (PQntuples(res) != 1) {
			PQclear(res);
			return step_refuse(st, SERVICE_BAD_INPUT, "没有这个经办人：应为本机关启用中的经办人或负责人", "to");
		}
		staff_id = step_copy_value(st, res, 0, COL(WF_STAFF_FOR_ASSIGN, id));
		step_data_str(st, "display_name", PQgetvalue(res, 0, COL(WF_STAFF_FOR_ASSIGN,
				display_name)));
		PQclear(res);
		step_data_str(st, "to", lower);
		step_data_int(st, "staff_id", atoll(staff_id));
	}
	const char *params[] = { st->id, staff_id };
	return step_exec_ok(st, STMT_WF_REQUEST_ASSIGN, 2, params);
}

/* A request the applicant gave up by letting their period end (a 补正,
 * Art. 30; a fee, the 2020 measures): closed as `outcome` on the first day
 * after the period's last day, with the 告知书 of notices/closing
 * (`which`: no_supplement, no_fee). */
static void close_as_given_up(struct step *st, int32_t last_day, const char *outcome,
			      const char *which)
{
	int32_t on = last_day + 1 > st->received ? last_day + 1 : st->received;
	st->effective = on;
	step_conclude(st, WF_CLOSED, outcome, on);
	/* Addressed to the applicant ("您"), the period's last day named once
	 * (issue 15: the notices proof-read). */
	step_set_notice(st, "other", "notices/closing", wf_notice_title(WF_NOTICE_OTHER));
	step_notice_str(st, "basis", wf_outcome_find(outcome)->basis);
	step_notice_str(st, "last_day_text", step_date_cn(st, last_day));
	json_object_object_add(st->notice_model, which, json_object_new_boolean(1));
}

bool do_expire_supplement(struct step *st)
{
	PGresult *res = step_exec(st, STMT_WF_SUPPLEMENT_GET, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	int32_t answer_by = PQntuples(res) == 1 ? step_value_date(res, 0, COL(WF_SUPPLEMENT_GET,
			answer_by)) : 0;
	bool asked = PQntuples(res) == 1 && !strcmp(PQgetvalue(res, 0, COL(WF_SUPPLEMENT_GET,
			state)), "asked");
	PQclear(res);
	if (!asked)
		return step_refuse(st, SERVICE_CONFLICT, "该申请没有待补正的事项", NULL);
	if (!window_over(answer_by, st->today))
		return step_refusef(st, SERVICE_CONFLICT, NULL, "补正期限至%s，尚未届满", step_date_cn(st,
				answer_by));
	if (!step_exec_ok(st, STMT_WF_SUPPLEMENT_EXPIRE, 1, (const char *[]){ st->id }))
		return false;
	step_data_date(st, "answer_by", answer_by);
	close_as_given_up(st, answer_by, "other_no_supplement", "no_supplement");
	return true;
}

bool do_expire_fee(struct step *st)
{
	const char *fee;
	int32_t notice_on, pay_by, delivered;
	if (!step_pending_fee(st, &fee, &notice_on, &pay_by, &delivered))
		return false;
	if (!pay_by)
		return step_refuse(st, SERVICE_CONFLICT, "收费通知尚未送达，缴费期限尚未开始计算", NULL);
	if (!window_over(pay_by, st->today))
		return step_refusef(st, SERVICE_CONFLICT, NULL, "缴费期限至%s，尚未届满", step_date_cn(st,
				pay_by));
	const char *params[] = { st->id, fee, "expired", NULL };
	if (!step_exec_ok(st, STMT_WF_FEE_SET, 4, params))
		return false;
	step_data_int(st, "fee_id", atoll(fee));
	step_data_date(st, "pay_by", pay_by);
	close_as_given_up(st, pay_by, "other_no_fee", "no_fee");
	return true;
}
