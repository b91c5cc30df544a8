#!/bin/bash
# The guest's clock across a pause and a migration: a vCPU caught asleep
# in the SLEEP hypercall must read the time of its return, not of the
# pause (docs/guest-abi.md, SLEEP). The sleepclock test guest counts the
# returns whose now_ns lags a TIME reading right after by over 20 ms.
. "$(dirname "$0")/lib.sh"
require_vms

# last_report FILE: the guest's last "sleepclock:" line.
last_report() { grep -a '^sleepclock:' "$1" | tail -n 1; }
# stale_count LINE / sleep_count LINE: numbers from that line.
stale_count() { sed -n 's/.*sleeps, \([0-9]*\) stale.*/\1/p' <<<"$1"; }
sleep_count() { sed -n 's/^sleepclock: \([0-9]*\) sleeps.*/\1/p' <<<"$1"; }

# Pauses: 1 s sleeps, so that each 400 ms pause lands in one.
start_vm c1 test-sleepclock --mem 16M -- sleep_ms=1000 report_ms=1
sleep 0.3
for i in 1 2 3; do
	ctl c1 pause >/dev/null
	sleep 0.4
	ctl c1 resume >/dev/null
	sleep 1.2
done
line=$(last_report "$DSMIG_RUNTIME_DIR/c1.console")
check "pauses: the guest slept through 3 pauses ($line)" \
	test "$(sleep_count "$line")" -ge 4
check "pauses: no sleep returned a reading from before its pause ($line)" \
	test "$(stale_count "$line")" = 0
ctl c1 quit >/dev/null

# A migration: the vCPU is asleep when the source pauses; the destination
# takes the reading again when the vCPU first runs there. The engine holds
# 300 ms at the pause (DSMIG_HOLD, as the fault matrix), so that a reading
# carried over from the source would lag by more than the 20 ms allowed.
start_vm c2 test-sleepclock --mem 16M -- sleep_ms=1000 report_ms=1
src_pid=$VM_PID
sleep 0.3
DSMIG_HOLD=paused DSMIG_HOLD_MS=300 \
	"$DSMIG" migrate c2 --to "$HOST_B" --bandwidth 0 >"$HOST_A/c2.out" 2>&1
rc=$?
check "migration: dsmig migrate succeeds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/c2.out"
sleep 2.2
line=$(last_report "$HOST_B/c2.console")
check "migration: the guest sleeps on at the destination ($line)" \
	test -n "$(sleep_count "$line")"
check "migration: no sleep returned a reading from the source's pause ($line)" \
	test "$(stale_count "$line")" = 0
wait_pid "$src_pid" 5
on_b "$VMM" ctl c2 quit >/dev/null
