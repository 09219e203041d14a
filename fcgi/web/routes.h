#ifndef YSQGK_ROUTES_H
#define YSQGK_ROUTES_H

#include "lib/route.h"

extern const struct route routes[];
extern const size_t routes_count;

#endif
