#!/bin/bash
# dsm-pull: the destination guest runs before all of its memory is there.
# 1. At 12 Mbit/s the video workload resumes on the destination while
#    hundreds of its pages are still on the source; while they are being
#    pulled and pushed, the guest makes progress and its own self-check of
#    its frames passes; in the end --verify is clean and the downtime is a
#    fraction of what a stop-and-copy of those pages would take.
# 2. Killing the source's engine rank during post-copy: the destination VM
#    pauses itself (its missing pages are only on the source), the source
#    stays paused, resume is refused, and `dsmig migrate` says so (exit 5).
# 3. The same with the guest's vCPU waiting on a missing page when the
#    engine goes away (rank 0 frozen first, so no pull is answered): the
#    wait ends with the VM paused, never with the vCPU run on a zero page.
# 4. A guest rewriting its 32 MiB at full speed, unlimited link, one
#    round (--max-iters 1): the boot info page (the VMM wrote its stall
#    epoch when the migration began) is among the pages missing at the
#    resume, and the VMM's control thread must not read it while rank 1
#    waits for query-stats' answer (it did, and both waited for ever: in 1
#    to 5 runs of 5 here).
. "$(dirname "$0")/lib.sh"
require_vms

status_b() { on_b "$VMM" ctl "$1" query-status; }

# migrate_until_resumed VM [OPTIONS]: start a dsm-pull migration of VM at
# 12 Mbit/s in the background (pid in MIG, telemetry in $HOST_A/VM.jsonl)
# and return once the guest runs on the destination.
migrate_until_resumed() {
	local vm=$1 log="$HOST_A/$1.jsonl"
	shift
	timeout 120 "$DSMIG" migrate "$vm" --to "$HOST_B" --method dsm-pull \
		--bandwidth 12M --log "$log" "$@" >"$HOST_A/$vm.out" 2>&1 &
	MIG=$!
	TEST_PIDS+=("$MIG")
	for _ in $(seq 1200); do
		grep -q '"phase":"resumed"' "$log" 2>/dev/null && return 0
		sleep 0.05
	done
}

