#!/bin/bash
# make test-dates: the date-sensitive end-to-end suites, each at the fixed
# instants below (tests/at.sh sets the whole stack's clock), besides the run
# at today's date that `make test` does. Ends with 'dates: N passed, N failed'.
#
#   tests/instants.sh                   every instant, the suites below
#   tests/instants.sh INSTANT [SUITE…]  one instant (a `date -d` string)
#
# Needs YSQGK_BIN (the Makefile sets it). Each instant runs on stacks of
# its own: what one run wrote cannot leak into the next. TEST_DATES_JOBS
# (4) instants run at once; their outputs are printed in order at the end.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)

# Beijing times: the law's dates are Beijing dates whatever the machine's
# zone (UTC here), so the edges are where the two disagree.
# Eight instants, two rounds of four: the Saturday is one inside the
# Spring Festival holiday, so that one run covers both (CI under 30 min).
INSTANTS=(
	"2026-02-21T10:00+08:00|a Saturday, inside the Spring Festival holiday"
	"2026-12-06T10:00+08:00|a Sunday"
	"2026-02-28T10:00+08:00|a 调休 working Saturday"
	"2026-02-24T09:00+08:00|the first working day after the Spring Festival"
	"2025-12-31T23:30+08:00|31 December 23:30 in Beijing"
	"2026-01-01T07:30+08:00|1 January 07:30 in Beijing (still 31 December in UTC)"
	"2027-03-15T10:00+08:00|a year whose holiday schedule is not imported"
	# 2028, not 2024: several suites work through fixed examples of the
	# real calendar in 2024 and 2025, which must lie in the past.
	"2028-02-29T10:00+08:00|29 February (after the imported schedules too)"
)

# The suites whose answers depend on today's date: deadlines, windows,
# the queue's marks, the status page, tracking numbers and the report's year.
SUITES=(
	test_staff_workflow.py test_staff_calendar.py test_staff_queue.py
	test_citizen_status.py test_citizen_apply.py
	test_report_tables.py test_report_import.py test_report_edges.py
	test_cli.py test_law_outcomes.py test_law_dates.py
)

passed=0 failed=0 failures=()
JOBS=${TEST_DATES_JOBS:-4}	# instants run side by side: about 40 % CPU each (I/O waits)
LOGS=$(mktemp -d)

# Runs the suites at one instant into $LOGS/N.log.
run_at() {
	local n=$1 instant=$2; shift 2
	"$HERE/at.sh" "$instant" python3 "$HERE/e2e/run.py" "$@" >"$LOGS/$n.log" 2>&1
}

# Prints one instant's result and adds it to the totals.
summarise() {
	local n=$1 instant=$2 what=$3 log="$LOGS/$1.log" out f
	echo "== $instant ($what)"
	out=$(grep -E '^e2e: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
	if [ -z "$out" ]; then
		echo "   did not finish:"; tail -n 30 "$log"
		failed=$((failed + 1)); failures+=("$instant")
		return
	fi
	echo "   $out"
	passed=$((passed + $(echo "$out" | sed -E 's/^e2e: ([0-9]+) passed.*/\1/')))
	f=$(echo "$out" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	failed=$((failed + f))
	if [ "$f" != 0 ]; then
		failures+=("$instant")
		grep -E -A12 '^(FAIL|ERROR):' "$log" | head -n 60
		echo "   full output: $log"
	fi
}

if [ $# -ge 1 ]; then
	INSTANTS=("$1|chosen"); shift
	[ $# -ge 1 ] && SUITES=("$@")
fi
n=0
for entry in "${INSTANTS[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n; done
	run_at "$n" "${entry%%|*}" "${SUITES[@]}" &
	n=$((n + 1))
done
wait
n=0
for entry in "${INSTANTS[@]}"; do
	summarise "$n" "${entry%%|*}" "${entry#*|}"
	n=$((n + 1))
done
[ ${#failures[@]} -eq 0 ] || echo "failed at: ${failures[*]}"
echo "dates: $passed passed, $failed failed"
[ "$failed" = 0 ]
