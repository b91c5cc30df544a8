#!/bin/bash
# Starting, pausing, resuming and stopping VMs from the console, in a
# real terminal (tmux), over two hosts that are runtime directories on
# this machine (never the lab): the start dialog refuses what the VMM
# would refuse (a name with a slash or a space, memory that is no size,
# a name a VM has) and starts nothing then; it starts a VM that answers
# its control socket; z pauses and resumes it; K asks, n keeps it, y
# stops it and its row goes; a VM under a migration is neither stopped
# nor paused; the session log has the operator's records and their
# results, and a replay shows them without acting on anything.
. "$(dirname "$0")/lib.sh"
require_vms
command -v tmux >/dev/null || { skip "console vmact: tmux is missing"; exit 0; }

T="tmux -L dsmig-vmact-test-$$"
trap '$T kill-server 2>/dev/null; cleanup' EXIT
# The hosts file and the session logs beside hostB's sockets (the VM
# probe takes only *.sock there).
STATE=$HOST_B/state
HOSTS=$HOST_B/hosts
echo "name=hostA runtime=$HOST_A" >"$HOSTS"
echo "name=hostB runtime=$HOST_B" >>"$HOSTS"

console() {
	$T new-session -d -s con -x 140 -y 40 \
		"cd '$PWD'; LANG=C.UTF-8 DSMIG_HOSTS='$HOSTS' XDG_STATE_HOME='$STATE' $*"
}
# status_is TEXT: the status line (above the footer) holds TEXT.
status_is() { $T capture-pane -p -t con | tail -2 | head -1 | grep -qF -- "$1"; }
wait_status() {
	local i
	for i in $(seq $(($2 * 10))); do
		status_is "$1" && return 0
		sleep 0.1
	done
	echo "# status line while waiting for '$1':"
	$T capture-pane -p -t con | tail -2 | sed 's/^/# /'
	return 1
}
socks() { ls "$HOST_A" "$HOST_B" | grep -c '\.sock$'; }
status_of() { "$VMM" ctl "$HOST_A/$1.sock" query-status 2>/dev/null | jq -r .status; }
# type_in TEXT: clear the focused text field and type TEXT.
type_in() {
	$T send-keys -t con BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
	$T send-keys -t con -l "$1"
}
# refused WHAT TEXT REASON: TEXT typed in the focused field, Enter says
# REASON and starts nothing.
refused() {
	type_in "$2"
	$T send-keys -t con Enter
	check "$1 is refused" wait_status "nothing started: $3" 3
}

start_vm base idle
console "'$DSMIG'"
check "hosts view lists base" wait_for "hostA    base" 5

# ---- a VM under a migration: neither stopped nor paused ---------------------
$T send-keys -t con Enter
check "base's migration dialog" wait_for "Migrate base from hostA" 3
$T send-keys -t con Down Down BSpace BSpace BSpace 1 M Enter
check "base migrates (capped at 1M, long enough)" wait_for "migration 1: base hostA -> hostB" 5
# The console brings the migration's view to the front on the tick after
# the launch; Tab before that would be undone by it.
wait_for "Network throughput against the cap" 5 >/dev/null
$T send-keys -t con Tab
check "back on the hosts view" wait_for "hostA    base" 3
$T send-keys -t con K
check "K on a migrating VM is refused, with why" \
	wait_status "cannot stop base: base is being migrated" 3
check "... and asks nothing" bash -c "! $T capture-pane -p -t con | grep -q 'Stop VM base'"
$T send-keys -t con z
check "z on a migrating VM is refused too" wait_status "cannot pause base: base is being migrated" 3
check "... base still runs on hostA" test "$(status_of base)" = running
$T send-keys -t con c
check "the migration is cancelled" wait_for "migration 1: base hostA -> hostB: failed" 30
check "... base still runs on hostA after it" test "$(status_of base)" = running

# ---- the start dialog refuses what the VMM would refuse ---------------------
$T send-keys -t con n
check "n opens the start dialog on the selected VM's host" wait_for "Start a VM on hostA" 3
check "... it offers the guests (cpu first) and 64M" \
	bash -c "$T capture-pane -p -t con | grep -q '< cpu >' && $T capture-pane -p -t con | grep -q '64M = 64 MiB'"
$T send-keys -t con Up Right Down   # image: idle; back on the name
check "... the image idle names the VM idle" wait_for "Name  *idle" 2
before=$(socks)
refused "a name with a slash" "a/b" "name 'a/b'"
refused "a name with a space" "a b" "name 'a b'"
refused "an existing VM's name" base "a VM named base is on hostA already"
check "... the dialog says it is taken" on_screen "base  \(taken on hostA\)"
type_in "fresh"
$T send-keys -t con Down
refused "memory abc" abc "memory: 'abc' is not a size"
check "... the dialog says abc is no size" on_screen "abc  \(not a size the VMM takes\)"
refused "memory the VMM cannot give (2M)" 2M "memory '2M'"
check "... the dialog is still open" on_screen "Start a VM on hostA"
check "... and nothing was started" test "$(socks)" = "$before"

