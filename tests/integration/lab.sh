#!/bin/bash
# `dsmig lab`: up makes the namespaces, links, shaping and hosts file, and
# the guest network (a stand-in guest reached from the clients' namespace
# on hostA, then on hostB); a second up is harmless (and re-shapes when the
# link changes); --loss
# without netem is an nftables rule in each namespace; down leaves nothing
# behind, also after a crash (state removed, a VMM that does not answer).
# Skipped without root or network namespaces.
. "$(dirname "$0")/lib.sh"
require_lab

lab() { timeout 60 "$DSMIG" lab "$@"; }
ns_inode() { stat -L -c %i "/var/run/netns/$1"; }
qdiscs() { { ip netns exec "$LAB_HOSTA_NETNS" tc qdisc show dev "$LAB_IFACE"; tc qdisc show dev "$LAB_HOSTA_VETH"; }; }

# timed_lab WHAT: `dsmig lab WHAT`, timed, checked, its output kept in
# $HOST_A/WHAT.out and shown when it fails.
timed_lab() {
	local t0 rc
	t0=$(date +%s%N)
	lab "$1" >"$HOST_A/$1.out" 2>&1
	rc=$?
	echo "# lab $1 took $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	check "lab $1 succeeds" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/$1.out"
}

# ---- up ---------------------------------------------------------------
timed_lab up
check "one namespace per host" \
	test "$(ip netns list | awk -v p="$LAB_NS_PREFIX" 'index($1, p) == 1 { print $1 }' | sort | tr '\n' ' ')" = \
	     "$LAB_HOSTA_NETNS $LAB_HOSTB_NETNS "
check "hostA has $LAB_HOSTA_ADDR$LAB_PREFIX_LEN on $LAB_IFACE, lo up" \
	bash -c 'ip netns exec "$LAB_HOSTA_NETNS" ip -br addr show dev "$LAB_IFACE" | grep -q "$LAB_HOSTA_ADDR$LAB_PREFIX_LEN" &&
		 ip netns exec "$LAB_HOSTA_NETNS" ip -br link show dev lo | grep -q UNKNOWN'
check "hostB has $LAB_HOSTB_ADDR$LAB_PREFIX_LEN" \
	bash -c 'ip netns exec "$LAB_HOSTB_NETNS" ip -br addr show dev "$LAB_IFACE" | grep -q "$LAB_HOSTB_ADDR$LAB_PREFIX_LEN"'
check "the bridge holds $LAB_BRIDGE_ADDR and both veths" \
	bash -c 'ip -br addr show dev "$LAB_BRIDGE" | grep -q "$LAB_BRIDGE_ADDR" &&
		 [ "$(ip -o link show master "$LAB_BRIDGE" | wc -l)" -eq 2 ]'
check "tbf at 12 Mbit/s on both ends of hostA's link" \
	test "$(qdiscs | grep -c 'tbf .*rate 12Mbit')" -eq 2
check "hosts file names both hosts with netns and addr" \
	grep -q "^name=hostB runtime=$LAB_HOSTB_RUNTIME netns=$LAB_HOSTB_NETNS addr=$LAB_HOSTB_ADDR\$" "$LAB_HOSTS"
check "one runtime directory per host" test -d "$LAB_HOSTA_RUNTIME" -a -d "$LAB_HOSTB_RUNTIME"
check "lab status: intact" bash -c "timeout 30 '$DSMIG' lab status >/dev/null"
lab status >"$HOST_A/status.out" 2>&1
check "lab status shows the shaping on the uplink and the downlink" \
	test "$(grep -c 'qdisc tbf 1: root .*rate 12Mbit' "$HOST_A/status.out")" -eq 4

# ---- the guest network ---------------------------------------------------
check "the clients' namespace $LAB_CLIENT_NS has $LAB_CLIENT_ADDR on $LAB_CLIENT_IFACE, lo up" \
	bash -c 'ip -n "$LAB_CLIENT_NS" -br addr show dev "$LAB_CLIENT_IFACE" | grep -q "UP .*$LAB_CLIENT_ADDR$LAB_PREFIX_LEN" &&
		 ip -n "$LAB_CLIENT_NS" -br link show dev lo | grep -q UNKNOWN'
