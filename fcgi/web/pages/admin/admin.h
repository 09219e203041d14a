/* Handlers of the admin pages (routes in pages/admin.routes). */
#ifndef YSQGK_PAGES_ADMIN_H
#define YSQGK_PAGES_ADMIN_H

struct request;

/* admin.c: staff accounts and the holiday calendar. */
void page_admin(struct request *req);
void page_admin_user_add(struct request *req);
void page_admin_user_action(struct request *req);
void page_admin_holidays(struct request *req);

/* admin_agencies.c: the agencies' fields and settings (agencies.h). */
void page_admin_agencies(struct request *req);
void page_admin_agency(struct request *req);
void page_admin_agency_save(struct request *req);
void page_admin_agency_seal(struct request *req);

/* admin_phrases.c (issue 16): an agency's reply phrases. */
void page_admin_phrases(struct request *req);
void page_admin_phrase_add(struct request *req);
void page_admin_phrase_delete(struct request *req);

#endif
