#!/bin/sh
# Installs the Debian packages a target needs, only where they are missing.
# Usage: install-deps.sh build|run|test|bench|fuzz
set -eu
build="gcc make pkg-config libfcgi-dev libpq-dev libjson-c-dev libsodium-dev liboath-dev libqrencode-dev libunistring-dev libcurl4-openssl-dev libcairo2-dev libpango1.0-dev fonts-noto-cjk libmagic-dev libzip-dev python3-fonttools libxlsxwriter-dev"
stack="postgresql nginx curl"
case "${1:-build}" in
build) want="$build" ;;
run)   want="$build $stack python3-aiosmtpd" ;;	# aiosmtpd: run's local mailbox
test)  want="$build $stack libcmocka-dev python3 python3-aiosmtpd chromium fonts-wqy-zenhei poppler-utils faketime" ;;
bench) want="$build $stack wrk php-fpm php-pgsql" ;;	# php: issue 17's PHP-FPM reference row
fuzz)  want="$build clang libclang-rt-14-dev" ;;
*) echo "usage: $0 build|run|test|bench|fuzz" >&2; exit 2 ;;
esac
missing=""
for p in $want; do
	case "$p" in
	*) dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p" ;;
	esac
done
# Node.js may come from Debian or elsewhere: ask for the commands.
if [ "${1:-}" = test ]; then
	command -v node >/dev/null 2>&1 || missing="$missing nodejs"
	command -v npm >/dev/null 2>&1 || missing="$missing npm"
fi
# Whether node_modules holds every dependency of the browser tests'
# package.json at its pinned version: one added or bumped since the last
# install (axe-core, lighthouse) sends us to npm ci again.
browser_deps_installed() {
	node -e '
const fs = require("fs"), dir = process.argv[1];
const read = (f) => JSON.parse(fs.readFileSync(f, "utf8"));
const deps = read(dir + "/package.json").dependencies || {};
process.exit(Object.entries(deps).every(([name, version]) => {
	const f = dir + "/node_modules/" + name + "/package.json";
	return fs.existsSync(f) && read(f).version === version;
}) ? 0 : 1);' "$1"
}
install_browser_tests() {
	[ "${1:-}" = test ] || return 0
	dir=$(dirname "$0")/../tests/browser
	browser_deps_installed "$dir" ||
		(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
}
if [ -z "$missing" ]; then
	install_browser_tests "${1:-}"
	exit 0
fi
if [ "$(id -u)" != 0 ]; then
	echo "ysqgk: missing Debian packages:$missing (run as root, or: sudo apt-get install$missing)" >&2
	exit 1
fi
echo "ysqgk: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
install_browser_tests "${1:-}"
