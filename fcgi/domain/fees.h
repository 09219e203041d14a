/*
 * fees: 信息处理费 (Art. 42; 《政府信息公开信息处理费管理办法》,
 * 国办函〔2020〕109号). Amounts are whole yuan.
 *
 * Art. 3 of the measures: both methods are computed 超额累进 (excess-
 * progressive, like tax brackets): each band is charged at its own rate,
 * only for the part of the count that falls in that band. The agency picks
 * one method per request, never both.
 */
#ifndef YSQGK_FEES_H
#define YSQGK_FEES_H

#include <stdint.h>

/*
 * 按件 (Art. 4): the fee for the nth request of the same applicant in one
 * calendar month. 1-10: free; 11-30: 100 each; from the 31st, every block
 * of 10 costs 100 more each (31-40: 200, 41-50: 300, ...). Being
 * progressive, this per-request price is the whole rule: the 35th request
 * costs 200 however many came before. nth < 1 costs 0.
 */
int64_t fee_per_request(int nth_in_month);

/* The total for requests 1..count of one applicant in one month. */
int64_t fee_month_total(int count);

/*
 * 按量 (Art. 5): the total for a response of `pages` pages, progressive:
 * pages 1-30 free, pages 31-100 at 10 each, 101-200 at 20 each, 201 and
 * over at 40 each. So 101 pages cost 70*10 + 1*20 = 720, not 101*20.
 * pages < 1 costs 0.
 */
int64_t fee_per_page(int pages);

#endif
