/*
 * workflow_internal: what the parts of the workflow share — the step being
 * taken (struct step) and the helpers every step uses. workflow.c runs
 * the transaction and dispatches; workflow_support.c holds the helpers
 * (input, back-dating, notices, the deadline); workflow_steps.c the steps
 * from receipt to fees; workflow_replies.c the mass-request steps of
 * Art. 35, the reply, withdrawal, appeals, notes and the system's expiries.
 */
#ifndef YSQGK_WORKFLOW_INTERNAL_H
#define YSQGK_WORKFLOW_INTERNAL_H

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/calendar_cache.h"
#include "domain/date.h"
#include "domain/fees.h"
#include "domain/remedies.h"
#include "domain/workflow_rules.h"
#include "core/events.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/tmpl.h"
#include "core/clock.h"

#include "service/workflow.h"

/* Practice where the regulation is silent (agency settings override). */
#define DEFAULT_SUPPLEMENT_WORKDAYS	10	/* the applicant's period for 补正 */
#define DEFAULT_FEE_PAY_WORKDAYS	20	/* 2020 measures: pay within 20 working days */
#define DEFAULT_BACKDATE_WORKDAYS	5	/* a step dated further back needs a reason */
#define TEXT_MAX_CHARS			20000

/* The locked row and what the step changes in it. */
struct step {
	const struct context *ctx;
	bool input_typed;	/* a JSON body (typed), not a form (all text) */
	struct db *db;
	struct arena *arena;
	struct json_object *input;
	enum wf_action action;
	enum workflow_actor actor;
	const struct calendar *cal;
	int32_t today;

	const char *id;
	const char *agency_id;
	const char *tracking_no, *name, *description, *applicant_kind;
	const char *agency_code, *agency_name, *office_address, *office_phone;
	const char *office_hours, *document_ref;
	bool agency_is_government;
	const char *government_above;	/* agency_government_above(), or NULL */
	struct json_object *settings;	/* agencies.settings, owned */
	const char *id_number_hash, *credit_code;
	int32_t submitted_on;
	const char *channel;
	/* A correction request (Art. 41, sql/035): its own outcomes and
	 * notice wording; what is wrong and what it should say. */
	bool correction;
	const char *correction_wrong, *correction_should;

	/* The cached state, as read and as the step leaves it. */
	enum wf_status status;
	bool has_received;
	int32_t received;
	bool backdated;
	bool late_entry;	/* a step dated beyond backdate_workdays, with its reason */
	const char *outcome;
	bool concluded;
	int32_t concluded_on;
	bool redo;		/* redo_on set: worked again after a decision */
	/* The outcome the step's notice states, for its remedies: a reply
	 * after a redo keeps the row's first outcome but not its remedies. */
	const char *notice_outcome;
	bool annul_closing;	/* a late supplement reopens a closed request */

	/* The event. */
	struct json_object *data;	/* owned */
	int32_t effective;
	const char *event;		/* the event's action when not the step's own */
	bool clock_changed;		/* recompute the deadline */
	int seq;

	/* A notice to issue with the event. */
	const char *notice_kind, *notice_template, *notice_title, *notice_no;
	/* Whom the notice is addressed to when not the applicant (a
	 * 征求意见书 to the party consulted), and then never shown to the
	 * applicant (notices.visible_to_applicant false). */
	const char *notice_addressee;
	struct json_object *notice_model;	/* owned */
	/* Prepared before the event (workflow_notice_pdf.c): the text, the
	 * PDF's blob (its hash goes into the event's data). */
	const char *notice_body;
	char notice_pdf_hex[65];
	/* A preview (workflow_preview): the PDF kept here, in the arena. */
	struct workflow_notice_preview *preview;

	struct workflow_result result;
};

/* ---- refusing and failing (workflow_support.c) ---- */

/* Ends the step refused: the status, a Chinese message naming the rule,
 * and the input field it is about (or NULL). Always false. */
bool step_refuse(struct step *st, enum service_status status, const char *message,
		 const char *field);
