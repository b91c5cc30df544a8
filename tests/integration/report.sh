#!/bin/bash
# `dsmig report` on a console session log built from a real migration: an
# idle VM moved at 12 Mbit/s while a poller records both hosts' vCPU use
# (as the console's vCPU probe would), the engine's telemetry wrapped into
# session records with jq. The report must print the engine's own numbers
# and write three valid PNGs; a damaged copy (a garbage line in the middle,
# the last line cut short) must still report the migration and name the
# bad line; a file with no valid record must fail clearly.
. "$(dirname "$0")/lib.sh"
require_vms

VM=idle
RAW="$HOST_A/stats.raw"
ENG="$HOST_A/engine.jsonl"
LOG="$HOST_A/session.jsonl"
OUT="$HOST_A/plots"
TMPDIR="$HOST_A/tmp"
export TMPDIR
mkdir -p "$TMPDIR"

# poll_vms: every 100 ms, "HOST WALL-NS QUERY-STATS" for the VM on each
# host that has it (the destination only once the engine started it).
poll_vms() {
	local s
	while :; do
		s=$("$VMM" ctl "$VM" query-stats 2>/dev/null) &&
			echo "hostA ${EPOCHREALTIME//[.,]/}000 $s" >>"$RAW"
		s=$(on_b "$VMM" ctl "$VM" query-stats 2>/dev/null) &&
			echo "hostB ${EPOCHREALTIME//[.,]/}000 $s" >>"$RAW"
		sleep 0.1
	done
}

# vm_records: the poller's lines as probe "vm" records, vCPU% from the
# cpu_ns deltas over time_ns deltas of consecutive polls of one host; the
# workload "-" before the guest's counters are there (an incoming VM), as
# the console's probe writes it.
vm_records() {
	jq -R -n -c --arg vm "$VM" '
		[inputs | capture("^(?<h>[^ ]+) (?<t>[0-9]+) (?<s>.*)$")
		 | {h, t: (.t | tonumber), s: (.s | fromjson)}]
		| group_by(.h)[] | . as $a
		| range(1; length) as $i | $a[$i - 1] as $p | $a[$i] as $c
		| select($c.s.time_ns > $p.s.time_ns)
		| {v: 1, t: $c.t, src: "probe", probe: "vm", host: $c.h, vm: $vm,
		   state: "running", workload: ($c.s.counters.workload // "-"),
		   vcpus: ($c.s.vcpus | length), mem_bytes: ($c.s.mem_pages * 4096),
		   vcpu_pct: [range(0; $c.s.vcpus | length) as $k
			      | 100 * ($c.s.vcpus[$k].cpu_ns - $p.s.vcpus[$k].cpu_ns)
				/ ($c.s.time_ns - $p.s.time_ns)],
		   progress: ($c.s.counters.progress // 0)}' "$RAW"
}

# The session log: open, the migration's start, probe and engine records
# in time order, the exit, close (jq 1.6 keeps t an integer, to ~100 ns).
make_session() {
	local t0 t1
	t0=$(head -1 "$ENG" | jq .t)
	t1=$(tail -1 "$ENG" | jq .t)
	{
		jq -n -c --argjson t "$t0" --arg a "$HOST_A" --arg b "$HOST_B" \
			'{v: 1, t: ($t - 2000000000), src: "session", event: "open",
			  mode: "live", hosts: [{name: "hostA", runtime: $a},
			  {name: "hostB", runtime: $b}], cap_bps: 12000000}'
		{
			jq -n -c --argjson t "$t0" --arg vm "$VM" \
				'{v: 1, t: ($t - 1000), src: "migration", mig: 1,
				  event: "start", vm: $vm, from: "hostA", to: "hostB",
				  method: "precopy", bandwidth: "12M", ranks: 2,
				  max_iters: 5, verify: false}'
			jq -c '{v: 1, t: .t, src: "engine", mig: 1, ev: .}' "$ENG"
			vm_records
			jq -n -c --argjson t "$t1" \
				'{v: 1, t: ($t + 1000000), src: "migration", mig: 1,
				  event: "exit", status: 0, error: null}'
		} | jq -s -c 'sort_by(.t)[]'
		jq -n -c --argjson t "$t1" '{v: 1, t: ($t + 2000000000), src: "session", event: "close"}'
	} >"$LOG"
}

