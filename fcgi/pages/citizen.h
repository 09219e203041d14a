/* Handlers of the citizen pages (routes in pages/citizen.routes). */
#ifndef YSQGK_PAGES_CITIZEN_H
#define YSQGK_PAGES_CITIZEN_H

struct request;

#endif
