/*
 * archive: the case archive (归档, Art. 45 of the OGI Regulations; issue
 * 18 §4). A ZIP with, for each request, a folder named by its tracking
 * number:
 *   application.json   the request's fields as the staff API shows them,
 *                      personal data decrypted as in the case file
 *   application.txt    the same, readable, in Chinese
 *   events.json        the event log as stored: each event's hash chain
 *                      fields and MAC
 *   notices/ID-NAME    each notice's PDF as issued, byte for byte
 *   files/ID-NAME      every other file of the request (uploads, replies)
 * and at the top anchor.txt (an audit anchor, core/audit_anchor.h) and
 * manifest.json, {"files": [{"path", "sha256", "bytes"}]} for every other
 * entry.
 *
 * Memory stays flat at any size: every entry is read only while libzip
 * writes it (a file's blob a chunk at a time, a folder's JSON for its one
 * request), and the manifest is made last from the hashes taken as the
 * entries went by. The ZIP holds personal data: it is created 0600
 * whatever the umask.
 */
#ifndef YSQGK_ARCHIVE_H
#define YSQGK_ARCHIVE_H

#include <stdbool.h>
#include <stdio.h>

#include "core/context.h"

/* What an archive was made of, or why it failed (why: for the log). */
struct archive_result {
	long requests, files;
	char why[256];
};

/*
 * The agency's requests concluded in `year` (Beijing dates) into a new
 * file at path. anchor_path: an anchor file, or a directory of them (its
 * newest), to include; NULL: an anchor written now. SERVICE_NOT_FOUND: no
 * such agency.
 */
enum service_status archive_year(const struct context *c, const char *agency_code, int year,
				 const char *anchor_path, const char *path,
				 struct archive_result *out);

/* The request's agency (its id, in *agency_id); SERVICE_NOT_FOUND: no such request. */
enum service_status archive_request_agency(const struct context *c, const char *request_id,
					   long long *agency_id);

/* One request's archive into a new file at path (an anchor written now). */
enum service_status archive_request(const struct context *c, const char *request_id,
				    const char *path, struct archive_result *out);

/*
 * Checks the archive at path: every manifest entry's size and SHA-256, no
 * entry missing or extra. With c (the app's keys and its database; NULL:
 * the manifest only) also each folder's event chain: every hash recomputed
 * from its event, every prev_hash linked, every MAC, and the anchor's MAC
 * and heads. Each problem printed to `report` as a line; true when none.
 */
bool archive_verify(const struct context *c, const char *path, FILE *report);

#endif
