/* workflow_steps: the steps from receipt to fees (workflow_internal.h). */
#include "service/workflow_internal.h"

/* ---- the steps ----------------------------------------------------------- */

/* The receipt names the day received and the reply period from it
 * (Art. 33: 20 working days; 15 before 2019-05-15, the 2008 Regulations);
 * the due date is filled in by step_finish_notice_due(). An online
 * request is received the day it is confirmed (Art. 31). */
void step_receipt_notice(struct step *st)
{
	step_set_notice(st, "acknowledgement", "notices/receipt", "政府信息公开申请受理回执");
	char reply[16];
	snprintf(reply, sizeof reply, "%d", ogi_reply_workdays(st->received));
	step_notice_str(st, "reply_workdays", reply);
	if (ogi_rules_2008(st->received))
		json_object_object_add(st->notice_model, "rules_2008", json_object_new_boolean(1));
	if (st->channel && !strcmp(st->channel, "online"))
		json_object_object_add(st->notice_model, "online", json_object_new_boolean(1));
}

bool do_confirm(struct step *st)
{
	int32_t d;
	if (!step_in_date(st, "date", st->today, &d))
		return false;
	if (d > st->today)
		return step_refuse(st, SERVICE_BAD_INPUT, "收到申请的日期不能晚于今天", "date");
	if (d < st->submitted_on)
		return step_refusef(st, SERVICE_BAD_INPUT, "date", "收到申请的日期不能早于在线提交之日（%s）",
			       step_date_cn(st, st->submitted_on));
	if (!step_backdate_allowed(st, "date", d))
		return false;
	st->has_received = true;
	st->received = d;
	st->backdated = d < st->today;
	st->effective = d;
	st->status = WF_IN_PROGRESS;
	st->clock_changed = true;
	step_data_date(st, "received_on", d);
	if (st->backdated)
		json_object_object_add(st->data, "backdated", json_object_new_boolean(1));
	step_receipt_notice(st);
	return true;
}

/* Only a submission with nothing to answer is discarded (ogi-rules.md,
 * "Online submissions"): a petition or complaint sent through the form
 * gets a written reply instead (Art. 39, reject_petition) and is counted. */
bool do_discard(struct step *st)
{
	const char *reason, *code = step_in_str(st, "reason_code");
	if (!code || (strcmp(code, "empty") && strcmp(code, "test") &&
		      strcmp(code, "duplicate")))
		return step_refuse(st, SERVICE_BAD_INPUT,
				"请选择作废原因：无可答复的内容（empty）、测试（test）或重复提交（duplicate）；信访、举报、投诉应予书面答复，不能作废", "reason_code");
	if (!step_in_text(st, "reason", false, "作废理由", &reason))
		return false;
	step_data_str(st, "reason_code", code);
	step_data_str(st, "reason", reason);
	st->status = WF_DISCARDED;
	return true;
}

/*
 * The applicant's period for a supplement (Art. 30) or for stating
 * reasons (Art. 35): `answer_by`, or `period_workdays` working days from
 * `from` (the day the applicant is asked; the agency's
 * supplement_workdays, default 10), after that day.
 */
bool step_applicant_period(struct step *st, const char *what, int32_t from,
			     int32_t *answer_by)
{
	int period;
	int def = step_setting_int(st, "supplement_workdays", 1, 60, DEFAULT_SUPPLEMENT_WORKDAYS);
	char label[64];
	snprintf(label, sizeof label, "%s（工作日）", what);
	if (!step_in_int(st, "period_workdays", 1, 60, def, arena_strdup(st->arena, label),
			&period))
		return false;
	if (!step_in_date(st, "answer_by", window_last_day(st->cal, from, period), answer_by))
		return false;
	if (*answer_by <= from)
		return step_refusef(st, SERVICE_BAD_INPUT, "answer_by", "%s应晚于%s", what,
			       from == st->today ? "今天" : step_date_cn(st, from));
	return true;
}

