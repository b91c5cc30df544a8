#!/bin/sh
# Install the Debian packages dsmig needs to build, test and run.
# As root: apt-get installs whatever is missing. Otherwise: print the exact
# command to run and fail, so that nothing half-works later.
#
# Usage: scripts/deps.sh [--no-install-recommends] [PKG...]
#   With PKGs, those instead of dsmig's own list (scripts/xen/fetch.sh
#   installs QEMU so); --no-install-recommends is passed to apt-get.
set -eu

APT_OPTS=""
if [ "${1:-}" = --no-install-recommends ]; then
	APT_OPTS=$1
	shift
fi
PKGS="build-essential pkg-config libjansson-dev libcmocka-dev jq tmux
      libncurses-dev libopenmpi-dev openmpi-bin libxen-dev libpcap-dev
      liblz4-dev libxxhash-dev libsodium-dev gnuplot-nox iproute2 socat procps nftables openssh-server
      wrk qemu-system-x86 python3
      clang libclang-rt-14-dev"
[ $# -gt 0 ] && PKGS="$*"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "dsmig: missing Debian packages:$missing" >&2
	echo "dsmig: run as root:  apt-get install -y$missing" >&2
	exit 1
fi
echo "dsmig: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine has no package lists yet; refresh them once if the
# install cannot find a package.
apt-get install -y -q $APT_OPTS $missing ||
	{ apt-get update -q && apt-get install -y -q $APT_OPTS $missing; }
