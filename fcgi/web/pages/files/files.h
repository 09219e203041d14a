/* Downloads of stored files (issue 15): files.c. */
#ifndef YSQGK_PAGES_FILES_H
#define YSQGK_PAGES_FILES_H

struct request;

/* GET /staff/requests/{id}/notices/{n}.pdf (page_staff_notice hands it on). */
void page_staff_notice_pdf(struct request *req, const char *request_id, const char *notice_id);
/* GET /staff/requests/{id}/files/{file}: any file of the request. */
void page_staff_file(struct request *req);
/* GET /status/files/{file}?exp=…&sig=… */
void page_status_file(struct request *req);
/* GET /disclosures/{id}/files/{file}: a file made public with a listing
 * of the disclosure log (issue 18 §2), to anyone; only the ticked ones. */
void page_disclosure_file(struct request *req);

#endif
