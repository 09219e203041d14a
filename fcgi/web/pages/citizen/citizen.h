/* Handlers of the citizen pages (routes in pages/citizen.routes). */
#ifndef YSQGK_PAGES_CITIZEN_H
#define YSQGK_PAGES_CITIZEN_H

struct request;

/* pages/apply.c: the application form and the receipt. */
void page_apply_index(struct request *req);
void page_apply_form(struct request *req);
void page_apply_submit(struct request *req);
void page_api_request_create(struct request *req);

/* pages/status.c: look-up, supplement (补正) and withdrawal. */
void page_status_form(struct request *req);
void page_status_lookup(struct request *req);
void page_status_view(struct request *req);
void page_status_supplement(struct request *req);
void page_status_withdraw(struct request *req);
void page_status_withdraw_form(struct request *req);
void page_api_status(struct request *req);
void page_api_status_supplement(struct request *req);
void page_api_status_withdraw(struct request *req);
/* The applicant's 通知方式, e-mail and phone (issue 14). */
void page_status_contact(struct request *req);
void page_api_status_contact(struct request *req);

/*
 * The status look-up's number, code and limiter (status.c), for the other
 * look-ups by number and code (complaints.c): the limiter counts every
 * wrong try from an address, whatever it looked up.
 */
#include <stdbool.h>
struct arena;
enum citizen_try { TRY_FOUND, TRY_WRONG, TRY_LIMITED, TRY_FAILED /* answered */ };
/* A fresh one-time form token (apply.c): a form posted twice is filed once. */
const char *new_submit_token(struct request *req);
/* A field of the form or of the JSON body (a string, else NULL). */
const char *citizen_input(struct request *req, const char *name);
/* Trimmed, lower-cased, full-width folded (a tracking or complaint number). */
char *tracking_normalise(struct arena *a, const char *typed);
/* The request of the POSTed tracking_no and query_code, counted by the
 * limiter: TRY_FOUND sets *request_id; TRY_LIMITED sets *retry_after. */
enum citizen_try citizen_request_proved(struct request *req, const char **request_id,
					int *retry_after);
/* Counts one try of another look-up (found or not) by the limiter. */
enum citizen_try citizen_try_counted(struct request *req, bool found, int *retry_after);
/* The limiter's answer: wait so long. */
void set_retry_after(struct request *req, int seconds);
const char *limited_message(struct request *req, int seconds);

/* complaints.c: 投诉、举报 (Art. 51): the form, the receipt, the look-up. */
void page_complaint_form(struct request *req);
void page_complaint_submit(struct request *req);
void page_api_complaint_create(struct request *req);
void page_complaint_status_form(struct request *req);
void page_complaint_status(struct request *req);
void page_api_complaint_status(struct request *req);

#endif
