#!/bin/bash
# The web server for real (issue 16): the net guest serves HTTP/1.1 from
# lwIP on its own NIC, plugged into the lab's guest network, and real
# clients in the lab's client namespace load it while it is migrated
# between the lab's hosts over the 12 Mbit/s link, by every method:
# wrk (200 keep-alive connections) and `dsmig webclient` (16, logging
# every request). Every request must succeed and no connection may be
# reset; the clients' longest gap is printed beside the engine's downtime
# and the guest's own stall. The guest then answers from its new host.
. "$(dirname "$0")/lib.sh"
require_lab
command -v wrk >/dev/null || { skip "lab_web: needs wrk (make deps)"; exit 0; }
export DSMIG_HOSTS=$LAB_HOSTS
METHODS=${METHODS:-precopy dsm dsm-pull}
IP=${LAB_GUEST_NET_PREFIX}${LAB_GUEST_ADDR_FIRST}
PATHS="/index-0.html"
client() { ip netns exec "$LAB_CLIENT_NS" "$@"; }

if ! timeout 60 "$DSMIG" lab up --link 12mbit >"$HOST_A/up.out" 2>&1; then
	not_ok "lab up"
	sed 's/^/# /' "$HOST_A/up.out"
	exit 1
fi
lab_vm hostA web net --mem 64M --net "bridge=$LAB_GUEST_BRIDGE" -- "ip=$IP/24"
check "the web server VM starts on hostA with a NIC on $LAB_GUEST_BRIDGE" test $? -eq 0
for _ in $(seq 100); do
	grep -q "http server on" "$LAB_DIR/hostA/web.console" 2>/dev/null && break
	sleep 0.1
done
check "the guest says it listens: $(grep -m1 'http server on' "$LAB_DIR/hostA/web.console")" \
	grep -q "http server on $IP:80" "$LAB_DIR/hostA/web.console"
out=$(client timeout 20 "$DSMIG" webclient --target "$IP" --conns 4 --rate 100 --duration 2 \
	--path /index-0.html 2>&1)
check "the clients reach it from $LAB_CLIENT_NS: $out" \
	eval '[ -n "$out" ] && jq -e ".requests > 100 and .failed == 0 and .resets == 0" <<<"$out" >/dev/null'

# phase_rates CLIENT-LOG MIGRATION-LOG: the logging client's ok requests
# per second before, during and after the migration (whole seconds only).
phase_rates() {
	jq -rn --slurpfile c "$1" --slurpfile g "$2" '
		($g | map(.t) | min) as $a | ($g | map(select(.type == "summary")) | .[0].t) as $b |
		[$c[] | select(.type == "webclient-second")] as $s |
		def rate(f): [$s[] | select(f) | .ok] | if length > 0 then (add / length | round) else "n/a" end;
		"before \(rate(.t + 1e9 <= $a)), during \(rate(.t >= $a and .t + 1e9 <= $b)), after \(rate(.t >= $b))"'
}

# migrate_under_load METHOD FROM TO: wrk and the logging client run from
# 3 s before the migration to 5 s after it.
migrate_under_load() {
	local m=$1 from=$2 to=$3 wpid cpid rc s
	# Not through client(): $! must be the program (ip netns exec execs
	# it), which SIGINT then ends with its summary.
	ip netns exec "$LAB_CLIENT_NS" wrk -t2 -c200 -d600s --timeout 60s \
		"http://$IP/index-4.html" >"$HOST_A/wrk-$m.out" 2>&1 &
	wpid=$!
	ip netns exec "$LAB_CLIENT_NS" "$DSMIG" webclient --target "$IP" --conns 16 --rate 200 \
		--duration 600 --timeout-ms 60000 --path /index-0.html --path /api/items/3 \
		--out "$HOST_A/web-$m.jsonl" >"$HOST_A/web-$m.sum" 2>"$HOST_A/web-$m.err" &
	cpid=$!
	TEST_PIDS+=("$wpid" "$cpid")
	sleep 3
	timeout 300 "$DSMIG" migrate web --from "$from" --to "$to" --method "$m" --bandwidth 12M \
		--timeout 240 --log "$HOST_A/mig-$m.jsonl" >"$HOST_A/mig-$m.out" 2>&1
	rc=$?
	sleep 5
	# Background jobs of a script ignore SIGINT until they set a handler:
	# both programs do.
	kill -INT "$wpid" "$cpid" 2>/dev/null
	wait_pid "$cpid" 20
	wait_pid "$wpid" 20
	kill -9 "$wpid" "$cpid" 2>/dev/null
	check "$m: $from -> $to under load (exit $rc)" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/mig-$m.out"
	s=$(cat "$HOST_A/web-$m.sum")
	check "$m: the logging client: no request failed, no connection reset: $s" \
		eval '[ -n "$s" ] && jq -e ".requests > 0 and .failed == 0 and .resets == 0" <<<"$s" >/dev/null'
	check "$m: wrk: $(grep -E 'requests in|Socket errors|Non-2xx' "$HOST_A/wrk-$m.out" | tr -s ' ' | tr '\n' ';')" \
		eval 'grep -q "requests in" "$HOST_A/wrk-$m.out" && ! grep -qE "Socket errors|Non-2xx" "$HOST_A/wrk-$m.out"'
	sum=$(jq -c 'select(.type == "summary")' "$HOST_A/mig-$m.jsonl")
	echo "# $m: clients' longest gap $(jq -r '.longest_gap_ns / 1e6 | round' <<<"$s") ms;" \
		"engine downtime $(jq -r '.downtime_ns / 1e6 | round' <<<"$sum") ms;" \
		"guest stall $(jq -r 'if .guest_stall_ns then (.guest_stall_ns / 1e6 | round | tostring) + " ms" else "n/a" end' <<<"$sum");" \
		"total $(jq -r '.total_time_ns / 1e9 * 10 | round / 10' <<<"$sum") s;" \
		"wrk $(grep -o 'Requests/sec: *[0-9.]*' "$HOST_A/wrk-$m.out" | tr -s ' ');" \
		"logging client's requests/s $(phase_rates "$HOST_A/web-$m.jsonl" "$HOST_A/mig-$m.jsonl")"
	out=$(client timeout 20 "$DSMIG" webclient --target "$IP" --conns 2 --rate 50 --duration 1 \
		--path /index-0.html 2>&1)
	check "$m: a new client reaches the guest on $to" \
		eval '[ -n "$out" ] && jq -e ".requests > 20 and .failed == 0" <<<"$out" >/dev/null'
}

from=hostA to=hostB
for m in $METHODS; do
	migrate_under_load "$m" "$from" "$to"
	t=$from from=$to to=$t
done
check "the guest's self-check stayed clean" \
	eval '[ "$(on_lab "$from" "$VMM" ctl web query-stats | jq .counters.selfcheck_fail)" = 0 ]'
