#!/bin/bash
# The development and test stack: a private PostgreSQL cluster, the app and
# nginx, all on loopback, all under one directory.
#
#   dev-stack.sh run                       `make run`: ./var, PORT (8080), foreground;
#                                          also a local mailbox and `ysqgk notify`
#   dev-stack.sh start DIR PORT BINARY     start in the background (tests)
#   dev-stack.sh stop DIR                  stop what start started
#   dev-stack.sh var                       make ./var if missing, print where it points
#
# ./var is a link to a folder outside the clone, one per clone (see
# state_dir), so that the clone itself can sit anywhere its user can write:
# in root's home (0700 on Debian), or under a path with spaces or Chinese
# characters. Nothing removes that folder but its user.
#
# No local trust (issue 12, item 1): PostgreSQL takes only its Unix socket
# and peer authentication (pg_hba.conf, pg_ident.conf: written at every
# start); the database has the installed layout's two roles (db-roles.sql,
# db-grants.sql): migrations run as the owner role ysqgk_owner, the app and
# the CLI connect as the application role ysqgk, which owns nothing and
# cannot run programs. As root, PostgreSQL runs as postgres, the app as
# the unprivileged user ysqgk-dev (made if missing), nginx's workers as
# www-data, and each socket sits in a folder only its two parties enter:
#   pgsock/  postgres:ysqgk-dev 2750, socket 0660   (PostgreSQL, the app)
#   run/     ysqgk-dev:www-data 2750, socket 0660   (the app, nginx)
#   cache/   ysqgk-dev:www-data 2750, files 0640     (the app writes, nginx reads)
# root reaches the database as the superuser postgres (tests, psql) or as
# ysqgk (the CLI); no other local user reaches either socket. As another
# user, everything runs as that user, and both folders are 0700.
#
# `run` adds what a person trying the app needs and the tests' stacks do not
# (issue 14): a local SMTP mailbox (tests/e2e/mailbox.py, on a free
# loopback port, or MAIL_PORT) that keeps each message as var/mail/NNNN.eml,
# the sender `ysqgk notify` delivering to it, and a demo clerk and head with
# e-mail addresses. Their passwords, like the administrator's, are shown once.
#
# Environment: RATE_LIMITS=off drops nginx's limit_req (for capacity
# benchmarks only); THREADS sets the app's worker threads; MAIL_PORT fixes
# the port of run's mailbox; NGINX_EXTRA_CONF names a file included in the
# server block (make bench's PHP-FPM reference location).
set -euo pipefail

# Under the test clock (tests/at.sh), libfaketime 0.9.10 shares one
# shared-memory segment and semaphore between all the processes of a run,
# named in FAKETIME_SHARED, created by the first of them (root) and
# readable by root alone. PostgreSQL and the app run as other users: they
# could not open it and made their own, named by their pid — and when a
# stale one of a dead process had that pid, libfaketime gave up and exited
# the process ("sem_open failed … Permission denied"): the stack that
# sometimes did not start. Test-only (nothing sets the variable
# otherwise): open the run's segment to the stack's users.
if [ -n "${FAKETIME_SHARED:-}" ]; then
	read -r faketime_sem faketime_shm <<<"$FAKETIME_SHARED"
	chmod 0666 "/dev/shm/sem.${faketime_sem#/}" "/dev/shm/${faketime_shm#/}" 2>/dev/null || true
fi

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)

die() { echo "dev-stack: $*" >&2; exit 1; }

# Where `make run` keeps its state: not in the clone, which other users may
# not be able to enter, while PostgreSQL runs as the postgres user and
# nginx's workers as www-data; and not under the clone's path, which may be
# too long for a unix socket (108 bytes: a few Chinese folder names use it
# up). One folder per clone, named by a hash of the clone's path; the file
# `clone` inside says which clone it belongs to.
state_dir() {
	local base
	if [ "$(id -u)" = 0 ]; then
		base=/var/lib/ysqgk-dev
	else
		base=${XDG_STATE_HOME:-$HOME/.local/state}/ysqgk-dev
	fi
	echo "$base/$(printf '%s' "$ROOT" | sha256sum | cut -c1-12)"
}

