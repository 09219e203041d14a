/*
 * request_contact: the applicant changing, from the status page, how they
 * are told of each step (requests.notify, issue 14) and their e-mail
 * address and phone number — the details they gave at submission, under
 * the same rules (request_validate.c). 个人信息保护法 Art. 46: a person may
 * have their personal information corrected and completed.
 *
 * A field left blank (or absent) keeps its value: the page shows the
 * stored address only masked, so it cannot be typed back. The change is
 * one transaction with its event `contact_changed` by the applicant,
 * whose data names only the fields that changed, never an address (the
 * event log is append-only and never encrypted). The phone number is
 * stored as at submission: encrypted beside its keyed hash (core/pii.h).
 */
#ifndef YSQGK_REQUEST_CONTACT_H
#define YSQGK_REQUEST_CONTACT_H

#include <json-c/json.h>

#include "core/context.h"

struct contact_change {
	enum service_status status;
	const char *message;		/* Chinese: why not (409, 5xx) */
	/* SERVICE_BAD_INPUT: {"notify"|"email"|"phone": message}, owned
	 * by the caller (json_object_put); NULL otherwise. */
	struct json_object *errors;
	int changed;			/* fields changed; 0: nothing to do */
	int seq;			/* the event's seq when one was written */
};

/*
 * Changes the contact details of request `request_id` (text) from `input`
 * (borrowed: strings "notify" — email, sms, none —, "email", "phone").
 * SERVICE_CONFLICT once the request's personal data were pseudonymised
 * (the retention period ran out); SERVICE_NOT_FOUND for no such request.
 */
struct contact_change request_contact_change(const struct context *ctx,
					     const char *request_id,
					     struct json_object *input);

#endif
