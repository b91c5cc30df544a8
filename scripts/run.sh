#!/bin/bash
# `make run`: the embedded default. Two hosts on this machine, the four
# demo guests of the paper's Table 2 running on hostA, and the console
# over them. In the lab the net guest is a web server with a NIC on the
# lab's guest network, and a logging client (dsmig webclient) in the
# clients' namespace loads it; the console follows its log (--clients).
#
# As root with network namespaces: `dsmig lab up --ssh` (hostA and hostB
# in their own network and mount namespaces, each with its sshd, a
# 12 Mbit/s tbf link between them), the guests started on hostA through
# its sshd, and the console reaching both hosts only over ssh, as it would
# two machines (docs/deploy.md); without sshd, the lab's local hosts file
# instead. Quitting the console asks whether to leave the lab running
# (default: `dsmig lab down`). Otherwise: two VMM
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

# Can this machine make the lab? (root, network namespaces; sshd for
# the hosts over ssh)
ssh=
[ -x /usr/sbin/sshd ] && ssh=--ssh
if why=$("$DSMIG" lab check 2>&1 >/dev/null); then
	"$DSMIG" lab up --link 12mbit $ssh || why="dsmig lab up failed"
else
	why=${why#dsmig: error: }
fi

keep_lab=0
if [ -z "$why" ]; then
	stop() {
		if [ "$keep_lab" = 1 ]; then
			echo "dsmig: the lab keeps running: dsmig lab status; DSMIG_HOSTS=$hosts_file dsmig; dsmig lab down"
		else
			"$DSMIG" lab down
		fi
	}
fi
if [ -z "$why" ] && [ -n "$ssh" ]; then
	# hostA's runtime directory is in its own mount namespace: reached
	# through its sshd only.
	hosts_file=$LAB_SSH_HOSTS
	runtime=$LAB_SSH_RUNTIME
	self=$(cd "$(dirname "$VMM")" && pwd)/$(basename "$VMM")
	guests=$(cd "$BUILD/guest" && pwd)
	on_a() {
		ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$LAB_SSH_KNOWN" \
			-i "$LAB_SSH_KEY" "root@$LAB_HOSTA_ADDR" "$@" </dev/null
	}
	running() { on_a "$self ctl $runtime/$1.sock query-status" >/dev/null 2>&1; }
	count() { on_a "ls $runtime" 2>/dev/null | grep -c '\.sock$'; }
	# start_demo NAME ARGS...: on hostA through ssh, in its own session
	# there (it may outlive this script when the lab is kept). The
	# arguments are this script's own words (no operator text).
	start_demo() {
		on_a "DSMIG_RUNTIME_DIR=$runtime setsid $self run $* </dev/null >>$runtime/vmm.log 2>&1 &"
	}
	guest() { echo "$guests/$1.elf"; }
else
	# hostA's VMM sockets are on this machine.
	running() { DSMIG_RUNTIME_DIR=$runtime "$VMM" ctl "$1" query-status >/dev/null 2>&1; }
	count() { ls "$runtime"/*.sock 2>/dev/null | wc -l; }
	guest() { echo "$BUILD/guest/$1.elf"; }
fi
if [ -z "$why" ] && [ -z "$ssh" ]; then
	hosts_file=$LAB_HOSTS
	runtime=$LAB_HOSTA_RUNTIME
	# start_demo NAME ARGS...: in hostA's namespace, in its own session
	# (it may outlive this script when the lab is kept).
	start_demo() {
		DSMIG_RUNTIME_DIR=$runtime setsid "$DSMIG" lab exec hostA "$VMM" run "$@" \
			2>>"$LAB_DIR/vmm.log" &
	}
elif [ -n "$why" ]; then
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
	hosts_file=$hosts_dir/hosts
	runtime=$hosts_dir/hostA
	start_demo() {
		DSMIG_RUNTIME_DIR=$runtime "$VMM" run "$@" 2>>"$hosts_dir/vmm.log" &
	}
fi
export DSMIG_HOSTS=$hosts_file
trap stop EXIT
trap 'exit 0' INT TERM

# In the lab the net guest is a web server on the guest network
# (its NIC on hostA's guest bridge), loaded by a logging client in the
# clients' namespace; without the lab its clients run inside it.
web_ip=${LAB_GUEST_NET_PREFIX}${LAB_GUEST_ADDR_FIRST}
n=0
for w in $WORKLOADS; do
	vcpus=1 extra=()
	if [ "$w" = net ] && [ -z "$why" ]; then
		extra=(--net "bridge=$LAB_GUEST_BRIDGE" -- "ip=$web_ip/24")
	elif [ "$w" = net ]; then
		vcpus=2
	fi
	n=$((n + 1))
	# A kept lab may still run it from last time.
	running "$w" && continue
	start_demo "$(guest "$w")" --name "$w" --vcpus "$vcpus" --console "$runtime/$w.console" \
		"${extra[@]}"
done
for _ in $(seq 100); do
	[ "$(count)" -ge "$n" ] && break
	sleep 0.05
done

console_args=()
if [ -z "$why" ]; then
	# The web server's clients: 8 keep-alive connections, 100 requests/s,
	# every second logged for the console's card (--clients).
	clients=$LAB_DIR/clients.jsonl
	for _ in $(seq 100); do
		ip netns exec "$LAB_CLIENT_NS" timeout 1 bash -c "exec 3<>/dev/tcp/$web_ip/80" \
			2>/dev/null && break
		sleep 0.1
	done
	ip netns exec "$LAB_CLIENT_NS" "$DSMIG" webclient --target "$web_ip" --conns 8 --rate 100 \
		--duration 3600 --timeout-ms 60000 --path /index-0.html --path /img/photo-2.png \
		--out "$clients" >/dev/null 2>&1 &
	client_pid=$!
	console_args=(--clients "$clients")
	trap 'kill "$client_pid" 2>/dev/null; stop' EXIT
	echo "dsmig: the net guest serves HTTP on $web_ip; a logging client in $LAB_CLIENT_NS loads it ($clients)"
fi

if [ -t 0 ] && [ -t 1 ]; then
	"$DSMIG" console "${console_args[@]}"
	if [ -z "$why" ]; then
		read -r -p "Leave the lab (hostA, hostB and their VMs) running? [y/N] " answer
		case $answer in [yY]*) keep_lab=1 ;; esac
	fi
else
	echo "dsmig: no terminal: the hosts table instead of the console"
	"$DSMIG" top -b -n "${DSMIG_RUN_SECONDS:-3}" -d 1
fi
