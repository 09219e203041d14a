#include "domain/workflow_rules.h"

#include <string.h>

#define BIT(s) (1u << (s))
#define OPEN_RECEIVED (BIT(WF_IN_PROGRESS) | BIT(WF_AWAITING_SUPPLEMENT) | \
		       BIT(WF_CONSULTING) | BIT(WF_AWAITING_FEE))
#define OPEN (BIT(WF_SUBMITTED) | OPEN_RECEIVED)
#define ENDED (BIT(WF_ANSWERED) | BIT(WF_CLOSED) | BIT(WF_WITHDRAWN) | \
	       BIT(WF_DISCARDED))

static const struct {
	const char *code, *label;
} statuses[WF_STATUS_COUNT] = {
	[WF_SUBMITTED] = { "submitted", "待确认" },
	[WF_IN_PROGRESS] = { "in_progress", "办理中" },
	[WF_AWAITING_SUPPLEMENT] = { "awaiting_supplement", "待补正" },
	[WF_CONSULTING] = { "consulting", "征求意见中" },
	[WF_AWAITING_FEE] = { "awaiting_fee", "待缴费" },
	[WF_ANSWERED] = { "answered", "已答复" },
	[WF_CLOSED] = { "closed", "已终止" },
	[WF_WITHDRAWN] = { "withdrawn", "已撤回" },
	[WF_DISCARDED] = { "discarded", "已作废" },
};

struct action_rule {
	const char *code, *label, *event;
	unsigned allowed;	/* BIT(status) */
	unsigned actors;	/* BIT(wf_actor_kind) */
};

#define A(kind) BIT(WF_BY_##kind)

static const struct action_rule actions[WF_ACTION_COUNT] = {
	[WF_CONFIRM] = { "confirm", "确认收到", "confirmed",
			 BIT(WF_SUBMITTED), A(STAFF) },
	[WF_DISCARD] = { "discard", "作废", "discarded",
			 BIT(WF_SUBMITTED), A(STAFF) },
	[WF_SUPPLEMENT] = { "supplement", "告知补正", "supplement_asked",
			    BIT(WF_IN_PROGRESS), A(STAFF) },
	[WF_SUPPLEMENT_ANSWERED] = { "supplement_answered", "收到补正",
				     "supplement_received",
				     /* closed: a late supplement with a good
				      * reason reopens it (Art. 30; workflow.c) */
				     BIT(WF_AWAITING_SUPPLEMENT) | BIT(WF_CLOSED),
				     A(STAFF) | A(APPLICANT) },
	[WF_CONSULT] = { "consult", "征求意见", "consulted",
			 BIT(WF_IN_PROGRESS) | BIT(WF_CONSULTING), A(STAFF) },
	[WF_CONSULT_ANSWERED] = { "consult_answered", "记录意见",
				  "consult_answered", BIT(WF_CONSULTING), A(STAFF) },
	[WF_CONSULT_RECEIVED] = { "consult_received", "记录对方收到日期",
				  "consult_received", BIT(WF_CONSULTING), A(STAFF) },
	[WF_EXTEND] = { "extend", "申请延期", "extension_proposed",
			BIT(WF_IN_PROGRESS) | BIT(WF_CONSULTING), A(STAFF) },
	[WF_APPROVE_EXTENSION] = { "approve_extension", "批准延期",
				   "extension_approved", OPEN_RECEIVED, A(STAFF) },
	[WF_REFUSE_EXTENSION] = { "refuse_extension", "不批准延期",
				  "extension_refused", OPEN_RECEIVED, A(STAFF) },
	[WF_FEE_NOTICE] = { "fee_notice", "收费通知", "fee_notice",
			    BIT(WF_IN_PROGRESS), A(STAFF) },
	[WF_FEE_DELIVERED] = { "fee_notice_delivered", "记录收费通知送达",
				"fee_notice_delivered", BIT(WF_AWAITING_FEE), A(STAFF) },
	[WF_FEE_PAID] = { "fee_paid", "记录缴费", "fee_paid",
			  BIT(WF_AWAITING_FEE), A(STAFF) },
	[WF_REPLY] = { "reply", "答复", "replied", BIT(WF_IN_PROGRESS), A(STAFF) },
	[WF_WITHDRAW] = { "withdraw", "撤回申请", "withdrawn", OPEN,
			  A(STAFF) | A(APPLICANT) },
	[WF_APPEAL] = { "appeal", "记录复议或诉讼", "appeal_filed",
			OPEN | ENDED, A(STAFF) },
	[WF_NOTE] = { "note", "内部备注", "note",
		      OPEN | ENDED, A(STAFF) },
	[WF_ASSIGN] = { "assign", "分配经办人", "assigned", OPEN, A(STAFF) },
	[WF_EXPIRE_SUPPLEMENT] = { "expire_supplement", "逾期未补正",
				   "supplement_expired",
				   BIT(WF_AWAITING_SUPPLEMENT), A(SYSTEM) },
	[WF_EXPIRE_FEE] = { "expire_fee", "逾期未缴费", "fee_expired",
			    BIT(WF_AWAITING_FEE), A(SYSTEM) },
	/* Art. 35: the request stays in progress, its clock stopped while
	 * the applicant's period to state reasons runs (workflow.c). */
	[WF_ASK_REASONS] = { "ask_reasons", "要求说明理由", "reasons_asked",
			     BIT(WF_IN_PROGRESS), A(STAFF) },
	[WF_REASONS_ANSWERED] = { "reasons_answered", "记录说明的理由",
				  "reasons_answered", OPEN_RECEIVED, A(STAFF) },
	[WF_EXPIRE_REASONS] = { "expire_reasons", "逾期未说明理由", "reasons_expired",
				OPEN_RECEIVED, A(SYSTEM) },
	/* Art. 35: reasons found reasonable, but no answer possible within
	 * Art. 33's limits: a stated deadline, consented to like an
	 * extension (workflow.c). */
	[WF_SET_DEADLINE] = { "set_deadline", "确定延迟答复期限", "deadline_proposed",
			      BIT(WF_IN_PROGRESS), A(STAFF) },
	[WF_APPROVE_DEADLINE] = { "approve_deadline", "批准延迟答复期限", "deadline_set",
				  OPEN_RECEIVED, A(STAFF) },
	[WF_REFUSE_DEADLINE] = { "refuse_deadline", "不批准延迟答复期限",
				 "deadline_refused", OPEN_RECEIVED, A(STAFF) },
	/* A notice's delivery is recorded whenever it is known, also after
	 * the request ended: the reply's delivery starts the remedies. */
	[WF_RECORD_DELIVERY] = { "record_delivery", "记录送达", "notice_delivered",
				 OPEN_RECEIVED | ENDED, A(STAFF) },
	/* Issue 18: a reply (Art. 36(5)) with a new request made at the
	 * agency named, so only where a reply may be given; a submission
	 * awaiting confirmation is confirmed first (its receipt, Art. 31,
	 * is what the reply answers). */
	[WF_TRANSFER] = { "transfer", "转送其他机关办理", "transferred",
			  BIT(WF_IN_PROGRESS), A(STAFF) },
	/* Issue 18 §2: after the reply (a reply may publish in its own step
	 * too); the outcome must be disclosed or partial (workflow_publish.c). */
	[WF_PUBLISH] = { "publish", "列入公开目录", "published", BIT(WF_ANSWERED), A(STAFF) },
};

