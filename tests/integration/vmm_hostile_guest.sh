#!/bin/bash
# Hostile or broken guests: every bad hypercall or guest exception stops
# that guest with a clear "guest fault" error and exit status 4; the VMM
# itself never crashes (a sanitiser build would abort with another status).
. "$(dirname "$0")/lib.sh"
require_vms

# mode -> expected words in the error (a grep pattern). Port 0x80 (mode 7)
# exits as "not a hypercall" with hardware IOPL; on a PVM-style KVM the TSS
# bitmap denies it and the #GP is a triple fault.
declare -A want=(
	[0]="puts buffer"
	[1]="argument block at 0x[0-9a-f]* is outside guest RAM"
	[2]="puts length"
	[3]="may not write"
	[4]="not a hypercall"
	[5]="triple fault"
	[6]="may not write"
	[7]="not a hypercall\|triple fault"
	[8]="misaligned"
	[9]="outside guest RAM"
	[10]="outside guest RAM"
	[11]="may not write"
	[12]="may not write"
	[13]="may not write"
	[14]="may not read"
	[15]="made a system call\|triple fault"
)
for mode in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	err=$("$VMM" run "$GUESTS/test-badptr.elf" --name bad$mode -- mode=$mode 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 4 ] && grep -q "guest fault" <<<"$err" && grep -q "${want[$mode]}" <<<"$err"; then
		ok "badptr mode=$mode stops the guest: ${want[$mode]}"
	else
		not_ok "badptr mode=$mode (exit $rc: $err)"
	fi
done

# A VM whose neighbour faulted keeps running.
start_vm calm test-hello -- linger_ms=20000
"$VMM" run "$GUESTS/test-badptr.elf" --name bad9 -- mode=1 >/dev/null 2>&1
check "a faulting guest does not disturb another VM" \
	test "$(field calm query-status .status)" = running
