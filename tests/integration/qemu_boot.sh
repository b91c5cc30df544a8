#!/bin/bash
# The workloads under QEMU (docs/guest-abi.md, "Booting under QEMU"): the
# same workload objects, linked with guest/qemu into multiboot images,
# boot with qemu-system-x86_64 -accel kvm -kernel. The boot line shows a
# TSC rate near the host's, the RAM given with -m and the arguments given
# with -append; the guest's clock runs at the host's rate (a 3 s idle run
# takes 3 s of wall time after the boot line); statuses come out through
# isa-debug-exit as (status << 1) | 1. QEMU refuses a truncated image and
# the 64-bit link; the boot refuses an -append longer than the boot info
# holds.
. "$(dirname "$0")/lib.sh"

QEMU=${QEMU:-qemu-system-x86_64}   # another build of QEMU: set QEMU
IMAGES=$GUESTS/qemu
BOOT_TIMEOUT=60      # seconds; firmware start alone takes about 4 s here

if ! command -v "$QEMU" >/dev/null 2>&1; then
	skip "$(basename "$0" .sh): needs $QEMU (Debian: qemu-system-x86)"
	exit 0
fi
# Can QEMU open KVM? A machine without CPUs quits at once if so.
if ! why=$(echo quit | timeout 10 "$QEMU" -accel kvm -M none -nodefaults \
		-display none -monitor stdio 2>&1 >/dev/null); then
	skip "$(basename "$0" .sh): $QEMU cannot use KVM: $(tail -1 <<<"$why")"
	exit 0
fi

# boot NAME IMAGE ARGS: run IMAGE under QEMU with -append ARGS until it
# ends (at most BOOT_TIMEOUT s). The guest's serial output goes to
# $HOST_A/NAME.serial, QEMU's own to NAME.out. Sets EXIT_STATUS (QEMU's
# status, or "timeout"), BOOT_MS (when the boot line appeared, empty if it
# did not) and END_MS (when QEMU ended), in ms from QEMU's start.
boot() {
	local name=$1 image=$2 args=$3 serial=$HOST_A/$1.serial t0 pid i
	rm -f "$serial"
	t0=$(date +%s%N)
	"$QEMU" -accel kvm -m 128 -smp 1 -nographic -no-reboot -display none \
		-monitor none -serial "file:$serial" \
		-device isa-debug-exit,iobase=0xf4,iosize=4 \
		-kernel "$image" -append "$args" </dev/null >"$HOST_A/$name.out" 2>&1 &
	pid=$!
	TEST_PIDS+=("$pid")
	BOOT_MS=
	for i in $(seq $((BOOT_TIMEOUT * 50))); do
		if [ -z "$BOOT_MS" ] && grep -aq "dsmig-qemu: " "$serial" 2>/dev/null; then
			BOOT_MS=$((($(date +%s%N) - t0) / 1000000))
		fi
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.02
	done
	END_MS=$((($(date +%s%N) - t0) / 1000000))
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"
		wait "$pid" 2>/dev/null
		EXIT_STATUS=timeout
	else
		wait "$pid"
		EXIT_STATUS=$?
	fi
	[ "$EXIT_STATUS" = timeout ] && show "$name"
	return 0
}

# show NAME: what QEMU and the guest said, as comments.
show() {
	echo "# $1: QEMU said:"
	sed 's/^/#   /' "$HOST_A/$1.out"
	echo "# $1: the guest said:"
	serial "$1" | sed 's/^/#   /'
}

# serial NAME: the guest's serial output (without the firmware's CRs).
serial() { tr -d '\r' <"$HOST_A/$1.serial" 2>/dev/null; }

# between VALUE LOW HIGH: LOW <= VALUE <= HIGH (integers).
between() { [ -n "$1" ] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ]; }

for img in idle memory; do
	check "$img.mb is an ELF32 container" \
		grep -q 'Class: *ELF32' <<<"$(readelf -h "$IMAGES/$img.mb" 2>&1)"
done

