#!/bin/sh
# The heartbeat and memory self-check of the dsmig nested Xen test guest,
# installed as /bin/dsmig-beat by scripts/xen/guest-initrd.sh (whose
# header says what it prints). "dsmig-beat init" writes the blocks and
# prints DSMIG-GUEST-UP; "dsmig-beat" beats forever. Its counters live
# in the tmpfs beside the blocks, so that a heartbeat started again after
# a crash goes on where it was. For tests/integration/guest_beat.sh:
# DSMIG_BEAT_DIR (the tmpfs, /mem), DSMIG_BEAT_MS (the period, 1000) and
# DSMIG_BEAT_UNTIL (exit 0 after this beat; never).
BLOCKS=64
MEM=${DSMIG_BEAT_DIR:-/mem}
PERIOD_MS=${DSMIG_BEAT_MS:-1000}
NAP=$((PERIOD_MS / 1000)).$(printf %03d $((PERIOD_MS % 1000)))
STATE=$MEM/beat.state
now_ms() {    # sets ms from /proc/uptime (10 ms resolution)
	read up _ < /proc/uptime
	c=${up#*.}; c=${c#0}
	ms=$(( ${up%.*} * 1000 + c * 10 ))
}
# Block $1 against generation $2, looked at by dsmig-work block-check:
# sets verdict to "same", "lost" (two looks in a row ran to the end and
# found something else: only changed memory does that) or "unknown" (the
# checker crashed: four looks).
look() {
	verdict=unknown
	last=
	for try in 1 2 3 4; do
		dsmig-work block-check $MEM/blk.$1 $1 $2
		rc=$?
		[ $rc -eq 0 ] && { verdict=same; return; }
		[ $rc -eq 1 ] && [ "$last" = 1 ] && { verdict=lost; return; }
		last=$rc
	done
}
# Write block $1 with generation $2 and look at it at once, three tries;
# a block whose write was never seen right is marked unsure, so that its
# next check cannot count as lost memory.
write_block() {
	for try in 1 2 3; do
		dsmig-work block-write $MEM/blk.$1 $1 $2
		look $1 $2
		[ $verdict = same ] && { rm -f $MEM/unsure.$1; return; }
		glitch=$((glitch + 1))
		echo "DSMIG-GUEST-GLITCH n=$n block=$1 gen=$2 (write: $verdict)"
	done
	: > $MEM/unsure.$1
}
save() { echo "$n $max $bad $glitch $prev_ms" > $STATE.new && mv $STATE.new $STATE; }

if [ "${1:-}" = init ]; then
	n=0 max=0 bad=0 glitch=0 b=0
	while [ $b -lt $BLOCKS ]; do write_block $b 0; b=$((b + 1)); done
	now_ms
	prev_ms=$ms
	save || exit 1
	echo "DSMIG-GUEST-UP uptime_ms=$ms kernel=$(uname -r) mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
	exit 0
fi
read n max bad glitch prev_ms < $STATE || exit 1
while :; do
	sleep $NAP
	now_ms
	gap=$((ms - prev_ms)); prev_ms=$ms
	st=$((gap - PERIOD_MS)); [ $st -gt 0 ] || st=0
	[ $st -le $max ] || max=$st
	n=$((n + 1))
	# One block a beat: check the generation it was last written with
	# (beat n-64, or the initial 0), then rewrite it with generation n.
	b=$((n % BLOCKS)); g=$((n - BLOCKS)); [ $g -gt 0 ] || g=0
	look $b $g
	if [ $verdict = lost ] && [ ! -e $MEM/unsure.$b ]; then
		bad=$((bad + 1))
		echo "DSMIG-GUEST-BAD n=$n block=$b gen=$g"
	elif [ $verdict != same ]; then
		glitch=$((glitch + 1))
		echo "DSMIG-GUEST-GLITCH n=$n block=$b gen=$g (check: $verdict)"
	fi
	# Saved before the block is rewritten, and the block unsure until it
	# is: a heartbeat started again after a crash never checks a block
	# for a generation other than the one it holds.
	: > $MEM/unsure.$b
	save
	write_block $b $n
	echo "DSMIG-GUEST-BEAT n=$n stall_ms=$max gap_ms=$gap bad=$bad glitch=$glitch"
	[ "$n" != "${DSMIG_BEAT_UNTIL:-}" ] || exit 0
done
