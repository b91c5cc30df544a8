#!/bin/bash
# The real console in a real terminal (tmux): a live migration of the idle
# guest launched from the dialog and watched to its summary card, a resize
# mid-run, a cancel that leaves the source running, then the recorded
# session replayed (also corrupted) to the same numbers, themes, NO_COLOR
# and the ASCII fallback.
. "$(dirname "$0")/lib.sh"
require_vms
command -v tmux >/dev/null || { skip "console: tmux is missing"; exit 0; }

T="tmux -L dsmig-test-$$"
STATE=$(mktemp -d /tmp/dsmig-state.XXXXXX)
HOSTS=$HOST_A/hosts
printf 'name=hostA runtime=%s\nname=hostB runtime=%s\n' "$HOST_A" "$HOST_B" >"$HOSTS"
trap '$T kill-server 2>/dev/null; rm -rf "$STATE"; cleanup' EXIT

# has_colour: the screen uses a foreground colour (tmux's own default-colour
# resets, 39 and 49, do not count).
has_colour() { $T capture-pane -e -p -t con | grep -Eq $'\e\\[([0-9]+;)*(3[0-8]|9[0-7])[;m]'; }
no_colour() { ! has_colour; }
# no_fancy_glyphs: neither braille (U+2800-28FF) nor box drawing (U+2500-257F).
no_fancy_glyphs() { ! $T capture-pane -p -t con | LC_ALL=C.UTF-8 grep -qP '[\x{2800}-\x{28FF}\x{2500}-\x{257F}]'; }
console() {
	$T new-session -d -s con -x 140 -y 40 \
		"cd '$PWD'; LANG=C.UTF-8 DSMIG_HOSTS='$HOSTS' XDG_STATE_HOME='$STATE' $*"
}

start_vm idle idle
start_vm big idle -- region=16M

# --- a live migration from the dialog --------------------------------------
console "$DSMIG"
check "hosts view lists the VMs" wait_for "hostA    idle" 5
check "hosts view shows a vCPU sparkline" wait_for "▁" 5
$T send-keys -t con Down   # rows sorted by host, then name: big, idle
check "dialog opens on Enter" bash -c "sleep 0.3; $T send-keys -t con Enter; sleep 0.5; $T capture-pane -p -t con | grep -q 'Migrate idle from hostA'"
check "dialog offers hostB and the 12 Mbit/s default" bash -c "$T capture-pane -p -t con | grep -q '< hostB >' && $T capture-pane -p -t con | grep -q '12M bit/s'"
$T send-keys -t con Enter
check "the migration view comes up" wait_for "migration 1: idle hostA -> hostB" 5
check "the throughput chart draws the cap line" wait_for "╌cap╌" 10
$T resize-window -t con -x 110 -y 34
sleep 0.5
check "after a resize the footer is on the last row" \
	bash -c "$T capture-pane -p -t con | tail -1 | grep -q 'c cancel'"
check "after a resize the title is on the first row" \
	bash -c "$T capture-pane -p -t con | head -1 | grep -q 'migration 1: idle'"
check "the summary card appears at the end" wait_for "Migration 1 of idle: done" 30
check "the downtime readout shows the phases" wait_for "stop-and-copy" 2
check "the idle VM now runs on hostB" \
	test "$(on_b "$VMM" ctl idle query-status | jq -r .status)" = running

# --- cancel leaves the source running -------------------------------------
$T send-keys -t con Escape
sleep 0.3
$T send-keys -t con Tab
check "back on the hosts view" wait_for "hostA    big" 5
# select "big" (the first row when sorted by host, then name)
$T send-keys -t con Up Up Up
sleep 0.3
$T send-keys -t con Enter
check "dialog for the big VM" wait_for "Migrate big from hostA" 3
$T send-keys -t con Enter
check "the second migration runs" wait_for "migration 2: big hostA -> hostB" 5
sleep 2
$T send-keys -t con c
check "cancel: the card says CANCELLED" wait_for "Migration 2 of big: CANCELLED" 30
check "cancel: the reason is given" wait_for "cancelled by the operator" 2
check "cancel: the source VM still runs" \
	test "$(field big query-status .status)" = running
