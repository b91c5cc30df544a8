#!/bin/bash
# The console's page-heat map (H in the migration view), in a real
# terminal (tmux), on hand-written session logs with "heat" records
# (docs/telemetry.md), so it runs without KVM too:
#  (a) a dsm run stopped in pre-copy: the grid shows the held-back hot
#      cells (H), the cells still to send (s) and the heat of the rest,
#      in UTF-8 and in ASCII; H again brings the charts back;
#  (b) a dsm-pull run in post-copy: the missing cells (m) and the cell
#      the destination faulted on (!).
. "$(dirname "$0")/lib.sh"

W=$HOST_A                     # scratch, removed by cleanup
T="tmux -L dsmig-heatmap-test-$$"
trap '$T kill-server 2>/dev/null; cleanup' EXIT

# heat MS ROUND DIRTY STATE HELD SEND MISSING FAULTS: a heat event of 8
# cells of 2048 pages (64 MiB).
heat() {
	eng "$1" "\"type\":\"heat\",\"round\":$2,\"cells\":8,\"pages_per_cell\":2048,\"dirty\":\"$3\",\"state\":\"$4\",\"held_pages\":$5,\"to_send_pages\":$6,\"missing_pages\":$7,\"faults\":$8"
}
# start METHOD: the session and the migration's start, and the heat
# records of rounds 0 and 1 (the heat map needs no other record).
start() {
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":12000000'
	rec 1000 "\"src\":\"migration\",\"mig\":1,\"event\":\"start\",\"vm\":\"mem1\",\"from\":\"hostA\",\"to\":\"hostB\",\"method\":\"$1\",\"bandwidth\":\"12M\",\"ranks\":2,\"max_iters\":5,\"verify\":false"
	eng 1100 "\"type\":\"start\",\"vm\":\"mem1\",\"method\":\"$1\",\"hv\":\"kvm\",\"src\":\"/run/a\",\"dst\":\"/run/b\",\"ranks\":2,\"bandwidth_bps\":12000000,\"mem_bytes\":67108864,\"vcpus\":1,\"max_iters\":5,\"target_dirty\":64,\"verify\":false,\"hot_window\":4,\"hot_threshold\":3"
	eng 1200 '"type":"phase","phase":"precopy"'
	heat 1300 0 00000000 ssssssss 0 16384 0 '[]'
	heat 1500 1 ffaa3010 hh.s..s. 300 40 0 '[]'
}
PRE=$W/pre.jsonl
start dsm >"$PRE"
PULL=$W/pull.jsonl
{ start dsm-pull
  eng 1700 '"type":"phase","phase":"stop-and-copy","reason":"only-hot-pages-left","hot_pages":300'
  eng 1800 '"type":"phase","phase":"switch-over"'
  eng 1850 '"type":"phase","phase":"post-copy","missing_pages":340'
  heat 1900 1 ffaa3010 mm.m.... 0 0 340 '[]'
  heat 2200 1 ffaa3010 mm.m.... 0 0 200 '[1]'
} >"$PULL"
check "the hand-written logs are JSON lines" bash -c "jq -e . '$PRE' '$PULL' >/dev/null"

replay() {   # replay LOG LANG
	reset_tmux
	$T new-session -d -s con -x 120 -y 40 \
		"LANG=$2 XDG_STATE_HOME='$W/state' '$DSMIG' replay '$1' --speed 8"
}
# grid: the heat map's first grid row (two lines under its title).
grid() { screen | sed -n '/Page-heat map, round/{n;n;p;q}' | sed 's/^ *//; s/ .*//'; }

if ! command -v tmux >/dev/null; then
	skip "console heat map: tmux is missing"
	exit 0
fi

replay "$PRE" C.UTF-8
check "dsm: the migration view comes up" wait_for "migration 1: mem1" 10
check "footer: H toggles the heat map" on_screen "H heat map"
$T send-keys -t con H
check "H: the heat map of the last round" \
	wait_for "Page-heat map, round 1: 8 cells x 2048 pages" 5
check "H: its counts" on_screen "held back 300  to send 40  missing 0  faulted cells 0"
echo "# grid: '$(grid)'"
check "grid: held-back hot cells H, cells to send s, the rest by heat (UTF-8 shades)" \
	test "$(grid)" = "HH▒s░·s·"
check "legend: the marks" on_screen "H held back hot  s to send  m missing  ! faulted"
$T send-keys -t con H
check "H again: the charts" wait_for "vCPU utilisation of the VM" 3
$T send-keys -t con '?'
check "help: names the key" wait_for "H              page-heat map / charts" 3

replay "$PRE" C
check "ASCII: the migration view comes up" wait_for "migration 1: mem1" 10
$T send-keys -t con H
check "ASCII: the heat map" wait_for "Page-heat map, round 1" 5
check "ASCII grid: the same marks, the heat in . - + #" test "$(grid)" = "HH+s-.s."

replay "$PULL" C
check "dsm-pull: the migration view comes up" wait_for "migration 1: mem1" 10
$T send-keys -t con H
check "post-copy: the latest map, 200 pages still missing, one fault" \
	wait_for "held back 0  to send 0  missing 200  faulted cells 1" 5
echo "# grid: '$(grid)'"
check "post-copy grid: missing cells m, the faulted cell !" test "$(grid)" = "m!+m-.-."
reset_tmux
