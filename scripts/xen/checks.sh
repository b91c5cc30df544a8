# Shared by scripts/xen/smoke.sh, top-check.sh and dirty-check.sh (sourced,
# bash): their arguments (BUILD [TOTAL]), the check lines dom0 printed, the
# bounded steps, carrying a host binary into dom0 and the boot that runs a
# dom0 test. The caller sets HERE (its directory),
# NAME_OF_RUN (its name in messages and log names) and CHECKS ("dom0-ready"
# first, then the names dom0 reports as `DSMIG-XEN-CHECK NAME ok|FAILED
# [detail]`), sources this with its own arguments in place, and defines
# report(), which calls xen_check_lines, prints its own figures and
# xen_totals. Sets BUILD, TOTAL (default 600 s), X (BUILD/xen) and start.
[ $# -ge 1 ] || { echo "usage: $0 BUILD [TOTAL]" >&2; exit 2; }
BUILD=$1
TOTAL=${2:-600}
X=$BUILD/xen
start=$(date +%s)
passed=0 failed=0
LOG_OF_RUN=/dev/null   # the serial log, once this run has booted

xen_left() { echo $((start + TOTAL - $(date +%s))); }

# The quietest configuration of docs/xen.md ("Bisecting it"), unless the
# caller's environment says otherwise: AVX hidden, dom0 on one pinned vCPU,
# the guest on CPU 1.
xen_quiet_defaults() {
	export QEMU_CPU=${QEMU_CPU:-max,-smap,-rdtscp,-avx,-avx2}
	export DOM0_VCPUS=${DOM0_VCPUS:-1}
	export XEN_EXTRA=${XEN_EXTRA:-dom0_vcpus_pin}
	export GUEST_CPUS=${GUEST_CPUS:-1}
}

# One `ok   NAME ...` or `FAIL NAME ...` line per check of CHECKS (a check
# dom0 did not report fails; so do all when this run did not boot: an
# earlier run's boot.log is never read), counted in passed and failed.
xen_check_lines() {
	local c line
	for c in $CHECKS; do
		if [ "$c" = dom0-ready ]; then
			line="DSMIG-XEN-CHECK dom0-ready ${dom0_status:-FAILED not run}"
		else
			line=$(tr -d '\r' < "$LOG_OF_RUN" | grep -m1 "^DSMIG-XEN-CHECK $c ")
			[ -n "$line" ] || line="DSMIG-XEN-CHECK $c FAILED not reported by dom0"
		fi
		case $line in
		"DSMIG-XEN-CHECK $c ok"*) passed=$((passed + 1)); echo "ok   ${line#DSMIG-XEN-CHECK }";;
		*) failed=$((failed + 1)); echo "FAIL ${line#DSMIG-XEN-CHECK }";;
		esac
	done
}

# The last lines of a report; exits 0 only if no check failed.
xen_totals() {   # $1 the script's name
	echo "$1: total $(( $(date +%s) - start )) s"
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}

# $1 what, then the command, bounded by the time left; reports on failure.
xen_step() {
	local what=$1 t; shift
	t=$(xen_left)
	if [ "$t" -le 0 ] || ! timeout "$t" "$@"; then
		echo "$NAME_OF_RUN: $what failed (or ran out of the ${TOTAL}s)" >&2
		dom0_status="FAILED $what"
		report
	fi
}

# Carry the host binary $1 into the extra tree $3 as $3/usr/bin/$2, with the
# libraries ldd finds for it on this host (Debian 12, as the nested dom0): a
# library the staging root of the Xen .debs also holds (libc, the libxen* of
# the same Xen) is taken from there, the others from this host. Fails if
# one would not resolve in dom0 (the staging root plus the tree).
xen_carry() {
	local dest=$3/usr/bin/$2 STAGE=$X/stage A=lib/x86_64-linux-gnu
	mkdir -p "$3/usr/bin"
	install -m 755 "$1" "$dest"
	xen_carry_libs "$1" "$3"
	if "$STAGE/$A/ld-linux-x86-64.so.2" --library-path "$3/$A:$STAGE/$A:$STAGE/usr/$A" \
		--list "$dest" | grep -q 'not found'; then
		echo "$NAME_OF_RUN: $2 loads a library the tree lacks" >&2
		return 1
	fi
}

