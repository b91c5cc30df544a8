#!/bin/bash
# The five workloads on the real VMM: they boot, heartbeats advance, pause
# freezes them and resume restarts them, the cpu workload keeps its vCPU
# busy while idle does not, memory dirties far more pages than idle, kv
# keeps its update rate within the hypercall budget, and each passes its
# own memory self-check; kv's self-check also catches a lost page.
. "$(dirname "$0")/lib.sh"
require_vms

# vcpu_pct NAME SECONDS: vCPU 0 utilisation over an interval, in percent.
vcpu_pct() {
	local a b
	a=$("$VMM" ctl "$1" query-stats | jq '[.time_ns, .vcpus[0].cpu_ns]')
	sleep "$2"
	b=$("$VMM" ctl "$1" query-stats | jq '[.time_ns, .vcpus[0].cpu_ns]')
	jq -n --argjson a "$a" --argjson b "$b" '(($b[1]-$a[1]) * 100 / ($b[0]-$a[0])) | floor'
}

# dirty_rate NAME SECONDS: pages dirtied per second.
dirty_rate() {
	"$VMM" ctl "$1" query-stats >/dev/null
	sleep "$2"
	"$VMM" ctl "$1" query-stats | jq ".dirty_pages / $2 | floor"
}

start_vm idle idle
start_vm cpu cpu
start_vm memory memory
start_vm net net --vcpus 2
start_vm kv kv --vcpus 2 -- verify_s=1
sleep 0.5

for w in idle cpu memory net kv; do
	h1=$(counter $w heartbeat)
	sleep 0.3
	h2=$(counter $w heartbeat)
	check "$w: heartbeat advances ($h1 -> $h2)" test "$h2" -gt "$h1"
	check "$w: publishes its workload name" test "$(field $w query-status .workload)" = $w
done

# On 2 host cores shared with the other three VMs (net has 2 vCPUs) the
# cpu guest cannot always get a whole core: busy means at least half.
p=$(vcpu_pct cpu 2)
check "cpu: vCPU busy (${p}% >= 50%)" test "$p" -ge 50
p=$(vcpu_pct idle 1)
check "idle: vCPU idle (${p}% <= 10%)" test "$p" -le 10

di=$(dirty_rate idle 1)
dm=$(dirty_rate memory 1)
check "memory dirties far more than idle ($dm vs $di pages/s)" \
	test "$dm" -gt 1000 -a "$dm" -gt $((10 * (di + 1)))

n1=$(counter net progress)
sleep 0.5
n2=$(counter net progress)
check "net: requests served on 2 vCPUs ($((n2 - n1)) in 0.5 s)" test $((n2 - n1)) -gt 100

# kv at its default rate (20000 updates/s over its 2 vCPUs): progress at
# 0.5x-1.5x of it, at most about 1000 hypercalls/s in all, and a
# self-check pass from each vCPU every second.
kv_stats() {
	"$VMM" ctl kv query-stats | jq -r '"\(.time_ns) \([.vcpus[].hypercalls] | add) \(.counters.progress) \(.counters.selfcheck_pass)"'
}
read -r t1 hc1 p1 s1 <<<"$(kv_stats)"
sleep 2
read -r t2 hc2 p2 s2 <<<"$(kv_stats)"
r=$(((p2 - p1) * 1000000000 / (t2 - t1)))
h=$(((hc2 - hc1) * 1000000000 / (t2 - t1)))
check "kv: about 20000 updates/s ($r/s)" test "$r" -ge 10000 -a "$r" -le 30000
check "kv: at most about 1000 hypercalls/s ($h/s)" test "$h" -le 1500
check "kv: self-check passes go on ($s1 -> $s2)" test "$s2" -ge $((s1 + 2))

# The last 1.5 s of progress, one sample per 100 ms tick (a migration's
# baseline): many, in time order, the counter never going back, the
# newest not ahead of the counter now.
samples=$("$VMM" ctl kv query-stats | jq -c '[.progress_samples, .counters.progress]')
check "query-stats: progress samples of the last 1.5 s, in order ($(jq '.[0] | length' <<<"$samples") samples)" \
	jq -e '.[0] as $s | ($s | length) >= 10 and ($s | length) <= 16
	       and ([range(1; $s | length) | $s[.][0] > $s[. - 1][0] and $s[.][1] >= $s[. - 1][1]] | all)
	       and $s[-1][1] <= .[1]' <<<"$samples"

ctl cpu pause >/dev/null
h1=$(counter cpu heartbeat)
sleep 0.3
check "a paused VM keeps no progress samples" \
	test "$("$VMM" ctl cpu query-stats | jq '.progress_samples | length')" = 0
h2=$(counter cpu heartbeat)
check "pause freezes the heartbeat" test "$h1" = "$h2"
check "pause: vCPU paused" test "$(field cpu query-stats '.vcpus[0].state')" = paused
ctl cpu resume >/dev/null
sleep 0.2
h3=$(counter cpu heartbeat)
check "resume restarts it" test "$h3" -gt "$h2"

for w in idle cpu memory net kv; do
	check "$w: no corrupt pages while running" test "$(counter $w selfcheck_fail)" = 0
done

for w in idle cpu memory net kv; do
	out=$("$VMM" run "$GUESTS/$w.elf" --name "$w-once" --vcpus 2 -- duration_ms=2500 verify_s=1 2>&1)
	rc=$?
	check "$w: 2.5 s run ends with a clean self-check (exit 0)" test "$rc" -eq 0
	check "$w: says so on its console" grep -q "done:.*selfcheck_fail=0" <<<"$out"
done

# A lost page, both ways (inject_ms): kv puts an old copy back over a page
# of records and zeroes another; its checks must catch both.
out=$("$VMM" run "$GUESTS/kv.elf" --name kv-inject --vcpus 2 -- duration_ms=1500 inject_ms=500 2>&1)
rc=$?
check "kv: a lost page ends the run with a failed self-check (exit 1)" test "$rc" -eq 1
check "kv: the zeroed page is caught" grep -q "CORRUPT kv .*: key 0x0 " <<<"$out"
check "kv: the old copy is caught" grep -q "CORRUPT kv .*: lost update" <<<"$out"
check "kv: its done line counts the corruption" grep -q "kv done:.*selfcheck_fail=[1-9]" <<<"$out"
