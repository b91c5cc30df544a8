#!/bin/bash
# Live migration of each workload between two VMMs on this machine, with
# the engine as Open MPI ranks, by each method: the guest keeps running on
# the destination (heartbeat continues, self-check clean, --verify clean),
# the source VMM is gone, and the telemetry adds up.
. "$(dirname "$0")/lib.sh"
require_vms

migrate_one() {
	local w=$1 vcpus=$2 method=$3 log="$HOST_A/$1.jsonl" src_pid rc h1 h2
	start_vm "$w" "$w" --vcpus "$vcpus"
	src_pid=$VM_PID
	sleep 0.5
	"$DSMIG" migrate "$w" --to "$HOST_B" --bandwidth 0 --verify --log "$log" \
		--method "$method" >"$HOST_A/$w.out" 2>&1
	rc=$?
	w="$w ($method)"
	check "$w: dsmig migrate succeeds" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/$1.out"
	check "$w: runs on the destination" \
		test "$(on_b "$VMM" ctl "$1" query-status | jq -r .status)" = running
	h1=$(on_b "$VMM" ctl "$1" query-stats | jq .counters.heartbeat)
	sleep 0.3
	h2=$(on_b "$VMM" ctl "$1" query-stats | jq .counters.heartbeat)
	check "$w: heartbeat continues on the destination ($h1 -> $h2)" test "$h2" -gt "$h1"
	check "$w: the guest's self-check is clean there" \
		test "$(on_b "$VMM" ctl "$1" query-stats | jq .counters.selfcheck_fail)" = 0
	check "$w: --verify clean" \
		test "$(jq -r 'select(.type=="summary") | .verify' "$log")" = clean
	wait_pid "$src_pid" 5
	check "$w: the source VMM is gone" test "$EXIT_STATUS" = 0 -a ! -e "$HOST_A/$1.sock"
	check "$w: telemetry adds up" telemetry_adds_up "$log"
	check "$w: summary table shows the four metrics" \
		grep -q "data transferred" "$HOST_A/$1.out"
	on_b "$VMM" ctl "$1" quit >/dev/null
	wait_sock_gone "$HOST_B/$1.sock"
}

# The destination VMM is not our child: wait until it has gone.
wait_sock_gone() {
	local i
	for i in $(seq 50); do
		[ -e "$1" ] || return 0
		sleep 0.1
	done
}

methods="precopy dsm dsm-pull"
have_postcopy || { methods="precopy dsm"; skip "the workloads by dsm-pull: $POSTCOPY_SKIP"; }
for method in $methods; do
	migrate_one idle 1 $method
	migrate_one cpu 1 $method
	migrate_one memory 1 $method
	migrate_one net 2 $method
done
