/* archive_internal: what archive.c (the ZIP) and archive_content.c (the
 * folders' JSON and text) share. Private to service/archive*.c. */
#ifndef YSQGK_ARCHIVE_INTERNAL_H
#define YSQGK_ARCHIVE_INTERNAL_H

#include <stdbool.h>

#include "core/context.h"
#include "lib/buf.h"

/* A generated entry's content for one request, into out; false when the
 * database failed (or the request is gone). */
typedef bool (*archive_maker)(const struct context *c, const char *request_id, struct buf *out);

/* A file's path in the archive: FOLDER/notices/ID-NAME for a notice's
 * PDF (purpose "notice"), FOLDER/files/ID-NAME for any other, the name
 * without folder separators or control characters. */
void archive_file_path(struct buf *out, const char *folder, const char *purpose,
		       const char *file_id, const char *name);

bool archive_make_application_json(const struct context *c, const char *request_id,
				   struct buf *out);
bool archive_make_application_txt(const struct context *c, const char *request_id,
				  struct buf *out);
bool archive_make_events_json(const struct context *c, const char *request_id,
			      struct buf *out);

#endif
