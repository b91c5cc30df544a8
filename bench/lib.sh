# Shared by the benchmarks that migrate guests between two VMMs on this
# machine (bench/precopy.sh, bench/estimate.sh): with BUILD set, the
# programs, two runtime directories A (the source, DSMIG_RUNTIME_DIR) and
# B removed with their VMs at exit, and accel, the accelerator guests run
# on (KVM, else ptrace); exits if there is none.
VMM="$BUILD/bin/dsmig-vmm"
DSMIG="$BUILD/bin/dsmig"
A=$(mktemp -d /tmp/dsmig-benchA.XXXXXX)
B=$(mktemp -d /tmp/dsmig-benchB.XXXXXX)
export DSMIG_RUNTIME_DIR=$A
trap 'for s in "$A"/*.sock "$B"/*.sock; do [ -S "$s" ] && "$VMM" ctl "$s" quit >/dev/null 2>&1; done; rm -rf "$A" "$B"' EXIT

if ! accel=$("$VMM" accel); then
	echo "bench: no accelerator can run guests here: $accel" >&2
	exit 1
fi