# Makes ./var (a link to state_dir) unless it exists; prints the folder it
# stands for. A ./var that is a real folder (a clone from before the link)
# is kept as it is.
cmd_var() {
	local var="$ROOT/var" dir
	if [ ! -e "$var" ] && [ ! -L "$var" ]; then
		dir=$(state_dir)
		mkdir -p "$dir"
		chmod 755 "$(dirname "$dir")" "$dir"
		printf '%s\n' "$ROOT" >"$dir/clone"
		ln -s "$dir" "$var"
	fi
	realpath -m "$var"
}

APP_USER=ysqgk-dev		# as root: who runs the app
OWNER_ROLE=ysqgk_owner		# owns the schema, runs the migrations
APP_ROLE=ysqgk			# what the app and the CLI connect as
RUN_CONFIG=""			# what run adds to the configuration (run_config)

is_root() { [ "$(id -u)" = 0 ]; }

# initdb and postgres refuse to run as root: as root, use the postgres user.
as_pg() {
	if is_root; then runuser -u postgres -- "$@"; else "$@"; fi
}
pg_superuser() { if is_root; then echo postgres; else id -un; fi; }

# As the app's user (as root; see start_app for the app itself).
as_app() {
	if is_root; then
		setpriv --reuid="$APP_USER" --regid="$APP_USER" --init-groups -- "$@"
	else
		"$@"
	fi
}

# The user of nginx's worker processes (as root; nginx's `user`).
nginx_user() { id -u www-data >/dev/null 2>&1 && echo www-data || echo nobody; }

# As root: the app's user, a system user without home or shell. Stacks
# starting at once may both try: the loser finds it made.
ensure_app_user() {
	is_root || return 0
	id -u "$APP_USER" >/dev/null 2>&1 && return 0
	useradd --system --user-group --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin "$APP_USER" >/dev/null 2>&1 ||
		id -u "$APP_USER" >/dev/null 2>&1 ||
		die "cannot create the user $APP_USER (useradd)"
}

# A folder holding a socket: owner and one group may enter, nobody else.
socket_folder() {
	local path=$1 owner=$2 group=$3 mode=$4
	mkdir -p "$path"
	if is_root; then
		chown "$owner:$group" "$path"
		chmod "$mode" "$path"
	else
		chmod 0700 "$path"
	fi
}

# Peer authentication only, on the Unix socket only (listen_addresses is
# empty): OS users map to roles through the map "stack". Written at every
# start, so that a cluster made before (with trust) loses it too.
write_pg_auth() {
	local data=$1 me
	cat >"$data/pg_hba.conf" <<HBA
# Written by deploy/dev-stack.sh at every start (issue 12, item 1): no trust.
# TYPE  DATABASE  USER  METHOD
local   all       all   peer map=stack
HBA
	if is_root; then
		cat >"$data/pg_ident.conf" <<IDENT
# Written by deploy/dev-stack.sh: which OS user may connect as which role.
# MAP   OS USER     ROLE
stack   postgres    postgres
stack   root        postgres
stack   root        $APP_ROLE
stack   $APP_USER   $APP_ROLE
IDENT
	else
		me=$(id -un)
		cat >"$data/pg_ident.conf" <<IDENT
# Written by deploy/dev-stack.sh: which OS user may connect as which role.
# MAP   OS USER     ROLE
stack   $me   $me
stack   $me   $APP_ROLE
IDENT
	fi
	# The socket's own mode (a pg_ctl start without dev-stack.sh's options
	# keeps it: the file is included from postgresql.conf). Its group is
	# the folder's (setgid): postgres is no member of it, so it could not
	# set it itself (unix_socket_group).
	if is_root; then
		printf 'unix_socket_permissions = 0660\n' >"$data/ysqgk-stack.conf"
	else
		printf 'unix_socket_permissions = 0600\n' >"$data/ysqgk-stack.conf"
	fi
	is_root && chown postgres: "$data/ysqgk-stack.conf"
	grep -q "^include_if_exists = 'ysqgk-stack.conf'" "$data/postgresql.conf" ||
		echo "include_if_exists = 'ysqgk-stack.conf'" >>"$data/postgresql.conf"
}

