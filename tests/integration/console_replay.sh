#!/bin/bash
# Without KVM: the real programs on hand-written session logs and bad
# requests, so that the console, `dsmig report` and request checking are
# tested on machines without /dev/kvm too.
#  (a) `dsmig replay` of a dsm-pull migration in a real terminal (tmux):
#      a round whose hot_deferred exceeds its pages_sent (once drawn as
#      "18446744074G pages"), a summary lacking optional fields, records
#      of unknown types and unreadable telemetry lines; the card must show
#      the summary's values and "n/a" for what it lacks, the title the
#      reader's tallies.
#  (b) `dsmig report` and `--data` on the same log, and on corrupt ones
#      (another version, junk, truncated, a 2 MiB line, hostile strings).
#  (c) request validation: `dsmig migrate`, `dsmig record` and
#      `dsmig-engine` under mpirun refuse bad options with exit 2 and
#      the reason; `dsmig record` of a VM that is not there says why
#      once.
#  (d) usage and messages: `dsmig --help` lists every `dsmig lab`
#      subcommand that `dsmig lab --help` does; the lab's default link
#      rate is the migrations' default cap.
#  (e) `dsmig migrate` with stand-ins for the VMM (socat) and mpirun: its
#      summary says n/a for what the engine did not measure, and engine
#      messages reach stderr cleaned.
. "$(dirname "$0")/lib.sh"

W=$HOST_A                     # scratch, removed by cleanup
T="tmux -L dsmig-replay-test-$$"
trap '$T kill-server 2>/dev/null; cleanup' EXIT

# ---- the session log, by hand (docs/telemetry.md) ---------------------------
# (rec and eng: lib.sh)
# vm MS HOST STATE PCT: a vCPU probe record of the VM cpu1.
vm() {
	rec "$1" "\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"$2\",\"vm\":\"cpu1\",\"state\":\"$3\",\"workload\":\"cpu\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[$4],\"dirty_pps\":900.0,\"progress\":100,\"progress_ps\":95.0"
}
# round MS N KIND SENT DEFERRED DIRTIED: an iteration event.
round() {
	eng "$1" "\"type\":\"iteration\",\"round\":$2,\"kind\":\"$3\",\"pages_in_set\":$4,\"pages_sent\":$4,\"zero_pages\":0,\"payload_bytes\":$(($4 * 4096)),\"header_bytes\":$(($4 * 16)),\"bytes\":$(($4 * 4112)),\"duration_ns\":500000000,\"dirtied_pages\":$6,\"dirty_rate_pps\":600.0,\"hot_deferred\":$5"
}
# The dirty-pages chart stacks sent and deferred: round 1 (40 + 300) is
# the tallest bar, so its axis reads 340 pages.
session_log() {
	local ms
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":12000000'
	for ms in 100 300 500 700 900; do vm $ms hostA running 50.0; done
	rec 1000 '"src":"migration","mig":1,"event":"start","vm":"cpu1","from":"hostA","to":"hostB","method":"dsm-pull","bandwidth":"12M","ranks":2,"max_iters":5,"verify":false'
	eng 1100 '"type":"start","vm":"cpu1","method":"dsm-pull","hv":"kvm","src":"/run/a","dst":"/run/b","ranks":2,"bandwidth_bps":12000000,"mem_bytes":16777216,"vcpus":1,"max_iters":5,"target_dirty":64,"verify":false'
	eng 1200 '"type":"phase","phase":"baseline"'
	eng 2200 '"type":"phase","phase":"precopy"'
	rec 2300 '"src":"later-probe","what":"a record of a later dsmig"'
	eng 2400 '"type":"sample","phase":"precopy","round":0,"bytes":1048576,"rate_bps":11800000.0,"dirty_pages":300,"vcpu_pct":50.0,"progress":120'
	eng 2500 '"type":"warp-drive","speed":9'
	for ms in 2600 3000 3400; do vm $ms hostA running 55.0; done
	round 3500 0 precopy 256 0 340
	round 4000 1 precopy 40 300 320
	eng 4100 '"type":"phase","phase":"stop-and-copy","reason":"only-hot-pages-left","hot_pages":300'
	round 4300 2 final 100 0 0
	eng 4400 '"type":"phase","phase":"switch-over"'
	eng 4450 '"type":"phase","phase":"post-copy","missing_pages":120'
	eng 4460 '"type":"phase","phase":"resumed","downtime_ns":45600000,"guest_downtime_ns":47800000'
	eng 4600 '"type":"postcopy","missing_pages":120,"sent_pages":60,"pushed_pages":53,"pulled_pages":7,"faults":7,"bytes":250000'
	for ms in 4700 4900; do vm $ms hostB running 52.0; done
	eng 5200 '"type":"phase","phase":"done"'
	# No bytes.postcopy, no baseline rate, a post-copy block without
	# the fault times or the resident time.
	eng 5210 '"type":"summary","ok":true,"total_time_ns":3010000000,"downtime_ns":45600000,"guest_downtime_ns":47800000,"bytes_total":18874368,"bytes":{"rounds":18446080,"state":400000,"verify":0,"control":28288},"iterations":3,"stop_reason":"only-hot-pages-left","progress_rate":{"before":0,"during":95.5,"after":101.2},"slowdown_pct":0.0,"verify":"off","selfcheck_fail":0,"postcopy":{"missing_pages":120,"faults":7}'
	rec 5300 '"src":"migration","mig":1,"event":"exit","status":0,"error":null,"telemetry_bad_lines":2'
	rec 6000 '"src":"session","event":"close"'
}
LOG=$W/session.jsonl
session_log >"$LOG"
check "the hand-written log is JSON lines" bash -c "jq -e . '$LOG' >/dev/null"
N=$(wc -l <"$LOG")

