#!/bin/bash
# Smoke test of the nested Xen test host (issue 11): a Linux PVH guest boots
# in the nested Xen, beats, and survives `xl migrate` to localhost.
#   fetch.sh (cached) -> guest-initrd.sh -> dom0-initrd.sh with the guest and
#   dom0-migrate-test.sh (as /usr/bin/dsmig-xen-migrate-test) -> boot.sh with
#   DOM0_RUN=/usr/bin/dsmig-xen-migrate-test -> the checks it printed.
# Bounded to TOTAL seconds (default 600) in all. Checks: dom0-ready,
# guest-boots, heartbeats, migrate, heartbeats-continue, one-copy; ends with
# `N passed, N failed` and exits 0 only if none failed. The serial log is
# kept as BUILD/xen/smoke-YYYYmmdd-HHMMSS.log.
#
# Usage: scripts/xen/smoke.sh BUILD [TOTAL]     (e.g. build/xen-nested)
# The variables of boot.sh (QEMU_CPU, QEMU_SMP, DOM0_VCPUS, XEN_EXTRA, ...)
# and guest-initrd.sh (GUEST_CPUS) pass through; docs/xen.md has the
# configuration that keeps dom0 free of segfaults.
set -u

HERE=$(dirname "$0")
NAME_OF_RUN=smoke
CHECKS="dom0-ready guest-boots heartbeats migrate heartbeats-continue one-copy"
. "$HERE/checks.sh"
report() {   # the checks' lines from the serial log, then the totals
	xen_check_lines
	tr -d '\r' < "$LOG_OF_RUN" | grep -E '^(DSMIG-XEN-TIMES|DSMIG-XEN-MIGRATE-|dsmig-test: guest boots seen)' | sed 's/^/smoke: /'
	echo "smoke: segfaults/GP faults in dom0 and guest logs: $(tr -d '\r' < "$LOG_OF_RUN" | grep -cE 'segfault at|general protection fault')" \
		"(the guest's show only if a check failed)"
	xen_totals smoke
}

xen_step fetch "$HERE/fetch.sh" "$BUILD"
xen_step guest-initrd "$HERE/guest-initrd.sh" "$BUILD"
mkdir -p "$X/dom0-extra/usr/bin"
install -m 755 "$HERE/dom0-migrate-test.sh" "$X/dom0-extra/usr/bin/dsmig-xen-migrate-test"
xen_step dom0-initrd "$HERE/dom0-initrd.sh" "$BUILD" "$X/dom0-extra"
xen_boot_and_report /usr/bin/dsmig-xen-migrate-test