# The libraries ldd finds for the host file $1 into the tree $2 (as
# xen_carry says), each once.
xen_carry_libs() {
	local E=$2 STAGE=$X/stage A=lib/x86_64-linux-gnu lib base
	mkdir -p "$E/$A"
	for lib in $(ldd "$1" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
		base=$(basename "$lib")
		[ -e "$E/$A/$base" ] && continue
		if [ -e "$STAGE/$A/$base" ]; then
			cp -L "$STAGE/$A/$base" "$E/$A/$base"
		elif [ -e "$STAGE/usr/$A/$base" ]; then
			cp -L "$STAGE/usr/$A/$base" "$E/$A/$base"
		else
			cp -L "$lib" "$E/$A/$base"
		fi
	done
}

# Boot with DOM0_RUN=$1 in the time left, keep the serial log as
# BUILD/xen/$NAME_OF_RUN-DATE.log and set dom0_status; then report.
xen_boot_and_report() {
	local t rc ready
	t=$(( $(xen_left) - 5 ))
	[ "$t" -gt 60 ] || { dom0_status="FAILED no time left to boot"; report; }
	DOM0_RUN=$1 "$HERE/boot.sh" "$BUILD" "$t" | tee "$X/$NAME_OF_RUN-boot.out"
	rc=${PIPESTATUS[0]}
	# boot.sh's log, if it wrote one in this run (not when it refused to start).
	if [ -n "$(find "$X/boot.log" -newermt "@$start" 2>/dev/null)" ]; then
		LOG_OF_RUN=$X/boot.log
		cp "$LOG_OF_RUN" "$X/$NAME_OF_RUN-$(date +%Y%m%d-%H%M%S).log"
	fi
	ready=$(grep -m1 '^dsmig: dom0 ready:' "$X/$NAME_OF_RUN-boot.out" | sed 's/^dsmig: dom0 ready: //')
	if tr -d '\r' < "$LOG_OF_RUN" | grep -q '^DSMIG-DOM0-READY'; then
		dom0_status="ok ${ready:-(boot.sh exit $rc)}"
	else
		dom0_status="FAILED boot.sh exit $rc"
	fi
	report
}

# The whole run of a test with an extra tree: fetch (cached), the guest's
# initramfs, the tree BUILD/xen/$1 made anew with the guest's files, the
# caller's extra TREE (which adds its own), dom0's initramfs with that
# tree, the boot with DOM0_RUN=$2; then report.
xen_run_with_extra() {
	local E=$X/$1
	xen_step fetch "$HERE/fetch.sh" "$BUILD"
	xen_step guest-initrd "$HERE/guest-initrd.sh" "$BUILD"
	rm -rf "$E"
	mkdir -p "$E/usr/bin"
	cp -a "$X/dom0-extra/." "$E/"
	[ "$(xen_left)" -gt 0 ] && extra "$E" || { dom0_status="FAILED extra-tree"; report; }
	xen_step dom0-initrd "$HERE/dom0-initrd.sh" "$BUILD" "$X/$1"
	xen_boot_and_report "$2"
}

# Copy the host file $1 (a library or program) into the tree $2 at the same
# path, with every library ldd finds for it (taken as xen_carry does).
xen_carry_file() {
	mkdir -p "$2/$(dirname "$1")"
	cp -L "$1" "$2/$1"
	xen_carry_libs "$1" "$2"
}

# Open MPI's runtime as Debian 12 installs it (mpirun, orted, its plugin
# directories, help texts and settings) into the tree $1, with the
# libraries its programs and plugins load.
xen_carry_openmpi() {
	local E=$1 M=/usr/lib/x86_64-linux-gnu f
	for f in /usr/bin/orterun /usr/bin/orted $(find "$M/openmpi" "$M/pmix2" -name '*.so*' -type f); do
		xen_carry_file "$f" "$E" || return 1
	done
	ln -sf orterun "$E/usr/bin/mpirun"
	mkdir -p "$E/usr/share" "$E/etc"
	cp -a /usr/share/openmpi "$E/usr/share/"
	[ -d /usr/share/pmix ] && cp -a /usr/share/pmix "$E/usr/share/"
	cp -aL /etc/openmpi "$E/etc/"
	[ -d /etc/pmix ] && cp -aL /etc/pmix "$E/etc/"
	return 0
}
