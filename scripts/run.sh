#!/bin/bash
# `make run`: boot the idle demo guest on the embedded default (KVM through
# dsmig-vmm), show its console output and its live statistics until Ctrl-C
# (or for $DSMIG_RUN_SECONDS seconds), then stop it.
set -u
BUILD=${1:-build}
VMM="$BUILD/bin/dsmig-vmm"
name=demo-idle

if [ ! -w /dev/kvm ]; then
	echo "dsmig: /dev/kvm is not usable here; the embedded default needs KVM" >&2
	exit 1
fi
rt=$(mktemp -d /tmp/dsmig-run.XXXXXX)
export DSMIG_RUNTIME_DIR=$rt
"$VMM" run "$BUILD/guest/idle.elf" --name "$name" --console "$rt/console" &
vmm=$!
stop() {
	"$VMM" ctl "$name" quit >/dev/null 2>&1 || kill "$vmm" 2>/dev/null
	wait "$vmm" 2>/dev/null
	kill "$tailer" 2>/dev/null
	rm -rf "$rt"
}
trap stop EXIT
trap 'exit 0' INT TERM
for _ in $(seq 100); do
	"$VMM" ctl "$name" query-status >/dev/null 2>&1 && break
	sleep 0.05
done
echo "== VM '$name' (idle workload) — guest console below, live stats every second; Ctrl-C stops it"
tail -n +1 -f "$rt/console" | sed -u 's/^/[guest] /' &
tailer=$!
if [ -n "${DSMIG_RUN_SECONDS:-}" ]; then
	"$VMM" stat "$name" --interval 1000 --count "$DSMIG_RUN_SECONDS"
else
	"$VMM" stat "$name" --interval 1000
fi
