/*
 * GET /display?mode=large|standard&back=/path: the elderly-friendly display
 * (适老化, issue 16) switched on or off from the header's form, with no
 * JavaScript. The choice is kept in a cookie for a year (http.h reads it
 * into every page's layout) and the reader is sent back (303) to the page
 * they came from.
 */
#include <string.h>

#include "lib/parse.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "web/routes.h"

#define DISPLAY_COOKIE_SECONDS (365 * 24 * 3600)

/* back when it is a page of this site that answers GET, else the home
 * page: never another host (an open redirect), never a POST-only path. */
static const char *local_back(struct request *req)
{
	const char *back = fields_get(&req->query, "back");
	if (!back || !redirect_target_safe(back))
		return "/";
	char *path;
	size_t path_len = strcspn(back, "?#");
	if (path_decode(req->arena, back, path_len, &path) != PARSE_OK)
		return "/";
	struct route_match m;
	char allow[64];
	if (route_find(routes, routes_count, "GET", path, &m, allow, sizeof allow) != ROUTE_FOUND ||
	    m.route->handler == page_display)
		return "/";
	return back;
}

void page_display(struct request *req)
{
	const char *mode = fields_get(&req->query, "mode");
	bool large = mode && !strcmp(mode, DISPLAY_LARGE);
	if (!large && !(mode && !strcmp(mode, "standard"))) {
		req->log_why = "unknown display mode";
		respond_error(req, 400, "显示模式无效，请从页面顶部的“大字模式”按钮切换。");
		return;
	}
	http_set_cookie(req, DISPLAY_COOKIE, large ? DISPLAY_LARGE : "",
			large ? DISPLAY_COOKIE_SECONDS : 0);
	respond_redirect(req, local_back(req));
}
