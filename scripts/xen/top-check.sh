#!/bin/bash
# `dsmig top -b` against `xl list` in the nested Xen test host (issue 11):
# dom0 runs dsmig's own binary with a hosts file of one xen host and compares
# the domains it lists (names, ids, states, vCPUs, memory) with xl list's.
#   fetch.sh (cached) -> guest-initrd.sh -> an extra tree for dom0: the
#   guest's files (BUILD/xen/dom0-extra), dsmig, the libraries it loads,
#   /etc/dsmig/hosts and dom0-top-check.sh (as /usr/bin/dsmig-xen-top-check)
#   -> dom0-initrd.sh with it -> boot.sh with
#   DOM0_RUN=/usr/bin/dsmig-xen-top-check -> the checks dom0 printed.
# dsmig's libraries are carried as checks.sh's xen_carry says (jansson,
# ncurses, libpcap and theirs from this host).
# Runs with the quietest configuration of docs/xen.md unless told otherwise
# (QEMU_CPU, DOM0_VCPUS, XEN_EXTRA, GUEST_CPUS pass through). Bounded to
# TOTAL seconds (default 600). Checks: dom0-ready, top-runs, domains,
# vcpus-mem, state; ends with `N passed, N failed`, exit 0 only if none
# failed. The serial log is kept as BUILD/xen/top-check-YYYYmmdd-HHMMSS.log.
#
# Usage: scripts/xen/top-check.sh BUILD [TOTAL]     (e.g. build/xen-nested)
#   DSMIG=PATH   the dsmig binary to carry (default build/bin/dsmig)
set -u

HERE=$(dirname "$0")
NAME_OF_RUN=top-check
CHECKS="dom0-ready top-runs domains vcpus-mem state"
. "$HERE/checks.sh"
DSMIG=${DSMIG:-build/bin/dsmig}
xen_quiet_defaults
report() {   # the checks' lines, what dom0 printed, the totals
	xen_check_lines
	tr -d '\r' < "$LOG_OF_RUN" | sed -n '/^dsmig-top: --- xl list (before)/,/^DSMIG-XEN-CHECK/p' |
		grep -v '^DSMIG-XEN-CHECK' | sed 's/^/top-check: /'
	echo "top-check: segfaults/GP faults in the serial log: $(tr -d '\r' < "$LOG_OF_RUN" | grep -cE 'segfault at|general protection fault')"
	xen_totals top-check
}
# The extra tree: the guest's files, dsmig and its libraries, the hosts file.
extra() {
	local E=$1
	[ -x "$DSMIG" ] || { echo "top-check: no dsmig binary at $DSMIG (set DSMIG)" >&2; return 1; }
	mkdir -p "$E/etc/dsmig"
	xen_carry "$DSMIG" dsmig "$E" || return 1
	install -m 755 "$HERE/dom0-top-check.sh" "$E/usr/bin/dsmig-xen-top-check"
	echo "name=xen0 hv=xen" > "$E/etc/dsmig/hosts"
	echo "top-check: extra tree $E: dsmig and $(ls "$E/lib/x86_64-linux-gnu" | wc -l) libraries"
}

xen_run_with_extra top-check-extra /usr/bin/dsmig-xen-top-check
