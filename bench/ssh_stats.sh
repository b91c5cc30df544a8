#!/bin/bash
# Benchmark: what reaching hosts over ssh costs the console (issue 15).
#  1. The extra latency of the console's 10 Hz stats query: COUNT round
#     trips of query-stats on one guest's control socket, once on the
#     socket itself (from inside hostA's mount namespace, where it is) and
#     once through an OpenSSH Unix-socket forward over a ControlMaster into
#     the lab host's namespaces, as the console makes it
#     (tests/helpers/ctl_rtt; median, p99, max).
#  2. The CPU it costs: the console in tmux on the lab's ssh hosts file
#     watching 4 guests on hostA for SECONDS_RUN s; CPU of the console,
#     of its ssh clients, and on each host of its sshd and everything
#     under it (the lister's shell loop; with the children they reaped),
#     from /proc.
# Needs root and sshd (the lab). Writes bench/results/ssh_stats.md.
# Usage: bench/ssh_stats.sh BUILD-DIR
set -u
BUILD=${1:-build}
COUNT=${COUNT:-300}
SECONDS_RUN=${SECONDS_RUN:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/results/ssh_stats.md"
VMM="$top/$BUILD/bin/dsmig-vmm"
DSMIG="$top/$BUILD/bin/dsmig"
RTT="$top/$BUILD/tests/helpers/ctl_rtt"
die() { echo "ssh_stats: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (the lab's namespaces and sshd)"
[ -x /usr/sbin/sshd ] || die "needs sshd (make deps)"
lab_env=$("$DSMIG" lab env) || exit 1
eval "$lab_env"
"$DSMIG" lab status >/dev/null 2>&1 && die "the lab is up: take it down first (dsmig lab down)"
work=$(mktemp -d /tmp/dsmig-benchssh.XXXXXX)
T="tmux -L dsmig-benchssh-$$"
SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$LAB_SSH_KNOWN"
     -i "$LAB_SSH_KEY")
cleanup() {
	$T kill-server 2>/dev/null
	[ -S "$work/ctl" ] && ssh -S "$work/ctl" -O exit x >/dev/null 2>&1
	"$DSMIG" lab down >/dev/null 2>&1
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$DSMIG" lab up --ssh >"$work/up.out" 2>&1 || { cat "$work/up.out"; die "dsmig lab up --ssh failed"; }

# Four guests on hostA, started through its sshd.
for w in idle cpu memory net; do
	"${SSH[@]}" "root@$LAB_HOSTA_ADDR" "DSMIG_RUNTIME_DIR=$LAB_SSH_RUNTIME setsid $VMM run \
		$top/$BUILD/guest/$w.elf --name $w --quiet </dev/null >/dev/null 2>&1 &" </dev/null
done
# hostA's runtime directory is its own (its mount namespace): seen from in there.
on_a() { nsenter "--mount=$LAB_SSH_MNT/hostA" "$@"; }
for _ in $(seq 100); do on_a test -S "$LAB_SSH_RUNTIME/net.sock" && break; sleep 0.1; done
sleep 1

# 1. Latency: the socket itself, then through a forward.
local_rtt=$(on_a "$RTT" "$LAB_SSH_RUNTIME/idle.sock" "$COUNT")
"${SSH[@]}" -N -M -S "$work/ctl" -o ControlPersist=no "root@$LAB_HOSTA_ADDR" </dev/null &
for _ in $(seq 100); do ssh -S "$work/ctl" -O check x >/dev/null 2>&1 && break; sleep 0.1; done
ssh -S "$work/ctl" -O forward -L "$work/idle.sock:$LAB_SSH_RUNTIME/idle.sock" x >/dev/null 2>&1 ||
	die "cannot forward the control socket"
ssh_rtt=$("$RTT" "$work/idle.sock" "$COUNT")
ssh -S "$work/ctl" -O exit x >/dev/null 2>&1

# 2. CPU: the console on the ssh hosts file.
ticks_of() { local p s=0; for p in "$@"; do
	s=$((s + $(awk '{print $14 + $15 + $16 + $17}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $s; }
# sshd_of NETNS: its sshd processes and everything under them (the
# lister's remote shell loop; the guests were started with setsid and
# belong to init, not to sshd).
under_sshd() { local p=$1; while [ "$p" -gt 1 ] 2>/dev/null; do
	[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && return 0
	p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null) || return 1; done; return 1; }
sshd_of() { local p; for p in $(ip netns pids "$1"); do under_sshd "$p" && echo "$p"; done; }
$T new-session -d -s con -x 140 -y 40 \
	"LANG=C.UTF-8 DSMIG_HOSTS='$LAB_SSH_HOSTS' XDG_STATE_HOME='$work/state' exec '$DSMIG'"
sleep 5                                  # logged in, sockets forwarded
con=$($T list-panes -t con -F '#{pane_pid}')
hz=$(getconf CLK_TCK)
clients() { pgrep -P "$con" -x ssh; }
a_con=$(ticks_of "$con"); a_cli=$(ticks_of $(clients))
a_A=$(ticks_of $(sshd_of "$LAB_HOSTA_NETNS")); a_B=$(ticks_of $(sshd_of "$LAB_HOSTB_NETNS"))
sleep "$SECONDS_RUN"
b_con=$(ticks_of "$con"); b_cli=$(ticks_of $(clients))
b_A=$(ticks_of $(sshd_of "$LAB_HOSTA_NETNS")); b_B=$(ticks_of $(sshd_of "$LAB_HOSTB_NETNS"))
pct() { awk -v a="$1" -v b="$2" -v hz="$hz" -v s="$SECONDS_RUN" 'BEGIN { printf "%.2f%%", (b - a) / hz / s * 100 }'; }
field() { jq -r ".$2 // \"n/a\"" <<<"$1"; }
{
	echo "The console over ssh: stats latency and CPU. Lab: two hosts in network namespaces, each with"
	echo "its own sshd (dsmig lab up --ssh), 4 guests (idle, cpu, memory, net) on hostA, none on hostB."
	echo "Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d). Command: bench/ssh_stats.sh $BUILD"
	echo "(make bench), COUNT=$COUNT, SECONDS_RUN=$SECONDS_RUN."
	echo
	echo "query-stats round trip at 10 Hz, $COUNT each (tests/helpers/ctl_rtt):"
	echo
	echo "| path | median | p99 | max | failed |"
	echo "|---|---|---|---|---|"
	echo "| the control socket itself | $(field "$local_rtt" median_ms) ms | $(field "$local_rtt" p99_ms) ms | $(field "$local_rtt" max_ms) ms | $(field "$local_rtt" failed) |"
	echo "| through an ssh forward (ControlMaster) | $(field "$ssh_rtt" median_ms) ms | $(field "$ssh_rtt" p99_ms) ms | $(field "$ssh_rtt" max_ms) ms | $(field "$ssh_rtt" failed) |"
	echo
	echo "CPU over $SECONDS_RUN s of the console watching both ssh hosts (hosts view, 10 Hz), of one core:"
	echo
	echo "| process | CPU |"
	echo "|---|---|"
	echo "| dsmig console | $(pct "$a_con" "$b_con") |"
	echo "| its ssh clients (masters and mux clients) | $(pct "$a_cli" "$b_cli") |"
	echo "| hostA's sshd and its sessions (4 VMs; with the children they reaped) | $(pct "$a_A" "$b_A") |"
	echo "| hostB's sshd and its sessions (no VM) | $(pct "$a_B" "$b_B") |"
} | tee "$out"
