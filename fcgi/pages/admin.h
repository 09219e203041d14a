/* Handlers of the admin pages (routes in pages/admin.routes). */
#ifndef YSQGK_PAGES_ADMIN_H
#define YSQGK_PAGES_ADMIN_H

struct request;

#endif
