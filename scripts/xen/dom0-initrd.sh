#!/bin/bash
# Build the dom0 initramfs for the nested Xen test host from the .debs that
# scripts/xen/fetch.sh cached in BUILD/xen/debs:
#   - has scripts/xen/stage.sh unpack every .deb into a staging root
#     BUILD/xen/stage (kept when up to date);
#   - copies into BUILD/xen/dom0-root: busybox-static (with its applet links),
#     the Xen tools dom0 needs (xl, xenstored, xenconsoled, xen-init-dom0,
#     plus libxl-save-helper, xenconsole, xenstore-* and xentop for later
#     use), every library they load (resolved with the staging root's own
#     dynamic loader, i.e. ldd against the staging root, plus libgcc_s.so.1,
#     which glibc dlopens and xl needs), and the kernel modules xen-evtchn,
#     xen-privcmd, xenfs, xen-gntdev, xen-gntalloc with their dependencies
#     (from the staging root's modules.dep, which stage.sh makes);
#   - writes an /init that mounts proc, sys, devtmpfs and xenfs, loads the
#     modules, starts xenstored, xen-init-dom0 and xenconsoled, runs `xl info`
#     and `xl list`, prints DSMIG-DOM0-READY, then runs the command given on
#     dom0's kernel command line as dsmig.run="CMD" (the rest of the line) or,
#     without one, powers off;
#   - copies the tree EXTRA, if given, over dom0's root (e.g. the guest
#     kernel, initrd and xl config of scripts/xen/guest-initrd.sh, or a test
#     script for dsmig.run);
#   - packs it as BUILD/xen/dom0-initrd.cpio.gz (busybox cpio, newc).
# xenconsoled logs every guest's console to /var/log/xen/console/guest-NAME.log
# (in dom0's RAM). Also leaves the dom0 kernel at BUILD/xen/vmlinuz for boot.sh.
#
# Usage: scripts/xen/dom0-initrd.sh BUILD [EXTRA]   (after scripts/xen/fetch.sh BUILD)
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD [EXTRA]" >&2; exit 2; }
BUILD=$(realpath "$1")
EXTRA=${2:-}
if [ -n "$EXTRA" ]; then
	[ -d "$EXTRA" ] || { echo "dsmig: extra tree $EXTRA is not a directory" >&2; exit 2; }
	EXTRA=$(realpath "$EXTRA")
fi
X=$BUILD/xen
STAGE=$X/stage
ROOT=$X/dom0-root
OUT=$X/dom0-initrd.cpio.gz
XENBIN=usr/lib/xen-4.17/bin
ARCHLIB=lib/x86_64-linux-gnu
MODS="xen-evtchn xen-privcmd xenfs xen-gntdev xen-gntalloc"

[ -f "$X/kernel-package" ] || { echo "dsmig: run scripts/xen/fetch.sh $1 first" >&2; exit 1; }
KPKG=$(cat "$X/kernel-package")
KVER=${KPKG#linux-image-}

# 1. Staging root: every cached .deb unpacked (scripts/xen/stage.sh).
"$(dirname "$0")/stage.sh" "$BUILD"
BB=$STAGE/bin/busybox
LDSO=$STAGE/$ARCHLIB/ld-linux-x86-64.so.2
LIBPATH=$STAGE/$ARCHLIB:$STAGE/usr/$ARCHLIB

# 2. The initramfs tree, rebuilt from scratch each time.
rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,sbin,usr/bin,usr/sbin,$XENBIN,$ARCHLIB,lib64,etc/xen,proc,sys,dev,tmp,root} \
	"$ROOT"/var/{lib/xen,lib/xenstored,run/xen,run/xenstored,log/xen/console,lock} \
	"$ROOT/lib/modules/$KVER"

# The console init starts on, before devtmpfs is mounted (root can make it).
if [ "$(id -u)" -eq 0 ]; then mknod -m 600 "$ROOT/dev/console" c 5 1; fi
cp "$BB" "$ROOT/bin/busybox"
for a in $("$BB" --list); do
	[ "$a" = busybox ] && continue
	[ -e "$ROOT/bin/$a" ] || ln -s busybox "$ROOT/bin/$a"
done

TOOLS="xl xenstored xenconsoled xen-init-dom0 libxl-save-helper xenconsole xentop"
for t in $TOOLS; do
	cp "$STAGE/$XENBIN/$t" "$ROOT/$XENBIN/$t"
	ln -s "/$XENBIN/$t" "$ROOT/usr/sbin/$t"
done
for t in xenstore-read xenstore-write xenstore-ls xenstore-list xenstore-rm xenstore-exists; do
	if [ -e "$STAGE/usr/bin/$t" ]; then cp -P "$STAGE/usr/bin/$t" "$ROOT/usr/bin/$t"; fi
done
[ -e "$STAGE/usr/bin/xenstore" ] && cp "$STAGE/usr/bin/xenstore" "$ROOT/usr/bin/xenstore"
cp "$STAGE/etc/xen/xl.conf" "$ROOT/etc/xen/xl.conf"

