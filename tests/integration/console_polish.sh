#!/bin/bash
# The console's rough edges (issue 14's defects), each checked where an
# operator meets it, in a real terminal (tmux):
#  (a) a replay of a hand-written session of three runs of one VM and
#      method: at 12M, uncapped, cancelled. The uncapped run is not
#      compared with the 12M one, the cancelled one says CANCELLED and
#      compares with nothing; the card's text stays inside its border;
#      the bars are drawn in the theme's colours, not reversed; at 60x20
#      the title does not wrap and still shows the downtime, the card
#      still shows; below the smallest size keys are not taken unseen;
#      the replay needs nothing but its log (no hosts file).
#  (b) live, on real guests: the selection stays on its VM when the
#      table re-sorts under it; a VM stopped while the dialog is open is
#      not launched; a cancelled run leaves no stale status line; the
#      quit question shows at 60x20; the throughput is per 100 ms bin;
#      DIRTY/s does not depend on how often it is asked for.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { skip "console polish: tmux is missing"; exit 0; }

W=$HOST_A
T="tmux -L dsmig-polish-test-$$"
trap '$T kill-server 2>/dev/null; cleanup' EXIT

# rows_with TEXT: the screen's rows holding TEXT, with colour escapes.
rows_with() { $T capture-pane -e -p -t con | grep -F -- "$1"; }
# no_reverse TEXT: the rows with TEXT have no reverse video (SGR 7).
no_reverse() { ! rows_with "$1" | grep -Eq $'\e\\[([0-9;]*;)?7[;m]'; }
# card_closed_by_border TEXT: the card's row with TEXT ends at its frame.
card_closed_by_border() { screen | grep -F -- "$1" | sed 's/ *$//' | grep -q '│$'; }

# ---- (a) a hand-written session ------------------------------------------------
vm() {
	rec "$1" "\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"$2\",\"vm\":\"kv1\",\"state\":\"running\",\"workload\":\"kv\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[50.0],\"progress\":100,\"progress_ps\":95.0"
}
# run MIG MS BANDWIDTH BPS FROM TO: a successful dsm run starting at MS.
run() {
	local m=$1 ms=$2
	rec "$ms" "\"src\":\"migration\",\"mig\":$m,\"event\":\"start\",\"vm\":\"kv1\",\"from\":\"$5\",\"to\":\"$6\",\"method\":\"dsm\",\"bandwidth\":\"$3\",\"ranks\":2,\"max_iters\":5,\"verify\":false"
	engm "$m" $((ms + 100)) "\"type\":\"start\",\"vm\":\"kv1\",\"method\":\"dsm\",\"hv\":\"kvm\",\"src\":\"/run/a\",\"dst\":\"/run/b\",\"ranks\":2,\"bandwidth_bps\":$4,\"mem_bytes\":16777216,\"vcpus\":1,\"max_iters\":5,\"target_dirty\":64,\"verify\":false"
	engm "$m" $((ms + 200)) '"type":"phase","phase":"precopy"'
	engm "$m" $((ms + 400)) '"type":"estimate","round":0,"percent":47.4,"bytes_done":9940000,"final_bytes":20971520,"bytes_left":11031520,"rounds":4,"until_resume_ns":4100000000,"downtime_ns":150000000,"downtime_now_ns":120000000,"dirty_pps":812.0,"send_pps":366.0'
	engm "$m" $((ms + 2900)) '"type":"phase","phase":"stop-and-copy","reason":"converged"'
	engm "$m" $((ms + 3000)) '"type":"phase","phase":"resumed","downtime_ns":73000000,"guest_downtime_ns":75000000'
	engm "$m" $((ms + 3100)) '"type":"phase","phase":"done"'
	engm "$m" $((ms + 3110)) "\"type\":\"summary\",\"ok\":true,\"total_time_ns\":$((ms + 1000))000000,\"downtime_ns\":73000000,\"guest_downtime_ns\":75000000,\"bytes_total\":18874368,\"bytes\":{\"rounds\":18446080,\"state\":400000,\"verify\":0,\"control\":28288},\"iterations\":3,\"stop_reason\":\"converged\",\"progress_rate\":{\"before\":100,\"during\":95.5,\"after\":101.2},\"slowdown_pct\":4.5,\"verify\":\"off\",\"selfcheck_fail\":0"
	rec $((ms + 3200)) "\"src\":\"migration\",\"mig\":$m,\"event\":\"exit\",\"status\":0,\"error\":null"
}
session_log() {
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":12000000'
	vm 100 hostA
	run 1 1000 12M 12000000 hostA hostB
	vm 4500 hostB
	run 2 5000 0 0 hostB hostA
	vm 8500 hostA
	rec 9000 '"src":"migration","mig":3,"event":"start","vm":"kv1","from":"hostA","to":"hostB","method":"dsm","bandwidth":"0","ranks":2,"max_iters":5,"verify":false'
	engm 3 9200 '"type":"phase","phase":"precopy"'
	rec 9600 '"src":"operator","action":"cancel"'
	engm 3 9700 '"type":"phase","phase":"failed","error":"cancelled by the operator"'
	rec 9800 '"src":"migration","mig":3,"event":"exit","status":1,"error":"cancelled by the operator"'
	vm 10000 hostA
	rec 13000 '"src":"session","event":"close"'
}
LOG=$W/polish.jsonl
session_log >"$LOG"
check "the hand-written log is JSON lines" bash -c "jq -e . '$LOG' >/dev/null"

