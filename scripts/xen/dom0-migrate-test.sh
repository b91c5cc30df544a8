#!/bin/sh
# dom0 side of scripts/xen/smoke.sh: runs inside the nested Xen's dom0 (busybox
# sh), installed there as /usr/bin/dsmig-xen-migrate-test and started through
# boot.sh's DOM0_RUN. Every wait is bounded.
#   1. xl create /etc/xen/dsmig-guest.cfg (scripts/xen/guest-initrd.sh) and
#      wait for the guest's DSMIG-GUEST-UP and 3 heartbeats in xenconsoled's
#      log of it;
#   2. xl migrate it to localhost without ssh: `-s ""` makes xl run the
#      "host" argument itself, here `xl migrate-receive`; time it;
#   3. wait for heartbeats from the destination (xenconsoled logs it under
#      its name at creation, NAME--incoming) with the counter still rising
#      and no self-check failure, and check that xl list holds exactly one
#      NAME (and no NAME--incoming or NAME--migratedaway).
# Prints one `DSMIG-XEN-CHECK NAME ok|FAILED [detail]` line per check
# (guest-boots, heartbeats, migrate, heartbeats-continue, one-copy), the
# markers DSMIG-XEN-MIGRATE-OK seconds=S or DSMIG-XEN-MIGRATE-FAILED: reason,
# and DSMIG-XEN-TIMES with the measured figures. Exit 0 only if all passed.
#
# Usage (in dom0): dsmig-xen-migrate-test [BOOT_WAIT_S]   (default 240)
NAME=dsmig-guest
CFG=/etc/xen/dsmig-guest.cfg
LOGD=/var/log/xen/console
SRC_LOG=$LOGD/guest-$NAME.log
DST_LOG=$LOGD/guest-$NAME--incoming.log
BOOT_WAIT=${1:-240}
MIGRATE_WAIT=300
AFTER_WAIT=90

now_ms() {    # sets ms from /proc/uptime (10 ms resolution)
	read up _ < /proc/uptime
	c=${up#*.}; c=${c#0}
	ms=$(( ${up%.*} * 1000 + c * 10 ))
}
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b - a) / 1000 }'; }
beats() {     # $1 log -> the complete beat lines, \r dropped (the log's
	# last line may still be half written: it must end with glitch=DIGITS)
	tr -d '\r' < "$1" 2>/dev/null | grep '^DSMIG-GUEST-BEAT n=[0-9]* .* glitch=[0-9][0-9]*$'
}
field() {     # $1 name; stdin: beat lines -> that field's values
	sed -n "s/.* $1=\([0-9]*\).*/\1/p"
}
last_n() { beats "$1" | field n | tail -n 1; }
failed=0
check() {     # $1 name, $2 ok|FAILED, $3 detail
	echo "DSMIG-XEN-CHECK $1 $2${3:+ $3}"
	[ "$2" = ok ] || failed=$((failed + 1))
}
dump() {
	echo "dsmig-test: --- xl list"; timeout 30 xl list 2>&1
	for f in "$LOGD"/guest-*.log; do
		[ -f "$f" ] || continue
		echo "dsmig-test: --- tail of $f"; tr -d '\r' < "$f" | tail -n 25
	done
	[ -f /tmp/migrate.log ] && { echo "dsmig-test: --- xl migrate's output"; tail -n 40 /tmp/migrate.log; }
	echo "dsmig-test: --- xl dmesg (tail)"; timeout 30 xl dmesg 2>&1 | tail -n 25
}
finish() {
	tf=$(timeout 30 xl dmesg 2>/dev/null | grep -ci 'triple fault')
	ups=$(cat "$LOGD"/guest-*.log 2>/dev/null | grep -c '^DSMIG-GUEST-UP')
	segv=$(cat "$LOGD"/guest-*.log 2>/dev/null | grep -c 'Segmentation fault')
	segv0=$(dmesg | grep -cE 'segfault at|general protection fault')
	echo "dsmig-test: guest boots seen (DSMIG-GUEST-UP lines): $ups; triple faults in xl dmesg: $tf"
	[ "$failed" -eq 0 ] || dump
	timeout 60 xl destroy "$NAME" >/dev/null 2>&1
	echo "DSMIG-XEN-TIMES guest_boot_s=${t_boot:-none} migrate_s=${t_migrate:-none} gap_ms=${gap:-none} stall_ms=${stall:-none} boots=$ups triple_faults=$tf guest_segv=$segv dom0_segv=$segv0"
	echo "dsmig-test: $failed checks failed"
	exit $((failed > 0))
}
skip_rest() { # $@: the checks that cannot run
	for c in "$@"; do check "$c" FAILED "not run"; done
	finish
}

# 1. The guest boots and beats.
echo "dsmig-test: xl create $CFG"
now_ms; t0=$ms
if ! timeout 120 xl create "$CFG"; then
	check guest-boots FAILED "xl create failed"
	skip_rest heartbeats migrate heartbeats-continue one-copy
fi
dl=$((t0 + BOOT_WAIT * 1000)) t_up=""
while :; do
	now_ms
	if [ -z "$t_up" ] && tr -d '\r' < "$SRC_LOG" 2>/dev/null | grep -q '^DSMIG-GUEST-UP'; then
		t_up=$ms
	fi
	[ -n "$t_up" ] && [ "$(beats "$SRC_LOG" | tail -n 1 | field n)" -ge 3 ] 2>/dev/null && break
	[ "$ms" -lt "$dl" ] || break
	sleep 0.2