check "each host has bridge $LAB_GUEST_BRIDGE (STP off, no forward delay) with port $LAB_GUEST_UPLINK" \
	bash -c 'for ns in "$LAB_HOSTA_NETNS" "$LAB_HOSTB_NETNS"; do
			ip -n "$ns" -d link show dev "$LAB_GUEST_BRIDGE" | grep -q "forward_delay 0 .*stp_state 0" &&
			ip -n "$ns" -o link show master "$LAB_GUEST_BRIDGE" | grep -q " $LAB_GUEST_UPLINK@" || exit 1
		 done'
check "the switch $LAB_GUEST_SWITCH joins both hosts and the clients, and has no address" \
	bash -c '[ "$(ip -o link show master "$LAB_GUEST_SWITCH" | wc -l)" -eq 3 ] &&
		 ! ip -o addr show dev "$LAB_GUEST_SWITCH" | grep -q inet'
check "the guest network is not shaped" \
	bash -c '! tc qdisc show dev "$LAB_HOSTA_GVETH" | grep -q tbf &&
		 ! ip netns exec "$LAB_HOSTA_NETNS" tc qdisc show dev "$LAB_GUEST_UPLINK" | grep -q tbf'

# A stand-in guest: a namespace of its own with the first guest address,
# its veth a port of HOST's guest bridge beside a TAP, always the same MAC
# (as a migrated guest keeps its own); it announces itself after a move
# (a datagram to the clients: an ARP broadcast the switch learns from) and
# echoes "pong" on TCP port 7777.
GUEST_ADDR=$LAB_GUEST_NET_PREFIX$LAB_GUEST_ADDR_FIRST
STANDIN_NS=${LAB_LINK_PREFIX}standin
standin_on() {
	ip -n "$1" link add sg0 type veth peer name eth0 netns "$STANDIN_NS" address 52:54:00:c6:13:0a &&
	ip -n "$1" link set sg0 master "$LAB_GUEST_BRIDGE" up &&
	ip -n "$STANDIN_NS" addr add "$GUEST_ADDR$LAB_PREFIX_LEN" dev eth0 &&
	ip -n "$STANDIN_NS" link set eth0 up &&
	ip netns exec "$STANDIN_NS" socat -u - "UDP:$LAB_CLIENT_ADDR:9" <<<hello
}
from_clients() { ip netns exec "$LAB_CLIENT_NS" timeout 5 socat -u "TCP:$GUEST_ADDR:7777,connect-timeout=2" - 2>/dev/null; }
ip netns add "$STANDIN_NS"
ip -n "$LAB_HOSTA_NETNS" tuntap add dev t0 mode tap &&
	ip -n "$LAB_HOSTA_NETNS" link set t0 master "$LAB_GUEST_BRIDGE" up
standin_on "$LAB_HOSTA_NETNS"
ip netns exec "$STANDIN_NS" socat TCP-LISTEN:7777,reuseaddr,fork SYSTEM:'echo pong' &
TEST_PIDS+=($!)
for _ in $(seq 20); do from_clients >/dev/null && break; sleep 0.1; done
check "the clients reach a stand-in guest ($GUEST_ADDR) on hostA, beside a TAP" test "$(from_clients)" = pong
lab status >"$HOST_A/status-guest.out" 2>&1
check "lab status: the guest network, and hostA's two other ports" \
	bash -c "grep -q 'switch $LAB_GUEST_SWITCH in the root namespace: present' '$HOST_A/status-guest.out' &&
		 grep -q 'hostA .*bridge $LAB_GUEST_BRIDGE, port $LAB_GUEST_UPLINK <-> $LAB_HOSTA_GVETH; 2 other ports' '$HOST_A/status-guest.out'"
ip -n "$LAB_HOSTA_NETNS" link del sg0
standin_on "$LAB_HOSTB_NETNS"
check "... and on hostB after it moved there, at the same address" test "$(from_clients)" = pong
kill "${TEST_PIDS[-1]}" 2>/dev/null
ip netns del "$STANDIN_NS"

# ---- idempotent ----------------------------------------------------------
inode=$(ns_inode "$LAB_HOSTA_NETNS")
out=$(lab up 2>&1); rc=$?
check "a second up is harmless" test "$rc" -eq 0 -a "$(ns_inode "$LAB_HOSTA_NETNS")" = "$inode"
check "... and says the lab is up already" grep -q "already up" <<<"$out"
out=$(lab up --link 100mbit 2>&1); rc=$?
check "up with another rate re-shapes the link" \
	test "$rc" -eq 0 -a "$(qdiscs | grep -c 'rate 100Mbit')" -eq 2 -a "$(ns_inode "$LAB_HOSTA_NETNS")" = "$inode"
