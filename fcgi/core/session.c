#include "core/session.h"

#include <stdio.h>
#include <string.h>

#include "core/db.h"
#include "core/read_cache.h"

bool session_sees_agency(struct db *db, const struct staff_session *s, long long agency_id)
{
	if (!s)
		return false;
	if (s->agency_id == agency_id)
		return true;
	if (strcmp(s->role, "admin"))
		return false;
	if (s->agency_id == 0)
		return true;
	char child[24], parent[24];
	snprintf(child, sizeof child, "%lld", agency_id);
	snprintf(parent, sizeof parent, "%lld", s->agency_id);
	const char *params[] = { child, parent };
	const PGresult *res = read_cached(db, STMT_AGENCY_WITHIN, READ_UNTIL_AGENCIES_CHANGE, 2,
					  params, NULL);
	return db_ok(res) && PQntuples(res) == 1 &&
	       !strcmp(PQgetvalue(res, 0, COL(AGENCY_WITHIN, is_within)), "t");
}