# ---- (a) the console replays it ---------------------------------------------
# on_title TEXT: the title bar (the screen's first line) shows TEXT.
on_title() { screen | head -1 | grep -q -- "$1"; }
replay() {
	reset_tmux
	$T new-session -d -s con -x 120 -y 40 \
		"LANG=C.UTF-8 XDG_STATE_HOME='$W/state' '$DSMIG' replay '$1' --speed 8"
}

if ! command -v tmux >/dev/null; then
	skip "console replay: tmux is missing"
else
	replay "$LOG"
	check "replay: the summary card comes up" wait_for "Migration 1 of cpu1: done" 10
	check "card: total time of the summary (3.01 s)" on_screen "Total migration time +3\.01 s"
	check "card: downtime of the summary (45.6 ms)" on_screen "Downtime .engine. +45\.6 ms"
	check "card: the guest's gap across the switch-over (47.8 ms)" on_screen "Switch-over gap +47\.8 ms"
	check "card: a version 1 summary has no guest stall: n/a, not 0" \
		on_screen "The guest's longest stall +n/a"
	check "card: ... and says why" on_screen "n/a: not measured: a summary of telemetry version 1"
	check "card: data transferred (18.00 MiB)" on_screen "Data transferred +18\.00 MiB"
	check "card: progress rates" on_screen "before 0\.0/s, during 95\.5/s, after 101\.2/s"
	check "card: rounds, stop reason, verify" on_screen "Rounds 3, stopped by only-hot-pages-left, verify off"
	check "card: no baseline rate, so the slowdown is n/a (not 0.0%)" \
		on_screen "slowdown during the migration: n/a"
	check "card: post-copy values the summary carried, n/a for the median it lacked" \
		on_screen "Post-copy: 120 pages missing, 7 faults, median n/a"
	check "card: n/a for the resident time it lacked" on_screen "every page resident after n/a"
	check "title: the reader's tallies (2 bad telemetry lines, 2 skipped)" \
		on_title "log: 2 bad lines, 2 skipped"
	check "event log: the unreadable telemetry lines" \
		on_screen "migration 1: 2 telemetry lines unreadable, skipped"
	$T send-keys -t con Escape
	check "the dirty-pages chart comes out from under the card" wait_for "Dirty pages per round" 3
	axis=$(screen | sed -n '/Dirty pages per round/{n;p;q}' | grep -Eo '[0-9.]+ ?[kMG]? ?pages┤')
	echo "# dirty-pages axis: '$axis'"
	check "dirty-pages axis: the tallest stacked round, 340 pages (no wrap to G pages)" \
		test "$axis" = "340 pages┤"

	# A junk line and an engine event of a later version in the log.
	bad=$W/junk.jsonl
	{ head -3 "$LOG"; echo 'not a record {'
	  eng 2450 '"type":"sample"' | sed 's/"ev":{"v":1/"ev":{"v":7/'
	  tail -n +4 "$LOG"; } >"$bad"
	replay "$bad"
	check "replay of a damaged log: the card still comes up" wait_for "Migration 1 of cpu1: done" 10
	check "replay of a damaged log: the title counts the 2 refused lines" \
		on_title "log: 2 bad lines, 2 refused, 2 skipped"
	check "replay of a damaged log: the status line names the first bad line" \
		on_screen "2 bad lines skipped \(first: line 4\)"
	reset_tmux
