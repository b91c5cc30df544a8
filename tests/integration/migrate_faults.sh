#!/bin/bash
# Failures before the destination runs: the source VM keeps running (its
# heartbeat continues), the destination VM is discarded, and dsmig migrate
# exits 1 with a clear error. Each case is bounded in time.
. "$(dirname "$0")/lib.sh"
require_vms

# source_alive NAME: the source VM runs and its heartbeat still advances.
source_alive() {
	local h1 h2
	[ "$(field "$1" query-status .status)" = running ] || return 1
	h1=$(counter "$1" heartbeat)
	sleep 0.3
	h2=$(counter "$1" heartbeat)
	[ "$h2" -gt "$h1" ]
}

# dest_gone NAME: no VMM answers for NAME on host B.
dest_gone() { ! on_b "$VMM" ctl "$1" query-status >/dev/null 2>&1; }

# 1. The destination VMM dies during pre-copy (a 12 Mbit/s round 0 of ~8 s).
start_vm k1 idle -- region=12M
"$DSMIG" migrate k1 --to "$HOST_B" --bandwidth 12M >"$HOST_A/k1.out" 2>&1 &
mig=$!
for _ in $(seq 100); do
	pid=$(on_b "$VMM" ctl k1 query-status 2>/dev/null | jq -r .pid) && [ -n "$pid" ] && break
	sleep 0.1
done
sleep 1
kill -9 "$pid"
wait_pid "$mig" 60
check "dead destination VMM: dsmig exits 1" test "$EXIT_STATUS" = 1
check "dead destination VMM: the error says so" grep -q "destination VMM does not answer" "$HOST_A/k1.out"
check "dead destination VMM: the source keeps running" source_alive k1

# 2. Rank 1 of the engine is killed during pre-copy.
start_vm k2 idle -- region=12M
"$DSMIG" migrate k2 --to "$HOST_B" --bandwidth 12M >"$HOST_A/k2.out" 2>&1 &
mig=$!
for _ in $(seq 100); do
	r1=$(rank_pid 1) && on_b "$VMM" ctl k2 query-status >/dev/null 2>&1 && break
	sleep 0.1
done
sleep 1
kill -9 "$r1"
wait_pid "$mig" 60
check "killed rank: dsmig exits 1" test "$EXIT_STATUS" = 1
check "killed rank: the error says the VM keeps running on the source" \
	grep -q "keeps running on the source" "$HOST_A/k2.out"
check "killed rank: the source keeps running" source_alive k2
check "killed rank: the destination VM was discarded" dest_gone k2

# stalled_destination FAULT VM LABEL ERROR [GUEST [MIGRATE OPTIONS]]: a
# destination made to stall by DSMIG_FAULT; dsmig must exit 1 naming the
# ERROR, the source must run on and the destination VM be discarded.
stalled_destination() {
	local fault=$1 vm=$2 label=$3 error=$4 guest=${5:-idle} mig
	shift $(($# < 5 ? $# : 5))
	start_vm "$vm" "$guest"
	DSMIG_FAULT=$fault "$DSMIG" migrate "$vm" --to "$HOST_B" --bandwidth 0 \
		--switch-timeout 2000 "$@" >"$HOST_A/$vm.out" 2>&1 &
	mig=$!
	wait_pid "$mig" 60
	check "$label: dsmig exits 1" test "$EXIT_STATUS" = 1
	check "$label: the error says so" grep -q "$error" "$HOST_A/$vm.out"
	check "$label: the source keeps running" source_alive "$vm"
	check "$label: the destination VM was discarded" dest_gone "$vm"
}

# 3. The destination never gets ready: rank 0 times out and resumes.
stalled_destination dest-stall k3 "silent destination" "did not get ready within 2000 ms"

# 4. The destination takes GO but never resumes nor confirms: rank 0 keeps
#    the source paused (it cannot know) and aborts; dsmig sees a destination
#    that is not running, discards it and resumes the source.
stalled_destination dest-stall-after-go k6 "no confirmation after GO" \
	"no confirmation from the destination after switch-over"

# 4b. The same with dsm-pull: the destination was armed for post-copy
#     but never resumed, so the guest never ran there; dsmig must not take
#     it for a broken post-copy (exit 5, both paused) but discard it and
#     resume the source, which holds every page.
stalled_destination dest-stall k7 "dsm-pull, silent destination" \
	"did not get ready within 2000 ms" memory --method dsm-pull
stalled_destination dest-stall-after-go k8 "dsm-pull, no resume after GO" \
	"no word from the destination for 2000 ms" memory --method dsm-pull

# 5. Nothing to migrate: a clear error, exit 1, nothing started.
"$DSMIG" migrate nosuchvm --to "$HOST_B" >"$HOST_A/k4.out" 2>&1
check "unknown VM: exit 1" test $? -eq 1
check "unknown VM: says so" grep -q "no VM 'nosuchvm'" "$HOST_A/k4.out"
"$DSMIG" migrate k3 --to "$HOST_A" >"$HOST_A/k5.out" 2>&1
check "same source and destination: usage error (exit 2)" test $? -eq 2