const char *wf_status_code(enum wf_status s)
{
	return (unsigned)s < WF_STATUS_COUNT ? statuses[s].code : "";
}

const char *wf_status_label(enum wf_status s)
{
	return (unsigned)s < WF_STATUS_COUNT ? statuses[s].label : "";
}

bool wf_status_from_code(const char *code, enum wf_status *out)
{
	for (int i = 0; code && i < WF_STATUS_COUNT; i++) {
		if (!strcmp(code, statuses[i].code)) {
			*out = (enum wf_status)i;
			return true;
		}
	}
	return false;
}

bool wf_status_open(enum wf_status s)
{
	return (unsigned)s < WF_STATUS_COUNT && (OPEN & BIT(s));
}

bool wf_status_paused(enum wf_status s)
{
	return s == WF_AWAITING_SUPPLEMENT || s == WF_CONSULTING ||
	       s == WF_AWAITING_FEE;
}

const char *wf_action_code(enum wf_action a)
{
	return (unsigned)a < WF_ACTION_COUNT ? actions[a].code : "";
}

const char *wf_action_label(enum wf_action a)
{
	return (unsigned)a < WF_ACTION_COUNT ? actions[a].label : "";
}

const char *wf_action_event(enum wf_action a)
{
	return (unsigned)a < WF_ACTION_COUNT ? actions[a].event : "";
}

bool wf_action_from_code(const char *code, enum wf_action *out)
{
	for (int i = 0; code && i < WF_ACTION_COUNT; i++) {
		if (!strcmp(code, actions[i].code)) {
			*out = (enum wf_action)i;
			return true;
		}
	}
	return false;
}

