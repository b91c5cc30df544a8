#!/bin/sh
# dom0 side of scripts/xen/migrate-check.sh: runs inside the nested Xen's
# dom0 (busybox sh), installed there as /usr/bin/dsmig-xen-migrate-check
# and started through boot.sh's DOM0_RUN. Every wait is bounded.
#   1. xl create the guest running the video and web workloads; wait for 3
#      heartbeats (guest-boots); dsmig top -b lists it (top-lists);
#   2. precopy, then dsm: mpirun -np 2 dsmig-engine --hv xen ... --verify
#      to this host; exit 0, exactly one dsmig-guest left with a new domid
#      and no --incoming/--migratedaway domain (*-migrates), and 3 new
#      heartbeats from the moved guest, its self-check and the workload's
#      own check clean, the workload beating on (*-guest-runs);
#      then dsm again without --verify (dsm-noverify-*), for the downtime,
#      through `dsmig record` (a console session, printed gzipped and
#      base64-encoded on DSMIG-SESSION lines for the host to replay);
#   3. dsm with --verify received by plain xl migrate-receive (backend
#      xen-xl), once (xl-receives);
#      a migration made to fail at its second round (DSMIG_FAULT): exit 1,
#      the same domain runs on, beating, nothing else left
#      (abort-source-runs);
#   4. dsmig migrate whose rank 1 is killed in round 0: exit 1, the
#      half-built destination gone, the source running (kill-dest-settled);
#   5. dsmig migrate whose rank 1 stalls after GO (DSMIG_FAULT): exit 1,
#      the source back under its name and resumed (stall-after-go-settled);
#   6. dsm-pull is refused before anything starts (pull-refused).
# Prints each run's summary event as DSMIG-XEN-SUMMARY METHOD {json}.
# Exit 0 only if every check passed.
NAME=dsmig-guest
CFG=/etc/xen/dsmig-guest.cfg
BANDWIDTH=12M
[ -r /etc/dsmig-migrate-check.conf ] && . /etc/dsmig-migrate-check.conf
. /usr/lib/dsmig/dom0-lib.sh

# The guest runs the video and web workloads (guest/linux/dsmig-work.c):
# video's 25-frame ring gives dsm ~1600 hot pages to hold back, web
# fetches a page from the guest's own httpd every 100 ms; video checks
# what it wrote, which must stay clean across every migration, and web
# must be served whole pages after each (a reply lost now and then to a
# crashed httpd child is counted, not failed: docs/xen.md).
sed 's/^cmdline = "\(.*\)"/cmdline = "\1 dsmig.work=video+web"/' "$CFG" > /tmp/guest-video.cfg
echo "dsmig-migrate: xl create (video and web workloads)"
timeout 120 xl create /tmp/guest-video.cfg >/dev/null || echo "dsmig-migrate: xl create failed"
if wait_beats 2 240; then
	check guest-boots ok "3 beats after ${i}s"
else
	check guest-boots FAILED "no 3 beats within 240s"
fi
work_beats() {    # $1 mode: the workload's beat lines, every copy
	cat "$LOGDIR/guest-$NAME.log" "$LOGDIR/guest-$NAME--incoming.log" 2>/dev/null |
		tr -d '\r' | grep "^DSMIG-WORK-BEAT mode=$1 n=[0-9]* .* up_ms=[0-9]*\$"
}
work_state() {    # "VIDEO_N WEB_N WEB_SERVED": the workloads' last beat numbers, web's pages served
	last=$(work_beats web | tail -n 1)
	echo "$(work_beats video | tail -n 1 | field n) $(echo "$last" | field n) $(echo "$last" | field served)"
}

# dsmig top -b lists the guest with the domid xl gives it.
top=$(timeout 60 dsmig top -b -n 2 -d 1 2>&1)
row=$(echo "$top" | awk -v vm="$NAME" '$1 == "xen0" && $2 == vm' | tail -n 1)
if [ -n "$row" ] && [ "$(echo "$row" | awk '{ print $NF }')" = "$(domid)" ]; then
	check top-lists ok "$(echo "$row" | tr -s ' ')"
