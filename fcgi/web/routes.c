/*
 * The routing table: one line per URL, first match wins, so a handler is
 * one jump from here. Each group of pages keeps its lines beside it in
 * pages/<group>.routes.
 */
#include "web/routes.h"

#include "web/pages/pages.h"

const struct route routes[] = {
	{ "GET", "/", page_home, ROUTE_PUBLIC },
	{ "GET", "/healthz", page_healthz, ROUTE_NO_DB },
	{ "GET", "/healthz/live", page_healthz_live, ROUTE_NO_DB },
	{ "GET", "/healthz/standby", page_healthz_standby, ROUTE_PUBLIC },
	{ "GET", "/display", page_display, ROUTE_NO_DB },
	{ "GET", "/api/v1/agencies", page_api_agencies, ROUTE_PUBLIC },
	{ "GET", "/api/v1/agencies/{code}", page_api_agency, ROUTE_PUBLIC },
#include "web/pages/citizen/citizen.routes"
#include "web/pages/staff/staff.routes"
#include "web/pages/report/report.routes"
#include "web/pages/admin/admin.routes"
#include "web/pages/files/files.routes"
#include "web/pages/disclosures/disclosures.routes"
};

const size_t routes_count = sizeof routes / sizeof routes[0];
