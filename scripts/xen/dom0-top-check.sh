#!/bin/sh
# dom0 side of scripts/xen/top-check.sh: runs inside the nested Xen's dom0
# (busybox sh), installed there as /usr/bin/dsmig-xen-top-check and started
# through boot.sh's DOM0_RUN. Every wait is bounded.
#   1. xl create /etc/xen/dsmig-guest.cfg (scripts/xen/guest-initrd.sh) and
#      wait for the guest's DSMIG-GUEST-UP in xenconsoled's log of it, so
#      that its memory and vCPUs have settled;
#   2. xl list, then `dsmig top -b -n 2 -d 1 --hosts /etc/dsmig/hosts`
#      (one line: name=xen0 hv=xen), then xl list again;
#   3. compares dsmig's last table with both xl lists, domain by domain.
# Prints one `DSMIG-XEN-CHECK NAME ok|FAILED [detail]` line per check:
#   top-runs      dsmig top exited 0 and printed its table twice
#   domains       the same (name, id) pairs as xl list, Domain-0 included
#   vcpus-mem     each domain's vCPUs and memory (MiB) as xl list's
#   state         each domain's state columns as xl list's; r and b may
#                 differ (a domain runs or blocks from one sample to the next),
#                 p, s, c and d may not
# Exit 0 only if all passed.
#
# Usage (in dom0): dsmig-xen-top-check [BOOT_WAIT_S]   (default 240)
NAME=dsmig-guest
CFG=/etc/xen/dsmig-guest.cfg
LOG=/var/log/xen/console/guest-$NAME.log
HOSTS=/etc/dsmig/hosts
BOOT_WAIT=${1:-240}
failed=0
check() {     # $1 name, $2 ok|FAILED, $3 detail
	echo "DSMIG-XEN-CHECK $1 $2${3:+ $3}"
	[ "$2" = ok ] || failed=$((failed + 1))
}
# "NAME ID MEM VCPUS STATE" per domain, sorted by id
xl_rows() { awk 'NR > 1 && NF >= 6 { print $1, $2, $3, $4, $5 }' "$1" | sort -n -k2; }
# the same from dsmig top's last table (columns HOST VM STATE VCPUS
# MEM(MiB) VCPU% WORKLOAD DIRTY/s PROGRESS/s DOMID)
top_rows() {
	awk '$1 == "HOST" { n++; delete r; k = 0; next }
	     NF >= 10 { r[++k] = $2 " " $10 " " $5 " " $4 " " $3 }
	     END { for (i = 1; i <= k; i++) print r[i] }' "$1" | sort -n -k2
}

echo "dsmig-top: xl create $CFG"
if ! timeout 120 xl create "$CFG"; then
	check top-runs FAILED "xl create failed"
fi
i=0
until tr -d '\r' < "$LOG" 2>/dev/null | grep -q '^DSMIG-GUEST-UP'; do
	i=$((i + 1))
	[ $i -le "$BOOT_WAIT" ] || { echo "dsmig-top: the guest did not come up in ${BOOT_WAIT}s (comparing anyway)"; break; }
	sleep 1
done
echo "dsmig-top: guest up after ${i}s"

timeout 60 xl list > /tmp/xl1.txt 2>&1
timeout 60 dsmig top -b -n 2 -d 1 --hosts "$HOSTS" > /tmp/top.txt 2> /tmp/top.err
rc=$?
timeout 60 xl list > /tmp/xl2.txt 2>&1
echo "dsmig-top: --- xl list (before)"; cat /tmp/xl1.txt
echo "dsmig-top: --- dsmig top -b -n 2 -d 1 --hosts $HOSTS (exit $rc)"; cat /tmp/top.txt /tmp/top.err
echo "dsmig-top: --- xl list (after)"; cat /tmp/xl2.txt

tables=$(grep -c '^HOST ' /tmp/top.txt)
if [ "$rc" -eq 0 ] && [ "$tables" -eq 2 ]; then
	check top-runs ok
else
	check top-runs FAILED "exit $rc, $tables tables: $(head -c 200 /tmp/top.err)"
fi
xl_rows /tmp/xl1.txt > /tmp/xl1.rows
xl_rows /tmp/xl2.txt > /tmp/xl2.rows
top_rows /tmp/top.txt > /tmp/top.rows
cut -d' ' -f1,2 /tmp/top.rows > /tmp/top.ids
cut -d' ' -f1,2 /tmp/xl1.rows > /tmp/xl1.ids
cut -d' ' -f1,2 /tmp/xl2.rows > /tmp/xl2.ids
n=$(wc -l < /tmp/top.ids)
if [ "$n" -ge 2 ] && cmp -s /tmp/top.ids /tmp/xl1.ids && cmp -s /tmp/top.ids /tmp/xl2.ids; then
	check domains ok "$n domains: $(tr '\n' ' ' < /tmp/top.ids)"
else
	check domains FAILED "dsmig: $(tr '\n' ' ' < /tmp/top.ids); xl: $(tr '\n' ' ' < /tmp/xl1.ids)"
fi
# name id mem vcpus, per domain
cut -d' ' -f1-4 /tmp/top.rows > /tmp/top.mv
cut -d' ' -f1-4 /tmp/xl1.rows > /tmp/xl1.mv
if [ "$n" -ge 2 ] && cmp -s /tmp/top.mv /tmp/xl1.mv; then
	check vcpus-mem ok "$(tr '\n' ';' < /tmp/top.mv)"
else
	check vcpus-mem FAILED "dsmig: $(tr '\n' ';' < /tmp/top.mv) xl: $(tr '\n' ';' < /tmp/xl1.mv)"
fi
# states with r and b folded together ("rb" -> "x" when either is set)
fold() { awk '{ s = $5; rb = (substr(s, 1, 1) != "-" || substr(s, 2, 1) != "-") ? "x" : "-";
		print $1, $2, rb substr(s, 3) }' "$1"; }
fold /tmp/top.rows > /tmp/top.st
fold /tmp/xl1.rows > /tmp/xl1.st
if [ "$n" -ge 2 ] && cmp -s /tmp/top.st /tmp/xl1.st; then
	check state ok "dsmig: $(cut -d' ' -f1,5 /tmp/top.rows | tr '\n' ';') xl: $(cut -d' ' -f1,5 /tmp/xl1.rows | tr '\n' ';')"
else
	check state FAILED "dsmig: $(cut -d' ' -f1,5 /tmp/top.rows | tr '\n' ';') xl: $(cut -d' ' -f1,5 /tmp/xl1.rows | tr '\n' ';')"
fi
echo "dsmig-top: dom0 segfaults: $(dmesg | grep -cE 'segfault at|general protection fault')"
timeout 60 xl destroy "$NAME" >/dev/null 2>&1
echo "dsmig-top: $failed checks failed"
exit $((failed > 0))
