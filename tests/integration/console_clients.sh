#!/bin/bash
# Without KVM: what the web clients saw, on the summary card.
#  (a) `dsmig replay` (tmux) of a hand-written session with a migration
#      and client records (`dsmig webclient`'s seconds and summary, as
#      the console copies them): the card's "Clients' longest gap" line
#      has the longest gap_ns and the sums of the seconds from the launch
#      to 3 s after the exit, not those before or later;
#  (b) the same session without client records: no such line (no zero
#      that looks measured);
#  (c) a hostile client record (a string where a number belongs) is
#      refused and counted, and the replay still shows the card, without
#      its numbers;
#  (d) the live console with --clients FILE, FILE appearing after it
#      starts and growing while it runs: its seconds and summary reach
#      the session log as client records, its per-request records and
#      its unreadable lines do not.
. "$(dirname "$0")/lib.sh"

W=$HOST_A
T="tmux -L dsmig-clients-test-$$"
trap '$T kill-server 2>/dev/null; cleanup' EXIT

if ! command -v tmux >/dev/null; then
	skip "console clients: tmux is missing"
	exit 0
fi

# csec MS SEC OK FAILED RESETS GAP_NS: a client record of a webclient second.
csec() {
	rec "$1" "\"src\":\"client\",\"event\":\"second\",\"client\":{\"v\":1,\"type\":\"webclient-second\",\"t\":$((T0 + $1 * 1000000 - 1000000000)),\"sec\":$2,\"ok\":$3,\"failed\":$4,\"resets\":$5,\"max_latency_ns\":9000000,\"outstanding\":2,\"gap_ns\":$6}"
}
session_log() {
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":12000000'
	# Before the launch: not the migration's.
	csec 500 0 100 7 0 3000000000
	rec 1000 '"src":"migration","mig":1,"event":"start","vm":"web","from":"hostA","to":"hostB","method":"precopy","bandwidth":"12M","ranks":2,"max_iters":5,"verify":false'
	eng 1100 '"type":"start","vm":"web","method":"precopy","hv":"kvm","src":"/run/a","dst":"/run/b","ranks":2,"bandwidth_bps":12000000,"mem_bytes":16777216,"vcpus":1,"max_iters":5,"target_dirty":64,"verify":false'
	csec 1500 1 200 0 0 10000000
	eng 2200 '"type":"phase","phase":"precopy"'
	csec 2500 2 150 1 0 500000000
	csec 3500 3 120 0 0 1230000000
	eng 4100 '"type":"phase","phase":"stop-and-copy","reason":"few-dirty-pages","hot_pages":0'
	eng 4460 '"type":"phase","phase":"resumed","downtime_ns":45600000,"guest_downtime_ns":47800000'
	csec 4500 4 190 0 2 20000000
	eng 5200 '"type":"phase","phase":"done"'
	eng 5210 '"type":"summary","ok":true,"total_time_ns":3010000000,"downtime_ns":45600000,"guest_downtime_ns":47800000,"bytes_total":18874368,"bytes":{"rounds":18446080,"state":400000,"verify":0,"control":28288},"iterations":3,"stop_reason":"few-dirty-pages","progress_rate":{"before":100,"during":95.5,"after":101.2},"slowdown_pct":4.5,"verify":"off","selfcheck_fail":0'
	rec 5300 '"src":"migration","mig":1,"event":"exit","status":0,"error":null'
	# Within 3 s of the exit: still the migration's.
	csec 6000 5 200 0 0 5000000
	# Later: not.
	csec 9000 8 200 5 0 3000000000
	rec 9100 '"src":"client","event":"summary","client":{"v":1,"type":"webclient-summary","t":1764300009100000000,"target":"198.19.0.10:80","conns":8,"rate":200.0,"requests":1160,"failed":13,"resets":2,"reconnects":2,"outstanding":0,"failed_by":{"status":0,"malformed":0,"timeout":13,"error":0,"connect":0},"rps_mean":127.5,"longest_gap_ns":3000000000,"longest_gap_at":1764300007500000000,"max_latency_ns":3000000000,"mean_latency_ns":2000000,"bytes_in":2375680,"duration_ns":9100000000,"interrupted":false}'
	rec 10000 '"src":"session","event":"close"'
}
LOG=$W/clients.jsonl
session_log >"$LOG"
check "the hand-written log is JSON lines" bash -c "jq -e . '$LOG' >/dev/null"

# records FILE EXPR: EXPR holds over the records of a JSON lines file.
records() { jq -s -e "$2" "$1" >/dev/null; }
on_title() { screen | head -1 | grep -q -- "$1"; }
replay() {
	reset_tmux
	$T new-session -d -s con -x 120 -y 40 \
		"LANG=C.UTF-8 XDG_STATE_HOME='$W/state' '$DSMIG' replay '$1' --speed 8"
}
LINE="Clients' longest gap +1\.23 s +\(860 requests, 1 failed, 2 resets\)"