# ---- idle for 3 s: the boot line, the clock's rate, the exit status ----
args="duration_ms=3000 verify_s=1"
boot idle "$IMAGES/idle.mb" "$args"
line=$(serial idle | grep -ao "dsmig-qemu: tsc [0-9]* kHz, mem [0-9]* MiB, cmdline '.*'")
check "idle: boots to the boot line (after ${BOOT_MS:-never} ms)" test -n "$line"
[ -n "$line" ] || show idle
tsc=$(sed -n 's/.* tsc \([0-9]*\) kHz.*/\1/p' <<<"$line")
mem=$(sed -n 's/.* mem \([0-9]*\) MiB.*/\1/p' <<<"$line")
host=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)
check "idle: TSC ${tsc:-?} kHz within 10% of the host's ${host:-?} kHz" \
	between "$tsc" $((host * 9 / 10)) $((host * 11 / 10))
check "idle: RAM ${mem:-?} MiB of -m 128 (what lies above 1 MiB, up to the BIOS's tables)" \
	between "$mem" 120 128
check "idle: -append arrives as the boot info's cmdline" \
	grep -qF "cmdline '$args'" <<<"$line"
check "idle: exit 0 comes out of QEMU as 1 (got $EXIT_STATUS)" test "$EXIT_STATUS" = 1
check "idle: says dsmig-exit 0" grep -qx "dsmig-exit 0" <<<"$(serial idle)"
check "idle: a clean self-check" grep -q "idle done:.*selfcheck_fail=0" <<<"$(serial idle)"
ran=$((END_MS - ${BOOT_MS:-$END_MS}))
check "idle: duration_ms=3000 takes 3 s of wall time after the boot line (${ran} ms)" \
	between "$ran" 2500 3500
ticks=$(serial idle | sed -n 's/idle done: progress=\([0-9]*\).*/\1/p')
check "idle: 300 ticks of 10 ms in 3 s (${ticks:-none})" between "$ticks" 290 310

# ---- memory for 2 s: a workload that writes 8 MiB of frames -------------
boot memory "$IMAGES/memory.mb" "duration_ms=2000 verify_s=1"
check "memory: exit 0 comes out of QEMU as 1 (got $EXIT_STATUS)" test "$EXIT_STATUS" = 1
check "memory: a clean self-check" \
	grep -q "memory done:.*selfcheck_fail=0" <<<"$(serial memory)"
frames=$(serial memory | sed -n 's/memory done: progress=\([0-9]*\).*/\1/p')
check "memory: 25 frames/s for 2 s (${frames:-none} frames)" between "$frames" 45 55

# ---- bad input ------------------------------------------------------------
# An -append the boot info cannot hold: the boot says so and exits with
# status 2, as dsmig-vmm refuses a usage error.
boot long "$IMAGES/idle.mb" "seed=$(printf '%0600d' 1)"
check "an -append of 605 bytes ends the boot with status 2 (QEMU: $EXIT_STATUS)" \
	test "$EXIT_STATUS" = 5
check "... and says why" \
	grep -q "cannot boot: -append is longer than 511 bytes" <<<"$(serial long)"

# A truncated image: QEMU's loader refuses it before the guest runs.
head -c 20000 "$IMAGES/idle.mb" >"$HOST_A/truncated.mb"
boot truncated "$HOST_A/truncated.mb" ""
check "a truncated image: QEMU refuses it (status $EXIT_STATUS, no boot line)" \
	test "$EXIT_STATUS" != 0 -a "$EXIT_STATUS" != timeout -a -z "$BOOT_MS"
check "... with its ELF loader's message" \
	grep -q "Error while loading elf kernel" "$HOST_A/truncated.out"

# The 64-bit link itself: the reason for the ELF32 container.
boot elf64 "$IMAGES/idle.elf" ""
check "the 64-bit idle.elf: QEMU refuses it (status $EXIT_STATUS)" \
	grep -q "Cannot load x86-64 image" "$HOST_A/elf64.out"
