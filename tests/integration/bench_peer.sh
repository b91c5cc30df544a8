#!/bin/bash
# make bench-peer in miniature (bench/peer.sh; docs/benchmarks.md "Side by
# side with QEMU"): one QEMU pre-copy over QMP (bench/qmp_migrate.py) and
# one dsmig dsm migration of the same writer guest, measured from outside
# both. Both converge; the guest's own lines carry on at the destination;
# the wire carries at least the working set; the table, the JSON lines and
# the plot are written. Then the report alone over hand-made runs: hostile
# guest lines, a system whose name would break a gnuplot string and a run
# with no engine report are refused or shown as such, and the numbers it
# computes are the ones the lines give.
. "$(dirname "$0")/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}
BENCH=$(cd "$(dirname "$0")/../../bench" && pwd)
W=$HOST_A/work
mkdir -p "$W"

jqe() { jq -e "$@" >/dev/null; }
is_png() { [ "$(head -c 4 "$1" 2>/dev/null | tail -c 3)" = PNG ]; }

report_only() {
	# ---- the report over hand-made runs (no VM needed) -----------------
	R=$W/runs
	mkdir -p "$R/run-1" "$R/run-2" "$R/run-3"
	# run 1: 1000 pages/s before, a 250 ms gap over the switch, then on.
	printf '{"system":"dsmig-dsm","cap":"0","workload":"writer","args":"rate=1000","run":1}' >"$R/run-1/meta.json"
	for t in 100 200 300 400 500; do echo "writer: t_ms=$t pages=$t gap_us=1000"; done >"$R/run-1/src.console"
	{
		echo "writer: t_ms=750 pages=520 gap_us=250000"
		echo "writer: t_ms=850 pages=620 gap_us=900"
		echo "writer: t_ms=950 pages=720 gap_us=900"
	} >"$R/run-1/dst.console"
	echo 5 >"$R/run-1/lines_before"
	echo 1500 >"$R/run-1/wall_ms"
	echo 1000000000 >"$R/run-1/t0_mono"
	printf '{"wire":1}\n{"t_ns":1000000000,"bytes":0}\n{"t_ns":1200000000,"bytes":70000}\n{"t_ns":1400000000,"bytes":3000000}\n' >"$R/run-1/wire.jsonl"
	printf '{"summary":{"total_time_ns":400000000,"downtime_ns":5000000,"stop_reason":"downtime-target"}}' >"$R/run-1/engine.json"
	# run 2: hostile lines and a name gnuplot must never see.
	printf '{"system":"x\\" ; system(\\"touch %s/pwned\\") ; \\"","cap":"0","workload":"writer","args":"rate=1000","run":1}' "$W" >"$R/run-2/meta.json"
	{
		echo 'writer: t_ms=100 pages=1 gap_us=5; rm -rf /'
		echo "writer: t_ms=99999999999999999999 pages=1 gap_us=1"
		printf 'writer: t_ms=200 pages=2 gap_us=3\0\n'
		head -c 100000 /dev/zero | tr '\0' 'A'; echo
	} >"$R/run-2/src.console"
	echo 0 >"$R/run-2/lines_before"
	printf '{"summary":{"total_time_ns":1}}' >"$R/run-2/engine.json"
	# run 3: QEMU gave no report (it failed to start).
	printf '{"system":"qemu-precopy","cap":"12M","workload":"writer","args":"rate=1000","run":1}' >"$R/run-3/meta.json"
	python3 "$BENCH/peer_report.py" --runs "$R" --out "$W/r" --command test >"$W/r.out" 2>&1
	rc=$?
	check "the report runs over hostile runs (exit $rc)" test "$rc" = 0
	row=$(grep '| dsmig-dsm |' "$W/r.md")
	echo "# $row"
	check "... the stall is the longest gap from the start on: 250 ms" grep -q '| 1/1 | 250 |' <<<"$row"
	check "... first pages: 64 KiB on the wire 200 ms after the command" grep -q '| 5 | 200 |' <<<"$row"
	check "... wire bytes are the count's growth: 3.0 MB" grep -q '| 3.0 |' <<<"$row"
	check "... the rate after the switch went below half (100 of 1000 pages/s) for 250 ms" \
		jqe -s '.[] | select(.system == "dsmig-dsm") | .below_half_after_ms == 250 and .rate_before == 1000' "$W/r.jsonl"
	check "... only the writer's exact lines count: none of run 2's is taken" \
		jqe -s '[.[] | select(.system | startswith("x"))][0] | .guest_stall_ms == null' "$W/r.jsonl"
	check "... a run without an engine report is not counted as converged" \
		grep -q '| qemu-precopy | 0/1 (no report) |' "$W/r.md"
	check "... the name with quotes gets no curve (gnuplot never saw it)" test ! -e "$W/pwned"
	check "... and the plot of the rest is a PNG" is_png "$W/r-1.png"
}