# ---- 1: a post-copy migration, watched from the destination ----------------
start_vm pv memory
sleep 1
log="$HOST_A/pv.jsonl"
migrate_until_resumed pv --verify
# Sample the destination while pages are still missing: its status and
# the guest's counters (absent while their page is), one jq a sample.
seen_missing=0 progress0="" progress1="" fails=0
for _ in $(seq 100); do
	sample=$({ status_b pv && on_b "$VMM" ctl pv query-stats; } 2>/dev/null |
		jq -rs '[.[0].missing_pages // 0, .[1].counters.progress // "-",
			 .[1].counters.selfcheck_fail // 0] | @tsv') || break
	read -r missing p f <<<"$sample"
	[ "$missing" -gt 0 ] 2>/dev/null || break
	seen_missing=$((seen_missing + 1))
	if [ "$p" != - ]; then
		[ -z "$progress0" ] && progress0=$p
		progress1=$p fails=$f
	fi
	sleep 0.1
done
wait_pid "$MIG" 120
check "the migration succeeds" test "$EXIT_STATUS" = 0
[ "$EXIT_STATUS" = 0 ] || sed 's/^/# /' "$HOST_A/pv.out"
check "the guest ran on the destination while pages were missing ($seen_missing samples)" \
	test "$seen_missing" -gt 2
check "... and made progress meanwhile ($progress0 -> $progress1)" \
	test -n "$progress1" -a "${progress1:-0}" -gt "${progress0:-0}"
check "... with its self-check clean meanwhile" test "$fails" = 0
check "--verify clean (the pages installed equal the paused source's)" \
	test "$(jq -r 'select(.type=="summary") | .verify' "$log")" = clean
pc=$(jq -c 'select(.type=="summary") | .postcopy' "$log")
postcopy_reported() {
	jq -e '.missing_pages > 100 and .faults > 0 and .fault_median_ns > 0
	       and .fault_max_ns >= .fault_median_ns and .resident_ns > 0
	       and .pulled_pages + .pushed_pages == .missing_pages' <<<"$pc" >/dev/null
}
check "the summary reports post-copy: missing pages, faults, latency, residency" \
	postcopy_reported
down=$(jq 'select(.type=="summary") | .downtime_ns' "$log")
# The missing pages at 12 Mbit/s would take (pages * 4 KiB * 8 / 12e6) s.
stop_copy=$(jq '.missing_pages * 4096 * 8 / 12e6 * 1e9 | floor' <<<"$pc")
check "downtime ($((down / 1000000)) ms) is under a tenth of sending those pages first ($((stop_copy / 1000000)) ms)" \
	holds "$down * 10 < $stop_copy"
check "telemetry has post-copy progress records" \
	holds "$(jq -s '[.[] | select(.type=="postcopy")] | length' "$log") > 1"
check "telemetry adds up" telemetry_adds_up "$log"
# The page-heat map in post-copy: records at most every 250 ms (and one
# at the end), the first with every missing page the summary counts,
# the last with none (every cell '.'), the faults marked along the way.
pcheat=$(jq -c -s '(map(.type == "phase" and .phase == "post-copy") | index(true)) as $i |
	[.[$i:][] | select(.type == "heat")]' "$log")
check "heat: post-copy records start with the missing pages ($(jq '.[0].missing_pages' <<<"$pcheat"))" \
	test "$(jq '.[0].missing_pages' <<<"$pcheat")" = "$(jq '.missing_pages' <<<"$pc")"
check "heat: ... fill in to none missing, every cell resident" \
	test "$(jq -r '.[-1] | "\(.missing_pages) \(.state | test("^[.]+$"))"' <<<"$pcheat")" = "0 true"
check "heat: ... with the faulted cells marked" \
	holds "$(jq '[.[].faults | length] | add' <<<"$pcheat") > 0"
check "post-copy is over on the destination" \
	test "$(status_b pv | jq -r '"\(.status) \(.postcopy) \(.missing_pages)"')" = "running off 0"
check "the summary table has the post-copy line" grep -q "post-copy .* faults" "$HOST_A/pv.out"
on_b "$VMM" ctl pv quit >/dev/null

# ---- 2, 3: the source side dies during post-copy --------------------------
# rank0_pid VM: the pid of the migration's rank 0.
rank0_pid() {
	local p
	for p in $(pgrep -f "bin/dsmig-engine .*--vm $1"); do
		tr '\0' '\n' <"/proc/$p/environ" | grep -qx 'OMPI_COMM_WORLD_RANK=0' &&
			echo "$p"
	done
}

# broken_postcopy_checks VM SRC_PID: what a broken post-copy leaves.
broken_postcopy_checks() {
	local vm=$1 src_pid=$2 st cpu1 cpu2
	wait_pid "$MIG" 60
	check "dsmig migrate exits 5 (post-copy broken)" test "$EXIT_STATUS" = 5
	[ "$EXIT_STATUS" = 5 ] || sed 's/^/# /' "$HOST_A/$vm.out" "$HOST_B/$vm.log"
	check "... and says the destination is paused with pages missing" \
		grep -q "the destination lacks [0-9]* pages, which only the source holds" \
		"$HOST_A/$vm.out"
	st=$(status_b "$vm")
	check "the destination VM is paused, post-copy failed" \
		test "$(jq -r '"\(.status) \(.postcopy)"' <<<"$st")" = "paused failed"
	check "... with pages still missing (never silently zero-filled)" \
		holds "$(jq .missing_pages <<<"$st") > 0"
	check "the source VM still exists, paused, holding them" \
		test "$("$VMM" ctl "$vm" query-status | jq -r .status)" = paused
	check "resuming the destination is refused" \
		sh -c "DSMIG_RUNTIME_DIR='$HOST_B' '$VMM' ctl $vm resume 2>&1 | grep -q 'post-copy failed'"
	cpu1=$(on_b "$VMM" ctl "$vm" query-stats | jq '[.vcpus[].cpu_ns] | add')
	sleep 0.3
	cpu2=$(on_b "$VMM" ctl "$vm" query-stats | jq '[.vcpus[].cpu_ns] | add')
	check "the destination's vCPUs do not run ($cpu1 = $cpu2)" test "$cpu1" = "$cpu2"
	on_b "$VMM" ctl "$vm" quit >/dev/null
	"$VMM" ctl "$vm" quit >/dev/null
	wait_pid "$src_pid" 5
	check "both VMMs quit cleanly" test "$EXIT_STATUS" = 0
}

start_vm pk memory
src_pid=$VM_PID
sleep 1
migrate_until_resumed pk
killed=$(rank0_pid pk)
[ -n "$killed" ] && kill -9 $killed
check "rank 0 was killed during post-copy" test -n "$killed"
broken_postcopy_checks pk "$src_pid"

start_vm pf memory
src_pid=$VM_PID
sleep 1
migrate_until_resumed pf
frozen=$(rank0_pid pf)
[ -n "$frozen" ] && kill -STOP $frozen
sleep 0.5
waiting=$(on_b "$VMM" ctl pf query-stats | jq '.counters.progress // "absent"')
sleep 0.3
check "rank 0 frozen: the destination guest waits on a missing page" \
	test "$(on_b "$VMM" ctl pf query-stats | jq '.counters.progress // "absent"')" = "$waiting"
[ -n "$frozen" ] && kill -9 $frozen
check "rank 0 was killed while frozen" test -n "$frozen"
broken_postcopy_checks pf "$src_pid"

# ---- 4: missing pages the VMM itself reads --------------------------------
for i in 1 2 3; do
	start_vm pw$i writer --mem 128M -- rate=max
	sleep 1
	timeout 60 "$DSMIG" migrate pw$i --to "$HOST_B" --method dsm-pull --bandwidth 0 \
		--max-iters 1 --timeout 30 >"$HOST_A/pw$i.out" 2>&1
	rc=$?
	check "writer at full speed, no cap, run $i: dsm-pull completes (exit $rc)" test "$rc" = 0
	[ "$rc" = 0 ] || sed 's/^/# /' "$HOST_A/pw$i.out"
	check "... and the guest runs on the destination" \
		sh -c "timeout 5 '$VMM' ctl '$HOST_B/pw$i.sock' query-status | jq -e '.running'"
	timeout 5 "$VMM" ctl "$HOST_B/pw$i.sock" quit >/dev/null 2>&1
done
