#!/bin/bash
# The hosts view's host rows and the VM detail view (issue 14, "Hosts and
# fleet"), in a real terminal (tmux):
#  (a) a replay of a hand-written session (runs without KVM): a row per
#      host, hostB's with 0 VMs; the host probe's CPU %, memory and link
#      on it; a hostile host record refused and counted; host rows are
#      not selectable (keys and clicks select VMs only); i opens the
#      selected VM's detail view, Esc goes back.
#  (b) live, on real guests, both on hostA: hostB's row with 0 VMs, the
#      machine's CPU % and MiB on the host rows; the detail view of a VM
#      with its configuration, then after one uncapped precopy migration
#      that migration in its history with a result and its rounds; the
#      same detail view in `dsmig replay` of the session's log; the log's
#      host records about once a second; `dsmig top -b` prints the hosts.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { skip "console hosts: tmux is missing"; exit 0; }

W=$HOST_A
T="tmux -L dsmig-hosts-test-$$"
trap '$T kill-server 2>/dev/null; cleanup' EXIT

# click X Y: a left click at screen column X, row Y (X10 mouse encoding
# as a terminal sends it: ESC [ M, button+32, x+33, y+33; press, release).
click() { $T send-keys -t con -l "$(printf '\033[M %b%b\033[M#%b%b' "\\$(printf %o $(($1 + 33)))" "\\$(printf %o $(($2 + 33)))" "\\$(printf %o $(($1 + 33)))" "\\$(printf %o $(($2 + 33)))")"; }
# row N: screen row N (0-based, as the console counts them).
row() { screen | sed -n "$(($1 + 1))p"; }

# ---- (a) a hand-written session ------------------------------------------------
hostrec() {
	rec "$1" "\"src\":\"probe\",\"probe\":\"host\",\"host\":\"$2\",\"hv\":\"kvm\",\"cpu_pct\":$3,\"mem_used\":1073741824,\"mem_total\":4294967296,\"link\":\"12 Mbit/s lab link\",\"link_bps\":12000000,\"shared\":true"
}
vmrec() {
	rec "$1" "\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"hostA\",\"vm\":\"$2\",\"state\":\"running\",\"workload\":\"idle\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[5.0],\"progress\":1,\"progress_ps\":1.0"
}
{
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":12000000'
	hostrec 50 hostA 37.5
	hostrec 50 hostB 37.5
	# hostile: a CPU % no machine has
	rec 60 '"src":"probe","probe":"host","host":"hostB","hv":"kvm","cpu_pct":250,"link":"x"'
	for ms in 100 600 1100; do vmrec $ms alpha; vmrec $ms beta; done
	rec 60000 '"src":"session","event":"close"'
} >"$W/hosts.jsonl"
$T new-session -d -s con -x 140 -y 40 \
	"LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' XDG_STATE_HOME='$W/state' '$DSMIG' replay '$W/hosts.jsonl'; sleep 5"
check "replay: both VMs listed" wait_for "hostA    beta" 5
check "a row for hostB, which has no VM" on_screen "^ hostB +kvm .* 0 VMs"
check "hostA's row counts its 2 VMs" on_screen "^ hostA +kvm .* 2 VMs"
check "the host row shows the host probe's CPU %" on_screen "^ hostA .*CPU +37\.5%"
check "... its memory used/total in MiB, shared" on_screen "^ hostA .*MEM 1024/4096 MiB +shared"
check "... and its link" on_screen "^ hostA .*link: 12 Mbit/s lab link"
check "the hostile host record is refused and counted" on_screen "log: 1 refused"
check "the host rows come first, then their VMs" \
	bash -c "[ \"\$($T capture-pane -p -t con | sed -n '4,7p' | awk '{print \$2}' | paste -sd,)\" = kvm,alpha,beta,kvm ]"
# Keys move over VMs only: Down from alpha is beta, Down again stays.
$T send-keys -t con Down Down
sleep 0.3
$T send-keys -t con i
check "i: the detail view of the selected VM (Down twice: beta, not a host)" \
	wait_for "VM beta on hostA \[running\]" 3
check "... its configuration" on_screen "workload +idle"
check "... no migration yet" bash -c "$T capture-pane -p -t con | grep -A1 'Migrations this session' | grep -q none"
check "... its footer names its keys" on_screen "Esc/i back"
$T send-keys -t con Escape
check "Esc: back to the hosts view" wait_for "sorted by host" 3
click 20 4          # alpha's row (y=4, under hostA's at y=3)
sleep 0.3
click 20 3          # hostA's row: not selectable, alpha stays selected
sleep 0.3
$T send-keys -t con F3
check "a click selects the VM of that row, one on a host row selects nothing: F3 shows alpha" \
	wait_for "VM alpha on hostA" 3
$T send-keys -t con i
check "i again: back to the hosts view" wait_for "sorted by host" 3
$T send-keys -t con '?'
check "the help lists i and F3" wait_for "i, F3 " 3
$T send-keys -t con q
reset_tmux

