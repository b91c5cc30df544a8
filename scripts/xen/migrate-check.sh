#!/bin/bash
# dsmig migrates a Linux PVH domain in the nested Xen test host (issue 11):
# dom0 runs dsmig-engine under Open MPI's mpirun (two ranks, source and
# destination both in dom0, so the migration is to localhost) with the
# xen backend (src/hv/hv_xen.c): libxenguest's save, the engine carrying
# the stream, libxl's restore. precopy and dsm, each with --verify; then a
# migration failed on purpose before the switch-over (the source must run
# on and nothing be left behind), and dsm-pull's refusal.
#   fetch.sh (cached) -> guest-initrd.sh -> an extra tree for dom0: the
#   guest's files, dsmig-engine and Open MPI's runtime with the libraries
#   they load (checks.sh), dom0-migrate-check.sh as
#   /usr/bin/dsmig-xen-migrate-check -> dom0-initrd.sh -> boot.sh.
# Runs with the quietest configuration of docs/xen.md unless told otherwise
# (QEMU_CPU, DOM0_VCPUS, XEN_EXTRA, GUEST_CPUS pass through). Bounded to
# TOTAL seconds (default 600); ends with `N passed, N failed`, exit 0 only
# if none failed. The serial log is kept as BUILD/xen/migrate-check-*.log.
#
# Usage: scripts/xen/migrate-check.sh BUILD [TOTAL]     (e.g. build/xen-nested)
#   ENGINE=PATH     the engine to carry (default build/bin/dsmig-engine)
#   BANDWIDTH=RATE  the cap of the two timed migrations (default 12M)
set -u

HERE=$(dirname "$0")
NAME_OF_RUN=migrate-check
CHECKS="dom0-ready guest-boots precopy-migrates precopy-guest-runs dsm-migrates dsm-guest-runs abort-source-runs pull-refused"
. "$HERE/checks.sh"
ENGINE=${ENGINE:-build/bin/dsmig-engine}
xen_quiet_defaults
report() {
	xen_check_lines
	tr -d '\r' < "$LOG_OF_RUN" | grep -E '^(dsmig-migrate|dsmig-engine\[[0-9]\]|DSMIG-XEN-SUMMARY)' |
		sed 's/^/migrate-check: /'
	xen_totals migrate-check
}
extra() {
	local E=$X/migrate-check-extra
	[ -x "$ENGINE" ] || { echo "migrate-check: no engine at $ENGINE (set ENGINE)" >&2; return 1; }
	rm -rf "$E"
	mkdir -p "$E/usr/bin"
	cp -a "$X/dom0-extra/." "$E/"
	xen_carry "$ENGINE" dsmig-engine "$E" || return 1
	xen_carry_openmpi "$E" || return 1
	install -m 755 "$HERE/dom0-migrate-check.sh" "$E/usr/bin/dsmig-xen-migrate-check"
	echo "BANDWIDTH=${BANDWIDTH:-12M}" > "$E/etc/dsmig-migrate-check.conf"
	echo "migrate-check: extra tree $E: $(du -sh "$E" | cut -f1), $(ls "$E/lib/x86_64-linux-gnu" | wc -l) libraries"
}

xen_run_with_extra migrate-check-extra /usr/bin/dsmig-xen-migrate-check