$T send-keys -t con q
sleep 1
log=$(ls "$STATE"/dsmig/session-*.jsonl | head -1)
check "the session was recorded" test -s "$log"
check "the recording is closed cleanly" bash -c "tail -1 '$log' | jq -e '.src == \"session\" and .event == \"close\"' >/dev/null"
down=$(jq -r 'select(.src=="engine" and .mig==1 and .ev.type=="summary") | .ev.downtime_ns / 1e6' "$log")
check "the recording holds the engine summary" test -n "$down"
check "the run is kept for the next session's comparison" \
	test "$(jq .downtime_ns "$STATE/dsmig/last-idle-precopy-12M.json")" = \
	     "$(jq -r 'select(.src=="engine" and .mig==1 and .ev.type=="summary") | .ev.downtime_ns' "$log")"
down=$(printf '%.1f' "$down")   # as the summary card prints it
reset_tmux

# --- replay -------------------------------------------------------------------
# The log up to the end of migration 1, so that its card stays on screen.
end1=$(grep -n '"src":"migration"' "$log" | grep '"event":"exit"' | head -1 | cut -d: -f1)
log1=$STATE/mig1.jsonl
head -n "$end1" "$log" >"$log1"
console "$DSMIG" replay "$log1" --speed 8
check "replay: the first migration plays" wait_for "migration 1: idle hostA -> hostB" 20
check "replay: the same summary card" wait_for "Migration 1 of idle: done" 20
check "replay: the same downtime ($down ms)" wait_for "Downtime .engine. *$down ms" 2
check "replay: status bar shows replay time and speed" bash -c "$T capture-pane -p -t con | head -1 | grep -q 'replay .* x8'"
$T send-keys -t con q
reset_tmux

# A corrupted copy: a garbage line in the middle, the last line cut short.
bad=$STATE/bad.jsonl
n=$(wc -l <"$log")
{ head -n $((n / 2)) "$log"; echo 'this is not json {'; tail -n +$((n / 2 + 1)) "$log" | head -c -40; } >"$bad"
console "$DSMIG" replay "$bad" --speed 16
check "corrupt log: the error names the first bad line" wait_for "bad lines skipped (first: line $((n / 2 + 1)))" 5
check "corrupt log: it still plays past the bad line" wait_for "Migration 2 of big: CANCELLED" 20
reset_tmux
printf 'garbage\nmore garbage\n' >"$STATE/garbage.jsonl"
out=$("$DSMIG" replay "$STATE/garbage.jsonl" 2>&1)
check "a log without records: exit 1 with a clear error" \
	bash -c "[ $? -ne 0 ] && grep -q 'no valid session records' <<<'$out'"

# --- themes, NO_COLOR, ASCII --------------------------------------------------
printf 'text = white\nseries1 = green\ntitle = purpel\n' >"$STATE/bad.theme"
out=$("$DSMIG" replay "$log" --theme "$STATE/bad.theme" 2>&1)
check "a malformed theme names the file and line" grep -q "bad.theme:3" <<<"$out"

console "$DSMIG" replay "$log1" --speed 8
wait_for "Migration 1 of idle" 20 >/dev/null
check "default theme: colours are used" has_colour
reset_tmux
console NO_COLOR=1 "$DSMIG" replay "$log1" --speed 8
wait_for "Migration 1 of idle" 20 >/dev/null
check "NO_COLOR: no colour escapes" no_colour
reset_tmux
$T new-session -d -s con -x 140 -y 40 "cd '$PWD'; LANG=C LC_ALL=C XDG_STATE_HOME='$STATE' '$DSMIG' replay '$log1' --speed 8"
check "ASCII fallback: the screen has content" wait_for "Migration 1 of idle" 20
check "ASCII fallback: no braille or box glyphs when the locale is not UTF-8" no_fancy_glyphs
reset_tmux

# --- batch mode -----------------------------------------------------------
out=$(DSMIG_HOSTS=$HOSTS "$DSMIG" top -b -n 1 -d 0.3)
check "top -b prints the VMs as text" grep -Eq "^hostA +big +running" <<<"$out"
