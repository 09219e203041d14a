/*
 * ysqgk retention [--dry-run] [--batch N]: removes the personal data of
 * requests concluded more than `retention_years` (the setting) ago
 * (个人信息保护法 Art. 19: kept no longer than the purpose needs; Art. 47
 * ¶1(1): deleted when the period ends). Meant for a monthly timer.
 *
 * A request counts as concluded when it is answered, closed, withdrawn or
 * discarded; its date is concluded_on, or for a request never received
 * (withdrawn or discarded before receipt) the day it was last changed.
 *
 * Removed: the natural persons' data of the row — a person's name (a
 * placeholder stays, the column is required), the identity document with
 * its keyed hash, the legal representative, contact name, work unit,
 * phone with its hash, fax, e-mail, address and postcode. Kept, for the
 * yearly report (Art. 50 of the OGI Regulations) and the archive (Art.
 * 45): everything else — applicant_kind, an organisation's name and
 * 统一社会信用代码 (not personal information, PIPL Art. 4), channel,
 * dates, status, outcome, the description and the event log, which holds
 * no personal data and whose hashes cover only the events. The notices
 * (文书) stay unchanged: they are the case file's documents, archived
 * under the archive rules (docs/deploy.md, "Personal data").
 *
 * Per agency, batches of --batch requests (default 500), each one
 * statement — one transaction — that changes the rows and writes its
 * audit_log line (retention_pseudonymised), so a run stopped half way
 * leaves whole batches. Rows once done carry pseudonymised_at and are not
 * chosen again: a second run changes nothing.
 *
 * Complaints (投诉、举报, Art. 51 of the OGI Regulations) replied to more
 * than retention_years ago lose their complainant's name, phone and
 * e-mail the same way (sql/038), with an audit line per handling agency;
 * one still waiting for its reply is kept whole.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/db.h"

#define USAGE "[--dry-run] [--batch N]"
#define DEFAULT_BATCH 500

/* $1 retention_years; the agency as table alias r. */
#define DUE_SQL \
	" r.pseudonymised_at IS NULL" \
	" AND r.status IN ('answered', 'closed', 'withdrawn', 'discarded')" \
	" AND coalesce(r.concluded_on, (r.updated_at AT TIME ZONE 'Asia/Shanghai')::date)" \
	"  < ((now() AT TIME ZONE 'Asia/Shanghai')::date - make_interval(years => $1::int))::date"

static const char due_per_agency_sql[] =
	"SELECT a.id, a.code, count(*) AS due,"
	" ((now() AT TIME ZONE 'Asia/Shanghai')::date - make_interval(years => $1::int))::date"
	"  AS concluded_before"
	" FROM requests r JOIN agencies a ON a.id = r.agency_id"
	" WHERE" DUE_SQL " GROUP BY a.id, a.code ORDER BY a.code";

/* $1 retention_years, $2 agency id, $3 batch size. */
static const char batch_sql[] =
	"WITH chosen AS ("
	"  SELECT r.id FROM requests r WHERE r.agency_id = $2::bigint AND" DUE_SQL
	"  ORDER BY r.id LIMIT $3::int FOR UPDATE),"
	" done AS ("
	"  UPDATE requests r SET"
	"   name = CASE WHEN r.applicant_kind = 'person' THEN '（已删除）' ELSE r.name END,"
	"   id_type = NULL, id_number_enc = NULL, id_number_hash = NULL,"
	"   legal_representative = NULL, contact_name = NULL, work_unit = NULL,"
	"   phone_enc = NULL, phone_hash = NULL, fax = NULL, email = NULL,"
	"   address = NULL, postcode = NULL, pseudonymised_at = now()"
	"  FROM chosen WHERE r.id = chosen.id RETURNING r.id),"
	" logged AS ("
	"  INSERT INTO audit_log (agency_id, action, data)"
	"  SELECT $2::bigint, 'retention_pseudonymised', jsonb_build_object("
	"   'by', 'command line', 'requests', count(*), 'first_id', min(id),"
	"   'last_id', max(id), 'retention_years', $1::int)"
	"  FROM done HAVING count(*) > 0 RETURNING 1)"
	" SELECT (SELECT count(*) FROM done) AS done, (SELECT count(*) FROM logged) AS logged";

/* $1 retention_years: complaints replied to before the period. */
#define COMPLAINT_DUE_SQL \
	" c.pseudonymised_at IS NULL AND c.status = 'replied'" \
	" AND c.replied_on" \
	"  < ((now() AT TIME ZONE 'Asia/Shanghai')::date - make_interval(years => $1::int))::date"

static const char complaints_due_sql[] =
	"SELECT count(*) AS due FROM complaints c WHERE" COMPLAINT_DUE_SQL;

