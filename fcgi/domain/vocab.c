#include "domain/vocab.h"

#include <string.h>

#include "domain/workflow_rules.h"

#define VOCAB(name, col, ...)						\
	static const struct vocab_term name##_terms[] = { __VA_ARGS__ };	\
	const struct vocab name = {						\
		col, name##_terms, sizeof name##_terms / sizeof name##_terms[0]	\
	}

/* The columns of table 三 (report-format.md); the law's words in full
 * (条例第二十七条: 公民、法人或者其他组织). */
VOCAB(vocab_applicant_kind, "requests.applicant_kind",
	{ "person", "公民（自然人）", "自然人" },
	{ "business", "法人或者其他组织（商业企业）", "商业企业" },
	{ "research", "法人或者其他组织（科研机构）", "科研机构" },
	{ "nonprofit", "法人或者其他组织（社会公益组织）", "社会公益组织" },
	{ "legal_service", "法人或者其他组织（法律服务机构）", "法律服务机构" },
	{ "org_other", "法人或者其他组织（其他）", "其他组织" });

/* The checks per type are in idcheck.h (id_type_of_code maps the code). */
VOCAB(vocab_id_type, "requests.id_type",
	{ "resident_id", "居民身份证", NULL },
	{ "passport", "护照", NULL },
	{ "hk_macao_permit", "港澳居民来往内地通行证", NULL },
	{ "taiwan_permit", "台湾居民来往大陆通行证", NULL },
	{ "foreign_permanent_id", "外国人永久居留身份证", NULL },
	{ "other", "其他证件", NULL });

/* How a request arrived (Art. 29 ¶1, 31). */
VOCAB(vocab_channel, "requests.channel",
	{ "online", "网上提交", NULL },
	{ "in_person", "当面提交", NULL },
	{ "post", "邮寄", NULL },
	{ "fax", "传真", NULL },
	{ "email", "电子邮件", NULL },
	{ "other", "其他方式", NULL });

/* The form the applicant asks the information in (Art. 29 ¶2(3)). */
VOCAB(vocab_provision_form, "requests.provision_forms",
	{ "paper", "纸质", NULL },
	{ "email", "电子邮件", NULL },
	{ "cd", "光盘", NULL },
	{ "disk", "磁盘", NULL });

/* How the applicant wants to obtain it (Art. 29 ¶2(3)). */
VOCAB(vocab_obtain_method, "requests.obtain_methods",
	{ "post", "邮寄", NULL },
	{ "express", "快递", NULL },
	{ "email", "电子邮件", NULL },
	{ "fax", "传真", NULL },
	{ "pickup", "自行领取", NULL },
	{ "on_site", "当场阅读、抄录", NULL });

VOCAB(vocab_staff_role, "staff.role",
	{ "clerk", "经办人", NULL },
	{ "head", "负责人", NULL },
	{ "admin", "系统管理员", NULL });

/* The steps of a request's log, as the staff page lists them. */
VOCAB(vocab_event_action, "request_events.action",
	{ "submitted", "网上提交", NULL },
	{ "confirmed", "确认收到", NULL },
	{ "registered", "登记收到", NULL },
	{ "discarded", "作废", NULL },
	{ "supplement_asked", "告知补正", NULL },
	{ "supplement_received", "收到补正", NULL },
	{ "supplement_expired", "逾期未补正，终止办理", NULL },
	{ "consulted", "征求意见", NULL },
	{ "consult_answered", "记录意见", NULL },
	{ "consult_received", "记录对方收到征求意见书", NULL },
	{ "extension_proposed", "申请延期", NULL },
	{ "extension_approved", "批准延期", NULL },
	{ "extension_refused", "不批准延期", NULL },
	{ "fee_notice", "发出收费通知", NULL },
	{ "fee_notice_delivered", "收费通知送达", NULL },
	{ "notice_delivered", "文书送达", NULL },
	{ "fee_paid", "收到缴费", NULL },
	{ "fee_expired", "逾期未缴费，终止办理", NULL },
	{ "reasons_asked", "要求说明理由", NULL },
	{ "reasons_answered", "收到申请人说明的理由", NULL },
	{ "reasons_expired", "逾期未说明理由，恢复计时", NULL },
	{ "deadline_proposed", "提出延迟答复期限", NULL },
	{ "deadline_set", "批准延迟答复期限", NULL },
	{ "deadline_refused", "不批准延迟答复期限", NULL },
	{ "replied", "答复", NULL },
	{ "withdrawn", "撤回", NULL },
	{ "appeal_filed", "行政复议或诉讼立案", NULL },
	{ "appeal_decided", "行政复议或诉讼审结", NULL },
	{ "redo_ordered", "责令重新答复", NULL },
	{ "note", "内部备注", NULL },
	{ "assigned", "分配经办人", NULL },
	{ "edited", "更正申请信息", NULL },
	{ "imported", "导入", NULL },
	{ "id_number_viewed", "查看完整证件号码", NULL },
	{ "contact_viewed", "查看联系电话", NULL },
	{ "contact_changed", "申请人变更联系方式", NULL },
	{ "query_code_reissued", "核验身份后重新发放查询码", NULL },
	{ "transferred", "转送其他机关办理", NULL },
	{ "transferred_in", "由其他机关转来", NULL },
	{ "published", "列入公开目录（转主动公开）", NULL });

