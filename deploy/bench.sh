#!/bin/bash
# make bench: the stack's speed against its own ceiling, in one run.
#
# 1. The dataset (tests/perf/dataset.sh: 1,000,000 requests over 5 years
#    and 20 departments, events, notices, appeals) is built once into
#    var/bench-data (a stopped PostgreSQL data directory and the key its
#    ciphertexts were made with) and reused while the schema (the names and
#    checksums of sql/*.sql), the generator and BENCH_ROWS stay the same.
# 2. Each run starts a stack under var/bench on a fresh copy of it (nginx
#    rate limits off, access log off, 8 app threads), creates two staff
#    members, signs them in, submits and confirms one request for the
#    status look-up, then measures each page with wrk after a warm-up.
# 3. The outbox drained (issue 14): BENCH_MESSAGES (10,000) e-mails queued
#    with SQL for requests of the dataset, sent by `ysqgk notify --once` to
#    a local mailbox (tests/e2e/mailbox.py, into var/bench/mail); the
#    drain's rate, and the status look-up's p99 with BENCH_DRAIN_CONNECTIONS
#    (2) connections while it drains against the same without it.
# 4. It prints requests/s, p50 and p99 latency, each page's ratio to the
#    app's minimal FastCGI response (/healthz/live, no database), the app's
#    peak RSS (VmHWM), the drain, and PASS/MISS per target (docs/bench.md).
#
# Environment: BENCH_SECONDS (10 s per page), BENCH_WARMUP (2 s),
# BENCH_CONNECTIONS (32), BENCH_THREADS (2 wrk threads), BENCH_ROWS
# (1000000), BENCH_PORT (18990), BENCH_YEAR (the report's year: last year),
# BENCH_ONLY (a regular expression: measure only the matching pages, plus
# the minimal FastCGI response; "drain" or "status" also runs the drain),
# BENCH_COSTS=1 (then also each page's CPU time per request in the app,
# the database and nginx, and its SQL statements per request),
# BENCH_MESSAGES (10000), BENCH_DRAIN_CONNECTIONS (2), BENCH_MAIL_PORT
# (BENCH_PORT + 1: the local mailbox), BENCH_NOTIFY_NICE (0: the sender and
# the mailbox run under `nice -n` that much), BENCH_NOTICES (20: notices
# issued as PDFs, one after another, for their time).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VAR=$("$ROOT/deploy/dev-stack.sh" var)	# ./var: outside the clone (dev-stack.sh)
DATA="$VAR/bench-data"
DIR="$VAR/bench"
BIN="$ROOT/build/ysqgk"
PORT=${BENCH_PORT:-18990}
SECONDS_EACH=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-2}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
ROWS=${BENCH_ROWS:-1000000}
YEAR=${BENCH_YEAR:-$(( $(TZ=Asia/Shanghai date +%Y) - 1 ))}
ONLY=${BENCH_ONLY:-}
APP_THREADS=8
MESSAGES=${BENCH_MESSAGES:-10000}
DRAIN_CONNS=${BENCH_DRAIN_CONNECTIONS:-2}
MAIL_PORT=${BENCH_MAIL_PORT:-$(( PORT + 1 ))}
NOTIFY_NICE=${BENCH_NOTIFY_NICE:-0}
NOTICES=${BENCH_NOTICES:-20}
MAILBOX_PID=
NOTIFY_PID=
URL="http://127.0.0.1:$PORT"
PSQL=(psql -h "$DIR/pgsock" -d ysqgk -qtAX -v ON_ERROR_STOP=1)
[ "$(id -u)" = 0 ] && PSQL+=(-U postgres)

