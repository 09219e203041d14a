/*
 * workflow_transfer: 转办 (issue 18, section 1), a request sent to the
 * wrong agency of the same government handed to the right one in the
 * step's one transaction (workflow_internal.h):
 *
 *   - the original is replied to as `unable_not_held`, the agency that
 *     holds the information named with its contact (Art. 36(5)), with
 *     its notice (notices/unable) as any such reply;
 *   - a new request is made at that agency as an online submission
 *     awaiting its confirmation (its own clock, Art. 31), the applicant's
 *     fields and the query code's hash copied as stored, so the
 *     applicant's code opens it under its new tracking number;
 *   - the two are linked (requests.transferred_to / transferred_from,
 *     sql/033), each with its event in its own hash chain (`transferred`,
 *     `transferred_in`);
 *   - the applicant is told the new number (message `transferred`,
 *     workflow_messages.c), the target's clerks alerted (new_submission).
 *
 * Only within the top-level government (agency_root): an agency outside
 * the system is answered with the ordinary reply (unable_not_held with
 * other_agency).
 */
#include "service/workflow_internal.h"
#include "service/messages.h"

struct target {
	const char *id, *code, *name, *office_phone;
};

/* The agency named by input `agency`: known, not this one, of the same
 * top-level government, taking requests; else 422 naming the field. */
static bool load_target(struct step *st, struct target *t)
{
	const char *lower = step_in_lower(st, "agency");
	if (!lower)
		return step_refuse(st, SERVICE_BAD_INPUT, "请选择接收转送的机关", "agency");
	PGresult *res = step_exec(st, STMT_WF_TRANSFER_TARGET, 2,
				  (const char *[]){ lower, st->agency_id });
	if (!res)
		return false;
	bool found = PQntuples(res) == 1;
	bool same = found && !strcmp(PQgetvalue(res, 0, COL(WF_TRANSFER_TARGET, same_government)), "t");
	bool accepting = found && !strcmp(PQgetvalue(res, 0, COL(WF_TRANSFER_TARGET, accepting)), "t");
	if (found) {
		t->id = step_copy_value(st, res, 0, COL(WF_TRANSFER_TARGET, id));
		t->code = step_copy_value(st, res, 0, COL(WF_TRANSFER_TARGET, code));
		t->name = step_copy_value(st, res, 0, COL(WF_TRANSFER_TARGET, name));
		t->office_phone = step_copy_value(st, res, 0, COL(WF_TRANSFER_TARGET, office_phone));
	}
	PQclear(res);
	if (!found)
		return step_refuse(st, SERVICE_BAD_INPUT,
				"本系统中没有这个机关；系统外的机关请以“本机关不掌握相关政府信息”答复，并写明负责公开的机关",
				"agency");
	if (!strcmp(t->id, st->agency_id))
		return step_refuse(st, SERVICE_BAD_INPUT, "不能转送给本机关", "agency");
	if (!same)
		return step_refuse(st, SERVICE_BAD_INPUT,
				"只能转送同一人民政府所属的机关；其他政府的机关请以“本机关不掌握相关政府信息”答复，并写明负责公开的机关",
				"agency");
	if (!accepting)
		return step_refuse(st, SERVICE_BAD_INPUT, "该机关目前不接收申请，不能转送", "agency");
	return true;
}

/* The applicant's files copied to the new request (WF_TRANSFER_FILES):
 * their SHA-256s into the arrival event's data, as an upload's go into
 * its step's. */
static bool carry_files(struct step *st, const char *new_id, const char *target_id,
			struct json_object *data)
{
	PGresult *res = step_exec(st, STMT_WF_TRANSFER_FILES, 3,
				  (const char *[]){ st->id, new_id, target_id });
	if (!res)
		return false;
	if (PQntuples(res)) {
		struct json_object *list = json_object_new_array();
		for (int i = 0; i < PQntuples(res); i++)
			json_object_array_add(list, json_object_new_string(
				PQgetvalue(res, i, COL(WF_TRANSFER_FILES, sha256))));
		json_object_object_add(data, "files", list);
	}
	PQclear(res);
	return true;
}

/* The new request's first event, by the member transferring, in its own
 * chain, with the applicant's files; the target's clerks alerted to
 * confirm it (Art. 31). */
