/*
 * audit_anchor: a file, meant to be copied to another machine, that pins
 * the request event log at one moment (issue 12, item 15). Its lines:
 *   ysqgk-anchor v1
 *   written YYYY-MM-DDTHH:MM:SSZ
 *   key N                        (the number of the key its MAC uses)
 *   switch FIRST_EVENT_ID        (audit_mac_switch: MACs from this event on)
 *   chains N
 *   head REQUEST_ID SEQ HASH     (each chain's last event, N lines)
 *   digest HEX                   (BLAKE2b over the head lines)
 *   mac HEX                      (keyed BLAKE2b over every line before it)
 * The MAC key is the event MAC key of key N, so only the holder of the secret key
 * file can write an anchor that verifies; a superuser who cuts a chain
 * back cannot make the anchor forget its head.
 */
#ifndef YSQGK_AUDIT_ANCHOR_H
#define YSQGK_AUDIT_ANCHOR_H

#include <libpq-fe.h>

#include "core/app.h"
#include "lib/buf.h"

/* Writes an anchor to path, or into the directory path as
 * ysqgk-anchor-YYYYMMDDTHHMMSSZ.txt; 0 done, 1 failed (message printed). */
int audit_anchor_write(PGconn *conn, const struct app *app, const char *path);

/* Checks the anchor at path (a directory: its newest anchor) against the
 * database, naming what differs; 0 all there, 1 not. */
int audit_anchor_check(PGconn *conn, const struct app *app, const char *path);

/* The text of an anchor of the log as it is now, of the chains of the
 * requests in request_ids (an array literal, "{1,2}"; NULL: every chain):
 * an archive's anchor holds its own requests' heads, so that it stays as
 * small as the archive's list. False when the database failed (message
 * printed). */
bool audit_anchor_build(PGconn *conn, const struct app *app, const char *request_ids,
			struct buf *out);

/* The text of the anchor at path (a directory: its newest); false when
 * there is none or it cannot be read. */
bool audit_anchor_read(const char *path, struct buf *out);

/* Checks an anchor's text (changed in place: its digest line cut off):
 * its MAC under the key it names, its digest. NULL when fine, with *heads
 * at its head lines ("head RID SEQ HASH\n" …) and *switch_id its switch;
 * else why not. */
const char *audit_anchor_check_text(const struct app *app, char *text, char **heads,
				    long *switch_id);

#endif
