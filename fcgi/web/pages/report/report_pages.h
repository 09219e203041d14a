/* Handlers of the report pages (routes in pages/report.routes). */
#ifndef YSQGK_PAGES_REPORT_H
#define YSQGK_PAGES_REPORT_H

#include <stdbool.h>

struct request;
struct staff_agency;

/* report_page.c: the report, its exports, publishing. */
void page_staff_report(struct request *req);
void page_staff_report_publish(struct request *req);
void page_api_report(struct request *req);
void page_api_report_publish(struct request *req);

/* report_forms.c: table 二 and sections 一, 五, 六. */
void page_staff_report_table2_form(struct request *req);
void page_staff_report_table2_save(struct request *req);
void page_staff_report_prose_form(struct request *req);
void page_staff_report_prose_save(struct request *req);
void page_api_report_table2(struct request *req);
void page_api_report_prose(struct request *req);

/* report_import.c: the administrator's ledger upload. */
void page_admin_import_form(struct request *req);
void page_admin_import(struct request *req);

/* What the report pages share (report_page.c). */

/*
 * The year (text, NULL = last year) and agency (NULL = the member's own)
 * a report page is about; false when answered (404 outside the member's
 * agencies, 422 for a year outside 2019 … this year).
 */
bool report_page_scope(struct request *req, const char *year_text, const char *agency,
		       int *year, struct staff_agency *ag);

/*
 * The scope of a report page opened with GET: ?year=&agency=, after the
 * first-sign-in password change. False when answered.
 */
bool report_query_scope(struct request *req, int *year, struct staff_agency *ag);

/* A field of the form, or of the JSON body (strings and numbers as text). */
const char *report_input(struct request *req, const char *name);

/* One line of audit_log for the signed-in member (data borrowed). */
void report_audit(struct request *req, const struct staff_agency *ag, const char *action,
		  struct json_object *data);

/* report_stats_page.c: the public statistics (issue 18 §6). */
void page_stats(struct request *req);
void page_stats_csv(struct request *req);
void page_api_stats(struct request *req);

#endif