# ---- (a) the card with the clients' line -------------------------------------
replay "$LOG"
check "replay: the summary card comes up" wait_for "Migration 1 of web: done" 10
sleep 1.5     # to the log's end: the later seconds must not count
screen | sed -n '/Migration 1 of web/,/Enter\/Esc: close/p' | sed 's/^/# /'
check "card: the clients' longest gap and the sums from the launch to 3 s after the exit" \
	on_screen "$LINE"
check "card: the clients' line next to the engine's downtime" \
	bash -c "$T capture-pane -p -t con | grep -A1 'Downtime .engine.' | grep -Eq \"$LINE\""
check "event log: the client's summary" \
	on_screen "web client 198\.19\.0\.10:80: 1160 requests, 13 failed, 2 resets, longest gap 3\.00 s"
check "title: nothing refused or skipped" bash -c "! $T capture-pane -p -t con | head -1 | grep -q 'log:'"

# ---- (b) no client records: no line ---------------------------------------------
grep -v '"src":"client"' "$LOG" >"$W/none.jsonl"
replay "$W/none.jsonl"
check "without clients: the card comes up" wait_for "Migration 1 of web: done" 10
sleep 1.5
check "without clients: no clients' line on the card" bash -c "! $T capture-pane -p -t con | grep -q \"Clients'\""

# ---- (c) a hostile client record ------------------------------------------------
{ head -5 "$LOG"
  rec 3600 '"src":"client","event":"second","client":{"v":1,"type":"webclient-second","t":1764300002600000000,"sec":3,"ok":"lots","failed":0,"resets":0,"max_latency_ns":0,"outstanding":0,"gap_ns":9000000000}'
  tail -n +6 "$LOG"; } >"$W/hostile.jsonl"
replay "$W/hostile.jsonl"
check "hostile client record: the card still comes up" wait_for "Migration 1 of web: done" 10
sleep 1.5
check "hostile client record: refused and counted in the title" on_title "log: 1 refused"
check "hostile client record: its numbers are not on the card" on_screen "$LINE"
check "hostile client record: the status line names the line" \
	on_screen "1 bad lines skipped \(first: line 6\); playing the rest"
reset_tmux

# ---- (d) the live console follows --clients FILE --------------------------------
HOSTS=$W/hosts
printf 'name=hostA runtime=%s\nname=hostB runtime=%s\n' "$HOST_A" "$HOST_B" >"$HOSTS"
CF=$W/wc.jsonl
$T new-session -d -s con -x 120 -y 40 \
	"LANG=C.UTF-8 XDG_STATE_HOME='$W/state' '$DSMIG' console --hosts '$HOSTS' --record '$W/live.jsonl' --clients '$CF' 2>'$W/live.err'"
check "live: the console comes up with --clients on a file not there yet" wait_for "recording to" 10
wsec() {
	printf '{"v":1,"type":"webclient-second","t":%d,"sec":%d,"ok":%d,"failed":0,"resets":0,"max_latency_ns":1000000,"outstanding":1,"gap_ns":%d}\n' \
		"$(date +%s%N)" "$1" "$2" "$3"
}
wsec 0 100 4000000 >"$CF"
printf '{"v":1,"type":"webclient-request","t":1,"conn":0,"path":"/","outcome":"ok"}\n' >>"$CF"
sleep 0.5
{ wsec 1 110 900000000; printf 'not json\n'; printf '{"v":1,"type":"webclient-sec'; } >>"$CF"
sleep 0.5
printf 'ond","t":%d,"sec":2,"ok":120,"failed":0,"resets":0,"max_latency_ns":1,"outstanding":0,"gap_ns":0}\n' \
	"$(date +%s%N)" >>"$CF"
printf '{"v":1,"type":"webclient-summary","t":%d,"target":"127.0.0.1:80","conns":2,"rate":100.0,"requests":330,"failed":0,"resets":0,"reconnects":0,"outstanding":0,"failed_by":{"status":0,"malformed":0,"timeout":0,"error":0,"connect":0},"rps_mean":110.0,"longest_gap_ns":900000000,"longest_gap_at":1,"max_latency_ns":900000000,"mean_latency_ns":1000000,"bytes_in":0,"duration_ns":3000000000,"interrupted":false}\n' \
	"$(date +%s%N)" >>"$CF"
for _ in $(seq 50); do
	grep -q '"event":"summary"' "$W/live.jsonl" 2>/dev/null && break
	sleep 0.1
done
$T send-keys -t con q
for _ in $(seq 50); do $T has-session -t con 2>/dev/null || break; sleep 0.1; done
check "live: nothing on stderr" test ! -s "$W/live.err"
check "live: the seconds and the summary as client records, in order, the request not" \
	records "$W/live.jsonl" '[.[] | select(.src == "client") | [.event, .client.sec // .client.requests]]
		  == [["second", 0], ["second", 1], ["second", 2], ["summary", 330]]'
check "live: the client's fields as it wrote them" \
	records "$W/live.jsonl" '[.[] | select(.src == "client" and .event == "second")][1].client.gap_ns == 900000000'
check "live: its session log replays (report reads it)" \
	bash -c "'$DSMIG' report '$W/live.jsonl' --no-png >/dev/null 2>'$W/rep.err' && ! grep -q 'bad line' '$W/rep.err'"
