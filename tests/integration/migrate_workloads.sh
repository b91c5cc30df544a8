#!/bin/bash
# Live migration of each workload between two VMMs on this machine, with
# the engine as Open MPI ranks, by each method: the guest keeps running on
# the destination (heartbeat continues, self-check clean, --verify clean),
# the source VMM is gone, and the telemetry adds up.
. "$(dirname "$0")/lib.sh"
require_vms

# summary_holds JQ-EXPR LOG: the engine summary in LOG makes EXPR true.
summary_holds() { jq -e "select(.type==\"summary\") | $1" "$2" >/dev/null; }

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
	# What the guest lived through: its own longest stall covers the
	# downtime (no vCPU ticks between the pause and the resume; the
	# engine's downtime also holds the pause and resume commands' own
	# latency, hence the 20 ms), and the degraded time the engine's
	# downtime (counted whole). (Not the switch-over gap: the engine reads
	# that by polling, late by a control round trip, much more under ASan.)
	check "$w: the guest's own longest stall covers the downtime ($(jq -c 'select(.type=="summary") | [.guest_stall_ns, .downtime_ns, .guest_downtime_ns]' "$log"))" \
		summary_holds '.guest_stall_ns + 20000000 >= .downtime_ns' "$log"
	check "$w: the degraded time covers the downtime" \
		summary_holds '.degraded_ns >= .downtime_ns and .guest_na == null' "$log"
	check "$w: the table leads with the guest's stall, measured" \
		grep -Eq "the guest's longest stall +[0-9.]+ m?s" "$HOST_A/$1.out"
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
for method in $methods; do
	migrate_one idle 1 $method
	migrate_one cpu 1 $method
	migrate_one memory 1 $method
	migrate_one net 2 $method
	migrate_one kv 2 $method
done

# A guest without a counter block: its numbers are n/a with the reason,
# never a measured-looking 0.
start_vm plain test-hello -- linger_ms=60000
src_pid=$VM_PID
"$DSMIG" migrate plain --to "$HOST_B" --bandwidth 0 --log "$HOST_A/plain.jsonl" \
	>"$HOST_A/plain.out" 2>&1
check "no counters: dsmig migrate succeeds" test $? -eq 0
check "no counters: the summary's guest numbers are null, with the reason" \
	summary_holds '.guest_stall_ns == null and .degraded_ns == null
		and .guest_downtime_ns == null and .progress_rate.before == null
		and (.guest_na | test("no counter block"))' "$HOST_A/plain.jsonl"
check "no counters: the table says n/a and why" \
	bash -c "grep -Eq \"the guest's longest stall +n/a\" '$HOST_A/plain.out' &&
		grep -q 'n/a: the guest publishes no counter block' '$HOST_A/plain.out' &&
		grep -q 'application  *before n/a, during n/a (slowdown n/a), after n/a' '$HOST_A/plain.out'"
wait_pid "$src_pid" 5
on_b "$VMM" ctl plain quit >/dev/null
