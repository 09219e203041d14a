/*
 * staff_delivery: the printable 送达回证 of a notice (issue 14). Handed
 * over in person, a notice's delivery is proven by the applicant's
 * signature and date on this sheet (as 民事诉讼法 Art. 87 has it for
 * court documents, the practice agencies follow); staff then record it
 * with the record_delivery step, receipt_signed ticked.
 */
#include <stdlib.h>
#include <string.h>

#include "web/auth.h"
#include "web/http.h"
#include "web/pages/pages.h"
#include "web/pages/staff/staff.h"
#include "domain/vocab.h"

static bool capture_digits(struct request *req, const char *name, char *buf, size_t len)
{
	if (!route_capture(&req->match, name, buf, len))
		return false;
	size_t n = strlen(buf);
	return n > 0 && n <= 18 && strspn(buf, "0123456789") == n;
}

void page_staff_delivery_receipt(struct request *req)
{
	char id[32], notice[32];
	if (!capture_digits(req, "id", id, sizeof id) ||
	    !capture_digits(req, "notice", notice, sizeof notice)) {
		respond_error(req, 404, "没有这份文书");
		return;
	}
	PGresult *res = db_exec_or_respond(req, req->db, STMT_DELIVERY_RECEIPT, 2,
					   (const char *[]){ id, notice });
	if (!res)
		return;
	if (PQntuples(res) != 1 ||
	    !auth_sees_agency(req, atoll(PQgetvalue(res, 0, COL(DELIVERY_RECEIPT, agency_id))))) {
		PQclear(res);
		respond_error(req, 404, "没有这份文书");
		return;
	}
	struct json_object *m = staff_model(req, "送达回证");
	json_object_object_add(m, "request_id", json_object_new_int64(atoll(id)));
	json_object_object_add(m, "notice_id", json_object_new_int64(atoll(notice)));
	staff_add_val(req, m, "notice_title", res, 0, COL(DELIVERY_RECEIPT, title));
	staff_add_val(req, m, "notice_no", res, 0, COL(DELIVERY_RECEIPT, notice_no));
	staff_add_date_cn(req, m, "issued_on", staff_val(req, res, 0, COL(DELIVERY_RECEIPT, issued_on)));
	staff_add_val(req, m, "tracking_no", res, 0, COL(DELIVERY_RECEIPT, tracking_no));
	staff_add_val(req, m, "name", res, 0, COL(DELIVERY_RECEIPT, name));
	staff_add_val(req, m, "address", res, 0, COL(DELIVERY_RECEIPT, address));
	staff_add_val(req, m, "agency_name", res, 0, COL(DELIVERY_RECEIPT, agency_name));
	const char *method = staff_val(req, res, 0, COL(DELIVERY_RECEIPT, delivery_method));
	if (method)
		model_add_str(m, "delivery_method", vocab_label(&vocab_notice_delivery, method));
	staff_add_date_cn(req, m, "delivered_on",
			  staff_val(req, res, 0, COL(DELIVERY_RECEIPT, delivered_on)));
	PQclear(res);
	respond(req, 200, "staff/delivery_receipt", m);
}