fi

# ---- (b) dsmig report on the same log ---------------------------------------
"$DSMIG" report "$LOG" --no-png >"$W/report.out" 2>"$W/report.err"
check "report: exits 0" test $? -eq 0
sed 's/^/# /' "$W/report.out" "$W/report.err"
has() { grep -Eq -- "$1" "$W/report.out"; }
check "report: names the migration" has "^Migration 1: cpu1  hostA -> hostB  dsm-pull, 2 ranks, 12 Mbit/s cap"
check "report: total time (3010.0 ms)" has "total time +3010\.0 ms"
check "report: downtime (45.6 ms, guest 47.8 ms)" \
	bash -c "grep -Eq 'downtime .engine. +45\.6 ms' '$W/report.out' && grep -Eq 'switch-over gap +47\.8 ms' '$W/report.out'"
check "report: no guest stall in a version 1 summary: n/a" has "guest's stall +n/a \(from its heartbeat: n/a\)"
check "report: n/a for the post-copy bytes and the slowdown it lacks" \
	bash -c "grep -q 'post-copy n/a)' '$W/report.out' && grep -q '(slowdown n/a)' '$W/report.out'"
check "report: round 1 as sent 40, deferred 300" has "^ +1 precopy +40 +300 +164480 "
check "report: counts the records of unknown types" has "\(2 records of unknown types skipped\)"
check "report: says how many telemetry lines were unreadable" has "telemetry +2 engine lines unreadable"
check "report: no warning for a clean log" test ! -s "$W/report.err"

"$DSMIG" report "$LOG" --data >"$W/data.out" 2>"$W/data.err"
check "report --data: exits 0, every line JSON" bash -c "[ $? -eq 0 ] && jq -e . '$W/data.out' >/dev/null"
# dq [JQ-OPTIONS] FILTER: FILTER holds over --data's lines (slurped).
dq() { jq -s -e "$@" "$W/data.out" >/dev/null; }
check "report --data: the session's tallies first" \
	dq --argjson n "$N" '.[0] == {kind: "session", records: $n, lines: $n, bad_lines: 0, first_bad: 0, skipped: 2, first_bad_why: ""}'
check "report --data: the summary's values" \
	dq '[.[] | select(.kind == "summary")] == [{kind: "summary", mig: 1, total_time_ns: 3010000000, downtime_ns: 45600000, guest_downtime_ns: 47800000, bytes_total: 18874368, iterations: 3, stop_reason: "only-hot-pages-left", slowdown_pct: null, verify: "off", guest_stall_ns: null, degraded_ns: null}]'
check "report --data: the rounds as sent and deferred" \
	dq '[.[] | select(.kind == "round") | [.round, .pages_sent, .hot_deferred]] == [[0, 256, 0], [1, 40, 300], [2, 100, 0]]'
check "report --data: the migration, with its unreadable telemetry lines" \
	dq '.[] | select(.kind == "migration") | .method == "dsm-pull" and .cap_bps == 12000000 and .telemetry_bad_lines == 2 and .t0 == 1764300002200000000'

