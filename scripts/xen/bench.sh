#!/bin/bash
# `make bench-xen`: the paper's workloads on Xen, in the nested Xen test
# host (docs/xen.md, docs/benchmarks.md): for idle, video, build and web
# (guest/linux/dsmig-work.c), a fresh 192 MiB PVH guest migrated to the
# same host by precopy and by dsm at 12 Mbit/s (scripts/xen/dom0-bench.sh).
# Prints one row per migration and writes bench/results/xen.md. Bounded to
# TOTAL seconds (default 1500). Needs no /dev/kvm (QEMU/TCG).
#
# Usage: scripts/xen/bench.sh BUILD [TOTAL]       (BUILD: dsmig's build dir)
#   BANDWIDTH=RATE   the cap (default 12M)
set -u
DSMIG_BUILD=${1:?usage: bench.sh BUILD [TOTAL]}
HERE=$(dirname "$0")
NAME_OF_RUN=bench
CHECKS="dom0-ready idle-precopy idle-dsm video-precopy video-dsm build-precopy build-dsm web-precopy web-dsm"
set -- build/xen-nested "${2:-1500}"
. "$HERE/checks.sh"
ENGINE=$DSMIG_BUILD/bin/dsmig-engine
xen_quiet_defaults
report() {
	local rows
	xen_check_lines
	rows=$(tr -d '\r' < "$LOG_OF_RUN" | grep '^DSMIG-BENCH ' | sed 's/^DSMIG-BENCH //')
	echo "$rows" | sed 's/^/bench: /'
	if [ -n "$rows" ]; then
		mkdir -p bench/results
		{
			echo "# Xen: the paper's workloads (scripts/xen/bench.sh, $(date -u +%Y-%m-%d))"
			echo
			echo "Nested Xen 4.17 under QEMU/TCG on the 2-core machine; 192 MiB PVH guest;"
			echo "cap ${BANDWIDTH:-12M}; no --verify. Stalls: the longest the workload and the guest's"
			echo "heartbeat saw during the migration and the beats after it (their gap_ms)."
			echo
			echo "| workload | method | exit | total ms | downtime ms | bytes | rounds | stop | workload stall ms | heartbeat stall ms |"
			echo "|---|---|---|---|---|---|---|---|---|---|"
			echo "$rows" | awk '{ printf "| %s | %s |", $1, $2
				for (i = 3; i <= NF; i++) { sub(/^[a-z_]+=/, "", $i); printf " %s |", $i }
				print "" }'
		} > bench/results/xen.md
		echo "bench: wrote bench/results/xen.md"
	fi
	xen_totals bench
}
extra() {
	local E=$1
	[ -x "$ENGINE" ] || { echo "bench: no engine at $ENGINE" >&2; return 1; }
	xen_carry "$ENGINE" dsmig-engine "$E" || return 1
	xen_carry_openmpi "$E" || return 1
	install -m 755 "$HERE/dom0-bench.sh" "$E/usr/bin/dsmig-xen-bench"
	install -D -m 644 "$HERE/dom0-lib.sh" "$E/usr/lib/dsmig/dom0-lib.sh"
	echo "BANDWIDTH=${BANDWIDTH:-12M}" > "$E/etc/dsmig-bench.conf"
}

xen_run_with_extra bench-extra /usr/bin/dsmig-xen-bench
