#!/bin/bash
# dsmig migrate between ssh hosts (issue 15, part 2): `dsmig lab up --ssh`,
# a small guest started on hostA through its sshd, then `dsmig migrate
# --from hostA --to hostB` with the hosts file that names the hosts by
# ssh= only, once per method: exit 0, the VM runs on hostB (asked through
# ssh) and is gone from hostA, the telemetry file (rank 0's stdout through
# mpirun) has a summary; mpirun's daemons ran in each host's namespace
# under its sshd, not through the lab's agent. A wrong host key in
# known_hosts: migrate fails before anything starts, with ssh's reason,
# and the VM keeps running where it was. migrate's ssh masters killed
# during pre-copy: it connects again and settles, the VM on hostB; hostB's
# MPI daemon killed during pre-copy: exit 1 naming hostB, the VM still on
# hostA (and from the console, its card saying so). The console's dialog migrates a
# VM between the ssh hosts too (tmux), its throughput measured on hostA's
# wire by `dsmig wire` run there over ssh. Nothing left behind (ssh
# masters, forwarded sockets, mpirun), and `lab down` stops every sshd.
# Skipped without root, network namespaces, an accelerator or sshd.
. "$(dirname "$0")/lib.sh"
[ -x /usr/sbin/sshd ] || { skip "ssh migrate: no sshd (Debian's openssh-server: make deps)"; exit 0; }
require_lab

W=$HOST_A
lab() { timeout 60 "$DSMIG" lab "$@"; }
SSH=(ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$LAB_SSH_KNOWN"
     -i "$LAB_SSH_KEY")
on_ssh() { local a=$1; shift; timeout 20 "${SSH[@]}" "root@$a" "$@" </dev/null; }
# status ADDR RUNTIME VM: the VM's status, asked on that host through ssh.
status() { on_ssh "$1" "$PWD/$VMM ctl $2/$3.sock query-status" 2>/dev/null | jq -r .status; }
# jq_holds FILTER FILE: the JSON lines of FILE, as one array, hold FILTER.
jq_holds() { jq -e -s "$1" "$2" >/dev/null; }
# ssh_vm VM: start a small guest on hostA through ssh, wait until it answers.
ssh_vm() {
	local i
	on_ssh "$LAB_HOSTA_ADDR" "DSMIG_RUNTIME_DIR=$LAB_SSH_RUNTIME setsid $PWD/$VMM run \
		$PWD/$GUESTS/memory.elf --mem 32M --name $1 --console $LAB_SSH_RUNTIME/$1.console \
		-- region=4M </dev/null >$LAB_SSH_RUNTIME/$1.log 2>&1 &"
	for i in $(seq 100); do
		[ "$(status "$LAB_HOSTA_ADDR" "$LAB_SSH_RUNTIME" "$1")" = running ] && return 0
		sleep 0.1
	done
	return 1
}
# ssh_migrate VM HOSTS-FILE OPTIONS...: hostA -> hostB, bounded; output in VM.out.
ssh_migrate() {
	local vm=$1 hosts=$2
	shift 2
	DSMIG_HOSTS=$hosts timeout 150 "$DSMIG" migrate "$vm" --from hostA --to hostB \
		--timeout 120 --bandwidth 0 "$@" >"$W/$vm.out" 2>&1
}
# Every 0.05 s while it runs: the namespace of each orted and whether it
# came through an ssh session, with that host's TMPDIR (the daemon
# detaches from sshd, but keeps the session's environment) and its mount
# namespace: "NETNS ssh TMPDIR mnt:[N]" or "NETNS none ...".
orted_watch() {
	local pid ns env via
	for _ in $(seq 600); do
		for pid in $(pgrep -x orted); do
			ns=$(ip netns identify "$pid" 2>/dev/null)
			env=$({ tr '\0' '\n' <"/proc/$pid/environ"; } 2>/dev/null)
			via=none
			grep -q '^SSH_CONNECTION=' <<<"$env" && via=ssh
			# A daemon may end between pgrep and here: skip it then.
			[ -n "$ns" ] && [ -n "$env" ] &&
				echo "$ns $via $(sed -n 's/^TMPDIR=//p' <<<"$env") $(readlink "/proc/$pid/ns/mnt")"
		done
		sleep 0.05
	done
}

lab up --ssh --link 100mbit >"$W/up.out" 2>&1
check "lab up --ssh --link 100mbit succeeds" test $? -eq 0 || sed 's/^/# /' "$W/up.out"

