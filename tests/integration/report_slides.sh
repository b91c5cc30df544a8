#!/bin/bash
# Without KVM: `dsmig report`'s figures for slides (issue 14, "Report for
# slides"), on hand-written session logs, with a stand-in gnuplot first
# in PATH that keeps each script and its arguments before running the
# real one:
#  - each title (an argument: nothing from the log is script text) names
#    the VM, the method, the cap and the downtime;
#  - the time axes are in seconds from the migration's start, with the
#    start, pause, resume and done markers where the log puts them;
#  - every run of one VM in a report has the same dirty-pages scale;
#  - dsm-pull's post-copy is shaded and the time every page was resident
#    marked;
#  - a run that did not move its VM writes its reason on one line
#    (<stem>-mig<N>-failed.txt and the text output);
#  - `--compare A B` draws the runs of both logs in one PNG, a column per
#    run, each column titled with its run, on the same scales.
. "$(dirname "$0")/lib.sh"

W=$HOST_A                     # scratch, removed by cleanup
TMPDIR=$W/tmp
export TMPDIR
mkdir -p "$TMPDIR"
REAL_GNUPLOT=$(command -v gnuplot) || { skip "report_slides: gnuplot is missing (make deps)"; exit 0; }

# The stand-in: $W/gp/N.gp (the script) and N.args (its arguments after
# the script, NUL-separated), N counting from 1; then the real gnuplot.
mkdir -p "$W/bin" "$W/gp"
cat >"$W/bin/gnuplot" <<EOS
#!/bin/bash
n=\$(( \$(ls "$W/gp" | grep -c '\.gp\$') + 1 ))
cp "\$2" "$W/gp/\$n.gp"
printf '%s\0' "\${@:3}" >"$W/gp/\$n.args"
exec "$REAL_GNUPLOT" "\$@"
EOS
chmod +x "$W/bin/gnuplot"
export PATH=$W/bin:$PATH

# vm MS HOST PCT: a vCPU probe record of the VM cpu1.
vm() {
	rec "$1" "\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"$2\",\"vm\":\"cpu1\",\"state\":\"running\",\"workload\":\"cpu\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[$3],\"dirty_pps\":900.0,\"progress\":100,\"progress_ps\":95.0"
}
# e MIG MS FIELDS: an engine event of migration MIG.
e() {
	printf '{"v":1,"t":%d,"src":"engine","mig":%d,"ev":{"v":1,"t":%d,%s}}\n' \
		$((T0 + $2 * 1000000)) "$1" $((T0 + $2 * 1000000)) "$3"
}
# round MIG MS N KIND SENT DEFERRED: an iteration event.
round() {
	e "$1" "$2" "\"type\":\"iteration\",\"round\":$3,\"kind\":\"$4\",\"pages_in_set\":$5,\"pages_sent\":$5,\"zero_pages\":0,\"payload_bytes\":$(($5 * 4096)),\"header_bytes\":$(($5 * 16)),\"bytes\":$(($5 * 4112)),\"duration_ns\":500000000,\"dirtied_pages\":10,\"dirty_rate_pps\":600.0,\"hot_deferred\":$6"
}
# start MIG MS METHOD: the console's and the engine's start records.
start() {
	rec "$2" "\"src\":\"migration\",\"mig\":$1,\"event\":\"start\",\"vm\":\"cpu1\",\"from\":\"hostA\",\"to\":\"hostB\",\"method\":\"$3\",\"bandwidth\":\"12M\",\"ranks\":2,\"max_iters\":5,\"verify\":false"
	e "$1" $(($2 + 100)) "\"type\":\"start\",\"vm\":\"cpu1\",\"method\":\"$3\",\"hv\":\"kvm\",\"src\":\"/run/a\",\"dst\":\"/run/b\",\"ranks\":2,\"bandwidth_bps\":12000000,\"mem_bytes\":16777216,\"vcpus\":1,\"max_iters\":5,\"target_dirty\":64,\"verify\":false"
}
summary() {
	e "$1" "$2" "\"type\":\"summary\",\"ok\":true,\"total_time_ns\":3000000000,\"downtime_ns\":$3,\"guest_downtime_ns\":47800000,\"bytes_total\":18874368,\"bytes\":{\"rounds\":18446080,\"state\":400000,\"verify\":0,\"control\":28288},\"iterations\":3,\"stop_reason\":\"few-dirty-pages\",\"progress_rate\":{\"before\":100,\"during\":95.5,\"after\":101.2},\"slowdown_pct\":4.5,\"verify\":\"off\",\"selfcheck_fail\":0"
}
open_rec() {
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":12000000'
}

