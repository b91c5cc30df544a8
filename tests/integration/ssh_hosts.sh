#!/bin/bash
# The console reaches hosts over ssh only (issue 15, part 1): `dsmig lab
# up --ssh` runs an sshd in each lab host's namespace and writes a hosts
# file naming the hosts by ssh= only; a guest started on hostA through
# ssh shows in the console (tmux) with live numbers through its forwarded
# control socket, hostB with no VM; hostB's sshd stopped, its row says
# "unreachable: <ssh's reason>" within seconds and comes back when sshd
# does (`lab up --ssh` again); the session log's host records carry it;
# the console leaves no ssh behind, `lab down` no sshd. Skipped without
# root, network namespaces, an accelerator, tmux or sshd.
. "$(dirname "$0")/lib.sh"
command -v tmux >/dev/null || { skip "ssh hosts: tmux is missing"; exit 0; }
[ -x /usr/sbin/sshd ] || { skip "ssh hosts: no sshd (Debian's openssh-server: make deps)"; exit 0; }
require_lab

W=$HOST_A
T="tmux -L dsmig-ssh-test-$$"
trap '$T kill-server 2>/dev/null; timeout 30 "$DSMIG" lab down >/dev/null 2>&1; cleanup' EXIT

lab() { timeout 60 "$DSMIG" lab "$@"; }
SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$LAB_SSH_KNOWN"
     -i "$LAB_SSH_KEY")
on_ssh() { local a=$1; shift; timeout 20 "${SSH[@]}" "root@$a" "$@"; }
# sshd_pids NETNS: the sshd processes (daemon and sessions) in a namespace.
sshd_pids() {
	local p
	for p in $(ip netns pids "$1"); do
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sshd ] && echo "$p"
	done
}

# ---- the lab with sshd ------------------------------------------------------
lab up --ssh >"$W/up.out" 2>&1
check "lab up --ssh succeeds" test $? -eq 0 || sed 's/^/# /' "$W/up.out"
check "... an sshd in each host's namespace" \
	bash -c "[ -n \"\$(ip netns pids $LAB_HOSTA_NETNS)\" ] && [ -n \"\$(ip netns pids $LAB_HOSTB_NETNS)\" ]"
check "... lab status says so" bash -c "[ \$('$DSMIG' lab status | grep -c 'sshd running') -eq 2 ]"
check "... the ssh hosts file names both hosts by ssh= only (an ssh host's default runtime)" \
	bash -c "grep -c '^name=host[AB] ssh=root@$LAB_NET_PREFIX[12] known_hosts=$LAB_SSH_KNOWN ssh_key=$LAB_SSH_KEY\$' '$LAB_SSH_HOSTS' | grep -qx 2 && ! grep -q 'netns=\|runtime=' '$LAB_SSH_HOSTS'"
check "... its keys private to root" test "$(stat -c %a "$LAB_SSH_DIR")" = 700
check "ssh with the lab's key lands in hostA's namespace, no prompt" \
	test "$(on_ssh "$LAB_HOSTA_ADDR" ip netns identify </dev/null)" = "$LAB_HOSTA_NETNS"
check "a second lab up --ssh is harmless" lab up --ssh

# A guest on hostA, started through ssh (setsid: it outlives the session).
on_ssh "$LAB_HOSTA_ADDR" "DSMIG_RUNTIME_DIR=$LAB_SSH_RUNTIME setsid $PWD/$VMM run \
	$PWD/$GUESTS/memory.elf --name g1 --console $LAB_SSH_RUNTIME/g1.console \
	</dev/null >$LAB_SSH_RUNTIME/g1.log 2>&1 &" </dev/null
for i in $(seq 100); do
	on_ssh "$LAB_HOSTA_ADDR" "$PWD/$VMM ctl $LAB_SSH_RUNTIME/g1.sock query-status" \
		</dev/null >/dev/null 2>&1 && break
	sleep 0.1
done
check "a guest started on hostA through ssh runs in hostA's namespace" \
	test "$(ip netns identify "$(pgrep -f "name g1 " | head -1)")" = "$LAB_HOSTA_NETNS"
check "... its runtime directory ($LAB_SSH_RUNTIME there) invisible from the root namespace" \
	bash -c "! test -e '$LAB_SSH_RUNTIME/g1.sock' && ! test -e '$LAB_HOSTA_RUNTIME/g1.sock'"
check "... and from hostB's" \
	bash -c "! ${SSH[*]} root@$LAB_HOSTB_ADDR test -e $LAB_SSH_RUNTIME/g1.sock </dev/null"

# ---- the console over ssh (its VMs, stats, host rows; starting and stopping a VM) ---
STATE=$W/state
$T new-session -d -s con -x 140 -y 40 \
	"cd '$PWD'; LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' DSMIG_HOSTS='$LAB_SSH_HOSTS' XDG_STATE_HOME='$STATE' '$DSMIG'"
check "the console lists g1 on hostA, reached over ssh" wait_for "hostA    g1" 10
check "... with live numbers: VCPU% and DIRTY/s" \
	wait_for "^ hostA  *g1  *running  *1  *64  *[0-9]*\.[0-9]  *memory  *[0-9][0-9]* " 10
check "... and hostB's row with no VM, its link over ssh" \
	on_screen "^ hostB +kvm .* 0 VMs +link: ssh \(not measured\)"