# report_bad NAME FILE STATUS ERR-REGEX: report on a corrupt file exits
# STATUS, says ERR on stderr, does not crash.
report_bad() {
	local out rc
	out=$(timeout 20 "$DSMIG" report "$2" --no-png 2>&1 >"$W/bad.out")
	rc=$?
	echo "# $1: exit $rc: $out"
	check "report, $1: exit $3" test "$rc" -eq "$3"
	check "report, $1: says why" grep -Eq -- "$4" <<<"$out"
}
sed '20s/^{"v":1,/{"v":2,/' "$LOG" >"$W/v2.jsonl"
report_bad "another version" "$W/v2.jsonl" 1 \
	"line 20: session log version 2 is not supported \(this dsmig reads version 1\)"
{ head -4 "$LOG"; printf 'junk\n\x01\x02\xff\n'; tail -n +5 "$LOG"; } >"$W/junk2.jsonl"
report_bad "junk lines" "$W/junk2.jsonl" 0 "skipped 2 bad lines of $((N + 2)) \(first: line 5: not JSON\)"
check "report, junk lines: still the migration's downtime" grep -Eq "downtime .engine.  *45.6 ms" "$W/bad.out"
head -c -300 "$LOG" >"$W/cut.jsonl"
report_bad "truncated" "$W/cut.jsonl" 0 "skipped 1 bad line of $((N - 2)) \(first: line $((N - 2)): not JSON\)"
check "report, truncated: the migration is unfinished, no summary" \
	bash -c "grep -q 'status  *unfinished: the log ends during the migration' '$W/bad.out' &&
		 grep -q 'no engine summary' '$W/bad.out'"
{ head -10 "$LOG"; head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'x'; echo; tail -n +11 "$LOG"; } >"$W/long.jsonl"
report_bad "a 2 MiB line" "$W/long.jsonl" 0 "skipped 1 bad line of $((N + 1)) \(first: line 11: line longer than 1 MiB\)"
printf 'junk\n{"v":1}\n' >"$W/allbad.jsonl"
report_bad "nothing valid" "$W/allbad.jsonl" 1 "no valid session records \(2 bad lines of 2; first: line 1: not JSON\)"
# Hostile strings: an escape sequence in the VM name reaches no terminal.
sed 's/"vm":"cpu1"/"vm":"cpu1\\u001b[2J\\u001b]0;owned\\u0007"/' "$LOG" >"$W/esc.jsonl"
"$DSMIG" report "$W/esc.jsonl" --no-png >"$W/esc.out" 2>&1
check "report, escapes in names: exit 0, no control character printed" \
	bash -c "[ $? -eq 0 ] && grep -q 'Migration 1: cpu1?\[2J?\]0;owned?' '$W/esc.out' && ! LC_ALL=C grep -q \$'[\x01-\x08\x0b-\x1f\x7f]' '$W/esc.out'"
# Long non-ASCII text (cut where it is copied) and an escape in a refused
# record's quoted kind: the report still reads, --data stays JSON.
long=$(printf '\xc3\xa9%.0s' $(seq 300))
{ sed "s/\"error\":null/\"error\":\"$long\"/" "$LOG"
  eng 9000 '"type":"iteration","kind":"\u001b[2J'"$long"'"'; } >"$W/utf8.jsonl"
"$DSMIG" report "$W/utf8.jsonl" --no-png >"$W/utf8.out" 2>&1
check "report, long non-ASCII strings and an escaped kind: exit 0, no control character" \
	bash -c "[ $? -eq 0 ] && grep -q 'unknown kind \"?\[2J' '$W/utf8.out' && ! LC_ALL=C grep -q \$'[\x01-\x08\x0b-\x1f\x7f]' '$W/utf8.out'"
"$DSMIG" report "$W/utf8.jsonl" --data >"$W/utf8.data" 2>/dev/null
check "report --data, long non-ASCII strings: exit 0, every line JSON, the bad line named" \
	bash -c "[ $? -eq 0 ] && jq -s -e '.[0].bad_lines == 1 and (.[0].first_bad_why | test(\"unknown kind\"))' '$W/utf8.data' >/dev/null"
"$DSMIG" report "$W/junk2.jsonl" --data >"$W/data2.out" 2>/dev/null
check "report --data, junk lines: the session line counts them" \
	bash -c "jq -s -e '.[0].bad_lines == 2 and .[0].first_bad == 5 and .[0].first_bad_why == \"not JSON\"' '$W/data2.out' >/dev/null"

