#!/bin/bash
# Migrations between the two hosts of `dsmig lab` (two network namespaces,
# a 12 Mbit/s tbf link): the ranks run in the right namespaces, the guest
# resumes on hostB (in hostB's namespace), --verify is clean for every
# workload and method; libpcap on hostA's interface sees the bytes the
# engine reports (plus headers), and the wire never beats the link's cap
# by more than the tbf bucket although the engine's own cap is off; with
# netem (1% loss, 50 ms delay), or without netem 1% loss by nftables (no
# delay), a migration still ends cleanly. The workload x method matrix
# runs on a faster link to stay within time.
. "$(dirname "$0")/lib.sh"
require_lab

# The methods the engine has (dsmig migrate --method), dsm-pull where the
# accelerator has post-copy.
METHODS="precopy dsm dsm-pull"
# The link; the bucket `dsmig lab up` gives tbf at this rate is read
# from what it prints, the engine's ports from `dsmig lab env`.
LINK_BPS=12000000
FILTER=$MIGRATE_PORT_FILTER
NETCOUNT="$BUILD/tests/helpers/netcount"
export DSMIG_HOSTS=$LAB_HOSTS

if ! timeout 60 "$DSMIG" lab up --link 12mbit >"$HOST_A/up.out" 2>&1; then
	not_ok "lab up"
	sed 's/^/# /' "$HOST_A/up.out"
	exit 1
fi
BURST=$(grep -o 'tbf burst [0-9]*' "$HOST_A/up.out" | grep -o '[0-9]*$')

# lab_migrate VM OPTIONS...: hostA -> hostB, bounded; output in VM.out.
lab_migrate() {
	local vm=$1
	shift
	timeout 150 "$DSMIG" migrate "$vm" --from hostA --to hostB --timeout 120 "$@" \
		>"$HOST_A/$vm.out" 2>&1
}

