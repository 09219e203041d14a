/* Handlers of the staff pages (routes in pages/staff.routes). */
#ifndef YSQGK_PAGES_STAFF_H
#define YSQGK_PAGES_STAFF_H

struct request;

#endif
