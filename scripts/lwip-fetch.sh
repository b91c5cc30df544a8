#!/bin/sh
# Fetch lwIP's source for the net guest (docs/guest-net.md) into BUILD/lwip,
# from Debian's lwip source package (2.1.3+dfsg1): never committed, fetched
# once per build tree.
#
# Usage: scripts/lwip-fetch.sh BUILD
#   Does nothing if BUILD/lwip/src/core/tcp.c exists. Otherwise
#   `apt-get source --download-only lwip` into a temporary directory under
#   BUILD and unpack the .orig.tar.xz into BUILD/lwip. Without a deb-src
#   entry, and as root, adds one for Debian bookworm
#   (/etc/apt/sources.list.d/dsmig-src.sources), refreshes the package
#   lists and tries again. Exits 1 with a message if it cannot.
set -eu

BUILD=${1:?usage: scripts/lwip-fetch.sh BUILD}
DEST=$BUILD/lwip
SRC_LIST=/etc/apt/sources.list.d/dsmig-src.sources
WANT_VERSION=2.1.3

die() {
	echo "lwip-fetch: $*" >&2
	exit 1
}

[ -f "$DEST/src/core/tcp.c" ] && exit 0
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: fetch lwIP $WANT_VERSION by hand into $DEST (src/core, src/netif, src/include)"

mkdir -p "$BUILD"
tmp=$(mktemp -d "$BUILD/lwip-fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

fetch() {
	(cd "$tmp" && apt-get source --download-only -q lwip) >"$tmp/apt.log" 2>&1
}

if ! fetch; then
	if grep -qi 'deb-src' "$tmp/apt.log"; then
		# No source entry. Only root may add one.
		if [ "$(id -u)" -ne 0 ]; then
			cat "$tmp/apt.log" >&2
			die "no deb-src entry in the apt sources; as root, run this script once (it adds $SRC_LIST) or add a deb-src line for Debian bookworm main"
		fi
		echo "lwip-fetch: adding a deb-src entry: $SRC_LIST"
		cat >"$SRC_LIST" <<-EOF
		Types: deb-src
		URIs: http://deb.debian.org/debian
		Suites: bookworm
		Components: main
		Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
		EOF
		apt-get update -q >"$tmp/update.log" 2>&1 ||
			{ cat "$tmp/update.log" >&2; die "apt-get update failed"; }
		fetch || { cat "$tmp/apt.log" >&2; die "apt-get source lwip failed"; }
	else
		cat "$tmp/apt.log" >&2
		die "apt-get source lwip failed (network? package lists: apt-get update)"
	fi
fi

orig=$(ls "$tmp"/lwip_*.orig.tar.* 2>/dev/null | head -1)
[ -n "$orig" ] || die "no lwip_*.orig.tar.* among the downloaded files: $(ls "$tmp")"
case $(basename "$orig") in
lwip_$WANT_VERSION*) ;;
*) echo "lwip-fetch: warning: expected lwIP $WANT_VERSION, got $(basename "$orig")" >&2 ;;
esac

mkdir -p "$tmp/x"
tar -xf "$orig" -C "$tmp/x" || die "cannot unpack $orig"
# The tarball holds one top directory (lwip-2.1.3 or similar).
top=$(find "$tmp/x" -mindepth 1 -maxdepth 1 -type d | head -1)
[ -n "$top" ] && [ -f "$top/src/core/tcp.c" ] ||
	die "$orig does not hold src/core/tcp.c"
rm -rf "$DEST"
mv "$top" "$DEST"
echo "lwip-fetch: lwIP from $(basename "$orig") in $DEST"