else
	check top-lists FAILED "dsmig top -b: $(echo "$top" | tail -n 3 | tr '\n' '|')"
fi

migrate() {   # $1 label, $2 method, then more engine options; output in /tmp/mig-LABEL.out
	m=$1          # MIGRATE_CMD=cli: through dsmig migrate, else mpirun
	method=$2
	shift 2
	t0=$(date +%s)
	if [ "${MIGRATE_CMD:-}" = cli ]; then
		timeout 400 dsmig migrate --from xen0 --to xen0 --method "$method" \
			--log "/tmp/tel-$m.jsonl" "$@" "$NAME" > "/tmp/mig-$m.out" 2>&1
	elif [ "${MIGRATE_CMD:-}" = record ]; then
		# A console session without a screen: probes and the migration.
		timeout 400 dsmig record "$NAME" --from xen0 --to xen0 --method "$method" \
			--lead 1 --tail 2 --out "/tmp/session-$m.jsonl" "$@" > "/tmp/mig-$m.out" 2>&1
		rc=$?
		cp "/tmp/session-$m.jsonl" "/tmp/tel-$m.jsonl" 2>/dev/null
		# For the host to replay: gzip, base64, one prefixed line each.
		gzip -c "/tmp/session-$m.jsonl" | base64 | sed 's/^/DSMIG-SESSION /'
		(exit $rc)
	else
		timeout 400 mpirun -np 2 --oversubscribe ${DSMIG_FAULT:+-x DSMIG_FAULT} \
			dsmig-engine --hv xen --vm "$NAME" --from xen0 --to xen0 --method "$method" \
			--telemetry "/tmp/tel-$m.jsonl" "$@" > "/tmp/mig-$m.out" 2>&1
	fi
	rc=$?
	secs=$(( $(date +%s) - t0 ))
	grep -v '^ *$' "/tmp/mig-$m.out" | grep -v -- '------' | head -n 40 |
		sed "s/^/dsmig-migrate: $m: /"
	echo "dsmig-migrate: $m: exit $rc after ${secs}s"
	sum=$(grep '"type":"summary"' "/tmp/tel-$m.jsonl" 2>/dev/null)
	[ -n "$sum" ] && echo "DSMIG-XEN-SUMMARY $m $sum"
	grep -E '"type":"(iteration|phase)"' "/tmp/tel-$m.jsonl" 2>/dev/null |
		sed "s/^/dsmig-migrate: $m: /"
	return $rc
}

moved() {     # $1 label, $2 method, $3 --verify or "": migrate, then check
	m=$1          # what is left and the guest
	method=$2
	vflag=$3
	before=$(domid)
	n0=$(last_n)
	bad0=$(beats | field bad | sort -n | tail -n 1)
	wn0=$(work_state)
	unset DSMIG_FAULT
	migrate "$m" "$method" --bandwidth "$BANDWIDTH" $vflag
	rc=$?
	after=$(domid)
	left=$(others)
	vword=off
	[ -n "$vflag" ] && vword=clean
	verify=$(grep -c "\"verify\":\"$vword\"" "/tmp/tel-$m.jsonl" 2>/dev/null)
	if [ $rc -eq 0 ] && [ -n "$after" ] && [ "$after" != "$before" ] && [ "$left" -eq 0 ] &&
	   [ "${verify:-0}" -ge 1 ]; then
		check "$m-migrates" ok "domid $before -> $after in ${secs}s, verify $vword, one copy"
	else
		check "$m-migrates" FAILED "exit $rc, domid $before -> ${after:-none}, $left leftovers, verify lines $verify"
		xl list
	fi
	if wait_beats "${n0:-0}" 60 && wait_beats $(( $(last_n) + 2 )) 60; then
		# bad is cumulative: what this migration added counts.
		bad=$(( $(beats | field bad | sort -n | tail -n 1) - ${bad0:-0} ))
		wbad=$( (work_beats video; work_beats web) | field bad | sort -n | tail -n 1)
		werr=$(work_beats web | field errors | sort -n | tail -n 1)
		set -- $(work_state)
		wv=${1:-0} ww=${2:-0} ws=${3:-0}
		set -- $wn0
		wstall=$(work_beats video | field stall_ms | sort -n | tail -n 1)
		glitches=$(beats | tail -n 1 | field glitch)
		if [ "${bad:-1}" -eq 0 ] && [ "${wbad:-1}" -eq 0 ] && [ "$wv" -gt "${1:-0}" ] &&
		   [ "$ww" -gt "${2:-0}" ] && [ "$ws" -gt "${3:-0}" ]; then
			check "$m-guest-runs" ok "beat n=$n0 before, $(last_n) after; bad=0 (glitches so far ${glitches:-0}); video beat ${1:-0} -> $wv, bad=0; web beat ${2:-0} -> $ww, served ${3:-0} -> $ws (failed replies so far ${werr:-0}); video's longest stall so far ${wstall} ms"
		else
			check "$m-guest-runs" FAILED "self-check bad=$bad; video beat ${1:-none} -> $wv, web beat ${2:-none} -> $ww, served ${3:-none} -> $ws; workloads' bad=${wbad:-none}"
		fi
	else
		check "$m-guest-runs" FAILED "beat n=$n0 before, $(last_n) after: no new beats"
		tail -n 5 "$LOGDIR/guest-$NAME--incoming.log" 2>/dev/null
	fi
}

