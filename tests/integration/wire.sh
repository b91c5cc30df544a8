#!/bin/bash
# `dsmig wire`, the wire probe the console runs on an ssh source host
# (docs/probes.md), on this machine's loopback: bad arguments exit 2, a
# network no interface is on gives its error line and exit 1; on lo it
# prints its header, then a count every interval with growing times and
# counts, counts 256 KiB sent to a port of the engine's range (at least
# that, at most 1.5 times: headers and ACKs), and ends once its stdin
# closes.
. "$(dirname "$0")/lib.sh"

W=$(mktemp -d /tmp/dsmig-test-wire.XXXXXX)
trap 'cleanup; rm -rf "$W"' EXIT
# holds JQ-ARGS...: jq -e, quietly.
holds() { jq -e "$@" >/dev/null; }
if ! command -v socat >/dev/null; then
	skip "wire: socat is missing (make deps)"
	exit 0
fi

"$DSMIG" wire --net 'lo;id' </dev/null >/dev/null 2>&1
check "a --net that is no name nor CIDR: exit 2" test $? -eq 2
"$DSMIG" wire --net lo --ports 9-3 </dev/null >/dev/null 2>&1
check "--ports 9-3: exit 2" test $? -eq 2
"$DSMIG" wire --net lo --interval-ms 0 </dev/null >/dev/null 2>&1
check "--interval-ms 0: exit 2" test $? -eq 2
"$DSMIG" wire --net 10.250.0.0/24 </dev/null >"$W/none.out" 2>/dev/null
check "a network no interface is on: exit 1" test $? -eq 1
check "... with its error line" \
	holds '.error | test("no interface of this host is on network 10.250.0.0/24")' "$W/none.out"

# The probe on lo, its stdin a fifo held open until the end.
mkfifo "$W/in"
sleep 30 >"$W/in" &
holder=$!
TEST_PIDS+=("$holder")
timeout 20 "$DSMIG" wire --net lo --interval-ms 50 <"$W/in" >"$W/lo.out" 2>"$W/lo.err" &
probe=$!
for _ in $(seq 50); do [ -s "$W/lo.out" ] && break; sleep 0.1; done
socat -u TCP-LISTEN:47050,bind=127.0.0.1,reuseaddr OPEN:/dev/null &
TEST_PIDS+=("$!")
sleep 0.3
head -c 262144 /dev/zero | socat -u STDIN TCP:127.0.0.1:47050
sleep 0.5
kill "$holder"
wait "$holder" 2>/dev/null
for _ in $(seq 40); do kill -0 "$probe" 2>/dev/null || break; sleep 0.05; done
check "it ends once its stdin closes" bash -c "! kill -0 $probe 2>/dev/null"
check "its header names lo, the method and the engine's port range" \
	holds -s '.[0] | .wire == 1 and .iface == "lo" and (.method == "pcap" or .method == "procfs") and
		.filter == "tcp portrange 47000-47099"' "$W/lo.out"
check "... then counts, at least 10, times and counts growing" \
	holds -s '.[1:] as $c | ($c | length) >= 10 and
		all(range(1; $c | length); $c[.].t_ns > $c[. - 1].t_ns and $c[.].bytes >= $c[. - 1].bytes)' \
	"$W/lo.out"
last=$(jq -s '.[-1].bytes' "$W/lo.out")
echo "# counted $last bytes for 262144 sent"
check "... which hold the 256 KiB sent to port 47050 (1 to 1.5 times)" \
	awk -v b="$last" 'BEGIN { exit !(b >= 262144 && b <= 1.5 * 262144) }'
