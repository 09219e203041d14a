/*
 * requests: creating a disclosure request (Art. 29, 31) — validating the
 * applicant's fields and storing the request, its tracking number, query
 * code and first event in one transaction.
 *
 * One function serves every way a request arrives: the online form
 * (web/pages/citizen/apply.c), the JSON API, staff registering a request received on
 * paper (an explicit struct request_origin), and later the CSV import.
 * The input is a json-c object whose keys are the field names of the
 * form and of the API (docs/api.md, "Citizens"): strings, two arrays of
 * codes, and booleans for `declaration` and `credit_code_confirmed`.
 *
 * Personal data: 证件号码 and phone numbers are stored only encrypted
 * (pii_encrypt) beside a keyed hash of a normalised value (pii_hash), so
 * the same applicant is recognised without decrypting. The query code is
 * stored only as a keyed hash.
 *
 * The query code and a repeated submission: a form carries a random
 * `submit_token`. The request stores only a keyed hash of it
 * (requests.submit_token, unique per agency), and the query code of a
 * request submitted with a token is derived from it with a keyed MAC. A
 * second POST of the same form (double click, reload, back + resubmit)
 * therefore finds the first request and, within
 * QUERY_CODE_REPEAT_SECONDS of the submission, can show the same query
 * code again: an applicant whose first answer never arrived (a dropped
 * mobile connection) still gets the code. Later repetitions show the
 * receipt without it. Only the browser that holds the token can do this;
 * the database holds neither the token nor the code.
 */
#ifndef YSQGK_REQUESTS_H
#define YSQGK_REQUESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "core/app.h"
#include "lib/arena.h"
#include "core/db.h"
#include "service/query_codes.h"

/* Art. 29 asks for a description that lets the agency find the
 * information; these bounds are the form's choice (the row takes 20000). */
#define REQUEST_DESCRIPTION_MIN_CHARS	10
#define REQUEST_DESCRIPTION_MAX_CHARS	2000

/* How long a repeated POST of the same form shows the query code again. */
#define QUERY_CODE_REPEAT_SECONDS	3600

/* The privacy notice of the form (templates/apply.mustache, section 五):
 * a request stores the version its applicant consented to (PIPL Art. 14,
 * 17). Change it whenever the notice's text changes. */
#define PRIVACY_NOTICE_VERSION		"2026-12"

/*
 * Staff registering a request that arrived on paper, in person, by fax…
 * (the API route while signed in, or the CSV import). NULL means the
 * applicant submitting online.
 */
struct request_origin {
	const char *channel;		/* in_person, post, fax, email, other, online */
	const char *received_on;	/* YYYY-MM-DD: the day of receipt (Art. 31) */
	const char *staff_id;		/* staff.id as text: the event's actor */
	bool head;			/* the member is the agency's head */
};

/* The fields after validation: trimmed, normalised, in the arena. NULL =
 * not given (or not relevant to the applicant's kind). */
struct request_fields {
	const char *request_kind;	/* disclosure (default) or correction (Art. 41) */
	const char *applicant_kind;
	const char *name;
	const char *id_type;		/* person only */
	const char *id_number;		/* person only; upper-cased, no spaces */
	const char *credit_code;	/* organisation only; upper-cased */
	const char *legal_representative;
	const char *contact_name;
	const char *work_unit;		/* person only */
	const char *phone;		/* as typed, trimmed */
	const char *phone_key;		/* normalised for the hash */
	const char *fax;
	const char *email;
	const char *notify;		/* email, sms or none (requests.notify) */
	const char *address;
	const char *postcode;
	const char *description;	/* CRLF became LF */
	const char *document_ref;
	/* A correction (Art. 41): what is inaccurate and what it should say
	 * (the information itself is `description`); NULL otherwise. */
	const char *correction_wrong;
	const char *correction_should;
	const char *provision_forms[4];
	size_t provision_count;
	const char *obtain_methods[6];
	size_t obtain_count;
	const char *submit_token;
	const char *channel;		/* "online" unless staff register it */
	const char *received_on;	/* NULL for online */
	const char *backdate_reason;	/* why received_on is entered late */
	bool privacy_consent;		/* online: the notice's box was ticked */
};

