/*
 * query_code_reissue: a new 查询码 for an applicant who lost theirs
 * (issue 16, item 6). The code is stored only as a keyed hash, so nobody
 * can read the old one back; after checking the applicant's identity in
 * person or by telephone, a member of the agency's staff issues a new one,
 * which replaces the old at once. One transaction: the request locked,
 * the new hash stored, the event `query_code_reissued` appended (by the
 * staff member, with no code in its data: the log is never encrypted).
 */
#ifndef YSQGK_QUERY_CODE_REISSUE_H
#define YSQGK_QUERY_CODE_REISSUE_H

#include <stdbool.h>

#include "core/context.h"
#include "service/query_codes.h"

struct code_reissue {
	enum service_status status;
	const char *message;		/* why not, in Chinese */
	const char *field;		/* the field refused (SERVICE_BAD_INPUT) */
	int seq;			/* the event's seq when done */
	const char *tracking_no;	/* when done (in ctx->arena) */
	char query_code[QUERY_CODE_SIZE];	/* XXXXX-XXXXX when done */
};

/* Issues a new code for request_id as ctx->staff, who says that the
 * applicant's identity was checked (identity_checked; refused without). */
struct code_reissue query_code_reissue(const struct context *ctx, const char *request_id,
				       bool identity_checked);

#endif