static bool record_arrival(struct step *st, const char *new_id, const char *target_id,
			   const char *reason)
{
	struct json_object *data = json_object_new_object();
	if (!carry_files(st, new_id, target_id, data)) {
		json_object_put(data);
		return false;
	}
	json_object_object_add(data, "from_tracking_no", json_object_new_string(st->tracking_no));
	json_object_object_add(data, "from_agency_code", json_object_new_string(st->agency_code));
	json_object_object_add(data, "from_agency_name", json_object_new_string(st->agency_name));
	json_object_object_add(data, "reason", json_object_new_string(reason));
	struct event e = {
		.request_id = new_id,
		.actor_kind = "staff",
		.actor_staff_id = st->ctx->staff->staff_id_text,
		.action = "transferred_in",
		.data = data,
	};
	PGresult *failure = NULL;
	int seq = event_append(st->db, &e, &failure);
	json_object_put(data);
	if (!seq)
		return step_db_failed(st, failure);
	if (!messages_alert_staff(st->db, new_id, seq, "new_submission", NULL))
		return step_refuse(st, SERVICE_UNAVAILABLE,
				   "系统暂时无法办理，您的操作没有保存，请稍后重试", NULL);
	return true;
}

/* The new request at the target, linked both ways; its tracking number. */
static const char *create_at_target(struct step *st, const struct target *t, const char *reason)
{
	PGresult *res = step_exec(st, STMT_WF_TRANSFER_INSERT, 3,
				  (const char *[]){ st->id, t->id, t->code });
	if (!res)
		return NULL;
	const char *new_id = step_copy_value(st, res, 0, COL(WF_TRANSFER_INSERT, id));
	const char *new_no = step_copy_value(st, res, 0, COL(WF_TRANSFER_INSERT, tracking_no));
	PQclear(res);
	if (!step_exec_ok(st, STMT_WF_TRANSFER_LINK, 2, (const char *[]){ st->id, new_id }) ||
	    !record_arrival(st, new_id, t->id, reason))
		return NULL;
	step_data_int(st, "new_request_id", atoll(new_id));
	return new_no;
}

/* Art. 36(5): the agency that holds the information, with its contact. */
static const char *named_with_contact(struct step *st, const struct target *t)
{
	if (!*t->office_phone)
		return t->name;
	size_t n = strlen(t->name) + strlen(t->office_phone) + 32;
	char *s = arena_alloc(st->arena, n);
	snprintf(s, n, "%s（联系电话：%s）", t->name, t->office_phone);
	return s;
}

/*
 * A correction sent to the agency with the power to correct it (Art. 41:
 * 转送有权更正的行政机关处理，并告知申请人) ends as `referred`, its
 * 更正申请答复书 naming the target and the new number.
 */
static void conclude_correction(struct step *st, const char *other_agency, const char *reason,
				const char *new_no)
{
	const struct wf_outcome *o = wf_outcome_find("referred");
	step_reply_outcome(st, o, o->basis, st->today);
	json_object_object_add(st->notice_model, o->code, json_object_new_boolean(1));
	step_notice_str(st, "text", reason);
	step_notice_str(st, "other_agency", other_agency);
	step_notice_str(st, "transfer_no", new_no);
}

bool do_transfer(struct step *st)
{
	const struct wf_outcome *o = wf_outcome_find("unable_not_held");
	const char *reason;
	struct target t = { 0 };
	if (!step_in_text(st, "reason", true, "转送理由", &reason) || !load_target(st, &t))
		return false;
	const char *new_no = create_at_target(st, &t, reason);
	if (!new_no)
		return false;
	const char *other_agency = named_with_contact(st, &t);
	step_data_str(st, "other_agency", other_agency);
	step_data_str(st, "reason", reason);
	step_data_str(st, "new_tracking_no", new_no);
	step_data_str(st, "new_agency_code", t.code);
	step_data_str(st, "new_agency_name", t.name);
	step_data_date(st, "replied_on", st->today);
	if (st->correction) {
		conclude_correction(st, other_agency, reason, new_no);
		return true;
	}
	step_reply_outcome(st, o, o->basis_alt, st->today);
	step_notice_str(st, "reason", wf_outcome_reason(o, o->basis_alt));
	step_notice_str(st, "text", reason);
	step_notice_str(st, "other_agency", other_agency);
	step_notice_str(st, "transfer_no", new_no);
	return true;
}
