#!/bin/bash
# The paper's figures, regenerated from dsmig's own recorded lab sessions:
# two hosts in network namespaces joined by a 12 Mbit/s tbf link (dsmig
# lab), each workload migrated from hostA to hostB by each method, RUNS
# times, every run recorded as a console session by `dsmig record` (the
# console's live data path: vCPU probes on both hosts, libpcap on hostA's
# interface inside its namespace, the engine's telemetry).
#
#   Figure 4      downtime and total migration time per workload and method
#   Figures 5-12  vCPU utilisation and wire throughput over normalised time
#                 (0: pre-copy starts, 1: the source is released), mean
#                 over the runs, with each method's downtime window
#
# Writes docs/paper/*.png and docs/paper/results.md (the table that
# docs/paper.md quotes); the sessions stay in $SESSIONS.
# Usage: bench/paper.sh BUILD-DIR     (as root: the lab needs namespaces)
#   RUNS=6  METHODS="precopy dsm dsm-pull"  WORKLOADS="idle cpu memory net kv"
#   SESSIONS=/var/tmp/dsmig-paper  OUT=docs/paper
# METHODS and WORKLOADS choose what is recorded; the figures and table
# always cover every session in $SESSIONS (re-record one method, keep the
# rest).
set -u
BUILD=${1:-build}
RUNS=${RUNS:-6}
METHODS=${METHODS:-precopy dsm dsm-pull}
WORKLOADS=${WORKLOADS:-idle cpu memory net kv}
SESSIONS=${SESSIONS:-/var/tmp/dsmig-paper}
top=$(cd "$(dirname "$0")/.." && pwd)
OUT="$top/${OUT:-docs/paper}"
VMM="$BUILD/bin/dsmig-vmm"
DSMIG="$BUILD/bin/dsmig"
# The lab's hosts file and runtime directories (src/common/lab_net.h).
lab_env=$("$DSMIG" lab env) || exit 1
eval "$lab_env"
export DSMIG_HOSTS=$LAB_HOSTS

die() { echo "paper: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (the lab's network namespaces)"
accel=$("$BUILD/bin/dsmig-vmm" accel) || die "no accelerator can run guests here: $accel"
command -v gnuplot >/dev/null || die "needs gnuplot (make deps)"
mkdir -p "$SESSIONS" "$OUT" || exit 1

lab_was_up=0
if "$DSMIG" lab status >/dev/null 2>&1; then
	lab_was_up=1
	echo "paper: using the lab that is up (dsmig lab status)"
else
	"$DSMIG" lab up --hosts 2 --link 12mbit || die "dsmig lab up failed"
fi
# The lab's runtime directories (docs/deploy.md).
RA=$LAB_HOSTA_RUNTIME RB=$LAB_HOSTB_RUNTIME
cleanup() {
	local s
	for s in "$RA"/*.sock "$RB"/*.sock; do
		[ -S "$s" ] && "$VMM" ctl "$s" quit >/dev/null 2>&1
	done
	[ "$lab_was_up" = 1 ] || "$DSMIG" lab down >/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The web server (net) has a NIC on the guest network, always the same
# address and MAC (so that the clients' ARP caches stay right from run to
# run), and real clients: wrk with 200 connections for load, and dsmig
# webclient (16 connections, 200 requests/s) logging every second for
# the console session (--clients) and the table.
WEB_IP=${LAB_GUEST_NET_PREFIX}${LAB_GUEST_ADDR_FIRST}
WEB_NIC="--net bridge=$LAB_GUEST_BRIDGE,mac=02:00:5e:00:00:0a -- ip=$WEB_IP/24"

# web_clients_start BASE: wrk and the logging client from the clients'
# namespace, once the server answers; sets WRK_PID and CLIENT_PID.
web_clients_start() {
	local i
	for i in $(seq 100); do
		ip netns exec "$LAB_CLIENT_NS" timeout 1 bash -c "exec 3<>/dev/tcp/$WEB_IP/80" \
			2>/dev/null && break
		sleep 0.1
	done
	ip netns exec "$LAB_CLIENT_NS" wrk -t2 -c200 -d600s --timeout 60s \
		"http://$WEB_IP/index-4.html" >"$1.wrk" 2>&1 &
	WRK_PID=$!
	ip netns exec "$LAB_CLIENT_NS" "$DSMIG" webclient --target "$WEB_IP" --conns 16 \
		--rate 200 --duration 600 --timeout-ms 60000 --path /index-0.html \
		--path /api/items/3 --out "$1.webclient" >"$1.websum" 2>&1 &
	CLIENT_PID=$!
}
# web_clients_stop: SIGINT (both print their summary), then no waiting.
web_clients_stop() {
	local i
	kill -INT "$WRK_PID" "$CLIENT_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$WRK_PID" 2>/dev/null || kill -0 "$CLIENT_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$WRK_PID" "$CLIENT_PID" 2>/dev/null
	wait "$WRK_PID" "$CLIENT_PID" 2>/dev/null
}

# One recorded migration: $SESSIONS/W-M-R.jsonl (and for net the
# clients' .wrk, .webclient and .websum beside it).
run_one() {
	local w=$1 m=$2 r=$3 vm="$1$3" vcpus=1 i nic="" base=$SESSIONS/$1-$2-$3
	local clients=()
	[ "$w" = kv ] && vcpus=2
	[ "$w" = net ] && nic=$WEB_NIC
	"$DSMIG" lab exec hostA "DSMIG_RUNTIME_DIR=$RA setsid $VMM run $BUILD/guest/$w.elf" \
		"--name $vm --vcpus $vcpus --quiet $nic </dev/null >/dev/null 2>&1 &"
	for i in $(seq 100); do
		DSMIG_RUNTIME_DIR=$RA "$VMM" ctl "$vm" query-status >/dev/null 2>&1 && break
		sleep 0.05
	done
	if [ "$w" = net ]; then
		rm -f "$base.webclient"
		web_clients_start "$base"
		clients=(--clients "$base.webclient")
	fi
	sleep 2
	if ! timeout 300 "$DSMIG" record "$vm" --from hostA --to hostB --method "$m" \
		--bandwidth 12M --out "$base.jsonl" --lead 2 --tail 3 "${clients[@]}" \
		>"$base.out" 2>&1; then
		echo "paper: $w by $m, run $r failed: $(tail -1 "$base.out")" >&2
		rm -f "$base.jsonl"
	fi
	[ "$w" = net ] && web_clients_stop
	DSMIG_RUNTIME_DIR=$RB "$VMM" ctl "$vm" quit >/dev/null 2>&1
	DSMIG_RUNTIME_DIR=$RA "$VMM" ctl "$vm" quit >/dev/null 2>&1
	sleep 0.5
}

if [ "${PLOT_ONLY:-0}" != 1 ]; then
	for w in $WORKLOADS; do
		for r in $(seq "$RUNS"); do
			for m in $METHODS; do
				echo "paper: $w, $m, run $r of $RUNS"
				run_one "$w" "$m" "$r"
			done
		done
	done
fi

DSMIG="$DSMIG" "$top/bench/paper_plot.sh" "$SESSIONS" "$OUT"    # not exec: the trap takes the lab down