VOCAB(vocab_actor_kind, "request_events.actor_kind",
	{ "applicant", "申请人", NULL },
	{ "staff", "工作人员", NULL },
	{ "system", "系统", NULL },
	{ "import", "导入", NULL });

/* How a notice reached the applicant (the remedies' periods run from then,
 * Art. 51). */
VOCAB(vocab_notice_delivery, "notices.delivery_method",
	{ "online", "网上查阅", NULL },
	{ "post", "邮寄", NULL },
	{ "express", "快递", NULL },
	{ "email", "电子邮件", NULL },
	{ "sms", "短信", NULL },
	{ "fax", "传真", NULL },
	{ "pickup", "自行领取", NULL },
	{ "on_site", "当场送达", NULL },
	{ "announcement", "公告送达", NULL });

/* What a request asks for (sql/035): the information disclosed, or, under
 * Art. 41, information about the applicant corrected. */
VOCAB(vocab_request_kind, "requests.request_kind",
	{ "disclosure", "申请公开政府信息", "公开" },
	{ "correction", "申请更正与本人相关的政府信息", "更正" });

/* What a notice's date of delivery rests on (sql/021). */
VOCAB(vocab_delivery_basis, "notices.delivery_basis",
	{ "recorded", "工作人员登记", NULL },
	{ "receipt_signed", "送达回证签收", NULL },
	{ "relay_accepted", "邮件服务器已接收（不代表已进入收件箱）", "邮件服务器已接收" });

/* The groups of table 四. */
VOCAB(vocab_appeal_kind, "appeals.kind",
	{ "review", "行政复议", NULL },
	{ "suit_direct", "未经复议直接起诉", NULL },
	{ "suit_after_review", "复议后起诉", NULL });

VOCAB(vocab_appeal_result, "appeals.result",
	{ "upheld", "结果维持", NULL },
	{ "corrected", "结果纠正", NULL },
	{ "other", "其他结果", NULL },
	{ "pending", "尚未审结", NULL });

/* Art. 32 (a third party), Art. 34 (an agency that made it with us). */
VOCAB(vocab_consultation_kind, "consultations.kind",
	{ "third_party", "第三方", NULL },
	{ "co_author", "共同制作机关", NULL });

VOCAB(vocab_consultation_result, "consultations.result",
	{ "consent", "同意公开", NULL },
	{ "objection", "不同意公开", NULL },
	{ "silence", "逾期未提出意见", NULL });

/* 政府信息公开信息处理费管理办法 (2020): by request or by page. */
VOCAB(vocab_fee_method, "fees.method",
	{ "per_request", "按件计收", NULL },
	{ "per_page", "按量计收", NULL });

/* How a consultation (征求意见书) reached the party: by hand or online it
 * is received the day it is sent; by post its receipt is recorded. */
VOCAB(vocab_consultation_delivery, "consultations.delivery",
	{ "in_person", "当面送达", NULL },
	{ "online", "网上送达", NULL },
	{ "post", "邮寄", NULL });

/* How a fee notice reached the applicant: handed over or shown online it
 * is received the day issued; by post its delivery is recorded, and the
 * period to pay runs from then. */
