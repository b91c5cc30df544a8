# Shared helpers for integration tests (sourced, not run). Each test prints
# "ok - NAME", "not ok - NAME" or "skip - NAME: why" lines, which
# tests/run.sh counts. Every VM a test starts lives in a private runtime
# directory and is killed when the script exits, pass or fail.

: "${BUILD:?BUILD must name the build tree}"
VMM="$BUILD/bin/dsmig-vmm"
DSMIG="$BUILD/bin/dsmig"
GUESTS="$BUILD/guest"
# Two "hosts": this one (the default runtime directory) and HOST_B.
DSMIG_RUNTIME_DIR=$(mktemp -d /tmp/dsmig-test.XXXXXX)
HOST_A=$DSMIG_RUNTIME_DIR
HOST_B=$(mktemp -d /tmp/dsmig-testB.XXXXXX)
export DSMIG_RUNTIME_DIR
TEST_PIDS=()

cleanup() {
	local p s
	# VMMs the engine started are not our children: quit them by socket.
	for s in "$HOST_A"/*.sock "$HOST_B"/*.sock; do
		[ -S "$s" ] && timeout 5 "$VMM" ctl "$s" quit >/dev/null 2>&1
	done
	for p in "${TEST_PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null
	done
	wait 2>/dev/null
	rm -rf "$HOST_A" "$HOST_B"
}
trap cleanup EXIT

ok()     { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }
skip()   { echo "skip - $*"; }

# check NAME COMMAND...: one test case, passing if COMMAND succeeds.
check() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# Skip the whole script (one "skip" line) when no accelerator can run
# guests here (DSMIG_ACCEL, set by tests/run.sh from `dsmig-vmm accel`;
# asked here when a script runs alone).
require_vms() {
	if [ -z "${DSMIG_ACCEL+set}" ]; then
		DSMIG_ACCEL=$("$VMM" accel 2>/dev/null) || DSMIG_ACCEL=
	fi
	if [ -z "$DSMIG_ACCEL" ]; then
		skip "$(basename "$0" .sh): needs an accelerator (KVM, or ptrace with userfaultfd write-protect): $("$VMM" accel 2>&1)"
		exit 0
	fi
}


ctl() { "$VMM" ctl "$@"; }

# field NAME COMMAND JQ-FILTER: one value from a command's reply.
field() { "$VMM" ctl "$1" "$2" | jq -r "$3"; }

# start_vm NAME IMAGE [VMM OPTIONS] [-- GUEST ARGS]: start a VMM in the
# background (console in $DSMIG_RUNTIME_DIR/NAME.console, stderr in
# NAME.log) and wait until its control socket answers. Sets VM_PID.
start_vm() {
	local name=$1 image=$2 i
	shift 2
	"$VMM" run "$GUESTS/$image.elf" --name "$name" \
		--console "$DSMIG_RUNTIME_DIR/$name.console" "$@" \
		2>"$DSMIG_RUNTIME_DIR/$name.log" &
	VM_PID=$!
	TEST_PIDS+=("$VM_PID")
	for i in $(seq 100); do
		"$VMM" ctl "$name" query-status >/dev/null 2>&1 && return 0
		kill -0 "$VM_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# VM $name did not come up:" >&2
	cat "$DSMIG_RUNTIME_DIR/$name.log" >&2
	return 1
}

# wait_pid PID SECONDS: wait for a background process of this shell; sets
# EXIT_STATUS to its exit status, or "timeout". (Not usable in $(...),
# which runs in a subshell that cannot wait for our children.)
wait_pid() {
	local pid=$1 t=$2 i
	for i in $(seq $((t * 20))); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$pid" 2>/dev/null; then
		EXIT_STATUS=timeout
		return 1
	fi
	wait "$pid"
	EXIT_STATUS=$?
}

# rank_pid N: the pid of engine rank N.
rank_pid() {
	local p
	for p in $(pgrep -f "bin/dsmig-engine"); do
		if tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "OMPI_COMM_WORLD_RANK=$1"; then
			echo "$p"
			return 0
		fi
	done
	return 1
}

# counter NAME FIELD: a guest counter from query-stats.
counter() { field "$1" query-stats ".counters.$2"; }

# holds EXPR: a jq expression (no input) is true. Quiet, for `check`.
holds() { jq -n -e "$1" >/dev/null; }

# on_b COMMAND...: run a dsmig-vmm client command against host B.
on_b() { DSMIG_RUNTIME_DIR=$HOST_B "$@"; }

# telemetry_adds_up LOG: the summary's byte total is the sum of the rounds'
# bytes plus state, verify, control and post-copy bytes, and rounds sum the
# iterations.
telemetry_adds_up() {
	jq -s -e '
		([.[] | select(.type == "iteration") | .bytes] | add) as $it
		| (.[] | select(.type == "summary")) as $s
		| $s.bytes.rounds == $it
		  and $s.bytes_total == ($s.bytes.rounds + $s.bytes.state + $s.bytes.verify
					 + $s.bytes.control + ($s.bytes.postcopy // 0))
		  and $s.bytes.state > 0' "$1" >/dev/null
}

# ---- the console in a terminal (tmux) -----------------------------------
# A test sets T to tmux on a private socket ("tmux -L NAME") and starts
# its console in session "con"; it kills the server at exit.
screen() { $T capture-pane -p -t con 2>/dev/null; }
# on_screen REGEX: the screen matches the extended regular expression now.
on_screen() { screen | grep -Eq -- "$1"; }
# wait_for TEXT SECONDS: until the screen shows TEXT (a grep pattern).
wait_for() {
	local i
	for i in $(seq $(($2 * 10))); do
		screen | grep -q -- "$1" && return 0
		sleep 0.1
	done
	echo "# screen while waiting for '$1':"
	screen | sed 's/^/# /'
	return 1
}
# Stop the terminal server and let it go before the next one starts.
reset_tmux() { $T kill-server 2>/dev/null; sleep 0.5; }

# ---- the lab (`dsmig lab`, docs/deploy.md) ------------------------------
# Its names, addresses and ports (LAB_DIR, LAB_HOSTS, LAB_IFACE,
# LAB_HOSTA_NETNS, MIGRATE_PORT_FILTER, ...) as `dsmig lab env` prints
# them from src/common/lab_net.h; exported, for `bash -c` checks.
# lab_env: load them; fails if dsmig cannot say.
lab_env() {
	local env
	env=$("$DSMIG" lab env) || return 1
	set -a
	eval "$env"
	set +a
}

# lab_leftovers: what of a lab exists (namespaces, links, qdiscs, state,
# processes), one item a line; nothing when there is no lab.
lab_leftovers() {
	ip netns list | awk -v p="$LAB_LINK_PREFIX" 'index($1, p) == 1 { print "namespace " $1 }'
	ip -o link show | awk -F': ' -v p="$LAB_LINK_PREFIX" \
		'index($2, p) == 1 { sub(/@.*/, "", $2); print "link " $2 }'
	tc qdisc show | awk -v p=" dev $LAB_LINK_PREFIX" 'index($0, p) { print "qdisc " $0 }'
	[ -e "$LAB_DIR" ] && echo "directory $LAB_DIR"
	findmnt -rn -o TARGET | awk -v d="$LAB_DIR" 'index($1, d) == 1 { print "mount " $1 }'
	pgrep -a -f "$LAB_DIR/" | sed 's/^/process /'
	return 0
}

