/*
 * The public statistics (issue 18 §6): GET /stats (HTML), /stats.csv and
 * /api/v1/stats (JSON) — each agency's table 三 for the current year as it
 * stands, by the yearly report's own computation (service/report_stats).
 * Counts only: nothing personal.
 *
 * The computation runs the report's statements once per agency, too much
 * for every anonymous request. Each worker keeps its last answer for
 * STATS_MAX_AGE seconds (lib/per_thread, as the other worker caches): the
 * page says the numbers are "as of" a moment, the law asks for them once a
 * year (Art. 49-50, the yearly report), and a request counted a few minutes
 * late misleads no one — while a crawler can no longer make the database
 * recompute every table on each hit. (No Cache-Control: max-age: every
 * answer of the app, and nginx, say no-store, web/server.c.)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lib/csvout.h"
#include "lib/per_thread.h"
#include "core/clock.h"
#include "domain/date.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "service/report_stats.h"

#define STATS_MAX_AGE 300

/* A worker's last statistics: the model as JSON text, its year and when
 * it was computed. */
struct stats_copy {
	int year;
	time_t at;
	char *json;
	char computed_at[24];
};

static void stats_copy_free(void *p)
{
	struct stats_copy *c = p;
	free(c->json);
	free(c);
}

static struct per_thread stats_copies = PER_THREAD_INIT(sizeof(struct stats_copy), stats_copy_free);

/* The model of this year's statistics, from the worker's copy while it is
 * young enough; NULL having answered a failure. The caller owns it. */
static struct json_object *stats_model(struct request *req)
{
	struct stats_copy *c = per_thread_get(&stats_copies);
	int year = date_year(clock_today());
	time_t now = time(NULL);
	if (!c->json || c->year != year || now - c->at >= STATS_MAX_AGE || now < c->at) {
		PGresult *failure = NULL;
		struct json_object *m = report_stats(req->db, year, &failure);
		if (!m) {
			respond_db_failure(req, failure);
			PQclear(failure);
			return NULL;
		}
		free(c->json);
		c->json = strdup(json_object_to_json_string_ext(m, JSON_C_TO_STRING_PLAIN));
		c->year = year;
		c->at = now;
		struct tm tm;
		time_t bj = now + 8 * 3600;	/* Beijing: UTC+8, no daylight saving */
		gmtime_r(&bj, &tm);
		strftime(c->computed_at, sizeof c->computed_at, "%Y-%m-%d %H:%M", &tm);
		json_object_put(m);
	}
	struct json_object *m = json_tokener_parse(c->json);
	json_object_object_add(m, "computed_at", json_object_new_string(c->computed_at));
	json_object_object_add(m, "max_age_seconds", json_object_new_int(STATS_MAX_AGE));
	return m;
}

static void stats(struct request *req, bool page)
{
	struct json_object *m = stats_model(req);
	if (!m)
		return;
	if (page) {
		char title[64];
		snprintf(title, sizeof title, "%d年政府信息公开申请统计",
			 json_object_get_int(json_object_object_get(m, "year")));
		json_object_object_add(m, "title", json_object_new_string(title));
	}
	respond(req, 200, page ? "stats" : NULL, m);
}

void page_stats(struct request *req)
{
	stats(req, true);
}

void page_api_stats(struct request *req)
{
	stats(req, false);
}

void page_stats_csv(struct request *req)
{
	struct json_object *m = stats_model(req);
	if (!m)
		return;
	struct buf *out = &req->worker->out;
	buf_reset(out);
	buf_puts(out, CSV_UTF8_BOM);
	report_stats_csv(m, out);
	char disposition[80];
	snprintf(disposition, sizeof disposition, "attachment; filename=\"stats-%d.csv\"",
		 json_object_get_int(json_object_object_get(m, "year")));
	json_object_put(m);
	http_header(req, "Content-Type", "text/csv; charset=utf-8");
	http_header(req, "Content-Disposition", disposition);
	req->status = 200;
	req->responded = true;
}
