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

#include <json-c/json.h>

struct request;

/* Who takes the step. */
enum workflow_actor {
	ACTOR_APPLICANT,	/* through the status page (query code checked) */
	ACTOR_STAFF,		/* req->staff is the signed-in member */
	ACTOR_SYSTEM,		/* deadlines passing (ysqgk deadlines) */
};

struct workflow_result {
	int status;		/* 200 done; 403, 404, 409, 422 refused; 500/503 failed */
	const char *message;	/* Chinese, for the page or {"error": …} */
	const char *field;	/* the input field a 422 is about, or NULL */
	int seq;		/* the appended event's seq when done */
};

/*
 * Takes `action` (confirm, supplement, supplement_answered, consult,
 * consult_answered, extend, approve_extension, refuse_extension, fee_notice,
 * fee_paid, reply, appeal, note, assign, withdraw, …) on the request with
 * id `request_id` (text), with `input` (borrowed) holding the action's
 * fields, e.g. {"text": "…"} for supplement_answered or {"date": "2024-09-27"}
 * for a back-dated confirm.
 */
struct workflow_result workflow_act(struct request *req, const char *request_id,
				    const char *action, struct json_object *input,
				    enum workflow_actor actor);

#endif
