#!/bin/bash
# The fault matrix (docs/reliability.md): methods x points of a migration x
# a process killed with SIGKILL. Each cell migrates a self-verifying guest
# between two runtime directories, kills one process at one point, lets
# `dsmig migrate` settle, then checks what the operator was told against
# what is true:
#   - the exit status is one the cell's documented outcome allows;
#   - the exit status's meaning holds (0/3: the destination runs the guest
#     and the source is gone; 1/7: the source runs it and the destination
#     is gone; 4: no copy runs; 5: the source holds it paused, and
#     after an engine process died in post-copy the destination holds
#     it paused too);
#   - never two running copies; the running copy's self-check is clean
#     and its heartbeat advances;
#   - no engine rank or mpirun is left behind.
# Points: round0 (1 s into pre-copy), paused (rank 0 just paused the source
# for the final round), after-go (GO sent, before CONFIRM), post-copy
# (dsm-pull, pages still on the source); DSMIG_HOLD keeps rank 0 at the
# last three (docs/testing.md). Prints ok/not ok per cell and writes the
# table to $OUT (default $BUILD/faults/matrix.md).
# Usage: BUILD=build [POINTS="..."] [FAULTS="..."] tests/faults/matrix.sh [METHOD...]
. "$(dirname "$0")/../integration/lib.sh"
require_vms

OUT=${OUT:-$BUILD/faults/matrix.md}
METHODS=${*:-precopy dsm dsm-pull}
FAULTS=${FAULTS:-src-vmm dst-vmm rank0 rank1 mpirun}
mkdir -p "$(dirname "$OUT")"

# The exit statuses a cell may end with (docs/reliability.md).
allowed() {
	local point=$1 fault=$2
	case "$point:$fault" in
	round0:src-vmm | paused:src-vmm) echo 4 ;;
	round0:* | paused:*) echo 1 ;;
	after-go:src-vmm) echo 0 3 ;;
	after-go:dst-vmm) echo 5 ;;
	after-go:*) echo 1 3 ;;
	post-copy:src-vmm) echo 0 3 4 5 ;;
	post-copy:*) echo 5 ;;
	esac
}

# state DIR VM: the VM's run state on a host, or "absent".
state() {
	DSMIG_RUNTIME_DIR=$1 timeout 5 "$VMM" ctl "$2" query-status 2>/dev/null |
		jq -r .status 2>/dev/null | grep . || echo absent
}

# alive DIR VM: its heartbeat advances and its self-check found nothing.
alive() {
	local h1 h2 bad
	h1=$(DSMIG_RUNTIME_DIR=$1 "$VMM" ctl "$2" query-stats | jq -r .counters.heartbeat)
	sleep 0.3
	h2=$(DSMIG_RUNTIME_DIR=$1 "$VMM" ctl "$2" query-stats | jq -r .counters.heartbeat)
	bad=$(DSMIG_RUNTIME_DIR=$1 "$VMM" ctl "$2" query-stats | jq -r .counters.selfcheck_fail)
	[ "$h2" -gt "$h1" ] && [ "$bad" = 0 ]
}

# victim FAULT VM: the pid to kill, once it exists.
victim() {
	case "$1" in
	src-vmm) DSMIG_RUNTIME_DIR=$HOST_A "$VMM" ctl "$2" query-status | jq -r .pid ;;
	dst-vmm) on_b "$VMM" ctl "$2" query-status 2>/dev/null | jq -r .pid ;;
	rank0) rank_pid 0 ;;
	rank1) rank_pid 1 ;;
	mpirun) pgrep -n -f "mpirun.*dsmig-engine" ;;
	esac
}

# trigger POINT VM LOG: wait (at most 60 s) until the migration is there.
trigger() {
	local i
	for i in $(seq 600); do
		case "$1" in
		round0) grep -q '"phase":"precopy"' "$3" 2>/dev/null &&
			on_b "$VMM" ctl "$2" query-status >/dev/null 2>&1 && { sleep 1; return 0; } ;;
		*) grep -q "holding at $1" "$3.engine.log" 2>/dev/null && return 0 ;;
		esac
		sleep 0.1
	done
	return 1
}

