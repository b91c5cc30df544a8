#!/bin/bash
# make bench-peer: the same guest code migrated by QEMU 7.2 and by dsmig on
# this machine, over loopback, measured the same way from outside both
# engines (docs/benchmarks.md "Side by side with QEMU").
#
# The guest is guest/workloads/writer.c (or another workload): one object
# file, linked for dsmig-vmm (BUILD/guest/NAME.elf) and, with guest/qemu's
# multiboot platform layer, for QEMU (BUILD/guest/qemu/NAME.mb). Both get
# 128 MiB and one vCPU; neither is pinned (both have both cores). Each run
# starts a fresh source VM, lets it run WARMUP_S, migrates it to a fresh
# destination on this machine, and lets the destination run AFTER_S. What
# is measured, for both:
#   - the guest's own lines (writer: t_ms= pages= gap_us=) from the source's
#     and the destination's console: its longest stall and its write rate
#     before, during and after;
#   - bytes on the wire: `dsmig wire` (libpcap) on lo, ports 47000-47099
#     (dsmig's ranks are confined there, QEMU migrates to 47099), counted
#     every 20 ms, and when the first 64 KiB of pages were on it;
#   - the migrate command's wall time, and each engine's own total time and
#     downtime as it reports them.
# A migration still running after TIMEOUT s is cancelled and counts as "did
# not converge" (the source runs on).
#
# Usage: bench/peer.sh BUILD-DIR
#   RUNS=3 TIMEOUT=120 WARMUP_S=2 AFTER_S=3 OUT=bench/results/peer
#   SYSTEMS="qemu-precopy qemu-autoconverge qemu-multifd-zstd qemu-postcopy
#            dsmig-precopy dsmig-dsm dsmig-dsm-pull dsmig-dsm-pull-raw"
#            (qemu-M-memfd: mode M with its RAM in a memfd, as dsmig-vmm's;
#            dsmig-M-raw: method M with codecs off; dsmig-M-codecs: on,
#            whatever the cap: dsmig's automatic choice keys off its cap, so
#            on the tc link, without one, it would leave them off)
#   CELLS="CAP/WORKLOAD/ARG,ARG[/SYSTEM+SYSTEM] ..." (CAP 12M: each
#          engine's own cap; link12M: no engine cap, the lab's tc link at
#          12 Mbit/s between two network namespaces for both (as root);
#          0: none. ARGs go to the guest, commas for spaces; SYSTEMs, if
#          given, replace SYSTEMS for the cell), default: the writer at 100
#          pages/s on 12 Mbit/s, by the engines' caps and by the tc link
#          (QEMU's pre-copy and its best, dsmig's dsm and its best without
#          codecs), and at 1000 and max pages/s, one-word and random pages,
#          on no cap (at max also QEMU with its RAM in a memfd). FULL=1: the whole matrix of docs/benchmarks.md
#          (several hours).
set -u
BUILD=${1:-build}
RUNS=${RUNS:-3}
TIMEOUT=${TIMEOUT:-120}
WARMUP_S=${WARMUP_S:-2}
AFTER_S=${AFTER_S:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$top/bench/results/peer}
SYSTEMS=${SYSTEMS:-qemu-precopy qemu-autoconverge qemu-multifd-zstd qemu-postcopy dsmig-precopy dsmig-dsm dsmig-dsm-pull dsmig-dsm-pull-raw}
writer=writer/ws=32M,hb_ms=100
if [ "${FULL:-}" = 1 ]; then
	CELLS=
	for cap in 12M 0; do
		for fill in word random; do
			for rate in 0 100 1000 10000 max; do
				CELLS="$CELLS $cap/$writer,rate=$rate,fill=$fill"
			done
		done
		for w in idle cpu memory kv; do CELLS="$CELLS $cap/$w/"; done
	done
