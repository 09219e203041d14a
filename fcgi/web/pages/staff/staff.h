/* Handlers of the staff pages (routes in pages/staff.routes). */
#ifndef YSQGK_PAGES_STAFF_H
#define YSQGK_PAGES_STAFF_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>
#include <libpq-fe.h>

#include "web/model.h"

struct request;

/* staff_auth.c: signing in and out, the password. */
void page_staff_login_form(struct request *req);
void page_staff_login(struct request *req);
void page_staff_logout(struct request *req);
void page_staff_password_form(struct request *req);
void page_staff_password(struct request *req);
void page_api_session_create(struct request *req);
void page_api_session_get(struct request *req);
void page_api_session_delete(struct request *req);
void page_api_session_password(struct request *req);

/* staff_totp.c: enrolling a second factor. */
void page_staff_totp_form(struct request *req);
void page_staff_totp(struct request *req);
void page_api_session_totp_get(struct request *req);
void page_api_session_totp(struct request *req);

/* staff_queue.c: the queue. */
void page_staff_queue(struct request *req);
void page_staff_discarded(struct request *req);
void page_api_discarded(struct request *req);
void page_api_requests(struct request *req);

/* staff_dashboard.c: the county's view (issue 18 §6). */
void page_staff_dashboard(struct request *req);
void page_api_dashboard(struct request *req);
/* Whether the member signed in leads an agency with departments (a head
 * or administrator): who sees 概况. From the worker's copy. */
bool staff_has_departments(struct request *req);

/* staff_export.c: the register (台账) as XLSX and CSV (issue 18 §3). */
void page_api_export_xlsx(struct request *req);
void page_api_export_csv(struct request *req);

/* staff_archive.c: one request's case archive as a ZIP (issue 18 §4). */
void page_staff_request_archive(struct request *req);

/* staff_request.c: one request and its steps. */
void page_staff_request(struct request *req);
void page_staff_request_action(struct request *req);
void page_staff_request_reveal(struct request *req);
void page_staff_notice(struct request *req);
void page_staff_delivery_receipt(struct request *req);	/* staff_delivery.c */
void page_api_request(struct request *req);
void page_api_request_action(struct request *req);

/* staff_reissue.c: a new 查询码 after checking identity (issue 16). */
void page_staff_reissue_code(struct request *req);
void page_api_reissue_code(struct request *req);

/* staff_uploads.c: POST /api/v1/requests/{id}/files (issue 15). */
void page_api_request_files(struct request *req);

/* staff_request_messages.c: "send again" of a dead message (issue 14). */
void page_staff_message_resend(struct request *req);
void page_api_message_resend(struct request *req);

/* staff_phrases.c (issue 16): an agency's reply phrases, [{id, name}]
 * (with `bodies`, each one's body too); the API's list. */
struct json_object *phrases_of_agency(struct request *req, const char *agency_id, bool bodies);
void page_api_phrases(struct request *req);

/* staff_complaints.c: 投诉、举报 the member's agency answers (Art. 51). */
void page_staff_complaints(struct request *req);
void page_staff_complaint(struct request *req);
void page_staff_complaint_reply(struct request *req);
void page_api_complaint_reply(struct request *req);
void page_staff_complaint_reveal(struct request *req);	/* also the API's */
/* The open complaints the member handles, for the nav; -1: a clerk, who
 * handles none. */
int staff_complaints_open(struct request *req);
/* staff_register.c: entering a request received on paper. */
void page_staff_register_form(struct request *req);
void page_staff_register(struct request *req);

/* {"staff": {…}} of the signed-in member (staff_auth.c). */
struct json_object *staff_session_model(struct request *req);

/* A string field of the JSON body, or NULL (staff_auth.c). */
const char *staff_json_field(struct request *req, const char *key);

/* staff_common.c: what every staff page shares. */

/* A page model with the signed-in member ("me") and the title. */
struct json_object *staff_model(struct request *req, const char *title);

/* For pages: a member who must change the password is sent to do so
 * first (false: answered with that redirect; see web/http.h). */
bool staff_password_changed_or_respond(struct request *req);


/* The agency whose requests the page shows: the member's own, or for an
 * administrator the one asked for (`code`, NULL = the first in scope).
 * false when answered (404 outside the scope, or a database failure). */
struct staff_agency {
	long long id;
	const char *id_text, *code, *name;
};
bool staff_agency(struct request *req, const char *code, struct staff_agency *out);

/* The agencies an administrator may choose, [{code, name, selected}]. */
struct json_object *staff_agency_choices(struct request *req, const char *selected);

/* The agency's confirm_workdays setting (domain/deadline.h,
 * confirm_workdays_setting), from the worker's copy. */
int staff_confirm_workdays(struct request *req, const char *agency_id);

/* A value of a result in the request's arena; NULL for NULL. */
const char *staff_val(struct request *req, const PGresult *res, int row, int col);
/* Adds key → the value unless it is NULL or empty. */
void staff_add_val(struct request *req, struct json_object *o, const char *key,
		   const PGresult *res, int row, int col);
/* Adds key → the date (YYYY-MM-DD) and key_text → 2026年3月5日; nothing
 * for NULL. */
void staff_add_date_cn(struct request *req, struct json_object *o, const char *key,
		       const char *iso);

#endif