# replay_at COLS ROWS SPEED [SEEK]: replay the log; a hosts file that is
# gone, as after `dsmig lab down`.
replay_at() {
	reset_tmux
	$T new-session -d -s con -x "$1" -y "$2" \
		"LANG=C.UTF-8 DSMIG_HOSTS='$W/gone/hosts' XDG_STATE_HOME='$W/state' '$DSMIG' replay '$LOG' --speed $3; sleep 5"
}

replay_at 140 40 1
check "replay with its hosts file gone: it plays (needs nothing but its log)" \
	wait_for "migration 1: kv1 hostA -> hostB" 5
check "pre-copy: the title bar shows the engine's estimate" \
	wait_for "migration 1: kv1 hostA -> hostB \[precopy 47%, ~4.1 s to resume\]" 5
check "... the side panel what is left" on_screen "47% of ~20.00 MiB, 10.52 MiB left"
check "... the dirty rate against the send rate" on_screen "dirtying 812 pages/s, sending 366/s"
check "... and the downtime if paused now" on_screen "if paused now: 120 ms down"
check "run 1's card comes up" wait_for "Migration 1 of kv1: done" 10
$T send-keys -t con Space   # pause while it shows
check "... with nothing to compare with" on_screen "no earlier run of this VM, method and cap"
check "... its footer inside the card's frame" card_closed_by_border "Enter/Esc: close"
check "... the downtime in the title bar" bash -c "screen_title() { $T capture-pane -p -t con | head -1; }; screen_title | grep -q 'downtime 73 ms'"
check "the title bar is drawn in the theme's colours, not reversed" no_reverse "dsmig  migration 1"
check "the key bar too" no_reverse "Space pause"
$T send-keys -t con Space
check "run 2 (uncapped): its title says so" wait_for "migration 2: kv1 hostB -> hostA \[done\]  dsm  uncapped" 10
check "run 2's card: not compared with the 12M run" wait_for "Migration 2 of kv1: done" 5
$T send-keys -t con Space
check "... it says there is no earlier run at this cap" on_screen "no earlier run of this VM, method and cap"
check "... and no percentage against the 12M run" bash -c "! $T capture-pane -p -t con | grep -q 'vs '"
$T send-keys -t con Space
check "run 3, cancelled: its card says CANCELLED" wait_for "Migration 3 of kv1: CANCELLED" 10
check "... and why" on_screen "cancelled by the operator"
check "... and where the VMMs say the VM is" on_screen "The VMMs say the VM is running on hostA"
check "... and compares with nothing" bash -c "! $T capture-pane -p -t con | grep -q 'compared'"