# Migration 1, dsm-pull: pre-copy from 2.2 s (its 0), paused at +1.9 s,
# post-copy at +2.25 s, resumed at +2.26 s, every page resident at
# +2.8 s (a postcopy event with all 120 pages sent), done at +3.0 s.
pull_run() {
	start 1 1000 dsm-pull
	for ms in 1500 2500 3000 3500 4000; do vm $ms hostA 50.0; done
	e 1 2200 '"type":"phase","phase":"precopy"'
	e 1 2400 '"type":"sample","phase":"precopy","round":0,"bytes":1048576,"rate_bps":11800000.0,"dirty_pages":300,"vcpu_pct":50.0,"progress":120'
	round 1 3500 0 precopy 4096 0
	round 1 4000 1 precopy 40 300
	e 1 4100 '"type":"phase","phase":"stop-and-copy","reason":"only-hot-pages-left","hot_pages":300'
	round 1 4300 2 final 100 0
	e 1 4400 '"type":"phase","phase":"switch-over"'
	e 1 4450 '"type":"phase","phase":"post-copy","missing_pages":120'
	e 1 4460 '"type":"phase","phase":"resumed","downtime_ns":45600000,"guest_downtime_ns":47800000'
	e 1 4600 '"type":"postcopy","missing_pages":120,"sent_pages":60,"pushed_pages":53,"pulled_pages":7,"faults":7,"bytes":250000'
	e 1 5000 '"type":"postcopy","missing_pages":120,"sent_pages":120,"pushed_pages":100,"pulled_pages":20,"faults":20,"bytes":500000'
	for ms in 4700 4900 5100; do vm $ms hostB 52.0; done
	e 1 5200 '"type":"phase","phase":"done"'
	summary 1 5210 45600000
	rec 5300 '"src":"migration","mig":1,"event":"exit","status":0,"error":null'
}
# Migration MIG, precopy, from MS: small rounds (its dirty chart alone
# would be a tenth as tall as migration 1's).
pre_run() {
	local m=$1 t=$2
	start "$m" "$t" precopy
	e "$m" $((t + 200)) '"type":"phase","phase":"precopy"'
	vm $((t + 300)) hostA 40.0
	round "$m" $((t + 500)) 0 precopy 400 0
	e "$m" $((t + 600)) '"type":"phase","phase":"stop-and-copy","reason":"few-dirty-pages","hot_pages":0'
	round "$m" $((t + 700)) 1 final 20 0
	e "$m" $((t + 800)) '"type":"phase","phase":"resumed","downtime_ns":30100000,"guest_downtime_ns":31000000'
	vm $((t + 900)) hostB 41.0
	e "$m" $((t + 1000)) '"type":"phase","phase":"done"'
	summary "$m" $((t + 1010)) 30100000
	rec $((t + 1100)) "\"src\":\"migration\",\"mig\":$m,\"event\":\"exit\",\"status\":0,\"error\":null"
}
# Migration MIG, dsm, fails in pre-copy with the engine's error.
failed_run() {
	local m=$1 t=$2
	start "$m" "$t" dsm
	e "$m" $((t + 200)) '"type":"phase","phase":"precopy"'
	vm $((t + 300)) hostA 40.0
	e "$m" $((t + 600)) '"type":"phase","phase":"failed","error":"rank 1: connection reset by peer","source_running":true'
	rec $((t + 700)) "\"src\":\"migration\",\"mig\":$m,\"event\":\"exit\",\"status\":1,\"error\":\"the engine failed\""
}

LOG=$W/session.jsonl
{ open_rec; pull_run; pre_run 2 8000; failed_run 3 12000; rec 20000 '"src":"session","event":"close"'; } >"$LOG"
check "the hand-written log is JSON lines" jq -e . "$LOG" >/dev/null