/* The message for a step its state does not allow, most specific first. */
static const char *refusal(enum wf_action a, enum wf_status s)
{
	switch (s) {
	case WF_ANSWERED:
		if (a == WF_REPLY)
			return "该申请已经答复，不能重复答复";
		return "该申请已答复办结，不能再办理此事项";
	case WF_CLOSED:
		return "该申请已终止办理，不能再办理此事项";
	case WF_WITHDRAWN:
		return "申请人已撤回该申请，不能再办理此事项";
	case WF_DISCARDED:
		return "该提交已作废，不能再办理此事项";
	case WF_SUBMITTED:
		return "该申请尚未确认收到：请先确认收到（条例第三十一条）";
	default:
		break;
	}
	switch (a) {
	case WF_CONFIRM:
	case WF_DISCARD:
		return "该申请已经确认收到，不能再次确认或作废";
	case WF_SUPPLEMENT:
		if (s == WF_AWAITING_SUPPLEMENT)
			return "已告知补正：补正应一次性告知（条例第三十条），不能再次要求补正";
		return "正在征求意见或等待缴费，此时不能告知补正";
	case WF_SUPPLEMENT_ANSWERED:
	case WF_EXPIRE_SUPPLEMENT:
		return "该申请没有待补正的事项";
	case WF_CONSULT_ANSWERED:
	case WF_CONSULT_RECEIVED:
		return "该申请没有正在征求的意见";
	case WF_FEE_DELIVERED:
	case WF_FEE_PAID:
	case WF_EXPIRE_FEE:
		return "该申请没有待缴的信息处理费";
	case WF_EXTEND:
		return "只有办理中或征求意见中的申请可以申请延期";
	case WF_FEE_NOTICE:
		return "只有办理中的申请可以发出收费通知";
	case WF_ASK_REASONS:
		return "只有办理中的申请可以要求申请人说明理由";
	case WF_REASONS_ANSWERED:
	case WF_EXPIRE_REASONS:
		return "该申请没有等待说明的理由";
	case WF_SET_DEADLINE:
		return "只有办理中的申请可以确定延迟答复期限";
	case WF_APPROVE_DEADLINE:
	case WF_REFUSE_DEADLINE:
		return "没有等待审批的延迟答复期限";
	case WF_CONSULT:
		return "只有办理中的申请可以征求意见";
	case WF_REPLY:
		if (s == WF_AWAITING_SUPPLEMENT)
			return "正在等待申请人补正，补正或逾期后才能答复";
		if (s == WF_CONSULTING)
			return "征求意见尚未结束：请先记录第三方或有关机关的意见";
		if (s == WF_AWAITING_FEE)
			return "信息处理费尚未缴纳：请先记录缴费";
		break;
	default:
		break;
	}
	return "当前状态不允许此操作";
}

bool wf_action_allowed(enum wf_action a, enum wf_status s, const char **why)
{
	if ((unsigned)a >= WF_ACTION_COUNT || (unsigned)s >= WF_STATUS_COUNT) {
		if (why)
			*why = "未知的操作或状态";
		return false;
	}
	if (actions[a].allowed & BIT(s))
		return true;
	if (why)
		*why = refusal(a, s);
	return false;
}

bool wf_actor_may(enum wf_action a, enum wf_actor_kind actor,
		  const char *role, const char **why)
{
	const char *msg = NULL;

	if ((unsigned)a >= WF_ACTION_COUNT)
		msg = "未知的操作";
	else if (!(actions[a].actors & BIT(actor)))
		msg = actor == WF_BY_APPLICANT ? "申请人不能办理此事项"
					       : "此事项不能由此方式办理";
	else if (actor == WF_BY_STAFF && (!role || !strcmp(role, "admin")))
		msg = "系统管理员不办理申请：请使用经办人或负责人账户";
	else if (actor == WF_BY_STAFF && strcmp(role, "head") &&
		 (a == WF_APPROVE_EXTENSION || a == WF_REFUSE_EXTENSION))
		msg = "延期须经政府信息公开工作机构负责人同意（条例第三十三条），经办人不能审批";
	else if (actor == WF_BY_STAFF && strcmp(role, "head") &&
		 (a == WF_APPROVE_DEADLINE || a == WF_REFUSE_DEADLINE))
		msg = "延迟答复的期限须经政府信息公开工作机构负责人同意，经办人不能审批";
	else if (actor == WF_BY_STAFF && strcmp(role, "head") && strcmp(role, "clerk"))
		msg = "没有办理申请的权限";
	if (msg && why)
		*why = msg;
	return !msg;
}

/* ---- outcomes ------------------------------------------------------------ */

#define REG "《中华人民共和国政府信息公开条例》"

