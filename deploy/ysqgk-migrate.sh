#!/bin/sh
# ysqgk-migrate: apply ysqgk's SQL migrations as the owner role, then give
# the application role its rights on the tables (db/grants.sql). Run it as
# root (or as postgres) after installing a new version, before restarting
# the service; running it again changes nothing.
#
#   ysqgk-migrate [--config FILE]
#
# The postgres superuser connects and becomes the owner role (SET ROLE), so
# the owner needs no password and cannot log in. Environment:
#   YSQGK_ADMIN_DATABASE  how the superuser reaches the database
#                         (default "dbname=ysqgk": the local socket, peer auth)
#   YSQGK_OWNER_ROLE      the owner role (ysqgk_owner)
#   YSQGK_APP_ROLE        the application role (ysqgk)
# Installed by `make install` from deploy/ysqgk-migrate.sh.
set -eu

BIN=@BINDIR@/ysqgk
GRANTS=@DATADIR@/db/grants.sql
CONFIG=@SYSCONFDIR@/ysqgk/ysqgk.conf
ADMIN=${YSQGK_ADMIN_DATABASE:-dbname=ysqgk}
OWNER=${YSQGK_OWNER_ROLE:-ysqgk_owner}
APP=${YSQGK_APP_ROLE:-ysqgk}

usage() {
	echo "ysqgk-migrate: $1" >&2
	echo "usage: ysqgk-migrate [--config FILE]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--config) [ $# -ge 2 ] || usage "--config needs a file"; CONFIG=$2; shift 2 ;;
	-h|--help) sed -n '2,17s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) usage "unknown argument \"$1\"" ;;
	esac
done
case "$OWNER$APP" in
*[!a-z0-9_]*) usage "role names are lower-case letters, digits and _" ;;
esac

as_postgres() {
	if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

as_postgres env YSQGK_DATABASE="$ADMIN options='-c role=$OWNER'" \
	"$BIN" --config "$CONFIG" migrate ||
	{ echo "ysqgk-migrate: the migrations failed (nothing of the failed file was applied)" >&2; exit 1; }
as_postgres psql "$ADMIN" -X -q -v ON_ERROR_STOP=1 -v owner="$OWNER" -v app="$APP" \
	-f "$GRANTS" ||
	{ echo "ysqgk-migrate: granting the application role its rights failed" >&2; exit 1; }
echo "ysqgk-migrate: database up to date; role $APP granted its rights"
