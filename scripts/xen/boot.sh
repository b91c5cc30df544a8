#!/bin/bash
# Boot the nested Xen test host once: Debian's Xen 4.17 with the Debian kernel
# as PV dom0 and the initramfs of scripts/xen/dom0-initrd.sh, under
# qemu-system-x86_64 with TCG (no KVM needed). The serial console (Xen's and,
# through it, dom0's hvc0) goes to BUILD/xen/boot.log. Waits for dom0's
# DSMIG-DOM0-READY line, bounded by TIMEOUT seconds (default 300), prints the
# time from QEMU's start to Xen's banner and from Xen's banner to dom0 ready,
# and xl info's key lines. QEMU is killed on every exit path.
#
# Usage: scripts/xen/boot.sh BUILD [TIMEOUT]
#   DOM0_RUN="cmd"  optional: a shell command dom0 runs after the ready line
#                   (it ends dom0's command line as dsmig.run="cmd", so it
#                   may not hold a double quote; commas are fine); the
#                   boot then also waits for its DSMIG-DOM0-RUN-EXIT line.
#   QEMU_CPU="..."  optional: QEMU's -cpu (default max,-smap,-rdtscp).
#   QEMU_SMP=N      optional: QEMU's -smp (default 2).
#   DOM0_VCPUS=N    optional: dom0_max_vcpus (default 2, or QEMU_SMP if smaller).
#   QEMU_ACCEL=...  optional: QEMU's -accel (default tcg).
#   XEN_EXTRA="..."  optional: words added to Xen's command line.
#   DOM0_EXTRA="..." optional: words added to dom0's kernel command line.
# Exit status: 0 when dom0 got ready (and DOM0_RUN, if any, finished), 1 if
# not (the log's tail is printed), 2 on usage errors.
set -eu

[ $# -ge 1 ] || { echo "usage: $0 BUILD [TIMEOUT]" >&2; exit 2; }
BUILD=$(realpath "$1")
TIMEOUT=${2:-300}
X=$BUILD/xen
LOG=$X/boot.log
XEN=$X/xen-4.17-amd64
XENGZ=$X/stage/boot/xen-4.17-amd64.gz
VMLINUZ=$X/vmlinuz
INITRD=$X/dom0-initrd.cpio.gz
SMP=${QEMU_SMP:-2}
ACCEL=${QEMU_ACCEL:-tcg}
CPU=${QEMU_CPU:-max,-smap,-rdtscp}
DOM0_VCPUS=${DOM0_VCPUS:-$(( SMP < 2 ? SMP : 2 ))}
XEN_CMDLINE="console=com1 com1=115200,8n1 dom0_mem=1024M,max:1024M dom0_max_vcpus=$DOM0_VCPUS loglvl=all guest_loglvl=all console_timestamps=boot${XEN_EXTRA:+ $XEN_EXTRA}"
DOM0_CMDLINE="console=hvc0 earlyprintk=xen${DOM0_EXTRA:+ $DOM0_EXTRA}"

for f in "$XENGZ" "$VMLINUZ" "$INITRD"; do
	[ -f "$f" ] || { echo "dsmig: $f missing: run scripts/xen/fetch.sh and scripts/xen/dom0-initrd.sh on $1" >&2; exit 2; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "dsmig: no qemu-system-x86_64: run scripts/xen/fetch.sh" >&2; exit 2; }

# QEMU's multiboot loader takes the hypervisor's ELF, not the gzip.
if [ ! -f "$XEN" ] || [ "$XENGZ" -nt "$XEN" ]; then
	gzip -dc "$XENGZ" > "$XEN.tmp" && mv "$XEN.tmp" "$XEN"
fi

# -initrd lists the multiboot modules, separated by commas; each is "FILE
# CMDLINE" (Xen drops the first word, the file name, from the module's
# command line). A comma inside a command line is written twice.
if [ -n "${DOM0_RUN:-}" ]; then
	case $DOM0_RUN in *'"'*) echo "dsmig: DOM0_RUN may not hold a double quote" >&2; exit 2;; esac
	DOM0_CMDLINE="$DOM0_CMDLINE dsmig.run=\"$DOM0_RUN\""
fi
MODULES="$VMLINUZ ${DOM0_CMDLINE//,/,,},$INITRD"

QPID=""
cleanup() {
	if [ -n "$QPID" ] && kill -0 "$QPID" 2>/dev/null; then
		kill "$QPID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$QPID" 2>/dev/null || true
	fi
	QPID=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

: > "$LOG"
t0=$(now)
qemu-system-x86_64 -accel "$ACCEL" -cpu "$CPU" -m 2048 -smp "$SMP" \
	-nographic -no-reboot -nic none \
	-kernel "$XEN" -append "$XEN_CMDLINE" -initrd "$MODULES" \
	< /dev/null > "$LOG" 2>&1 &
QPID=$!
echo "dsmig: QEMU pid $QPID (-accel $ACCEL -cpu $CPU -smp $SMP) booting Xen (timeout ${TIMEOUT}s, log $LOG)"
echo "dsmig: Xen: $XEN_CMDLINE"
echo "dsmig: dom0: $DOM0_CMDLINE"

t_xen="" t_ready="" status=1 why="timed out after ${TIMEOUT}s"
deadline=$(awk -v a="$t0" -v t="$TIMEOUT" 'BEGIN { printf "%d", a + t }')
while :; do
	if [ -z "$t_xen" ] && grep -q 'Xen version' "$LOG"; then
		t_xen=$(now)
	fi
	if [ -z "$t_ready" ] && grep -q '^DSMIG-DOM0-READY' "$LOG"; then
		t_ready=$(now)
		[ -z "${DOM0_RUN:-}" ] && { status=0; why=""; break; }
	fi
	if [ -n "$t_ready" ] && grep -q '^DSMIG-DOM0-RUN-EXIT' "$LOG"; then
		status=0; why=""; break
	fi
	if grep -q '^DSMIG-DOM0-FAILED' "$LOG"; then
		why="dom0 init failed: $(grep -m1 '^DSMIG-DOM0-FAILED' "$LOG" | tr -d '\r')"; break
	fi
	if ! kill -0 "$QPID" 2>/dev/null; then
		why="QEMU exited before dom0 was ready"; break
	fi
	[ "$(date +%s)" -lt "$deadline" ] || break
	sleep 0.2
done

if [ "$status" -eq 0 ]; then
	# dom0 powers off after the marker (or its command): give it a bounded
	# moment to end QEMU itself; cleanup kills it otherwise.
	for _ in $(seq 100); do kill -0 "$QPID" 2>/dev/null || break; sleep 0.2; done
	if kill -0 "$QPID" 2>/dev/null; then
		echo "dsmig: QEMU still running 20 s after dom0's end: killing it"
	fi
	cleanup
	echo "dsmig: dom0 ready: QEMU start to Xen banner $(since "$t0" "$t_xen") s," \
		"Xen banner to dom0 ready $(since "$t_xen" "$t_ready") s," \
		"total $(since "$t0" "$t_ready") s" \
		"(dom0's own $(grep -m1 '^DSMIG-DOM0-READY' "$LOG" | tr -d '\r' | sed 's/.* //'))"
	grep -E '^(xen_version|xen_caps|nr_cpus|total_memory|free_memory|virt_caps)[[:space:]]*:' "$LOG" |
		tr -d '\r' | sed 's/^/dsmig:   /'
	exit 0
fi
cleanup
echo "dsmig: no dom0: $why; last lines of $LOG:" >&2
tail -n 30 "$LOG" | tr -d '\r' >&2
exit 1