const struct wf_outcome wf_outcomes[] = {
	{ "disclosed", "予以公开", REG "第三十六条第（二）项",
	  REG "第三十六条第（一）项",
	  "所申请公开的信息属于可以公开的政府信息", WF_NOTICE_DISCLOSED, true, false },
	{ "partial", "部分公开", REG "第三十七条", NULL,
	  "所申请公开的信息中含有不应当公开或者不属于政府信息的内容，但能够作区分处理",
	  WF_NOTICE_PARTIAL, true, false },
	{ "deny_secret", "属于国家秘密", REG "第十四条、第三十六条第（三）项", NULL,
	  "所申请公开的信息依法确定为国家秘密", WF_NOTICE_DENY, true, false },
	{ "deny_law", "其他法律行政法规禁止公开", REG "第十四条、第三十六条第（三）项", NULL,
	  "所申请公开的信息属于法律、行政法规禁止公开的政府信息", WF_NOTICE_DENY, true, false },
	{ "deny_security", "危及“三安全一稳定”", REG "第十四条、第三十六条第（三）项", NULL,
	  "所申请公开的信息公开后可能危及国家安全、公共安全、经济安全、社会稳定",
	  WF_NOTICE_DENY, true, false },
	{ "deny_third_party", "保护第三方合法权益", REG "第十五条、第三十六条第（三）项", NULL,
	  "所申请公开的信息涉及商业秘密、个人隐私等，公开会对第三方合法权益造成损害",
	  WF_NOTICE_DENY, true, false },
	{ "deny_internal", "属于三类内部事务信息",
	  REG "第十六条第一款、第三十六条第（三）项", NULL,
	  "所申请公开的信息属于人事管理、后勤管理、内部工作流程等内部事务信息",
	  WF_NOTICE_DENY, true, false },
	{ "deny_process", "属于四类过程性信息",
	  REG "第十六条第二款、第三十六条第（三）项", NULL,
	  "所申请公开的信息属于讨论记录、过程稿、磋商信函、请示报告等过程性信息",
	  WF_NOTICE_DENY, true, false },
	{ "deny_enforcement", "属于行政执法案卷",
	  REG "第十六条第二款、第三十六条第（三）项", NULL,
	  "所申请公开的信息属于行政执法案卷信息", WF_NOTICE_DENY, true, false },
	/* Art. 36(7): a 告知 naming the channel to use, not a refusal in its
	 * wording; table 三 still counts it under 不予公开 (row 8). */
	{ "deny_query", "属于行政查询事项", REG "第三十六条第（七）项", NULL,
	  "所申请公开的信息属于工商、不动产登记资料等信息，有关法律、行政法规对信息的获取有特别规定",
	  WF_NOTICE_QUERY, true, false },
	{ "unable_not_held", "本机关不掌握相关政府信息", REG "第三十六条第（四）项",
	  REG "第三十六条第（五）项",
	  "经检索，本机关没有所申请公开的信息", WF_NOTICE_UNABLE, true, false },
	{ "unable_create", "没有现成信息需要另行制作", REG "第三十八条", NULL,
	  "所申请公开的信息需要本机关对现有政府信息进行加工、分析或者另行制作",
	  WF_NOTICE_UNABLE, true, false },
	{ "unable_unclear", "补正后申请内容仍不明确", REG "第三十条", NULL,
	  "经补正后，申请内容仍不明确，无法确定所申请公开的信息", WF_NOTICE_UNABLE, true, false },
	{ "reject_petition", "信访举报投诉类申请", REG "第三十九条第一款", NULL,
	  "申请人以政府信息公开申请的形式进行信访、投诉、举报等活动，不作为政府信息公开申请处理",
	  WF_NOTICE_REJECT, true, false },
	{ "reject_repeat", "重复申请", REG "第三十六条第（六）项", NULL,
	  "本机关已就申请人提出的政府信息公开申请作出答复，申请人重复申请公开相同政府信息",
	  WF_NOTICE_REJECT, true, false },
	{ "reject_publication", "要求提供公开出版物", REG "第三十九条第二款", NULL,
	  "申请人要求提供政府公报、报刊、书籍等公开出版物，可以通过获取公开出版物的途径获取",
	  WF_NOTICE_REJECT, true, false },
	{ "reject_mass", "无正当理由大量反复申请", REG "第三十五条", NULL,
	  "申请人申请公开政府信息的数量、频次明显超过合理范围，且未能说明理由或者理由不合理",
	  WF_NOTICE_REJECT, true, false },
	/* The regulation names no item for this row of table 三; practice
	 * answers that confirming or re-issuing information the applicant
	 * already holds is not obtaining government information (Art. 2). */
	{ "reject_confirm", "要求行政机关确认或重新出具已获取信息", REG "第二条", NULL,
	  "申请人要求本机关确认或者重新出具已获取的信息，不属于条例所指的获取政府信息",
	  WF_NOTICE_REJECT, true, false },
	{ "other_no_supplement", "申请人逾期不补正", REG "第三十条", NULL,
	  "申请人无正当理由逾期不补正，视为放弃申请，本机关不再处理该政府信息公开申请",
	  WF_NOTICE_OTHER, false, false },
	{ "other_no_fee", "申请人逾期未缴纳费用",
	  REG "第四十二条、《政府信息公开信息处理费管理办法》", NULL,
	  "申请人逾期未按收费通知要求缴纳费用，本机关不再处理该政府信息公开申请",
	  WF_NOTICE_OTHER, false, false },
	/* Withdrawn, or ended otherwise: no single article applies. */
	{ "other", "其他处理", REG, NULL,
	  "本申请以其他方式办结", WF_NOTICE_OTHER, true, false },
};

