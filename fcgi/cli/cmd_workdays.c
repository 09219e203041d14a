/* ysqgk workdays add DATE N: the date N working days after DATE, on the
 * calendar of the holidays table (the day itself is not counted). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/calendar_cache.h"
#include "cli/cli.h"
#include "cli/cli_staff.h"
#include "domain/date.h"

int cmd_workdays(const char *config_path, int argc, char **argv)
{
	const char *usage = "add DATE N";
	int32_t date;
	char *end;
	if (argc != 4 || strcmp(argv[1], "add"))
		return cli_usage_error("workdays", usage, "needs add DATE N");
	if (!date_parse(argv[2], &date))
		return cli_usage_error("workdays", usage, "DATE must be YYYY-MM-DD, a real date");
	long n = strtol(argv[3], &end, 10);
	if (*end || end == argv[3] || n < -10000 || n > 10000)
		return cli_usage_error("workdays", usage, "N must be a whole number (-10000..10000)");
	struct cli_staff c;
	if (!cli_staff_open(&c, config_path, "workdays"))
		return 1;
	struct calendar *cal = calendar_load_db(&c.db);
	int status = 1;
	if (cal) {
		int32_t to = workdays_add(cal, date, (int)n);
		char buf[DATE_STR_SIZE];
		printf("%s\n", date_format(to, buf));
		for (int y = date_year(date < to ? date : to); y <= date_year(date < to ? to : date); y++)
			if (!calendar_covers(cal, y))
				fprintf(stderr, "ysqgk workdays: warning: no holiday schedule for %d"
					" (ysqgk holidays import)\n", y);
		calendar_free(cal);
		status = 0;
	} else {
		fprintf(stderr, "ysqgk workdays: cannot read the holidays table\n");
	}
	cli_staff_close(&c);
	return status;
}