# htop's conventions on the hosts view of a replay of three VMs: / filter,
# I invert, a click on a column header sorts by it (again: reversed), F2
# theme, F10 quit; the footer names the keys of what is in front.
vmp() {
	rec "$1" "\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"$2\",\"vm\":\"$3\",\"state\":\"running\",\"workload\":\"idle\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[$4],\"progress\":1,\"progress_ps\":1.0"
}
{
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":12000000'
	for ms in 100 600 1100; do vmp $ms hostA alpha 10.0; vmp $ms hostA beta 50.0; vmp $ms hostB gamma 30.0; done
	rec 60000 '"src":"session","event":"close"'
} >"$W/three.jsonl"
reset_tmux
$T new-session -d -s con -x 140 -y 40 "LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' XDG_STATE_HOME='$W/state' '$DSMIG' replay '$W/three.jsonl'; sleep 5"
check "three VMs listed" wait_for "hostB    gamma" 5
# The first VM row (under the first host's row, y=3).
first_row() { $T capture-pane -p -t con | awk 'NR > 4 && $3 == "running" { print $2; exit }'; }
check "sorted by host: alpha first" test "$(first_row)" = alpha
$T send-keys -t con I
sleep 0.3
check "I inverts: gamma first" test "$(first_row)" = gamma
check "... the title says so" on_screen "sorted by host, reversed"
$T send-keys -t con /
sleep 0.3
check "/ : the footer says how to filter" on_screen "type to filter VMs by name or host"
$T send-keys -t con b e Enter
sleep 0.3
check "filter 'be': only beta" bash -c "[ \"\$($T capture-pane -p -t con | grep -c 'running')\" = 1 ] && $T capture-pane -p -t con | grep -q 'hostA    beta'"
check "... the title shows the filter" on_screen "filter: be"
$T send-keys -t con / Escape
sleep 0.3
check "/ then Esc clears it: three again" bash -c "[ \"\$($T capture-pane -p -t con | grep -c 'running')\" = 3 ]"
# A click on VCPU% (column 50, row 3 of the screen: header y=2), X10 mouse
# encoding as a terminal sends it: ESC [ M, button+32, x+33, y+33.
click() { $T send-keys -t con -l "$(printf '\033[M %b%b\033[M#%b%b' "\\$(printf %o $(($1 + 33)))" "\\$(printf %o $(($2 + 33)))" "\\$(printf %o $(($1 + 33)))" "\\$(printf %o $(($2 + 33)))")"; }
click 50 2
sleep 0.4
check "a click on VCPU%: sorted by it, busiest first (beta)" test "$(first_row)" = beta
check "... the title says vcpu%" on_screen "sorted by vcpu%"
click 50 2
sleep 0.4
check "a second click reverses it (alpha first)" test "$(first_row)" = alpha
$T send-keys -t con F2
check "F2: the next theme" wait_for "theme: light" 2
$T send-keys -t con F10
check "F10 quits" bash -c "sleep 0.5; ! $T capture-pane -p -t con | grep -q 'sorted by'"

# A small terminal.
replay_at 60 20 8
check "60x20: the replay plays" wait_for "Migration 3 of kv1: CANCELLED" 15
check "60x20: the title bar is one row (row 2 is not its tail)" \
	bash -c "$T capture-pane -p -t con | sed -n 2p | grep -qv 'ranks'"
check "60x20: the card is drawn, inside the screen" on_screen "Migration 3 of kv1"
$T resize-window -t con -x 30 -y 8
sleep 0.3
check "30x8: the console says the window is too small" on_screen "window too small"
$T send-keys -t con '?'
sleep 0.3
$T resize-window -t con -x 120 -y 40
sleep 0.5
check "a key pressed while the window was too small did nothing unseen (no help now)" \
	bash -c "! $T capture-pane -p -t con | grep -q 'dsmig console: keys'"
reset_tmux

# ---- (b) live, on real guests ------------------------------------------------
if ! require_vms 2>/dev/null; then
	skip "console polish (live): no accelerator for guests here"
	exit 0
fi
STATE=$W/live-state
HOSTS=$W/hosts
printf 'name=hostA runtime=%s\nname=hostB runtime=%s\n' "$HOST_A" "$HOST_B" >"$HOSTS"
console() {
	reset_tmux
	$T new-session -d -s con -x "$1" -y "$2" \
		"cd '$PWD'; LANG=C.UTF-8 DSMIG_HOSTS='$HOSTS' XDG_STATE_HOME='$STATE' '$DSMIG'"
}

start_vm aa idle
start_vm zz memory
console 140 40
check "hosts view lists both VMs" wait_for "hostA    zz" 5
$T send-keys -t con Down   # rows by host, then name: aa, zz
sleep 0.3
check "the selected row is drawn in the theme's colours, not reversed" no_reverse "hostA    zz"
# aa moves to hostB behind the console's back: the table re-sorts (zz
# first); the cursor must stay on zz.
"$DSMIG" migrate aa --to "$HOST_B" --bandwidth 0 >"$W/aa.out" 2>&1
check "aa moved (outside the console)" wait_for "hostB    aa" 10
check "... and left hostA: zz is now the first row" bash -c "for i in \$(seq 50); do $T capture-pane -p -t con | grep -q 'hostA    aa' || exit 0; sleep 0.1; done; exit 1"
$T send-keys -t con Enter
check "the selection stayed on zz: Enter opens zz's dialog" wait_for "Migrate zz from hostA" 3

