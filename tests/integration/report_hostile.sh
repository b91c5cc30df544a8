#!/bin/bash
# Without KVM: `dsmig report` on a hand-written session log whose VM and
# host names are attacks on the gnuplot script it writes (issue 12,
# finding 6: a crafted name once ran `id`). Quotes of both kinds, a
# newline followed by gnuplot's shell escape '!', backquotes (gnuplot's
# command substitution), system(), a @macro, $(...), a control character:
# the report must exit 0 with its PNGs, or fail cleanly, and none of the
# commands may run (their marker files must not exist). The same names
# as the file name's stem and in the output directory, which reach
# gnuplot too.
. "$(dirname "$0")/lib.sh"

W=$HOST_A                     # scratch, removed by cleanup
TMPDIR=$W/tmp
export TMPDIR
mkdir -p "$TMPDIR"
if ! command -v gnuplot >/dev/null; then
	skip "report_hostile: gnuplot is missing (make deps)"
	exit 0
fi

# Each payload touches its own marker when it runs: $W/ran-N.
M=$W/ran
payloads=(
	"a'\`touch $M-1\`'b"
	"a\"\`touch $M-2\`\"b"
	$'x\n!touch '"$M-3"$'\nset output \''"$M-4'"
	"'.system(\"touch $M-5\").'"
	"\"; system(\"touch $M-6\"); \""
	"\`touch $M-7\`"
	"@x \$(touch $M-8) \\'"
	$'\a\e[2J\'\n!touch '"$M-9"
)
# A string as JSON.
json() { jq -n -c --arg s "$1" '$s'; }

# session_log VM HOST-A HOST-B (JSON strings): one precopy migration with
# vCPU samples on both hosts, two rounds and a summary: every plot drawn.
session_log() {
	local vm=$1 a=$2 b=$3 ms
	rec 0 "\"src\":\"session\",\"event\":\"open\",\"mode\":\"live\",\"hosts\":[{\"name\":$a,\"runtime\":\"/run/a\"},{\"name\":$b,\"runtime\":\"/run/b\"}],\"cap_bps\":12000000"
	for ms in 100 300 500 700 900; do
		rec $ms "\"src\":\"probe\",\"probe\":\"vm\",\"host\":$a,\"vm\":$vm,\"state\":\"running\",\"workload\":\"cpu\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[50.0],\"dirty_pps\":900.0,\"progress\":100,\"progress_ps\":95.0"
	done
	rec 1000 "\"src\":\"migration\",\"mig\":1,\"event\":\"start\",\"vm\":$vm,\"from\":$a,\"to\":$b,\"method\":\"precopy\",\"bandwidth\":\"12M\",\"ranks\":2,\"max_iters\":5,\"verify\":false"
	eng 1100 "\"type\":\"start\",\"vm\":$vm,\"method\":\"precopy\",\"hv\":\"kvm\",\"src\":\"/run/a\",\"dst\":\"/run/b\",\"ranks\":2,\"bandwidth_bps\":12000000,\"mem_bytes\":16777216,\"vcpus\":1,\"max_iters\":5,\"target_dirty\":64,\"verify\":false"
	eng 2200 '"type":"phase","phase":"precopy"'
	eng 2400 '"type":"sample","phase":"precopy","round":0,"bytes":1048576,"rate_bps":11800000.0,"dirty_pages":300,"vcpu_pct":50.0,"progress":120'
	eng 3500 '"type":"iteration","round":0,"kind":"precopy","pages_in_set":4096,"pages_sent":4096,"zero_pages":0,"payload_bytes":16777216,"header_bytes":65536,"bytes":16842752,"duration_ns":500000000,"dirtied_pages":40,"dirty_rate_pps":80.0,"hot_deferred":0'
	eng 4100 '"type":"phase","phase":"stop-and-copy","reason":"few-dirty-pages"'
	eng 4300 '"type":"iteration","round":1,"kind":"final","pages_in_set":40,"pages_sent":40,"zero_pages":0,"payload_bytes":163840,"header_bytes":640,"bytes":164480,"duration_ns":30000000,"dirtied_pages":0,"dirty_rate_pps":0.0,"hot_deferred":0'
	eng 4460 '"type":"phase","phase":"resumed","downtime_ns":45600000,"guest_downtime_ns":47800000'
	for ms in 4700 4900; do
		rec $ms "\"src\":\"probe\",\"probe\":\"vm\",\"host\":$b,\"vm\":$vm,\"state\":\"running\",\"workload\":\"cpu\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[52.0],\"dirty_pps\":900.0,\"progress\":100,\"progress_ps\":95.0"
	done
	eng 5200 '"type":"phase","phase":"done"'
	eng 5210 '"type":"summary","ok":true,"total_time_ns":3010000000,"downtime_ns":45600000,"guest_downtime_ns":47800000,"bytes_total":17007232,"bytes":{"rounds":17007232,"state":400000,"verify":0,"control":28288},"iterations":2,"stop_reason":"few-dirty-pages","progress_rate":{"before":90,"during":85.5,"after":91.2},"slowdown_pct":5.0,"verify":"off","selfcheck_fail":0'
	rec 5300 '"src":"migration","mig":1,"event":"exit","status":0,"error":null'
	rec 6000 '"src":"session","event":"close"'
}

is_png() { test "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a; }
# pngs PREFIX: PREFIX-vcpu.png, -net.png and -dirty.png are PNGs.
pngs() { is_png "$1-vcpu.png" && is_png "$1-net.png" && is_png "$1-dirty.png"; }
# no_marker: no marker was touched (since the last rm).
no_marker() { ! compgen -G "$M-*" >/dev/null; }
no_ctl_chars() { ! LC_ALL=C grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$@"; }

n=0
for p in "${payloads[@]}"; do
	n=$((n + 1))
	log=$W/s$n.jsonl out=$W/out$n
	session_log "$(json "vm$p")" "$(json "hostA$p")" "$(json "hostB$p")" >"$log"
	check "payload $n: the log is JSON lines" jq -e . "$log" >/dev/null
	rm -f "$M"-*
	"$DSMIG" report "$log" --out "$out" >"$W/r$n.out" 2>"$W/r$n.err"
	rc=$?
	sed 's/^/# /' "$W/r$n.err" | cat -v
	check "payload $n: no command ran" no_marker
	check "payload $n: report exits 0 (got $rc)" test "$rc" -eq 0
	check "payload $n: the three plots are PNGs" pngs "$out/s$n-mig1"
	check "payload $n: no control character on the terminal" \
		no_ctl_chars "$W/r$n.out" "$W/r$n.err"
done
check "the temporary files are removed" test -z "$(ls -A "$TMPDIR")"

# The stem (the log's file name) and the output directory reach gnuplot
# as paths: with quotes and backquotes in both (run in $W, so that the
# commands, relative, would touch the markers), the PNGs land there.
odd="o'\`touch ran-10\`"
stem="q'\`touch ran-11\`\"\`touch ran-12\`"
mkdir -p "$W/$odd"
cp "$W/s1.jsonl" "$W/$odd/$stem.jsonl"
rm -f "$M"-*
dsmig=$(cd "$(dirname "$DSMIG")" && pwd)/dsmig
(cd "$W" && "$dsmig" report "$odd/$stem.jsonl") >"$W/odd.out" 2>&1
rc=$?
sed 's/^/# /' "$W/odd.out"
check "odd paths: no command ran" no_marker
check "odd paths: report exits 0 (got $rc)" test "$rc" -eq 0
check "odd paths: the PNGs are where the log is" pngs "$W/$odd/$stem-mig1"
