/*
 * workflow_delivery: a notice's delivery on record (送达, issue 14).
 *
 * The applicant's periods run from the day a notice reaches them: the
 * remedies (行政复议法 Art. 20: 60 days from knowing of the decision;
 * 行政诉讼法 Art. 46) and, for a fee notice, the period to pay. Staff
 * record how and when: by post or express with its tracking number (the
 * day the post's record shows it delivered), handed over and signed for
 * on the printable 送达回证, collected, by fax, or by announcement when no
 * other way reached the applicant. E-mail deliveries are recorded by the
 * sender itself (service/notify.stmts, NOTIFY_SENT); a correction by
 * staff is recorded here like any other, and the event log keeps both.
 */
#include "service/workflow_internal.h"
#include "domain/vocab.h"

/* Post and express deliveries name their tracking number. */
static bool needs_ref(const char *method)
{
	return !strcmp(method, "post") || !strcmp(method, "express");
}

static bool delivery_method(struct step *st, const char **out)
{
	const char *m = step_in_str(st, "method");
	if (!m || !*m)
		return step_refuse(st, SERVICE_BAD_INPUT, "请选择送达方式", "method");
	if (!vocab_has(&vocab_notice_delivery, m))
		return step_refuse(st, SERVICE_BAD_INPUT, "送达方式无法识别", "method");
	*out = m;
	return true;
}

bool do_record_delivery(struct step *st)
{
	const char *notice = step_in_str(st, "notice_id"), *method = NULL, *ref = NULL;
	if (!notice || !*notice || strspn(notice, "0123456789") != strlen(notice) ||
	    strlen(notice) > 18)
		return step_refuse(st, SERVICE_BAD_INPUT, "请指明送达的是哪一份文书", "notice_id");
	if (!delivery_method(st, &method))
		return false;
	if (!step_in_text(st, "ref", needs_ref(method), "邮寄或快递的单号", &ref))
		return false;
	if (ref && strlen(ref) > 300)
		return step_refuse(st, SERVICE_BAD_INPUT, "单号或说明不能超过300字节", "ref");
	bool signed_receipt = step_in_bool(st, "receipt_signed");
	PGresult *res = step_exec(st, STMT_WF_NOTICE_GET, 2, (const char *[]){ st->id, notice });
	if (!res)
		return false;
	if (PQntuples(res) != 1) {
		PQclear(res);
		return step_refuse(st, SERVICE_NOT_FOUND, "该申请没有这份文书", "notice_id");
	}
	int32_t issued = step_value_date(res, 0, COL(WF_NOTICE_GET, issued_on));
	PQclear(res);
	int32_t on;
	if (!step_in_date(st, "date", st->today, &on))
		return false;
	if (on < issued || on > st->today)
		return step_refusef(st, SERVICE_BAD_INPUT, "date", "送达日期应在文书作出之日（%s）与今天之间",
				    step_date_cn(st, issued));
	const char *basis = signed_receipt ? "receipt_signed" : "recorded";
	const char *params[] = { st->id, notice, method, step_fmt_date(st->arena, on), ref, basis };
	if (!step_exec_ok(st, STMT_WF_NOTICE_DELIVER, 6, params))
		return false;
	st->effective = on;
	step_data_int(st, "notice_id", atoll(notice));
	step_data_str(st, "delivery_method", method);
	step_data_date(st, "delivered_on", on);
	step_data_str(st, "delivery_ref", ref);
	step_data_str(st, "delivery_basis", basis);
	return true;
}
