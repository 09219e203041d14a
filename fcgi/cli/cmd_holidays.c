/*
 * ysqgk holidays import FILE.csv: adds a year's State Council schedule (the
 * format of cn_holidays.csv) and moves the due dates of open requests to
 * the new calendar, in one transaction. holidays list [YEAR] prints it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar_cache.h"
#include "service/holidays.h"
#include "cli/cli.h"
#include "cli/cli_staff.h"
#include "domain/date.h"

#define USAGE "import FILE.csv | list [YEAR]"
#define MAX_FILE (1 << 20)

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "ysqgk holidays: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	char *text = malloc(MAX_FILE + 1);
	*len = text ? fread(text, 1, MAX_FILE + 1, f) : 0;
	fclose(f);
	if (text && *len > MAX_FILE) {
		fprintf(stderr, "ysqgk holidays: %s: larger than 1 MiB\n", path);
		free(text);
		return NULL;
	}
	if (text)
		text[*len] = '\0';
	return text;
}

static int import(struct cli_staff *c, const char *path)
{
	size_t len;
	char *text = read_file(path, &len);
	if (!text)
		return 1;
	struct calendar_import r;
	char err[512];
	bool ok = calendar_import_csv(&c->db, text, len, NULL, &r, err, sizeof err);
	free(text);
	if (!ok) {
		fprintf(stderr, "ysqgk holidays import: %s: %s\n", path, err);
		return 1;
	}
	printf("%d days in %s: %d added, %d changed; %d open requests checked, %d due dates moved\n",
	       r.days, path, r.added, r.changed, r.requests, r.due_changed);
	return 0;
}

static int list(struct cli_staff *c, const char *year)
{
	struct calendar *cal = calendar_load_db(&c->db);
	if (!cal) {
		fprintf(stderr, "ysqgk holidays list: cannot read the holidays table\n");
		return 1;
	}
	int y = year ? atoi(year) : 0;
	const struct calendar_day *days;
	size_t n = y ? calendar_range(cal, date_from_ymd(y, 1, 1), date_from_ymd(y, 12, 31), &days)
		     : calendar_range(cal, INT32_MIN, INT32_MAX - 1, &days);
	printf("date,kind,name\n");
	for (size_t i = 0; i < n; i++) {
		char buf[DATE_STR_SIZE];
		printf("%s,%s,%s\n", date_format(days[i].date, buf),
		       days[i].kind == DAY_WORKDAY ? "workday" : "holiday", days[i].name);
	}
	calendar_free(cal);
	return 0;
}

int cmd_holidays(const char *config_path, int argc, char **argv)
{
	bool is_import = argc == 3 && !strcmp(argv[1], "import");
	bool is_list = (argc == 2 || argc == 3) && !strcmp(argv[1], "list");
	if (!is_import && !is_list)
		return cli_usage_error("holidays", USAGE, "needs import FILE.csv or list [YEAR]");
	if (is_list && argc == 3 && (atoi(argv[2]) < 1900 || atoi(argv[2]) > 9999))
		return cli_usage_error("holidays", USAGE, "YEAR must be a year");
	struct cli_staff c;
	if (!cli_staff_open(&c, config_path, "holidays"))
		return 1;
	int status = is_import ? import(&c, argv[2]) : list(&c, argc == 3 ? argv[2] : NULL);
	cli_staff_close(&c);
	return status;
}
