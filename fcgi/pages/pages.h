/* The page handlers, one file per group of pages (see routes.c). */
#ifndef YSQGK_PAGES_H
#define YSQGK_PAGES_H

struct request;

void page_home(struct request *req);
void page_healthz(struct request *req);
void page_healthz_live(struct request *req);
void page_healthz_standby(struct request *req);
void page_api_agencies(struct request *req);

/* Each group declares its handlers in its own header. */
#include "pages/citizen.h"
#include "pages/staff.h"
#include "pages/report.h"
#include "pages/admin.h"

#endif
