/*
 * vocab: every code the database stores with a fixed list of values, and
 * its Chinese label — once. The lists mirror the CHECK constraints in
 * sql/ (tests/unit/test_vocab.c compares them both ways), so a code added
 * to one and not the other fails the build's tests, not a page.
 *
 * A term has its full label (notices, the applicant's own pages, exports)
 * and, where the full one is long, a short one for tables and staff
 * pages. The request's status and outcome have their own richer tables in
 * workflow_rules.h (each with the rules that go with it); the report's
 * column titles follow the national format (report-format.md) in
 * service/report.c.
 */
#ifndef YSQGK_VOCAB_H
#define YSQGK_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

struct vocab_term {
	const char *code;
	const char *label;
	const char *short_label;	/* NULL: the label is short enough */
};

struct vocab {
	const char *column;	/* "table.column" whose CHECK lists the codes, or NULL */
	const struct vocab_term *terms;
	size_t count;
};

extern const struct vocab vocab_applicant_kind;	/* requests.applicant_kind */
extern const struct vocab vocab_id_type;	/* requests.id_type */
extern const struct vocab vocab_channel;	/* requests.channel */
extern const struct vocab vocab_provision_form;	/* requests.provision_forms[] */
extern const struct vocab vocab_obtain_method;	/* requests.obtain_methods[] */
extern const struct vocab vocab_staff_role;	/* staff.role */
extern const struct vocab vocab_event_action;	/* request_events.action */
extern const struct vocab vocab_actor_kind;	/* request_events.actor_kind */
extern const struct vocab vocab_notice_delivery;	/* notices.delivery_method */
extern const struct vocab vocab_appeal_kind;	/* appeals.kind */
extern const struct vocab vocab_appeal_result;	/* appeals.result */
extern const struct vocab vocab_consultation_kind;	/* consultations.kind */
extern const struct vocab vocab_consultation_result;	/* consultations.result */
extern const struct vocab vocab_fee_method;	/* fees.method */
extern const struct vocab vocab_discard_reason;	/* a discarded submission's reason_code */
extern const struct vocab vocab_supplement_state;	/* supplements.state */
extern const struct vocab vocab_extension_state;	/* extensions.state */
extern const struct vocab vocab_fee_state;	/* fees.state */
extern const struct vocab vocab_consultation_delivery;	/* consultations.delivery */
extern const struct vocab vocab_fee_delivery;	/* fees.delivery */
extern const struct vocab vocab_notify;	/* requests.notify */
extern const struct vocab vocab_file_purpose;	/* files.purpose */
extern const struct vocab vocab_file_download_via;	/* file_downloads.via */
extern const struct vocab vocab_message_kind;	/* messages.kind */
extern const struct vocab vocab_complaint_kind;	/* complaints.kind (投诉, 举报) */
extern const struct vocab vocab_complaint_status;	/* complaints.status */
extern const struct vocab vocab_complaint_event;	/* complaint_events.action */
extern const struct vocab vocab_complaint_notify;	/* complaints.notify */
extern const struct vocab vocab_contact_field;	/* contact_changed's data.changed */
extern const struct vocab vocab_message_channel;	/* messages.channel */
extern const struct vocab vocab_message_state;	/* messages.state */
extern const struct vocab vocab_delivery_basis;	/* notices.delivery_basis */
extern const struct vocab vocab_request_kind;	/* requests.request_kind */

/* Every vocabulary above, for the tests and `ysqgk` tools. */
extern const struct vocab *const vocab_all[];
extern const size_t vocab_all_count;

/* The term of `code`, or NULL when it is not one (NULL code included). */
const struct vocab_term *vocab_find(const struct vocab *v, const char *code);

/* Whether `code` is one of the vocabulary's. */
bool vocab_has(const struct vocab *v, const char *code);

/*
 * The label of a coded field by its name, as events and records carry
 * them ("channel", "applicant_kind", "kind", "result", "state", "method",
 * "reason_code", "outcome", a request's "status"): the first of the vocabularies that field
 * takes which knows `code`; NULL when none does (not a coded field, or an
 * unknown code). `record` names the record for the fields whose codes
 * differ by record ("state": supplements, extensions, fees; with NULL
 * such fields have no label).
 */
const char *vocab_field_label(const char *record, const char *field, const char *code);

/* The full label of `code`; NULL when it is not a code. */
const char *vocab_label(const struct vocab *v, const char *code);

/* The short label (the full one when there is no shorter); NULL when
 * `code` is not a code. */
const char *vocab_short(const struct vocab *v, const char *code);

#endif
