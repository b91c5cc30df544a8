#!/bin/bash
# The four workloads on the real VMM: they boot, heartbeats advance, pause
# freezes them and resume restarts them, the cpu workload keeps its vCPU
# busy while idle does not, memory dirties far more pages than idle, and
# each passes its own memory self-check.
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
sleep 0.5

for w in idle cpu memory net; do
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

ctl cpu pause >/dev/null
h1=$(counter cpu heartbeat)
sleep 0.3
h2=$(counter cpu heartbeat)
check "pause freezes the heartbeat" test "$h1" = "$h2"
check "pause: vCPU paused" test "$(field cpu query-stats '.vcpus[0].state')" = paused
ctl cpu resume >/dev/null
sleep 0.2
h3=$(counter cpu heartbeat)
check "resume restarts it" test "$h3" -gt "$h2"

for w in idle cpu memory net; do
	check "$w: no corrupt pages while running" test "$(counter $w selfcheck_fail)" = 0
done

for w in idle cpu memory net; do
	out=$("$VMM" run "$GUESTS/$w.elf" --name "$w-once" --vcpus 2 -- duration_ms=2500 verify_s=1 2>&1)
	rc=$?
	check "$w: 2.5 s run ends with a clean self-check (exit 0)" test "$rc" -eq 0
	check "$w: says so on its console" grep -q "done:.*selfcheck_fail=0" <<<"$out"
done
