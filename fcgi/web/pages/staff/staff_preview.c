/*
 * The preview of a step's notice before it is issued (issue 15): the step
 * runs in full in its transaction and is rolled back (workflow_preview),
 * nothing kept. The staff form's 预览 button (preview=1) answers with a
 * page showing the notice's text and a 确认发出 button posting the same
 * fields again without it; preview=pdf answers with the PDF inline. The
 * API's `"preview": true` answers 200 with the text and the PDF in base64
 * (docs/api.md).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain/workflow_rules.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff_request.h"

/* The answer to a preview that was refused, as the step's own would be:
 * the form kept (a page) or, without one, the API's JSON. */
static void preview_refused(struct request *req, const char *id,
			    const struct workflow_result *r, const struct kept_form *kept)
{
	req->log_why = "preview refused";
	int status = http_status_of(r->status);
	if (!kept) {
		struct json_object *e = json_object_new_object();
		model_add_str(e, "error", r->message);
		json_object_object_add(e, "status", json_object_new_int(status));
		if (r->field)
			model_add_str(e, "field", r->field);
		respond(req, status, NULL, e);
	} else if (status == 404 || status >= 500) {
		respond_error(req, status, r->message);
	} else {
		request_page_kept(req, id, status, r, kept);
	}
}

static void send_pdf(struct request *req, const struct workflow_notice_preview *p)
{
	struct buf *out = &req->worker->out;
	buf_reset(out);
	buf_append(out, p->pdf, p->pdf_len);
	http_header(req, "Content-Type", "application/pdf");
	http_header(req, "Content-Disposition", "inline; filename=\"preview.pdf\"");
	http_header(req, "Cache-Control", "no-store");
	req->status = 200;
	req->responded = true;
}

/* The form's fields again (but preview and the token), for 确认发出. */
static struct json_object *form_fields(struct request *req)
{
	struct json_object *a = json_object_new_array();
	for (size_t i = 0; i < req->form.count; i++) {
		const struct field *f = &req->form.items[i];
		if (!strcmp(f->name, "csrf_token") || !strcmp(f->name, "preview"))
			continue;
		struct json_object *o = json_object_new_object();
		model_add_str(o, "name", f->name);
		json_object_object_add(o, "value",
				       json_object_new_string_len(f->value, (int)f->value_len));
		json_object_array_add(a, o);
	}
	return a;
}

static void add_notice(struct json_object *m, const struct workflow_notice_preview *p)
{
	model_add_str(m, "kind", p->kind);
	model_add_str(m, "notice_title", p->title);
	if (p->notice_no)
		model_add_str(m, "notice_no", p->notice_no);
	model_add_str(m, "body", p->body);
}

void staff_preview_form(struct request *req, const char *id, const struct kept_form *kept)
{
	struct workflow_notice_preview p;
	struct context ctx = http_context(req);
	const char *action = kept->action;
	struct workflow_result r = workflow_preview(&ctx, id, action, kept->input, false,
						    ACTOR_STAFF, &p);
	if (r.status != SERVICE_DONE) {
		preview_refused(req, id, &r, kept);
		return;
	}
	const char *how = fields_get(&req->form, "preview");
	if (how && !strcmp(how, "pdf")) {
		send_pdf(req, &p);
		return;
	}
	struct json_object *m = staff_model(req, "预览告知书");
	json_object_object_add(m, "request_id", json_object_new_int64(atoll(id)));
	model_add_str(m, "action", action);
	add_notice(m, &p);
	json_object_object_add(m, "fields", form_fields(req));
	respond(req, 200, "staff/notice_preview", m);
}

void staff_preview_api(struct request *req, const char *id, const char *action)
{
	struct workflow_notice_preview p;
	struct context ctx = http_context(req);
	struct workflow_result r = workflow_preview(&ctx, id, action, req->json_body, true,
						    ACTOR_STAFF, &p);
	if (r.status != SERVICE_DONE) {
		preview_refused(req, id, &r, NULL);
		return;
	}
	struct json_object *m = json_object_new_object();
	json_object_object_add(m, "preview", json_object_new_boolean(1));
	add_notice(m, &p);
	size_t n = sodium_base64_encoded_len(p.pdf_len, sodium_base64_VARIANT_ORIGINAL);
	char *b64 = arena_alloc(req->arena, n);
	sodium_bin2base64(b64, n, p.pdf, p.pdf_len, sodium_base64_VARIANT_ORIGINAL);
	model_add_str(m, "pdf_base64", b64);
	respond(req, 200, NULL, m);
}
