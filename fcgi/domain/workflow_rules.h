/*
 * workflow_rules: the state machine of a disclosure request and the table
 * from outcome to legal basis to notice, as pure functions (no I/O).
 * workflow.c asks here whether a step is allowed before it touches the
 * database, so the rules are in one place and unit-tested.
 *
 * States (docs/schema.md "Request states"):
 *   submitted -> in_progress (confirm) | discarded | withdrawn
 *   in_progress <-> awaiting_supplement (Art. 30), consulting (Art. 32, 34),
 *                   awaiting_fee (Art. 42)
 *   awaiting_supplement -> closed (period over: other_no_supplement)
 *   awaiting_fee -> closed (unpaid: other_no_fee)
 *   in_progress -> answered (reply); any open state -> withdrawn
 */
#ifndef YSQGK_WORKFLOW_RULES_H
#define YSQGK_WORKFLOW_RULES_H

#include <stdbool.h>

enum wf_status {
	WF_SUBMITTED,
	WF_IN_PROGRESS,
	WF_AWAITING_SUPPLEMENT,
	WF_CONSULTING,
	WF_AWAITING_FEE,
	WF_ANSWERED,
	WF_CLOSED,
	WF_WITHDRAWN,
	WF_DISCARDED,
	WF_STATUS_COUNT
};

enum wf_action {
	WF_CONFIRM,		/* an online submission counts as received (Art. 31) */
	WF_DISCARD,		/* a submission that is no request (spam, test) */
	WF_SUPPLEMENT,		/* ask for 补正 (Art. 30) */
	WF_SUPPLEMENT_ANSWERED,	/* the supplement arrived: the 20 days restart */
	WF_CONSULT,		/* third party / co-author consulted (Art. 32, 34) */
	WF_CONSULT_ANSWERED,
	WF_CONSULT_RECEIVED,	/* the day the party received it (Art. 32, 34) */
	WF_EXTEND,		/* a clerk proposes an extension (Art. 33 ¶2) */
	WF_APPROVE_EXTENSION,	/* the head decides it */
	WF_REFUSE_EXTENSION,
	WF_FEE_NOTICE,		/* 信息处理费 notice: the clock stops (Art. 42) */
	WF_FEE_DELIVERED,	/* a posted fee notice arrived: its period starts */
	WF_FEE_PAID,
	WF_REPLY,		/* the reply notice, with its outcome (Art. 36-39) */
	WF_WITHDRAW,		/* the applicant withdraws */
	WF_APPEAL,		/* review or lawsuit filed or decided (Art. 51) */
	WF_NOTE,		/* internal note, never shown to the applicant */
	WF_ASSIGN,		/* hand the request to a clerk */
	WF_EXPIRE_SUPPLEMENT,	/* system: no supplement in time */
	WF_EXPIRE_FEE,		/* system: fee not paid in time */
	WF_ASK_REASONS,		/* a mass requester is asked for reasons (Art. 35):
				 * the clock stops until they answer or the
				 * period ends */
	WF_REASONS_ANSWERED,	/* the reasons arrived: the clock resumes */
	WF_EXPIRE_REASONS,	/* system: no reasons in time; the clock resumes */
	WF_SET_DEADLINE,	/* propose a longer, stated deadline for a
				 * reasonable mass request (Art. 35) */
	WF_APPROVE_DEADLINE,	/* the head consents: it is set, the applicant told */
	WF_REFUSE_DEADLINE,
	WF_RECORD_DELIVERY,	/* a notice reached the applicant: how and when
				 * (送达; the remedies' periods run from then) */
	WF_TRANSFER,		/* 转办: concluded as not this agency's (Art. 36(5)),
				 * a linked request made at the right agency */
	WF_PUBLISH,		/* a disclosed or partial reply listed publicly
				 * (Art. 44, 转主动公开) */
	WF_ACTION_COUNT
};

enum wf_actor_kind { WF_BY_APPLICANT, WF_BY_STAFF, WF_BY_SYSTEM };

