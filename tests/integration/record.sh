#!/bin/bash
# `dsmig record`: one migration recorded as a console session without a
# screen, through the console's own live data path. The log must hold the
# probes of both hosts, the engine's telemetry and the migration's end,
# replay-ready; `dsmig report` must plot it; bad requests fail clearly.
. "$(dirname "$0")/lib.sh"
require_vms

HOSTS="$HOST_A/hosts"
LOG="$HOST_A/session.jsonl"
printf 'name=hostA runtime=%s\nname=hostB runtime=%s\n' "$HOST_A" "$HOST_B" >"$HOSTS"

start_vm rec idle
timeout 60 "$DSMIG" record rec --to hostB --hosts "$HOSTS" --method dsm --bandwidth 12M \
	--out "$LOG" --lead 1 --tail 1 >"$HOST_A/rec.out" 2>&1
rc=$?
check "record: the migration succeeds (exit 0)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/rec.out"
check "record: the VM runs on hostB" \
	test "$(on_b "$VMM" ctl rec query-status | jq -r .status)" = running
count() { jq -s "[.[] | select($1)] | length" "$LOG"; }
check "record: the session is opened and closed" \
	test "$(count '.src == "session"')" -eq 2
check "record: vCPU probes of the VM on both hosts" \
	holds "$(count '.src == "probe" and .probe == "vm" and .host == "hostA" and .vm == "rec"') > 5 and
	       $(count '.src == "probe" and .probe == "vm" and .host == "hostB" and .vm == "rec"') > 5"
check "record: network probe records" holds "$(count '.src == "probe" and .probe == "net"') > 5"
check "record: the engine's summary is in the log" \
	test "$(count '.src == "engine" and .ev.type == "summary"')" -eq 1
check "record: the migration's end, exit 0" \
	test "$(jq -s '[.[] | select(.src == "migration" and .event == "exit")][0].status' "$LOG")" = 0
"$DSMIG" report "$LOG" --out "$HOST_A/plots" >"$HOST_A/report.out" 2>&1
check "report on the recording: moved, three plots" \
	bash -c "grep -q 'moved (exit 0)' '$HOST_A/report.out' && [ \$(ls '$HOST_A'/plots/*.png | wc -l) -eq 3 ]"

"$DSMIG" record rec >/dev/null 2>&1
check "record without --to: usage error (exit 2)" test $? -eq 2
"$DSMIG" record rec --to nowhere --hosts "$HOSTS" >/dev/null 2>&1
check "record to an unknown host: usage error (exit 2)" test $? -eq 2
timeout 60 "$DSMIG" record ghost --to hostB --hosts "$HOSTS" --out "$HOST_A/ghost.jsonl" \
	--lead 0 --tail 0 >"$HOST_A/ghost.out" 2>&1
rc=$?
check "record of a VM that does not exist: fails (exit $rc) and says why" \
	bash -c "[ $rc -ne 0 ] && grep -qi 'ghost' '$HOST_A/ghost.out'"
check "... and the failed attempt is still recorded" \
	test "$(jq -s '[.[] | select(.src == "migration" and .event == "exit")] | length' "$HOST_A/ghost.jsonl")" = 1