# ---- (b) live, on real guests ------------------------------------------------
if ! require_vms 2>/dev/null; then
	skip "console hosts (live): no accelerator for guests here"
	exit 0
fi
STATE=$W/live-state
HOSTS=$W/hosts
printf 'name=hostA runtime=%s\nname=hostB runtime=%s\n' "$HOST_A" "$HOST_B" >"$HOSTS"
start_vm aa idle
start_vm bb idle

out=$(DSMIG_HOSTS=$HOSTS "$DSMIG" top -b -n 1 -d 0.3)
check "top -b prints a row per host, hostB's with 0 VMs" \
	grep -Eq "^hostB +kvm +[0-9.]+ +[0-9]+ +[0-9]+ +yes +0  loopback \(unshaped\)" <<<"$out"
check "... hostA's with its 2 VMs" grep -Eq "^hostA +kvm .* 2  loopback" <<<"$out"
check "... and the VMs as before" grep -Eq "^hostA +aa +running" <<<"$out"

$T new-session -d -s con -x 140 -y 40 \
	"cd '$PWD'; LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' DSMIG_HOSTS='$HOSTS' XDG_STATE_HOME='$STATE' '$DSMIG'"
check "live: both VMs on hostA" wait_for "hostA    bb" 5
check "hostB's row shows, with 0 VMs" wait_for "^ hostB  *kvm .* 0 VMs" 5
check "the host row shows the machine's CPU % (after a second)" \
	wait_for "^ hostA  *kvm  *CPU  *[0-9][0-9]*\.[0-9]%" 5
check "... and memory used/total in MiB, shared" on_screen "^ hostA .*MEM [0-9]+/[0-9]+ MiB +shared"
check "... and the link: loopback" on_screen "^ hostB .*link: loopback \(unshaped\)"
$T send-keys -t con i
check "i: aa's detail view" wait_for "VM aa on hostA \[running\]" 3
check "... its configuration: host, hypervisor, vCPUs, workload" \
	bash -c "$T capture-pane -p -t con | grep -Eq 'host +hostA +hypervisor +kvm' && $T capture-pane -p -t con | grep -Eq 'vCPUs +1 .*workload +idle'"
# Migrate aa, uncapped: Enter opens the dialog from the detail view too.
$T send-keys -t con Enter
check "aa's dialog" wait_for "Migrate aa from hostA" 3
$T send-keys -t con Down Down BSpace BSpace BSpace 0 Enter
check "the migration runs" wait_for "migration 1: aa hostA -> hostB" 5
check "... to its end" wait_for "Migration 1 of aa: done" 60
$T send-keys -t con Escape Tab
check "back on the hosts view: aa now on hostB" wait_for "hostB    aa" 5
$T send-keys -t con i
check "aa's detail view follows it to hostB" wait_for "VM aa on hostB" 3
mig_row='^ +1  precopy +none +hostA -> hostB +done +[0-9.]+ m?s +[0-9.]+ m?s +[0-9.]+ m?s +[0-9.]+ MiB'
check "... its migration in the history: method, cap, hosts, result, stall, downtime, time, bytes" \
	on_screen "$mig_row"
check "... and the rounds of it" on_screen "Rounds of migration 1"
check "... round 0 with its pages" on_screen "^ +0 +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ MiB +[0-9.]+ s"
screen >"$W/detail-live.txt"
$T send-keys -t con q
sleep 1
reset_tmux
log=$(ls -t "$STATE"/dsmig/session-*.jsonl 2>/dev/null | head -1)
check "the session was recorded" test -n "$log"
check "its host records: about one a second per host, each one the reader takes" \
	jq -e -s '([.[] | select(.src == "probe" and .probe == "host")]) as $h
		| ((.[-1].t - .[0].t) / 1e9) as $secs
		| ($h | length) >= 2 and ($h | length) <= 2 * ($secs + 2)
		  and ($h | all(.hv == "kvm" and (.link | type) == "string" and .mem_total > 0))' \
		"$log" >/dev/null

$T new-session -d -s con -x 140 -y 40 \
	"LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' XDG_STATE_HOME='$W/state' '$DSMIG' replay '$log'; sleep 5"
check "replay: it plays" wait_for "replay " 5
$T send-keys -t con G
sleep 0.5
$T send-keys -t con Escape
sleep 0.3
$T send-keys -t con Tab
check "replay, at the end: the hosts view with aa on hostB" wait_for "hostB    aa" 5
check "... hostB's host row counts it" on_screen "^ hostB +kvm .* 1 VM "
# Grouped by host: bb (hostA) first, then aa (hostB).
$T send-keys -t con Down
sleep 0.3
$T send-keys -t con i
check "replay: aa's detail view" wait_for "VM aa on hostB" 3
check "... the same migration in its history" on_screen "$mig_row"
check "... the same row as live" \
	bash -c "[ \"\$(grep -E '$mig_row' '$W/detail-live.txt')\" = \"\$($T capture-pane -p -t con | grep -E '$mig_row')\" ]"
check "... and its rounds" on_screen "Rounds of migration 1"
$T send-keys -t con q
