#ifndef YSQGK_EVENT_HASH_H
#define YSQGK_EVENT_HASH_H

/*
 * The event hash: SHA-256 over the fields joined by '|', the time in UTC
 * with microseconds, the data as jsonb prints it, and the previous hash in
 * hex. The append (statements.def) and `ysqgk audit verify` both use this
 * macro, so they cannot drift apart. The arguments are SQL expressions.
 */
#define EVENT_HASH_SQL(rid, seq, at, eff, staff, kind, action, data, prev) \
	"sha256(convert_to(concat_ws('|', " rid "::text, " seq "::text, " \
	"to_char(" at " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), " \
	"to_char(" eff ", 'YYYY-MM-DD'), coalesce(" staff "::text, ''), " kind ", " action ", " \
	data "::text, coalesce(encode(" prev ", 'hex'), '')), 'UTF8'))"

#endif
