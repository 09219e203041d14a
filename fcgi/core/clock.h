/*
 * clock: the one place the program asks what day it is. Every deadline,
 * every "today" on a page and every date check counts in Beijing time,
 * whatever the server's time zone. Tests move the whole stack's clock with
 * libfaketime (tests/at.sh), which this reads through time(2), so there is
 * no test hook here.
 */
#ifndef YSQGK_CLOCK_H
#define YSQGK_CLOCK_H

#include <stdint.h>

/* Today's date in Beijing, as days since 1970-01-01 (domain/date.h). */
int32_t clock_today(void);

#endif
