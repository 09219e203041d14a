/*
 * agencies: reading and editing one agency's fields and settings, for
 * `ysqgk agency show|set` and the administrator's agency page alike.
 *
 * Editable keys (docs/api.md "Agency settings"): name, parent, kind
 * (department | government: the report's deadline, Art. 49, and the
 * review body, 行政复议法 Art. 24), review_body, court, notice_no_prefix, address, phone,
 * hours, accepting, and the periods where the regulation is silent
 * (confirm_workdays, supplement_workdays, fee_pay_workdays,
 * backdate_workdays). The columns of `agencies` hold the first ones, its
 * `settings` object the others, under the names the code already reads.
 * Each change is one transaction: the row locked, the value checked, the
 * row saved, an `agency_updated` line in audit_log (old and new value).
 */
#ifndef YSQGK_AGENCIES_H
#define YSQGK_AGENCIES_H

#include <stdbool.h>
#include <stddef.h>
#include <json-c/json.h>

#include "core/db.h"

enum agency_edit_status {
	AGENCY_EDIT_OK,
	AGENCY_EDIT_BAD_INPUT,	/* unknown key or a value out of its rule */
	AGENCY_EDIT_NO_AGENCY,	/* no such agency, or outside the scope */
	AGENCY_EDIT_DB_FAILED,	/* the database failed (or went away) */
};

/* The editable keys, NULL-terminated, in the order shown. */
extern const char *const agency_edit_keys[];

/*
 * The agency's fields as shown: {code, name, parent, parent_name, kind,
 * kind_label, review_body (as set, or ""), review_body_named (what the
 * notices name), review_body_source (set | derived | unknown),
 * government_above, court, notice_no_prefix, address, phone, hours, accepting,
 * confirm_workdays, supplement_workdays, fee_pay_workdays,
 * backdate_workdays (numbers, null when not set)}. NULL with *status.
 */
struct json_object *agency_edit_show(struct db *db, const char *code,
				     enum agency_edit_status *status);

/* One key and its new value ("" clears an optional field or setting). */
struct agency_change {
	const char *key, *value;
};

/*
 * Sets the n keys of agency `code`, all or none, in one transaction;
 * values equal to the current ones are skipped (no audit line), an
 * unknown key is bad input. `scope` is the acting administrator's agency
 * (0 = all): a new parent must lie within it. actor_staff_id and ip may
 * be NULL (the command line). *changed (may be NULL) gets how many keys
 * changed. On failure msg gets a Chinese message for the user.
 */
enum agency_edit_status agency_edit_set(struct db *db, const char *code,
					const struct agency_change *changes, size_t n,
					long long scope, const char *actor_staff_id,
					const char *ip, char *msg, size_t msglen, size_t *changed);

#endif