ip netns exec "$LAB_HOSTA_NETNS" tc qdisc del dev "$LAB_IFACE" root
check "status notices missing shaping" bash -c "! timeout 30 '$DSMIG' lab status >/dev/null"
lab up --link 12mbit >/dev/null 2>&1
check "up puts the missing shaping back" test "$(qdiscs | grep -c 'rate 12Mbit')" -eq 2
out=$(lab up --hosts 3 2>&1); rc=$?
check "up with another host count refuses (status $rc)" test "$rc" -eq 1 -a "$(ns_inode "$LAB_HOSTA_NETNS")" = "$inode"
out=$(lab up --delay 50 --loss 1 2>&1); rc=$?
if [ "$rc" -eq 0 ]; then
	check "netem under tbf on the uplink" \
		bash -c 'ip netns exec "$LAB_HOSTA_NETNS" tc qdisc show dev "$LAB_IFACE" | grep -q "netem 1: root.*delay 50ms loss 1%"'
	lab up >/dev/null 2>&1
	check "and gone again without --delay/--loss" \
		bash -c '! ip netns exec "$LAB_HOSTA_NETNS" tc qdisc show dev "$LAB_IFACE" | grep -q netem'
else
	check "without netem in the kernel, --delay fails clearly (exit $rc)" \
		grep -q "no netem qdisc (CONFIG_NET_SCH_NETEM): --delay needs netem" <<<"$out"
	check "... and the previous shaping stays" \
		test "$(qdiscs | grep -c 'tbf .*rate 12Mbit')" -eq 2
fi

# ---- --loss without netem: nftables ---------------------------------------------
# nft_rules: the lab's loss rule in each host's namespace, one line each.
nft_rules() {
	local ns
	for ns in "$LAB_HOSTA_NETNS" "$LAB_HOSTB_NETNS"; do
		ip netns exec "$ns" nft list table netdev "$LAB_NFT_TABLE" 2>/dev/null | grep numgen
	done
}
out=$(lab up --loss 1 2>&1); rc=$?
if [ "$rc" -eq 0 ] && grep -q "nftables" <<<"$out"; then
	check "no netem: --loss 1 drops on arrival at $LAB_IFACE in each namespace" \
		test "$(nft_rules | grep -c 'numgen random mod 1000000 < 10000 counter .* drop')" -eq 2
	check "... from the ingress hook of $LAB_IFACE, under tbf only" \
		bash -c 'ip netns exec "$LAB_HOSTB_NETNS" nft list table netdev "$LAB_NFT_TABLE" |
				grep -q "hook ingress device \"$LAB_IFACE\"" &&
			 ! ip netns exec "$LAB_HOSTB_NETNS" tc qdisc show dev "$LAB_IFACE" | grep -q netem'
	lab status >"$HOST_A/status-loss.out" 2>&1; rc=$?
	check "lab status: intact, and shows the loss by nftables on each host" \
		bash -c "[ $rc -eq 0 ] && grep -q 'loss 1% (nftables' '$HOST_A/status-loss.out' &&
			 [ \$(grep -c 'numgen random mod 1000000 < 10000' '$HOST_A/status-loss.out') -eq 2 ]"
	lab up --loss 2.5 >/dev/null 2>&1
	check "up with another loss replaces the rule" \
		test "$(nft_rules | grep -c '< 25000 ')" -eq 2 -a "$(ns_inode "$LAB_HOSTA_NETNS")" = "$inode"
	ip netns exec "$LAB_HOSTB_NETNS" nft delete table netdev "$LAB_NFT_TABLE"
	check "status notices a missing loss rule" bash -c "! timeout 30 '$DSMIG' lab status >/dev/null"
	lab up --loss 2.5 >/dev/null 2>&1
	check "up puts it back" test "$(nft_rules | grep -c '< 25000 ')" -eq 2
	lab up >/dev/null 2>&1
	check "up without --loss removes the rules" test -z "$(nft_rules)"
	check "... and the lab is intact" bash -c "timeout 30 '$DSMIG' lab status >/dev/null"
elif [ "$rc" -eq 0 ]; then
	skip "--loss by nftables: this kernel has netem, which makes the loss"
	lab up >/dev/null 2>&1
