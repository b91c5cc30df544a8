#!/bin/bash
# Benchmark: CPU the console itself uses while watching the four demo VMs
# (hosts view, 10 Hz), measured from /proc over SECONDS (default 20) in a
# real terminal (tmux). Writes bench/results/console.md.
# Usage: bench/console.sh BUILD-DIR
set -u
BUILD=${1:-build}
SECONDS_RUN=${SECONDS_RUN:-20}
VMM="$BUILD/bin/dsmig-vmm"
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/results/console.md"
lab=$(mktemp -d /tmp/dsmig-benchcon.XXXXXX)
T="tmux -L dsmig-bench-$$"
mkdir -p "$lab/A" "$lab/B"
printf 'name=hostA runtime=%s/A\nname=hostB runtime=%s/B\n' "$lab" "$lab" >"$lab/hosts"
trap '$T kill-server 2>/dev/null; for s in "$lab"/A/*.sock; do "$VMM" ctl "$s" quit >/dev/null 2>&1; done; wait; rm -rf "$lab"' EXIT

for w in idle cpu memory net; do
	DSMIG_RUNTIME_DIR="$lab/A" "$VMM" run "$BUILD/guest/$w.elf" --name "$w" --quiet 2>/dev/null &
done
sleep 1
$T new-session -d -s con -x 140 -y 40 \
	"LANG=C.UTF-8 DSMIG_HOSTS='$lab/hosts' XDG_STATE_HOME='$lab/state' exec '$top/$BUILD/bin/dsmig'"
sleep 2
pid=$($T list-panes -t con -F '#{pane_pid}')
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks "$pid")
sleep "$SECONDS_RUN"
b=$(ticks "$pid")
pct=$(awk -v a="$a" -v b="$b" -v hz="$hz" -v s="$SECONDS_RUN" 'BEGIN { printf "%.2f", (b - a) / hz / s * 100 }')
{
	echo "Console CPU while watching 4 VMs on the hosts view at 10 Hz, ${SECONDS_RUN} s, 140x40 tmux terminal."
	echo "Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d). Command: make bench"
	echo
	echo "| what | CPU of one core |"
	echo "|---|---|"
	echo "| dsmig console (probing 4 VMs, drawing) | ${pct}% |"
} | tee "$out"
