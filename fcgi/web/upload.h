/*
 * upload: a multipart/form-data body (RFC 7578) on a ROUTE_MULTIPART
 * route, streamed (issue 15, "Uploads").
 *
 * The server leaves such a body unread (req->body_stream); the handler
 * calls upload_receive(), which reads it in pieces through lib/multipart:
 * text fields go into req->form (the form's limits), each file part into
 * a temporary file (O_TMPFILE, gone when closed) while its SHA-256 is
 * computed; at the part's end its type is judged by content (lib/filetype
 * reads the whole file: ZIP-based kinds need their central directory),
 * clamd scans it when configured, and an accepted file is stored as an
 * unattached upload in its own transaction (core/uploads.h). Memory does
 * not grow with the file: the parser's buffers, one 8 KiB read and one
 * 256 KiB chunk while storing.
 *
 * A refused file does not stop the form: its refusal (413 or 422 with a
 * Chinese message) is kept beside its field and the parse goes on, so the
 * handler shows the form again with what was typed and with the files
 * already accepted, listed by a signed hidden field `kept_files` ("id.mac",
 * the MAC binding the id to this visitor's CSRF token) so that they are
 * not sent again. The CSRF token must come before the first file (forms
 * put it first; an API client sends the session's `csrf_token` as the
 * first part): no file is stored for a forged form.
 *
 * Limits (config): max_file_bytes a file, max_upload_bytes the files of
 * the body together, max_files files (kept ones included).
 */
#ifndef YSQGK_UPLOAD_H
#define YSQGK_UPLOAD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/blobs.h"
#include "web/request.h"

/* A file input the route accepts, and the files.purpose of its files
 * (NULL: the form's `purpose` field names reply, registration, supplement, id_copy, authorization or other; default
 * 'reply'; the staff API). */
struct upload_input {
	const char *field;
	const char *purpose;
};

struct upload_spec {
	const struct upload_input *inputs;
	size_t ninputs;
	/* The files' agency; 0 when only the form tells it (the 补正 answer
	 * names its request by tracking number and query code): the accepted
	 * files then wait in their temporary files for upload_store_pending. */
	long long agency_id;
	long long staff_id;	/* uploaded_by; 0 for an applicant */
	long long request_id;	/* the request they are sent for, or 0 */
};

struct upload_file {
	const char *field;
	const char *purpose;
	const char *name;	/* the display name, cleaned; "" when there was none */
	long long id;		/* the stored file; 0 when refused */
	int status;		/* 0 accepted; else 413, 422 or 503 */
	const char *error;	/* the refusal, in Chinese */
	const char *kind;	/* lib/filetype's code, when accepted */
	const char *label;	/* e.g. "PDF文档" */
	long long size;
	char sha256[BLOB_SHA256_HEX];
	unsigned char sha[BLOB_SHA256_BYTES];
	const char *token;	/* "id.mac", for the kept_files field */
	int pending_fd;		/* accepted, not stored yet (agency_id 0); else -1 */
};

struct upload_result {
	struct upload_file *files;	/* in the arena */
	size_t count;
	int status;	/* 0, or the worst refusal: 503, then 413, then 422 */
};

/*
 * Reads the body: for a multipart one as above; for any other (urlencoded,
 * JSON: already parsed by the server) only the kept_files of req->form.
 * False when it has answered: 400 malformed body, 403 CSRF, 413 a text
 * field or the whole body over its limit, 503 database down.
 */
bool upload_receive(struct request *req, const struct upload_spec *spec,
		    struct upload_result *out);

/*
 * Stores the files upload_receive kept pending (spec now with its agency
 * and request) and reads the form's kept_files. False when it has
 * answered (503).
 */
bool upload_store_pending(struct request *req, const struct upload_spec *spec,
			  struct upload_result *out);

/* Closes the pending files without storing them (the form was refused
 * before its agency was known). */
void upload_discard(struct upload_result *out);

/* The first refusal of field's files, or NULL. */
const char *upload_error_for(const struct upload_result *r, const char *field);

/* The accepted files of field (all fields: NULL) as an array of
 * {id, name, label, size, token} objects for a template or JSON. */
struct json_object *upload_model(const struct upload_result *r, const char *field);

/* A file input of a page's form, as its template shows it. */
struct upload_form_field {
	const char *field;
	const char *label;	/* "身份证明" */
	bool multiple;
};

/*
 * The "uploads" list a form template renders (templates/upload_fields
 * partial): per input {field, label, multiple, error, kept: [{name,
 * label, size_text, token}]}, r NULL for a blank form; and on m the
 * limits: upload_max_file_mb, upload_max_total_mb, upload_max_files.
 */
void upload_form_model(struct request *req, struct json_object *m,
		       const struct upload_result *r,
		       const struct upload_form_field *fields, size_t n);

/* The ids of the accepted files (kept ones included), in the arena; their
 * count in *n. */
long long *upload_ids(struct request *req, const struct upload_result *r, size_t *n);

/* The ids of the accepted files as a step's input "files" (nothing when
 * there are none). */
void upload_add_ids(struct request *req, struct json_object *in, const struct upload_result *r);

#endif