# zz stops while its dialog is open: launching must not start anything.
"$VMM" ctl zz quit >/dev/null
check "zz is gone from the table" bash -c "for i in \$(seq 30); do $T capture-pane -p -t con | grep -q 'hostA    zz' || exit 0; sleep 0.1; done; exit 1"
$T send-keys -t con Enter
check "launching a VM that stopped says so" wait_for "cannot migrate zz: it is no longer on hostA; nothing was started" 3
check "... and starts no migration" bash -c "! $T capture-pane -p -t con | grep -q 'migration 1:'"

# A capped run, cancelled: the quit question at 60x20, then no stale line.
start_vm cc memory
check "cc is listed" wait_for "hostA    cc" 5
$T send-keys -t con Up Up Up
sleep 0.3
$T send-keys -t con Enter
check "cc's dialog" wait_for "Migrate cc from hostA" 3
$T send-keys -t con Down Down BSpace BSpace BSpace 1 M Enter
check "the 1M run starts" wait_for "migration 1: cc hostA -> hostB" 5
$T resize-window -t con -x 60 -y 20
sleep 0.3
$T send-keys -t con q
check "60x20: the quit question is shown" wait_for "Quit anyway" 2
$T send-keys -t con n
check "... and n keeps the console" bash -c "sleep 0.3; $T capture-pane -p -t con | grep -q 'migration 1'"
$T resize-window -t con -x 140 -y 40
sleep 4
$T send-keys -t con c
check "the cancelled run's card says CANCELLED" wait_for "Migration 1 of cc: CANCELLED" 30
check "... and the status line no longer says cancelling" \
	bash -c "! $T capture-pane -p -t con | grep -q 'cancelling'"
check "... nor migrating" bash -c "! $T capture-pane -p -t con | grep -q 'migrating cc'"
check "... it says where the VMMs have the VM" wait_for "The VMMs say the VM is running on hostA" 3
$T send-keys -t con q
sleep 1
session=$(ls -t "$STATE"/dsmig/*.jsonl 2>/dev/null | head -1)
check "the session was recorded" test -n "$session"
check "... its VM probe records are all ones the reader takes (dirty_pps a number or absent)" \
	jq -e -s '[.[] | select(.probe == "vm" and has("dirty_pps") and (.dirty_pps | type) != "number")] | length == 0' "$session"
# Throughput per 100 ms bin: each net record's bps is its counter's growth
# since the previous record (within 5%; a 1 s window is not).
bins=$(jq -s '[.[] | select(.src == "probe" and .probe == "net")] as $n
	| [range(1; $n | length) | [$n[.], $n[. - 1]]
	   | select(.[0].bytes > .[1].bytes + 1000)
	   | ((.[0].bytes - .[1].bytes) * 8e9 / (.[0].t - .[1].t)) as $bin
	   | (.[0].bps - $bin) / $bin | fabs]
	| {n: length, bad: map(select(. > 0.05)) | length}' "$session")
echo "# net bins: $(tr -d ' \n' <<<"$bins")"
check "the throughput is per 100 ms bin" \
	jq -e '.n >= 5 and .bad <= (.n / 10)' <<<"$bins"

# DIRTY/s: the VMM's own per-second window, however often it is asked.
start_vm dd memory
sleep 1.5
for _ in $(seq 30); do "$VMM" ctl dd query-stats >"$W/fast.json"; sleep 0.1; done
fast=$(jq .dirty_pps "$W/fast.json")
for _ in 1 2 3; do sleep 1.05; "$VMM" ctl dd query-stats >"$W/slow.json"; done
slow=$(jq .dirty_pps "$W/slow.json")
echo "# dirty_pps asked every 100 ms: $fast, every second: $slow"
check "DIRTY/s asked every 100 ms or every second agree within 30% ($fast, $slow)" \
	holds "$fast > 0 and $slow > 0 and ($fast / $slow) > 0.7 and ($fast / $slow) < 1.43"
