#!/bin/bash
# Without KVM: `dsmig report`'s heading and plots line on a hand-written
# session log (issue 14, defect 14). Each migration's heading names its
# ranks and its cap in words: an uncapped run says "uncapped" (it said
# "none cap"), a run that failed before the engine started still shows
# the ranks the console asked for (they were missing); the plots line
# names the files written, each of which exists (once a brace list,
# "-{vcpu,net,}.png").
. "$(dirname "$0")/lib.sh"

W=$HOST_A                     # scratch, removed by cleanup
LOG=$W/session.jsonl

# vm MS HOST PCT: a vCPU probe record of the VM web.
vm() {
	rec "$1" "\"src\":\"probe\",\"probe\":\"vm\",\"host\":\"$2\",\"vm\":\"web\",\"state\":\"running\",\"workload\":\"net\",\"vcpus\":1,\"mem_bytes\":16777216,\"vcpu_pct\":[$3],\"progress\":100"
}
# Migration 1: uncapped, on 4 ranks, to the end. Migration 2: capped at
# 12M on 6 ranks, refused before the engine started (no engine record).
{
	rec 0 '"src":"session","event":"open","mode":"live","hosts":[{"name":"hostA","runtime":"/run/a"},{"name":"hostB","runtime":"/run/b"}],"cap_bps":0'
	vm 100 hostA 40.0
	rec 1000 '"src":"migration","mig":1,"event":"start","vm":"web","from":"hostA","to":"hostB","method":"precopy","bandwidth":"0","ranks":4,"max_iters":5,"verify":false'
	eng 1100 '"type":"start","vm":"web","method":"precopy","hv":"kvm","src":"/run/a","dst":"/run/b","ranks":4,"bandwidth_bps":0,"mem_bytes":16777216,"vcpus":1,"max_iters":5,"target_dirty":64,"verify":false'
	eng 1200 '"type":"phase","phase":"precopy"'
	vm 1300 hostA 45.0
	eng 1400 '"type":"sample","phase":"precopy","round":0,"bytes":1048576,"rate_bps":90000000.0,"dirty_pages":30,"vcpu_pct":45.0,"progress":120'
	eng 1500 '"type":"iteration","round":0,"kind":"precopy","pages_in_set":256,"pages_sent":256,"zero_pages":0,"payload_bytes":1048576,"header_bytes":4096,"bytes":1052672,"duration_ns":300000000,"dirtied_pages":30,"dirty_rate_pps":100.0,"hot_deferred":0'
	eng 1600 '"type":"phase","phase":"stop-and-copy","reason":"target-dirty"'
	eng 1650 '"type":"phase","phase":"resumed","downtime_ns":20000000,"guest_downtime_ns":21000000'
	vm 1700 hostB 44.0
	eng 1800 '"type":"phase","phase":"done"'
	eng 1810 '"type":"summary","ok":true,"total_time_ns":600000000,"downtime_ns":20000000,"guest_downtime_ns":21000000,"bytes_total":1100000,"bytes":{"rounds":1052672,"state":40000,"verify":0,"control":7328},"iterations":1,"stop_reason":"target-dirty","progress_rate":{"before":100,"during":95,"after":100},"slowdown_pct":5.0,"verify":"off","selfcheck_fail":0'
	rec 1900 '"src":"migration","mig":1,"event":"exit","status":0,"error":null'
	rec 3000 '"src":"migration","mig":2,"event":"start","vm":"web","from":"hostB","to":"hostA","method":"dsm","bandwidth":"12M","ranks":6,"max_iters":5,"verify":false'
	rec 3100 '"src":"migration","mig":2,"event":"exit","status":1,"error":"no VM answers"'
	rec 4000 '"src":"session","event":"close"'
} >"$LOG"

"$DSMIG" report "$LOG" --out "$W/plots" >"$W/report.out" 2>"$W/report.err"
rc=$?
sed 's/^/# /' "$W/report.out" "$W/report.err"
check "report: exits 0" test "$rc" -eq 0
check "an uncapped run reads 'uncapped', with the engine's ranks" \
	grep -qx "Migration 1: web  hostA -> hostB  precopy, 4 ranks, uncapped" "$W/report.out"
check "a run the engine never started shows the ranks asked for, and the cap" \
	grep -qx "Migration 2: web  hostB -> hostA  dsm, 6 ranks, 12 Mbit/s cap" "$W/report.out"
check "no 'none cap' anywhere" bash -c "! grep -q 'none cap' '$W/report.out'"

# The files the plots line of migration 1 names: real names, each a file.
plots=$(grep -m1 '^  plots ' "$W/report.out" | sed 's/^  plots  *//')
echo "# migration 1's plots: $plots"
listed() {
	local f n=0
	[[ $plots != *[{}]* ]] || return 1
	IFS=, read -ra files <<<"$plots"
	for f in "${files[@]}"; do
		f=${f# }
		[ -s "$f" ] || return 1
		n=$((n + 1))
	done
	[ "$n" -eq "$(ls "$W"/plots/session-mig1-*.png | wc -l)" ] && [ "$n" -gt 0 ]
}
check "the plots line names each PNG written, by its real name" listed
