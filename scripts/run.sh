#!/bin/bash
# `make run`: the embedded default. Two hosts on this machine, the four
# demo guests of the paper's Table 2 running on hostA, and the console
# over them.
#
# As root with network namespaces: `dsmig lab up` (hostA and hostB in
# their own namespaces, a 12 Mbit/s tbf link between them), the guests
# started inside hostA's namespace; quitting the console asks whether to
# leave the lab running (default: `dsmig lab down`). Otherwise: two VMM
# runtime directories on loopback, where the engine's cap is the only
# limit on the link; it says so. Without a terminal (a script, CI) it
# prints the hosts table instead of the console ($DSMIG_RUN_SECONDS
# bounds that) and tears everything down.
set -u
BUILD=${1:-build}
VMM="$BUILD/bin/dsmig-vmm"
DSMIG="$BUILD/bin/dsmig"
# The lab's state directory and hosts (src/common/lab_net.h).
lab_env=$("$DSMIG" lab env) || exit 1
eval "$lab_env"
WORKLOADS="idle cpu memory net"

# The guests run on KVM, else on the ptrace accelerator (docs/architecture.md).
if ! accel=$("$VMM" accel); then
	echo "dsmig: no accelerator can run the guests here: $accel" >&2
	exit 1
fi
echo "dsmig: the guests run on the $accel accelerator"

# Can this machine make the lab? (root, network namespaces)
if why=$("$DSMIG" lab check 2>&1 >/dev/null); then
	"$DSMIG" lab up --link 12mbit || why="dsmig lab up failed"
else
	why=${why#dsmig: error: }
fi

keep_lab=0
if [ -z "$why" ]; then
	hosts_dir=$LAB_DIR
	stop() {
		if [ "$keep_lab" = 1 ]; then
			echo "dsmig: the lab keeps running: dsmig lab status; DSMIG_HOSTS=$LAB_HOSTS dsmig; dsmig lab down"
		else
			"$DSMIG" lab down
		fi
	}
	# start_demo NAME ARGS...: in hostA's namespace, in its own session
	# (it may outlive this script when the lab is kept).
	start_demo() {
		DSMIG_RUNTIME_DIR=$LAB_HOSTA_RUNTIME setsid "$DSMIG" lab exec hostA "$VMM" run "$@" \
			2>>"$LAB_DIR/vmm.log" &
	}
else
	echo "dsmig: no lab ($why): two runtime directories on loopback, the engine's cap is the only link limit" >&2
	hosts_dir=$(mktemp -d /tmp/dsmig-demo.XXXXXX)
	mkdir -p "$hosts_dir/hostA" "$hosts_dir/hostB"
	printf 'name=hostA runtime=%s/hostA\nname=hostB runtime=%s/hostB\n' \
		"$hosts_dir" "$hosts_dir" >"$hosts_dir/hosts"
	stop() {
		local s
		for s in "$hosts_dir"/host*/*.sock; do
			[ -S "$s" ] && "$VMM" ctl "$s" quit >/dev/null 2>&1
		done
		wait 2>/dev/null
		rm -rf "$hosts_dir"
	}
	start_demo() {
		DSMIG_RUNTIME_DIR=$hosts_dir/hostA "$VMM" run "$@" 2>>"$hosts_dir/vmm.log" &
	}
fi
export DSMIG_HOSTS="$hosts_dir/hosts"
trap stop EXIT
trap 'exit 0' INT TERM

n=0
for w in $WORKLOADS; do
	vcpus=1
	[ "$w" = net ] && vcpus=2
	n=$((n + 1))
	# A kept lab may still run it from last time.
	[ -S "$hosts_dir/hostA/$w.sock" ] && DSMIG_RUNTIME_DIR=$hosts_dir/hostA \
		"$VMM" ctl "$w" query-status >/dev/null 2>&1 && continue
	start_demo "$BUILD/guest/$w.elf" --name "$w" --vcpus "$vcpus" \
		--console "$hosts_dir/hostA/$w.console"
done
for _ in $(seq 100); do
	[ "$(ls "$hosts_dir"/hostA/*.sock 2>/dev/null | wc -l)" -ge "$n" ] && break
	sleep 0.05
done

if [ -t 0 ] && [ -t 1 ]; then
	"$DSMIG" console
	if [ -z "$why" ]; then
		read -r -p "Leave the lab (hostA, hostB and their VMs) running? [y/N] " answer
		case $answer in [yY]*) keep_lab=1 ;; esac
	fi
else
	echo "dsmig: no terminal: the hosts table instead of the console"
	"$DSMIG" top -b -n "${DSMIG_RUN_SECONDS:-3}" -d 1
fi
