#!/bin/bash
# Run the libFuzzer harnesses of tests/fuzz/ (docs/fuzzing.md), one at a
# time, each for SECONDS, and print one line per target:
#   fuzz: NAME  EXECS execs (RATE/s)  ok | CRASH: ARTIFACT
# Each starts from its seeds (tests/fuzz/corpus/NAME), its regression
# inputs (tests/fuzz/regressions/NAME, which must all pass) and what
# earlier runs found (BUILD/fuzz-corpus/NAME, not committed). A crash, a
# sanitizer report, a leak or an input slower than 5 s is a failure: the
# input is kept as BUILD/fuzz-artifacts/NAME/crash-* (or timeout-*,
# leak-*, oom-*) and the log as BUILD/fuzz-logs/NAME.log.
# Exit status: 0 if every target ran clean, 1 otherwise, 2 usage.
#
# Usage: scripts/fuzz.sh BUILD-DIR SECONDS [NAME...]   (BUILD-DIR: build/fuzz)
set -u
BUILD=${1:?usage: scripts/fuzz.sh BUILD-DIR SECONDS [NAME...]}
SECONDS_EACH=${2:?usage: scripts/fuzz.sh BUILD-DIR SECONDS [NAME...]}
shift 2
cd "$(dirname "$0")/.." || exit 2

# The longest input worth trying, per target: a few records or lines more
# than the largest seed.
max_len() {
	case $1 in
	hosts|theme)                echo 4096 ;;
	control|telemetry|hypercall) echo 8192 ;;
	elf_loader|session_log|replay|pagecodec|blob) echo 16384 ;;
	xen_stream)                 echo 32768 ;;
	*)                          echo 4096 ;;
	esac
}

if [ $# -eq 0 ]; then
	set -- $(ls tests/fuzz/*.c | sed 's|.*/||; s|\.c$||')
fi
fail=0 total=0
for name in "$@"; do
	bin=$BUILD/bin/fuzz-$name
	if [ ! -x "$bin" ]; then
		echo "fuzz: $name: no $bin (make fuzz builds it)" >&2
		exit 2
	fi
	corpus=$BUILD/fuzz-corpus/$name
	art=$BUILD/fuzz-artifacts/$name
	log=$BUILD/fuzz-logs/$name.log
	mkdir -p "$corpus" "$art" "$(dirname "$log")"
	rm -f "$art"/*
	dirs=("$corpus" tests/fuzz/corpus/"$name")
	[ -d tests/fuzz/regressions/"$name" ] && dirs+=(tests/fuzz/regressions/"$name")
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=5 -rss_limit_mb=2048 \
		-max_len="$(max_len "$name")" -print_final_stats=1 \
		-artifact_prefix="$art/" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	# After a crash there are no final stats: the last status line's count.
	[ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
	execs=${execs:-0}
	total=$((total + execs))
	found=$(ls "$art" 2>/dev/null | head -1)
	if [ "$rc" -ne 0 ] || [ -n "$found" ]; then
		fail=1
		printf 'fuzz: %-12s %10s execs %8s  CRASH: %s (log %s)\n' "$name" "$execs" \
			"${rate:-?}/s" "${found:+$art/$found}" "$log"
		grep -m3 -E 'ERROR: |runtime error|SUMMARY' "$log" | sed 's/^/      /'
	else
		printf 'fuzz: %-12s %10s execs %8s  ok\n' "$name" "$execs" "$rate/s"
	fi
done
echo "fuzz: $total execs in all, $([ $fail -eq 0 ] && echo 'no crashes' || echo 'CRASHES found')"
exit $fail
