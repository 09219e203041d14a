#!/bin/bash
# tests/layers.sh must fail on the breaches it exists to catch: an include
# pointing up a layer and a cycle between two modules of one layer; and
# pass a tree without them. Run by `make layers` before the real check.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

tree() {	# a small clean tree in $T/$1
	mkdir -p "$T/$1"/{lib,domain,core,service,web,cli}
	echo '#include "lib/buf.h"' > "$T/$1/core/db.h"
	: > "$T/$1/lib/buf.h"
	echo '#include "core/db.h"' > "$T/$1/service/workflow.c"
	echo '#include "service/workflow.h"' > "$T/$1/web/page.c"
	: > "$T/$1/service/workflow.h"
}
expect() {	# expect NAME STATUS PATTERN
	local out status=0
	out=$("$HERE/layers.sh" "$T/$1" 2>&1) || status=$?
	if [ "$status" != "$2" ] || ! grep -q -- "$3" <<<"$out"; then
		echo "layers self-test $1: wanted exit $2 and \"$3\", got $status: $out" >&2
		exit 1
	fi
}

tree clean
expect clean 0 "no cycles"

tree upward
echo '#include "web/http.h"' >> "$T/upward/service/workflow.c"
: > "$T/upward/web/http.h"
expect upward 1 'service/workflow.c:2: service includes web "web/http.h"'

tree cycle
echo '#include "web/http.h"' > "$T/cycle/web/auth.c"
echo '#include "web/auth.h"' > "$T/cycle/web/http.c"
: > "$T/cycle/web/auth.h"; : > "$T/cycle/web/http.h"
expect cycle 1 "cycle: web/"
echo "layers self-test: an upward include and a cycle are caught"
