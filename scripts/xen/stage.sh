#!/bin/bash
# The staging root of the nested Xen test host: every .deb that
# scripts/xen/fetch.sh cached in BUILD/xen/debs unpacked (dpkg-deb -x) into
# BUILD/xen/stage, with a modules.dep for its kernel (the .deb ships none:
# busybox's depmod writes one). Kept while complete and no cached .deb is
# newer; dom0-initrd.sh and guest-initrd.sh both build from it.
#
# Usage: scripts/xen/stage.sh BUILD     (after scripts/xen/fetch.sh BUILD)
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
X=$(realpath "$1")/xen
STAGE=$X/stage

[ -f "$X/kernel-package" ] || { echo "dsmig: run scripts/xen/fetch.sh $1 first" >&2; exit 1; }
KPKG=$(cat "$X/kernel-package")
KVER=${KPKG#linux-image-}

if [ ! -f "$STAGE/.complete" ] || [ -n "$(find "$X/debs" -newer "$STAGE/.complete" -name '*.deb')" ]; then
	echo "dsmig: unpacking $(ls "$X"/debs/*.deb | wc -l) .debs into $STAGE"
	rm -rf "$STAGE"
	mkdir -p "$STAGE"
	for d in "$X"/debs/*.deb; do
		dpkg-deb -x "$d" "$STAGE"
	done
	BB=$STAGE/bin/busybox
	[ -x "$BB" ] || { echo "dsmig: busybox-static not unpacked" >&2; exit 1; }
	[ -d "$STAGE/lib/modules/$KVER" ] || { echo "dsmig: no modules for $KVER in $KPKG" >&2; exit 1; }
	# The .deb ships no modules.dep (depmod runs at install): make one.
	echo "dsmig: depmod for $KVER (busybox depmod on the staging root)"
	"$BB" depmod -b "$STAGE" "$KVER"
	touch "$STAGE/.complete"
fi