check "... the forwarded sockets in a private directory of the console's" \
	bash -c "[ \"\$(stat -c %a '$W'/ssh-*/hostA)\" = 700 ] && [ -S '$W'/ssh-*/hostA/vm/g1.sock ]"
check "... one ssh master per host" \
	test "$(pgrep -f -- "ssh -N -M -S $W/ssh-" | wc -l)" -eq 2
check "... and one lister per host through it (one remote shell each, not one a second)" \
	test "$(pgrep -f -- "ssh -S $W/ssh-.*while :; do echo @ls" | wc -l)" -eq 2
check "... hostB's row shows its own CPU and memory, read over ssh" \
	wait_for "^ hostB  *kvm  *CPU  *[0-9][0-9.]*%  *MEM [0-9][0-9]*/[0-9][0-9]* MiB" 8
on_screen 'hosts share loopback'
check "... and no word of loopback on the status line" test $? -ne 0

# Starting and stopping a VM on hostA from the console, over ssh.
$T send-keys -t con n
check "n: the start dialog on g1's host, hostA" wait_for "Start a VM on hostA" 3
$T send-keys -t con BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace
$T send-keys -t con -l sshvm
$T send-keys -t con Enter
check "... sshvm started on hostA, over ssh" wait_for "sshvm started on hostA" 20
check "... its VMM answers there (asked through ssh)" \
	test "$(on_ssh "$LAB_HOSTA_ADDR" "$PWD/$VMM ctl $LAB_SSH_RUNTIME/sshvm.sock query-status" </dev/null |
		jq -r .status)" = running
check "... its row appears on hostA" wait_for "hostA    sshvm *running" 10
$T send-keys -t con Down
sleep 0.3
$T send-keys -t con K
check "K asks before stopping sshvm" wait_for "Stop VM sshvm on hostA" 3
$T send-keys -t con y
check "... y stops it: its socket gone on hostA (asked through ssh)" \
	bash -c "for i in \$(seq 50); do ${SSH[*]} root@$LAB_HOSTA_ADDR test -e $LAB_SSH_RUNTIME/sshvm.sock </dev/null || exit 0; sleep 0.2; done; exit 1"
check "... and its row goes" bash -c "for i in \$(seq 50); do $T capture-pane -p -t con | grep -q 'hostA    sshvm' || exit 0; sleep 0.2; done; exit 1"

kill $(sshd_pids "$LAB_HOSTB_NETNS") 2>/dev/null
check "hostB's sshd stopped: its row says unreachable, with ssh's reason" \
	wait_for "^ hostB  *kvm  *unreachable: .*198\.18\.0\.2" 8
check "... hostA goes on with live numbers" \
	on_screen "^ hostA +g1 +running +1 +64 +[0-9]+\.[0-9] +memory +[0-9]+ "
screen >"$W/unreachable.txt"
lab up --ssh >/dev/null 2>&1
check "lab up --ssh starts hostB's sshd again" test -n "$(sshd_pids "$LAB_HOSTB_NETNS")"
check "... and hostB's row comes back (retried with backoff)" \
	wait_for "^ hostB  *kvm .* 0 VMs  *link: ssh" 20
$T send-keys -t con q
sleep 1
reset_tmux
check "the console leaves no ssh master behind" \
	test -z "$(pgrep -f -- "ssh -N -M -S $W/ssh-")"
check "... nor its forwarded sockets" bash -c "! ls -d '$W'/ssh-* 2>/dev/null"

log=$(ls -t "$STATE"/dsmig/session-*.jsonl 2>/dev/null | head -1)
check "the session was recorded" test -n "$log"
# log_holds FILTER: the session log's records, as one array, hold FILTER.
log_holds() { jq -e -s "$1" "$log" >/dev/null; }
check "its host records: hostB unreachable with ssh's reason, then reachable again" \
	log_holds '[.[] | select(.src == "probe" and .probe == "host" and .host == "hostB")]
		| (map(.unreachable != null) | index(true)) as $down
		| $down != null and (.[$down].unreachable | test("198\\.18\\.0\\.2"))
		  and (.[$down:] | any(.unreachable == null))'
total=$(awk '/^MemTotal:/ { printf "%.0f", $2 * 1024 }' /proc/meminfo)
check "... hostA's CPU and memory read there (the lab shares this kernel: its MemTotal)" \
	log_holds "[.[] | select(.probe == \"host\" and .host == \"hostA\" and .cpu_pct != null
		   and .cpu_pct >= 0 and .cpu_pct <= 100 and .mem_total == $total
		   and .mem_used > 0 and .mem_used <= .mem_total and .shared == false)] | length > 3"
check "... and none while hostB was unreachable" \
	log_holds '[.[] | select(.probe == "host" and .unreachable != null and
		   (.cpu_pct != null or .mem_total != null))] | length == 0'
check "... hostA's never unreachable, and its VM sampled" \
	log_holds '([.[] | select(.probe == "host" and .host == "hostA" and .unreachable != null)]
		   | length == 0)
		  and ([.[] | select(.probe == "vm" and .host == "hostA" and .vm == "g1"
				     and .state == "running" and .dirty_pps != null)] | length > 5)'

lab down >/dev/null 2>&1
check "lab down stops every sshd of the lab" test -z "$(pgrep -f -- "sshd -f $LAB_SSH_DIR")"
check "... and leaves nothing behind" test -z "$(lab_leftovers)"
