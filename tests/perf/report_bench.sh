#!/bin/bash
# report_bench.sh STACK_DIR [N]: the yearly report at scale. Loads N
# requests (default 1,000,000; once: the agency `perf` is the marker) into
# the database of the stack under STACK_DIR with dataset.sh (the dataset of
# make bench: report_dataset.sql), then
# times, for one department-year and for the government summing its 20
# departments:
#   - the table-三 and table-四 statements alone, as the app runs them
#     (prepared, jit off), best of 3, and EXPLAIN ANALYZE's plan summary;
#   - `ysqgk report` end to end (connect, prepare, compute, print).
# Meant for deploy/bench.sh (make bench) and for a look by hand:
#   deploy/dev-stack.sh start /tmp/b 18991 build/ysqgk && tests/perf/report_bench.sh /tmp/b
# Environment: YSQGK_BIN (build/ysqgk), YEAR (last year).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(realpath "${1:?usage: report_bench.sh STACK_DIR [N]}")
N=${2:-1000000}
YEAR=${YEAR:-$(( $(TZ=Asia/Shanghai date +%Y) - 1 ))}
BIN=${YSQGK_BIN:-$ROOT/build/ysqgk}
PSQL=(psql -h "$DIR/pgsock" -d ysqgk -qtAX -v ON_ERROR_STOP=1)
[ "$(id -u)" = 0 ] && PSQL+=(-U postgres)

if [ "$("${PSQL[@]}" -c "SELECT count(*) FROM agencies WHERE code = 'perf'")" = 0 ]; then
	"$ROOT/tests/perf/dataset.sh" "$DIR" "$N"
fi
total=$("${PSQL[@]}" -c "SELECT count(*) FROM requests")

# The statements exactly as the app prepares them (fcgi/pages/report.stmts).
stmt() {
	python3 - "$ROOT/fcgi/pages/report.stmts" "$1" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
body = re.search(r'STMT\(' + sys.argv[2] + r',\n(.*?)\)\n', text, re.S).group(1)
print("".join(re.findall(r'"((?:[^"\\]|\\.)*)"', body)))
PY
}
T3=$(stmt REPORT_TABLE3)
T4=$(stmt REPORT_TABLE4)

# Best of 3 executions, in ms, and the plan's top line.
measure() {
	local name=$1 sql=$2 agency=$3
	"${PSQL[@]}" <<SQL
SET jit = off;
PREPARE q (text, int) AS $sql;
EXPLAIN (ANALYZE, TIMING OFF, SUMMARY ON) EXECUTE q ('$agency', $YEAR);
\\timing on
\\o /dev/null
EXECUTE q ('$agency', $YEAR);
EXECUTE q ('$agency', $YEAR);
EXECUTE q ('$agency', $YEAR);
SQL
}

printf '\nyearly report at %s requests, year %s\n' "$total" "$YEAR"
printf '%-34s %10s %14s\n' "what" "best ms" "plan ms"
for agency in perf-03 perf; do
	label=$([ "$agency" = perf ] && echo "government (20 departments)" || echo "one department")
	for t in 3 4; do
		sql=$([ $t = 3 ] && echo "$T3" || echo "$T4")
		out=$(measure "t$t" "$sql" "$agency" 2>&1)
		best=$(grep -o '^Time: [0-9.]*' <<<"$out" | awk '{print $2}' | sort -n | head -1)
		plan=$(grep -o 'Execution Time: [0-9.]*' <<<"$out" | awk '{print $3}')
		printf '%-34s %10s %14s\n' "table $([ $t = 3 ] && echo 三 || echo 四), $label" "$best" "$plan"
	done
	conf="$DIR/ysqgk.conf"
	s=$(date +%s%N)
	"$BIN" --config "$conf" report --year "$YEAR" --agency "$agency" >/dev/null
	e=$(date +%s%N)
	printf '%-34s %10s\n' "ysqgk report, $label" "$(( (e - s) / 1000000 ))"
done
