/*
 * complaints: 投诉、举报 about an agency's handling of disclosure (Art. 51
 * of the Regulations; sql/036). A citizen files one against a request
 * (whose query code the web layer has checked) or against an agency; it
 * goes to the supervising (parent) agency, whose heads and administrators
 * answer it within COMPLAINT_WORKDAYS working days. The complained-about
 * agency's own staff never handle it (unless it is a top-level agency,
 * which has no supervisor in the system). The complainant follows it
 * with its number and a query code, as a request.
 */
#ifndef YSQGK_COMPLAINTS_H
#define YSQGK_COMPLAINTS_H
#include <stdbool.h>
#include <json-c/json.h>
#include "core/context.h"
#include "service/query_codes.h"

/* The product's choice, not the law's: the Regulations set no time for a
 * complaint's answer; 20 working days by analogy with a reply (Art. 33). */
#define COMPLAINT_WORKDAYS	20
#define COMPLAINT_BODY_MAX_CHARS 5000
#define COMPLAINT_NAME_MAX_CHARS 50

/* What the complainant typed (borrowed). Exactly one of request_id (a
 * request whose code was proved) and agency_code says what it is about. */
struct complaint_input {
	const char *kind;		/* complaint or report (complaints.kind) */
	const char *request_id;		/* NULL when against an agency */
	const char *agency_code;	/* NULL when against a request */
	const char *name, *phone, *email, *body;
	/* The form's one-time token (NULL: none, as from the API): the same
	 * token files one complaint, and a repetition gets its receipt. */
	const char *submit_token;
};

struct complaint_filed {
	enum service_status status;
	struct json_object *errors;	/* SERVICE_BAD_INPUT: field → message (owned) */
	const char *complaint_no, *received_on, *due_on;
	const char *agency_name;	/* complained about */
	const char *handling_agency_name;
	const char *notify;		/* how the complainant will be told */
	const char *kind;
	/* The form was filed before (same token): its complaint, whose code
	 * is shown again only within QUERY_CODE_REPEAT_SECONDS. */
	bool repeated;
	char query_code[QUERY_CODE_SIZE];	/* XXXXX-XXXXX when done, else "" */
};

/* Checks and stores a complaint in one transaction (its number, its
 * code's hash, the `filed` event). */
struct complaint_filed complaint_file(const struct context *ctx, const struct complaint_input *in);

/* Whether ctx->staff handles the complaints of `handling_agency_id`: a
 * head of that agency, or an administrator who sees it. */
bool complaint_handler(const struct context *ctx, long long handling_agency_id);

struct complaint_replied {
	enum service_status status;
	const char *message;		/* why not, in Chinese */
};

/* The handling agency's answer to complaint `id` (text required): stored
 * with who replied, the `replied` event, the complainant's message. */
struct complaint_replied complaint_reply(const struct context *ctx, const char *id,
					 const char *reply);
/* Logs that ctx->staff, a handler of complaint `id`, looks at the
 * complainant's full phone number (event contact_viewed): done, or
 * SERVICE_NOT_FOUND outside the member's complaints. */
enum service_status complaint_contact_viewed(const struct context *ctx, const char *id);
#endif
