#!/bin/bash
# The guest's NIC (guest ABI 3, src/vmm/net_tap.c) on a real TAP in a
# network namespace of this test's own, with a bridge and a veth standing
# in for the wire: bad --net words, the echo guest (guest/tests/netecho.c)
# answering frames sent from outside, a guest's bad frames and a flood
# counted, a TAP deleted under a running guest, and a migration that
# moves the guest to a new TAP, announced by RARP, still answering.
. "$(dirname "$0")/lib.sh"
require_vms
if [ "$(id -u)" -ne 0 ] || ! command -v python3 >/dev/null; then
	skip "vmm_net: needs root (network namespaces, TAP devices) and python3"
	exit 0
fi
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
NS=dsmt-net$$
ip netns add "$NS" || { not_ok "vmm_net: cannot make namespace $NS"; exit 0; }
trap 'cleanup; ip netns del "$NS" 2>/dev/null' EXIT
in_ns() { ip netns exec "$NS" "$@"; }
ip -n "$NS" link set lo up
ip -n "$NS" link add tbr0 type bridge
ip -n "$NS" link set tbr0 up
ip -n "$NS" link add tv0 type veth peer name tv1
ip -n "$NS" link set tv0 master tbr0 up
ip -n "$NS" link set tv1 up

# echo_test N: send N frames of type 0x88b5 on tv1, print how many came
# back addressed to tv1 with their sequence number.
ECHO=$(mktemp /tmp/dsmig-ethecho.XXXXXX.py)
cat > "$ECHO" <<'EOF'
import socket, struct, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x88b5))
s.bind(("tv1", 0))
s.settimeout(1)
me = s.getsockname()[4]
got = 0
for i in range(int(sys.argv[1])):
    s.send(b"\xff" * 6 + me + b"\x88\xb5" + struct.pack("!I", i) + b"x" * 50)
    try:
        while True:
            f = s.recv(2000)
            if f[0:6] == me and f[14:18] == struct.pack("!I", i):
                got += 1
                break
    except socket.timeout:
        pass
print(got)
EOF
# rarp_watch SECONDS: print the source MAC of every RARP frame seen on tv1.
RARP=$(mktemp /tmp/dsmig-rarp.XXXXXX.py)
cat > "$RARP" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x8035))
s.bind(("tv1", 0))
end = time.time() + float(sys.argv[1])
while time.time() < end:
    s.settimeout(max(0.01, end - time.time()))
    try:
        f = s.recv(100)
    except socket.timeout:
        break
    print(":".join("%02x" % b for b in f[6:12]), flush=True)
EOF
trap 'cleanup; ip netns del "$NS" 2>/dev/null; rm -f "$ECHO" "$RARP"' EXIT

# Bad --net words: usage errors (exit 2) naming what is wrong.
bad_net() {   # NAME SPEC PATTERN
	local err rc
	err=$(in_ns "$VMM" run "$GUESTS/test-netecho.elf" --name "$1" --net "$2" 2>&1 >/dev/null)
	rc=$?
	check "--net '$2' is refused: $3 (exit $rc)" \
		eval '[ "$rc" -eq 2 ] && grep -q -- "$3" <<<"$err"'
}
bad_net b1 "mac=02:00:00:00:00:01" "bridge=NAME is required"
bad_net b2 "bridge=tbr0,mac=01:00:00:00:00:01" "not a unicast"
bad_net b3 "bridge=tbr0,mac=02:00:00:00:00" "not a unicast"
bad_net b4 "bridge=tbr0,speed=10" "unknown 'speed=10'"
bad_net b5 "bridge=-x" "no interface name"
bad_net b6 "bridge=nosuchbr" "no bridge 'nosuchbr' on this host"
err=$("$VMM" run --incoming --name b7 --mem 64M --vcpus 1 --net bridge=tbr0 2>&1)
rc=$?
check "--incoming --net is refused, the NIC comes with the state (exit $rc)" \
	eval '[ $rc -eq 2 ] && grep -q "takes its NIC from the migrated state" <<<"$err"'