pass=0 fail=0 n=0
{
	echo "| method | point | killed | exit | allowed | source | destination | result |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
} >"$OUT"

for method in $METHODS; do
	points="round0 paused after-go"
	[ "$method" = dsm-pull ] && points="round0 paused post-copy"
	points=${POINTS:-$points}
	for point in $points; do
		for fault in $FAULTS; do
			n=$((n + 1))
			vm=f$n
			log=$HOST_A/$vm.jsonl
			cell="$method $point $fault"
			why=""
			start_vm "$vm" idle -- region=8M verify_s=1 || { not_ok "$cell: VM did not start"; fail=$((fail + 1)); continue; }
			DSMIG_HOLD=$point DSMIG_HOLD_MS=4000 "$DSMIG" migrate "$vm" --to "$HOST_B" \
				--method "$method" --bandwidth 24M --log "$log" --timeout 90 \
				>"$HOST_A/$vm.out" 2>&1 &
			mig=$!
			if trigger "$point" "$vm" "$log" && pid=$(victim "$fault" "$vm") && [ -n "$pid" ]; then
				kill -9 "$pid"
			else
				why="never reached $point or no $fault process; "
			fi
			wait_pid "$mig" 120
			rc=$EXIT_STATUS
			sleep 1
			src=$(state "$HOST_A" "$vm")
			dst=$(state "$HOST_B" "$vm")
			ok_exit=0
			for a in $(allowed "$point" "$fault"); do [ "$rc" = "$a" ] && ok_exit=1; done
			[ "$ok_exit" = 1 ] || why+="exit $rc not in {$(allowed "$point" "$fault")}; "
			[ "$src" = running ] && [ "$dst" = running ] && why+="TWO COPIES RUN; "
			case "$rc" in
			0 | 3) { [ "$dst" = running ] && [ "$src" = absent ] && alive "$HOST_B" "$vm"; } ||
				why+="exit $rc but source $src, destination $dst; " ;;
			1 | 7) { [ "$src" = running ] && [ "$dst" = absent ] && alive "$HOST_A" "$vm"; } ||
				why+="exit $rc but source $src, destination $dst; " ;;
			4) [ "$src" != running ] && [ "$dst" != running ] ||
				why+="exit 4 (lost) but source $src, destination $dst; " ;;
			5) [ "$src" = paused ] && [ "$dst" != running ] ||
				why+="exit 5 but source $src, destination $dst; " ;;
			esac
			# An engine process killed leaves both VMMs: a destination
			# that broke off post-copy stays, paused (never run on pages
			# it lacks, which would end it with a guest fault).
			case "$point:$fault:$rc" in
			post-copy:rank*:5 | post-copy:mpirun:5)
				[ "$dst" = paused ] || why+="the destination VMM is gone (${dst}); " ;;
			esac
			pgrep -f "bin/dsmig-engine" >/dev/null && why+="engine ranks left behind; "
			pgrep -f "mpirun.*dsmig-engine" >/dev/null && why+="mpirun left behind; "
			if [ -z "$why" ]; then
				ok "$cell: exit $rc (source $src, destination $dst)"
				pass=$((pass + 1)) result=pass
			else
				not_ok "$cell: $why"
				sed 's/^/#   /' "$HOST_A/$vm.out" | tail -8
				[ -f "$HOST_B/$vm.log" ] && sed 's/^/#   destination VMM: /' "$HOST_B/$vm.log" | tail -4
				fail=$((fail + 1)) result="FAIL: $why"
			fi
			echo "| $method | $point | $fault | $rc | $(allowed "$point" "$fault" | tr ' ' ',') | $src | $dst | $result |" >>"$OUT"
			# Leave nothing for the next cell.
			DSMIG_RUNTIME_DIR=$HOST_A timeout 5 "$VMM" ctl "$vm" quit >/dev/null 2>&1
			on_b timeout 5 "$VMM" ctl "$vm" quit >/dev/null 2>&1
			pkill -9 -f "bin/dsmig-engine" 2>/dev/null
		done
	done
done
echo "" >>"$OUT"
echo "$pass of $n cells passed" >>"$OUT"
echo "# fault matrix: $pass of $n cells passed (table: $OUT)"
echo "faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
