/* Handlers of the report pages (routes in pages/report.routes). */
#ifndef YSQGK_PAGES_REPORT_H
#define YSQGK_PAGES_REPORT_H

struct request;

#endif