for method in precopy dsm dsm-pull; do
	vm=m-$method
	if ! ssh_vm "$vm"; then
		not_ok "$method: a guest started on hostA through ssh"
		continue
	fi
	if [ "$method" = precopy ]; then
		orted_watch >"$W/orted.txt" &
		TEST_PIDS+=("$!")
		watch=$!
	fi
	# precopy capped, so that the daemons live long enough to be seen.
	extra=()
	[ "$method" = precopy ] && extra=(--bandwidth 20M)
	ssh_migrate "$vm" "$LAB_SSH_HOSTS" --method "$method" --log "$W/$vm.jsonl" "${extra[@]}"
	rc=$?
	[ "$method" = precopy ] && kill "$watch" 2>/dev/null
	check "$method between ssh hosts: exit 0" test "$rc" -eq 0 || sed 's/^/# /' "$W/$vm.out" | tail -15
	check "... the VM runs on hostB (asked through ssh)" \
		test "$(status "$LAB_HOSTB_ADDR" "$LAB_SSH_RUNTIME" "$vm")" = running
	check "... and is gone from hostA" \
		bash -c "! ${SSH[*]} root@$LAB_HOSTA_ADDR test -e $LAB_SSH_RUNTIME/$vm.sock </dev/null"
	check "... the telemetry (rank 0's stdout through mpirun) has a successful summary" \
		jq_holds '[.[] | select(.type == "summary" and .ok == true)] | length == 1' "$W/$vm.jsonl"
	check "... and nothing but telemetry" \
		jq_holds 'all(.[]; .v != null and .type != null)' "$W/$vm.jsonl"
	check "... the summary printed" grep -q "^Migration of '$vm': $LAB_SSH_RUNTIME -> $LAB_SSH_RUNTIME, $method" "$W/$vm.out"
	if [ "$method" = precopy ]; then
		root_mnt=$(readlink /proc/self/ns/mnt)
		check "... mpirun's daemons ran in both hosts' namespaces, started over ssh, with TMPDIR in the host's runtime" \
			bash -c "grep -q '^$LAB_HOSTA_NETNS ssh $LAB_SSH_RUNTIME/tmp ' '$W/orted.txt' &&
				 grep -q '^$LAB_HOSTB_NETNS ssh $LAB_SSH_RUNTIME/tmp ' '$W/orted.txt' &&
				 ! grep -q none '$W/orted.txt'"
		check "... each in its host's own mount namespace, neither the root's" \
			bash -c "a=\$(awk '\$1 == \"$LAB_HOSTA_NETNS\" { print \$4 }' '$W/orted.txt' | sort -u)
				 b=\$(awk '\$1 == \"$LAB_HOSTB_NETNS\" { print \$4 }' '$W/orted.txt' | sort -u)
				 [ -n \"\$a\" ] && [ -n \"\$b\" ] && [ \"\$a\" != \"\$b\" ] &&
				 [ \"\$a\" != '$root_mnt' ] && [ \"\$b\" != '$root_mnt' ]"
		sort -u "$W/orted.txt" | sed 's/^/# /'
	fi
	on_ssh "$LAB_HOSTB_ADDR" "$PWD/$VMM ctl $LAB_SSH_RUNTIME/$vm.sock quit" >/dev/null 2>&1
done
check "no ssh master, forward directory or mpirun left behind" \
	bash -c "! pgrep -f 'ssh -N -M -S .*/.mssh-' && ! ls -d '$DSMIG_RUNTIME_DIR'/.mssh-* &&
		 ! pgrep -x mpirun" >/dev/null 2>&1

# ---- ssh and a host lost during pre-copy -------------------------------------
# orted_on NETNS: the pids of mpirun's daemons in that host's namespace.
orted_on() {
	local p
	for p in $(pgrep -x orted); do [ "$(ip netns identify "$p")" = "$1" ] && echo "$p"; done
}
# during_precopy VM COMMAND: migrate VM (capped, so pre-copy lasts seconds)
# in the background, run COMMAND once both daemons run plus a second,
# then wait; the exit status in $rc.
during_precopy() {
	local vm=$1 mp
	ssh_migrate "$vm" "$LAB_SSH_HOSTS" --method precopy --bandwidth 20M &
	mp=$!
	for _ in $(seq 150); do
		[ -n "$(orted_on "$LAB_HOSTB_NETNS")" ] && break
		sleep 0.1
	done
	sleep 1
	eval "$2"
	wait "$mp"
	rc=$?
}
if ssh_vm drop; then
	during_precopy drop 'kill $(pgrep -f "ssh -N -M -S .*/.mssh-")'
	check "migrate's ssh connections killed during pre-copy: the migration goes on, exit 0" \
		test "$rc" -eq 0 || sed 's/^/# /' "$W/drop.out" | tail -8
	check "... it says it lost them and connects again" \
		grep -q "the ssh connection to host[AB] was lost (.*); connecting again" "$W/drop.out"
	check "... the VM runs on hostB and is gone from hostA" \
		bash -c "[ \"\$(${SSH[*]} root@$LAB_HOSTB_ADDR $PWD/$VMM ctl $LAB_SSH_RUNTIME/drop.sock query-status </dev/null | jq -r .status)\" = running ] &&
			 ! ${SSH[*]} root@$LAB_HOSTA_ADDR test -e $LAB_SSH_RUNTIME/drop.sock </dev/null"
	on_ssh "$LAB_HOSTB_ADDR" "$PWD/$VMM ctl $LAB_SSH_RUNTIME/drop.sock quit" >/dev/null 2>&1
else
	not_ok "a guest started on hostA through ssh (drop)"
fi
if ssh_vm lost; then
	during_precopy lost 'kill $(orted_on "$LAB_HOSTB_NETNS")'
	check "hostB's MPI daemon killed during pre-copy: migrate fails (exit 1)" test "$rc" -eq 1
	check "... saying which host was lost, and that the VM keeps running" \
		grep -q "mpirun lost its daemon on hostB ($LAB_HOSTB_ADDR).*the VM keeps running on the source" \
		"$W/lost.out" || sed 's/^/# /' "$W/lost.out" | tail -8
	check "... the VM runs on hostA (asked through ssh)" \
		test "$(status "$LAB_HOSTA_ADDR" "$LAB_SSH_RUNTIME" lost)" = running
	check "... and nothing of it on hostB" \
		bash -c "! ${SSH[*]} root@$LAB_HOSTB_ADDR test -e $LAB_SSH_RUNTIME/lost.sock </dev/null"
	on_ssh "$LAB_HOSTA_ADDR" "$PWD/$VMM ctl $LAB_SSH_RUNTIME/lost.sock quit" >/dev/null 2>&1
else
	not_ok "a guest started on hostA through ssh (lost)"
fi

# ---- from the console's dialog ------------------------------------------------
if command -v tmux >/dev/null; then
	T="tmux -L dsmig-sshmig-test-$$"
	trap '$T kill-server 2>/dev/null; timeout 30 "$DSMIG" lab down >/dev/null 2>&1; cleanup' EXIT
	ssh_vm con
	$T new-session -d -s con -x 140 -y 40 \
		"cd '$PWD'; LANG=C.UTF-8 DSMIG_THEMES='$PWD/themes' DSMIG_HOSTS='$LAB_SSH_HOSTS' XDG_STATE_HOME='$W/state' '$DSMIG'"
	check "console: con listed on hostA over ssh" wait_for "hostA    con" 10
	$T send-keys -t con Enter
	check "console: the dialog offers ssh host hostB as the destination" \
		bash -c "sleep 0.5; $T capture-pane -p -t con | grep -q 'Migrate con from hostA' &&
			 $T capture-pane -p -t con | grep -q '< hostB >'"
	$T send-keys -t con Enter
	check "console: the migration runs" wait_for "migration 1: con hostA -> hostB" 10
	check "... and ends done" wait_for "Migration 1 of con: done" 90
	log=$(ls -t "$W"/state/dsmig/session-*.jsonl 2>/dev/null | head -1)
	# The wire probe ran on hostA (dsmig wire over ssh): its last count
	# before migration 1 ended, against the engine's bytes.
	wire=$(jq -s '. as $r | first(range(length) | select($r[.].mig == 1 and $r[.].event == "exit")) as $stop |
		[.[:$stop][] | select(.probe == "net" and .host == "hostA" and .method == "pcap")] |
		if length > 0 then (last.bytes | tostring) + " " + (map(.bps) | max | tostring) else "none" end' \
		"$log" 2>/dev/null | tr -d '"')
	engine=$(jq -s '[.[] | select(.ev.type == "summary" and .mig == 1)][0].ev.bytes_total' "$log" 2>/dev/null)
	echo "# wire (bytes, top bps) $wire; engine $engine bytes"
	check "console: the wire probe ran on hostA over ssh (pcap net records from host hostA)" \
		test "${wire:-none}" != none
	check "... and counted the engine's bytes on the wire (1.0 to 1.3 times)" \
		awk -v w="${wire%% *}" -v e="$engine" 'BEGIN { exit !(e > 0 && w >= e && w <= 1.3 * e) }'
	# The rate of each 100 ms bin, from hostA's own timestamps: its median
	# while data flowed is the cap's 12 Mbit/s, give or take.
	median=$(jq -s '. as $r | first(range(length) | select($r[.].mig == 1 and $r[.].event == "exit")) as $stop |
		[.[:$stop][] | select(.probe == "net" and .host == "hostA" and .bps > 1000000) | .bps] | sort |
		if length > 10 then .[length / 2 | floor] else null end' "$log" 2>/dev/null)
	echo "# wire median while data flowed: $median bit/s"
	check "... at the cap: the median 100 ms rate while data flowed within 0.6..1.3 x 12 Mbit/s" \
		awk -v m="$median" 'BEGIN { exit !(m != "null" && m >= 7.2e6 && m <= 15.6e6) }'
	check "... no n/a on the throughput chart" \
		bash -c "! $T capture-pane -p -t con | grep -q 'n/a: no wire probe'"
	check "... and no probe left running on hostA" \
		bash -c "! pgrep -f 'dsmig [w]ire --net' >/dev/null"
	check "... con runs on hostB" test "$(status "$LAB_HOSTB_ADDR" "$LAB_SSH_RUNTIME" con)" = running
	# Back to hostA, whose daemon is killed during pre-copy.
	$T send-keys -t con Escape
	sleep 0.5
	$T send-keys -t con Enter
	check "console: the dialog offers hostA back" wait_for "Migrate con from hostB" 5
	$T send-keys -t con Enter
	for _ in $(seq 150); do
		[ -n "$(orted_on "$LAB_HOSTA_NETNS")" ] && break
		sleep 0.1
	done
	sleep 1
	kill $(orted_on "$LAB_HOSTA_NETNS") 2>/dev/null
	check "console: hostA's daemon killed during pre-copy: the card says which host was lost" \
		wait_for "lost its daemon on" 30
	check "... and that con keeps running on hostB" \
		test "$(status "$LAB_HOSTB_ADDR" "$LAB_SSH_RUNTIME" con)" = running
	$T capture-pane -p -t con | sed 's/^/# /' | grep -i -A3 "lost its"
	$T send-keys -t con q
	sleep 1
	$T kill-server 2>/dev/null
	on_ssh "$LAB_HOSTB_ADDR" "$PWD/$VMM ctl $LAB_SSH_RUNTIME/con.sock quit" >/dev/null 2>&1
else
	skip "ssh migrate from the console: tmux is missing"
fi

# ---- a wrong host key -----------------------------------------------------------
# hostA's address with hostB's key: ssh refuses hostA.
ssh_vm bad
{ sed -n "s/^$LAB_HOSTB_ADDR /$LAB_HOSTA_ADDR /p" "$LAB_SSH_KNOWN"; grep "^$LAB_HOSTB_ADDR " "$LAB_SSH_KNOWN"; } \
	>"$W/bad_known"
sed "s|known_hosts=$LAB_SSH_KNOWN|known_hosts=$W/bad_known|" "$LAB_SSH_HOSTS" >"$W/hosts-bad"
ssh_migrate bad "$W/hosts-bad"
rc=$?
check "a wrong host key: migrate fails (exit 1)" test "$rc" -eq 1
check "... before anything starts, with ssh's reason" \
	grep -q "nothing was started: cannot reach hostA over ssh: Host key verification failed" "$W/bad.out" ||
	sed 's/^/# /' "$W/bad.out"
check "... the VM still runs on hostA" \
	test "$(status "$LAB_HOSTA_ADDR" "$LAB_SSH_RUNTIME" bad)" = running
check "... and nothing of it on hostB" \
	bash -c "! ${SSH[*]} root@$LAB_HOSTB_ADDR test -e $LAB_SSH_RUNTIME/bad.sock </dev/null"
on_ssh "$LAB_HOSTA_ADDR" "$PWD/$VMM ctl $LAB_SSH_RUNTIME/bad.sock quit" >/dev/null 2>&1

lab down >/dev/null 2>&1
check "lab down stops every sshd of the lab" test -z "$(pgrep -f -- "sshd -f $LAB_SSH_DIR")"
check "... and leaves nothing behind" test -z "$(lab_leftovers)"
