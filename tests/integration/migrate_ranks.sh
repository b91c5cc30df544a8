#!/bin/bash
# 2, 3 and 4 ranks must all move a busy guest with identical destination
# memory (--verify compares page hashes of the paused source and the
# destination), and a VM can move back and forth.
. "$(dirname "$0")/lib.sh"
require_vms

start_vm job cpu -- out=16M region=8M
sleep 0.5
here=$HOST_A there=$HOST_B
for ranks in 2 3 4; do
	log="$HOST_A/r$ranks.jsonl"
	# precopy with 2 ranks, dsm with 3, dsm-pull with 4
	case $ranks in 2) method=precopy ;; 3) method=dsm ;; *) method=dsm-pull ;; esac
	"$DSMIG" migrate job --from "$here" --to "$there" --bandwidth 0 --verify \
		--ranks "$ranks" --method "$method" --log "$log" >"$HOST_A/r$ranks.out" 2>&1
	rc=$?
	check "$ranks ranks ($method): migration $here -> $there succeeds" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/r$ranks.out"
	check "$ranks ranks: --verify clean" \
		test "$(jq -r 'select(.type=="summary") | .verify' "$log")" = clean
	check "$ranks ranks: start event records the rank count" \
		test "$(jq -r 'select(.type=="start") | .ranks' "$log")" = "$ranks"
	check "$ranks ranks: every page of round 0 was applied" \
		test "$(jq -r 'select(.type=="iteration" and .round==0) | .pages_sent' "$log")" = 16384
	tmp=$here here=$there there=$tmp
done
check "the guest still passes its self-check after three moves" \
	test "$(DSMIG_RUNTIME_DIR=$here "$VMM" ctl job query-stats | jq .counters.selfcheck_fail)" = 0