is_png() { test "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a; }

start_vm "$VM" idle
sleep 0.5
poll_vms &
POLL_PID=$!
TEST_PIDS+=("$POLL_PID")
"$DSMIG" migrate "$VM" --to "$HOST_B" --bandwidth 12M --log "$ENG" >"$HOST_A/migrate.out" 2>&1
rc=$?
sleep 0.5
kill "$POLL_PID"
wait "$POLL_PID" 2>/dev/null
check "the migration succeeds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/migrate.out"
make_session
check "the session log has vCPU records of both hosts" \
	test "$(jq -r 'select(.probe == "vm") | .host' "$LOG" | sort -u | tr '\n' ' ')" = "hostA hostB "

"$DSMIG" report "$LOG" --out "$OUT" >"$HOST_A/report.out" 2>"$HOST_A/report.err"
rc=$?
check "report exits 0" test "$rc" -eq 0
sed 's/^/# /' "$HOST_A/report.out" "$HOST_A/report.err"
summary=$(jq -c 'select(.type == "summary")' "$ENG")
ms() { jq -r "$1" <<<"$summary" | awk '{ printf "%.1f", $1 / 1e6 }'; }
check "it names the migration" grep -q "^Migration 1: $VM  hostA -> hostB  precopy" "$HOST_A/report.out"
check "status moved" grep -q "status  *moved (exit 0)" "$HOST_A/report.out"
check "downtime as the engine measured it ($(ms .downtime_ns) ms)" \
	grep -Eq "downtime .engine.  *$(ms .downtime_ns) ms" "$HOST_A/report.out"
check "the guest's switch-over gap ($(ms .guest_downtime_ns) ms)" \
	grep -q "switch-over gap  *$(ms .guest_downtime_ns) ms" "$HOST_A/report.out"
check "the guest's own longest stall ($(ms .guest_stall_ns) ms)" \
	grep -q "guest's stall  *$(ms .guest_stall_ns) ms (from its heartbeat: $(ms .guest_stall_hb_ns) ms)" "$HOST_A/report.out"
check "the degraded time ($(ms .degraded_ns) ms)" \
	grep -q "degraded time  *$(ms .degraded_ns) ms" "$HOST_A/report.out"
check "report --data's summary carries the guest's stall and degraded time as the engine's" \
	bash -c "'$DSMIG' report '$LOG' --data | jq -e -s --argjson s '$summary' \
		'[.[] | select(.kind == \"summary\")][0] | .guest_stall_ns == \$s.guest_stall_ns and
		 .degraded_ns == \$s.degraded_ns and .guest_stall_ns > 0' >/dev/null"
check "total time as the engine's ($(ms .total_time_ns) ms)" \
	grep -q "total time  *$(ms .total_time_ns) ms" "$HOST_A/report.out"
check "bytes total as the engine's" \
	grep -q "bytes total  *$(jq .bytes_total <<<"$summary") " "$HOST_A/report.out"
check "iterations and stop reason as the engine's" \
	grep -q "iterations  *$(jq .iterations <<<"$summary") (stopped: $(jq -r .stop_reason <<<"$summary"))" "$HOST_A/report.out"
check "one table row per round" test "$(grep -cE '^ +[0-9]+ (precopy|final) ' "$HOST_A/report.out")" \
	-eq "$(jq .iterations <<<"$summary")"
for what in vcpu net dirty; do
	check "$what plot is a PNG" is_png "$OUT/session-mig1-$what.png"
done
check "no warning for a clean log" test ! -s "$HOST_A/report.err"
check "the plot data files are removed" test -z "$(ls -A "$TMPDIR")"

# A damaged copy: garbage after line 5, the last line cut in half.
bad="$HOST_A/damaged.jsonl"
{
	head -5 "$LOG"
	echo 'this is not JSON {'
	sed -n '6,$p' "$LOG" | head -n -1
	tail -1 "$LOG" | head -c 20
} >"$bad"
"$DSMIG" report "$bad" --no-png >"$HOST_A/damaged.out" 2>"$HOST_A/damaged.err"
rc=$?
sed 's/^/# /' "$HOST_A/damaged.err"
check "damaged log: exits 0" test "$rc" -eq 0
check "damaged log: warns of 2 bad lines, the first line 6, and why" \
	grep -q "skipped 2 bad lines of .* (first: line 6: not JSON)" "$HOST_A/damaged.err"
check "damaged log: still reports the migration and its downtime" \
	grep -Eq "downtime .engine.  *$(ms .downtime_ns) ms" "$HOST_A/damaged.out"
check "--no-png writes no plots" test ! -e "$HOST_A/damaged-mig1-vcpu.png"

: >"$HOST_A/empty.jsonl"
"$DSMIG" report "$HOST_A/empty.jsonl" --no-png >/dev/null 2>"$HOST_A/empty.err"
check "empty file: exits 1" test $? -eq 1
check "empty file: says there is no valid record" grep -q "no valid session records" "$HOST_A/empty.err"
printf 'garbage\n[1,2]\n{"v":1,"t":5}\n{"src":"engine"}\n' >"$HOST_A/garbage.jsonl"
"$DSMIG" report "$HOST_A/garbage.jsonl" >/dev/null 2>"$HOST_A/garbage.err"
check "garbage-only file: exits 1" test $? -eq 1
check "garbage-only file: counts the bad lines and says why it fails" \
	grep -q "no valid session records (4 bad lines of 4; first: line 1: not JSON)" "$HOST_A/garbage.err"
"$DSMIG" report "$HOST_A/no-such-file.jsonl" 2>/dev/null
check "missing file: exits 1" test $? -eq 1
"$DSMIG" report 2>/dev/null
check "no file: usage, exits 2" test $? -eq 2

on_b "$VMM" ctl "$VM" quit >/dev/null