fi
CELLS=${CELLS:-12M/$writer,rate=100 link12M/$writer,rate=100/qemu-precopy+qemu-multifd-zstd+dsmig-dsm-codecs+dsmig-dsm-pull-raw 0/$writer,rate=1000 0/$writer,rate=max/${SYSTEMS// /+}+qemu-precopy-memfd+qemu-postcopy-memfd 0/$writer,rate=1000,fill=random}
QEMU_PORT=47099
QEMU=${QEMU:-qemu-system-x86_64}
. "$(dirname "$0")/lib.sh"

if [ "$accel" != kvm ]; then
	echo "bench-peer: needs KVM for both engines (dsmig-vmm would use $accel, QEMU would fall back to TCG): not run" >&2
	exit 1
fi
if ! command -v "$QEMU" >/dev/null || ! command -v python3 >/dev/null; then
	echo "bench-peer: needs $QEMU and python3 (make deps installs them)" >&2
	exit 1
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
W=$(mktemp -d /tmp/dsmig-peer.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; for s in "$A"/*.sock "$B"/*.sock; do [ -S "$s" ] && "$VMM" ctl "$s" quit >/dev/null 2>&1; done; [ "$trap_lab_down" = 1 ] && "$DSMIG" lab down >/dev/null 2>&1; rm -rf "$A" "$B" "$W"' EXIT

# Lines the guest has printed about its writes so far in console FILE.
guest_lines() { grep -c '^writer: t_ms=' "$1" 2>/dev/null || echo 0; }

# Waits up to $2 s for the guest's first line in console $1.
wait_guest() {
	local i
	for i in $(seq $(($2 * 10))); do
		grep -q '^[a-z]*: ' "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# CLOCK_MONOTONIC in ns, the wire probe's clock (docs/probes.md).
mono_now() { python3 -c 'import time; print(time.monotonic_ns())'; }

# The probe runs until its stdin closes: it reads a FIFO held open here.
# It watches loopback, or in a link cell the source host's veth (its
# root-namespace end: the same packets as the host's interface).
mkfifo "$W/wire.in"
exec 7<>"$W/wire.in"
wire_net=lo
wire_start() { "$DSMIG" wire --net "$wire_net" --ports 47000-47099 --interval-ms 20 <&7 >"$1/wire.jsonl" 2>"$1/wire.err" & wire_pid=$!; }
wire_stop() { sleep 0.3; kill "$wire_pid" 2>/dev/null; wait "$wire_pid" 2>/dev/null; }

# After the warm-up, runs the migrate command "$@" for run dir $1 as both
# engines are measured: the guest's lines so far, the wire from just
# before, the command's wall time; its output goes to engine.json. Returns
# its status.
measured() {
	local d=$1 rc s e
	shift
	sleep "$WARMUP_S"
	guest_lines "$d/src.console" >"$d/lines_before"
	wire_start "$d"
	mono_now >"$d/t0_mono"
	s=$(date +%s%N)
	"$@" >"$d/engine.json" 2>"$d/engine.err"
	rc=$?
	e=$(date +%s%N)
	wire_stop
	echo $(((e - s) / 1000000)) >"$d/wall_ms"
	return $rc
}

# One migration by QEMU in mode $4 (qmp_migrate.py); run dir $1. With $6
# "memfd" its RAM is a memfd (shared memory, as dsmig-vmm's) instead of
# anonymous memory, which gets transparent huge pages and shmem does not
# here.
run_qemu() {
	local d=$1 cap=$2 args=$3 mode=$4 img=$5 ram=${6:-} bw=0 rc src dst
	local uri=tcp:127.0.0.1:$QEMU_PORT in_a=() in_b=()
	[ "$cap" = 12M ] && bw=1500000
	if [ "$cap" = link12M ]; then
		in_a=(ip netns exec "$LAB_HOSTA_NETNS")
		in_b=(ip netns exec "$LAB_HOSTB_NETNS")
		uri=tcp:$LAB_HOSTB_ADDR:$QEMU_PORT
	fi
	common=(-accel kvm -m 128 -smp 1 -nodefaults -display none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$img" -append "$args")
	[ "$ram" = memfd ] && common+=(-object memory-backend-memfd,id=ram0,size=128M
		-machine memory-backend=ram0)
	"${in_a[@]}" "$QEMU" "${common[@]}" -serial "file:$d/src.console" -qmp "unix:$d/src.qmp,server=on,wait=off" 2>"$d/src.err" &
	src=$!
	"${in_b[@]}" "$QEMU" "${common[@]}" -serial "file:$d/dst.console" -qmp "unix:$d/dst.qmp,server=on,wait=off" -incoming defer 2>"$d/dst.err" &
	dst=$!
	if ! wait_guest "$d/src.console" 60; then
		echo "bench-peer: QEMU did not boot $img: $(tail -1 "$d/src.err")" >&2
		kill $src $dst; wait $src $dst 2>/dev/null
		return 1
	fi
	measured "$d" python3 "$top/bench/qmp_migrate.py" --src "$d/src.qmp" --dst "$d/dst.qmp" \
		--uri "$uri" --mode "$mode" --bandwidth $bw --timeout "$TIMEOUT"
	rc=$?
	[ $rc = 0 ] && sleep "$AFTER_S"
	kill $src $dst 2>/dev/null
	wait $src $dst 2>/dev/null
	return 0
}

# One migration by dsmig with method $4 and options $6; run dir $1. On
# the link, the VMs run in the lab's hosts and the ranks follow them.
run_dsmig() {
	local d=$1 cap=$2 args=$3 method=$4 img=$5 extra=$6 rc vm=peer
	local ra=$A rb=$B in_a=() from=() to=$B
	if [ "$cap" = link12M ]; then
		ra=$LAB_HOSTA_RUNTIME rb=$LAB_HOSTB_RUNTIME cap=0
		in_a=(ip netns exec "$LAB_HOSTA_NETNS")
		from=(--from hostA) to=hostB
	fi
	rm -f "$ra/$vm".* "$rb/$vm".*
	# shellcheck disable=SC2086 # args is the guest's argument list
	DSMIG_RUNTIME_DIR=$ra "${in_a[@]}" "$VMM" run "$img" --name $vm --mem 128M --vcpus 1 --quiet \
		--console "$d/src.console" -- $args 2>"$d/src.err" &
	if ! wait_guest "$d/src.console" 30; then
		echo "bench-peer: dsmig-vmm did not start $img: $(tail -1 "$d/src.err")" >&2
		wait
		return 1
	fi
	# shellcheck disable=SC2086 # extra is a list of options
	DSMIG_RUNTIME_DIR=$ra measured "$d" timeout $((TIMEOUT + 30)) "$DSMIG" migrate $vm \
		"${from[@]}" --to "$to" --bandwidth "$cap" --method "$method" $extra --json
	rc=$?
	[ $rc = 124 ] && echo '{"timeout":true}' >"$d/engine.json"
	[ $rc = 0 ] && sleep "$AFTER_S"
	cp "$rb/$vm.console" "$d/dst.console" 2>/dev/null
	DSMIG_RUNTIME_DIR=$rb "$VMM" ctl $vm quit >/dev/null 2>&1
	DSMIG_RUNTIME_DIR=$ra "$VMM" ctl $vm quit >/dev/null 2>&1
	wait
	return 0
}

# A link cell needs the lab (as root): brought up at 12 Mbit/s for the
# first such cell, or the one that is up if its links are that, and taken
# down at the end if it was brought up here. Returns 1 if there is none.
lab_up=0
lab_ready() {
	[ "$lab_up" = 1 ] && return 0
	if [ "$(id -u)" != 0 ]; then
		echo "bench-peer: the link cells need root (network namespaces): not run" >&2
		return 1
	fi
	eval "$("$DSMIG" lab env)" || return 1
	if "$DSMIG" lab status >/dev/null 2>&1; then
		if ! "$DSMIG" lab status | grep -q 12Mbit; then
			echo "bench-peer: a lab is up with other links (dsmig lab status): link cells not run" >&2
			return 1
		fi
	elif "$DSMIG" lab up --hosts 2 --link 12mbit >&2; then
		lab_up=2
	else
		echo "bench-peer: dsmig lab up failed: link cells not run" >&2
		return 1
	fi
	export DSMIG_HOSTS=$LAB_HOSTS
	[ "$lab_up" = 2 ] && trap_lab_down=1
	lab_up=1
}
trap_lab_down=0

n=0
for cell in $CELLS; do
	IFS=/ read -r cap w args systems <<<"$cell"
	args=${args//,/ }
	systems=${systems:-$SYSTEMS}
	wire_net=lo
	if [ "$cap" = link12M ]; then
		lab_ready || continue
		wire_net=$LAB_HOSTA_VETH
	fi
	for sys in ${systems//+/ }; do
		for r in $(seq "$RUNS"); do
			n=$((n + 1))
			d="$W/run-$n"
			mkdir -p "$d"
			jq -n --arg sys "$sys" --arg cap "$cap" --arg w "$w" --arg args "$args" \
				--argjson run "$r" '{system: $sys, cap: $cap, workload: $w, args: $args, run: $run}' >"$d/meta.json"
			echo "bench-peer: $n: $sys, $w $args, cap ${cap/#0/none}, run $r" >&2
			case $sys in
			qemu-*-memfd) m=${sys#qemu-}; run_qemu "$d" "$cap" "$args" "${m%-memfd}" "$BUILD/guest/qemu/$w.mb" memfd ;;
			qemu-*) run_qemu "$d" "$cap" "$args" "${sys#qemu-}" "$BUILD/guest/qemu/$w.mb" ;;
			dsmig-*-raw) m=${sys#dsmig-}; run_dsmig "$d" "$cap" "$args" "${m%-raw}" "$BUILD/guest/$w.elf" "--compress off --delta off" ;;
			dsmig-*-codecs) m=${sys#dsmig-}; run_dsmig "$d" "$cap" "$args" "${m%-codecs}" "$BUILD/guest/$w.elf" "--compress on --delta on" ;;
			dsmig-*) run_dsmig "$d" "$cap" "$args" "${sys#dsmig-}" "$BUILD/guest/$w.elf" "" ;;
			*) echo "bench-peer: unknown system $sys" >&2; exit 2 ;;
			esac
		done
	done
done

mkdir -p "$(dirname "$OUT")"
python3 "$top/bench/peer_report.py" --runs "$W" --out "$OUT" \
	--command "make bench-peer${FULL:+ FULL=1} (RUNS=$RUNS TIMEOUT=$TIMEOUT WARMUP_S=$WARMUP_S AFTER_S=$AFTER_S)" || exit 1
cat "$OUT.md"
