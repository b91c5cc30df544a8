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

[ $# -ge 1 ] || { echo "usage: $0 BUILD [TOTAL]" >&2; exit 2; }
BUILD=$1
TOTAL=${2:-600}
HERE=$(dirname "$0")
X=$BUILD/xen
start=$(date +%s)
left() { echo $((start + TOTAL - $(date +%s))); }
CHECKS="dom0-ready guest-boots heartbeats migrate heartbeats-continue one-copy"
passed=0 failed=0
report() {   # the checks' lines from the serial log, then the totals
	local c line
	for c in $CHECKS; do
		if [ "$c" = dom0-ready ]; then
			line="DSMIG-XEN-CHECK dom0-ready ${dom0_status:-FAILED not run}"
		else
			line=$(tr -d '\r' < "$X/boot.log" 2>/dev/null | grep -m1 "^DSMIG-XEN-CHECK $c ")
			[ -n "$line" ] || line="DSMIG-XEN-CHECK $c FAILED not reported by dom0"
		fi
		case $line in
		"DSMIG-XEN-CHECK $c ok"*) passed=$((passed + 1)); echo "ok   ${line#DSMIG-XEN-CHECK }";;
		*) failed=$((failed + 1)); echo "FAIL ${line#DSMIG-XEN-CHECK }";;
		esac
	done
	tr -d '\r' < "$X/boot.log" 2>/dev/null | grep -E '^(DSMIG-XEN-TIMES|DSMIG-XEN-MIGRATE-|dsmig-test: guest boots seen)' | sed 's/^/smoke: /'
	echo "smoke: segfaults/GP faults in dom0 and guest logs: $(tr -d '\r' < "$X/boot.log" 2>/dev/null | grep -cE 'segfault at|general protection fault')" \
		"(the guest's show only if a check failed)"
	echo "smoke: total $(( $(date +%s) - start )) s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
step() {     # $1 what, then the command, bounded by the time left
	local what=$1 t; shift
	t=$(left)
	if [ "$t" -le 0 ] || ! timeout "$t" "$@"; then
		echo "smoke: $what failed (or ran out of the ${TOTAL}s)" >&2
		dom0_status="FAILED $what"
		report
	fi
}

step fetch "$HERE/fetch.sh" "$BUILD"
step guest-initrd "$HERE/guest-initrd.sh" "$BUILD"
mkdir -p "$X/dom0-extra/usr/bin"
install -m 755 "$HERE/dom0-migrate-test.sh" "$X/dom0-extra/usr/bin/dsmig-xen-migrate-test"
step dom0-initrd "$HERE/dom0-initrd.sh" "$BUILD" "$X/dom0-extra"
t=$(( $(left) - 5 ))
[ "$t" -gt 60 ] || { dom0_status="FAILED no time left to boot"; report; }
DOM0_RUN=/usr/bin/dsmig-xen-migrate-test "$HERE/boot.sh" "$BUILD" "$t" | tee "$X/smoke-boot.out"
rc=${PIPESTATUS[0]}
cp "$X/boot.log" "$X/smoke-$(date +%Y%m%d-%H%M%S).log"
ready=$(grep -m1 '^dsmig: dom0 ready:' "$X/smoke-boot.out" | sed 's/^dsmig: dom0 ready: //')
if tr -d '\r' < "$X/boot.log" | grep -q '^DSMIG-DOM0-READY'; then
	dom0_status="ok ${ready:-(boot.sh exit $rc)}"
else
	dom0_status="FAILED boot.sh exit $rc"
fi
report
