/*
 * workflow: every step a request can take, in one place. A step is one
 * transaction: lock the request row, check that its state allows the step
 * (refusing with a message that names the rule), append the event, update
 * the cached row (status, due date, outcome), write any notice.
 *
 * Both the staff pages/API and the applicant's status page (supplement
 * answer, withdrawal) go through workflow_act(), so the rules cannot differ
 * between them.
 */
#ifndef YSQGK_WORKFLOW_H
#define YSQGK_WORKFLOW_H

#include <stdbool.h>
#include <json-c/json.h>

#include "core/context.h"
#include "core/db.h"
#include "domain/deadline.h"

struct arena;

/* Who takes the step. */
enum workflow_actor {
	ACTOR_APPLICANT,	/* through the status page (query code checked) */
	ACTOR_STAFF,		/* ctx->staff is the member acting */
	ACTOR_SYSTEM,		/* deadlines passing (ysqgk deadlines) */
};

struct workflow_result {
	enum service_status status;	/* SERVICE_DONE, or why not */
	const char *message;	/* Chinese, for the page or {"error": …} */
	const char *field;	/* the input field a 422 is about, or NULL */
	int seq;		/* the appended event's seq when done */
};

/*
 * Takes `action` (confirm, supplement, supplement_answered, consult,
 * consult_answered, consult_received, extend, approve_extension, refuse_extension, fee_notice,
 * fee_paid, reply, appeal, note, assign, withdraw, …) on the request with
 * id `request_id` (text), with `input` (borrowed) holding the action's
 * fields, e.g. {"text": "…"} for supplement_answered or {"date": "2024-09-27"}
 * for a back-dated confirm. `input_typed`: the fields come from a JSON
 * body, whose types are checked (5.0 or "5" is not an integer), rather
 * than from a form, where every value is text.
 */
struct workflow_result workflow_act(const struct context *ctx, const char *request_id,
				    const char *action, struct json_object *input,
				    bool input_typed, enum workflow_actor actor);

/* The notice a step would issue (issue 15, "preview"): in the arena. */
struct workflow_notice_preview {
	const char *kind, *title, *notice_no, *body;	/* notice_no NULL when none */
	const unsigned char *pdf;
	size_t pdf_len;
};

/*
 * Runs the step exactly as workflow_act() does, in full, inside its
 * transaction, and then ROLLS IT BACK: no event, notice, file, 文号 or
 * message is kept. SERVICE_DONE with *out filled when the step would
 * issue a notice; SERVICE_BAD_INPUT (field "preview") when it issues none;
 * else the step's own refusal. The 文号 shown is the next one of the
 * agency's counter: another notice issued meanwhile takes it.
 */
struct workflow_result workflow_preview(const struct context *ctx, const char *request_id,
					const char *action, struct json_object *input,
					bool input_typed, enum workflow_actor actor,
					struct workflow_notice_preview *out);

/*
 * The actions and their input fields (docs/api.md, "Staff"); `date`
 * back-dates the steps that allow it (confirm, supplement_answered,
 * consult, consult_answered, fee_paid, reply, withdraw) and must lie
 * between the date of receipt and today:
 *
 *   confirm            date
 *   discard            reason
 *   supplement         what*, answer_by | period_workdays (agency setting
 *                      supplement_workdays, default 10)
 *   supplement_answered text (* for the applicant), date
 *   consult            party*, kind (third_party|co_author), date,
 *                      delivery (in_person|online|post), party_received_on
 *   consult_received   consultation_id, date* (the party received it)
 *   consult_answered   consultation_id, result* (consent|objection|silence),
 *                      answer, date
 *   extend             reason*, days (1-20, default 20; 15 for a request
 *                      received before 2019-05-15, the 2008 Regulations)
 *   approve_extension, refuse_extension   reason
 *   fee_notice         method* (per_request|per_page), pages, pay_by
 *   fee_paid           date
 *   reply              outcome*, text*, withheld (* for partial and deny_*),
 *                      already_published, other_agency, notice_no, date
 *   withdraw           reason, date
 *   appeal             kind*, body, filed_on*, result, decided_on, note;
 *                      or appeal_id*, result*, decided_on*
 *   note               text*
 *   assign             to (username; empty to unassign)
 *   record_delivery    notice_id*, method* (notices.delivery_method), ref
 *                      (* for post and express: the tracking number), date,
 *                      receipt_signed (the 送达回证 came back signed)
 *   transfer           agency* (code, same top-level government), reason*
 *                      (转办: the reply unable_not_held and a linked
 *                      request at that agency, workflow_transfer.c)
 *   expire_supplement, expire_fee   (ACTOR_SYSTEM: the period has passed)
 */

/*
 * Every open request assigned to member `from_staff_id` handed to `to` (a
 * username of the request's agency; NULL or "" leaves them unassigned) in
 * ONE transaction (issue 16: a clerk leaves): each takes the `assign`
 * step, logged as its own `assigned` event by ctx->staff. Administrators
 * take no other step (wf_actor_may); this one they may, in bulk, for the
 * agencies in their scope. All or nothing: a refusal (`to` not of some
 * request's agency) leaves every request as it was. *moved: how many.
 */
struct workflow_result workflow_reassign_all(const struct context *ctx, const char *from_staff_id,
					     const char *to, int *moved);

/*
 * Appends the `registered` event `e` of a request staff have just
 * inserted (service/requests.c, in its transaction) with its receipt
 * (受理回执): the notice's text and PDF prepared first, the PDF's SHA-256
 * in e->data (notice_pdf_sha256), the notice issued with the event. The
 * event's seq, or 0: *failure holds the failed statement's result when
 * there is one (the caller PQclears it), else NULL.
 */
struct event;
int workflow_registered_event(const struct context *ctx, struct event *e, PGresult **failure);

/*
 * The deadline of a received request from its events (domain/deadline),
 * on calendar `cal`; false when it has no date of receipt, its events
 * make no deadline, or the database failed.
 */
bool workflow_deadline(struct db *db, const struct calendar *cal,
		       const char *request_id, struct deadline *out);

/* The same from the request's clock events already read: the result of
 * STMT_WF_CLOCK_EVENTS (id of the request), sent with a page's other
 * reads in one round trip (issue 17). */
bool workflow_deadline_of(const struct calendar *cal, const PGresult *clock_events,
			  struct deadline *out);

/*
 * Recomputes and stores due_on, extension_days and clock_stopped_since of
 * one request (after a calendar change). Returns 1 when due_on changed,
 * 0 when not, -1 when the database failed. Call inside a transaction.
 */
int workflow_refresh_deadline(struct db *db, const struct calendar *cal,
			      const char *request_id);

/* "2026年3月5日" for YYYY-MM-DD (in the arena); "" for NULL or bad. */
const char *workflow_date_cn(struct arena *a, const char *iso);

#endif