/* $1 retention_years, $2 batch size. */
static const char complaints_batch_sql[] =
	"WITH chosen AS ("
	"  SELECT c.id FROM complaints c WHERE" COMPLAINT_DUE_SQL
	"  ORDER BY c.id LIMIT $2::int FOR UPDATE),"
	" done AS ("
	"  UPDATE complaints c SET name_enc = NULL, phone_enc = NULL, phone_hash = NULL,"
	"   email = NULL, notify = 'none', pseudonymised_at = now()"
	"  FROM chosen WHERE c.id = chosen.id RETURNING c.id, c.handling_agency_id),"
	" logged AS ("
	"  INSERT INTO audit_log (agency_id, action, data)"
	"  SELECT handling_agency_id, 'retention_pseudonymised', jsonb_build_object("
	"   'by', 'command line', 'complaints', count(*), 'first_id', min(id),"
	"   'last_id', max(id), 'retention_years', $1::int)"
	"  FROM done GROUP BY handling_agency_id RETURNING 1)"
	" SELECT (SELECT count(*) FROM done) AS done, (SELECT count(*) FROM logged) AS logged";

static int failed(const char *what, PGresult *res)
{
	fprintf(stderr, "ysqgk retention: %s: %s", what,
		res ? PQresultErrorMessage(res) : "no result\n");
	PQclear(res);
	return 1;
}

/* Pseudonymises one agency's due requests batch by batch; adds to *total. */
static int run_agency(PGconn *conn, const char *years, const char *agency_id,
		      const char *code, const char *batch, long *total)
{
	const char *params[] = { years, agency_id, batch };
	long n;
	do {
		PGresult *res = PQexecParams(conn, batch_sql, 3, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			return failed(code, res);
		n = atol(db_value(res, 0, "done"));
		PQclear(res);
		if (n)
			printf("%s: pseudonymised %ld request(s)\n", code, n);
		*total += n;
	} while (n == atol(batch));
	return 0;
}

/* The complaints' pass: counted (dry run) or done batch by batch. */
static int retention_complaints(PGconn *conn, const char *years, bool dry_run,
				const char *batch)
{
	long total = 0, n;
	do {
		const char *params[] = { years, batch };
		PGresult *res = dry_run
			? PQexecParams(conn, complaints_due_sql, 1, NULL, params, NULL, NULL, 0)
			: PQexecParams(conn, complaints_batch_sql, 2, NULL, params, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK)
			return failed("complaints", res);
		n = atol(db_value(res, 0, dry_run ? "due" : "done"));
		PQclear(res);
		total += n;
	} while (!dry_run && n == atol(batch));
	printf("%s: %ld complaint(s) (retention_years = %s)\n",
	       dry_run ? "dry run, would pseudonymise" : "pseudonymised", total, years);
	return 0;
}

static int retention(PGconn *conn, int years, bool dry_run, int batch)
{
	char ys[16], bs[16];
	snprintf(ys, sizeof ys, "%d", years);
	snprintf(bs, sizeof bs, "%d", batch);
	const char *params[] = { ys };
	PGresult *due = PQexecParams(conn, due_per_agency_sql, 1, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(due) != PGRES_TUPLES_OK)
		return failed("listing", due);
	long total = 0;
	int status = 0;
	for (int i = 0; i < PQntuples(due) && !status; i++) {
		const char *code = db_value(due, i, "code");
		if (dry_run) {
			printf("%s: %s request(s) concluded before %s\n", code,
			       db_value(due, i, "due"), db_value(due, i, "concluded_before"));
			total += atol(db_value(due, i, "due"));
		} else {
			status = run_agency(conn, ys, db_value(due, i, "id"), code, bs, &total);
		}
	}
	PQclear(due);
	printf("%s: %ld request(s) (retention_years = %d)\n",
	       dry_run ? "dry run, would pseudonymise" : "pseudonymised", total, years);
	return status ? status : retention_complaints(conn, ys, dry_run, bs);
}

int cmd_retention(const char *config_path, int argc, char **argv)
{
	bool dry_run = false;
	int batch = DEFAULT_BATCH;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dry-run")) {
			dry_run = true;
		} else if (!strcmp(argv[i], "--batch") && i + 1 < argc) {
			char *end;
			long n = strtol(argv[++i], &end, 10);
			if (*end || n < 1 || n > 100000)
				return cli_usage_error("retention", USAGE, "--batch: 1 to 100000");
			batch = (int)n;
		} else {
			return cli_usage_error("retention", USAGE, "unknown argument");
		}
	}
	struct config c;
	if (!cli_load_config(&c, config_path))
		return 1;
	int status = 1;
	if (c.retention_years < 1) {
		fprintf(stderr, "ysqgk retention: retention_years must be at least 1\n");
	} else {
		PGconn *conn = cli_connect(&c);
		if (conn) {
			status = retention(conn, c.retention_years, dry_run, batch);
			PQfinish(conn);
		}
	}
	config_free(&c);
	return status;
}
