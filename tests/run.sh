#!/bin/bash
# Run every test against one build tree and print one closing line:
#   "check: N passed, N failed, N skipped"
# Unit tests: each $BUILD/tests/test_* binary (cmocka); each test case counts.
# Integration tests: each tests/integration/*.sh; each `ok`/`not ok`/`skip`
# line it prints counts (see tests/integration/lib.sh).
# Usage: tests/run.sh BUILD-DIR [FILTER]   (FILTER: substring of test names)
set -u
BUILD=${1:?usage: tests/run.sh BUILD-DIR [FILTER]}
FILTER=${2:-}
export BUILD
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
pass=0 fail=0 skip=0
failed_names=()

# Tests that run guests need an accelerator: KVM, else ptrace (accel.h).
if accel=$("$BUILD/bin/dsmig-vmm" accel 2>&1); then
	echo "== accelerator: $accel: tests that run guests will run on it"
	export DSMIG_ACCEL=$accel
else
	echo "== accelerator: ${accel:-dsmig-vmm is not built}: every test that runs guests will be SKIPPED"
	export DSMIG_ACCEL=
fi

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	[[ -n "$FILTER" && "$name" != *"$FILTER"* ]] && continue
	echo "== unit: $name"
	out=$("$t" 2>&1); rc=$?
	# Show the cases that failed; the rest is in the counts.
	echo "$out" | grep -E '^\[ *(FAILED|ERROR|SKIPPED) *\]' | sed 's/^/   /'
	p=$(echo "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	f=$(echo "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
	s=$(echo "$out" | sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' | tail -1)
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1   # crashed, or a sanitiser aborted it
		echo "$out" | tail -20 | sed 's/^/   /'
	fi
	echo "   $p passed, $f failed, $s skipped"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" -gt 0 ] && failed_names+=("$name")
done

for t in tests/integration/*.sh; do
	name=$(basename "$t" .sh)
	[ "$name" = lib ] && continue
	[[ -n "$FILTER" && "$name" != *"$FILTER"* ]] && continue
	echo "== integration: $name"
	log=$(mktemp)
	timeout -k 5 300 bash "$t" >"$log" 2>&1; rc=$?
	sed 's/^/   /' "$log"
	p=$(grep -c '^ok ' "$log") f=$(grep -c '^not ok ' "$log") s=$(grep -c '^skip ' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "   (script exited $rc without reporting a failure)"
		f=1
	fi
	rm -f "$log"
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" -gt 0 ] && failed_names+=("$name")
done

[ ${#failed_names[@]} -gt 0 ] && echo "== failed: ${failed_names[*]}"
echo "check: $pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
