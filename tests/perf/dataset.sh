#!/bin/bash
# dataset.sh STACK_DIR [N]: loads the bench dataset (report_dataset.sql: N
# requests, default 1,000,000, over 5 years and 20 departments of agency
# `perf`) into the running stack under STACK_DIR (deploy/dev-stack.sh
# start). First submits POOL (256) requests through the API so that the
# stack encrypts personal data with its own key; the generated rows reuse
# those ciphertexts. Prints progress; a few minutes on 2 cores.
# Environment: POOL (256), YEARS (5), TODAY (today, Beijing).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(realpath "${1:?usage: dataset.sh STACK_DIR [N]}")
N=${2:-1000000}
POOL=${POOL:-256}
PSQL=(psql -h "$DIR/pgsock" -d ysqgk -qtAX -v ON_ERROR_STOP=1)
[ "$(id -u)" = 0 ] && PSQL+=(-U postgres)
PORT=$(sed -n 's/.*listen 127.0.0.1:\([0-9]*\);.*/\1/p' "$DIR/nginx/nginx.conf")
[ -n "$PORT" ] || { echo "dataset: no stack under $DIR" >&2; exit 1; }

start=$(date +%s)
say() { printf 'dataset: [%4d s] %s\n' "$(( $(date +%s) - start ))" "$*" >&2; }

say "submitting $POOL requests through the API for their ciphertexts"
python3 "$ROOT/tests/perf/pii_pool.py" "http://127.0.0.1:$PORT" "$POOL"
"${PSQL[@]}" <<'SQL'
DROP TABLE IF EXISTS perf_pii_pool;
CREATE TABLE perf_pii_pool AS
SELECT (row_number() OVER (ORDER BY r.id) - 1)::int AS k, r.id_number_enc, r.phone_enc
  FROM requests r JOIN agencies a ON a.id = r.agency_id
 WHERE a.code = 'demo' AND r.name LIKE '密文样本%' AND r.id_number_enc IS NOT NULL;
SQL

vars=(-v n="$N" -v prefix=perf -v years="${YEARS:-5}")
[ -n "${TODAY:-}" ] && vars+=(-v today="$TODAY")
"${PSQL[@]}" "${vars[@]}" -f "$ROOT/tests/perf/report_dataset.sql" |
	while IFS= read -r line; do say "${line#dataset: }"; done
say "done: $("${PSQL[@]}" -c "SELECT count(*) FROM requests") requests," \
	"$("${PSQL[@]}" -c "SELECT count(*) FROM request_events") events," \
	"database $("${PSQL[@]}" -c "SELECT pg_size_pretty(pg_database_size('ysqgk'))")"