# The echo guest, with a flood of 3000 full frames first.
in_ns "$VMM" run "$GUESTS/test-netecho.elf" --name ne --net bridge=tbr0,mac=02:00:5e:00:00:07 \
	--console "$HOST_A/ne.console" -- flood=3000 2>"$HOST_A/ne.log" &
TEST_PIDS+=($!)
for _ in $(seq 50); do grep -q flooded "$HOST_A/ne.console" 2>/dev/null && break; sleep 0.1; done
check "the guest reads its MAC and MTU" grep -q "netecho: mac 02:00:5e:00:00:07 mtu 1500" "$HOST_A/ne.console"
check "frames too long, too short and a short read buffer: DSMIG_NET_INVALID (3) each" \
	grep -q "long write 3, short write 3, small read 3" "$HOST_A/ne.console"
check "the VMM says so once in its log" \
	eval '[ "$(grep -c "wrong length" "$HOST_A/ne.log")" -eq 1 ]'
tap=$(ip -n "$NS" -o link show master tbr0 | grep -o 'dsmt[0-9]*' | head -n 1)
check "the VMM's TAP ($tap) is on the bridge" test -n "$tap"
got=$(in_ns python3 "$ECHO" 200)
check "200 frames sent from outside, $got echoed by the guest" test "$got" -eq 200
st=$(ctl ne query-stats | jq -c .net)
check "query-stats' net counts the flood and the echoes: $st" eval '
	jq -e ".link == true and .tap == \"$tap\" and .bridge == \"tbr0\" and .bad_frames == 3 and
	       .tx_frames + .tx_dropped >= 3200 and .rx_frames >= 200" <<<"$st" >/dev/null'
check "the guest's progress counts its echoes" \
	eval '[ "$(ctl ne query-stats | jq .counters.progress)" -ge 200 ]'

# Migration: the destination opens its own TAP on the bridge of the same
# name, announces the guest's MAC, and the guest answers from there.
in_ns python3 "$RARP" 30 > "$HOST_A/rarp.txt" &
RARP_PID=$!
sleep 0.3
in_ns "$DSMIG" migrate ne --to "$HOST_B" --bandwidth 0 --method precopy >"$HOST_A/mig.out" 2>&1
rc=$?
check "the guest with a NIC migrates (exit $rc)" test "$rc" -eq 0
st=$(DSMIG_RUNTIME_DIR=$HOST_B ctl ne query-stats | jq -c .net)
newtap=$(jq -r .tap <<<"$st")
check "the destination has its own TAP ($newtap, was $tap), up, 3 announcements: $st" \
	eval 'jq -e ".link == true and .announces == 3" <<<"$st" >/dev/null && [ "$newtap" != "$tap" ]'
check "the source's TAP is gone with the source" \
	eval '! ip -n "$NS" link show "$tap" >/dev/null 2>&1'
got=$(in_ns python3 "$ECHO" 100)
check "after the migration $got of 100 frames echoed" test "$got" -eq 100
sleep 0.5
kill "$RARP_PID" 2>/dev/null
check "the bridge saw the guest's MAC announced by RARP: $(sort -u "$HOST_A/rarp.txt" | tr '\n' ' ')" \
	eval '[ "$(grep -c "^02:00:5e:00:00:07$" "$HOST_A/rarp.txt")" -ge 3 ]'

# The TAP deleted under the running guest: the link is down, frames are
# dropped, the VM runs on, the VMM does not spin.
ip -n "$NS" link del "$newtap"
got=$(in_ns python3 "$ECHO" 3)
st=$(DSMIG_RUNTIME_DIR=$HOST_B ctl ne query-stats)
check "a deleted TAP: link down, the VM still $(jq -r .status <<<"$st"), $got echoes" \
	eval 'jq -e ".net.link == false and .status == \"running\"" <<<"$st" >/dev/null && [ "$got" -eq 0 ]'
check "the VMM said the TAP failed" grep -q "dsmig-vmm: error: net: $newtap failed" "$HOST_B/ne.log"
pid=$(DSMIG_RUNTIME_DIR=$HOST_B ctl ne query-status | jq -r .pid)
t0=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
sleep 1
t1=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
check "and it does not spin on the dead TAP ($((t1 - t0)) ticks in 1 s)" test $((t1 - t0)) -lt 20
