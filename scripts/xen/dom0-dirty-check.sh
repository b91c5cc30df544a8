#!/bin/sh
# dom0 side of scripts/xen/dirty-check.sh: runs inside the nested Xen's dom0
# (busybox sh), installed there as /usr/bin/dsmig-xen-dirty-check and
# started through boot.sh's DOM0_RUN. Every wait is bounded.
#   1. xl create /etc/xen/dsmig-guest.cfg and wait for the guest's
#      DSMIG-GUEST-UP and 3 heartbeats in xenconsoled's log of it;
#   2. dsmig-xen-dirty dsmig-guest (tests/helpers/xen_dirty.c): open, type
#      and pages, log-dirty on, 3 rounds of 1 s CLEAN with counts > 0,
#      the first 256 frames mapped and hashed twice while paused,
#      log-dirty off; it prints its own check lines (open,
#      logdirty-rounds, map-read, logdirty-off);
#   3. dsmig-xen-dirty --refuse Domain-0: dom0 is PV, so log-dirty must be
#      refused with the PV message (pv-refusal);
#   4. heartbeats-continue: 3 more beats after step 2, the counter rising,
#      bad=0.
# Exit 0 only if every check passed.
#
# Usage (in dom0): dsmig-xen-dirty-check [BOOT_WAIT_S]   (default 240)
NAME=dsmig-guest
CFG=/etc/xen/dsmig-guest.cfg
LOG=/var/log/xen/console/guest-$NAME.log
BOOT_WAIT=${1:-240}
failed=0
check() {     # $1 name, $2 ok|FAILED, $3 detail
	echo "DSMIG-XEN-CHECK $1 $2${3:+ $3}"
	[ "$2" = ok ] || failed=$((failed + 1))
}
beats() {     # the complete beat lines (the last may be half written)
	tr -d '\r' < "$LOG" 2>/dev/null | grep '^DSMIG-GUEST-BEAT n=[0-9]* .* glitch=[0-9][0-9]*$'
}
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
last_n() { beats | field n | tail -n 1; }

echo "dsmig-dirty: xl create $CFG"
timeout 120 xl create "$CFG" || check guest-boots FAILED "xl create failed"
i=0
until [ "$(last_n)" -ge 3 ] 2>/dev/null; do
	i=$((i + 1))
	[ $i -le "$BOOT_WAIT" ] || break
	sleep 1
done
n0=$(last_n)
if [ "${n0:-0}" -ge 3 ]; then
	check guest-boots ok "3 beats after ${i}s"
else
	check guest-boots FAILED "no 3 beats within ${BOOT_WAIT}s"
fi

echo "dsmig-dirty: --- dsmig-xen-dirty $NAME"
timeout 120 dsmig-xen-dirty "$NAME" 2>&1
echo "dsmig-dirty: exit $?"
echo "dsmig-dirty: --- dsmig-xen-dirty --refuse Domain-0"
timeout 60 dsmig-xen-dirty --refuse Domain-0 2>&1
echo "dsmig-dirty: exit $?"

n1=$(last_n)
i=0
until [ "$(last_n)" -ge $(( ${n1:-0} + 3 )) ] 2>/dev/null; do
	i=$((i + 1))
	[ $i -le 60 ] || break
	sleep 1
done
n2=$(last_n)
bad=$(beats | field bad | sort -n | tail -n 1)
glitch=$(beats | tail -n 1 | field glitch)
if [ "${n2:-0}" -ge $(( ${n1:-0} + 3 )) ] && [ "${n1:-0}" -gt "${n0:-0}" ] && [ "${bad:-1}" -eq 0 ]; then
	check heartbeats-continue ok "beat n=$n0 before, $n1 after the helper, $n2 ${i}s later; bad=0 glitch=$glitch"
else
	check heartbeats-continue FAILED "beat n=$n0 before, $n1 after the helper, $n2 ${i}s later; bad=$bad glitch=$glitch"
	echo "dsmig-dirty: --- tail of $LOG"; tr -d '\r' < "$LOG" | tail -n 15
fi
echo "dsmig-dirty: --- xl dmesg (tail)"; timeout 30 xl dmesg 2>&1 | tail -n 8
echo "dsmig-dirty: dom0 segfaults: $(dmesg | grep -cE 'segfault at|general protection fault')"
timeout 60 xl destroy "$NAME" >/dev/null 2>&1
echo "dsmig-dirty: $failed checks failed"
exit $((failed > 0))
