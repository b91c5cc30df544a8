#!/bin/bash
# The migration queue (issue 14, "Hosts and fleet"), live on real guests
# in a terminal (tmux): Space tags VMs, Enter opens the batch's dialog,
# Launch queues one migration each and shows the queue view (w); with
# parallel 1 they run one at a time, in turn; c cancels a queued item,
# which never starts (its VM stays on its source); e (evacuate host)
# tags every running VM of a host, and with parallel 2 two run at once
# until the host has none left; `dsmig replay` of the session shows the
# same final queue. Small guests (16 MiB), uncapped, to stay quick.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { skip "console queue: tmux is missing"; exit 0; }
require_vms

W=$HOST_A
T="tmux -L dsmig-queue-test-$$"
trap '$T kill-server 2>/dev/null; cleanup' EXIT
STATE=$W/state
HOSTS=$W/hosts
printf 'name=hostA runtime=%s\nname=hostB runtime=%s\n' "$HOST_A" "$HOST_B" >"$HOSTS"

# tag VM: filter the hosts view down to VM, tag it (Space), clear the
# filter.
tag() { $T send-keys -t con / "$1" Enter Space / Escape; sleep 0.3; }
# queue_rows: the queue view's item rows as "ID STATE VM".
queue_rows() { screen | awk '$1 ~ /^[0-9]+$/ && $3 ~ /^(q|e)[0-9]$/ { print $1, $2, $3 }'; }
# marked_rows N: within 3 s the hosts view shows N tagged rows of hostA.
marked_rows() {
	local i
	for i in $(seq 30); do
		[ "$(screen | grep -c '^\*hostA ')" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
# row_is ID STATE VM: the queue view has that row.
row_is() { queue_rows | grep -qx "$1 $2 $3"; }
# watch_queue SECONDS: until the queue has nothing running or queued;
# prints the most items seen running at once (the title bar's count).
watch_queue() {
	local i n most=0
	for i in $(seq $(($1 * 10))); do
		n=$(screen | sed -n 's/.*dsmig  queue ([0-9]*): \([0-9]*\) running.*/\1/p')
		[ -n "$n" ] && [ "$n" -gt "$most" ] && most=$n
		screen | grep -q ': 0 running, 0 queued,' && break
		sleep 0.1
	done
	echo "$most"
}

start_vm q1 idle --mem 16M
start_vm q2 cpu --mem 16M
start_vm q3 idle --mem 16M
$T new-session -d -s con -x 140 -y 40 \
	"cd '$PWD'; LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' DSMIG_HOSTS='$HOSTS' XDG_STATE_HOME='$STATE' '$DSMIG'; sleep 5"
check "the hosts view lists the three VMs" wait_for "hostA    q3" 10

# ---- tag three, parallel 1 ---------------------------------------------------
tag q1
tag q2
tag q3
check "Space tags: the three rows are marked" \
	test "$(screen | grep -c '^\*hostA    q[123] ')" = 3
check "... the status line counts them" on_screen "q3 tagged; 3 tagged"
$T send-keys -t con Enter
check "Enter opens the batch's dialog, naming the VMs" wait_for "Migrate 3 VMs: q1, q2, q3" 3
check "... with a parallel field, 1 at a time" on_screen "Parallel +< 1 > at a time"
$T send-keys -t con Down Down BSpace BSpace BSpace 0 Enter   # uncapped
check "Launch queues them and shows the queue: one running, two queued" \
	wait_for "queue (3): 1 running, 2 queued, 1 at a time" 5
check "... the status line says what was queued" on_screen "queued 3 to hostB: q1, q2, q3"
$T send-keys -t con Down Down c
check "c cancels the selected queued item (q3)" wait_for "cancelled item 3 (q3)" 3
check "... its row says cancelled" row_is 3 cancelled q3
most=$(watch_queue 90)
check "parallel 1: never more than one ran at once (most: $most)" test "$most" = 1
check "... and each was done in turn" \
	test "$(queue_rows | tr '\n' ' ')" = "1 done q1 2 done q2 3 cancelled q3 "
check "... q1 and q2 run on hostB" \
	bash -c "[ \"\$(DSMIG_RUNTIME_DIR='$HOST_B' '$VMM' ctl q1 query-status | jq -r .status)\" = running ] &&
		 [ \"\$(DSMIG_RUNTIME_DIR='$HOST_B' '$VMM' ctl q2 query-status | jq -r .status)\" = running ]"
check "the cancelled item never started: q3 runs on its source" \
	test "$(ctl q3 query-status | jq -r .status)" = running
check "... and is not on hostB" bash -c "! DSMIG_RUNTIME_DIR='$HOST_B' '$VMM' ctl q3 query-status >/dev/null 2>&1"
session=$(ls -t "$STATE"/dsmig/session-*.jsonl 2>/dev/null | head -1)
check "... and no migration of q3 was started (session log)" \
	jq -e -s '[.[] | select(.src == "migration" and .event == "start" and .vm == "q3")] | length == 0' "$session"

# ---- evacuate hostA, parallel 2 -------------------------------------------------
start_vm e1 idle --mem 16M
start_vm e2 idle --mem 16M
$T send-keys -t con Tab
check "the hosts view's bottom line sums the queue" \
	wait_for "queue: 0 running, 0 queued, 2 done, 1 cancelled (w to watch)" 3
check "e1 and e2 are listed" wait_for "hostA    e2" 5
$T send-keys -t con / q3 Enter e / Escape
check "e tags the host's running VMs" wait_for "evacuate hostA: its 3 running VMs tagged" 3
# The filter's Escape may still be on its way (ncurses holds a lone ESC
# for its escape delay): the rows are counted once the filter is gone.
check "... all three marked" marked_rows 3
tag q1    # on hostB already: refused at launch
$T send-keys -t con Enter
check "the batch's dialog: 4 VMs" wait_for "Migrate 4 VMs:" 3
# uncapped, then Ranks, Max iterations, Verify, Parallel: 2.
$T send-keys -t con Down Down BSpace BSpace BSpace 0 Down Down Down Down Right
check "... parallel 2" wait_for "Parallel  *< 2 > at a time" 3
$T send-keys -t con Enter
check "the queue view: 2 at a time" wait_for "queue (6): .* 2 at a time" 5
check "a VM on the destination already is not queued, and the status line says why" \
	on_screen "queued 3 to hostB: .*; not queued: q1 is on hostB already"
most=$(watch_queue 90)
check "parallel 2: two ran at once (most: $most)" test "$most" = 2
$T capture-pane -p -t con >"$W/live-queue.txt"
sed 's/^/# /' "$W/live-queue.txt" | sed -n 1,10p
check "... the evacuation's three items are done: q3, e1, e2" \
	test "$(queue_rows | awk '$1 > 3 && $2 == "done" { print $3 }' | sort | tr '\n' ' ')" = "e1 e2 q3 "
"$DSMIG" top -b -n 1 --hosts "$HOSTS" >"$W/top.txt" 2>&1
sed 's/^/# /' "$W/top.txt"
check "hostA has no running VM left (dsmig top -b)" \
	bash -c "! grep -Eq '^hostA +[a-z0-9]+ +running' '$W/top.txt'"
check "... hostB runs all five" \
	test "$(grep -Ec '^hostB +(q1|q2|q3|e1|e2) +running' "$W/top.txt")" = 5
# Each evacuated VM's detail view lists its migration, also those that
# ended while another was in front (the charts' migration).
$T send-keys -t con Tab
for vm in q3 e1 e2; do
	$T send-keys -t con / "$vm" Enter i
	check "$vm's detail view lists its queued migration as done" \
		wait_for "hostA -> hostB  *done" 3
	$T send-keys -t con Escape / Escape
	sleep 0.3
done
$T send-keys -t con w
live_rows=$(queue_rows | tr '\n' ' ')

# ---- the replay shows the same queue --------------------------------------------
$T send-keys -t con q
sleep 1.5
reset_tmux
$T new-session -d -s con -x 140 -y 40 \
	"cd '$PWD'; LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' '$DSMIG' replay '$session' --speed 64; sleep 5"
check "the session replays" wait_for "replay" 5
$T send-keys -t con G
sleep 0.5
$T send-keys -t con w
check "replay, at its end, w: the queue view" wait_for "queue (6): 0 running, 0 queued, 2 at a time" 5
check "... the same final states as live ($live_rows)" test "$(queue_rows | tr '\n' ' ')" = "$live_rows"
$T send-keys -t con c
check "... and c there cannot change it" wait_for "replay: the queue cannot be changed" 3