done
if [ -z "$t_up" ]; then
	check guest-boots FAILED "no DSMIG-GUEST-UP within ${BOOT_WAIT}s"
	skip_rest heartbeats migrate heartbeats-continue one-copy
fi
t_boot=$(secs "$t0" "$t_up")
check guest-boots ok "seconds=$t_boot"
n0=$(last_n "$SRC_LOG")
if [ "${n0:-0}" -lt 3 ]; then
	check heartbeats FAILED "only ${n0:-0} beats within ${BOOT_WAIT}s"
	skip_rest migrate heartbeats-continue one-copy
fi
last_beat=$(beats "$SRC_LOG" | tail -n 1 | sed 's/^DSMIG-GUEST-BEAT n=[0-9]* //')
if [ "$(beats "$SRC_LOG" | tail -n 1 | field bad)" = 0 ]; then
	check heartbeats ok "n=$n0 $last_beat"
else
	check heartbeats FAILED "memory self-check failed before the migration: n=$n0 $last_beat"
fi
domid0=$(xl domid "$NAME" 2>/dev/null)

# 2. xl migrate to localhost, without ssh.
echo "dsmig-test: xl migrate -s \"\" $NAME \"xl migrate-receive\" (domid $domid0, beat $n0)"
now_ms; t1=$ms
timeout "$MIGRATE_WAIT" xl migrate -s "" "$NAME" "xl migrate-receive" > /tmp/migrate.log 2>&1
rc=$?
now_ms; t2=$ms
t_migrate=$(secs "$t1" "$t2")
sed 's/^/dsmig-test: xl migrate: /' /tmp/migrate.log | tail -n 12
if [ "$rc" -ne 0 ]; then
	why="xl migrate exit $rc after ${t_migrate}s: $(grep -v '^ *$' /tmp/migrate.log | tail -n 1)"
	echo "DSMIG-XEN-MIGRATE-FAILED: $why"
	check migrate FAILED "$why"
	t_migrate=""
else
	echo "DSMIG-XEN-MIGRATE-OK seconds=$t_migrate"
	check migrate ok "seconds=$t_migrate"
fi

# 3. Heartbeats from the destination, the counter still rising.
n_src=$(last_n "$SRC_LOG")
dl=$((t2 + AFTER_WAIT * 1000))
while :; do
	first=$(beats "$DST_LOG" | head -n 1 | field n)
	last=$(beats "$DST_LOG" | tail -n 1 | field n)
	[ -n "$first" ] && [ "$last" -ge $((first + 3)) ] && break
	now_ms; [ "$ms" -lt "$dl" ] || break
	sleep 0.5
done
if [ -z "$first" ]; then
	check heartbeats-continue FAILED "no beats in $DST_LOG within ${AFTER_WAIT}s (source's last n=$n_src)"
else
	# Every destination beat follows the one before it; the first comes
	# after the beat seen before the migration started.
	seq_ok=$(beats "$DST_LOG" | field n | awk -v p="$n0" '$1 <= p { bad = 1 } { p = $1 } END { print bad ? "no" : "yes" }')
	bad=$(beats "$DST_LOG" | tail -n 1 | field bad)
	gap=$(beats "$DST_LOG" | field gap_ms | sort -n | tail -n 1)
	stall=$(beats "$DST_LOG" | tail -n 1 | field stall_ms)
	glitch=$(beats "$DST_LOG" | tail -n 1 | field glitch)
	detail="source n0=$n0 last=$n_src, destination first=$first last=$last gap_ms=$gap stall_ms=$stall bad=$bad glitch=$glitch"
	beats "$SRC_LOG" | tail -n 2 | sed 's/^/dsmig-test: source beat: /'
	beats "$DST_LOG" | head -n 2 | sed 's/^/dsmig-test: destination beat: /'
	if [ "$last" -lt $((first + 3)) ]; then
		check heartbeats-continue FAILED "fewer than 4 destination beats in ${AFTER_WAIT}s: $detail"
	elif [ "$seq_ok" != yes ]; then
		check heartbeats-continue FAILED "counter did not rise: $detail"
	elif [ "${bad:-1}" -ne 0 ]; then
		check heartbeats-continue FAILED "memory self-check failed: $detail"
	else
		check heartbeats-continue ok "$detail"
	fi
fi

# 4. Exactly one copy.
list=$(timeout 60 xl list 2>&1)
echo "$list" | sed 's/^/dsmig-test: xl list: /'
copies=$(echo "$list" | awk -v n="$NAME" '$1 == n' | wc -l)
others=$(echo "$list" | awk -v n="$NAME" 'index($1, n "--") == 1' | wc -l)
domid1=$(echo "$list" | awk -v n="$NAME" '$1 == n { print $2 }')
if [ "$copies" -eq 1 ] && [ "$others" -eq 0 ] && [ -n "$rc" ] && [ "$rc" -eq 0 ] && [ "$domid1" != "$domid0" ]; then
	check one-copy ok "domid $domid0 -> $domid1"
else
	check one-copy FAILED "$copies x $NAME, $others leftover, domid $domid0 -> ${domid1:-none}"
fi
finish
