#!/bin/bash
# The engine's token bucket holds the paper's 12 Mbit/s cap over a
# migration that sends for more than 10 s: never more than 5% above it,
# and close below it (the sender keeps the link busy; on a loaded 2-core
# host it can lose a little time, which a token bucket does not give back).
. "$(dirname "$0")/lib.sh"
require_vms

start_vm big idle -- region=20M
sleep 0.5
log="$HOST_A/cap.jsonl"
"$DSMIG" migrate big --to "$HOST_B" --bandwidth 12M --compress off --delta off \
	--log "$log" >"$HOST_A/cap.out" 2>&1
rc=$?
check "migration at 12 Mbit/s succeeds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/cap.out"
secs=$(jq -s '[.[] | select(.type=="iteration") | .duration_ns] | add / 1e9' "$log")
rate=$(jq -s '([.[] | select(.type=="iteration") | .bytes] | add) * 8
	/ ([.[] | select(.type=="iteration") | .duration_ns] | add / 1e9)' "$log")
samples=$(jq -s '[.[] | select(.type=="sample")] | length' "$log")
check "it sent for more than 10 s (${secs} s)" holds "$secs > 10"
check "average rate at most 5% above 12 Mbit/s ($(jq -n "$rate / 1e6") Mbit/s)" \
	holds "$rate < 12e6 * 1.05"
check "average rate at least 90% of the cap" holds "$rate > 12e6 * 0.90"
check "telemetry samples arrive about every 100 ms ($samples)" holds "$samples > $secs * 8"
check "the VM runs on the destination" \
	test "$(on_b "$VMM" ctl big query-status | jq -r .status)" = running
