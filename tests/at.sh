#!/bin/bash
# Runs a command, and every process it starts, at another instant: the
# test clock of the whole stack (the test runner, PostgreSQL's now() and
# current_date, the app, the CLI, nginx).
#
#   tests/at.sh INSTANT COMMAND [ARG...]
#   tests/at.sh 2025-12-31T23:30+08:00 python3 tests/e2e/run.py test_staff_*.py
#
# INSTANT is anything `date -d` reads; give the offset (+08:00 for Beijing)
# so that the instant does not depend on the machine's time zone.
#
# How: libfaketime (Debian's faketime package), preloaded into every process
# through the environment, which children inherit — runuser keeps it, so
# PostgreSQL started as the postgres user runs at the same instant. The
# clock is shifted by one offset computed once here, not frozen and not
# restarted per process: every process of the run agrees on the time, and
# time goes on as usual (sleeps, timeouts and rate limiters keep working).
# Monotonic clocks stay real, so that timers inside nginx, PostgreSQL and
# the app are not disturbed.
#
# AddressSanitizer insists on coming first among preloaded libraries; the
# test build runs with libfaketime first, so that check is turned off.
set -euo pipefail

LIB=/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1
[ $# -ge 2 ] || { echo "usage: tests/at.sh INSTANT COMMAND [ARG...]" >&2; exit 2; }
if [ ! -f "$LIB" ]; then
	LIB=$(ls /usr/lib/*/faketime/libfaketime.so.1 2>/dev/null | head -n 1)
	[ -n "$LIB" ] || { echo "tests/at.sh: libfaketime is missing (apt-get install faketime)" >&2; exit 1; }
fi
target=$(date -d "$1" +%s) || { echo "tests/at.sh: not an instant: $1" >&2; exit 2; }
shift
# Nested (a test under tests/at.sh running another at its own instant):
# `date` already runs at the outer instant; the offset is from real time.
offset=$((target - $(date +%s) + ${YSQGK_CLOCK_OFFSET:-0}))
export LD_PRELOAD="$LIB${LD_PRELOAD:+ $LD_PRELOAD}"
export FAKETIME="${offset}"
[ "$offset" -ge 0 ] && FAKETIME="+$offset"
export FAKETIME_DONT_FAKE_MONOTONIC=1
# No shared-memory segment is needed: the offset is all the run uses.
# Newer libfaketime reads FAKETIME_DISABLE_SHM; Debian 12's 0.9.10 does
# not (each process makes a segment and hands its name to its children
# in FAKETIME_SHARED) — deploy/dev-stack.sh drops that name for the
# processes it starts as other users.
export FAKETIME_DISABLE_SHM=1
export ASAN_OPTIONS="verify_asan_link_order=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# PostgreSQL's statement_timeout misfires under libfaketime: its timer is
# armed on the faked clock and fires within milliseconds of a statement
# that waits (a submission queued behind the tracking-number counter was
# cancelled after 30 ms). Under the test clock statements get no timeout;
# `make test` and `make test-faults` keep the product's 5 s and test it.
export YSQGK_STATEMENT_TIMEOUT_MS=${YSQGK_STATEMENT_TIMEOUT_MS:-0}
# For the test runners (tests/e2e/stack.py), which run without the preload.
export YSQGK_CLOCK_OFFSET=$offset
YSQGK_TEST_INSTANT=$(date -u -d "@$target" +%Y-%m-%dT%H:%M:%SZ)
export YSQGK_TEST_INSTANT
exec "$@"
