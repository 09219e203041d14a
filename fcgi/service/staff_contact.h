/*
 * staff_contact: a member of staff's e-mail address and phone number
 * (issue 14: where their alerts and digests go), as `ysqgk user` and the
 * administrator's page take them. The rules are the applicant's for an
 * address (requests.h, email_plausible) and staff.phone's CHECK for a
 * number (sql/019_messages.sql).
 */
#ifndef YSQGK_STAFF_CONTACT_H
#define YSQGK_STAFF_CONTACT_H

#include <stddef.h>

/*
 * Checks `typed` (surrounding blanks dropped) and copies it to `out`.
 * NULL when acceptable (an empty `out` means none: clear it); otherwise
 * the Chinese message for the page, `out` emptied.
 */
const char *staff_email_check(const char *typed, char *out, size_t outsize);
const char *staff_phone_check(const char *typed, char *out, size_t outsize);

#endif
