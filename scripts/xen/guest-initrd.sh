#!/bin/bash
# Build the Linux PVH guest of the nested Xen test host, and the files dom0
# needs to start it, from the .debs scripts/xen/fetch.sh cached (the staging
# root BUILD/xen/stage of scripts/xen/stage.sh, which it runs first):
#   - BUILD/xen/guest-initrd.cpio.gz: busybox-static, dsmig-work and an
#     /init that mounts proc, sys and devtmpfs, starts the workloads and
#     runs /bin/dsmig-beat, which once a second prints on hvc0
#       DSMIG-GUEST-BEAT n=N stall_ms=S gap_ms=G bad=B glitch=T
#     N counts beats, G is the time since the previous beat (uptime, 10 ms
#     resolution), S the longest stall so far (max of G - 1000), B the
#     self-check failures of its memory region: 64 blocks of 64 KiB in a
#     tmpfs, each written with a pattern derived from (block, beat); every
#     beat checks one block against the pattern it was last written with
#     and rewrites it, so the whole region is verified every 64 beats and
#     dirtied at 64 KiB/s. Writing and checking are `dsmig-work
#     block-write|block-check`. A block counts in B (and prints
#     DSMIG-GUEST-BAD) only when two checks in a row ran to their end and
#     both found other contents; a check or write that a crash of the
#     checker spoiled (busybox and static programs crash now and then in
#     the nested Xen under TCG: docs/xen.md) counts in T and prints
#     DSMIG-GUEST-GLITCH. init starts the heartbeat again if it dies
#     (DSMIG-GUEST-RESTART), its counters kept in the tmpfs.
#   - BUILD/xen/dom0-extra/: a tree dom0-initrd.sh copies into dom0's root
#     when given it: /guest/vmlinuz (the Debian kernel dom0 runs), /guest/
#     initrd.cpio.gz and the xl config /etc/xen/dsmig-guest.cfg (type pvh,
#     192 MiB, 1 vCPU, on_reboot="restart", no disk, no network).
#
# Usage: scripts/xen/guest-initrd.sh BUILD     (after scripts/xen/fetch.sh BUILD)
#   GUEST_CPUS="N"  optional: adds cpus="N" to the xl config (pins the
#                   guest's vCPU to physical CPU N; docs/xen.md says why).
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD" >&2; exit 2; }
BUILD=$(realpath "$1")
X=$BUILD/xen
STAGE=$X/stage
ROOT=$X/guest-root
OUT=$X/guest-initrd.cpio.gz
EXTRA=$X/dom0-extra

[ -f "$X/kernel-package" ] || { echo "dsmig: run scripts/xen/fetch.sh $1 first" >&2; exit 1; }
KPKG=$(cat "$X/kernel-package")
KVER=${KPKG#linux-image-}
"$(dirname "$0")/stage.sh" "$BUILD"
BB=$STAGE/bin/busybox
[ -x "$BB" ] || { echo "dsmig: no busybox in $STAGE" >&2; exit 1; }
[ -f "$STAGE/boot/vmlinuz-$KVER" ] || { echo "dsmig: no kernel $KVER in $STAGE" >&2; exit 1; }

rm -rf "$ROOT"
mkdir -p "$ROOT"/{bin,proc,sys,dev,tmp,mem}
if [ "$(id -u)" -eq 0 ]; then mknod -m 600 "$ROOT/dev/console" c 5 1; fi
cp "$BB" "$ROOT/bin/busybox"
for a in $("$BB" --list); do
	[ "$a" = busybox ] && continue
	ln -s busybox "$ROOT/bin/$a"
done

# The paper's workloads as a static Linux program (guest/linux/dsmig-work.c),
# started by /init when the kernel command line says dsmig.work=MODE[+MODE];
# it also writes and checks the heartbeat's blocks (guest/linux/dsmig-beat.sh).
${CC:-gcc} -static -O2 -Wall -Wextra -Werror -o "$ROOT/bin/dsmig-work" \
	"$(dirname "$0")/../../guest/linux/dsmig-work.c"

cat > "$ROOT/init" <<'EOF'
#!/bin/sh
# PVH guest init of the dsmig nested Xen test host (written by
# scripts/xen/guest-initrd.sh): sets the guest up, starts the workloads,
# then runs the heartbeat and starts it again whenever it dies. Busybox
# processes crash now and then in the nested Xen under TCG (docs/xen.md);
# init must not, for the kernel panics when it does, so it mostly waits.
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t tmpfs -o size=8m tmpfs /mem
respawn() {   # $1 a name, then a command: run it, and again whenever it ends
	name=$1
	shift
	while :; do
		"$@"
		echo "DSMIG-GUEST-RESTART $name rc=$?"
		sleep 1
	done
}
for try in 1 2 3; do
	/bin/sh /bin/dsmig-beat init && break
	echo "DSMIG-GUEST-RESTART init rc=$?"
done
# dsmig.work=W[+W...]: the workloads to run beside the heartbeat.
work=$(sed -n 's/.*dsmig\.work=\([a-z+]*\).*/\1/p' /proc/cmdline)
for w in $(echo "$work" | tr + ' '); do
	if [ "$w" = web ]; then
		# The web workload's server: busybox httpd on the guest's
		# loopback, started again if it crashes.
		ip link set lo up
		mkdir -p /www
		head -c 65536 /dev/zero | tr '\0' w > /www/index.html
		respawn httpd httpd -f -p 127.0.0.1:8080 -h /www &
	fi
	/bin/dsmig-work "$w" &
	echo "DSMIG-GUEST-WORK $w pid=$!"
done
respawn heartbeat /bin/sh /bin/dsmig-beat
EOF
chmod 755 "$ROOT/init"

install -m 755 "$(dirname "$0")/../../guest/linux/dsmig-beat.sh" "$ROOT/bin/dsmig-beat"

(cd "$ROOT" && find . -mindepth 1 | LC_ALL=C sort | "$BB" cpio -o -H newc 2>/dev/null) |
	gzip -9 > "$OUT.tmp"
mv "$OUT.tmp" "$OUT"

# The tree dom0-initrd.sh adds to dom0's root (BUILD/xen/dom0-extra).
rm -rf "$EXTRA/guest"
mkdir -p "$EXTRA/guest" "$EXTRA/etc/xen"
cp "$STAGE/boot/vmlinuz-$KVER" "$EXTRA/guest/vmlinuz"
cp "$OUT" "$EXTRA/guest/initrd.cpio.gz"
cat > "$EXTRA/etc/xen/dsmig-guest.cfg" <<'EOF'
# The dsmig nested-Xen test guest (written by scripts/xen/guest-initrd.sh).
# No disk, no network; the console is hvc0, logged by xenconsoled.
type = "pvh"
name = "dsmig-guest"
kernel = "/guest/vmlinuz"
ramdisk = "/guest/initrd.cpio.gz"
cmdline = "console=hvc0 loglevel=4"
memory = 192
vcpus = 1
# About 2 in 38 first PVH boots triple-faulted under TCG: restart them.
on_reboot = "restart"
on_crash = "destroy"
EOF
# GUEST_CPUS="N": pin the guest's vCPU to these physical CPUs (xl cpus=).
if [ -n "${GUEST_CPUS:-}" ]; then
	echo "cpus = \"$GUEST_CPUS\"" >> "$EXTRA/etc/xen/dsmig-guest.cfg"
fi
echo "dsmig: guest initramfs $OUT: $(du -k "$OUT" | cut -f1) KiB packed;" \
	"dom0 extra tree $EXTRA: $(cd "$EXTRA" && find . -type f | sort | tr '\n' ' ')"
