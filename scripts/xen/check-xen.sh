#!/bin/bash
# `make check-xen`: the Xen backend in the nested Xen test host (docs/xen.md):
# Xen's Debian packages are downloaded first (build time, cached under
# build/xen-nested), then scripts/xen/migrate-check.sh with the engine of
# BUILD runs, bounded to 10 minutes. A run whose nested host itself did not come up (dom0 not ready,
# or the guest never booted: both seen now and then under TCG, see
# docs/xen.md) is retried once, in the time left; a failed migration check
# is never retried. Ends with migrate-check's `N passed, N failed`.
#
# Usage: scripts/xen/check-xen.sh BUILD      (BUILD: dsmig's build directory)
set -u
BUILD=${1:?usage: check-xen.sh BUILD}
HERE=$(dirname "$0")
NESTED=build/xen-nested
TOTAL=600
start=$(date +%s)
out=$NESTED/check-xen.out
mkdir -p "$NESTED"
timeout 900 "$HERE/fetch.sh" "$NESTED" || { echo "check-xen: fetching Xen's packages failed"; exit 1; }
start=$(date +%s)
for attempt in 1 2; do
	left=$(( TOTAL - ($(date +%s) - start) ))
	[ "$attempt" -eq 1 ] || echo "check-xen: the nested host did not come up; retrying once (${left}s left)"
	ENGINE=$BUILD/bin/dsmig-engine "$HERE/migrate-check.sh" "$NESTED" "$left" | tee "$out"
	rc=${PIPESTATUS[0]}
	[ "$rc" -ne 0 ] || exit 0
	grep -qE '^FAIL (dom0-ready|guest-boots) ' "$out" || exit "$rc"
	[ $(( TOTAL - ($(date +%s) - start) )) -gt 240 ] || exit "$rc"
done
exit 1