VOCAB(vocab_fee_delivery, "fees.delivery",
	{ "handed", "当面交付", NULL },
	{ "online", "网上告知", NULL },
	{ "post", "邮寄", NULL });

/* The states of a request's records, as the request page lists them. */
VOCAB(vocab_supplement_state, "supplements.state",
	{ "asked", "等待补正", NULL },
	{ "answered", "已补正", NULL },
	{ "expired", "逾期未补正", NULL });

VOCAB(vocab_extension_state, "extensions.state",
	{ "proposed", "待审批", NULL },
	{ "approved", "已批准", NULL },
	{ "refused", "未批准", NULL });

VOCAB(vocab_fee_state, "fees.state",
	{ "pending", "待缴费", NULL },
	{ "paid", "已缴费", NULL },
	{ "expired", "逾期未缴", NULL },
	{ "waived", "已减免", NULL });

/* Why a submission was discarded: nothing to answer (issue 11.3). */
VOCAB(vocab_discard_reason, NULL,
	{ "empty", "没有可答复的内容", NULL },
	{ "test", "测试提交", NULL },
	{ "duplicate", "与正在办理的申请重复", NULL });

/* How the applicant is told of each step (issue 14), and the outbox. */
VOCAB(vocab_notify, "requests.notify",
	{ "email", "电子邮件", NULL },
	{ "sms", "短信", NULL },
	{ "none", "不需要通知", "不通知" });

VOCAB(vocab_message_kind, "messages.kind",
	{ "received", "申请已收到", NULL },
	{ "confirmed", "申请已受理", NULL },
	{ "supplement", "补正通知", NULL },
	{ "supplement_due", "补正期限将到", NULL },
	{ "reasons", "说明理由通知", NULL },
	{ "extension", "延期答复通知", NULL },
	{ "fee", "收费通知", NULL },
	{ "fee_due", "缴费期限将到", NULL },
	{ "reply", "答复已作出", NULL },
	{ "closed", "申请已终止", NULL },
	{ "withdrawn", "申请已撤回", NULL },
	{ "transferred", "申请已转办", NULL },
	{ "new_submission", "新申请提醒", NULL },
	{ "digest", "每日待办摘要", NULL },
	{ "complaint_replied", "投诉举报已答复", NULL });

/* Complaints and reports about an agency's handling (Art. 51, sql/036). */
VOCAB(vocab_complaint_kind, "complaints.kind",
	{ "complaint", "投诉", NULL },
	{ "report", "举报", NULL });

VOCAB(vocab_complaint_status, "complaints.status",
	{ "received", "已收到，正在处理", "处理中" },
	{ "replied", "已答复", NULL });

VOCAB(vocab_complaint_event, "complaint_events.action",
	{ "filed", "提交投诉举报", NULL },
	{ "replied", "作出答复", NULL },
	{ "contact_viewed", "查看投诉举报人的完整电话", NULL });

VOCAB(vocab_complaint_notify, "complaints.notify",
	{ "email", "电子邮件", NULL },
	{ "sms", "短信", NULL },
	{ "none", "不需要通知", "不通知" });

/* The fields a `contact_changed` event names (its data's "changed"): an
 * event's data, not a column, so it has no CHECK list and is not in
 * vocab_all. */
VOCAB(vocab_contact_field, "request_events.data.changed",
	{ "notify", "通知方式", NULL },
	{ "email", "电子邮箱", NULL },
	{ "phone", "联系电话", NULL });

VOCAB(vocab_message_channel, "messages.channel",
	{ "email", "电子邮件", NULL },
	{ "sms", "短信", NULL });

VOCAB(vocab_message_state, "messages.state",
	{ "queued", "待发送", NULL },
	{ "sending", "发送中", NULL },
	{ "sent", "已发送", NULL },
	{ "dead", "发送失败", NULL });

/* Files (issue 15): what a file is for, and how it was downloaded. */
VOCAB(vocab_file_purpose, "files.purpose",
	{ "id_copy", "身份证明", NULL },
	{ "authorization", "授权委托书", NULL },
	{ "other", "其他材料", NULL },
	{ "supplement", "补正材料", NULL },
	{ "registration", "登记时收到的材料", NULL },
	{ "reply", "答复附件（公开的信息）", NULL },
	{ "notice", "告知书PDF", NULL },
	{ "seal", "印章图片", NULL },
	{ "evidence", "更正申请的证据", NULL });

