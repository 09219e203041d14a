/*
 * body_check: the texts of a request body, checked once for every page
 * (textcheck.h); names brought to NFC in place.
 */
#ifndef YSQGK_BODY_CHECK_H
#define YSQGK_BODY_CHECK_H

#include <stdbool.h>

#include "web/http.h"

/* True when every text of the body may be stored; otherwise answers 422
 * naming the field (JSON: "field") and returns false. With `check_form`
 * false a urlencoded body is left to the page's own validator (names are
 * still brought to NFC). */
bool body_text_acceptable(struct request *req, bool check_form);

#endif
