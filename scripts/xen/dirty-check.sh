#!/bin/bash
# The Xen backend's first primitives (src/hv/xen_dom.h) on a live PVH domain
# in the nested Xen test host (issue 11): dom0 runs tests/helpers/xen_dirty
# on the guest (open, type, pages, log-dirty rounds, read-only mapping while
# paused, log-dirty off) and on Domain-0 (the PV refusal), and checks that
# the guest's heartbeats went on.
#   fetch.sh (cached) -> guest-initrd.sh -> an extra tree for dom0: the
#   guest's files (BUILD/xen/dom0-extra), the helper as
#   /usr/bin/dsmig-xen-dirty, the libraries it loads (checks.sh's
#   xen_carry), dom0-dirty-check.sh as /usr/bin/dsmig-xen-dirty-check
#   -> dom0-initrd.sh with it -> boot.sh with that DOM0_RUN.
# Runs with the quietest configuration of docs/xen.md unless told otherwise
# (QEMU_CPU, DOM0_VCPUS, XEN_EXTRA, GUEST_CPUS pass through). Bounded to
# TOTAL seconds (default 600). Checks: dom0-ready, guest-boots, open,
# logdirty-rounds, map-read, logdirty-off, pv-refusal, heartbeats-continue;
# ends with `N passed, N failed`, exit 0 only if none failed. The serial log
# is kept as BUILD/xen/dirty-check-YYYYmmdd-HHMMSS.log.
#
# Usage: scripts/xen/dirty-check.sh BUILD [TOTAL]     (e.g. build/xen-nested)
#   XEN_DIRTY=PATH   the helper to carry (default build/tests/helpers/xen_dirty)
set -u

HERE=$(dirname "$0")
NAME_OF_RUN=dirty-check
CHECKS="dom0-ready guest-boots open logdirty-rounds map-read logdirty-off pv-refusal heartbeats-continue"
. "$HERE/checks.sh"
XEN_DIRTY=${XEN_DIRTY:-build/tests/helpers/xen_dirty}
xen_quiet_defaults
report() {   # the checks' lines, what dom0 printed, the totals
	xen_check_lines
	tr -d '\r' < "$LOG_OF_RUN" | grep -E '^(xen-dirty|dsmig-dirty):' | sed 's/^/dirty-check: /'
	xen_totals dirty-check
}
# The extra tree: the guest's files, the helper and its libraries.
extra() {
	local E=$1
	[ -x "$XEN_DIRTY" ] || { echo "dirty-check: no helper at $XEN_DIRTY (set XEN_DIRTY)" >&2; return 1; }
	xen_carry "$XEN_DIRTY" dsmig-xen-dirty "$E" || return 1
	install -m 755 "$HERE/dom0-dirty-check.sh" "$E/usr/bin/dsmig-xen-dirty-check"
	echo "dirty-check: extra tree $E: the helper and $(ls "$E/lib/x86_64-linux-gnu" | wc -l) libraries"
}

xen_run_with_extra dirty-check-extra /usr/bin/dsmig-xen-dirty-check
