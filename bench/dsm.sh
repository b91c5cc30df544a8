#!/bin/bash
# Benchmark: the DSM's global page space and update aggregation
# (bench/dsm.c over bench/dsm_window.c and bench/dsm_aggregate.c, no VM
# needed) under mpirun with 2 and 4 ranks on this
# machine: Grappa's 32-byte messages vs 4 KiB pages vs batches of pages, and
# pushing (MPI_Put, MPI_Send) vs pulling (MPI_Get). Every run verifies the
# destination memory. Prints the tables and writes them to
# bench/results/dsm.md.
# Usage: bench/dsm.sh BUILD-DIR   (REPS=5 by default)
set -u
BUILD=${1:-build}
REPS=${REPS:-5}
BIN="$BUILD/bin/dsmig-dsm-bench"
top=$(cd "$(dirname "$0")/.." && pwd)
out="$top/bench/results/dsm.md"
tmp=$(mktemp /tmp/dsmig-dsm-bench.XXXXXX)
trap 'rm -f "$tmp"' EXIT

if [ ! -x "$BIN" ]; then
	echo "bench: $BIN is missing (make $BIN)" >&2
	exit 1
fi
# Open MPI refuses root without these. The window needs osc pt2pt: Debian's
# openmpi-mca-params.conf disables it, and osc rdma cannot run over the tcp
# btl (docs/dsm.md).
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
MPIRUN=(mpirun --oversubscribe --mca btl tcp,self --mca btl_tcp_if_include lo
	--mca oob_tcp_if_include lo --mca osc pt2pt)

for np in 2 4; do
	if ! timeout 120 "${MPIRUN[@]}" -np "$np" "$BIN" --reps "$REPS" >>"$tmp"; then
		echo "bench: the $np-rank run failed (or its verification did)" >&2
		cat "$tmp" >&2
		exit 1
	fi
done

{
	echo "DSM global page space (dsmig-dsm-bench), 2,000 dirty pages out of 16,384 (64 MiB memfd per side, seed 42),"
	echo "source ranks even, destination ranks odd, mpirun over the tcp btl on loopback, osc pt2pt."
	echo "Time: mean (min-max) of $REPS runs, from a barrier to a barrier. MB/s: page data (8.19 MB) / mean time."
	echo "Machine: $(nproc) cores, $(uname -r), $(date -u +%Y-%m-%d). Command: bench/dsm.sh $BUILD (REPS=$REPS)"
	echo
	echo "Aggregation: each page to its destination home over MPI_Send, in messages of one shape."
	echo
	echo "| ranks | message | messages | messages/page | bytes on the wire | of which headers | bytes/page | time (ms) | MB/s | verified |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	grep '^A |' "$tmp" | sed 's/^A //'
	echo
	echo "Push vs pull: the same pages. MPI operations: messages, or MPI_Put/MPI_Get calls (one per run of consecutive pages with one home)."
	echo
	echo "| ranks | method | moved by | MPI operations | lock epochs | time (ms) | MB/s | verified |"
	echo "|---|---|---|---|---|---|---|---|"
	grep '^B |' "$tmp" | sed 's/^B //'
} | tee "$out"
