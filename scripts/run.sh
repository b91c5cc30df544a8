#!/bin/bash
# `make run`: the embedded default. Two hosts on this machine (two VMM
# runtime directories, loopback between them), the four demo guests of the
# paper's Table 2 running on hostA, and the console over them. Quitting
# the console stops the demo VMs. Without a terminal (a script, CI) it
# prints the hosts table instead ($DSMIG_RUN_SECONDS bounds that).
set -u
BUILD=${1:-build}
VMM="$BUILD/bin/dsmig-vmm"
DSMIG="$BUILD/bin/dsmig"

if [ ! -w /dev/kvm ]; then
	echo "dsmig: /dev/kvm is not usable here; the embedded default needs KVM" >&2
	exit 1
fi
lab=$(mktemp -d /tmp/dsmig-demo.XXXXXX)
mkdir -p "$lab/hostA" "$lab/hostB"
printf 'name=hostA runtime=%s/hostA\nname=hostB runtime=%s/hostB\n' "$lab" "$lab" >"$lab/hosts"
export DSMIG_HOSTS="$lab/hosts"

stop() {
	local s
	for s in "$lab"/host*/*.sock; do
		[ -S "$s" ] && "$VMM" ctl "$s" quit >/dev/null 2>&1
	done
	wait 2>/dev/null
	rm -rf "$lab"
}
trap stop EXIT
trap 'exit 0' INT TERM

for w in idle cpu memory net; do
	vcpus=1
	[ "$w" = net ] && vcpus=2
	DSMIG_RUNTIME_DIR="$lab/hostA" "$VMM" run "$BUILD/guest/$w.elf" --name "$w" \
		--vcpus "$vcpus" --console "$lab/hostA/$w.console" 2>>"$lab/vmm.log" &
done
for _ in $(seq 100); do
	[ "$(ls "$lab"/hostA/*.sock 2>/dev/null | wc -l)" -eq 4 ] && break
	sleep 0.05
done

if [ -t 0 ] && [ -t 1 ]; then
	"$DSMIG" console
else
	echo "dsmig: no terminal: the hosts table instead of the console"
	"$DSMIG" top -b -n "${DSMIG_RUN_SECONDS:-3}" -d 1
fi
