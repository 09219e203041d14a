/*
 * staff_request: one request's page and API (staff_request.c: finding it,
 * the steps; staff_request_model.c: its model). Private to the two.
 */
#ifndef YSQGK_STAFF_REQUEST_H
#define YSQGK_STAFF_REQUEST_H

#include "domain/workflow_rules.h"
#include "service/workflow.h"
#include "web/pages/pages.h"

/* What a request page shows in full, each view logged as its event. */
enum reveal {
	REVEAL_NOTHING,
	REVEAL_ID_NUMBER,	/* id_number_viewed */
	REVEAL_CONTACT,		/* contact_viewed: the phone number */
};

/* What the model found out about the request, for the caller. */
struct detail {
	const char *id;
	long long agency_id;
	const char *agency_id_text;
	enum wf_status status;
	bool has_received;
	const char *id_number_enc;
	bool correction;	/* a correction request (Art. 41, sql/035) */
};

/* The request's id from the path capture (an id or a tracking number),
 * or NULL having answered 404. */
const char *request_ref(struct request *req, const char *capture);

/* The request's model (NULL having answered: 404, 503). */
struct json_object *request_model(struct request *req, const char *id, enum reveal reveal,
				  struct detail *d);

/* Answers with the request's page: `refused` is the step's refusal to show
 * beside its form, `done` the step just taken. */
void request_page(struct request *req, const char *id, int status, enum reveal reveal,
		  const struct workflow_result *refused, const char *done);

/* A step's form as it was sent (issue 16, item 7): a refused step, or a
 * phrase inserted, shows the form again with everything typed. */
struct upload_result;
struct kept_form {
	const char *action;
	struct json_object *input;		/* borrowed: the form's fields */
	const struct upload_result *uploads;	/* the reply's files, or NULL */
};

/* The page with `kept` filled in its form (under form.<action>: each
 * field's value, `sel` the choices made, `err` the refusal beside its
 * field) and the refusal, if any, in the error summary. */
void request_page_kept(struct request *req, const char *id, int status,
		       const struct workflow_result *refused, const struct kept_form *kept);

/* staff_request_messages.c (issue 14): 通知方式 with the masked address
 * (notify, notify_label, notify_to), and the request's messages. */
void request_add_notify(struct request *req, struct json_object *m, const char *notify,
			const char *email, const char *phone_enc);
/* From the rows of STMT_REQ_MESSAGES for request `id`. */
void request_add_messages(struct request *req, struct json_object *m, const char *id,
			  const PGresult *messages);

/* staff_preview.c (issue 15): a step's notice before it is issued, the
 * step rolled back. The form (preview=1: a page; preview=pdf: the PDF),
 * the API ("preview": true in the body). */
void staff_preview_form(struct request *req, const char *id, const struct kept_form *kept);
void staff_preview_api(struct request *req, const char *id, const char *action);

/* staff_phrases.c (issue 16): the agency's phrase `phrase_id` added to
 * the field named by `insert_phrase` of the kept form, shown again. */
void staff_insert_phrase(struct request *req, const char *id, const struct kept_form *kept);
/* The phrases of the forms (phrases: [{id, name}], has_phrases) from the
 * rows of STMT_PHRASE_LIST for the request's agency. */
void request_add_phrases(struct json_object *m, const PGresult *phrases);

/* staff_request_files.c (issue 15): the request's files with their sizes
 * (files, has_files), the total against the quota (file_quota) and every
 * download (downloads, has_downloads), from the rows of STMT_REQ_FILES and
 * STMT_REQ_FILE_DOWNLOADS for request `id`. */
void request_add_files(struct request *req, struct json_object *m, const char *id,
		       const PGresult *files, const PGresult *downloads);

/* staff_request_disclosures.c (issue 18 §2), from the page's reads
 * (REQ_DISCLOSURE, REQ_REPLY_FILES, REQ_SIMILAR): the request's listing
 * in the disclosure log (disclosure, or null), the publish form's
 * released documents (publish_files) and whether it may be listed now
 * (may_publish), and the listings similar to the request
 * (similar_disclosures, has_similar). After the actions (`can`). */
void request_add_disclosures(struct json_object *m, const PGresult *own,
			     const PGresult *reply_files, const PGresult *similar);
/* The publish form sent again: the boxes ticked as they were. */
void request_keep_public_files(struct json_object *m, struct json_object *input);

#endif