const int wf_outcome_count = sizeof wf_outcomes / sizeof wf_outcomes[0];

/*
 * Art. 41: the agency with the power to correct corrects the information
 * and tells the applicant; one without it passes the request to the one
 * that has it, or tells the applicant which one that is; a refusal says
 * why. The notice says which (notices/correction).
 */
const struct wf_outcome wf_correction_outcomes[] = {
	{ "corrected", "已更正", REG "第四十一条", NULL,
	  "经核实，申请人提供的证据能够证明本机关提供的与其自身相关的政府信息记录不准确，本机关已予以更正",
	  WF_NOTICE_CORRECTION, true, true },
	{ "referred", "告知有权更正的机关", REG "第四十一条", NULL,
	  "本机关无权更正所申请更正的政府信息，告知申请人向有权更正的行政机关提出",
	  WF_NOTICE_CORRECTION, true, true },
	{ "refused", "不予更正", REG "第四十一条", NULL,
	  "经核实，本机关不予更正", WF_NOTICE_CORRECTION, true, true },
};

const int wf_correction_outcome_count =
	sizeof wf_correction_outcomes / sizeof wf_correction_outcomes[0];

const char *wf_outcome_reason(const struct wf_outcome *o, const char *basis)
{
	if (!strcmp(o->code, "unable_not_held") && o->basis_alt && basis &&
	    !strcmp(basis, o->basis_alt))
		return "所申请公开的信息不属于本机关负责公开";
	return o->reason;
}

const struct wf_outcome *wf_outcome_find(const char *code)
{
	for (int i = 0; code && i < wf_outcome_count; i++)
		if (!strcmp(wf_outcomes[i].code, code))
			return &wf_outcomes[i];
	for (int i = 0; code && i < wf_correction_outcome_count; i++)
		if (!strcmp(wf_correction_outcomes[i].code, code))
			return &wf_correction_outcomes[i];
	return NULL;
}

const char *wf_notice_template(enum wf_notice_kind k)
{
	static const char *const names[] = {
		[WF_NOTICE_DISCLOSED] = "notices/disclosed",
		[WF_NOTICE_PARTIAL] = "notices/partial",
		[WF_NOTICE_DENY] = "notices/deny",
		[WF_NOTICE_UNABLE] = "notices/unable",
		[WF_NOTICE_REJECT] = "notices/reject",
		[WF_NOTICE_OTHER] = "notices/other",
		[WF_NOTICE_QUERY] = "notices/query",
		[WF_NOTICE_CORRECTION] = "notices/correction",
	};
	return (unsigned)k <= WF_NOTICE_CORRECTION ? names[k] : "notices/other";
}

const char *wf_notice_title(enum wf_notice_kind k)
{
	switch (k) {
	case WF_NOTICE_DISCLOSED:
	case WF_NOTICE_PARTIAL:
		return "政府信息公开申请答复书";
	case WF_NOTICE_DENY:
		return "政府信息不予公开告知书";
	case WF_NOTICE_UNABLE:
	case WF_NOTICE_QUERY:
		return "政府信息公开申请告知书";
	case WF_NOTICE_REJECT:
		return "政府信息公开申请不予处理告知书";
	case WF_NOTICE_CORRECTION:
		return "更正申请答复书";
	case WF_NOTICE_OTHER:
		break;
	}
	return "政府信息公开申请办理告知书";
}

bool wf_outcome_listable(const char *code)
{
	return code && (!strcmp(code, "disclosed") || !strcmp(code, "partial"));
}
