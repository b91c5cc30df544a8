#!/bin/sh
# dom0 side of scripts/xen/bench.sh: runs inside the nested Xen's dom0,
# installed there as /usr/bin/dsmig-xen-bench. For each workload (idle,
# video, build, web: guest/linux/dsmig-work.c), a fresh guest named
# dsmig-WORKLOAD is created and migrated to this host by precopy, then by
# dsm, at BANDWIDTH (12M) without --verify; after each, the guest must
# beat on. One line per migration:
#   DSMIG-BENCH WORKLOAD METHOD rc=R total_ms=T downtime_ms=D bytes=N rounds=K
#     stop=S work_stall_ms=W beat_stall_ms=B
# (the workload's and the heartbeat's longest stall during this migration
# and the beats after it, from their gap_ms fields).
BANDWIDTH=12M
[ -r /etc/dsmig-bench.conf ] && . /etc/dsmig-bench.conf
. /usr/lib/dsmig/dom0-lib.sh

num() {       # $1 JSON key: its first number in the summary event $sum
	echo "$sum" | sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" | head -n 1
}
ms_of() {     # $1 JSON key in ns: ms, 0 if absent
	v=$(num "$1")
	echo $(( ${v:-0} / 1000000 ))
}
work_lines() {
	cat "$LOGDIR/guest-$NAME.log" "$LOGDIR/guest-$NAME--incoming.log" 2>/dev/null |
		tr -d '\r' | grep '^DSMIG-WORK-BEAT .* gap_ms=[0-9]* .*up_ms=[0-9]*$'
}
# The longest gap_ms among the lines after the first $2 of $1 (work or
# beats), less $3 (the heartbeat's gap is its whole period, the
# workload's only what went beyond it): this migration's longest stall.
stall_since() {
	g=$($1 | tail -n +$(( $2 + 1 )) | field gap_ms | sort -n | tail -n 1)
	[ -n "$g" ] && echo $(( g > $3 ? g - $3 : 0 ))
}

for w in idle video build web; do
	NAME=dsmig-$w
	cfg=/tmp/guest-$w.cfg
	extra=""
	[ "$w" = idle ] || extra=" dsmig.work=$w"
	sed -e "s/^name = .*/name = \"$NAME\"/" \
	    -e "s/^cmdline = \"\(.*\)\"/cmdline = \"\1$extra\"/" /etc/xen/dsmig-guest.cfg > "$cfg"
	timeout 120 xl create "$cfg" >/dev/null || echo "dsmig-bench: $w: xl create failed"
	if ! wait_beats 4 240; then
		check "$w-boots" FAILED "no beats within 240s"
		continue
	fi
	for m in precopy dsm; do
		n0=$(last_n)
		t0=$(date +%s)
		wl0=$(work_lines | wc -l)
		bl0=$(beats | wc -l)
		timeout 400 mpirun -np 2 --oversubscribe dsmig-engine --hv xen --vm "$NAME" \
			--from xen0 --to xen0 --method "$m" --bandwidth "$BANDWIDTH" \
			--telemetry "/tmp/b-$w-$m.jsonl" > "/tmp/b-$w-$m.out" 2>&1
		rc=$?
		sum=$(grep '"type":"summary"' "/tmp/b-$w-$m.jsonl" 2>/dev/null)
		wait_beats $(( ${n0:-0} + 2 )) 60
		runs=$?
		echo "DSMIG-BENCH $w $m rc=$rc total_ms=$(ms_of total_time_ns)" \
			"downtime_ms=$(ms_of downtime_ns) bytes=$(num bytes_total)" \
			"rounds=$(num iterations)" \
			"stop=$(echo "$sum" | sed -n 's/.*"stop_reason":"\([a-z-]*\)".*/\1/p')" \
			"work_stall_ms=$(stall_since work_lines "$wl0" 0 | grep . || echo n/a)" \
			"beat_stall_ms=$(stall_since beats "$bl0" 1000 | grep . || echo n/a)"
		if [ $rc -eq 0 ] && [ $runs -eq 0 ] && [ "$(others)" -eq 0 ]; then
			check "$w-$m" ok "$(( $(date +%s) - t0 ))s"
		else
			check "$w-$m" FAILED "exit $rc, guest beating: $([ $runs -eq 0 ] && echo yes || echo no)"
			grep -v '^ *$' "/tmp/b-$w-$m.out" | head -n 20
		fi
	done
	timeout 60 xl destroy "$NAME" >/dev/null 2>&1
done
echo "dsmig-bench: dom0 segfaults: $(dmesg | grep -cE 'segfault at|general protection fault')"
exit $((failed > 0))
