#!/bin/bash
# Benchmark: how good the predictions are. Each workload and method
# (WORKLOADS, METHODS) migrates once at CAP (default the paper's 12
# Mbit/s) between two VMMs on this machine, with its telemetry kept.
# First table: `dsmig predict` right before the launch (what the console's
# dialog shows: src/ui/predict.h) against what happened: total time,
# downtime and bytes, with the error. Second: for every "estimate" record
# (written after each pre-copy round, docs/telemetry.md) what it predicted
# against what happened: the rounds' bytes at the end, the time from the
# estimate to the destination running, and the downtime. Prints the
# tables and writes them to bench/results/estimate.md (OUT).
# Usage: bench/estimate.sh BUILD-DIR
#   WORKLOADS="idle cpu memory net"  METHODS="precopy dsm dsm-pull"  CAP=12M
set -u
BUILD=${1:-build}
WORKLOADS=${WORKLOADS:-idle cpu memory net}
METHODS=${METHODS:-precopy dsm dsm-pull}
CAP=${CAP:-12M}
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/${OUT:-bench/results/estimate.md}"
. "$(dirname "$0")/lib.sh"

# One row per estimate of one migration's telemetry FILE: round, then
# predicted / actual for bytes (MiB), time to resume (s), downtime (ms).
rows() {
	jq -rs --arg w "$1" --arg m "$2" '
	def pct(p; a): if a > 0 then "\(((p - a) / a * 100) | round)%" else "n/a" end;
	def r2: . * 100 | round / 100;
	([.[] | select(.type == "summary")][0]) as $s
	| ([.[] | select(.type == "phase" and (.phase == "resumed" or .phase == "post-copy"))][0].t) as $resumed
	| .[] | select(.type == "estimate")
	| ($s.bytes.rounds / 1048576) as $mib
	| (($resumed - .t) / 1e9) as $until
	| ($s.downtime_ns / 1e6) as $down
	| "| \($w) | \($m) | \(.round) | \(.final_bytes / 1048576 | r2) / \($mib | r2) (\(pct(.final_bytes / 1048576; $mib))) | \(.until_resume_ns / 1e9 | r2) / \($until | r2) (\(pct(.until_resume_ns / 1e9; $until))) | \(.downtime_ns / 1e6 | round) / \($down | round) (\(pct(.downtime_ns / 1e6; $down))) |"' "$3"
}

# The row of workload $1, method $2: prediction $3 (dsmig predict --json)
# against the summary in telemetry $4.
before_row() {
	jq -rn --arg w "$1" --arg m "$2" --slurpfile p "$3" --slurpfile t "$4" '
	def pct(p; a): if a > 0 then "\(((p - a) / a * 100) | round)%" else "n/a" end;
	def r2: . * 100 | round / 100;
	($p[0].methods[$m]) as $e
	| ([$t[] | select(.type == "summary")][0]) as $s
	| if $e.error then "| \($w) | \($m) | n/a: \($e.error) | | |"
	  else "| \($w) | \($m) | \($e.total_s | r2) / \($s.total_time_ns / 1e9 | r2) (\(pct($e.total_s; $s.total_time_ns / 1e9))) | \($e.downtime_s * 1e3 | round) / \($s.downtime_ns / 1e6 | round) (\(pct($e.downtime_s * 1e3; $s.downtime_ns / 1e6))) | \($e.bytes / 1048576 | r2) / \($s.bytes_total / 1048576 | r2) (\(pct($e.bytes; $s.bytes_total))) |" end'
}

{
	echo "Before the launch at $CAP (dsmig predict, what the console's dialog shows),"
	echo "one migration each ($accel accelerator, $(date -u +%F)): predicted / what happened (error)."
	echo
	echo "| workload | method | total s | downtime ms | MiB |"
	echo "| --- | --- | --- | --- | --- |"
} >"$A/before.md"
{
	echo "Estimates at $CAP, one migration each ($accel accelerator, $(date -u +%F)):"
	echo "predicted after the round / what happened (error)."
	echo
	echo "| workload | method | after round | rounds' MiB | s to resume | downtime ms |"
	echo "| --- | --- | --- | --- | --- | --- |"
} >"$A/table.md"
for w in $WORKLOADS; do
	for m in $METHODS; do
		vcpus=1
		[ "$w" = net ] || [ "$w" = kv ] && vcpus=2
		"$VMM" run "$BUILD/guest/$w.elf" --name "$w" --vcpus "$vcpus" --quiet 2>/dev/null &
		for _ in $(seq 100); do "$VMM" ctl "$w" query-status >/dev/null 2>&1 && break; sleep 0.05; done
		sleep 2   # past its start: predict reads the guest's next 3 s
		"$DSMIG" predict "$w" --to "$B" --bandwidth "$CAP" --method "$m" --json \
			>"$A/$w-$m.pred.json" 2>"$A/err" || echo '{"methods": {}}' >"$A/$w-$m.pred.json"
		if "$DSMIG" migrate "$w" --to "$B" --bandwidth "$CAP" --method "$m" \
			--log "$A/$w-$m.jsonl" >/dev/null 2>"$A/err"; then
			before_row "$w" "$m" "$A/$w-$m.pred.json" "$A/$w-$m.jsonl" >>"$A/before.md"
			rows "$w" "$m" "$A/$w-$m.jsonl" >>"$A/table.md"
			DSMIG_RUNTIME_DIR=$B "$VMM" ctl "$w" quit >/dev/null 2>&1
		else
			echo "| $w | $m | failed: $(tail -1 "$A/err" | tr '|' '/') | | | |" >>"$A/table.md"
			echo "| $w | $m | failed | | |" >>"$A/before.md"
			"$VMM" ctl "$w" quit >/dev/null 2>&1
		fi
		sleep 0.5
	done
done
mkdir -p "$(dirname "$out")"
{ cat "$A/before.md"; echo; cat "$A/table.md"; } >"$out"
cat "$out"
