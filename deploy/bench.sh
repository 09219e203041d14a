#!/bin/bash
# make bench: wrk against the real stack (PostgreSQL + app + nginx on
# loopback, nginx rate limits off), one row per page: requests/s, p50 and
# p99 latency, and the ratio to the static file and to the app's minimal
# FastCGI response (/healthz/live, no database).
#
# Environment: BENCH_SECONDS (10), BENCH_CONNECTIONS (32), BENCH_THREADS (2).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR="$ROOT/var/bench"
PORT=${BENCH_PORT:-18990}
SECONDS_EACH=${BENCH_SECONDS:-10}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
URL="http://127.0.0.1:$PORT"

# One row per measured page: name, path, optional wrk Lua script.
PAGES=(
	"static file|/static/style.css|"
	"minimal FastCGI|/healthz/live|"
	"home page|/|"
)

cleanup() { "$ROOT/deploy/dev-stack.sh" stop "$DIR" >/dev/null 2>&1 || true; }
trap cleanup EXIT

export RATE_LIMITS=off NGINX_ACCESS_LOG=off NGINX_WORKERS=auto
"$ROOT/deploy/dev-stack.sh" stop "$DIR" >/dev/null 2>&1 || true
"$ROOT/deploy/dev-stack.sh" start "$DIR" "$PORT" "$ROOT/build/ysqgk"

# wrk prints latencies as 1.23ms / 456.00us / 1.02s: convert to ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
		else if (v ~ /s$/) n *= 1000
		printf "%.2f", n }'
}

declare -A RPS P50 P99
for row in "${PAGES[@]}"; do
	IFS='|' read -r name path script <<<"$row"
	args=(-t"$THREADS" -c"$CONNS" -d"${SECONDS_EACH}s" --latency)
	[ -n "$script" ] && args+=(-s "$script")
	curl -fsS -o /dev/null "$URL$path" || { echo "bench: $path does not answer 200" >&2; exit 1; }
	out=$(wrk "${args[@]}" "$URL$path")
	RPS[$name]=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	P50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	P99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
	[ -n "$errors" ] && echo "bench: $name: $errors" >&2
done

static=${RPS["static file"]}
minimal=${RPS["minimal FastCGI"]}
printf '\n%-18s %12s %10s %10s %10s %12s\n' page "requests/s" "p50 ms" "p99 ms" "÷ static" "÷ minimal"
for row in "${PAGES[@]}"; do
	IFS='|' read -r name _ _ <<<"$row"
	awk -v n="$name" -v r="${RPS[$name]}" -v a="${P50[$name]}" -v b="${P99[$name]}" \
	    -v s="$static" -v m="$minimal" \
	    'BEGIN { printf "%-18s %12.0f %10s %10s %10.2f %12.2f\n", n, r, a, b, r / s, r / m }'
done
pid=$(cat "$DIR/run/app.pid")
echo
echo "app peak RSS: $(awk '/VmHWM/ {print $2, $3}' "/proc/$pid/status") (threads: ${THREADS_APP:-8})"
echo "($SECONDS_EACH s per page, $CONNS connections, $THREADS wrk threads, $(nproc) cores)"
