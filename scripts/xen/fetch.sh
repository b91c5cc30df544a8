#!/bin/bash
# Fetch the Debian packages a nested Xen test host is built from, into
# BUILD/xen/debs, with `apt-get download` (nothing is installed on the host
# except QEMU): Xen 4.17's hypervisor and tools, the runtime libraries the
# tools load (the list below was resolved with `apt-cache depends
# xen-utils-4.17` and its libxen* dependencies, plus the base libraries they
# link, so that the dom0 root does not borrow the host's), the kernel package
# linux-image-amd64 currently points at, and busybox-static.
# Cached: a package with a .deb already in BUILD/xen/debs is not fetched again.
#
# Usage: scripts/xen/fetch.sh BUILD     (e.g. build/xen-nested)
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$1
DEBS=$BUILD/xen/debs
mkdir -p "$DEBS"

# Xen: hypervisor, toolstack, xenstore, and every libxen* the tools need
# (apt-cache depends xen-utils-4.17 libxenmisc4.17 libxenstore4 ...).
XEN_PKGS="xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common
	xenstore-utils libxenmisc4.17 libxenstore4 libxencall1 libxenevtchn1
	libxenforeignmemory1 libxengnttab1 libxentoollog1 libxentoolcore1
	libxendevicemodel1 libxenhypfs1"
# Non-Xen runtime libraries of those tools (ldd of xl, xenstored,
# xenconsoled, xen-init-dom0): libc, libgcc_s (xl needs it), yajl, zstd,
# zlib, lzma, uuid, ext2fs, ncurses/tinfo (xentop).
BASE_PKGS="libc6 libgcc-s1 libyajl2 libzstd1 zlib1g liblzma5 libuuid1
	libext2fs2 libncurses6 libtinfo6"
OTHER_PKGS="busybox-static"

# QEMU runs on the host: the one thing installed there (scripts/deps.sh:
# as root it installs it, otherwise it prints the command and fails).
if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
	echo "dsmig: qemu-system-x86_64 is missing (needed to boot the nested Xen)"
	timeout 2400 "$(dirname "$0")/../deps.sh" --no-install-recommends qemu-system-x86
fi

# A fresh machine may have no package lists: refresh them once.
if ! apt-cache show xen-hypervisor-4.17-amd64 >/dev/null 2>&1; then
	echo "dsmig: apt knows no xen-hypervisor-4.17-amd64; running apt-get update once"
	timeout 600 apt-get update -q
fi

# linux-image-amd64 is a metapackage: fetch the image package it depends on.
KPKG=$(apt-cache depends linux-image-amd64 |
	sed -n 's/^  Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n1)
[ -n "$KPKG" ] || { echo "dsmig: cannot resolve linux-image-amd64's image package" >&2; exit 1; }

want=""
for p in $XEN_PKGS $BASE_PKGS $OTHER_PKGS $KPKG; do
	if ls "$DEBS/${p}_"*.deb >/dev/null 2>&1; then
		continue
	fi
	want="$want $p"
done
if [ -n "$want" ]; then
	echo "dsmig: apt-get download:$want"
	# apt-get download writes into the current directory. As root it warns
	# that it downloads unsandboxed (_apt cannot write there): harmless.
	(cd "$DEBS" && timeout 600 apt-get download -q $want)
else
	echo "dsmig: all packages cached in $DEBS"
fi
# Record what the kernel package is, for dom0-initrd.sh and boot.sh.
echo "$KPKG" > "$BUILD/xen/kernel-package"
ls "$DEBS"/*.deb | wc -l | sed 's/^/dsmig: debs cached: /'