moved precopy precopy --verify
moved dsm dsm --verify
# The downtime without --verify's hashing (docs/xen.md), recorded as a
# console session by `dsmig record` (the hosts file names xen0 a xen host),
# which the host replays.
MIGRATE_CMD=record moved dsm-noverify dsm ""

# The stream dsmig carries, received by plain `xl migrate-receive`
# (backend xen-xl: rank 1 speaks xl's protocol to it), once.
before=$(domid)
n0=$(last_n)
timeout 400 mpirun -np 2 --oversubscribe dsmig-engine --hv xen-xl --vm "$NAME" \
	--from xen0 --to xen0 --method dsm --bandwidth 1G --verify \
	--telemetry /tmp/tel-xl.jsonl > /tmp/mig-xl.out 2>&1
rc=$?
grep -v '^ *$' /tmp/mig-xl.out | grep -v -- '------' | head -n 20 | sed 's/^/dsmig-migrate: xl: /'
after=$(domid)
left=$(others)
if [ $rc -eq 0 ] && [ -n "$after" ] && [ "$after" != "$before" ] && [ "$left" -eq 0 ] &&
   grep -q '"verify":"clean"' /tmp/tel-xl.jsonl && wait_beats "${n0:-0}" 60; then
	check xl-receives ok "domid $before -> $after, verify clean, beating ($(last_n)), one copy"
else
	check xl-receives FAILED "exit $rc, domid $before -> ${after:-none}, $left leftovers"
	xl list
fi

before=$(domid)
n0=$(last_n)
export DSMIG_FAULT=carry-abort-round1
migrate abort precopy --bandwidth 1G --verify
rc=$?
unset DSMIG_FAULT
after=$(domid)
left=$(others)
state=$(xl list "$NAME" 2>/dev/null | awk 'NR == 2 { print $5 }')
if [ $rc -eq 1 ] && [ "$after" = "$before" ] && [ "$left" -eq 0 ] && wait_beats "${n0:-0}" 60; then
	check abort-source-runs ok "exit 1, domain $after still there ($state), beating ($(last_n)), no leftovers"
else
	check abort-source-runs FAILED "exit $rc, domid $before -> ${after:-none} ($state), $left leftovers, beat $n0 -> $(last_n)"
	xl list
fi

# Rank 1 killed in the middle of round 0: dsmig migrate settles it, the
# half-built NAME--incoming goes and the source runs on.
before=$(domid)
n0=$(last_n)
( timeout 300 dsmig migrate --from xen0 --to xen0 --method dsm --bandwidth 12M \
	--log /tmp/tel-kill.jsonl "$NAME" > /tmp/mig-kill.out 2>&1; echo $? > /tmp/mig-kill.rc ) &
i=0
until grep -q '"phase":"precopy"' /tmp/tel-kill.jsonl 2>/dev/null; do
	i=$((i + 1)); [ $i -le 60 ] || break; sleep 1
