/* The administrator's ledger upload (filled in below). */
#include "http.h"
#include "pages/pages.h"

void page_admin_import_form(struct request *req)
{
	respond_error(req, 404, NULL);
}

void page_admin_import(struct request *req)
{
	respond_error(req, 404, NULL);
}