is_png() { test "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a; }
# arg N K: argument K (1: the output, 2: the data directory, 3: the title...) of script N.
arg() { local a; mapfile -d '' a <"$W/gp/$1.args"; printf '%s' "${a[$2 - 1]}"; }
# in_gp N TEXT: script N holds the line TEXT (fixed string).
in_gp() { grep -qxF -- "$2" "$W/gp/$1.gp"; }

"$DSMIG" report "$LOG" --out "$W/plots" >"$W/report.out" 2>"$W/report.err"
rc=$?
sed 's/^/# /' "$W/report.out" "$W/report.err"
check "report: exits 0" test "$rc" -eq 0

# Scripts 1, 2 and 3 are migrations 1, 2 and 3.
check "mig 1: the title names VM, hosts, method, cap and downtime" \
	test "$(arg 1 3)" = "migration 1: cpu1  hostA -> hostB  dsm-pull, 12 Mbit/s cap, downtime 45.6 ms"
check "mig 2: the same for precopy (30.1 ms)" \
	test "$(arg 2 3)" = "migration 2: cpu1  hostA -> hostB  precopy, 12 Mbit/s cap, downtime 30.1 ms"
check "mig 1: each PNG's title is the run's title" \
	test "$(grep -c "^set title ARG3" "$W/gp/1.gp")" -eq 3
check "mig 1: the time axis in seconds from the start (0 to 3 s, a fifth either side)" \
	bash -c "grep -qxF \"set xlabel 'seconds from the migration start'\" '$W/gp/1.gp' &&
		 grep -qxF 'set xrange [-0.600000:3.600000]' '$W/gp/1.gp'"
# marker N NAME SECONDS: script N marks NAME at SECONDS, a line and its label.
marker() {
	grep -qF "set arrow from first $3, graph 0 to first $3, graph 1 nohead" "$W/gp/$1.gp" &&
		grep -qF "set label '$2' at first $3, graph 1 " "$W/gp/$1.gp"
}
check "mig 1: start marked at 0 s" marker 1 start 0.000000
check "mig 1: pause marked at 1.9 s" marker 1 pause 1.900000
check "mig 1: resume marked at 2.26 s" marker 1 resume 2.260000
check "mig 1: done marked at 3 s" marker 1 done 3.000000
check "mig 1: the downtime shaded, pause to resume" \
	grep -qF "set object rect from first 1.900000, graph 0 to first 2.260000, graph 1 behind" "$W/gp/1.gp"
check "mig 1 (dsm-pull): post-copy shaded from 2.25 s to every page resident (2.8 s)" \
	grep -qF "set object rect from first 2.250000, graph 0 to first 2.800000, graph 1 behind fc rgb '#85c1e9'" "$W/gp/1.gp"
check "mig 1 (dsm-pull): the time every page was resident marked" marker 1 "all resident" 2.800000
check "mig 2 (precopy): no post-copy" bash -c "! grep -q 'post-copy\|resident' '$W/gp/2.gp'"
yr() { grep -A1 '^set logscale y$\|^set boxwidth' "$W/gp/$1.gp" | grep '^set yrange' | tail -1; }
echo "# dirty y scales: mig 1 '$(yr 1)', mig 2 '$(yr 2)'"
check "the same dirty-pages scale for both methods of the VM" \
	bash -c '[ -n "$1" ] && [ "$1" = "$2" ]' - "$(yr 1)" "$(yr 2)"
for m in 1 2; do
	for what in vcpu dirty; do
		check "mig $m: $what plot is a PNG" is_png "$W/plots/session-mig$m-$what.png"
	done
done
check "nothing from the log in the scripts" bash -c "! grep -q 'cpu1\|hostA\|reset by peer' '$W'/gp/*.gp"

# Migration 3 failed: its reason, on one line, in a file and the text.
reason="failed, the source runs (exit 1): rank 1: connection reset by peer"
check "mig 3: the reason in session-mig3-failed.txt, one line" \
	bash -c '[ "$(wc -l <"$1")" -eq 1 ] && grep -qF "$2" "$1"' - "$W/plots/session-mig3-failed.txt" "$reason"
check "mig 3: the reason in the text output" grep -qF "  not moved          $reason (" "$W/report.out"
check "mig 3: its title says it did not move" \
	test "$(arg 3 3)" = "migration 3: cpu1  hostA -> hostB  dsm, 12 Mbit/s cap, not moved"
check "moved runs write no reason file" \
	bash -c "! ls '$W'/plots/session-mig[12]-failed.txt 2>/dev/null"
check "the data files are removed" test -z "$(ls -A "$TMPDIR")"

# A run refused before anything started (no engine record, no samples):
# the reason, not an empty chart.
{ open_rec; rec 1000 '"src":"migration","mig":1,"event":"start","vm":"cpu1","from":"hostA","to":"hostB","method":"precopy","bandwidth":"12M","ranks":2,"max_iters":5,"verify":false'
  rec 1100 '"src":"migration","mig":1,"event":"exit","status":6,"error":"no VM answers"'; } >"$W/refused.jsonl"
"$DSMIG" report "$W/refused.jsonl" >"$W/refused.out" 2>&1
rc=$?
sed 's/^/# /' "$W/refused.out"
check "refused run: exits 0 with the reason in the text and in refused-mig1-failed.txt" \
	bash -c '[ "$1" -eq 0 ] && grep -q "not moved .*: no VM answers" "$2" && grep -q "no VM answers" "$3"' \
	- "$rc" "$W/refused.out" "$W/refused-mig1-failed.txt"
check "refused run: no PNG" bash -c "! ls '$W'/refused-mig1-*.png 2>/dev/null"

# ---- --compare ----------------------------------------------------------------
# Two sessions of the same VM, one method each: one PNG, a column per run.
A=$W/cmp/pull.jsonl B=$W/cmp/pre.jsonl
mkdir -p "$W/cmp"
{ open_rec; pull_run; } >"$A"
{ open_rec; pre_run 1 1000; } >"$B"
rm -f "$W"/gp/*
"$DSMIG" report --compare "$A" "$B" >"$W/cmp.out" 2>"$W/cmp.err"
rc=$?
sed 's/^/# /' "$W/cmp.out" "$W/cmp.err"
check "compare: exits 0" test "$rc" -eq 0
check "compare: one PNG, and no other" \
	bash -c "is_png() { test \"\$(head -c 8 \"\$1\" | od -An -tx1 | tr -d ' \n')\" = 89504e470d0a1a0a; }
		 is_png '$W/cmp/pull-compare.png' && [ \"\$(ls '$W'/cmp/*.png | wc -l)\" -eq 1 ]"
check "compare: the text names the PNG and both runs" \
	bash -c "grep -q '^Comparison: 2 runs side by side in $W/cmp/pull-compare.png' '$W/cmp.out' &&
		 grep -q '^Migration 1: cpu1  hostA -> hostB  dsm-pull' '$W/cmp.out' &&
		 grep -q '^Migration 1: cpu1  hostA -> hostB  precopy' '$W/cmp.out'"
check "compare: one gnuplot run, three rows of two columns" \
	bash -c "[ \$(ls '$W'/gp/*.gp | wc -l) -eq 1 ] && grep -q '^set multiplot layout 3,2 ' '$W/gp/1.gp'"
check "compare: the columns are titled with their runs" \
	bash -c '[[ "$1" == *"dsm-pull, 12 Mbit/s cap, downtime 45.6 ms" && "$2" == *"precopy, 12 Mbit/s cap, downtime 30.1 ms" ]]' \
	- "$(arg 1 3)" "$(arg 1 4)"
check "compare: the same time axis in every panel" \
	test "$(grep '^set xrange \[-[0-9]*\.[0-9]\{6\}:' "$W/gp/1.gp" | sort -u | wc -l)" -eq 1
check "compare: the same dirty-pages scale in both columns" \
	test "$(grep -A1 '^set logscale y$' "$W/gp/1.gp" | grep -c 'set yrange \[0.8:12288\]')" -eq 2
check "compare: the same throughput scale in both columns" \
	test "$(grep -A1 "^set ylabel 'Mbit/s'" "$W/gp/1.gp" | grep '^set yrange' | sort -u | wc -l)" -eq 1
check "compare: post-copy shaded in the dsm-pull column only" \
	test "$(grep -c "fc rgb '#85c1e9'" "$W/gp/1.gp")" -eq 2

# A failed run alongside: its column says why.
{ open_rec; failed_run 1 1000; } >"$W/cmp/failed.jsonl"
rm -f "$W"/gp/*
"$DSMIG" report --compare "$A" "$W/cmp/failed.jsonl" --out "$W/cmp2" >"$W/cmp2.out" 2>&1
rc=$?
check "compare with a failed run: exits 0, one PNG in --out" \
	bash -c '[ "$1" -eq 0 ] && [ "$(ls "$2"/*.png | wc -l)" -eq 1 ]' - "$rc" "$W/cmp2"
check "compare with a failed run: its column gives the reason" \
	bash -c '[[ "$1" == *"not moved: failed, the source runs (exit 1): rank 1: connection reset by peer" ]]' - "$(arg 1 4)"
"$DSMIG" report --compare "$A" >/dev/null 2>"$W/cmp3.err"
check "compare of one log: usage, exit 2" bash -c '[ "$1" -eq 2 ] && grep -q "takes 2 to 6 session logs" "$2"' - $? "$W/cmp3.err"
"$DSMIG" report --compare "$LOG" "$LOG" "$LOG" >/dev/null 2>"$W/cmp4.err"
check "compare of 9 runs: exit 1, says at most 6" bash -c '[ "$1" -eq 1 ] && grep -q "more than 6 runs" "$2"' - $? "$W/cmp4.err"
