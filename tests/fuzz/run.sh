#!/bin/bash
# Builds and runs the libFuzzer targets: tests/fuzz/run.sh [SECONDS] [NAME...]
#
# Each tests/fuzz/fuzz_NAME.c names in its "fuzz-sources:" line the fcgi/
# files it links (pure modules only) and in "fuzz-pkgs:" the pkg-config
# packages; "fuzz-cflags:" adds compiler flags; "fuzz-max-len:" sets the
# largest input (default 4096). The
# binary goes to build/fuzz/fuzz_NAME and runs for SECONDS (default 60)
# in build/fuzz/NAME/, starting from a fresh copy of tests/fuzz/corpus/NAME/
# (the committed seeds never grow), with tests/fuzz/NAME.dict when there is
# one. One line per target; a crash, leak, timeout or out-of-memory input
# is kept as build/fuzz/NAME/crash-* (leak-*, timeout-*, oom-*) and makes
# the script exit 1. Reproduce with: build/fuzz/fuzz_NAME FILE
set -uo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

secs=${1:-60}
shift || true
case "$secs" in
''|*[!0-9]*) echo "usage: $0 [SECONDS] [NAME...]" >&2; exit 2 ;;
esac

cc=${FUZZ_CC:-clang}
if ! command -v "$cc" >/dev/null; then
	echo "fuzz: $cc not found (deploy/install-deps.sh fuzz installs it)" >&2
	exit 2
fi

out=build/fuzz
mkdir -p "$out"
cflags=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow
	-Wstrict-prototypes -g -O1 -fno-omit-frame-pointer
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-Ifcgi "-DFUZZ_ROOT=\"$root\"")

# The value of a "fuzz-KEY: value" comment line in file $1.
meta() {
	sed -n "s/^[ /*]*fuzz-$2: *//p" "$1" | sed 's,[ *]*\*/.*,,' | head -n 1
}

build() {
	local name=$1 src=tests/fuzz/fuzz_$1.c sources extra pkgs libs=()
	read -r -a sources <<<"$(meta "$src" sources)"
	read -r -a extra <<<"$(meta "$src" cflags)"
	read -r -a pkgs <<<"$(meta "$src" pkgs)"
	if [ ${#pkgs[@]} -gt 0 ]; then
		read -r -a libs <<<"$(pkg-config --cflags --libs "${pkgs[@]}")"
	fi
	"$cc" "${cflags[@]}" "${extra[@]}" -o "$out/fuzz_$name" "$src" "${sources[@]}" \
		"${libs[@]}" >"$out/$name.build.log" 2>&1
}

# Fresh working corpus: the seeds, and for the template target the
# project's current templates too.
prepare_corpus() {
	local name=$1 dir=$out/$1/corpus f
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ -d "tests/fuzz/corpus/$name" ]; then
		cp -r "tests/fuzz/corpus/$name/." "$dir/"
	fi
	if [ "$name" = tmpl ]; then
		find templates -name '*.mustache' -type f | while read -r f; do
			cp "$f" "$dir/real-$(echo "${f#templates/}" | tr / -)"
		done
	fi
}

run_one() {
	local name=$1 dir=$out/$1 maxlen args=() rc
	maxlen=$(meta "tests/fuzz/fuzz_$name.c" max-len)
	rm -f "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* "$dir"/oom-*
	prepare_corpus "$name"
	args=(-max_total_time="$secs" -timeout=5 -rss_limit_mb=2048
	      -max_len="${maxlen:-4096}" -print_final_stats=1
	      -artifact_prefix="$root/$dir/")
	if [ -f "tests/fuzz/$name.dict" ]; then
		args+=(-dict="$root/tests/fuzz/$name.dict")
	fi
	(cd "$dir" && ASAN_OPTIONS=detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$root/$out/fuzz_$name" "${args[@]}" corpus) >"$dir.log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		local runs cov corp
		runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$dir.log" | tail -n 1)
		cov=$(grep -o 'cov: [0-9]*' "$dir.log" | tail -n 1)
		corp=$(grep -o 'corp: [0-9]*' "$dir.log" | tail -n 1)
		echo "fuzz $name: ok, ${runs:-?} runs in ${secs}s, ${cov:-cov: ?}, ${corp:-corp: ?} ($dir.log)"
		return 0
	fi
	local found why
	found=$(ls -t "$dir"/crash-* "$dir"/leak-* "$dir"/timeout-* \
		"$dir"/oom-* 2>/dev/null | head -n 1)
	why=$(grep -m 1 -E 'invariant failed|^SUMMARY|ERROR: libFuzzer|runtime error' \
		"$dir.log" | sed 's/^==[0-9]*==//')
	echo "fuzz $name: FAILED (exit $rc): ${why:-see log}"
	echo "  input: ${found:-none kept}; log: $dir.log; reproduce: $out/fuzz_$name ${found:-FILE}"
	return 1
}

if [ $# -gt 0 ]; then
	names=("$@")
else
	names=()
	for f in tests/fuzz/fuzz_*.c; do
		f=${f#tests/fuzz/fuzz_}
		names+=("${f%.c}")
	done
fi

status=0
for name in "${names[@]}"; do
	if [ ! -f "tests/fuzz/fuzz_$name.c" ]; then
		echo "fuzz $name: no tests/fuzz/fuzz_$name.c" >&2
		status=1
		continue
	fi
	if ! build "$name"; then
		echo "fuzz $name: BUILD FAILED ($out/$name.build.log)"
		sed 's/^/  /' "$out/$name.build.log" | head -n 20
		status=1
		continue
	fi
	run_one "$name" || status=1
done
exit $status