bool step_refusef(struct step *st, enum service_status status, const char *field,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A failed statement (PQclears it): unavailable when the database is
 * away, the rule a constraint names, else a failure. Always false. */
bool step_db_failed(struct step *st, PGresult *res);
/* A statement of the step's transaction: its result, or NULL (failed). */
PGresult *step_exec(struct step *st, enum stmt s, int n, const char *const *params);
bool step_exec_ok(struct step *st, enum stmt s, int n, const char *const *params);

/* ---- values and dates ---- */

const char *step_copy_value(struct step *st, const PGresult *res, int row, int c);
int32_t step_value_date(const PGresult *res, int row, int c);	/* 0 for NULL */
const char *step_fmt_date(struct arena *a, int32_t d);		/* YYYY-MM-DD */
const char *step_opt_date(struct arena *a, bool set, int32_t d);	/* NULL unless set */
const char *step_date_cn(struct step *st, int32_t d);		/* 2026年3月5日 */
int step_setting_int(struct step *st, const char *key, int min, int max, int def);

/* ---- input: typed for JSON, text for forms ---- */

bool step_input_types_ok(struct step *st);
const char *step_in_str(struct step *st, const char *key);
/* step_in_str() in lower case: a username, an agency's code. */
const char *step_in_lower(struct step *st, const char *key);
bool step_in_bool(struct step *st, const char *key);
bool step_in_text(struct step *st, const char *key, bool required, const char *what,
		  const char **out);
bool step_in_int(struct step *st, const char *key, int min, int max, int def,
		 const char *what, int *out);
bool step_in_date(struct step *st, const char *key, int32_t def, int32_t *out);
/* The date a back-datable step counts from: `date`, or today; within the
 * bounds of issue 11, item 8 (step_backdate_allowed). */
bool step_date(struct step *st, const char *key, int32_t *out);
bool step_backdate_allowed(struct step *st, const char *key, int32_t d);
/* An applicant's period (补正, reasons) from `from`: answer_by or the
 * agency's period in working days. */
bool step_applicant_period(struct step *st, const char *what, int32_t from,
			   int32_t *answer_by);

/* ---- the event's data and the notice ---- */

void step_data_str(struct step *st, const char *key, const char *value);
/* workflow_files.c: attaches the uploads whose ids input `key` lists
 * (purpose as required, NULL any), their SHA-256 into the event's data
 * under "files"; refused naming key when one is not attachable. */
bool step_attach_files(struct step *st, const char *key, const char *purpose);
enum { STEP_FILES_MAX = 32 };
/* The file ids of input `key`: a JSON array of numbers (or digit
 * strings), or a form's text "12, 13"; false (refused) when malformed. */
bool step_in_file_ids(struct step *st, const char *key, long long *ids, size_t *n);
void step_data_int(struct step *st, const char *key, long long v);
void step_data_bool(struct step *st, const char *key, bool v);
void step_data_date(struct step *st, const char *key, int32_t d);
void step_set_notice(struct step *st, const char *kind, const char *template,
		     const char *title);
void step_notice_str(struct step *st, const char *key, const char *value);
/* A clerk's sentence as a clause the notice goes on from (issue 16 item
 * 10): without its trailing blanks and final punctuation (。．.；;，,！!：:、). */
const char *step_clause(struct step *st, const char *s);
/* The clerk's words as one sentence ending in 。, whatever they ended in
 * (a notice's sentence the clerk completes: notices/other). */
const char *step_sentence(struct step *st, const char *s);
/* The due date named by the notices that state it (the extension, the
 * receipt), computed with the step's event before it is appended. */
bool step_finish_notice_due(struct step *st);
const char *step_setting_str(struct step *st, const char *key, const char *def);
/* The deadline once the step's own event is in the log (not yet appended). */
bool step_deadline_ahead(struct step *st, struct deadline *out);

/* ---- the notice's text and PDF (workflow_notice_pdf.c) ---- */

/* Before the event: the text rendered, the 文号 assigned when the agency
 * numbers its documents, the PDF rendered and stored as a blob, its
 * SHA-256 in the event's data (notice_pdf_sha256). */
bool step_prepare_notice(struct step *st);
/* After the event: the notice, its file row, notices.pdf_file_id. */
bool step_issue_notice(struct step *st);

/* ---- the applicant's message (workflow_messages.c) ---- */

/* Queues the message the step gives the applicant, if any (issue 14). */
bool step_queue_messages(struct step *st);

/* ---- the state ---- */

/* Recomputes the deadline when the step changed the clock, and saves the
 * request's cached row. */
bool step_save_state(struct step *st);
/* The pending fee: its id and dates; false (409) when there is none. */
bool step_pending_fee(struct step *st, const char **id, int32_t *notice_on,
		      int32_t *pay_by, int32_t *delivered_on);

/* ---- the steps: workflow_steps.c (receipt to fees) ---- */

/* The receipt (受理回执) of a request received: confirmed online or
 * registered by staff (workflow_registered_event). */
void step_receipt_notice(struct step *st);
bool do_confirm(struct step *st);
bool do_discard(struct step *st);
bool do_supplement(struct step *st);
bool do_supplement_answered(struct step *st);
bool do_consult(struct step *st);
bool do_consult_received(struct step *st);
bool do_consult_answered(struct step *st);
bool do_extend(struct step *st);
bool do_decide_extension(struct step *st, bool approve);
bool do_fee_notice(struct step *st);
bool do_fee_delivered(struct step *st);
bool do_fee_paid(struct step *st);

/* ---- the steps: workflow_replies.c (Art. 35, the reply and after) ---- */

bool do_ask_reasons(struct step *st);
bool do_reasons_answered(struct step *st);
bool do_expire_reasons(struct step *st);
bool do_set_deadline(struct step *st);
bool do_decide_deadline(struct step *st, bool approve);
bool do_reply(struct step *st);
/* The request concluded: its status, and its outcome and date unless it
 * was concluded before (a redo keeps the first, docs/report.md). */
void step_conclude(struct step *st, enum wf_status status, const char *outcome, int32_t on);
/* A reply's outcome o under basis (o's, or its alternative): both in the
 * event's data, the request answered on `on`, and the reply notice of o's
 * kind begun with its label and basis. */
void step_reply_outcome(struct step *st, const struct wf_outcome *o, const char *basis,
			int32_t on);
bool do_withdraw(struct step *st);
bool do_appeal(struct step *st);
bool do_note(struct step *st);
bool do_assign(struct step *st);
bool do_expire_supplement(struct step *st);
bool do_expire_fee(struct step *st);

/* ---- workflow_delivery.c ---- */

bool do_record_delivery(struct step *st);

/* ---- workflow_transfer.c (转办, issue 18) ---- */

bool do_transfer(struct step *st);

/* ---- workflow_publish.c (the disclosure log, Art. 44, issue 18 §2) ---- */

/* The reply's `"publish": true`: the listing written in the reply's step,
 * outcome being its outcome's code; true when not asked. */
bool step_publish_with_reply(struct step *st, const char *outcome);
bool do_publish(struct step *st);

#endif