/*
 * Checks every field of `input`; fills `out` and returns true when all
 * are acceptable. Otherwise adds one Chinese message per bad field to
 * `errors` (a json object; keys are the field names, in form order) and
 * returns false. A 统一社会信用代码 that fails only its check character is
 * an error under "credit_code" unless `credit_code_confirmed` is true, and
 * sets *credit_warning (GB 32100: some issued codes fail the check). For
 * staff (origin not NULL) neither the declaration nor the privacy consent
 * is asked (the paper form is signed; an agency processes a paper
 * applicant's data under its statutory duty, PIPL Art. 13(3)), any one contact detail suffices, and channel and received_on
 * are checked (errors under those names). `today` is Beijing's date.
 */
bool request_validate(struct arena *a, struct json_object *input,
		      const struct request_origin *origin, int32_t today,
		      struct request_fields *out, struct json_object *errors,
		      bool *credit_warning);

/* The outcome of request_create(). */
struct request_created {
	/* 201 created; 200 a repeated submission (same submit_token);
	 * 404 no such agency; 409 the agency takes no online requests;
	 * 422 invalid input (see errors); 500 or 503 the database failed. */
	int status;
	struct json_object *errors;	/* 422: {"field": "message"}; caller puts it */
	bool credit_warning;		/* 422 includes the credit-code warning */
	const char *agency_code;
	const char *agency_name;
	const char *request_id;
	const char *tracking_no;
	/* The query code (XXXXX-XXXXX); NULL on a repetition later than
	 * QUERY_CODE_REPEAT_SECONDS, or for a token-less repetition. */
	const char *query_code;
	const char *status_code;	/* submitted, or in_progress for staff */
	const char *submitted_at;	/* ISO 8601, +08:00 */
	const char *submitted_text;	/* 2026年3月5日 14:03 */
	const char *received_on;	/* staff registrations */
	const char *due_on;		/* staff registrations */
	const char *description;
	const char *document_ref;
	const char *notify;		/* how the applicant is told: email, sms, none */
	const char *request_kind;	/* disclosure or correction */
};

/*
 * Validates `input` and, when valid, stores the request for the agency
 * with code `agency_code` in one transaction: the tracking number from the
 * agency's counter row of this year (<code>-<year>-<%06d>, the row lock
 * serialising concurrent submissions), the row with its personal data
 * encrypted, and the first event — `submitted` by the applicant, or for
 * staff `registered` (status in_progress, received_on and due_on set,
 * effective on the day of receipt). `input` is borrowed; results live in
 * the arena. Database errors are logged and give 500/503.
 */
void request_create(struct db *db, const struct app *app, struct arena *a,
		    const char *agency_code, struct json_object *input,
		    const struct request_origin *origin,
		    struct request_created *out);

/*
 * request_create, attaching in the same transaction the unattached uploads
 * file_ids[0..nfiles) of the agency (web/upload.h: the form's ID copy,
 * 委托书, other material; a registration's scans), their SHA-256 in the
 * first event's data. One no longer attachable (taken meanwhile) makes
 * it 422 with errors {"attachments": …}, nothing stored.
 */
void request_create_with_files(struct db *db, const struct app *app, struct arena *a,
			       const char *agency_code, struct json_object *input,
			       const struct request_origin *origin,
			       const long long *file_ids, size_t nfiles,
			       struct request_created *out);

/* ---- normalising (the vocabularies: domain/vocab.h) ----------------------- */

/* Phone number for the hash: digits only, +86/0086 dropped; NULL if it
 * does not look like a phone number. */
const char *phone_normalise(struct arena *a, const char *typed);

/* A normalised phone number (phone_normalise) that is a mobile one:
 * 1 + 10 digits, which SMS can reach. */
bool is_mobile(const char *digits);

/* Full-width ASCII (a Chinese input method in full-width mode) and the
 * ideographic space folded to ASCII, in the arena. */
char *fold_fullwidth(struct arena *a, const char *s);

/* An e-mail address as the form accepts it: one @, a dotted domain, no
 * blanks or specials. */
bool email_plausible(const char *s);

#endif