VOCAB(vocab_file_download_via, "file_downloads.via",
	{ "staff", "工作人员登录后下载", NULL },
	{ "status_link", "申请人通过查询页面的链接下载", NULL },
	{ "public", "公众从政府信息公开目录下载", NULL });

const struct vocab *const vocab_all[] = {
	&vocab_applicant_kind, &vocab_id_type, &vocab_channel,
	&vocab_provision_form, &vocab_obtain_method, &vocab_staff_role,
	&vocab_event_action, &vocab_actor_kind, &vocab_notice_delivery,
	&vocab_appeal_kind, &vocab_appeal_result, &vocab_consultation_kind,
	&vocab_consultation_result, &vocab_fee_method, &vocab_discard_reason,
	&vocab_supplement_state, &vocab_extension_state, &vocab_fee_state,
	&vocab_consultation_delivery, &vocab_fee_delivery,
	&vocab_notify, &vocab_message_kind, &vocab_message_channel,
	&vocab_message_state, &vocab_delivery_basis,
	&vocab_complaint_kind, &vocab_complaint_status, &vocab_complaint_event,
	&vocab_complaint_notify,
	&vocab_file_purpose, &vocab_file_download_via, &vocab_request_kind,
};
const size_t vocab_all_count = sizeof vocab_all / sizeof vocab_all[0];

const struct vocab_term *vocab_find(const struct vocab *v, const char *code)
{
	for (size_t i = 0; code && i < v->count; i++)
		if (!strcmp(v->terms[i].code, code))
			return &v->terms[i];
	return NULL;
}

bool vocab_has(const struct vocab *v, const char *code)
{
	return vocab_find(v, code) != NULL;
}

const char *vocab_label(const struct vocab *v, const char *code)
{
	const struct vocab_term *t = vocab_find(v, code);
	return t ? t->label : NULL;
}

const char *vocab_short(const struct vocab *v, const char *code)
{
	const struct vocab_term *t = vocab_find(v, code);
	return !t ? NULL : t->short_label ? t->short_label : t->label;
}

/* Which vocabularies a coded field takes, by the record it is in (NULL:
 * any record, or an event's data). */
static const struct {
	const char *record, *field;
	const struct vocab *vocab[2];
} coded_fields[] = {
	{ NULL, "channel", { &vocab_channel } },
	{ NULL, "applicant_kind", { &vocab_applicant_kind } },
	{ NULL, "request_kind", { &vocab_request_kind } },
	{ NULL, "id_type", { &vocab_id_type } },
	{ NULL, "kind", { &vocab_consultation_kind, &vocab_appeal_kind } },
	{ NULL, "result", { &vocab_consultation_result, &vocab_appeal_result } },
	{ NULL, "method", { &vocab_fee_method } },
	{ NULL, "delivery", { &vocab_consultation_delivery, &vocab_fee_delivery } },
	{ NULL, "reason_code", { &vocab_discard_reason } },
	{ NULL, "role", { &vocab_staff_role } },
	{ NULL, "changed", { &vocab_contact_field } },
	{ NULL, "delivery_method", { &vocab_notice_delivery } },
	{ NULL, "delivery_basis", { &vocab_delivery_basis } },
	{ "supplements", "state", { &vocab_supplement_state } },
	{ "extensions", "state", { &vocab_extension_state } },
	{ "fees", "state", { &vocab_fee_state } },
};

const char *vocab_field_label(const char *record, const char *field, const char *code)
{
	if (!field || !code)
		return NULL;
	if (!strcmp(field, "outcome")) {
		const struct wf_outcome *o = wf_outcome_find(code);
		return o ? o->label : NULL;
	}
	enum wf_status status;
	if (!strcmp(field, "status"))
		return wf_status_from_code(code, &status) ? wf_status_label(status) : NULL;
	for (size_t i = 0; i < sizeof coded_fields / sizeof coded_fields[0]; i++) {
		if (strcmp(coded_fields[i].field, field) ||
		    (coded_fields[i].record && (!record || strcmp(coded_fields[i].record, record))))
			continue;
		for (size_t j = 0; j < 2 && coded_fields[i].vocab[j]; j++) {
			const char *label = vocab_label(coded_fields[i].vocab[j], code);
			if (label)
				return label;
		}
	}
	return NULL;
}
