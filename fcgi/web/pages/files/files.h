/* Downloads of stored files (issue 15): files.c. */
#ifndef YSQGK_PAGES_FILES_H
#define YSQGK_PAGES_FILES_H

struct request;

/* GET /staff/requests/{id}/notices/{n}.pdf (page_staff_notice hands it on). */
void page_staff_notice_pdf(struct request *req, const char *request_id, const char *notice_id);
/* GET /status/files/{file}?exp=…&sig=… */
void page_status_file(struct request *req);

/* GET /staff/files/{file}: a file attached to a request (staff session). */
void page_staff_file(struct request *req);

#endif
