/* The public disclosure log (Art. 44, issue 18 §2): disclosures.c. */
#ifndef YSQGK_PAGES_DISCLOSURES_H
#define YSQGK_PAGES_DISCLOSURES_H

struct request;

/* GET /disclosures and /api/v1/disclosures?q=&agency=&year=&page= */
void page_disclosures(struct request *req);
void page_api_disclosures(struct request *req);
/* GET /disclosures/{id} and /api/v1/disclosures/{id} */
void page_disclosure(struct request *req);
void page_api_disclosure(struct request *req);
/* GET /disclosures.atom: the newest listings (RFC 4287). */
void page_disclosures_atom(struct request *req);

#endif