# ---- start, pause, resume, stop ---------------------------------------------
type_in "64M"
$T send-keys -t con Enter
check "fresh starts" wait_status "fresh started on hostA" 15
check "... its row appears on hostA" wait_for "hostA    fresh *running" 5
check "... its VMM answers query-status running" test "$(status_of fresh)" = running
$T send-keys -t con Down   # rows by host, then name: base, fresh
sleep 0.3
$T send-keys -t con z
check "z pauses fresh" wait_status "fresh paused on hostA" 3
check "... its VMM says paused" test "$(status_of fresh)" = paused
check "... and its row" wait_for "hostA    fresh *paused" 3
$T send-keys -t con z
check "z again resumes it" wait_status "fresh resumed on hostA" 3
check "... its VMM says running" test "$(status_of fresh)" = running
$T send-keys -t con K
check "K asks before stopping" wait_for "Stop VM fresh on hostA? \[y/N\]" 3
$T send-keys -t con n
check "n keeps it" wait_status "fresh not stopped" 3
check "... it still runs" test "$(status_of fresh)" = running
$T send-keys -t con F9
check "F9 asks too" wait_for "Stop VM fresh on hostA? \[y/N\]" 3
$T send-keys -t con y
check "y stops it" wait_status "fresh stopped on hostA" 3
check "... its socket is gone" bash -c "for i in \$(seq 30); do [ -e '$HOST_A/fresh.sock' ] || exit 0; sleep 0.1; done; exit 1"
check "... and its row" bash -c "for i in \$(seq 30); do $T capture-pane -p -t con | grep -q 'hostA    fresh' || exit 0; sleep 0.1; done; exit 1"
check "... base runs on" test "$(status_of base)" = running
$T send-keys -t con q
sleep 1
reset_tmux
log=$(ls "$STATE"/dsmig/session-*.jsonl | head -1)

# ---- a VMM that fails to start: its own reason ----------------------------------
# (its accelerator, which the console passes on, is none: the VMM exits)
console DSMIG_ACCEL=warp "'$DSMIG'" --record "'$STATE/failed.jsonl'"
check "a second console" wait_for "hostA    base" 5
$T send-keys -t con n
wait_for "Start a VM on hostA" 3 >/dev/null
type_in "doomed"
$T send-keys -t con Enter
check "a start the VMM fails says why, from the VMM's stderr" \
	wait_status "cannot start doomed on hostA: accelerator: unknown accelerator 'warp'" 15
check "... no socket is left" test ! -e "$HOST_A/doomed.sock"
$T send-keys -t con q
sleep 1
reset_tmux
failed_recorded() {
	jq -e -s '[.[] | select(.src == "vmact" and .event == "failed" and .action == "vm-start"
			      and .vm == "doomed" and (.error | startswith("accelerator: unknown")))]
		  | length == 1' "$STATE/failed.jsonl" >/dev/null
}
check "... its record says so" failed_recorded

# ---- the session log ----------------------------------------------------------
ops() { jq -c 'select(.src == "operator" and (.action | startswith("vm-"))) | [.action, .args.host, .args.vm, .args.image, .args.mem]' "$log" | tr -d '\n'; }
results() { jq -c 'select(.src == "vmact") | [.event, .action, .host, .vm]' "$log" | tr -d '\n'; }
echo "# operator: $(ops)"
echo "# results: $(results)"
check "the operator's actions are recorded, only those taken" test "$(ops)" = \
	'["vm-start","hostA","fresh","idle","64M"]["vm-pause","hostA","fresh",null,null]["vm-resume","hostA","fresh",null,null]["vm-stop","hostA","fresh",null,null]'
check "... and what became of each" test "$(results)" = \
	'["done","vm-start","hostA","fresh"]["done","vm-pause","hostA","fresh"]["done","vm-resume","hostA","fresh"]["done","vm-stop","hostA","fresh"]'
check "... the log closes cleanly" bash -c "tail -1 '$log' | jq -e '.event == \"close\"' >/dev/null"

# ---- a replay shows them and acts on nothing ----------------------------------
# A VM called fresh runs again, outside the console: a replay that acted
# would pause, resume and stop it.
start_vm fresh idle
before=$(socks)
console "'$DSMIG'" replay "'$log'" --speed 4
check "replay: the migration view with its event log" wait_for "migration 1: base hostA -> hostB" 15
check "replay: the start in the event log" wait_for "operator: start fresh on hostA (idle, 64M)" 30
check "replay: ... and its result" wait_for "fresh started on hostA" 10
check "replay: the pause" wait_for "fresh paused on hostA" 30
check "replay: the resume" wait_for "fresh resumed on hostA" 30
check "replay: the stop" wait_for "fresh stopped on hostA" 30
check "replay: no record refused" bash -c "! $T capture-pane -p -t con | grep -q 'refused'"
$T send-keys -t con Tab
sleep 0.3
$T send-keys -t con n
check "replay: n starts nothing and says so" wait_status "replay: VMs cannot be started or stopped" 3
$T send-keys -t con K
check "replay: K neither" wait_status "replay: VMs cannot be started or stopped" 3
check "replay: the fresh running here was not touched" test "$(status_of fresh)" = running
check "replay: no VM started or stopped" test "$(socks)" = "$before"
$T send-keys -t con q
reset_tmux