psql_super() {
	local dir=$1; shift
	"$PGBIN/psql" -h "$dir/pgsock" -U "$(pg_superuser)" -X -q -v ON_ERROR_STOP=1 "$@"
}

init_cluster() {
	local dir=$1
	as_pg "$PGBIN/initdb" -D "$dir/pgdata" -U "$(pg_superuser)" \
		--auth-local=peer --auth-host=scram-sha-256 --encoding=UTF8 \
		--locale=C.UTF-8 >>"$dir/log/initdb.log" 2>&1
}

start_postgres() {
	local dir=$1
	mkdir -p "$dir/log"
	socket_folder "$dir/pgsock" postgres "$APP_USER" 2750
	if [ ! -f "$dir/pgdata/PG_VERSION" ]; then
		mkdir -p "$dir/pgdata"
		is_root && chown postgres: "$dir/pgdata"
		chmod 700 "$dir/pgdata"
		# Once more after a failure: on a loaded machine (test instants
		# side by side) initdb's trial backends can fail for want of a
		# moment's resources; a real problem fails twice, with its log.
		init_cluster "$dir" || { rm -rf "${dir:?}/pgdata"/*; sleep 1; init_cluster "$dir"; } ||
			die "initdb failed: see $dir/log/initdb.log"
	fi
	write_pg_auth "$dir/pgdata"
	is_root && touch "$dir/log/postgres.log" && chown postgres: "$dir/log/postgres.log"
	# Unix socket only: no TCP port is opened.
	as_pg "$PGBIN/pg_ctl" -D "$dir/pgdata" -l "$dir/log/postgres.log" -w -t 60 \
		-o "-c listen_addresses='' -c unix_socket_directories='$dir/pgsock' -c max_connections=100 -c log_error_verbosity=terse" \
		start >/dev/null || die "PostgreSQL did not start: see $dir/log/postgres.log"
	psql_super "$dir" -d postgres -v owner="$OWNER_ROLE" -v app="$APP_ROLE" \
		-f "$ROOT/deploy/db-roles.sql" >/dev/null || die "cannot create the roles"
	adopt_old_database "$dir"
}

# A database made by an earlier dev-stack.sh belongs to the superuser: hand
# it and everything in it to the owner role, as db-roles.sql would have.
adopt_old_database() {
	local dir=$1
	psql_super "$dir" -d ysqgk -v owner="$OWNER_ROLE" >/dev/null <<'SQL' ||
SELECT format('ALTER DATABASE ysqgk OWNER TO %I', :'owner')
 WHERE (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'ysqgk') <> :'owner' \gexec
SELECT format('ALTER %s %s OWNER TO %I',
	      CASE c.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
	      c.oid::regclass, :'owner')
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
   AND pg_get_userbyid(c.relowner) <> :'owner' \gexec
SELECT format('ALTER SEQUENCE %s OWNER TO %I', c.oid::regclass, :'owner')
  FROM pg_class c
 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
   AND pg_get_userbyid(c.relowner) <> :'owner' \gexec
SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, :'owner')
  FROM pg_proc p
 WHERE p.pronamespace = 'public'::regnamespace AND pg_get_userbyid(p.proowner) <> :'owner'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e') \gexec
SELECT format('ALTER TYPE %s OWNER TO %I', t.oid::regtype, :'owner')
  FROM pg_type t
 WHERE t.typnamespace = 'public'::regnamespace AND t.typtype IN ('e', 'd')
   AND pg_get_userbyid(t.typowner) <> :'owner'
   AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = t.oid AND d.deptype = 'e') \gexec
SQL
		die "cannot hand the old database to $OWNER_ROLE"
}

# Migrations as the owner role (the superuser connects and becomes it, as
# ysqgk-migrate does), then the application role's rights (db-grants.sql).
migrate_database() {
	local dir=$1
	YSQGK_DATABASE="host='$dir/pgsock' dbname=ysqgk user=$(pg_superuser) options='-c role=$OWNER_ROLE'" \
		"$BIN" --config "$dir/ysqgk.conf" migrate >"$dir/log/migrate.log" 2>&1 ||
		die "migration failed: $(cat "$dir/log/migrate.log")"
	psql_super "$dir" -d ysqgk -v owner="$OWNER_ROLE" -v app="$APP_ROLE" \
		-f "$ROOT/deploy/db-grants.sql" >>"$dir/log/migrate.log" 2>&1 ||
		die "granting $APP_ROLE its rights failed: see $dir/log/migrate.log"
}

# What the app runs from: the clone itself when its user can read it, or
# else a copy in the stack's folder (a clone in root's home, a binary in a
# mktemp folder: both 0700). Sets APP_BIN, TEMPLATES, SQL_DIR and FONT_DIR
# (the notices' font subset that make builds beside the binary: build/fonts).
app_files() {
	local dir=$1 fonts
	fonts=$(dirname "$BIN")/fonts
	[ -d "$fonts" ] || fonts=$ROOT/build/fonts
	APP_BIN=$BIN TEMPLATES=$ROOT/templates SQL_DIR=$ROOT/sql FONT_DIR=$fonts
	is_root || return 0
	[ -d "$fonts" ] || fonts=
	app_can_read "$BIN" "$ROOT/templates" "$ROOT/sql" $fonts && return 0
	rm -rf "$dir/app" && mkdir -p "$dir/app"
	cp "$BIN" "$dir/app/ysqgk" && cp -R "$ROOT/templates" "$ROOT/sql" "$dir/app/"
	[ -z "$fonts" ] || cp -R "$fonts" "$dir/app/fonts"
	chmod -R u=rwX,go=rX "$dir/app"
	APP_BIN=$dir/app/ysqgk TEMPLATES=$dir/app/templates SQL_DIR=$dir/app/sql FONT_DIR=$dir/app/fonts
}

# Whether the app's user reaches and reads every file under the paths (and
# may run the first, the binary).
app_can_read() {
	local unreadable
	as_app test -x "$1" -a -r "$1" 2>/dev/null || return 1
	unreadable=$(cd / && as_app find "$@" \( ! -readable -o -type d ! -executable \) -print -quit 2>&1) &&
		[ -z "$unreadable" ]
}

write_config() {
	local dir=$1
	[ -f "$dir/secret.key" ] || "$BIN" keygen "$dir/secret.key" >/dev/null
	# The app reads its key: its user owns it (0600). root reads it too.
	is_root && chown "$APP_USER:" "$dir/secret.key"
	chmod 600 "$dir/secret.key"
	cat >"$dir/ysqgk.conf" <<CONF
# Generated by deploy/dev-stack.sh for the stack under $dir.
# The application role: rows only, never the schema (docs/deploy.md).
database = host='$dir/pgsock' dbname=ysqgk user=$APP_ROLE
listen = $dir/run/ysqgk.sock
listen_mode = 0660
threads = ${THREADS:-8}
templates = $TEMPLATES
sql_dir = $SQL_DIR
font_dir = $FONT_DIR
secret_key_file = $dir/secret.key
file_cache_dir = $dir/cache
# Round trips and statements per response in a Server-Timing header (the
# tests read it); production leaves it off.
server_timing = ${SERVER_TIMING:-on}
CONF
	if [ -n "$RUN_CONFIG" ]; then printf '%s\n' "$RUN_CONFIG" >>"$dir/ysqgk.conf"; fi
}

write_nginx_config() {
	local dir=$1 port=$2 user=""
	mkdir -p "$dir/nginx/tmp"
	local strip='^$'
	[ "${RATE_LIMITS:-on}" = off ] && strip='# rate-limit$'
	sed -e "s|@SOCKET@|$dir/run/ysqgk.sock|g" -e "/$strip/d" \
		"$ROOT/nginx/ysqgk-http.conf" >"$dir/nginx/ysqgk-http.conf"
	# nginx's workers (www-data) read the static files from the stack's
	# folder: they may not be able to enter the clone.
	rm -rf "$dir/static" && cp -R "$ROOT/templates/static" "$dir/static"
	sed -e "s|@STATIC@|$dir/static|g" -e "s|@FILECACHE@|$dir/cache|g" -e "/$strip/d" \
		"$ROOT/nginx/ysqgk.conf" >"$dir/nginx/ysqgk.conf"
	is_root && user="user $(nginx_user);"
	# Tests only: take the client's address from a header sent over
	# loopback (realip), to play clients nginx here cannot have (IPv6).
	local realip=""
	if [ -n "${NGINX_REAL_IP_HEADER:-}" ]; then
		realip="set_real_ip_from 127.0.0.0/8; real_ip_header $NGINX_REAL_IP_HEADER;"
	fi
	cat >"$dir/nginx/nginx.conf" <<CONF
$user
worker_processes ${NGINX_WORKERS:-1};
pid $dir/nginx/nginx.pid;
error_log $dir/log/nginx-error.log warn;
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	server_tokens off;
	client_body_temp_path $dir/nginx/tmp/body;
	fastcgi_temp_path $dir/nginx/tmp/fastcgi;
	proxy_temp_path $dir/nginx/tmp/proxy;
	uwsgi_temp_path $dir/nginx/tmp/uwsgi;
	scgi_temp_path $dir/nginx/tmp/scgi;
	include $dir/nginx/ysqgk-http.conf;
	access_log ${NGINX_ACCESS_LOG:-$dir/log/nginx-access.log ysqgk};
	server {
		listen 127.0.0.1:$port;
		server_name localhost;
		$realip
		${NGINX_EXTRA_CONF:+include $NGINX_EXTRA_CONF;}
		include $dir/nginx/ysqgk.conf;
	}
}
CONF
}

# A sanitizer build (the tests' ysqgk-test) renders notices' PDFs with
# cairo and fontconfig, which keep memory LeakSanitizer would report at
# exit: their suppressions (tests/lsan.supp), and the slow unwinder that
# cairo's frames need for the suppression to match (see that file). Adds
# `env …` to cmd; nothing for a release build.
sanitizer_env() {
	local dir=$1
	grep -qa __asan_init "$APP_BIN" || return 0
	install -m 0644 "$ROOT/tests/lsan.supp" "$dir/lsan.supp"
	cmd+=(env "LSAN_OPTIONS=suppressions=$dir/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
	      "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}fast_unwind_on_malloc=0")
}

start_app() {
	local dir=$1
	# The FastCGI socket's folder: the app's user and nginx's workers'
	# group; setgid, so that the socket (0660) is in that group too.
	socket_folder "$dir/run" "$APP_USER" "$(id -gn "$(nginx_user)")" 2750
	# The file cache (file_cache_dir): the app writes, nginx's workers read
	# (setgid: the files, 0640, are in their group), as CacheDirectory=
	# does in deploy/ysqgk.service.
	socket_folder "$dir/cache" "$APP_USER" "$(id -gn "$(nginx_user)")" 2750
	migrate_database "$dir"
	"$BIN" --config "$dir/ysqgk.conf" agency list | grep -q '^demo	' ||
		"$BIN" --config "$dir/ysqgk.conf" agency add demo "示例县人民政府办公室" >/dev/null
	# The demo administrator, created once: its password goes to
	# demo-admin.txt (0600), which `make run` prints once and the tests read.
	if ! "$BIN" --config "$dir/ysqgk.conf" user list | grep -q '^admin	'; then
		local pw
		pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
		printf '%s\n' "$pw" | "$BIN" --config "$dir/ysqgk.conf" user add admin \
			--agency demo --role admin --name "演示管理员" >/dev/null
		(umask 077 && printf 'admin %s\n' "$pw" >"$dir/demo-admin.txt")
	fi
	# How the app is started, for tests that start it again (stack.py).
	# A simple command in the background: $! is the app itself (setpriv
	# execs it), not a shell in between.
	local cmd=()
	sanitizer_env "$dir"
	is_root && cmd+=(setpriv --reuid="$APP_USER" --regid="$APP_USER" --init-groups --)
	cmd+=("$APP_BIN" --config "$dir/ysqgk.conf" serve)
	printf '%s\0' "${cmd[@]}" >"$dir/app.cmd"
	"${cmd[@]}" >>"$dir/log/app.log" 2>&1 &
	echo $! >"$dir/run/app.pid"
	# Up to 30 s: a loaded machine (test instants side by side) is slow.
	for _ in $(seq 300); do [ -S "$dir/run/ysqgk.sock" ] && return 0; sleep 0.1; done
	die "the app did not open its socket: see $dir/log/app.log"
}

start_nginx() {
	local dir=$1
	/usr/sbin/nginx -c "$dir/nginx/nginx.conf" -e "$dir/log/nginx-error.log" ||
		die "nginx did not start: see $dir/log/nginx-error.log"
}

wait_healthy() {
	local port=$1
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && return 0
		sleep 0.1
	done
	die "the stack did not become healthy on port $port"
}

cmd_start() {
	local dir port
	dir=$(realpath -m "$1"); port=$2; BIN=$(realpath "$3")
	mkdir -p "$dir" && chmod 755 "$dir"
	ensure_app_user
	app_files "$dir"
	start_postgres "$dir"
	write_config "$dir"
	write_nginx_config "$dir" "$port"
	start_app "$dir"
	start_nginx "$dir"
	wait_healthy "$port"
}

stop_pidfile() {
	local pidfile=$1 pid
	# The file may vanish while we look: nginx removes its own on exit.
	pid=$(cat "$pidfile" 2>/dev/null) || return 0
	if kill -TERM "$pid" 2>/dev/null; then
		for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$pidfile"
}

cmd_stop() {
	local dir
	dir=$(realpath -m "$1")
	[ -f "$dir/nginx/nginx.pid" ] && /usr/sbin/nginx -c "$dir/nginx/nginx.conf" -s quit 2>/dev/null
	stop_pidfile "$dir/nginx/nginx.pid"
	# run's sender first (it finishes the message in flight), then its mailbox
	stop_pidfile "$dir/run/notify.pid"
	stop_pidfile "$dir/run/mailbox.pid"
	stop_pidfile "$dir/run/app.pid"
	[ -f "$dir/pgdata/postmaster.pid" ] &&
		as_pg "$PGBIN/pg_ctl" -D "$dir/pgdata" -m fast -w stop >/dev/null 2>&1
	return 0
}

# ---- what `run` adds (issue 14) ----------------------------------------------

MAIL_FROM=noreply@demo.invalid	# the demo's sender; .invalid never resolves

# The local mailbox's server: aiosmtpd for Debian's own Python.
check_mailbox_server() {
	/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null ||
		die "the local mailbox needs python3-aiosmtpd (apt-get install python3-aiosmtpd)"
}

# A free TCP port on loopback (the kernel's choice; MAIL_PORT overrides).
free_port() {
	/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The configuration run adds: mail goes to the local mailbox, links in it
# point at the address run prints. write_config appends it.
run_config() {
	local port=$1 mail_port=$2
	cat <<CONF
# run only: the local mailbox (var/mail) and the address of this stack
public_url = http://127.0.0.1:$port
smtp_url = smtp://127.0.0.1:$mail_port
mail_from = $MAIL_FROM
CONF
}

# The demo clerk and head, created once with e-mail addresses (new
# submissions alert the clerk; `ysqgk deadlines --mail` sends both their
# digests). Their passwords go to demo-staff.txt (0600), shown once by run.
add_demo_staff() {
	local dir=$1 role pw
	for role in clerk head; do
		"$BIN" --config "$dir/ysqgk.conf" user list | grep -q "^$role	" && continue
		pw=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
		printf '%s\n' "$pw" | "$BIN" --config "$dir/ysqgk.conf" user add "$role" \
			--agency demo --role "$role" --name "演示$( [ "$role" = clerk ] && echo 经办人 || echo 负责人)" \
			--email "$role@demo.invalid" >/dev/null || die "cannot create the demo $role"
		(umask 077 && printf '%s %s\n' "$role" "$pw" >>"$dir/demo-staff.txt")
	done
}

# The local mailbox: an SMTP server on loopback keeping each message as
# mail/NNNN.eml (its envelope in NNNN.json). It runs as the app's user from
# a copy in the stack's folder (the clone may be closed to that user).
start_mailbox() {
	local dir=$1 port=$2
	install -m 0644 "$ROOT/tests/e2e/mailbox.py" "$dir/mailbox.py"
	mkdir -p "$dir/mail"
	is_root && chown "$APP_USER:" "$dir/mail"
	chmod 0700 "$dir/mail"
	: >"$dir/log/mailbox.log"
	as_app_exec /usr/bin/python3 "$dir/mailbox.py" --host 127.0.0.1 --port "$port" \
		--dir "$dir/mail" >>"$dir/log/mailbox.log" 2>&1 &
	echo $! >"$dir/run/mailbox.pid"
	for _ in $(seq 150); do
		grep -q '^mailbox: SMTP on' "$dir/log/mailbox.log" && return 0
		kill -0 "$(cat "$dir/run/mailbox.pid")" 2>/dev/null || break
		sleep 0.1
	done
	die "the local mailbox did not start on port $port: see $dir/log/mailbox.log"
}

# The sender, as the app's user, until the stack stops (ysqgk-notify.service
# in an installation).
start_notify() {
	local dir=$1
	as_app_exec "$APP_BIN" --config "$dir/ysqgk.conf" notify >>"$dir/log/notify.log" 2>&1 &
	echo $! >"$dir/run/notify.pid"
	sleep 0.3
	kill -0 "$(cat "$dir/run/notify.pid")" 2>/dev/null ||
		die "ysqgk notify stopped at once: see $dir/log/notify.log"
}

# Like as_app, but setpriv execs the command: in the background, $! is the
# command itself (stop_pidfile signals it, not a shell in between).
as_app_exec() {
	if is_root; then
		exec setpriv --reuid="$APP_USER" --regid="$APP_USER" --init-groups -- "$@"
	else
		exec "$@"
	fi
}

# Prints the passwords of the demo accounts this run created, once.
show_demo_passwords() {
	local dir=$1 file user pw shown=""
	for file in "$dir/demo-admin.txt" "$dir/demo-staff.txt"; do
		[ -f "$file" ] || continue
		while read -r user pw; do
			[ -n "${shown:-}" ] || { echo; shown=1; }
			printf '  demo %-5s (shown once): user %-5s  password %s\n' "$user" "$user" "$pw"
		done <"$file"
		rm -f "$file"
	done
}

cmd_run() {
	local dir port=${PORT:-8080} mail_port
	dir=$(cmd_var)
	cmd_stop "$dir"	# whatever an earlier run left behind
	# Whatever ends run (Ctrl-C, the app stopping, a part failing to
	# start) stops everything it started.
	trap 'cmd_stop "$dir"' EXIT
	trap 'echo; echo "stopping…"; exit 0' INT TERM
	check_mailbox_server
	mail_port=${MAIL_PORT:-$(free_port)}
	RUN_CONFIG=$(run_config "$port" "$mail_port")
	cmd_start "$dir" "$port" "$ROOT/build/ysqgk"
	add_demo_staff "$dir"
	start_mailbox "$dir" "$mail_port"
	start_notify "$dir"
	show_demo_passwords "$dir"
	cat <<MSG

  ysqgk is running: http://127.0.0.1:$port/

  data:          $dir  (./var links here; remove it yourself when done)
  configuration: var/ysqgk.conf   (build/ysqgk --config var/ysqgk.conf COMMAND)
  logs:          $dir/log/
  mail:          $dir/mail/  (var/mail: each message one NNNN.eml file)
                 sent by \`ysqgk notify\` to the local mailbox on 127.0.0.1:$mail_port
  Ctrl-C stops PostgreSQL, the app, nginx, the sender and the mailbox.
MSG
	while kill -0 "$(cat "$dir/run/app.pid")" 2>/dev/null; do sleep 1; done
	echo "dev-stack: the app stopped: see $dir/log/app.log" >&2
	exit 1
}

case "${1:-}" in
run) cmd_run ;;
start) [ $# -eq 4 ] || die "usage: start DIR PORT BINARY"; cmd_start "$2" "$3" "$4" ;;
stop) [ $# -eq 2 ] || die "usage: stop DIR"; cmd_stop "$2" ;;
var) cmd_var ;;
*) die "usage: dev-stack.sh run | start DIR PORT BINARY | stop DIR | var" ;;
esac
