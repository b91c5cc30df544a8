#!/bin/bash
# Without KVM: `dsmig replay FILE --cast OUT` (issue 14, "Report for
# slides") on a hand-written session log: OUT must be an asciicast v2
# file (a header line with version 2 and the terminal's size, then
# [seconds, "o", text] events with times that never go back) of the
# replay console at its fixed size, ending by itself at the end of the
# log, and hold what the console drew: the summary card of the
# migration. A bad size or a log that cannot be read leaves no cast.
. "$(dirname "$0")/lib.sh"

W=$HOST_A                     # scratch, removed by cleanup

# vm MS HOST: a vCPU probe record of the VM web.
vm() {
	rec "$1" "\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"$2\",\"vm\":\"web\",\"state\":\"running\",\"workload\":\"net\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[40.0],\"dirty_pps\":500.0,\"progress\":100,\"progress_ps\":95.0"
}
LOG=$W/session.jsonl
{
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":12000000'
	vm 100 hostA
	rec 1000 '"src":"migration","mig":1,"event":"start","vm":"web","from":"hostA","to":"hostB","method":"precopy","bandwidth":"12M","ranks":2,"max_iters":5,"verify":false'
	eng 1100 '"type":"start","vm":"web","method":"precopy","hv":"kvm","src":"/run/a","dst":"/run/b","ranks":2,"bandwidth_bps":12000000,"mem_bytes":16777216,"vcpus":1,"max_iters":5,"target_dirty":64,"verify":false'
	eng 1200 '"type":"phase","phase":"precopy"'
	vm 1300 hostA
	eng 1500 '"type":"iteration","round":0,"kind":"precopy","pages_in_set":256,"pages_sent":256,"zero_pages":0,"payload_bytes":1048576,"header_bytes":4096,"bytes":1052672,"duration_ns":300000000,"dirtied_pages":30,"dirty_rate_pps":100.0,"hot_deferred":0'
	eng 1600 '"type":"phase","phase":"stop-and-copy","reason":"few-dirty-pages"'
	eng 1650 '"type":"phase","phase":"resumed","downtime_ns":20000000,"guest_downtime_ns":21000000'
	vm 1700 hostB
	eng 1800 '"type":"phase","phase":"done"'
	eng 1810 '"type":"summary","ok":true,"total_time_ns":600000000,"downtime_ns":20000000,"guest_downtime_ns":21000000,"bytes_total":1100000,"bytes":{"rounds":1052672,"state":40000,"verify":0,"control":7328},"iterations":1,"stop_reason":"few-dirty-pages","progress_rate":{"before":100,"during":95,"after":100},"slowdown_pct":5.0,"verify":"off","selfcheck_fail":0'
	rec 1900 '"src":"migration","mig":1,"event":"exit","status":0,"error":null'
	rec 3000 '"src":"session","event":"close"'
} >"$LOG"

# cast OUT [OPTIONS]: replay LOG into OUT at 4x, at most 20 s.
cast() {
	local out=$1
	shift
	LANG=C.UTF-8 XDG_STATE_HOME=$W/state timeout 20 "$DSMIG" replay "$LOG" --speed 4 \
		--cast "$out" "$@" >"$W/cast.out" 2>&1
}

# jq_ok FILTER FILE: FILTER (over the lines, -n: input, inputs) holds.
jq_ok() { jq -e -n "$1" "$2" >/dev/null; }

start=$(date +%s%N)
cast "$W/a.cast"
rc=$?
secs=$((($(date +%s%N) - start) / 1000000000))
sed 's/^/# /' "$W/cast.out"
check "cast: exits 0 by itself at the end of the log (got $rc, ${secs} s)" test "$rc" -eq 0
check "cast: the header is asciicast v2, 120x40 by default, with a timestamp and a title" \
	jq_ok 'input | .version == 2 and .width == 120 and .height == 40 and
		(.timestamp | type == "number") and (.title | test("dsmig replay session.jsonl"))' "$W/a.cast"
check "cast: every other line is an event [seconds, \"o\", text]" \
	jq_ok 'input as $h | [inputs] | length > 0 and all(type == "array" and length == 3 and
		(.[0] | type == "number") and .[1] == "o" and (.[2] | type == "string"))' "$W/a.cast"
check "cast: the times never go back" \
	jq_ok 'input as $h | [inputs | .[0]] | . == sort and .[0] >= 0' "$W/a.cast"
# text FILE: the events' text, joined.
text() { jq -r -n 'input as $h | [inputs | .[2]] | add' "$1"; }
text=$(text "$W/a.cast")
check "cast: the console's summary card of the log is in it" \
	grep -q "Migration 1 of web: done" <<<"$text"
check "cast: with the card's figures (downtime 20.0 ms)" \
	bash -c 'grep -q "Downtime (engine)" <<<"$1" && grep -q "20\.0 ms" <<<"$1"' - "$text"
check "cast: the terminal was left (the console quit by itself)" grep -q $'\e\\[?1049l' <<<"$text"

cast "$W/b.cast" --cast-size 100x30
check "cast --cast-size 100x30: exit 0, a header of 100x30" \
	bash -c '[ "$1" -eq 0 ] && jq -e -n "input | .width == 100 and .height == 30" "$2" >/dev/null' - $? "$W/b.cast"
check "cast --cast-size 100x30: the console drew at 100 columns" \
	grep -q "replay [0-9.]*/[0-9.]* s x4" <<<"$(text "$W/b.cast")"

for bad in 100 x30 10x10 100x30x 5000x40; do
	cast "$W/bad.cast" --cast-size "$bad"
	check "cast --cast-size $bad: usage, exit 2, no cast" \
		bash -c '[ "$1" -eq 2 ] && [ ! -e "$2" ]' - $? "$W/bad.cast"
done
XDG_STATE_HOME=$W/state timeout 20 "$DSMIG" console --cast "$W/c.cast" >/dev/null 2>&1
check "--cast on the live console: usage, exit 2" \
	bash -c '[ "$1" -eq 2 ] && [ ! -e "$2" ]' - $? "$W/c.cast"
LOG=$W/no-such.jsonl cast "$W/d.cast"
rc=$?
sed 's/^/# /' "$W/cast.out"
check "a log that cannot be read: exit 1, says why, no cast" \
	bash -c '[ "$1" -eq 1 ] && grep -q "the replay console failed (exit 1), no cast: .*no-such.jsonl" "$2" && [ ! -e "$3" ]' \
	- "$rc" "$W/cast.out" "$W/d.cast"