else
	not_ok "lab up --loss 1 (exit $rc): $out"
fi
check "a loss below 0.0001% is a usage error" \
	bash -c "timeout 10 '$DSMIG' lab up --loss 0.00001 2>/dev/null; [ \$? -eq 2 ]"
check "a rate in bytes is a usage error" bash -c "timeout 10 '$DSMIG' lab up --link 12MB 2>/dev/null; [ \$? -eq 2 ]"
check "12Mbps is 12 Mbit/s, as everywhere (common/units.h)" \
	bash -c "timeout 30 '$DSMIG' lab up --link 12Mbps | grep -q 'already up: '"
if command -v setpriv >/dev/null; then
	out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$DSMIG" lab up 2>&1); rc=$?
	check "without root: exit 1 and says root is needed" \
		bash -c "[ $rc -eq 1 ] && grep -q 'needs root' <<<'$out'"
fi

# ---- down ----------------------------------------------------------------
lab_vm hostA idle idle
on_lab hostB "$VMM" run "$GUESTS/idle.elf" --name rootns --console "$HOST_A/rootns.console" \
	2>"$HOST_A/rootns.log" &
sleep 0.5
check "a VM runs inside hostA's namespace" test "$(vm_netns hostA idle)" = "$LAB_HOSTA_NETNS"
check "dsmig top lists it from the lab's hosts file" \
	bash -c "DSMIG_HOSTS=$LAB_HOSTS timeout 10 '$DSMIG' top -b -n 1 -d 0.1 | grep -q '^hostA  *idle '"
timed_lab down   # two VMs to quit
left=$(lab_leftovers)
check "nothing left after down${left:+: $left}" test -z "$left"
check "... the clients' namespace and the guest switch included" \
	bash -c '! ip netns list | grep -q "^$LAB_CLIENT_NS\b" && ! ip link show "$LAB_GUEST_SWITCH" >/dev/null 2>&1' 
check "the VMs were quit over their sockets" test "$(grep -c 'quit VM' "$HOST_A/down.out")" -eq 2
check "down without a lab is harmless" bash -c "timeout 30 '$DSMIG' lab down >/dev/null"
check "status without a lab: exit 1" bash -c "! timeout 10 '$DSMIG' lab status >/dev/null"

# ---- down after a crash ---------------------------------------------------
# The state directory is gone (sockets and all): the VM in hostA's
# namespace is found by its namespace and killed.
lab up >/dev/null 2>&1
lab_vm hostA orphan idle
rm -rf "$LAB_DIR"
check "status sees the leftovers" bash -c "timeout 10 '$DSMIG' lab status | grep -q leftovers"
lab down >"$HOST_A/down2.out" 2>&1
left=$(lab_leftovers)
check "down after the state was lost removes everything${left:+: $left}" test -z "$left"
check "... and stopped the VM it could not ask" grep -q "stopping process" "$HOST_A/down2.out"

# A VMM that does not answer (stopped) in the root namespace, with a
# runtime directory in the lab: killed.
lab up >/dev/null 2>&1
DSMIG_RUNTIME_DIR=$LAB_HOSTB_RUNTIME "$VMM" run "$GUESTS/idle.elf" --name stuck \
	--console "$HOST_A/stuck.console" 2>"$HOST_A/stuck.log" &
stuck=$!
TEST_PIDS+=("$stuck")
for _ in $(seq 100); do on_lab hostB "$VMM" ctl stuck query-status >/dev/null 2>&1 && break; sleep 0.05; done
kill -STOP "$stuck"
lab down >"$HOST_A/down3.out" 2>&1
left=$(lab_leftovers)
check "down kills a VMM that does not answer${left:+: $left}" \
	bash -c "[ -z '$left' ] && grep -q 'killed process $stuck' '$HOST_A/down3.out'"
wait "$stuck" 2>/dev/null
# An `up` over leftovers of a crashed lab (no state) removes them first.
lab up >/dev/null 2>&1
rm -f "$LAB_CONF"
out=$(lab up 2>&1); rc=$?
check "up over a crashed lab's leftovers makes a clean lab" \
	bash -c "[ $rc -eq 0 ] && grep -q leftovers <<<'$out' && timeout 10 '$DSMIG' lab status >/dev/null"
lab down >/dev/null 2>&1
left=$(lab_leftovers)
check "nothing left at the end${left:+: $left}" test -z "$left"
