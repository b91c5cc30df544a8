#!/bin/bash
# Benchmark: each migration method (METHODS, default "precopy dsm dsm-pull") on each
# workload at the paper's 12 Mbit/s cap and unlimited, RUNS times each (mean
# and min-max), between two VMMs on this machine. Prints a table and writes
# it to bench/results/precopy.md (and the runs' summaries to precopy.jsonl).
# Usage: bench/precopy.sh BUILD-DIR
#   RUNS=3  METHODS="precopy dsm dsm-pull"  CAPS="12M 0"  WORKLOADS="idle cpu memory net kv"
#   EXTRA="--compress off --delta off"  (more dsmig migrate options)
#   OUT=bench/results/precopy.md
set -u
BUILD=${1:-build}
RUNS=${RUNS:-3}
METHODS=${METHODS:-precopy dsm dsm-pull}
CAPS=${CAPS:-12M 0}
EXTRA=${EXTRA:-}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/${OUT:-bench/results/precopy.md}"
. "$(dirname "$0")/lib.sh"

# One migration; appends its summary (JSON) to $A/all.jsonl.
run_one() {
	local w=$1 bw=$2 method=$3 vcpus=1 i
	[ "$w" = net ] || [ "$w" = kv ] && vcpus=2
	"$VMM" run "$BUILD/guest/$w.elf" --name "$w" --vcpus "$vcpus" --quiet 2>/dev/null &
	for i in $(seq 100); do "$VMM" ctl "$w" query-status >/dev/null 2>&1 && break; sleep 0.05; done
	sleep 1
	# shellcheck disable=SC2086 # EXTRA is a list of options
	if "$DSMIG" migrate "$w" --to "$B" --bandwidth "$bw" --method "$method" $EXTRA --json \
		>"$A/run.json" 2>"$A/run.err"; then
		jq -c --arg w "$w" --arg bw "$bw" --arg m "$method" \
			'{w: $w, bw: $bw, m: $m} + .summary' "$A/run.json" >>"$A/all.jsonl"
	else
		echo "bench: $w by $method at $bw failed: $(tail -1 "$A/run.err")" >&2
	fi
	DSMIG_RUNTIME_DIR=$B "$VMM" ctl "$w" quit >/dev/null 2>&1
	"$VMM" ctl "$w" quit >/dev/null 2>&1
	wait
}

for bw in $CAPS; do
	for w in ${WORKLOADS:-idle cpu memory net kv}; do
		for m in $METHODS; do
			for r in $(seq "$RUNS"); do
				run_one "$w" "$bw" "$m"
			done
		done
	done
done

{
	echo "Methods $METHODS (dsmig-engine, 2 ranks, kvm backend, guests on the $accel accelerator), options: ${EXTRA:-defaults}; $RUNS runs per case, mean (min-max)."
	echo "Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d). Command: make bench"
	echo
	echo "What the guest lived through leads: its own longest stall over the whole migration (counter block), the same from its heartbeat as the engine sampled it, and its degraded time (progress below half its rate before); the switch-over gap and the engine's downtime beside them (docs/telemetry.md)."
	echo
	echo "| workload | cap | method | guest's longest stall (ms) | from heartbeat (ms) | degraded time (ms) | switch-over gap (ms) | downtime (ms) | total time (s) | data (MiB) | iterations | stop reason | app slowdown (%) |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
	jq -L "$top/bench" -s -r '
		include "stats";
		group_by(.bw, .w, .m) | sort_by(.[0].bw != "12M", (.[0].w as $w | workload_order | index($w)), .[0].m != "precopy")[] |
		"| \(.[0].w) | \(if .[0].bw == "0" then "none" else .[0].bw + "bit/s" end) | \(.[0].m) | \(stat(ms(.guest_stall_ns))) | \(stat(ms(.guest_stall_hb_ns))) | \(stat(ms(.degraded_ns))) | \(stat(ms(.guest_downtime_ns))) | \(stat(.downtime_ns / 1e6)) | \(stat(.total_time_ns / 1e9)) | \(stat(.bytes_total / 1048576)) | \(stat(.iterations)) | \(map(.stop_reason) | unique | join(", ")) | \(stat(.slowdown_pct)) |"
	' "$A/all.jsonl"
	# Post-copy methods: what happened after the guest resumed.
	if jq -e 'select(.postcopy)' "$A/all.jsonl" >/dev/null; then
		echo
		echo "Post-copy (dsm-pull): pages still on the source at resume, guest faults on them, fault-to-install latency, time from resume until every page was resident."
		echo
		echo "| workload | cap | pages missing at resume | faults | pulled / pushed pages | fault latency median (ms) | fault latency max (ms) | all resident after (ms) | app rate after vs before (%) |"
		echo "|---|---|---|---|---|---|---|---|---|"
		jq -L "$top/bench" -s -r '
		include "stats";
			map(select(.postcopy)) | group_by(.bw, .w) | sort_by(.[0].bw != "12M", (.[0].w as $w | workload_order | index($w)))[] |
			"| \(.[0].w) | \(if .[0].bw == "0" then "none" else .[0].bw + "bit/s" end) | \(stat(.postcopy.missing_pages)) | \(stat(.postcopy.faults)) | \(stat(.postcopy.pulled_pages)) / \(stat(.postcopy.pushed_pages)) | \(stat(.postcopy.fault_median_ns / 1e6)) | \(stat(.postcopy.fault_max_ns / 1e6)) | \(stat(.postcopy.resident_ns / 1e6)) | \(stat(if (.progress_rate.before // 0) > 0 and .progress_rate.after != null then 100 * (.progress_rate.after / .progress_rate.before - 1) else null end)) |"
		' "$A/all.jsonl"
	fi
} | tee "$out"
# The raw summaries beside the table, so that later runs can be compared.
cp "$A/all.jsonl" "${out%.md}.jsonl"
