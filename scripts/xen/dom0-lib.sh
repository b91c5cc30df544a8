# Shared by the dom0 sides of scripts/xen/ (sourced by busybox sh, installed
# in dom0 as /usr/lib/dsmig/dom0-lib.sh): the environment the engine needs
# there, the check lines, and reading the guest's heartbeats. The caller
# sets NAME (the domain) before using the heartbeat helpers.
LOGDIR=/var/log/xen/console
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_btl=self,vader OMPI_MCA_mca_base_component_show_load_errors=0
# Both ranks run here: no ssh (plm isolated), Open MPI's own messages over
# loopback, the only interface dom0 has.
export OMPI_MCA_plm=isolated OMPI_MCA_oob_tcp_if_include=lo
export HOME=/root TMPDIR=/tmp DSMIG_HOSTS=/etc/dsmig/hosts
ip link set lo up
hostname xen0      # Open MPI refuses the kernel's "(none)"
grep -q ' /dev/shm ' /proc/mounts || mount -t tmpfs tmpfs /dev/shm
failed=0
check() {     # $1 name, $2 ok|FAILED, $3 detail
	echo "DSMIG-XEN-CHECK $1 $2${3:+ $3}"
	[ "$2" = ok ] || failed=$((failed + 1))
}
beats() {     # complete beat lines of every copy of the guest, oldest first
	cat "$LOGDIR/guest-$NAME.log" "$LOGDIR/guest-$NAME--incoming.log" 2>/dev/null |
		tr -d '\r' | grep '^DSMIG-GUEST-BEAT n=[0-9]* .* glitch=[0-9][0-9]*$'
}
field() { sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
last_n() { beats | field n | sort -n | tail -n 1; }
domid() { xl domid "$NAME" 2>/dev/null; }
others() { xl list | grep -cE "^$NAME--(incoming|migratedaway) "; }
wait_beats() {    # wait for the beat counter to pass $1; $2 s at most
	i=0
	until [ "$(last_n)" -gt "$1" ] 2>/dev/null; do
		i=$((i + 1))
		[ $i -le "$2" ] || return 1
		sleep 1
	done
}
