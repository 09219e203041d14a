#include "domain/report_checks.h"

#include <string.h>

#include "domain/date.h"

const char *const t3_row_codes[T3_NROWS] = {
	[T3_RECEIVED] = "received",
	[T3_CARRIED_IN] = "carried_in",
	[T3_DISCLOSED] = "disclosed",
	[T3_PARTIAL] = "partial",
	[T3_DENY_SECRET] = "deny_secret",
	[T3_DENY_LAW] = "deny_law",
	[T3_DENY_SECURITY] = "deny_security",
	[T3_DENY_THIRD_PARTY] = "deny_third_party",
	[T3_DENY_INTERNAL] = "deny_internal",
	[T3_DENY_PROCESS] = "deny_process",
	[T3_DENY_ENFORCEMENT] = "deny_enforcement",
	[T3_DENY_QUERY] = "deny_query",
	[T3_UNABLE_NOT_HELD] = "unable_not_held",
	[T3_UNABLE_CREATE] = "unable_create",
	[T3_UNABLE_UNCLEAR] = "unable_unclear",
	[T3_REJECT_PETITION] = "reject_petition",
	[T3_REJECT_REPEAT] = "reject_repeat",
	[T3_REJECT_PUBLICATION] = "reject_publication",
	[T3_REJECT_MASS] = "reject_mass",
	[T3_REJECT_CONFIRM] = "reject_confirm",
	[T3_OTHER_TOTAL] = "other_total",
	[T3_OTHER_NO_SUPPLEMENT] = "other_no_supplement",
	[T3_OTHER_NO_FEE] = "other_no_fee",
	[T3_OTHER] = "other",
	[T3_CONCLUDED_TOTAL] = "concluded_total",
	[T3_CARRIED_OUT] = "carried_out",
};

const char *const t3_col_codes[T3_NCOLS] = {
	[T3_PERSON] = "person",
	[T3_BUSINESS] = "business",
	[T3_RESEARCH] = "research",
	[T3_NONPROFIT] = "nonprofit",
	[T3_LEGAL_SERVICE] = "legal_service",
	[T3_ORG_OTHER] = "org_other",
	[T3_TOTAL] = "total",
};

const char *const t4_group_codes[T4_NGROUPS] = {
	[T4_REVIEW] = "review",
	[T4_SUIT_DIRECT] = "suit_direct",
	[T4_SUIT_AFTER_REVIEW] = "suit_after_review",
};

const char *const t4_col_codes[T4_NCOLS] = {
	[T4_UPHELD] = "upheld",
	[T4_CORRECTED] = "corrected",
	[T4_OTHER] = "other",
	[T4_PENDING] = "pending",
	[T4_TOTAL] = "total",
};

const char *const report_check_codes[REPORT_NCHECKS] = {
	[CHECK_BALANCE] = "balance",
	[CHECK_CONCLUDED_SUM] = "concluded_sum",
	[CHECK_TOTAL_COLUMN] = "total_column",
	[CHECK_T4_TOTAL] = "table4_total",
	[CHECK_CARRY] = "carry_over",
};

enum report_format report_format_of_year(int year)
{
	/* 国办公开办函〔2021〕30号 applies from the reports on 2021. */
	return year <= 2020 ? REPORT_FORMAT_2019 : REPORT_FORMAT_2021;
}

int32_t report_publish_deadline(int year, bool government)
{
	return government ? date_from_ymd(year + 1, 3, 31) : date_from_ymd(year + 1, 1, 31);
}

bool report_publish_late(int32_t deadline, int32_t published_on, int32_t today)
{
	return published_on ? published_on > deadline : today > deadline;
}

const char *report_format_code(enum report_format f)
{
	return f == REPORT_FORMAT_2019 ? "2019" : "2021";
}

static int code_index(const char *const *codes, int n, const char *code)
{
	for (int i = 0; code && i < n; i++)
		if (!strcmp(codes[i], code))
			return i;
	return -1;
}

int t3_row_of(const char *code)
{
	return code_index(t3_row_codes, T3_NROWS, code);
}

int t3_col_of(const char *code)
{
	return code_index(t3_col_codes, T3_NCOLS, code);
}

static bool is_other_part(int r)
{
	return r == T3_OTHER_NO_SUPPLEMENT || r == T3_OTHER_NO_FEE || r == T3_OTHER;
}

bool t3_row_in_format(enum report_format f, int r)
{
	if (r < 0 || r >= T3_NROWS)
		return false;
	if (r == T3_OTHER_TOTAL)
		return f == REPORT_FORMAT_2019;
	if (is_other_part(r))
		return f == REPORT_FORMAT_2021;
	return true;
}

bool t3_row_is_outcome(enum report_format f, int r)
{
	return r >= T3_DISCLOSED && r <= T3_OTHER && t3_row_in_format(f, r);
}

/* Collects failures: counts them all, stores the first `max`. */
struct collector {
	struct report_failure *out;
	size_t max;
	size_t n;
};

static void note(struct collector *c, enum report_check check, int row, int col,
		 long lhs, long rhs)
{
	if (lhs == rhs)
		return;
	if (c->n < c->max)
		c->out[c->n] = (struct report_failure){ check, row, col, lhs, rhs };
	c->n++;
}

static void check_columns(struct collector *c, enum report_format f,
			  const struct table3 *t3)
{
	for (int col = 0; col < T3_NCOLS; col++) {
		const long (*v)[T3_NCOLS] = t3->v;
		note(c, CHECK_BALANCE, T3_CONCLUDED_TOTAL, col,
		     v[T3_RECEIVED][col] + v[T3_CARRIED_IN][col],
		     v[T3_CONCLUDED_TOTAL][col] + v[T3_CARRIED_OUT][col]);
		long sum = 0;
		for (int r = 0; r < T3_NROWS; r++)
			if (t3_row_is_outcome(f, r))
				sum += v[r][col];
		note(c, CHECK_CONCLUDED_SUM, T3_CONCLUDED_TOTAL, col,
		     v[T3_CONCLUDED_TOTAL][col], sum);
	}
}

static void check_total_column(struct collector *c, enum report_format f,
			       const struct table3 *t3)
{
	for (int r = 0; r < T3_NROWS; r++) {
		if (!t3_row_in_format(f, r))
			continue;
		long sum = 0;
		for (int k = 0; k < T3_NKINDS; k++)
			sum += t3->v[r][k];
		note(c, CHECK_TOTAL_COLUMN, r, T3_TOTAL, t3->v[r][T3_TOTAL], sum);
	}
}

static void check_table4(struct collector *c, const struct table4 *t4)
{
	for (int g = 0; g < T4_NGROUPS; g++) {
		const long *v = t4->v[g];
		note(c, CHECK_T4_TOTAL, g, T4_TOTAL, v[T4_TOTAL],
		     v[T4_UPHELD] + v[T4_CORRECTED] + v[T4_OTHER] + v[T4_PENDING]);
	}
}

size_t report_check_all(enum report_format f, const struct table3 *t3,
			const struct table4 *t4, const long *prev_carried_out,
			struct report_failure *out, size_t max)
{
	struct collector c = { out, max, 0 };
	check_columns(&c, f, t3);
	check_total_column(&c, f, t3);
	check_table4(&c, t4);
	for (int col = 0; prev_carried_out && col < T3_NCOLS; col++)
		note(&c, CHECK_CARRY, T3_CARRIED_IN, col, t3->v[T3_CARRIED_IN][col],
		     prev_carried_out[col]);
	return c.n;
}
