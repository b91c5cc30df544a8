#!/bin/bash
# `dsmig record`: one migration recorded as a console session without a
# screen, through the console's own live data path. The log must hold the
# probes of both hosts, the engine's telemetry and the migration's end,
# replay-ready; `dsmig report` must plot it; bad requests fail clearly.
# Without --from the source is the host whose VMM runs the VM (issue 14,
# defect 12: it was the hosts file's first host), so hostB is listed
# first here: a VM on hostA sent to hostA is refused at once, and sent
# to hostB it moves from hostA.
. "$(dirname "$0")/lib.sh"
require_vms

HOSTS="$HOST_A/hosts"
LOG="$HOST_A/session.jsonl"
printf 'name=hostB runtime=%s\nname=hostA runtime=%s\n' "$HOST_B" "$HOST_A" >"$HOSTS"

# refused_at_once NAME RC WHY ARGS...: `dsmig record ARGS` exits RC
# within 1.5 s (its default lead alone is 2 s), with one "dsmig: error:"
# line containing WHY (a fixed string), and writes no session log.
refused_at_once() {
	local name=$1 want=$2 why=$3 out rc t0 ms
	shift 3
	rm -f "$HOST_A/refused.jsonl"
	t0=$(date +%s%N)
	out=$(timeout 60 "$DSMIG" record "$@" --hosts "$HOSTS" --out "$HOST_A/refused.jsonl" 2>&1)
	rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	echo "# record $*: exit $rc after $ms ms: $out"
	check "record, $name: exit $want at once, saying '$why'" \
		bash -c "[ $rc -eq $want ] && [ $ms -lt 1500 ] && [ \"\$(wc -l <<<\"\$1\")\" -eq 1 ] &&
			 [[ \$1 == 'dsmig: error: '*\"\$2\"* ]]" _ "$out" "$why"
	check "record, $name: nothing started, no session log" test ! -e "$HOST_A/refused.jsonl"
}

start_vm rec idle
refused_at_once "source = destination (the VM is on hostA, the first host is hostB)" 2 \
	"VM 'rec' is already on hostA, the destination: source and destination are the same host" \
	rec --to hostA
timeout 60 "$DSMIG" record rec --to hostB --hosts "$HOSTS" --method dsm --bandwidth 12M \
	--out "$LOG" --lead 1 --tail 1 >"$HOST_A/rec.out" 2>&1
rc=$?
check "record: the migration succeeds (exit 0)" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/rec.out"
check "record: the VM runs on hostB" \
	test "$(on_b "$VMM" ctl rec query-status | jq -r .status)" = running
count() { jq -s "[.[] | select($1)] | length" "$LOG"; }
check "record: without --from, the source is the VM's host (hostA), not the first (hostB)" \
	test "$(jq -r 'select(.src == "migration" and .event == "start") | .from' "$LOG")" = hostA
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
refused_at_once "a VM on no host" 1 "no VM 'ghost' answers on any host (hostB, hostA)" \
	ghost --to hostB
start_vm twin idle
DSMIG_RUNTIME_DIR=$HOST_B start_vm twin idle
refused_at_once "a VM on two hosts" 1 \
	"VM 'twin' is on 2 hosts (hostB: running, hostA: running): name the source with --from" \
	twin --to hostA
timeout 60 "$DSMIG" record ghost --from hostA --to hostB --hosts "$HOSTS" \
	--out "$HOST_A/ghost.jsonl" --lead 0 --tail 0 >"$HOST_A/ghost.out" 2>&1
rc=$?
check "record --from a host without the VM: exit 1, the child's reason once, one prefix" \
	bash -c "[ $rc -eq 1 ] &&
		 [ \$(grep -c \"^dsmig: error: no VM 'ghost' answers on $HOST_A\" '$HOST_A/ghost.out') -eq 1 ] &&
		 ! grep -q 'error: dsmig: error:' '$HOST_A/ghost.out'"
check "... and the failed attempt is recorded, the bare reason in its exit record" \
	test "$(jq -s '[.[] | select(.src == "migration" and .event == "exit")]
		      | length == 1 and (.[0].error | startswith("no VM '"'ghost'"' answers"))' \
		"$HOST_A/ghost.jsonl")" = true