# Libraries: ask the staging root's loader (ldd against the staging root)
# and refuse any library it finds only on the host.
libs_of() {
	"$LDSO" --library-path "$LIBPATH" --list "$1" |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 }'
}
bins=$(ls "$ROOT/$XENBIN"/*; ls "$ROOT"/usr/bin/xenstore* 2>/dev/null || true)
need=$( { for b in $bins; do libs_of "$b"; done
	echo "$STAGE/$ARCHLIB/libgcc_s.so.1"      # dlopened by glibc; xl needs it
	echo "$STAGE/$ARCHLIB/libnss_files.so.2"  # name lookups, if any
	} | sort -u)
for l in $need; do
	[ -e "$l" ] || continue
	case $l in
	"$STAGE"/*) ;;
	*) echo "dsmig: $l is not in the staging root: add its package to fetch.sh" >&2; exit 1;;
	esac
	cp -L "$l" "$ROOT/$ARCHLIB/$(basename "$l")"
done
cp -L "$LDSO" "$ROOT/$ARCHLIB/ld-linux-x86-64.so.2"
ln -s "/$ARCHLIB/ld-linux-x86-64.so.2" "$ROOT/lib64/ld-linux-x86-64.so.2"
# Check: every tool resolves inside the new root alone.
for b in $bins; do
	outside=$("$LDSO" --library-path "$ROOT/$ARCHLIB" --list "$b" |
		grep '=>' | grep -v -e 'ld-linux-x86-64' -e "=> $ROOT/" || true)
	if [ -n "$outside" ]; then
		echo "dsmig: $b loads a library from outside the initramfs:" >&2
		echo "$outside" >&2
		exit 1
	fi
done

# Kernel modules: the five, and what modules.dep says they need.
MDIR=lib/modules/$KVER
declare -A seen=()
add_mod() {   # $1: path relative to $MDIR, as in modules.dep
	local rel=$1 dep
	[ -n "${seen[$rel]:-}" ] && return 0
	seen[$rel]=1
	mkdir -p "$ROOT/$MDIR/$(dirname "$rel")"
	cp "$STAGE/$MDIR/$rel" "$ROOT/$MDIR/$rel"
	for dep in $(sed -n "s|^$rel: *||p" "$STAGE/$MDIR/modules.dep"); do
		add_mod "$dep"
	done
}
for m in $MODS; do
	rel=$(grep -E "(^|/)$m\.ko(\.[a-z]+)?:" "$STAGE/$MDIR/modules.dep" | head -n1 | cut -d: -f1)
	if [ -z "$rel" ]; then
		if grep -qE "(^|/)$m\.ko" "$STAGE/$MDIR/modules.builtin"; then continue; fi
		echo "dsmig: module $m not found in $KPKG" >&2; exit 1
	fi
	add_mod "$rel"
done
cp "$STAGE/$MDIR"/modules.builtin* "$STAGE/$MDIR"/modules.order "$ROOT/$MDIR/" 2>/dev/null || true
"$BB" depmod -b "$ROOT" "$KVER"

# /init
cat > "$ROOT/init" <<'EOF'
#!/bin/sh
# dom0 init of the dsmig nested Xen test host (written by scripts/xen/dom0-initrd.sh)
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/pts /dev/shm /run
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /run
mount -t tmpfs tmpfs /tmp
echo "dsmig-dom0: kernel $(uname -r), up $(cut -d' ' -f1 /proc/uptime) s"
fail() { echo "DSMIG-DOM0-FAILED: $*"; poweroff -f; sleep 5; exit 1; }
for m in MODULES; do
	modprobe "$m" || fail "modprobe $m"
done
mount -t xenfs xenfs /proc/xen || fail "mount xenfs"
# Each step is bounded: a hung daemon start fails the boot instead of hanging it.
timeout 60 /usr/sbin/xenstored --pid-file /var/run/xenstored.pid || fail "xenstored"
i=0
until xenstore-exists / 2>/dev/null || xenstore-read /local 2>/dev/null >/dev/null; do
	i=$((i + 1)); [ $i -le 300 ] || fail "xenstore never answered"; sleep 0.1
done
timeout 120 /usr/sbin/xen-init-dom0 || fail "xen-init-dom0"
timeout 60 /usr/sbin/xenconsoled --pid-file=/var/run/xenconsoled.pid --log=guest --log-dir=/var/log/xen/console || fail "xenconsoled"
echo "dsmig-dom0: xl info"
timeout 120 xl info || fail "xl info"
echo "dsmig-dom0: xl list"
timeout 120 xl list || fail "xl list"
echo "DSMIG-DOM0-READY uptime=$(cut -d' ' -f1 /proc/uptime)"
# dsmig.run="CMD" ends the command line; the kernel ignores it (a dotted,
# unknown module parameter) and the quotes keep CMD's words from being
# passed to init as arguments.
cmd=$(sed -n 's/^\(.* \)\{0,1\}dsmig\.run=\(.*[^ ]\) *$/\2/p' /proc/cmdline)
cmd=${cmd#\"}
cmd=${cmd%\"}
if [ -n "$cmd" ]; then
	echo "dsmig-dom0: running: $cmd"
	sh -c "$cmd"
	echo "DSMIG-DOM0-RUN-EXIT $?"
fi
sync
poweroff -f
sleep 10
EOF
sed -i "s/for m in MODULES;/for m in $MODS;/" "$ROOT/init"
chmod 755 "$ROOT/init"

# The extra tree, last, so that it may add to anything above.
if [ -n "$EXTRA" ]; then
	cp -a "$EXTRA"/. "$ROOT"/
	echo "dsmig: added $(find "$EXTRA" -type f | wc -l) files from $EXTRA"
fi

# Pack.
(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | "$BB" cpio -o -H newc 2>/dev/null) |
	gzip -9 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"
cp "$STAGE/boot/vmlinuz-$KVER" "$X/vmlinuz"
echo "dsmig: dom0 initramfs $OUT: $(du -k "$OUT" | cut -f1) KiB packed," \
	"$(du -sk "$ROOT" | cut -f1) KiB unpacked, $(find "$ROOT" -type f | wc -l) files;" \
	"modules: $(cd "$ROOT/$MDIR" && find . -name '*.ko*' -printf '%f ')"
