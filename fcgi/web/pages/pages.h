/* The page handlers, one file per group of pages (see routes.c). */
#ifndef YSQGK_PAGES_H
#define YSQGK_PAGES_H

struct request;

void page_home(struct request *req);
void page_healthz(struct request *req);
void page_healthz_live(struct request *req);
void page_healthz_standby(struct request *req);
void page_api_agencies(struct request *req);
void page_api_agency(struct request *req);
void page_display(struct request *req);

/* Each group declares its handlers in its own header. */
#include "web/pages/citizen/citizen.h"
#include "web/pages/staff/staff.h"
#include "web/pages/report/report_pages.h"
#include "web/pages/admin/admin.h"
#include "web/pages/files/files.h"
#include "web/pages/disclosures/disclosures.h"

#endif
