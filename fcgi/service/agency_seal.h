/*
 * agency_seal: an agency's seal, the PNG drawn over the date of its
 * notices' PDFs (issue 15; lib/pdfdoc). Stored as a blob with a files row
 * (purpose 'seal') and agencies.seal_file_id, with its audit_log line, in
 * one transaction.
 */
#ifndef YSQGK_AGENCY_SEAL_H
#define YSQGK_AGENCY_SEAL_H

#include <stddef.h>

#include "core/db.h"
#include "service/agencies.h"

#define AGENCY_SEAL_MAX_BYTES (512 * 1024)

/*
 * Sets agency `code`'s seal to png (len bytes): at most 512 KiB and a PNG
 * by its first eight bytes. scope: the acting administrator's agency
 * (0 = all); actor_staff_id and ip may be NULL (the command line). msg
 * gets a Chinese message when it fails.
 */
enum agency_edit_status agency_seal_set(struct db *db, const char *code, const void *png,
					size_t len, long long scope, const char *actor_staff_id,
					const char *ip, char *msg, size_t msglen);

#endif
