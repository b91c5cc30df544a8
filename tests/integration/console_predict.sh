#!/bin/bash
# Prediction before the launch (docs/console.md, "Prediction"), on real
# guests: (a) the VMM's query-footprint; (b) `dsmig predict`; (c) the
# console's dialog predicting every method for the selected VM at the cap
# typed, in tmux; the card of the run set against its prediction; the
# same card in the session's replay.
. "$(dirname "$0")/lib.sh"

W=$HOST_A                     # scratch, removed by cleanup
T="tmux -L dsmig-predict-test-$$"
trap '$T kill-server 2>/dev/null; cleanup' EXIT

if ! require_vms 2>/dev/null; then
	skip "prediction: no accelerator for guests here"
	exit 0
fi
start_vm mm memory
start_vm ii idle
sleep 2

# ---- (a) the VMM's footprint -------------------------------------------------
for _ in 1 2 3; do ctl mm query-footprint >/dev/null; ctl ii query-footprint >/dev/null; sleep 1.05; done
ctl mm query-footprint >"$W/mm.json"
ctl ii query-footprint >"$W/ii.json"
echo "# mm: $(cat "$W/mm.json")"
echo "# ii: $(cat "$W/ii.json")"
check "query-footprint: three closed windows of about a second" \
	jq -e '.windows == 3 and .window_s > 0.9 and .window_s < 1.6' "$W/mm.json"
check "... the memory guest rewrites a hot set: hot within the working set, within RAM" \
	jq -e '.hot_pages > 500 and .hot_pages <= .ws_pages and .ws_pages < .mem_pages' "$W/mm.json"
check "... the idle guest has next to none" jq -e '.hot_pages < 100 and .dirty_pps < 200' "$W/ii.json"
check "... RAM mostly zero pages, a sample of the rest encoded (records included)" \
	jq -e '.zero_pages > 8000 and .zero_pages < .mem_pages and .sample_pages > 100 and .sample_bytes > 16 * .sample_pages and .sample_bytes < 4200 * .sample_pages' "$W/mm.json"

# ---- (b) dsmig predict ---------------------------------------------------------
"$DSMIG" predict mm --to "$HOST_B" --bandwidth 12M --json >"$W/p.json" 2>"$W/p.err"
check "dsmig predict: every method predicted at 12M" \
	jq -e '[.methods[] | select(.total_s > 0 and .bytes > 0)] | length == 3' "$W/p.json"
check "... dsm holds the hot set back: fewer bytes than precopy" \
	jq -e '.methods.dsm.bytes < .methods.precopy.bytes' "$W/p.json"
check "... dsm-pull's downtime is the switch-over alone, precopy's the hot set's transfer" \
	jq -e '.methods["dsm-pull"].downtime_s < 0.1 and .methods.precopy.downtime_s > 1' "$W/p.json"
"$DSMIG" predict mm --to "$HOST_B" --bandwidth 0 --json >"$W/p0.json"
check "uncapped: n/a, with the reason" \
	jq -e '[.methods[] | select(.error | test("uncapped"))] | length == 3' "$W/p0.json"
"$DSMIG" predict nosuchvm --to "$HOST_B" >/dev/null 2>"$W/p.err"
check "a VM no VMM has: exit 1" test $? -eq 1
"$DSMIG" predict mm --to "$HOST_B" --bandwidth abc >/dev/null 2>&1
check "a bad cap: exit 2" test $? -eq 2

# ---- (c) the console -----------------------------------------------------------
if ! command -v tmux >/dev/null; then
	skip "prediction in the console: tmux is missing"
	exit 0
fi
STATE=$W/state
HOSTS=$W/hosts
printf 'name=hostA runtime=%s\nname=hostB runtime=%s\n' "$HOST_A" "$HOST_B" >"$HOSTS"
$T new-session -d -s con -x 140 -y 40 \
	"cd '$PWD'; LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' DSMIG_HOSTS='$HOSTS' XDG_STATE_HOME='$STATE' '$DSMIG'"
check "the console lists mm" wait_for " mm  *running" 5
sleep 3     # the probe's footprint, once a second
$T send-keys -t con Down Enter     # rows by name: ii, mm
check "mm's dialog" wait_for "Migrate mm from hostA" 3
check "the dialog predicts every method at 12M, the chosen one marked" \
	wait_for "precopy  *[0-9.]* s  *[0-9]* ms  *[0-9.]*  <" 5
check "... dsm and dsm-pull too" \
	bash -c "$T capture-pane -p -t con | grep -Eq 'dsm +[0-9.]+ s' && $T capture-pane -p -t con | grep -Eq 'dsm-pull +[0-9.]+ s +[0-9]+ ms'"
$T send-keys -t con Down Down BSpace BSpace BSpace 0
check "an uncapped cap: n/a and why" wait_for "precopy  *n/a: uncapped" 3
$T send-keys -t con BSpace a b c
check "a cap that is no rate: n/a and why" wait_for "precopy  *n/a: the cap is not a rate" 3
$T send-keys -t con Escape Up Enter
check "ii's dialog" wait_for "Migrate ii from hostA" 3
$T send-keys -t con Enter      # the paper's 12M
check "the card sets the run against its prediction" \
	wait_for "Predicted before launch  *[0-9.]* s, down [0-9]* ms, [0-9.]* MiB" 40
check "... and how far off each number was" on_screen "off by +[+-][0-9]+%, [+-][0-9]+%, [+-][0-9]+%"
# The idle guest at 12M: round 0 is all there is, and the link sets its
# time: the prediction is within a quarter for time and bytes.
errs=$(screen | sed -n 's/.*off by  *\([+-][0-9]*\)%, [+-][0-9]*%, \([+-][0-9]*\)%.*/\1 \2/p')
echo "# idle at 12M, prediction errors (total, bytes): $errs"
check "... idle at 12M: total time and bytes within 25% ($errs)" \
	holds "[$(tr -d + <<<"${errs:-999 999}" | tr ' ' ,)] | map(fabs) | max <= 25"
$T send-keys -t con q
sleep 1
$T send-keys -t con y 2>/dev/null
sleep 1
session=$(ls -t "$STATE"/dsmig/*.jsonl 2>/dev/null | head -1)
check "the start record holds the prediction" \
	jq -e -s '[.[] | select(.event == "start" and .predicted_total_s > 0 and .predicted_bytes > 0)] | length == 1' "$session"
check "the probe records carry the footprint (all fp_ fields or none)" \
	jq -e -s '[.[] | select(.probe == "vm" and has("fp_windows"))] as $f | ($f | length) > 0 and ([$f[] | select(has("fp_sample_bytes") | not)] | length == 0)' "$session"
reset_tmux
$T new-session -d -s con -x 140 -y 40 \
	"LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' XDG_STATE_HOME='$W/rstate' '$DSMIG' replay '$session' --speed 8; sleep 5"
check "the replay's card has the same prediction" wait_for "Predicted before launch  *[0-9.]* s, down" 40
