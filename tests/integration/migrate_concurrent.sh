#!/bin/bash
# One migration of a VM at a time (issue 12, finding 1: a second migration
# 3 s into the first shared the source's dirty log, exited 0, and the
# guest found 105 corrupt pages). While a migration runs, a second one is
# refused by dsmig migrate before it starts, and an engine started
# directly (past that check) is refused by the source VMM's migration
# lock; the first migration completes and the guest's memory is intact.
# Also the other refusals before anything starts.
. "$(dirname "$0")/lib.sh"
require_vms

HOST_C=$(mktemp -d /tmp/dsmig-testC.XXXXXX)
trap 'cleanup; rm -rf "$HOST_C"' EXIT

start_vm c1 idle -- region=12M verify_s=1
"$DSMIG" migrate c1 --to "$HOST_B" --bandwidth 12M >"$HOST_A/c1.out" 2>&1 &
first=$!
for _ in $(seq 100); do
	[ "$(ctl c1 query-status 2>/dev/null | jq -r .migrating)" = true ] && break
	sleep 0.1
done
check "the source VMM says a migration is in progress" \
	test "$(ctl c1 query-status | jq -r .migrating)" = true

"$DSMIG" migrate c1 --to "$HOST_C" --bandwidth 12M >"$HOST_A/c2.out" 2>&1
rc=$?
check "a second dsmig migrate is refused (exit 1, got $rc)" test "$rc" = 1
check "... saying one migration at a time" grep -q "already being migrated" "$HOST_A/c2.out"
check "... before anything started on the third host" test ! -e "$HOST_C/c1.sock"

# Past dsmig migrate's check: the engine itself, straight under mpirun.
OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 60 \
	mpirun -np 2 --oversubscribe "$BUILD/bin/dsmig-engine" --vm c1 \
	--from "$HOST_A" --to "$HOST_C" --bandwidth 12M >"$HOST_A/c3.out" 2>&1 </dev/null
rc=$?
check "an engine started past that check fails (exit $rc)" test "$rc" -ne 0
check "... refused by the source VMM's migration lock" \
	grep -q "already in progress" "$HOST_A/c3.out"
check "... and discarded the VM it made on the third host" \
	bash -c "! DSMIG_RUNTIME_DIR='$HOST_C' '$VMM' ctl c1 query-status >/dev/null 2>&1"

wait_pid "$first" 120
check "the first migration completes (exit 0, got $EXIT_STATUS)" test "$EXIT_STATUS" = 0
check "the VM runs on the destination" test "$(on_b "$VMM" ctl c1 query-status | jq -r .status)" = running
sleep 1.5   # a self-check pass on the destination (verify_s=1)
check "the guest's self-check finds no corrupt page" \
	test "$(on_b "$VMM" ctl c1 query-stats | jq -r .counters.selfcheck_fail)" = 0

# Refused before anything starts, and nothing touched (finding 9): a
# paused VM (its clean-up used to resume it), and a destination that
# already has a VM of that name (the refused migration's clean-up used to
# quit it, although it was someone else's).
start_vm p1 idle
ctl p1 pause >/dev/null
"$DSMIG" migrate p1 --to "$HOST_B" >"$HOST_A/p1.out" 2>&1
rc=$?
check "a paused VM is not migrated (exit 1, got $rc)" test "$rc" = 1
check "... saying it is not running" grep -q "paused on .*not running" "$HOST_A/p1.out"
check "... and it stays paused" test "$(ctl p1 query-status | jq -r .status)" = paused

DSMIG_RUNTIME_DIR=$HOST_B start_vm d1 idle
start_vm d1 idle
"$DSMIG" migrate d1 --to "$HOST_B" >"$HOST_A/d1.out" 2>&1
rc=$?
check "a destination that has the VM's name is refused (exit 1, got $rc)" test "$rc" = 1
check "... saying so" grep -q "already on the destination" "$HOST_A/d1.out"
check "... and its VM runs on untouched" \
	test "$(on_b "$VMM" ctl d1 query-status | jq -r .status)" = running
check "... as does the source's" test "$(ctl d1 query-status | jq -r .status)" = running