report_only

if ! command -v "$QEMU" >/dev/null 2>&1 || [ ! -w /dev/kvm ] || [ "$("$VMM" accel 2>/dev/null)" != kvm ]; then
	skip "$(basename "$0" .sh): the live part needs $QEMU and KVM for both engines"
	exit 0
fi

# ---- the live miniature ---------------------------------------------------
# QEMU with its RAM in a memfd (the -memfd systems) and dsmig on loopback;
# as root, with a lab possible and none up, also QEMU's and dsmig's best
# with codecs over the lab's 12 Mbit/s tc link.
out=$W/peer
cells="0/writer/ws=8M,hb_ms=100,rate=1000/qemu-precopy-memfd+dsmig-dsm"
systems="qemu-precopy-memfd dsmig-dsm"
if [ "$(id -u)" = 0 ] && "$DSMIG" lab check >/dev/null 2>&1 &&
	! "$DSMIG" lab status >/dev/null 2>&1; then
	cells="$cells link12M/writer/ws=8M,hb_ms=100,rate=1000/qemu-multifd-zstd+dsmig-dsm-codecs"
	systems="$systems qemu-multifd-zstd dsmig-dsm-codecs"
fi
CELLS=$cells RUNS=1 WARMUP_S=1 AFTER_S=1 OUT=$out "$BENCH/peer.sh" "$BUILD" >"$W/peer.out" 2>&1
rc=$?
tail -4 "$W/peer.out" | sed 's/^/# /'
check "bench/peer.sh ran (exit $rc)" test "$rc" = 0
check "... and left no lab up" bash -c "! '$DSMIG' lab status >/dev/null 2>&1"
for sys in $systems; do
	r=$(jq -c --arg s "$sys" 'select(.system == $s)' "$out.jsonl")
	check "$sys: converged" jqe ".converged" <<<"$r"
	check "$sys: the guest's lines went on at the destination (rate before and stall measured)" \
		jqe '.rate_before > 500 and .guest_stall_ms != null and .guest_stall_ms < 5000' <<<"$r"
	case $sys in
	*zstd | *codecs) check "$sys: the wire carried something" jqe '.wire_bytes > 0' <<<"$r" ;;
	*) check "$sys: the wire carried at least the 8 MiB working set" jqe '.wire_bytes > 8000000' <<<"$r" ;;
	esac
	check "$sys: its own downtime is reported" jqe '.engine_downtime_ms != null' <<<"$r"
done
check "the table has every system" test "$(grep -c '| 1/1 |' "$out.md")" = "$(wc -w <<<"$systems")"
check "the plot was drawn" is_png "$out-1.png"
if [[ $systems == *codecs* ]]; then
	check "the link cell is named so" grep -q '^| 12 Mbit/s tc link | writer .* | dsmig-dsm-codecs | 1/1 |' "$out.md"
	r=$(jq -c 'select(.system == "dsmig-dsm-codecs")' "$out.jsonl")
	check "... dsmig's codecs were on there: well under the 8 MiB working set on the wire" \
		jqe '.wire_bytes < 4000000' <<<"$r"
fi
