#include "domain/fees.h"

int64_t fee_per_request(int nth)
{
	if (nth <= 10)
		return 0;
	if (nth <= 30)
		return 100;
	/* 31-40 is block 0 at 200, 41-50 block 1 at 300, ... */
	return 200 + (int64_t)((nth - 31) / 10) * 100;
}

int64_t fee_month_total(int count)
{
	if (count <= 10)
		return 0;
	if (count <= 30)
		return (int64_t)(count - 10) * 100;

	/* 20 requests at 100, then full blocks k = 0, 1, ... of 10 at
	 * 200 + 100k each, then the rest of the open block. */
	int64_t blocks = (count - 30) / 10, rest = (count - 30) % 10;
	return 2000 + blocks * 2000 + blocks * (blocks - 1) / 2 * 1000 +
	       rest * (200 + blocks * 100);
}

/* The pages of 1..pages that fall in (lo, hi]. */
static int64_t pages_in_band(int pages, int lo, int hi)
{
	if (pages <= lo)
		return 0;
	return (pages < hi ? pages : hi) - lo;
}

int64_t fee_per_page(int pages)
{
	return pages_in_band(pages, 30, 100) * 10 +
	       pages_in_band(pages, 100, 200) * 20 +
	       pages_in_band(pages, 200, INT32_MAX) * 40;
}
