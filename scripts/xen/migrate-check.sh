#!/bin/bash
# dsmig migrates a Linux PVH domain in the nested Xen test host (issue 11):
# dom0 runs dsmig-engine under Open MPI's mpirun (two ranks, source and
# destination both in dom0, so the migration is to localhost) with the
# xen backend (src/hv/hv_xen.c): libxenguest's save, the engine carrying
# the stream, libxl's restore. precopy and dsm, each with --verify; dsm
# again through `dsmig migrate`; a migration failed on purpose before the
# switch-over and one whose destination rank is killed (the source must
# run on and nothing be left behind); dsm-pull's refusal.
#   fetch.sh (cached) -> guest-initrd.sh -> an extra tree for dom0: the
#   guest's files, dsmig-engine, dsmig, a hosts file naming xen0 a xen
#   host, Open MPI's runtime, with the libraries they load (checks.sh),
#   dom0-migrate-check.sh as
#   /usr/bin/dsmig-xen-migrate-check -> dom0-initrd.sh -> boot.sh.
# Runs with the quietest configuration of docs/xen.md unless told otherwise
# (QEMU_CPU, DOM0_VCPUS, XEN_EXTRA, GUEST_CPUS pass through). Bounded to
# TOTAL seconds (default 600); ends with `N passed, N failed`, exit 0 only
# if none failed. The serial log is kept as BUILD/xen/migrate-check-*.log.
#
# Usage: scripts/xen/migrate-check.sh BUILD [TOTAL]     (e.g. build/xen-nested)
#   ENGINE=PATH     the engine to carry (default build/bin/dsmig-engine)
#   DSMIG=PATH      the dsmig command to carry (default: beside ENGINE)
#   BANDWIDTH=RATE  the cap of the two timed migrations (default 12M)
set -u

HERE=$(dirname "$0")
NAME_OF_RUN=migrate-check
CHECKS="dom0-ready guest-boots top-lists precopy-migrates precopy-guest-runs dsm-migrates dsm-guest-runs dsm-noverify-migrates dsm-noverify-guest-runs xl-receives abort-source-runs kill-dest-settled stall-after-go-settled pull-refused session-replays"
. "$HERE/checks.sh"
ENGINE=${ENGINE:-build/bin/dsmig-engine}
DSMIG=${DSMIG:-$(dirname "$ENGINE")/dsmig}
xen_quiet_defaults
# The session dom0 recorded (DSMIG-SESSION lines), replayed here: `dsmig
# report` finds the Xen migration in it, and the console, in tmux, shows
# its summary card. Prints the check's line for xen_check_lines.
replay_session() {
	local S=$X/session-xen.jsonl T="tmux -L dsmig-xen-replay-$$" i
	tr -d '\r' < "$LOG_OF_RUN" | sed -n 's/^DSMIG-SESSION //p' | base64 -d 2>/dev/null |
		gunzip > "$S" 2>/dev/null
	if [ ! -s "$S" ]; then
		echo "DSMIG-XEN-CHECK session-replays FAILED no session came out of dom0"
		return
	fi
	if ! "$DSMIG" report "$S" 2>&1 | grep -q 'dsmig-guest'; then
		echo "DSMIG-XEN-CHECK session-replays FAILED dsmig report does not find the migration"
		return
	fi
	command -v tmux >/dev/null || {
		echo "DSMIG-XEN-CHECK session-replays FAILED tmux is missing"; return; }
	$T new-session -d -x 160 -y 48 "LANG=C.UTF-8 XDG_STATE_HOME='$X/replay-state' '$DSMIG' replay '$S' --speed 8"
	for i in $(seq 1 40); do
		$T capture-pane -p 2>/dev/null | grep -q 'Migration 1 of dsmig-guest: done' && break
		sleep 0.5
	done
	if $T capture-pane -p 2>/dev/null | grep -q 'Migration 1 of dsmig-guest: done'; then
		echo "DSMIG-XEN-CHECK session-replays ok $(wc -l < "$S") records; the console shows the summary card"
		$T capture-pane -p > "$X/session-xen-replay.txt"
	else
		echo "DSMIG-XEN-CHECK session-replays FAILED the console did not show the card"
	fi
	$T kill-server 2>/dev/null
}
report() {
	[ "$LOG_OF_RUN" = /dev/null ] || replay_session >> "$LOG_OF_RUN"
	xen_check_lines
	tr -d '\r' < "$LOG_OF_RUN" | grep -E '^(dsmig-migrate|dsmig-engine\[[0-9]\]|DSMIG-XEN-SUMMARY)' |
		sed 's/^/migrate-check: /'
	xen_totals migrate-check
}
extra() {
	local E=$1
	[ -x "$ENGINE" ] || { echo "migrate-check: no engine at $ENGINE (set ENGINE)" >&2; return 1; }
	xen_carry "$ENGINE" dsmig-engine "$E" || return 1
	xen_carry "$DSMIG" dsmig "$E" || return 1
	mkdir -p "$E/etc/dsmig"
	echo "name=xen0 hv=xen" > "$E/etc/dsmig/hosts"
	xen_carry_openmpi "$E" || return 1
	install -m 755 "$HERE/dom0-migrate-check.sh" "$E/usr/bin/dsmig-xen-migrate-check"
	install -D -m 644 "$HERE/dom0-lib.sh" "$E/usr/lib/dsmig/dom0-lib.sh"
	echo "BANDWIDTH=${BANDWIDTH:-12M}" > "$E/etc/dsmig-migrate-check.conf"
	echo "migrate-check: extra tree $E: $(du -sh "$E" | cut -f1), $(ls "$E/lib/x86_64-linux-gnu" | wc -l) libraries"
}

xen_run_with_extra migrate-check-extra /usr/bin/dsmig-xen-migrate-check