done
sleep 5
victim=""
for p in $(pidof dsmig-engine); do
	tr '\0' '\n' < /proc/$p/environ 2>/dev/null | grep -q '^OMPI_COMM_WORLD_RANK=1$' && victim=$p
done
incoming_seen=$(xl list | grep -c "^$NAME--incoming ")
[ -n "$victim" ] && kill -9 "$victim"
i=0
until [ -s /tmp/mig-kill.rc ]; do i=$((i + 1)); [ $i -le 120 ] || break; sleep 1; done
rc=$(cat /tmp/mig-kill.rc 2>/dev/null)
sed 's/^/dsmig-migrate: kill: /' /tmp/mig-kill.out | grep -v -- '-----' | head -n 20
after=$(domid)
left=$(others)
if [ -n "$victim" ] && [ "$rc" = 1 ] && [ "$after" = "$before" ] && [ "$left" -eq 0 ] &&
   grep -q 'keeps running on the source' /tmp/mig-kill.out && wait_beats "${n0:-0}" 60; then
	check kill-dest-settled ok "rank 1 (pid $victim) killed with $incoming_seen incoming domain; exit 1, domain $after runs on, beating ($(last_n)), no leftovers"
else
	check kill-dest-settled FAILED "victim '${victim}', exit '$rc', domid $before -> ${after:-none}, $left leftovers, beat $n0 -> $(last_n)"
	xl list
fi

# Rank 1 stalls after GO, before taking the name: rank 0 gives up after
# --switch-timeout and ends the job (exit 3, the source suspended and
# renamed NAME--migratedaway); dsmig migrate's referee must then destroy
# NAME--incoming, give the source its name back and resume it.
before=$(domid)
n0=$(last_n)
export DSMIG_FAULT=dest-stall-after-go
MIGRATE_CMD=cli migrate stall precopy --bandwidth 1G --switch-timeout 5000
rc=$?
unset DSMIG_FAULT
after=$(domid)
left=$(others)
if [ $rc -eq 1 ] && [ "$after" = "$before" ] && [ "$left" -eq 0 ] &&
   grep -q 'keeps running on the source' /tmp/mig-stall.out && wait_beats "${n0:-0}" 60; then
	check stall-after-go-settled ok "exit 1, domain $after renamed back and resumed, beating ($(last_n)), no leftovers"
else
	check stall-after-go-settled FAILED "exit $rc, domid $before -> ${after:-none}, $left leftovers, beat $n0 -> $(last_n)"
	xl list
fi

timeout 60 mpirun -np 2 --oversubscribe dsmig-engine --hv xen --vm "$NAME" --from xen0 \
	--to xen0 --method dsm-pull > /tmp/mig-pull.out 2>&1
rc=$?
if [ $rc -ne 0 ] && grep -q 'needs post-copy' /tmp/mig-pull.out && [ "$(domid)" = "$after" ]; then
	check pull-refused ok "exit $rc: $(grep -m1 'needs post-copy' /tmp/mig-pull.out)"
else
	check pull-refused FAILED "exit $rc"
	cat /tmp/mig-pull.out
fi

echo "dsmig-migrate: --- the guest's self-check reports and crashes"
cat "$LOGDIR/guest-$NAME.log" "$LOGDIR/guest-$NAME--incoming.log" 2>/dev/null | tr -d '\r' |
	grep -E 'DSMIG-GUEST-(BAD|GLITCH|RESTART)|dsmig-beat:|/init:|Segmentation|Illegal|panic|Attempted to kill|segfault|RIP:|BUG:|Oops' |
	head -n 20 | sed 's/^/dsmig-migrate: guest: /'
echo "dsmig-migrate: --- xl list"; xl list
echo "dsmig-migrate: --- xl dmesg (tail)"; timeout 30 xl dmesg 2>&1 | tail -n 8
echo "dsmig-migrate: dom0 segfaults: $(dmesg | grep -cE 'segfault at|general protection fault')"
echo "dsmig-migrate: $failed checks failed"
exit $((failed > 0))