bool do_supplement(struct step *st)
{
	const char *what;
	if (!step_in_text(st, "what", true, "需要补正的内容", &what))
		return false;
	PGresult *res = step_exec(st, STMT_WF_SUPPLEMENT_GET, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	bool asked = PQntuples(res) > 0;
	PQclear(res);
	if (asked)
		return step_refuse(st, SERVICE_CONFLICT, "已经告知过补正：补正应一次性告知（条例第三十条），不能再次要求补正", NULL);
	/* Back-datable like the other steps: a 补正告知书 sent on paper and
	 * recorded later counts from the day it was sent. */
	int32_t d;
	if (!step_date(st, "date", &d))
		return false;
	if (!supplement_request_allowed(st->cal, st->received, d))
		return step_refusef(st, SERVICE_CONFLICT, NULL,
			       "收到申请之日（%s）起7个工作日的补正告知期限已于%s届满，不能再要求补正（条例第三十条）",
			       step_date_cn(st, st->received),
			       step_date_cn(st, window_last_day(st->cal, st->received,
							   OGI_SUPPLEMENT_WINDOW_WORKDAYS)));
	int32_t answer_by;
	if (!step_applicant_period(st, "补正期限", d, &answer_by))
		return false;
	const char *params[] = { st->id, step_fmt_date(st->arena, d), what,
				 step_fmt_date(st->arena, answer_by) };
	if (!step_exec_ok(st, STMT_WF_SUPPLEMENT_ADD, 4, params))
		return false;
	step_data_str(st, "what", what);
	step_data_date(st, "answer_by", answer_by);
	st->effective = d;
	st->status = WF_AWAITING_SUPPLEMENT;
	st->clock_changed = true;
	step_set_notice(st, "supplement", "notices/supplement", "政府信息公开申请补正告知书");
	step_notice_str(st, "what", what);
	step_notice_str(st, "answer_by_text", step_date_cn(st, answer_by));
	return true;
}

/*
 * Art. 30: a supplement after its answer-by date counts only with a good
 * reason (正当理由), accepted by staff with the reason written down; the
 * applicant is told to contact the office.
 */
static bool late_supplement_accepted(struct step *st, int32_t answer_by)
{
	const char *reason;
	if (st->actor != ACTOR_STAFF)
		return step_refusef(st, SERVICE_CONFLICT, NULL,
			       "补正期限已于%s届满，不能再提交补正材料；如有正当理由，请与办理机关联系",
			       step_date_cn(st, answer_by));
	if (!step_in_text(st, "late_reason", false, "逾期补正的正当理由", &reason))
		return false;
	if (!reason)
		return step_refusef(st, SERVICE_BAD_INPUT, "late_reason",
			       "补正期限已于%s届满：逾期补正须写明正当理由（条例第三十条）",
			       step_date_cn(st, answer_by));
	step_data_str(st, "late_reason", reason);
	step_data_date(st, "answer_by", answer_by);
	return true;
}

/*
 * A request closed for want of a supplement (other_no_supplement) may be
 * reopened by a late supplement with a good reason within OGI_REOPEN_DAYS
 * of its closing: the closing, a procedural step and not an answer, is
 * annulled with its notice, and the request is worked again, the clock
 * restarting from the supplement's receipt (Art. 30). Table 三 then counts
 * it by its eventual reply; a published report shows the change as a
 * difference (docs/report.md, "Publishing").
 */
static bool reopen_allowed(struct step *st)
{
	if (!st->outcome || strcmp(st->outcome, "other_no_supplement") || st->redo)
		return step_refuse(st, SERVICE_CONFLICT, "只有因逾期未补正而终止的申请可以因逾期补正重新办理", NULL);
	if (st->actor != ACTOR_STAFF)
		return step_refuse(st, SERVICE_CONFLICT, "该申请已因逾期未补正终止；如有正当理由，请与办理机关联系", NULL);
	if (st->today > st->concluded_on + OGI_REOPEN_DAYS)
		return step_refusef(st, SERVICE_CONFLICT, NULL,
			       "该申请已于%s因逾期未补正终止，超过%d日，不能重新办理",
			       step_date_cn(st, st->concluded_on), OGI_REOPEN_DAYS);
	step_data_date(st, "annulled_closing_on", st->concluded_on);
	st->outcome = NULL;
	st->concluded = false;
	st->annul_closing = true;
	return true;
}

bool do_supplement_answered(struct step *st)
{
	const char *text;
	bool applicant = st->actor == ACTOR_APPLICANT;
	if (!step_in_text(st, "text", applicant, "补正内容", &text))
		return false;
	PGresult *res = step_exec(st, STMT_WF_SUPPLEMENT_GET, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return step_refuse(st, SERVICE_CONFLICT, "该申请没有待补正的事项", NULL);
	}
	int32_t asked = step_value_date(res, 0, COL(WF_SUPPLEMENT_GET, asked_on)),
			answer_by = step_value_date(res, 0, COL(WF_SUPPLEMENT_GET, answer_by));
	PQclear(res);
	int32_t d = st->today;
	if (!applicant && !step_date(st, "date", &d))
		return false;
	if (d < asked)
		return step_refusef(st, SERVICE_BAD_INPUT, "date", "收到补正的日期不能早于告知补正之日（%s）",
			       step_date_cn(st, asked));
	if (st->status == WF_CLOSED && !reopen_allowed(st))
		return false;
	if (window_over(answer_by, d) && !late_supplement_accepted(st, answer_by))
		return false;
	/* The 补正's files (issue 15), attached in this transaction. */
	if (!step_attach_files(st, "files", "supplement"))
		return false;
	const char *p1[] = { st->id, step_fmt_date(st->arena, d), text };
	if (!step_exec_ok(st, STMT_WF_SUPPLEMENT_ANSWER, 3, p1))
		return false;
	if (text) {
		const char *p2[] = { st->id, text };
		if (!step_exec_ok(st, STMT_WF_SUPPLEMENT_TEXT_APPEND, 2, p2))
			return false;
	}
	step_data_str(st, "text", text);
	st->effective = d;
	st->status = WF_IN_PROGRESS;
	st->clock_changed = true;
	return true;
}

/* The day the party received a consultation: not before it was sent, not
 * after today. */
static bool receipt_date_ok(struct step *st, int32_t sent, int32_t received, const char *field)
{
	if (received < sent)
		return step_refusef(st, SERVICE_BAD_INPUT, field, "对方收到征求意见书之日不能早于发出之日（%s）",
			       step_date_cn(st, sent));
	if (received > st->today)
		return step_refuse(st, SERVICE_BAD_INPUT, "对方收到征求意见书之日不能晚于今天", field);
	return true;
}

/*
 * How a consultation (征求意见书) reached the party, and the day it was
 * received: its 15 working days run from that day (Art. 32, 34). Handed
 * over or delivered online, it is the day sent; posted, the day the
 * party signed for it, which the agency may learn only later
 * (consult_received): until then `*known` is false and its window has
 * not started. The request's clock is stopped from the day it is sent
 * either way (Art. 33 ¶3).
 */
static bool consultation_receipt(struct step *st, int32_t sent, const char **delivery,
				 bool *known, int32_t *received)
{
	*delivery = step_in_str(st, "delivery");
	if (!*delivery)
		*delivery = "in_person";
	if (strcmp(*delivery, "in_person") && strcmp(*delivery, "online") &&
	    strcmp(*delivery, "post"))
		return step_refuse(st, SERVICE_BAD_INPUT,
				"送达方式应为当面送达（in_person）、网上或电子方式送达（online）或邮寄（post）", "delivery");
	bool same_day = strcmp(*delivery, "post") != 0;
	*known = step_in_str(st, "party_received_on") != NULL || same_day;
	if (!step_in_date(st, "party_received_on", sent, received))
		return false;
	if (same_day && *received != sent)
		return step_refuse(st, SERVICE_BAD_INPUT, "当面或网上送达的，对方收到征求意见书之日即发出之日",
				"party_received_on");
	return !*known || receipt_date_ok(st, sent, *received, "party_received_on");
}

/* The 征求意见书 (Art. 32 a third party, Art. 34 a co-author), addressed
 * to the party, never to the applicant nor shown to them: the
 * information asked for, the 15 working days from the party's receipt
 * (their last day when known), and what silence means. */
static void consultation_notice(struct step *st, const char *party, const char *kind,
				int32_t due)
{
	step_set_notice(st, "consultation", "notices/consultation", "政府信息公开征求意见书");
	/* Addressed as "{party}：" (notices/consultation, the PDF's line). */
	st->notice_addressee = step_clause(st, party);
	step_notice_str(st, "party", st->notice_addressee);
	json_object_object_add(st->notice_model, kind, json_object_new_boolean(1));
	if (due)
		step_notice_str(st, "due_text", step_date_cn(st, due));
}

bool do_consult(struct step *st)
{
	const char *party, *kind = step_in_str(st, "kind"), *delivery;
	if (!step_in_text(st, "party", true, "征求意见的对象", &party))
		return false;
	if (!kind)
		kind = "third_party";
	if (strcmp(kind, "third_party") && strcmp(kind, "co_author"))
		return step_refuse(st, SERVICE_BAD_INPUT,
				"征求意见的对象类型应为第三方（third_party）或共同制作机关（co_author）", "kind");
	int32_t sent, received;
	bool known = false;
	if (!step_date(st, "date", &sent) ||
	    !consultation_receipt(st, sent, &delivery, &known, &received))
		return false;
	int32_t due = known ? consultation_due(st->cal, received) : 0;
	const char *params[] = { st->id, party, kind, step_fmt_date(st->arena, sent),
				 step_opt_date(st->arena, known, due), delivery,
				 step_opt_date(st->arena, known, received) };
	PGresult *res = step_exec(st, STMT_WF_CONSULT_ADD, 7, params);
	if (!res)
		return false;
	step_data_int(st, "consultation_id", atoll(PQgetvalue(res, 0, COL(WF_CONSULT_ADD, id))));
	PQclear(res);
	step_data_str(st, "party", party);
	step_data_str(st, "kind", kind);
	step_data_str(st, "delivery", delivery);
	if (known) {
		step_data_date(st, "party_received_on", received);
		step_data_date(st, "due_on", due);
	}
	st->effective = sent;
	st->status = WF_CONSULTING;
	st->clock_changed = true;
	consultation_notice(st, party, kind, known ? due : 0);
	return true;
}

/* An open consultation: the one named by `consultation_id`, else the only
 * one `wanted` accepts, else the only one open. */
struct open_consultation {
	const char *id, *party;
	int32_t sent, due, received;	/* due, received: 0 while not known */
	int open;			/* how many are open */
};

static bool find_open_consultation(struct step *st, bool (*wanted)(const PGresult *, int),
				   struct open_consultation *out)
{
	const char *which = step_in_str(st, "consultation_id");
	PGresult *res = step_exec(st, STMT_WF_CONSULT_OPEN, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	int open = PQntuples(res), row = -1, candidates = 0;
	for (int i = 0; i < open; i++) {
		if (which ? !strcmp(which, PQgetvalue(res, i, COL(WF_CONSULT_OPEN,
				id))) : wanted(res, i)) {
			row = i;
			candidates++;
		}
	}
	/* None is wanted but one is open: the step's own check names why. */
	if (!which && candidates == 0 && open == 1)
		row = 0, candidates = 1;
	if (row < 0 || candidates > 1) {
		PQclear(res);
		return step_refuse(st, candidates > 1 ? SERVICE_BAD_INPUT : SERVICE_CONFLICT,
			      candidates > 1 ? "有多项正在征求的意见：请指明是哪一项（consultation_id）"
					     : "没有这项正在征求的意见", "consultation_id");
	}
	out->id = step_copy_value(st, res, row, COL(WF_CONSULT_OPEN, id));
	out->party = step_copy_value(st, res, row, COL(WF_CONSULT_OPEN, party));
	out->sent = step_value_date(res, row, COL(WF_CONSULT_OPEN, sent_on));
	out->due = step_value_date(res, row, COL(WF_CONSULT_OPEN, due_on));
	out->received = step_value_date(res, row, COL(WF_CONSULT_OPEN, party_received_on));
	out->open = open;
	PQclear(res);
	return true;
}

static bool any_open(const PGresult *res, int row)
{
	(void)res;
	(void)row;
	return true;
}

static bool receipt_unknown(const PGresult *res, int row)
{
	/* res: rows of STMT_WF_CONSULT_OPEN */
	return PQgetisnull(res, row, COL(WF_CONSULT_OPEN, party_received_on));
}

/* A posted consultation: the day the party received it starts its 15
 * working days (Art. 32, 34). */
bool do_consult_received(struct step *st)
{
	struct open_consultation c;
	int32_t d;
	if (!find_open_consultation(st, receipt_unknown, &c))
		return false;
	if (c.received)
		return step_refusef(st, SERVICE_CONFLICT, NULL, "已记录对方于%s收到征求意见书",
			       step_date_cn(st, c.received));
	if (!step_in_str(st, "date"))
		return step_refuse(st, SERVICE_BAD_INPUT, "请填写对方收到征求意见书的日期", "date");
	if (!step_in_date(st, "date", st->today, &d) || !receipt_date_ok(st, c.sent, d, "date"))
		return false;
	int32_t due = consultation_due(st->cal, d);
	const char *params[] = { st->id, c.id, step_fmt_date(st->arena, d), step_fmt_date(st->arena,
			due) };
	if (!step_exec_ok(st, STMT_WF_CONSULT_RECEIPT, 4, params))
		return false;
	step_data_int(st, "consultation_id", atoll(c.id));
	step_data_str(st, "party", c.party);
	step_data_date(st, "party_received_on", d);
	step_data_date(st, "due_on", due);
	st->effective = d;
	return true;
}

/*
 * Art. 32, 34: silence is known only once the party's 15 working days
 * from its receipt are over; the clock stood still until then, and
 * resumes on their last day.
 */
static bool silence_known(struct step *st, const struct open_consultation *c)
{
	if (!c->received)
		return step_refuse(st, SERVICE_CONFLICT,
				"尚未记录对方收到征求意见书的日期：征求意见的15个工作日自对方收到之日起算（条例第三十二条、第三十四条），期限届满后才能记录逾期未答复", NULL);
	if (!window_over(c->due, st->today))
		return step_refusef(st, SERVICE_CONFLICT, NULL,
			       "对方于%s收到征求意见书，15个工作日的征求意见期限至%s（条例第三十二条、第三十四条），届满后才能记录逾期未答复",
			       step_date_cn(st, c->received), step_date_cn(st, c->due));
	return true;
}

bool do_consult_answered(struct step *st)
{
	const char *result = step_in_str(st, "result"), *answer;
	if (!result || (strcmp(result, "consent") && strcmp(result, "objection") &&
			strcmp(result, "silence")))
		return step_refuse(st, SERVICE_BAD_INPUT,
				"请选择意见：同意（consent）、不同意（objection）或逾期未答复（silence）", "result");
	if (!step_in_text(st, "answer", false, "意见内容", &answer))
		return false;
	struct open_consultation c;
	if (!find_open_consultation(st, any_open, &c))
		return false;
	bool silence = !strcmp(result, "silence");
	int32_t d;
	if (silence) {
		if (!silence_known(st, &c))
			return false;
		d = c.due;
	} else {
		if (!step_date(st, "date", &d))
			return false;
		if (d < c.sent)
			return step_refuse(st, SERVICE_BAD_INPUT, "答复日期不能早于征求意见之日", "date");
		if (c.received && d < c.received)
			return step_refuse(st, SERVICE_BAD_INPUT, "答复日期不能早于对方收到征求意见书之日", "date");
	}
	const char *params[] = { st->id, c.id, silence ? NULL : step_fmt_date(st->arena, d),
				 answer, result };
	if (!step_exec_ok(st, STMT_WF_CONSULT_ANSWER, 5, params))
		return false;
	step_data_int(st, "consultation_id", atoll(c.id));
	step_data_str(st, "party", c.party);
	step_data_str(st, "result", result);
	step_data_str(st, "answer", answer);
	st->effective = d;
	st->status = c.open > 1 ? WF_CONSULTING : WF_IN_PROGRESS;
	st->clock_changed = true;
	return true;
}

/* The extensions of the request: the open proposal (id, proposer) and the
 * approved total. */
struct extensions {
	const char *open_id;
	long long open_by;
	int open_days;
	int approved_days;
	int approved_count;
};

static bool load_extensions(struct step *st, struct extensions *x)
{
	memset(x, 0, sizeof *x);
	PGresult *res = step_exec(st, STMT_WF_EXTENSIONS, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	for (int i = 0; i < PQntuples(res); i++) {
		const char *state = PQgetvalue(res, i, COL(WF_EXTENSIONS, state));
		if (!strcmp(state, "proposed")) {
			x->open_id = step_copy_value(st, res, i, COL(WF_EXTENSIONS, id));
			x->open_by = atoll(PQgetvalue(res, i, COL(WF_EXTENSIONS, proposed_by)));
			x->open_days = atoi(PQgetvalue(res, i, COL(WF_EXTENSIONS, days)));
		} else if (!strcmp(state, "approved")) {
			x->approved_days += atoi(PQgetvalue(res, i, COL(WF_EXTENSIONS, days)));
			x->approved_count++;
		}
	}
	PQclear(res);
	return true;
}

/*
 * Art. 33 ¶2: the extension is consented to and the applicant told within
 * the period it extends; once the request is overdue it cannot cure the
 * delay. (Without a computable deadline there is nothing to judge: the
 * step's own save then reports the problem.)
 */
static bool extension_in_time(struct step *st)
{
	struct deadline dl;
	if (!workflow_deadline(st->db, st->cal, st->id, &dl) ||
	    extension_allowed(st->cal, &dl, st->today))
		return true;
	return step_refusef(st, SERVICE_CONFLICT, NULL,
		       "答复期限已于%s届满：延期须在答复期限内经负责人同意并告知申请人，期限届满后不能再延期（条例第三十三条）",
		       step_date_cn(st, dl.due));
}

/*
 * The days an extension asks for: at most 20 (Art. 33 ¶2), or 15 for a
 * request received before 2019-05-15, which the 2008 Regulations govern
 * (their Art. 24 ¶2). Checked before the timing, so that the rule on the
 * length is named whenever it is broken.
 */
static bool extension_days(struct step *st, int *days)
{
	int max = st->has_received ? ogi_extension_max_workdays(st->received)
				   : OGI_EXTENSION_MAX_WORKDAYS;
	if (!step_in_int(st, "days", 1, OGI_EXTENSION_MAX_WORKDAYS, max, "延长的工作日数", days))
		return false;
	if (*days > max)
		return step_refusef(st, SERVICE_BAD_INPUT, "days",
			       "该申请于%s收到，适用2008年5月1日起施行的《中华人民共和国政府信息公开条例》第二十四条第二款：延长答复的期限最长不得超过%d个工作日",
			       step_date_cn(st, st->received), max);
	return true;
}

bool do_extend(struct step *st)
{
	struct extensions x;
	const char *reason;
	if (!step_in_text(st, "reason", true, "延期理由", &reason) || !load_extensions(st, &x))
		return false;
	if (x.open_id)
		return step_refuse(st, SERVICE_CONFLICT, "已有一项延期申请等待负责人审批，不能重复申请", NULL);
	/* Art. 33 ¶2: extended once, by at most 20 working days. */
	if (x.approved_count)
		return step_refuse(st, SERVICE_CONFLICT, "该申请已经延期，不能再次延期（条例第三十三条）", NULL);
	int days;
	if (!extension_days(st, &days) || !extension_in_time(st))
		return false;
	char d[16];
	snprintf(d, sizeof d, "%d", days);
	const char *params[] = { st->id, st->ctx->staff->staff_id_text, reason, d };
	PGresult *res = step_exec(st, STMT_WF_EXTENSION_ADD, 4, params);
	if (!res)
		return false;
	step_data_int(st, "extension_id", atoll(PQgetvalue(res, 0, COL(WF_EXTENSION_ADD, id))));
	PQclear(res);
	step_data_int(st, "days", days);
	step_data_str(st, "reason", reason);
	return true;
}

bool do_decide_extension(struct step *st, bool approve)
{
	struct extensions x;
	const char *reason;
	if (!step_in_text(st, "reason", false, "审批意见", &reason) || !load_extensions(st, &x))
		return false;
	if (!x.open_id)
		return step_refuse(st, SERVICE_CONFLICT, "没有等待审批的延期申请", NULL);
	if (x.open_by == st->ctx->staff->staff_id)
		return step_refuse(st, SERVICE_FORBIDDEN, "不能审批自己提出的延期申请", NULL);
	if (approve && !extension_in_time(st))
		return false;
	const char *params[] = { st->id, x.open_id, approve ? "approved" : "refused",
				 st->ctx->staff->staff_id_text };
	PGresult *res = step_exec(st, STMT_WF_EXTENSION_DECIDE, 4, params);
	if (!res)
		return false;
	const char *proposal_reason = PQntuples(res) ? step_copy_value(st, res, 0,
			COL(WF_EXTENSION_DECIDE, reason)) : "";
	PQclear(res);
	step_data_int(st, "extension_id", atoll(x.open_id));
	step_data_int(st, "days", x.open_days);
	step_data_str(st, "reason", reason);
	if (!approve)
		return true;
	st->clock_changed = true;
	/* The applicant is told (Art. 33 ¶2): the notice names the new date,
	 * filled in by step_finish_extension_notice() once it is computed. */
	step_set_notice(st, "extension", "notices/extension", "延期答复告知书");
	char days[16];
	snprintf(days, sizeof days, "%d", x.open_days);
	step_notice_str(st, "days", days);
	step_notice_str(st, "reason", step_clause(st, proposal_reason));
	/* The period it extends and its article: Art. 33 ¶2, or the 2008
	 * Regulations' Art. 24 ¶2 for a request received before 2019-05-15. */
	char reply[16];
	snprintf(reply, sizeof reply, "%d", ogi_reply_workdays(st->received));
	step_notice_str(st, "reply_workdays", reply);
	if (ogi_rules_2008(st->received))
		json_object_object_add(st->notice_model, "rules_2008", json_object_new_boolean(1));
	return true;
}

/* How the fee notice reaches the applicant: `delivery` (handed, online,
 * post); by default online for an online request, else handed over. */
static bool fee_delivery(struct step *st, const char **out)
{
	const char *d = step_in_str(st, "delivery");
	if (!d)
		d = st->channel && !strcmp(st->channel, "online") ? "online" : "handed";
	if (strcmp(d, "handed") && strcmp(d, "online") && strcmp(d, "post"))
		return step_refuse(st, SERVICE_BAD_INPUT,
				"请选择送达方式：当面送达（handed）、在线送达（online）或邮寄（post）", "delivery");
	*out = d;
	return true;
}

bool do_fee_notice(struct step *st)
{
	const char *method = step_in_str(st, "method");
	if (!method || (strcmp(method, "per_request") && strcmp(method, "per_page")))
		return step_refuse(st, SERVICE_BAD_INPUT, "请选择计费方式：按件（per_request）或按量（per_page）",
				"method");
	int units;
	long long amount;
	if (!strcmp(method, "per_page")) {
		if (!step_in_int(st, "pages", 1, 1000000, 0, "页数", &units))
			return false;
		if (units == 0)
			return step_refuse(st, SERVICE_BAD_INPUT, "按量计收时请填写页数", "pages");
		amount = fee_per_page(units);
		if (!amount)
			return step_refusef(st, SERVICE_CONFLICT, NULL, "按量计收：%d页不超过30页，不收费",
					units);
	} else {
		if (!st->id_number_hash && !st->credit_code)
			return step_refuse(st, SERVICE_CONFLICT, "无法识别申请人（没有证件号码或统一社会信用代码），不能按件计收",
					NULL);
		const char *params[] = { st->agency_id, st->id_number_hash, st->credit_code,
					 step_fmt_date(st->arena, st->received), st->id };
		PGresult *res = step_exec(st, STMT_WF_FEE_ORDINAL, 5, params);
		if (!res)
			return false;
		units = atoi(PQgetvalue(res, 0, COL(WF_FEE_ORDINAL, ordinal)));
		PQclear(res);
		amount = fee_per_request(units);
		if (!amount)
			return step_refusef(st, SERVICE_CONFLICT, NULL,
				       "按件计收：这是该申请人本月第%d件申请，每月前10件不收费", units);
	}
	/* The period runs from the applicant's receipt of the notice (2020
	 * measures: 自收到本通知之日起20个工作日内; issue 11, item 9):
	 * handed over or shown online, that is the day issued; posted, the
	 * day of delivery entered later (fee_notice_delivered), and until
	 * then there is no pay_by and nothing closes the request. */
	const char *delivery = NULL;
	if (!fee_delivery(st, &delivery))
		return false;
	bool posted = !strcmp(delivery, "post");
	int days = step_setting_int(st, "fee_pay_workdays", 1, 60, DEFAULT_FEE_PAY_WORKDAYS);
	int32_t pay_by = 0;
	if (posted && step_in_str(st, "pay_by"))
		return step_refuse(st, SERVICE_BAD_INPUT, "邮寄送达的收费通知，缴费期限自送达之日起计算：请在送达后录入送达日期",
				"pay_by");
	if (!posted && !step_in_date(st, "pay_by", window_last_day(st->cal, st->today, days),
			&pay_by))
		return false;
	if (!posted && pay_by <= st->today)
		return step_refuse(st, SERVICE_BAD_INPUT, "缴费期限应晚于今天", "pay_by");
	char u[16], a[32];
	snprintf(u, sizeof u, "%d", units);
	snprintf(a, sizeof a, "%lld.00", amount);
	const char *params[] = { st->id, method, u, a, step_fmt_date(st->arena, st->today),
				 step_opt_date(st->arena, !posted, pay_by), delivery,
				 step_opt_date(st->arena, !posted, st->today) };
	PGresult *res = step_exec(st, STMT_WF_FEE_ADD, 8, params);
	if (!res)
		return false;
	step_data_int(st, "fee_id", atoll(PQgetvalue(res, 0, COL(WF_FEE_ADD, id))));
	PQclear(res);
	step_data_str(st, "method", method);
	step_data_int(st, "units", units);
	step_data_str(st, "amount_yuan", a);
	step_data_str(st, "delivery", delivery);
	if (!posted)
		step_data_date(st, "pay_by", pay_by);
	st->status = WF_AWAITING_FEE;
	st->clock_changed = true;
	step_set_notice(st, "fee", "notices/fee", "政府信息公开信息处理费缴费通知书");
	step_notice_str(st, "method_text", !strcmp(method, "per_page") ? "按量计收" : "按件计收");
	step_notice_str(st, "units", u);
	step_notice_str(st, "amount", a);
	/* The measures give the applicant 20 working days from receiving the
	 * notice: the notice states the period, and the day it ends when that
	 * is known (handed over or shown online: received the day issued). */
	char wd[16];
	snprintf(wd, sizeof wd, "%d", posted ? days : workdays_between(st->cal, st->today, pay_by));
	step_notice_str(st, "pay_workdays", wd);
	if (!posted)
		step_notice_str(st, "pay_by_text", step_date_cn(st, pay_by));
	step_notice_str(st, "remedy_subject", "通知");
	if (!strcmp(method, "per_page"))
		json_object_object_add(st->notice_model, "per_page", json_object_new_boolean(1));
	return true;
}

/* The pending fee: its id and dates; false (409) when there is none. */
bool step_pending_fee(struct step *st, const char **id, int32_t *notice_on, int32_t *pay_by,
			int32_t *delivered_on)
{
	PGresult *res = step_exec(st, STMT_WF_FEE_PENDING, 1, (const char *[]){ st->id });
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return step_refuse(st, SERVICE_CONFLICT, "该申请没有待缴的信息处理费", NULL);
	}
	*id = step_copy_value(st, res, 0, COL(WF_FEE_PENDING, id));
	*notice_on = step_value_date(res, 0, COL(WF_FEE_PENDING, notice_on));
	*pay_by = step_value_date(res, 0, COL(WF_FEE_PENDING, pay_by));		/* 0: posted, not yet delivered */
	*delivered_on = step_value_date(res, 0, COL(WF_FEE_PENDING, delivered_on));
	PQclear(res);
	return true;
}

/* A posted fee notice was delivered: the applicant's period runs from
 * that day (issue 11, item 9). */
bool do_fee_delivered(struct step *st)
{
	const char *fee;
	int32_t notice_on, pay_by, delivered, d;
	if (!step_pending_fee(st, &fee, &notice_on, &pay_by, &delivered))
		return false;
	if (delivered)
		return step_refusef(st, SERVICE_CONFLICT, NULL, "收费通知已于%s送达", step_date_cn(st,
				delivered));
	if (!step_date(st, "date", &d))
		return false;
	if (d < notice_on)
		return step_refuse(st, SERVICE_BAD_INPUT, "送达日期不能早于收费通知之日", "date");
	int days = step_setting_int(st, "fee_pay_workdays", 1, 60, DEFAULT_FEE_PAY_WORKDAYS);
	pay_by = window_last_day(st->cal, d, days);
	const char *params[] = { st->id, fee, step_fmt_date(st->arena, d), step_fmt_date(st->arena,
			pay_by) };
	if (!step_exec_ok(st, STMT_WF_FEE_DELIVER, 4, params))
		return false;
	step_data_int(st, "fee_id", atoll(fee));
	step_data_date(st, "delivered_on", d);
	step_data_date(st, "pay_by", pay_by);
	st->effective = d;
	return true;
}

bool do_fee_paid(struct step *st)
{
	const char *fee;
	int32_t notice_on, pay_by, delivered, d;
	if (!step_pending_fee(st, &fee, &notice_on, &pay_by, &delivered) || !step_date(st, "date",
			&d))
		return false;
	if (d < notice_on)
		return step_refuse(st, SERVICE_BAD_INPUT, "缴费日期不能早于收费通知之日", "date");
	if (pay_by && window_over(pay_by, d))
		return step_refusef(st, SERVICE_CONFLICT, NULL, "缴费期限已于%s届满", step_date_cn(st,
				pay_by));
	const char *params[] = { st->id, fee, "paid", step_fmt_date(st->arena, d) };
	if (!step_exec_ok(st, STMT_WF_FEE_SET, 4, params))
		return false;
	step_data_int(st, "fee_id", atoll(fee));
	st->effective = d;
	st->status = WF_IN_PROGRESS;
	st->clock_changed = true;
	return true;
}
