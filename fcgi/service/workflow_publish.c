/*
 * workflow_publish: the disclosure log (Art. 44, 转主动公开; issue 18 §2).
 *
 * A disclosed or partial reply may be listed publicly with a public title
 * and summary: in the reply's own step (`"publish": true`) or later by the
 * `publish` step on the concluded request, each in the step's one
 * transaction with its event (the reply's data gains `published`; the
 * later step's event is `published`). The released documents become public
 * only where staff tick them one by one (`public_files`: files of purpose
 * reply of this request). Nothing personal is listed: the title and the
 * summary go through domain/privacy_check — the applicant's own name and
 * anything shaped like an ID number, a phone number or a credit code are
 * refused (422 naming the field); what looks like another person's name
 * is refused until the clerk confirms it (`confirm_names`).
 */
#include "service/workflow_internal.h"

#include "domain/privacy_check.h"

#define TITLE_MAX_CHARS 200
#define SUMMARY_MAX_CHARS 2000

/* One public text: present, short enough, nothing personal in it. */
static bool public_text(struct step *st, const char *key, const char *what, size_t max,
			const char **out)
{
	if (!step_in_text(st, key, true, what, out))
		return false;
	if (utf8_length(*out, strlen(*out)) > max)
		return step_refusef(st, SERVICE_BAD_INPUT, key, "%s不能超过%zu字", what, max);
	struct privacy_finding f;
	enum privacy_level level = privacy_check(*out, st->name, &f);
	if (level == PRIVACY_REFUSE)
		return step_refusef(st, SERVICE_BAD_INPUT, key,
				    "%s含有%s（“%s”），公开目录中不能出现个人信息，请修改后再提交",
				    what, privacy_kind_label(f.kind), f.found);
	if (level == PRIVACY_WARN && !step_in_bool(st, "confirm_names"))
		return step_refusef(st, SERVICE_BAD_INPUT, "confirm_names",
				    "%s中“%s”可能是他人姓名。请删去，或确认不涉及个人信息后勾选“已确认不含他人姓名”",
				    what, f.found);
	return true;
}

/* The ticked files made public with listing `id`, their ids in the
 * event's data. */
static bool publish_files(struct step *st, const char *disclosure_id, struct json_object *data)
{
	long long ids[STEP_FILES_MAX];
	size_t n;
	if (!step_in_file_ids(st, "public_files", ids, &n))
		return false;
	struct json_object *list = json_object_new_array();
	json_object_object_add(data, "public_files", list);
	for (size_t i = 0; i < n; i++) {
		char id[24];
		snprintf(id, sizeof id, "%lld", ids[i]);
		PGresult *res = step_exec(st, STMT_WF_DISCLOSURE_FILE, 2,
					  (const char *[]){ disclosure_id, id });
		if (!res)
			return false;
		bool added = PQntuples(res) == 1;
		PQclear(res);
		if (!added)
			return step_refusef(st, SERVICE_BAD_INPUT, "public_files",
					    "文件 %s 不是本申请答复时提供的文件，不能公开", id);
		json_object_array_add(list, json_object_new_int64(ids[i]));
	}
	return true;
}

/* The listing, its files, and what the event records of them in data. */
static bool publish(struct step *st, const char *outcome, struct json_object *data)
{
	if (!wf_outcome_listable(outcome))
		return step_refuse(st, SERVICE_BAD_INPUT,
				   "只有答复结果为“予以公开”或“部分公开”的申请可以列入公开目录", "publish");
	const char *title, *summary;
	if (!public_text(st, "public_title", "公开标题", TITLE_MAX_CHARS, &title) ||
	    !public_text(st, "public_summary", "公开摘要", SUMMARY_MAX_CHARS, &summary))
		return false;
	const char *p[] = { st->id, st->agency_id, title, summary,
			    st->ctx->staff->staff_id_text };
	PGresult *res = step_exec(st, STMT_WF_DISCLOSURE_INSERT, 5, p);
	if (!res)
		return false;
	bool added = PQntuples(res) == 1;
	const char *id = added ? step_copy_value(st, res, 0, COL(WF_DISCLOSURE_INSERT, id)) : NULL;
	PQclear(res);
	if (!added)
		return step_refuse(st, SERVICE_CONFLICT, "该申请已列入公开目录", "publish");
	json_object_object_add(data, "disclosure_id", json_object_new_int64(atoll(id)));
	json_object_object_add(data, "public_title", json_object_new_string(title));
	json_object_object_add(data, "public_summary", json_object_new_string(summary));
	return publish_files(st, id, data);
}

bool step_publish_with_reply(struct step *st, const char *outcome)
{
	if (!step_in_bool(st, "publish"))
		return true;
	struct json_object *listing = json_object_new_object();
	json_object_object_add(st->data, "published", listing);
	return publish(st, outcome, listing);
}

bool do_publish(struct step *st)
{
	return publish(st, st->outcome, st->data);
}
