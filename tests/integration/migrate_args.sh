#!/bin/bash
# Without KVM: a migration request is checked before anything starts
# (issue 12, findings 2 and 9). `dsmig migrate` and `dsmig record` refuse
# bad rates (-5, nan, inf, 1e-300, 12M5, below 1 kbit/s), ranks the VMMs
# cannot serve (each host's VMM has CTL_MAX_CLIENTS control slots, some
# kept free), and a destination that is the source directory spelt
# another way (DIR/, DIR/sub/.., a symlink, a second host name): exit 2
# with the reason on one line, and the source's VMM (a socat stand-in
# that notes every connection) never contacted. dsmig-engine under
# mpirun refuses the same values, and its own MPI world size, with the
# same words.
. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/dsmig-test-args.XXXXXX)
trap 'cleanup; rm -rf "$W"' EXIT
if ! command -v socat >/dev/null; then
	skip "migrate_args: socat is missing (make deps)"
	exit 0
fi

# The stand-in VMM of cpu1 on hostA: each connection appends a line to
# $CONTACT and is then dropped (no greeting: the client gives up).
CONTACT=$W/contacted
socat -u UNIX-LISTEN:"$HOST_A/cpu1.sock",fork SYSTEM:"echo connect >>'$CONTACT'" &
TEST_PIDS+=("$!")
for _ in $(seq 50); do [ -S "$HOST_A/cpu1.sock" ] && break; sleep 0.1; done

mkdir -p "$HOST_A/sub"
ln -s "$HOST_A" "$W/link"
HOSTS=$W/hosts
printf '%s\n' "name=hostA runtime=$HOST_A" "name=hostB runtime=$HOST_B" \
	"name=hostA2 runtime=$HOST_A/" "name=hostA3 runtime=$W/link" >"$HOSTS"
export DSMIG_HOSTS=$HOSTS

# refused CMD TO WHY ARGS...: `dsmig CMD cpu1 --to TO ARGS` exits 2 with
# one line on stderr, "dsmig: error: " and WHY (a fixed string) in it,
# and nobody connected to the VMM.
refused() {
	local cmd=$1 to=$2 why=$3 out rc extra=()
	shift 3
	[ "$cmd" = record ] && extra=(--lead 0 --tail 0)
	rm -f "$CONTACT"
	out=$(XDG_STATE_HOME=$W/state timeout 20 "$DSMIG" "$cmd" cpu1 --to "$to" "$@" \
		"${extra[@]}" 2>&1 >/dev/null)
	rc=$?
	echo "# $cmd --to $to $*: exit $rc: $out"
	check "$cmd --to $to $*: exit 2, one line, the reason" \
		one_line_reason "$rc" "$out" "$why"
	check "$cmd --to $to $*: the VMM was not contacted" test ! -e "$CONTACT"
}
# one_line_reason RC OUT WHY: exit 2 and OUT one "dsmig: error:" line
# that contains WHY.
one_line_reason() {
	[ "$1" -eq 2 ] && [ "$(wc -l <<<"$2")" -eq 1 ] && [[ $2 == "dsmig: error: "*"$3"* ]]
}

for cmd in migrate record; do
	to=hostB
	[ "$cmd" = migrate ] && to=$HOST_B
	refused $cmd "$to" "negative rate '-5'" --bandwidth -5
	refused $cmd "$to" "'nan' is not a rate" --bandwidth nan
	refused $cmd "$to" "'inf' is not a rate" --bandwidth inf
	refused $cmd "$to" "rate '1e-300': unknown unit 'e-300'" --bandwidth 1e-300
	refused $cmd "$to" "rate '12M5': unknown unit 'M5'" --bandwidth 12M5
	refused $cmd "$to" "rate '0.5' is below 1 bit/s" --bandwidth 0.5
	refused $cmd "$to" "--bandwidth must be 0 (unlimited) or 1k..1000G bit/s, not 999 bit/s" \
		--bandwidth 999
	refused $cmd "$to" "rate '12MB' is in bytes" --bandwidth 12MB
	refused $cmd "$to" "--ranks must be 2..26, not 1" --ranks 1
	refused $cmd "$to" "--ranks must be 2..26, not 27" --ranks 27
	refused $cmd "$to" "--ranks must be 2..26, not 34 (a VMM serves 16 control clients" --ranks 34
done

# The same host, spelt otherwise.
for to in "$HOST_A" "$HOST_A/" "$HOST_A/sub/.." "$HOST_A//./sub/../" "$W/link" hostA2 hostA3; do
	refused migrate "$to" "source and destination are the same host ($HOST_A"
done
# --from given: without it record asks the hosts' VMMs where the VM is.
for to in hostA hostA2 hostA3; do
	refused record "$to" "source and destination are the same host ($HOST_A" --from hostA
done

# Good values reach the VMM: the stand-in notices (so that "not
# contacted" above means something), and the request fails there.
rm -f "$CONTACT"
timeout 20 "$DSMIG" migrate cpu1 --to "$HOST_B" --bandwidth 1k --ranks 26 >/dev/null 2>"$W/good.err"
rc=$?
echo "# good request: exit $rc: $(cat "$W/good.err")"
check "good values: the VMM is asked (exit 1, no VM answers)" \
	test "$rc" -eq 1 -a -e "$CONTACT"

if ! command -v mpirun >/dev/null; then
	skip "dsmig-engine under mpirun: mpirun is missing"
	exit 0
fi
# engine NP ARGS...: dsmig-engine on NP ranks; its output in $out.
engine() {
	local np=$1
	shift
	out=$(OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 \
		mpirun -np "$np" --oversubscribe "$BUILD/bin/dsmig-engine" --vm cpu1 \
		--from "$HOST_A" --to "$HOST_B" "$@" 2>&1 </dev/null)
}
rm -f "$CONTACT"
engine 2 --bandwidth 999
check "dsmig-engine --bandwidth 999: rank 0 says why, once" \
	test "$(grep -c "^dsmig-engine\[0\]: error: --bandwidth must be 0 (unlimited) or 1k" <<<"$out")" -eq 1
engine 2 --ranks 27
check "dsmig-engine --ranks 27: refused" \
	grep -q "^dsmig-engine\[0\]: error: --ranks must be 2..26, not 27" <<<"$out"
# MPI's own count, whatever --ranks says.
engine 27
check "dsmig-engine on 27 ranks: refused before any VMM is asked" \
	grep -q "^dsmig-engine\[0\]: error: mpirun -np 27: --ranks must be 2..26" <<<"$out"
check "dsmig-engine: the VMM was not contacted" test ! -e "$CONTACT"
