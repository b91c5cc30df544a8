#!/bin/bash
# The dsm method on the video workload, whose frame buffers are rewritten
# every round: it holds those hot pages back instead of resending them, so
# its iterative rounds send fewer pages than classic pre-copy's, and the
# destination memory is still exact (--verify).
. "$(dirname "$0")/lib.sh"
require_vms

run() {   # run NAME METHOD: migrate a fresh memory VM at 40 Mbit/s,
	 # uncompressed, so that the methods alone make the difference
	start_vm "$1" memory
	sleep 1
	"$DSMIG" migrate "$1" --to "$HOST_B" --bandwidth 40M --verify --method "$2" \
		--compress off --delta off --log "$HOST_A/$1.jsonl" >"$HOST_A/$1.out" 2>&1
}

run vp precopy
check "precopy: migrates" test $? -eq 0
run vd dsm
rc=$?
check "dsm: migrates with --verify clean" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/vd.out"
log="$HOST_A/vd.jsonl"
hot=$(jq -s '[.[] | select(.type=="iteration") | .hot_deferred] | max' "$log")
check "dsm: hot pages were held back ($hot)" holds "$hot > 100"
check "dsm: the stop-and-copy phase reports them" \
	holds "$(jq -s '[.[] | select(.type=="phase" and .phase=="stop-and-copy") | .hot_pages][0]' "$log") > 0"
pre=$(jq -s '[.[] | select(.type=="iteration" and .kind=="precopy" and .round > 0) | .pages_sent] | add // 0' "$HOST_A/vp.jsonl")
dsm=$(jq -s '[.[] | select(.type=="iteration" and .kind=="precopy" and .round > 0) | .pages_sent] | add // 0' "$log")
check "dsm resends fewer pages before stop-and-copy than precopy ($dsm < $pre)" holds "$dsm < $pre"
check "dsm: the guest's frames are intact on the destination" \
	test "$(on_b "$VMM" ctl vd query-stats | jq .counters.selfcheck_fail)" = 0

# The page-heat map: a "heat" record before each round's pages, whose
# held-back pages are that round's hot_deferred, in cells that are marked
# held ('h': at least one cell, at most one a held page); hot cells are hot.
heat=$(jq -c -s '[.[] | select(.type=="heat")] | map({round, held_pages,
	cells: (.state | [scan("h")] | length), ppc: .pages_per_cell,
	hotcells: ([.dirty | explode[] | select(. >= 56)] | length)})' "$log")
rounds=$(jq -c -s '[.[] | select(.type=="iteration") | {round, hot_deferred}]' "$log")
check "dsm: one heat record per round ($(jq length <<<"$heat") = $(jq length <<<"$rounds"))" \
	test "$(jq length <<<"$heat")" = "$(jq length <<<"$rounds")"
check "dsm: each heat record's held pages are its round's hot_deferred" \
	test "$(jq -c '[.[] | [.round, .held_pages]]' <<<"$heat")" = \
	     "$(jq -c '[.[] | [.round, .hot_deferred]]' <<<"$rounds")"
check "dsm: held-back cells hold the held pages (cells <= pages <= cells x pages a cell)" \
	test "$(jq '[.[] | select(.cells > .held_pages or .held_pages > .cells * .ppc or
		((.held_pages > 0) != (.cells > 0)))] | length' <<<"$heat")" = 0
check "dsm: a round with pages held back shows hot cells" \
	test "$(jq '[.[] | select(.held_pages > 0 and .hotcells == 0)] | length' <<<"$heat")" = 0

# Compression and delta encoding forced on (auto leaves them off without a
# cap): the destination memory must still be exact, and bytes must fall.
start_vm vz memory
sleep 1
"$DSMIG" migrate vz --to "$HOST_B" --bandwidth 0 --verify --method dsm \
	--compress on --delta on --log "$HOST_A/vz.jsonl" >"$HOST_A/vz.out" 2>&1
rc=$?
check "compress+delta: migrates with --verify clean" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/vz.out"
check "compress+delta: the start event says they are on" \
	test "$(jq -r 'select(.type=="start") | "\(.compress) \(.delta)"' "$HOST_A/vz.jsonl")" = "true true"
per_page() { jq -s '[.[] | select(.type=="iteration")] | ([.[].payload_bytes] | add) / ([.[].pages_sent - .[].zero_pages] | add)' "$1"; }
check "compress+delta: fewer payload bytes per page than plain ($(per_page "$HOST_A/vz.jsonl") < 4096)" \
	holds "$(per_page "$HOST_A/vz.jsonl") < 4000"
check "compress+delta: the guest's frames are intact" \
	test "$(on_b "$VMM" ctl vz query-stats | jq .counters.selfcheck_fail)" = 0