die() { echo "bench: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

cleanup() {
	[ -z "$NOTIFY_PID" ] || kill "$NOTIFY_PID" 2>/dev/null || true
	[ -z "$MAILBOX_PID" ] || kill "$MAILBOX_PID" 2>/dev/null || true
	[ -f "$DIR/php/php-fpm.pid" ] && kill "$(cat "$DIR/php/php-fpm.pid")" 2>/dev/null || true
	"$ROOT/deploy/dev-stack.sh" stop "$DIR" >/dev/null 2>&1 || true
	"$ROOT/deploy/dev-stack.sh" stop "$DATA/build" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# ---- the dataset, built once ------------------------------------------------

data_version() {
	(cd "$ROOT" && sha256sum sql/*.sql tests/perf/report_dataset.sql \
		tests/perf/dataset.sh tests/perf/pii_pool.py && echo "rows $ROWS") |
		sha256sum | cut -c1-16
}

build_data() {
	local version=$1
	say "building the dataset ($ROWS requests) into $DATA: once, a few minutes"
	"$ROOT/deploy/dev-stack.sh" stop "$DATA/build" >/dev/null 2>&1 || true
	rm -rf "$DATA"
	mkdir -p "$DATA"
	RATE_LIMITS=off NGINX_ACCESS_LOG=off "$ROOT/deploy/dev-stack.sh" start \
		"$DATA/build" "$PORT" "$BIN"
	"$ROOT/tests/perf/dataset.sh" "$DATA/build" "$ROWS"
	"$ROOT/deploy/dev-stack.sh" stop "$DATA/build"
	mv "$DATA/build/pgdata" "$DATA/pgdata"
	mv "$DATA/build/secret.key" "$DATA/secret.key"
	rm -rf "$DATA/build"
	echo "$version" >"$DATA/version"
}

version=$(data_version)
if [ ! -d "$DATA/pgdata" ] || [ "$(cat "$DATA/version" 2>/dev/null)" != "$version" ]; then
	build_data "$version"
else
	say "reusing the dataset in $DATA (version $version)"
fi

# ---- a stack on a fresh copy ------------------------------------------------

"$ROOT/deploy/dev-stack.sh" stop "$DIR" >/dev/null 2>&1 || true
rm -rf "$DIR"
mkdir -p "$DIR"
say "copying the dataset ($(du -sh "$DATA/pgdata" | cut -f1))"
cp -a "$DATA/pgdata" "$DIR/pgdata"
cp -a "$DATA/secret.key" "$DIR/secret.key"
# BENCH_COSTS=1: count each page's SQL statements (pg_stat_statements; it
# costs the database a few per cent, so the table is then a little lower).
[ "${BENCH_COSTS:-0}" = 1 ] &&
	echo "shared_preload_libraries = 'pg_stat_statements'" >>"$DIR/pgdata/postgresql.auto.conf"
# Issue 17's PHP-FPM reference: the status look-up in plain PHP
# (deploy/bench/status.php) behind the same nginx, from php-fpm's socket.
PHP_FPM=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* 2>/dev/null | head -1 || true)
mkdir -p "$DIR/php"
if [ -n "$PHP_FPM" ]; then
	cat >"$DIR/php/nginx.conf" <<CONF
location = /bench/php-status {
	include /etc/nginx/fastcgi_params;
	fastcgi_param SCRIPT_FILENAME $DIR/php/status.php;
	fastcgi_pass unix:$DIR/run/php.sock;
}
CONF
else
	say "php-fpm not installed: no PHP-FPM reference row (deploy/install-deps.sh bench installs it)"
	: >"$DIR/php/nginx.conf"
fi
# As in production: no Server-Timing header (the test stack's default).
NGINX_EXTRA_CONF="$DIR/php/nginx.conf" SERVER_TIMING=off \
RATE_LIMITS=off NGINX_ACCESS_LOG=off NGINX_WORKERS=auto THREADS=$APP_THREADS \
	"$ROOT/deploy/dev-stack.sh" start "$DIR" "$PORT" "$BIN"
YSQGK=("$BIN" --config "$DIR/ysqgk.conf")
WORK="$DIR/wrk"
mkdir -p "$WORK"

# Staff: a clerk of one department (queue, request page) and an
# administrator of the government (the report summing its departments).
PASSWORD=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$PASSWORD" | "${YSQGK[@]}" user add bench-clerk --agency perf-03 --role clerk \
	--name "压测办理员" >/dev/null
printf '%s\n' "$PASSWORD" | "${YSQGK[@]}" user add bench-admin --agency perf --role admin \
	--name "压测管理员" >/dev/null
sign_in() {
	curl -fsS -o /dev/null -c - -H 'Content-Type: application/json' \
		-d "{\"username\": \"$1\", \"password\": \"$PASSWORD\"}" "$URL/api/v1/session" |
		awk '$6 == "ysqgk_session" {print $7}'
}
CLERK=$(sign_in bench-clerk)
ADMIN=$(sign_in bench-admin)
[ -n "$CLERK" ] && [ -n "$ADMIN" ] || die "staff sign-in failed"

# The status look-up's request: submitted through the API, confirmed by
# the clerk.
created=$(curl -fsS -H 'Content-Type: application/json' "$URL/api/v1/agencies/perf-03/requests" -d '{
	"applicant_kind": "person", "name": "查询样本", "id_type": "resident_id",
	"id_number": "330106199510263451", "phone": "13800138000",
	"description": "请公开本单位2025年度部门决算及“三公”经费支出情况。",
	"provision_forms": ["email"], "obtain_methods": ["email"], "email": "cx@example.cn",
	"declaration": true, "privacy_consent": true}')
TRACKING=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_no"])' <<<"$created")
CODE=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["query_code"])' <<<"$created")
rid=$("${PSQL[@]}" -c "SELECT id FROM requests WHERE tracking_no = '$TRACKING'")
curl -fsS -o /dev/null -H 'Content-Type: application/json' -b "ysqgk_session=$CLERK" \
	-d '{}' "$URL/api/v1/requests/$rid/confirm" || die "confirming $TRACKING failed"
# php-fpm: a static pool of as many workers as the app has threads, as the
# app's user (it reads the secret key and connects to PostgreSQL as the
# app's role), its socket in the app's folder, which nginx's workers enter.
start_php_fpm() {
	local user group
	if [ "$(id -u)" = 0 ]; then
		user=ysqgk-dev
		group=$(id -gn www-data 2>/dev/null || echo nogroup)
	else
		user=$(id -un)
		group=$(id -gn)
	fi
	install -m 0644 "$ROOT/deploy/bench/status.php" "$DIR/php/status.php"
	cat >"$DIR/php/php-fpm.conf" <<CONF
[global]
pid = $DIR/php/php-fpm.pid
error_log = $DIR/log/php-fpm.log
daemonize = yes
[bench]
user = $user
listen = $DIR/run/php.sock
listen.owner = $user
listen.group = $group
listen.mode = 0660
pm = static
pm.max_children = $APP_THREADS
clear_env = yes
env[YSQGK_SECRET_KEY_FILE] = $DIR/secret.key
env[YSQGK_PGHOST] = $DIR/pgsock
env[YSQGK_PGUSER] = ysqgk
CONF
	"$PHP_FPM" --fpm-config "$DIR/php/php-fpm.conf" ||
		die "php-fpm did not start: see $DIR/log/php-fpm.log"
	local i
	for i in $(seq 50); do [ -S "$DIR/run/php.sock" ] && break; sleep 0.1; done
	local answer
	answer=$(curl -fsS -d "tracking_no=$TRACKING&query_code=$CODE" "$URL/bench/php-status") ||
		die "the PHP status look-up does not answer 2xx: see $DIR/log/php-fpm.log"
	grep -q "\"tracking_no\":\"$TRACKING\"" <<<"$answer" ||
		die "the PHP status look-up did not find $TRACKING: $answer"
}
[ -z "$PHP_FPM" ] || start_php_fpm
# The anonymous CSRF cookie and its form token, for the HTML status form.
status_form=$(curl -fsS -c "$WORK/anon.cookies" "$URL/status")
CSRF=$(sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' <<<"$status_form" | head -1)
ANON=$(awk '$6 ~ /csrf/ {print $6 "=" $7}' "$WORK/anon.cookies")
[ -n "$CSRF" ] && [ -n "$ANON" ] || die "no CSRF token on /status"

# The peak so far is the sign-ins' (Argon2id holds 64 MiB for ~0.1 s, one
# at a time: fcgi/auth.c); the pages' peak is measured from here on.
APP_PID=$(cat "$DIR/run/app.pid")

# A request of the clerk's department, submitted through the API and
# confirmed by the clerk; its id on stdout. $1 tells the samples apart.
new_confirmed_request() {
	local i=$1 created tracking id
	created=$(curl -fsS -H 'Content-Type: application/json' \
		"$URL/api/v1/agencies/perf-03/requests" -d "{
		\"applicant_kind\": \"person\", \"name\": \"样本$i\", \"id_type\": \"resident_id\",
		\"id_number\": \"330106199510263451\", \"phone\": \"13800138000\",
		\"description\": \"请公开本单位政府采购合同目录及其中标结果（压测样本$i）。\",
		\"provision_forms\": [\"email\"], \"obtain_methods\": [\"email\"],
		\"email\": \"sample$i@example.cn\", \"declaration\": true, \"privacy_consent\": true}") ||
		die "submitting the sample $i failed"
	tracking=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["tracking_no"])' <<<"$created")
	id=$("${PSQL[@]}" -c "SELECT id FROM requests WHERE tracking_no = '$tracking'")
	curl -fsS -o /dev/null -H 'Content-Type: application/json' -b "ysqgk_session=$CLERK" \
		-d '{}' "$URL/api/v1/requests/$id/confirm" || die "confirming $tracking failed"
	echo "$id"
}

# ---- a 10 MB file both ways (issue 15) ---------------------------------------

# The app's peak resident size (VmHWM, kB), reset before each measure.
peak_kb() { awk '/VmHWM/ {print $2}' "/proc/$APP_PID/status"; }
reset_peak() { echo 5 >"/proc/$APP_PID/clear_refs" 2>/dev/null; }
# A 10 MB PDF (a valid header and trailer around random bytes), uploaded by
# the clerk to a request of their own (POST /api/v1/requests/{id}/files,
# the session's CSRF token as the first part) and released with the reply,
# then downloaded once, cold (the app streams it from PostgreSQL and fills
# the cache); each time the
# growth of the app's peak RSS over a small warm-up file's. Then wrk
# measures the cached download (nginx sends the file through
# X-Accel-Redirect) against nginx sending the same file as a static file.
big_file() {
	local out=$1 mb=$2
	{ printf '%%PDF-1.4\n%%'; head -c $(( mb * 1024 * 1024 )) /dev/urandom; printf '\n%%%%EOF\n'; } >"$out"
}
upload() {	# request, file, name → the new file's id
	local token
	token=$(curl -fsS -b "ysqgk_session=$CLERK" "$URL/api/v1/session" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
	curl -fsS -b "ysqgk_session=$CLERK" -F "csrf_token=$token" \
		-F "file=@$2;type=application/pdf;filename=$3" "$URL/api/v1/requests/$1/files" |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
files_both_ways() {
	big_file "$WORK/warm.pdf" 1
	big_file "$WORK/big.pdf" 10
	local req base up down fid
	req=$(new_confirmed_request files)
	upload "$req" "$WORK/warm.pdf" warm.pdf >/dev/null || die "the warm-up upload failed"
	reset_peak; base=$(peak_kb)
	fid=$(upload "$req" "$WORK/big.pdf" "十兆字节.pdf") || die "the 10 MB upload failed"
	up=$(( $(peak_kb) - base ))
	curl -fsS -o /dev/null -H 'Content-Type: application/json' -b "ysqgk_session=$CLERK" \
		-d "{\"outcome\": \"disclosed\", \"text\": \"所需信息见附件。\", \"files\": [$fid]}" \
		"$URL/api/v1/requests/$req/reply" || die "the reply releasing the 10 MB file failed"
	reset_peak; base=$(peak_kb)
	BIG_URL="/staff/requests/$req/files/$fid"
	curl -fsS -o "$WORK/big.back" -b "ysqgk_session=$CLERK" "$URL$BIG_URL" || die "the 10 MB download failed"
	down=$(( $(peak_kb) - base ))
	cmp -s "$WORK/big.pdf" "$WORK/big.back" || die "the 10 MB file came back changed"
	install -m 0644 "$WORK/big.pdf" "$DIR/static/bench-10mb.pdf"
	FILES_RSS=$(printf 'files\t%s\t%s' "$up" "$down")
}
FILES_RSS=
BIG_URL=/healthz/live
if [ -z "$ONLY" ] || [[ "10 MB file" =~ $ONLY ]]; then
	files_both_ways
fi

SIGN_IN_KB=$(awk '/VmHWM/ {print $2}' "/proc/$APP_PID/status")
echo 5 >"/proc/$APP_PID/clear_refs" 2>/dev/null || say "cannot reset the RSS peak: it includes the sign-ins"

# ---- wrk scripts ------------------------------------------------------------

cat >"$WORK/clerk.lua" <<LUA
wrk.headers["Cookie"] = "ysqgk_session=$CLERK"
LUA
cat >"$WORK/admin.lua" <<LUA
wrk.headers["Cookie"] = "ysqgk_session=$ADMIN"
LUA
# The look-up as the API answers it: the request's page as JSON, the same
# work as the PHP reference (a browser's POST /status answers 303 to the
# page, issue 16).
cat >"$WORK/status.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.body = '{"tracking_no": "$TRACKING", "query_code": "$CODE"}'
LUA
cat >"$WORK/php_status.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "tracking_no=$TRACKING&query_code=$CODE"
LUA
# The request page: requests of the clerk's department, in random order.
{
	echo "wrk.headers[\"Cookie\"] = \"ysqgk_session=$CLERK\""
	echo "local ids = {"
	"${PSQL[@]}" -c "SELECT id || ',' FROM requests WHERE agency_id =
		(SELECT id FROM agencies WHERE code = 'perf-03') ORDER BY hashint8(id) LIMIT 5000"
	echo "}"
	cat <<'LUA'
local n = 0
function request()
	n = n + 1
	return wrk.format(nil, "/staff/requests/" .. ids[(n * 7919) % #ids + 1])
end
LUA
} >"$WORK/request_page.lua"
REQ_ID=$(sed -n '3s/,$//p' "$WORK/request_page.lua")
# Submissions: every body its own applicant (a valid resident ID number
# per counter value), description and department, so that nothing is
# folded as a repeated form.
cat >"$WORK/submit.lua" <<'LUA'
local threads = 0
function setup(thread)
	thread:set("tid", threads)
	threads = threads + 1
end
local weights = { 7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2 }
local floor = math.floor
local function resident_id(k)
	local d = floor(k / 1000)
	local body = string.format("330106%04d%02d%02d%03d", 1940 + floor(d / 336) % 60,
				   1 + floor(d / 28) % 12, 1 + d % 28, k % 1000)
	local sum = 0
	for i = 1, 17 do sum = sum + tonumber(body:sub(i, i)) * weights[i] end
	return body .. ("10X98765432"):sub(sum % 11 + 1, sum % 11 + 1)
end
local counter = 0
function request()
	counter = counter + 1
	local k = (tid or 0) * 1000000 + counter
	local body = string.format('{"applicant_kind":"person","name":"压测申请人%d",'
		.. '"id_type":"resident_id","id_number":"%s","phone":"139%08d",'
		.. '"description":"压测提交第%d号：请公开本单位%d年度部门预算执行情况及相关会议纪要。",'
		.. '"provision_forms":["email"],"obtain_methods":["email"],'
		.. '"email":"bench%d@example.cn","declaration":true,"privacy_consent":true}',
		k, resident_id(k), k % 100000000, k, 2020 + k % 6, k)
	local path = string.format("/api/v1/agencies/perf-%02d/requests", k % 20 + 1)
	return wrk.format("POST", path, { ["Content-Type"] = "application/json" }, body)
end
LUA

# ---- the pages --------------------------------------------------------------

# name|path|wrk script|connections|class (ceiling: the minimal FastCGI
# response, first and last; read, submit, staff, report: their targets;
# info: measured, no target; deploy/bench-table.awk)
# The targets are issue 17's; the queue's other views and the reports keep
# theirs from before.
PAGES=(
	"static file|/static/style.css||$CONNS|info"
	"minimal FastCGI|/healthz/live||$CONNS|ceiling"
	"one query|/api/v1/agencies/perf-03||$CONNS|one"
	"PHP-FPM status look-up|/bench/php-status|php_status.lua|$CONNS|php"
	"home page|/||$CONNS|min>=0.8"
	"form page|/apply/perf-03||$CONNS|min>=0.7"
	"status look-up|/api/v1/status|status.lua|$CONNS|one>=0.9 php>=2"
	"submission (API)|/api/v1/agencies/perf-01/requests|submit.lua|$CONNS|min>=0.15"
	"queue, first page|/staff|clerk.lua|$CONNS|one>=0.4 p99<20"
	"queue, filtered|/staff?status=all&kind=business&year=$(( YEAR - 1 ))|clerk.lua|$CONNS|p99<20"
	"queue, text search|/staff?status=all&q=%E6%8B%86%E8%BF%81|clerk.lua|$CONNS|info"
	"request page|/staff/requests/$REQ_ID|request_page.lua|$CONNS|one>=0.4 p99<20"
	"report, department|/staff/report?year=$YEAR&agency=perf-03|admin.lua|1|p99<500"
	"report, government|/staff/report?year=$YEAR&agency=perf|admin.lua|1|p99<500"
	"static file, 10 MB|/static/bench-10mb.pdf||4|bigstatic"
	"download, cached, 10 MB|$BIG_URL|clerk.lua|4|bigstatic>=0.8"
	"one query, again|/api/v1/agencies/perf-03||$CONNS|one"
	"minimal FastCGI, again|/healthz/live||$CONNS|ceiling"
)

# wrk prints latencies as 1.23ms / 456.00us / 1.02s: convert to ms.
to_ms() {
	awk -v v="$1" 'BEGIN {
		n = v + 0
		if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
		else if (v ~ /m$/) n *= 60000; else if (v ~ /s$/) n *= 1000
		printf "%.2f", n }'
}

# One page: a check with curl (the answer must be 2xx), a warm-up, the run.
declare -A RPS P50 P99 ERR
measure() {
	local name=$1 path=$2 script=$3 conns=$4
	local cookie=() args
	case "$script" in
	clerk.lua | request_page.lua) cookie=(-b "ysqgk_session=$CLERK") ;;
	admin.lua) cookie=(-b "ysqgk_session=$ADMIN") ;;
	esac
	if [ -z "$script" ] || [ ${#cookie[@]} -gt 0 ]; then
		curl -fsS -o /dev/null "${cookie[@]}" "$URL$path" ||
			die "$name: $path does not answer 2xx"
	fi
	args=(-t"$(( conns < THREADS ? conns : THREADS ))" -c"$conns" --latency)
	[ -n "$script" ] && args+=(-s "$WORK/$script")
	[ "$WARMUP" -gt 0 ] && wrk "${args[@]}" -d"${WARMUP}s" "$URL$path" >/dev/null
	local out
	out=$(wrk "${args[@]}" -d"${SECONDS_EACH}s" "$URL$path")
	RPS[$name]=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
	P50[$name]=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
	P99[$name]=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
	ERR[$name]=$(awk '/Non-2xx|Socket errors/ {$1 = $1; printf "%s ", $0}' <<<"$out")
	[ -z "${ERR[$name]}" ] || say "$name: ${ERR[$name]}"
}

# Other work on the same cores lowers every number: the CPU time the
# machine spent outside the stack and wrk while measuring is reported.
proc_ticks() {	# utime + stime of the processes given
	local sum=0 p
	for p in "$@"; do
		[ -r "/proc/$p/stat" ] && sum=$(( sum + $(awk '{print $14 + $15}' "/proc/$p/stat") ))
	done
	echo "$sum"
}
machine_ticks() { awk '$1 == "cpu" {print $2 + $3 + $4 + $9}' /proc/stat; }	# user, nice, system, steal
# wrk's (and curl's) time: `times` in this shell, not in a $(subshell).
child_ticks() { awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
	gsub(/[ms]/, " "); print int((($1 * 60 + $2) + ($3 * 60 + $4)) * hz) }' "$1"; }
STACK_PIDS=("$APP_PID" $(pgrep -P "$(head -1 "$DIR/pgdata/postmaster.pid")")
	    $(pgrep -P "$(cat "$DIR/nginx/nginx.pid")"))
times >"$WORK/times0"
stack0=$(proc_ticks "${STACK_PIDS[@]}"); machine0=$(machine_ticks); child0=$(child_ticks "$WORK/times0")
say "measuring: $SECONDS_EACH s per page (after $WARMUP s warm-up), $CONNS connections"
for row in "${PAGES[@]}"; do
	IFS='|' read -r name path script conns class <<<"$row"
	# The references are measured whatever BENCH_ONLY says.
	if [ -n "$ONLY" ] && [ "$class" != ceiling ] && [ "$class" != one ] && [ "$class" != php ] &&
	   ! [[ $name =~ $ONLY ]]; then
		continue
	fi
	if [ "$class" = php ] && [ -z "$PHP_FPM" ]; then
		continue
	fi
	if [[ $name == *"10 MB" ]] && [ -z "$FILES_RSS" ]; then
		continue
	fi
	measure "$name" "$path" "$script" "$conns"
done

times >"$WORK/times1"
stack1=$(proc_ticks "${STACK_PIDS[@]}"); machine1=$(machine_ticks); child1=$(child_ticks "$WORK/times1")
OTHER=$(awk -v m=$(( machine1 - machine0 )) -v s=$(( stack1 - stack0 )) -v c=$(( child1 - child0 )) \
	'BEGIN { o = m - s - c; printf "%.0f", (m > 0 && o > 0) ? 100 * o / m : 0 }')
[ "$OTHER" -le 5 ] ||
	say "$OTHER % of the CPU time went to other processes while measuring: the numbers are low"

# ---- documents (issue 15) ---------------------------------------------------

# Issuing a notice as a PDF: BENCH_NOTICES requests of the clerk's
# department, submitted and confirmed, are each asked for a 补正 — the step
# renders the 补正告知书 as an A4 PDF (cairo + pango, the CJK font), stores
# it and logs its hash, in the step's transaction. Each step is timed by
# curl, one after another (a clerk issues one notice at a time): the whole
# step's time bounds the PDF's.
issue_notices() {
	local i rid t
	: >"$WORK/notice_ms"
	for i in $(seq "$NOTICES"); do
		rid=$(new_confirmed_request "notice$i")
		t=$(curl -fsS -o /dev/null -w '%{time_total}' -H 'Content-Type: application/json' \
			-b "ysqgk_session=$CLERK" \
			-d '{"what": "请补充所需合同的签订年份及采购项目名称，以便本机关查找。"}' \
			"$URL/api/v1/requests/$rid/supplement") || die "the 补正 of request $rid failed"
		awk -v t="$t" 'BEGIN { printf "%.2f\n", t * 1000 }' >>"$WORK/notice_ms"
	done
	NOTICE=$(sort -n "$WORK/notice_ms" | awk -v bytes="$("${PSQL[@]}" -c "SELECT coalesce(round(avg(b.size)), 0)
		FROM files f JOIN blobs b ON b.sha256 = f.sha256 JOIN notices n ON n.id = f.notice_id
		WHERE n.kind = 'supplement' AND f.created_at > now() - interval '1 hour'")" '
		{ ms[NR] = $1 }
		END { printf "notice\t%d\t%s\t%s\t%s", NR, ms[int((NR + 1) / 2)], ms[NR], bytes }')
}

NOTICE=
if [ "$NOTICES" -gt 0 ] && { [ -z "$ONLY" ] || [[ "notice PDF" =~ $ONLY ]]; }; then
	issue_notices
fi

# ---- the outbox drained ------------------------------------------------------

# The local mailbox: aiosmtpd under Debian's python3 (tests/e2e/mailbox.py),
# keeping each message in $DIR/mail.
start_mailbox() {
	nice -n "$NOTIFY_NICE" /usr/bin/python3 "$ROOT/tests/e2e/mailbox.py" --quiet --port "$MAIL_PORT" \
		--dir "$DIR/mail" >"$DIR/log/mailbox.log" 2>&1 &
	MAILBOX_PID=$!
	local i
	for i in $(seq 100); do
		grep -q "mailbox: SMTP on" "$DIR/log/mailbox.log" && return 0
		kill -0 "$MAILBOX_PID" 2>/dev/null || break
		sleep 0.1
	done
	die "the mailbox did not start on port $MAIL_PORT: see $DIR/log/mailbox.log"
}

# Tops the outbox up to $MESSAGES waiting e-mails (the submissions above
# queued some): 'received' messages for requests of the dataset that gave
# an address, as the outbox writes them, cycling when there are fewer.
# The SMS the dataset's own submissions queued are set aside (dead, on
# this copy only): the bench has no SMS gateway.
queue_messages() {
	"${PSQL[@]}" -c "UPDATE messages SET state = 'dead', lease_until = NULL,
		last_error = 'make bench: no SMS gateway'
		WHERE state IN ('queued', 'sending') AND channel = 'sms'"
	"${PSQL[@]}" -c "WITH pool AS (
		SELECT r.id, jsonb_build_object('tracking_no', r.tracking_no, 'agency_name', a.name)
			AS params, row_number() OVER (ORDER BY r.id DESC) - 1 AS k
		  FROM requests r JOIN agencies a ON a.id = r.agency_id
		 WHERE r.email IS NOT NULL AND r.pseudonymised_at IS NULL
		 ORDER BY r.id DESC LIMIT $MESSAGES),
	     missing AS (SELECT greatest($MESSAGES - count(*), 0) AS n FROM messages
			  WHERE state IN ('queued', 'sending'))
	INSERT INTO messages (request_id, kind, channel, params)
	SELECT pool.id, 'received', 'email', pool.params
	  FROM missing, generate_series(0, missing.n - 1) g
	  JOIN pool ON pool.k = g % greatest((SELECT count(*) FROM pool), 1)"
	"${PSQL[@]}" -c "SELECT count(*) FROM messages WHERE state IN ('queued', 'sending')"
}

now_s() { date +%s.%N; }

# The status look-up with a few connections (a load the machine carries:
# at saturation any other work lowers every page by its share of the CPU),
# first quiet, then while `ysqgk notify --once` drains the outbox.
drain() {
	local queued sent0 sent t0 t1 status=0 overlap=0 box0 box1
	start_mailbox
	queued=$(queue_messages)
	[ "$queued" -gt 0 ] || die "no message queued: no request of the dataset has an e-mail address"
	say "draining $queued queued messages to the mailbox on port $MAIL_PORT"
	measure "status look-up, quiet" /api/v1/status status.lua "$DRAIN_CONNS"
	sent0=$("${PSQL[@]}" -c "SELECT count(*) FROM messages WHERE state = 'sent'")
	box0=$(proc_ticks "$MAILBOX_PID")
	t0=$(now_s)
	YSQGK_SMTP_URL="smtp://127.0.0.1:$MAIL_PORT" YSQGK_MAIL_FROM=bench@ysqgk.example.cn \
	YSQGK_PUBLIC_URL=https://ysqgk.example.cn \
		nice -n "$NOTIFY_NICE" "${YSQGK[@]}" notify --once >"$WORK/notify.out" 2>"$WORK/notify.err" &
	NOTIFY_PID=$!
	sleep 1	# the sender under way
	WARMUP=0 measure "status look-up, drain" /api/v1/status status.lua "$DRAIN_CONNS"
	kill -0 "$NOTIFY_PID" 2>/dev/null && overlap=1
	wait "$NOTIFY_PID" || status=$?
	t1=$(now_s)
	NOTIFY_PID=
	box1=$(proc_ticks "$MAILBOX_PID")
	sent=$(( $("${PSQL[@]}" -c "SELECT count(*) FROM messages WHERE state = 'sent'") - sent0 ))
	[ "$status" = 0 ] || say "ysqgk notify exited with $status: $(tail -3 "$WORK/notify.err")"
	[ "$overlap" = 1 ] ||
		say "the drain ended before the look-up's measurement did: raise BENCH_MESSAGES"
	DRAIN=$(printf 'drain\t%s\t%s\t%s\t%s\t%s\t%s' "$queued" "$sent" \
		"$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" "$overlap" \
		"$(find "$DIR/mail" -name '*.eml' | wc -l)" \
		"$(awk -v t=$(( box1 - box0 )) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz }')")
	kill "$MAILBOX_PID" 2>/dev/null || true
	wait "$MAILBOX_PID" 2>/dev/null || true
	MAILBOX_PID=
}

DRAIN=
if [ -z "$ONLY" ] || [[ "message drain" =~ $ONLY ]] || [[ "status look-up" =~ $ONLY ]]; then
	drain
fi

# ---- BENCH_COSTS=1: where each page's time goes -----------------------------

# CPU time per request of the app, the database backends and nginx (from
# /proc, over a COST_SECONDS run of each page), and SQL statements per request.
costs() {
	local pm ngx hz out
	pm=$(head -1 "$DIR/pgdata/postmaster.pid")
	ngx=$(cat "$DIR/nginx/nginx.pid")
	hz=$(getconf CLK_TCK)
	"${PSQL[@]}" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
	ticks() {	# utime + stime of the processes given
		local sum=0 p
		for p in "$@"; do
			[ -r "/proc/$p/stat" ] && sum=$(( sum + $(awk '{print $14 + $15}' "/proc/$p/stat") ))
		done
		echo "$sum"
	}
	printf '\n%-22s %9s %9s %9s %9s %11s\n' "cost per request" "app µs" "db µs" "nginx µs" "total µs" "statements"
	for row in "${PAGES[@]}"; do
		IFS='|' read -r name path script conns _ <<<"$row"
		[ -n "${RPS[$name]:-}" ] && [ "$name" != "static file" ] || continue
		[ "${name#minimal FastCGI,}" = "$name" ] || continue
		local args=(-t"$(( conns < THREADS ? conns : THREADS ))" -c"$conns")
		[ -n "$script" ] && args+=(-s "$WORK/$script")
		"${PSQL[@]}" -c "SELECT pg_stat_statements_reset()" >/dev/null
		local a0 d0 n0 a1 d1 n1 calls
		a0=$(ticks "$APP_PID"); d0=$(ticks $(pgrep -P "$pm")); n0=$(ticks $(pgrep -P "$ngx"))
		out=$(wrk "${args[@]}" -d"${COST_SECONDS:-5}s" "$URL$path")
		a1=$(ticks "$APP_PID"); d1=$(ticks $(pgrep -P "$pm")); n1=$(ticks $(pgrep -P "$ngx"))
		calls=$("${PSQL[@]}" -c "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements
			WHERE dbid = (SELECT oid FROM pg_database WHERE datname = 'ysqgk')
			AND query NOT LIKE '%pg_stat_statements%'")
		awk -v n="$name" -v r="$(awk '/requests in/ {print $1}' <<<"$out")" -v hz="$hz" \
		    -v a=$(( a1 - a0 )) -v d=$(( d1 - d0 )) -v x=$(( n1 - n0 )) -v c="$calls" \
		    'BEGIN { f = 1e6 / hz / r
			     printf "%-22s %9.0f %9.0f %9.0f %9.0f %11.1f\n", n, a * f, d * f, x * f,
				    (a + d + x) * f, c / r }'
	done
}
# ---- the table and the targets ----------------------------------------------

rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$APP_PID/status")
workers=$(awk '$1 == "threads" {print $3}' "$DIR/ysqgk.conf")
{
	for row in "${PAGES[@]}" "status look-up, quiet|||$DRAIN_CONNS|quiet" \
		   "status look-up, drain|||$DRAIN_CONNS|draining"; do
		IFS='|' read -r name _ _ conns class <<<"$row"
		[ -n "${RPS[$name]:-}" ] || continue
		printf 'page\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$conns" "${RPS[$name]}" \
			"${P50[$name]}" "${P99[$name]}" "$class" "${ERR[$name]:-}"
	done
	[ -z "$DRAIN" ] || echo "$DRAIN"
	[ -z "$NOTICE" ] || echo "$NOTICE"
	[ -z "$FILES_RSS" ] || echo "$FILES_RSS"
	printf 'rss\t%s\t%s\n' "$rss_kb" "$workers"
} >"$WORK/results.tsv"
awk -f "$ROOT/deploy/bench-table.awk" "$WORK/results.tsv"
echo
echo "app peak RSS (VmHWM) under load: $(( rss_kb / 1024 )) MB with $workers worker threads" \
	"(with the two sign-ins before: $(( SIGN_IN_KB / 1024 )) MB)"
# File-backed pages are shared page cache, not the app's own memory: the
# two CJK font files (some 50 MB) that the notices' PDFs map count there.
echo "app resident now: $(awk '/RssAnon/ {a = $2} /RssFile/ {f = $2}
	END { printf "%d MB anonymous, %d MB file-backed (the PDF fonts mapped)", a / 1024, f / 1024 }' \
	"/proc/$APP_PID/status")"
echo "dataset: $("${PSQL[@]}" -c "SELECT count(*) FROM requests") requests;" \
	"report year $YEAR; $SECONDS_EACH s per page, $CONNS connections (the reports: 1)," \
	"$THREADS wrk threads, $(nproc) cores; other processes took $OTHER % of the CPU meanwhile"
echo "measurements: $WORK/results.tsv"
[ "${BENCH_COSTS:-0}" != 1 ] || costs
exit 0