# ---- (c) requests are checked before anything runs --------------------------
HOSTS=$W/hosts
printf 'name=hostA runtime=%s\nname=hostB runtime=%s\n' "$HOST_A" "$HOST_B" >"$HOSTS"
export DSMIG_HOSTS=$HOSTS
# refused CMD WHY-REGEX ARGS...: `dsmig CMD cpu1 --to hostB ARGS` exits 2
# with the reason on stderr.
refused() {
	local cmd=$1 why=$2 out rc
	shift 2
	out=$(timeout 20 "$DSMIG" "$cmd" cpu1 --to hostB "$@" 2>&1 >/dev/null)
	rc=$?
	check "$cmd $*: exit 2 (got $rc)" test "$rc" -eq 2
	check "$cmd $*: says why" grep -Eq -- "^dsmig: error: $why" <<<"$out"
}
for cmd in migrate record; do
	refused "$cmd" "bad --bandwidth: 'abc' is not a rate" --bandwidth abc
	refused "$cmd" "bad --bandwidth: rate '12M5': unknown unit 'M5'" --bandwidth 12M5
	refused "$cmd" "bad --bandwidth: empty rate" --bandwidth ""
	refused "$cmd" "unknown --method 'warp'" --method warp
	refused "$cmd" "--ranks must be 2\.\.26, not 1" --ranks 1
	refused "$cmd" "--ranks must be 2\.\.26, not 27" --ranks 27
done

# A request that passes but finds no VM: `dsmig record` says the child's
# reason once, with one prefix, and records it without one.
out=$(XDG_STATE_HOME=$W/state timeout 30 "$DSMIG" record cpu1 --from hostA --to hostB --lead 0 --tail 0 \
	--out "$W/rec.jsonl" 2>&1 >/dev/null)
rc=$?
echo "# record with no VM: exit $rc: $out"
check "record with no VM: exit 1 (got $rc)" test "$rc" -eq 1
check "record with no VM: the reason once, with one 'dsmig: error:' prefix" \
	test "$(grep -c "^dsmig: error: no VM 'cpu1' answers" <<<"$out")" -eq 1 -a \
	     "$(grep -c "error: dsmig: error:" <<<"$out")" -eq 0
check "record with no VM: the exit record's error is the bare reason" \
	jq -s -e '[.[] | select(.event == "exit")] | length == 1 and (.[0].error | startswith("no VM '"'"'cpu1'"'"' answers"))' "$W/rec.jsonl"

if ! command -v mpirun >/dev/null; then
	skip "dsmig-engine under mpirun: mpirun is missing"
else
	out=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 60 \
		mpirun -np 2 --oversubscribe "$BUILD/bin/dsmig-engine" --vm cpu1 \
		--from "$HOST_A" --to "$HOST_B" --bandwidth 12M5 2>&1 </dev/null)
	rc=$?
	check "dsmig-engine --bandwidth 12M5 under mpirun: non-zero exit (got $rc)" \
		test "$rc" -ne 0 -a "$rc" -ne 124
	check "dsmig-engine: rank 0 says why, once" \
		test "$(grep -c "^dsmig-engine\[0\]: error: bad --bandwidth: rate '12M5'" <<<"$out")" -eq 1
	check "dsmig-engine: no other rank repeats it" \
		test "$(grep -c "bad --bandwidth" <<<"$out")" -eq 1
fi

# ---- (d) usage and messages -------------------------------------------------
# The subcommands `dsmig lab --help` lists, and those `dsmig --help` names.
lab_subs=$("$DSMIG" lab --help | sed -n 's/^\(usage:\)\{0,1\} *dsmig lab \([a-z]*\).*/\2/p' | sort | paste -sd'|')
top_subs=$("$DSMIG" --help | sed -n 's/^ *dsmig lab \([a-z|]*\) .*/\1/p' | tr '|' '\n' | sort | paste -sd'|')
echo "# dsmig lab --help: $lab_subs; dsmig --help: $top_subs"
check "dsmig --help lists the lab subcommands of dsmig lab --help" \
	test -n "$lab_subs" -a "$lab_subs" = "$top_subs"
# The lab's default link and the migrations' default cap are one value
# (common/migreq.h): both usages name the same rate.
lab_rate=$("$DSMIG" lab --help | tr '\n' ' ' | sed -n 's/.*capped at RATE *(default \([^,;]*\)[,;].*/\1/p')
mig_rate=$("$DSMIG" migrate --help | tr '\n' ' ' | sed -n 's/.*RATE is in bit\/s:.*(default *\([^)]*\)).*/\1/p')
echo "# default rate: lab '$lab_rate', migrate '$mig_rate'"
check "dsmig lab --help and dsmig migrate --help name the same default rate" \
	test -n "$lab_rate" -a "$lab_rate" = "$mig_rate"