# netcount_start NAME OPTIONS...: the console's probe on hostA's interface.
NETCOUNT_PIDS=()
netcount_start() {
	local name=$1 i
	shift
	"$NETCOUNT" --netns "$LAB_HOSTA_NETNS" "$@" >"$HOST_A/$name.json" 2>"$HOST_A/$name.err" &
	TEST_PIDS+=("$!")
	NETCOUNT_PIDS+=("$!")
	for i in $(seq 50); do
		grep -q ready "$HOST_A/$name.err" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# Which namespace each engine rank of VM runs in, every 0.2 s, as
# "RANK NAMESPACE" lines (OMPI_COMM_WORLD_RANK is in each rank's
# environment).
placement_watch() {
	local pid rank ns
	for _ in $(seq 600); do
		for pid in $(pgrep -f "dsmig-engine --vm $1 "); do
			# A rank may end between pgrep and here: skip it then.
			rank=$({ tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null |
				sed -n 's/^OMPI_COMM_WORLD_RANK=//p')
			ns=$(ip netns identify "$pid" 2>/dev/null)
			[ -n "$rank" ] && [ -n "$ns" ] && echo "$rank $ns"
		done
		sleep 0.2
	done
}

# runs_on_b VM: running on hostB, inside hostB's namespace.
runs_on_b() {
	[ "$(on_lab hostB "$VMM" ctl "$1" query-status | jq -r .status)" = running ] &&
		[ "$(vm_netns hostB "$1")" = "$LAB_HOSTB_NETNS" ]
}

# ---- the wire ---------------------------------------------------------------
# 20 MiB of guest data, engine cap off: the link alone limits the rate.
lab_vm hostA wire idle -- region=20M
sleep 0.5
netcount_start both "$LAB_IFACE" "$FILTER" &&
	netcount_start out --cap "$LINK_BPS" "$LAB_IFACE" "$FILTER and src host $LAB_HOSTA_ADDR"
check "pcap probes open in hostA's namespace" test $? -eq 0
placement_watch wire >"$HOST_A/placement" &
watch=$!
lab_migrate wire --ranks 4 --bandwidth 0 --compress off --delta off --verify \
	--log "$HOST_A/wire.jsonl"
rc=$?
sleep 0.3
kill "$watch" 2>/dev/null
kill -TERM "${NETCOUNT_PIDS[@]}" 2>/dev/null
wait 2>/dev/null
check "migration over the 12 Mbit/s link succeeds" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/wire.out"
placed=$(sort -u "$HOST_A/placement" | tr '\n' ',')
check "ranks 0,2 ran in hostA's namespace, 1,3 in hostB's ($placed)" \
	test "$placed" = "0 $LAB_HOSTA_NETNS,1 $LAB_HOSTB_NETNS,2 $LAB_HOSTA_NETNS,3 $LAB_HOSTB_NETNS,"
check "wire: resumed on hostB, in its namespace" runs_on_b wire
check "wire: --verify clean" \
	test "$(jq -r 'select(.type=="summary") | .verify' "$HOST_A/wire.jsonl")" = clean
engine=$(jq -s '.[] | select(.type=="summary") | .bytes_total' "$HOST_A/wire.jsonl")
both=$(jq .bytes "$HOST_A/both.json")
sent=$(jq .bytes "$HOST_A/out.json")
pct() { jq -n "($1 / $engine - 1) * 10000 | round / 100"; }
echo "# engine bytes_total $engine; pcap on hostA's $LAB_IFACE: hostA -> hostB $sent (+$(pct "$sent")%), both ways $both (+$(pct "$both")%, with the ACKs)"
check "pcap sees the engine's bytes going out: within 5% plus headers" \
	holds "$sent >= $engine and $sent <= $engine * 1.05 + 65536"
check "both ways, with the ACKs coming back, within 10%" holds "$both <= $engine * 1.10"
secs=$(jq -s '[.[] | select(.type=="iteration") | .duration_ns] | add / 1e9' "$HOST_A/wire.jsonl")
max_bps=$(jq .max_bps "$HOST_A/out.json")
excess=$(jq .max_excess_bytes "$HOST_A/out.json")
echo "# sent for $secs s; hostA -> hostB at most $max_bps bit/s over 1 s windows, at most $excess bytes above 12 Mbit/s (tbf burst $BURST)"
check "the pages took more than 10 s: the link, not the engine, set the pace" holds "$secs > 10"
check "the wire never beat 12 Mbit/s by more than the tbf burst" \
	holds "$excess <= $BURST + 1514"
check "and the link was used (>= 85% of 12 Mbit/s at best)" holds "$max_bps >= $LINK_BPS * 0.85"
on_lab hostB "$VMM" ctl wire quit >/dev/null

# ---- dsm-pull on the shaped link, no engine cap ---------------------------------
# Only tbf limits the link, so TCP queues pages in front of the guest's page
# requests unless post-copy paces its pushes. This once lost the guest
# (no heartbeat within 2 s of the resume, exit 5); now the pull must stay
# responsive and the migration complete.
lab_vm hostA pull memory || not_ok "pull: starts on hostA"
sleep 1
lab_migrate pull --method dsm-pull --bandwidth 0 --verify --log "$HOST_A/pull.jsonl"
rc=$?
check "dsm-pull over the 12 Mbit/s link without an engine cap completes" test "$rc" -eq 0
[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/pull.out"
check "dsm-pull: resumed on hostB" runs_on_b pull
med=$(jq 'select(.type=="summary") | .postcopy.fault_median_ns // 1e12' "$HOST_A/pull.jsonl")
check "dsm-pull: faults answered in a median under 500 ms ($((${med%.*} / 1000000)) ms) behind the pushes" \
	holds "$med < 500e6"
on_lab hostB "$VMM" ctl pull quit >/dev/null 2>&1

# ---- every workload, every method ---------------------------------------------
# On a 100 Mbit/s link: at 12 Mbit/s the cpu and memory guests take 20-24 s
# each, and twelve migrations would not fit the test's time limit. The
# second `up` re-shapes the running lab.
timeout 60 "$DSMIG" lab up --link 100mbit >/dev/null 2>&1
check "the lab's link re-shaped to 100 Mbit/s" \
	bash -c "ip netns exec '$LAB_HOSTA_NETNS' tc qdisc show dev '$LAB_IFACE' | grep -q 'rate 100Mbit'"

migrate_one() {
	local w=$1 vcpus=$2 method=$3 vm="$1-$3" rc
	lab_vm hostA "$vm" "$w" --vcpus "$vcpus" || { not_ok "$vm: starts on hostA"; return; }
	sleep 0.5
	lab_migrate "$vm" --method "$method" --bandwidth 0 --max-iters 2 --verify \
		--log "$HOST_A/$vm.jsonl"
	rc=$?
	check "$vm: migrates hostA -> hostB" test "$rc" -eq 0
	[ "$rc" -eq 0 ] || sed 's/^/# /' "$HOST_A/$vm.out"
	check "$vm: resumed on hostB, in its namespace" runs_on_b "$vm"
	check "$vm: --verify clean" \
		test "$(jq -r 'select(.type=="summary") | .verify' "$HOST_A/$vm.jsonl")" = clean
	check "$vm: the source is gone from hostA" bash -c "! test -e '$LAB_HOSTA_RUNTIME/$vm.sock'"
	echo "# $vm: $(grep -E 'total migration time' "$HOST_A/$vm.out" | tr -s ' ')"
	on_lab hostB "$VMM" ctl "$vm" quit >/dev/null 2>&1
}

for method in $METHODS; do
	migrate_one idle 1 "$method"
	migrate_one cpu 1 "$method"
	migrate_one memory 1 "$method"
	migrate_one net 2 "$method"
done

# ---- loss and delay: netem (1% loss, 50 ms each way) ----------------------------
# Without netem in the kernel there is no delay, and the 1% loss is an
# nftables rule dropping packets on their arrival at each host's dsmig0.
if out=$(timeout 60 "$DSMIG" lab up --link 12mbit --delay 50 --loss 1 2>&1); then
	by=netem
elif grep -q "no netem" <<<"$out"; then
	skip "delay: this kernel has no netem qdisc (CONFIG_NET_SCH_NETEM), which --delay needs; the 1% loss alone runs, by nftables"
	if ! out=$(timeout 60 "$DSMIG" lab up --link 12mbit --loss 1 2>&1); then
		if grep -q "needs nft" <<<"$out"; then
			skip "loss: no netem, and no nft to make the loss without it (scripts/deps.sh)"
		else
			not_ok "lab up --link 12mbit --loss 1: $out"
		fi
		exit 0
	fi
	check "the loss is made by nftables" grep -q "loss 1% (nftables" <<<"$out"
	by=nftables
else
	not_ok "lab up --delay 50 --loss 1: $out"
	exit 0
fi
lab_vm hostA lossy idle
sleep 0.5
lab_migrate lossy --bandwidth 0 --verify --log "$HOST_A/lossy.jsonl"
rc=$?
echo "# $by: $(grep -E 'total migration time' "$HOST_A/lossy.out" | tr -s ' ')"
if [ "$by" = nftables ]; then
	for h in A B; do
		ns=LAB_HOST${h}_NETNS
		echo "# dropped on arrival at host$h: $(ip netns exec "${!ns}" nft list table netdev "$LAB_NFT_TABLE" |
			grep -o 'packets [0-9]* bytes [0-9]*') ($LAB_IFACE received $(ip netns exec "${!ns}" \
			cat "/sys/class/net/$LAB_IFACE/statistics/rx_packets") packets)"
	done
	check "nftables: packets were dropped on their way to hostB" \
		bash -c "ip netns exec '$LAB_HOSTB_NETNS' nft list table netdev '$LAB_NFT_TABLE' | grep -q 'counter packets [1-9]'"
fi
if [ "$rc" -eq 0 ]; then
	check "$by: the migration completes, on hostB" runs_on_b lossy
	check "$by: --verify clean" \
		test "$(jq -r 'select(.type=="summary") | .verify' "$HOST_A/lossy.jsonl")" = clean
else
	check "$by: failed cleanly (status $rc): the source still runs on hostA" \
		test "$rc" -eq 1 -a "$(on_lab hostA "$VMM" ctl lossy query-status | jq -r .status)" = running
fi
