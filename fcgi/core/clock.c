#include "core/clock.h"

#include <time.h>

int32_t clock_today(void)
{
	/* No daylight saving in China since 1991: UTC+8 is exact. */
	long long now = (long long)time(NULL) + 8 * 3600;
	return (int32_t)(now >= 0 ? now / 86400 : (now - 86399) / 86400);
}