# ---- (e) dsmig migrate's own output, with stand-ins for the VMM and mpirun --
# A stand-in VMM (socat on cpu1's socket: the greeting, then "running" to
# every command; the stand-in mpirun moves it to host B, as a migration
# would) and a stand-in mpirun, first in PATH, which writes the
# telemetry file it is given the summary of (a) (no bytes.postcopy, no
# baseline rate, no fault times) and prints engine messages with escape
# sequences in them.
if ! command -v socat >/dev/null; then
	skip "dsmig migrate with stand-ins: socat is missing"
else
	FAKE=$W/fake
	mkdir -p "$FAKE"
	cat >"$FAKE/vmm" <<'EOS'
#!/bin/bash
echo '{"dsmig":{"protocol":1,"version":"0.1","name":"cpu1"}}'
while IFS= read -r line; do
	echo "{\"return\":{\"status\":\"running\",\"postcopy\":\"off\"},\"id\":$(jq -c .id <<<"$line")}"
done
EOS
	{
		echo '#!/bin/bash'
		echo 'while [ $# -gt 0 ] && [ "$1" != --telemetry ]; do shift; done'
		echo 'cat >"$2" <<'"'EOT'"
		eng 1100 '"type":"start","vm":"cpu1","method":"dsm-pull","hv":"kvm","src":"/run/a","dst":"/run/b","ranks":2,"bandwidth_bps":12000000,"mem_bytes":16777216,"vcpus":1,"max_iters":5,"target_dirty":64,"verify":false' | jq -c .ev
		round 3500 0 precopy 256 0 340 | jq -c .ev
		session_log | grep '"type":"summary"' | jq -c .ev
		echo 'EOT'
		printf '%s\n' "printf 'dsmig-engine[0]: warning: \\033[2J\\033]0;owned\\007cleared\\n' >&2"
		# What a real engine leaves: the source released, the VM on
		# the destination (dsmig migrate asks both before it says 0).
		echo "rm -f '$HOST_A/cpu1.sock'"
		# (without the ranks' tag, as the engine starts a real VMM)
		echo "(env -u DSMIG_MIGRATION timeout 20 socat UNIX-LISTEN:'$HOST_B/cpu1.sock',fork EXEC:'$FAKE/vmm' >/dev/null 2>&1 &)"
		echo "for i in \$(seq 50); do [ -S '$HOST_B/cpu1.sock' ] && break; sleep 0.1; done"
		echo 'exit 0'
	} >"$FAKE/mpirun"
	chmod +x "$FAKE/vmm" "$FAKE/mpirun"
	socat UNIX-LISTEN:"$HOST_A/cpu1.sock",fork EXEC:"$FAKE/vmm" &
	TEST_PIDS+=($!)
	for i in $(seq 50); do [ -S "$HOST_A/cpu1.sock" ] && break; sleep 0.1; done
	PATH=$FAKE:$PATH timeout 30 "$DSMIG" migrate cpu1 --to hostB --method dsm-pull \
		>"$W/mig.out" 2>"$W/mig.err"
	rc=$?
	sed 's/^/# /' "$W/mig.out" "$W/mig.err" | LC_ALL=C tr -d '\000-\010\013-\037\177'
	check "migrate with stand-ins: exit 0 (got $rc)" test "$rc" -eq 0
	check "migrate: no baseline rate, so the slowdown is n/a (not 0.0%)" \
		grep -q "before 0\.0/s, during 95\.5/s (slowdown n/a), after 101\.2/s" "$W/mig.out"
	check "migrate: post-copy values the summary carried, n/a for what it lacked" \
		grep -Eq "post-copy +120 pages after resume \(n/a\): 7 faults, median n/a, max n/a; all resident after n/a \(n/a: not in the engine's summary\)" "$W/mig.out"
	check "migrate: the engine's message, cleaned of control characters" \
		bash -c "grep -q '^dsmig-engine\[0\]: warning: ?\[2J?\]0;owned?cleared' '$W/mig.err' && ! LC_ALL=C grep -q \$'[\x01-\x08\x0b-\x1f\x7f]' '$W/mig.err'"
fi