# require_lab: skip the whole script unless the lab can be made here
# (root, an accelerator, network namespaces) and none is up already: an operator's
# lab is never touched. The lab is taken down when the script exits.
require_lab() {
	require_vms
	local why=""
	if ! lab_env; then
		not_ok "dsmig lab env"
		exit 1
	fi
	if ! why=$("$DSMIG" lab check 2>&1 >/dev/null); then
		why=${why#dsmig: error: }
	elif [ -n "$(lab_leftovers)" ]; then
		why="a lab is up already (dsmig lab status); not touching it"
	fi
	if [ -n "$why" ]; then
		skip "$(basename "$0" .sh): $why"
		exit 0
	fi
	trap 'timeout 30 "$DSMIG" lab down >/dev/null 2>&1; cleanup' EXIT
}

# on_lab HOST COMMAND...: run a dsmig-vmm client command against a lab
# host's runtime directory.
on_lab() {
	local h=$1
	shift
	DSMIG_RUNTIME_DIR=$LAB_DIR/$h "$@"
}

# lab_vm HOST NAME IMAGE [VMM OPTIONS] [-- GUEST ARGS]: start a VM inside
# HOST's namespace and wait until its control socket answers.
lab_vm() {
	local h=$1 name=$2 image=$3 i
	shift 3
	DSMIG_RUNTIME_DIR=$LAB_DIR/$h "$DSMIG" lab exec "$h" "$VMM" run "$GUESTS/$image.elf" \
		--name "$name" --console "$LAB_DIR/$h/$name.console" "$@" \
		2>"$HOST_A/$name.$h.log" &
	for i in $(seq 100); do
		on_lab "$h" "$VMM" ctl "$name" query-status >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "# VM $name did not come up on $h:" >&2
	cat "$HOST_A/$name.$h.log" >&2
	return 1
}

# vm_netns HOST NAME: the network namespace of the VMM serving NAME on HOST.
vm_netns() {
	ip netns identify "$(on_lab "$1" "$VMM" ctl "$2" query-status | jq -r .pid)"
}

# Hand-written session logs (docs/telemetry.md), for tests without KVM.
T0=1764300000000000000
# rec MS FIELDS: a session record MS milliseconds after T0.
rec() { printf '{"v":1,"t":%d,%s}\n' $((T0 + $1 * 1000000)) "$2"; }
# engm MIG MS FIELDS: an engine event of migration MIG, wrapped in its
# record; eng MS FIELDS: one of migration 1.
engm() {
	printf '{"v":1,"t":%d,"src":"engine","mig":%d,"ev":{"v":1,"t":%d,%s}}\n' \
		$((T0 + $2 * 1000000)) "$1" $((T0 + $2 * 1000000)) "$3"
}
eng() { engm 1 "$@"; }
