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

#endif