const char *wf_status_code(enum wf_status s);
const char *wf_status_label(enum wf_status s);	/* 待确认, 办理中, … */
bool wf_status_from_code(const char *code, enum wf_status *out);
/* Not yet ended: submitted, in_progress, awaiting_*, consulting. */
bool wf_status_open(enum wf_status s);
/* The clock is stopped in this state (supplement, consultation, fee). */
bool wf_status_paused(enum wf_status s);

const char *wf_action_code(enum wf_action a);
const char *wf_action_label(enum wf_action a);	/* 确认收到, 告知补正, … */
bool wf_action_from_code(const char *code, enum wf_action *out);

/*
 * Whether `a` may be taken in state `s`; when not, *why (if not NULL) is
 * a Chinese message naming the rule, for a 409.
 */
bool wf_action_allowed(enum wf_action a, enum wf_status s, const char **why);

/*
 * Whether this kind of actor (and, for staff, this role: clerk, head,
 * admin) may take the step at all; when not, *why (if not NULL) says
 * why, in Chinese. Applicants may only answer a supplement and withdraw; the
 * system only lets periods expire; deciding an extension takes a head
 * (Art. 33 ¶2); an administrator manages accounts and the calendar and
 * does not handle requests.
 */
bool wf_actor_may(enum wf_action a, enum wf_actor_kind actor,
		  const char *role, const char **why);

/* The event (request_events.action) a step appends. */
const char *wf_action_event(enum wf_action a);

/* ---- outcomes ------------------------------------------------------------ */

/* The notice templates (templates/notices/<kind>.mustache) of a reply. */
enum wf_notice_kind {
	WF_NOTICE_DISCLOSED,	/* 公开 */
	WF_NOTICE_PARTIAL,	/* 部分公开 */
	WF_NOTICE_DENY,		/* 不予公开 */
	WF_NOTICE_UNABLE,	/* 无法提供 */
	WF_NOTICE_REJECT,	/* 不予处理 */
	WF_NOTICE_OTHER,	/* 其他处理 (closed, withdrawn) */
	WF_NOTICE_QUERY,	/* 告知: obtain it through its own channel
				 * (Art. 36(7)); counted as 不予公开 */
	WF_NOTICE_CORRECTION,	/* 更正申请答复书 (Art. 41) */
};

struct wf_outcome {
	const char *code;	/* report-format.md, table 三 */
	const char *label;	/* the table's row label */
	/* The legal basis named in the notice: article and item of the
	 * regulation (《中华人民共和国政府信息公开条例》). */
	const char *basis;
	/* Where the reply has a second form (36 ⑴ already published instead
	 * of ⑵ provided; 36 ⑸ another agency's instead of ⑷ not held): its
	 * basis, or NULL. */
	const char *basis_alt;
	const char *reason;	/* why, in the notice's words */
	enum wf_notice_kind notice;
	bool staff_may_choose;	/* false for the outcomes only the system sets */
	/* An outcome of a correction request (Art. 41), not of a disclosure
	 * request: never counted in table 三. */
	bool correction;
};

/* The 21 outcomes in the order of table 三. */
extern const struct wf_outcome wf_outcomes[];
extern const int wf_outcome_count;

/* The replies to a correction request (Art. 41): corrected, referred to
 * the agency with the power to correct, refused with reasons. Not rows of
 * table 三 (report-format.md counts disclosure requests only). */
extern const struct wf_outcome wf_correction_outcomes[];
extern const int wf_correction_outcome_count;

/* Either table's outcome by its code (labels on every page), or NULL. */
const struct wf_outcome *wf_outcome_find(const char *code);
/* Whether a reply with this outcome may be listed in the disclosure log
 * (Art. 44: information that was, and so may be, disclosed): disclosed
 * or partial. */
bool wf_outcome_listable(const char *code);
/* The notice's why for outcome `o` replied under `basis` (its basis or
 * basis_alt): 36 ⑸ "not this agency's to disclose" is not 36 ⑷ "not
 * held", so unable_not_held naming another agency says so. */
const char *wf_outcome_reason(const struct wf_outcome *o, const char *basis);
const char *wf_notice_template(enum wf_notice_kind k);	/* "notices/deny" */
const char *wf_notice_title(enum wf_notice_kind k);	/* 政府信息公开申请答复书 */

#endif
