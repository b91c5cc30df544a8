#!/bin/bash
# The nested Xen test guest's heartbeat and memory self-check
# (guest/linux/dsmig-beat.sh, with dsmig-work's block-write/block-check)
# on this host, in a temporary directory for its tmpfs and a 10 ms period:
# the block commands' exit statuses; clean beats; changed memory found as
# bad; a checker that crashes every other or third run never taken for
# changed memory, while changed memory is still found through it; a
# heartbeat started again goes on from its saved counters, and a block
# whose rewrite a crash cut short counts as a glitch, not as bad. Needs
# gcc and a POSIX sh; about 10 s.
. "$(dirname "$0")/lib.sh"

if ! command -v gcc >/dev/null; then
	skip "guest_beat: needs gcc"
	exit 0
fi
D=$HOST_A/beat
mkdir -p "$D/bin" "$D/mem"
gcc -O2 -Wall -Wextra -Werror -o "$D/bin/real-work" guest/linux/dsmig-work.c || {
	not_ok "guest_beat: dsmig-work builds"
	exit 0
}
W=$D/bin/real-work
BEAT=guest/linux/dsmig-beat.sh
export DSMIG_BEAT_DIR=$D/mem DSMIG_BEAT_MS=10

status() { "$@" >/dev/null 2>&1; echo $?; }
check "block-write then block-check of the same (block, gen): 0" \
	[ "$(status "$W" block-write "$D/blk" 3 7)$(status "$W" block-check "$D/blk" 3 7)" = 00 ]
check "block-check of another generation or block: 1" \
	[ "$(status "$W" block-check "$D/blk" 3 8)$(status "$W" block-check "$D/blk" 4 7)" = 11 ]
printf 'x' | dd of="$D/blk" bs=1 seek=4000 conv=notrunc 2>/dev/null
check "block-check of a block with one byte changed: 1" [ "$(status "$W" block-check "$D/blk" 3 7)" = 1 ]
head -c 4096 /dev/zero > "$D/short"
check "block-check of a short file: 1" [ "$(status "$W" block-check "$D/short" 0 0)" = 1 ]
check "block-check of a missing file: 3" [ "$(status "$W" block-check "$D/none" 3 7)" = 3 ]
check "dsmig-work with bad arguments: 2" [ "$(status "$W" block-check "$D/blk" 3)" = 2 ]

# beats UNTIL: run the heartbeat to beat UNTIL; its output in $D/out.
beats() { DSMIG_BEAT_UNTIL=$1 PATH="$D/bin:$PATH" timeout 60 sh "$BEAT" > "$D/out" 2>&1; }
last() { grep '^DSMIG-GUEST-BEAT' "$D/out" | tail -n 1; }
fresh() {   # the heartbeat's blocks written anew, checked by $1
	rm -f "$D/mem/"*
	ln -sf "$1" "$D/bin/dsmig-work"
	PATH="$D/bin:$PATH" sh "$BEAT" init > "$D/init.out" 2>&1
}
corrupt_all() {
	for f in "$D/mem/"blk.*; do
		printf 'x' | dd of="$f" bs=1 seek=100 conv=notrunc 2>/dev/null
	done
}

fresh "$W"
check "init writes 64 blocks and says it is up" \
	[ "$(ls "$D/mem" | grep -c '^blk\.')" = 64 -a "$(grep -c '^DSMIG-GUEST-UP ' "$D/init.out")" = 1 ]
beats 70
check "70 clean beats: bad=0 glitch=0" grep -q '^DSMIG-GUEST-BEAT n=70 .* bad=0 glitch=0$' "$D/out"
corrupt_all
beats 134
check "every changed block found in the next 64 beats: bad=64" \
	grep -q '^DSMIG-GUEST-BEAT n=134 .* bad=64 glitch=0$' "$D/out"
check "a bad block is named" grep -q '^DSMIG-GUEST-BAD n=71 block=7 gen=7$' "$D/out"

# A checker killed by SIGSEGV on every Kth run, as the nested TCG host
# does to busybox and static programs now and then.
crashing() {    # $1 K: writes $D/bin/crash-K
	cat > "$D/bin/crash-$1" <<EOF
#!/bin/sh
n=\$(cat "$D/calls" 2>/dev/null || echo 0)
echo \$((n + 1)) > "$D/calls"
[ \$((n % $1)) -ne $(($1 - 1)) ] || kill -SEGV \$\$
exec "$W" "\$@"
EOF
	chmod +x "$D/bin/crash-$1"
}
crashing 2
crashing 3
fresh "$D/bin/crash-2"
beats 70
check "checker crashing every 2nd run, memory intact: bad=0, glitches counted" \
	grep -q '^DSMIG-GUEST-BEAT n=70 .* bad=0 glitch=[1-9][0-9]*$' "$D/out"
fresh "$D/bin/crash-3"
beats 70
check "checker crashing every 3rd run, memory intact: bad=0" \
	grep -q '^DSMIG-GUEST-BEAT n=70 .* bad=0 glitch=[0-9]*$' "$D/out"
corrupt_all
beats 134
bad=$(last | sed -n 's/.* bad=\([0-9]*\) .*/\1/p')
check "checker crashing every 3rd run, changed memory still found: bad=$bad of 64" \
	[ "${bad:-0}" -ge 16 ]

fresh "$W"
beats 10
check "started again, the heartbeat goes on from beat 10" bash -c '
	DSMIG_BEAT_UNTIL=12 PATH="'"$D"'/bin:$PATH" timeout 30 sh "'"$BEAT"'" |
	grep -q "^DSMIG-GUEST-BEAT n=11 .* bad=0 glitch=0$"'
# A crash after beat 12 saved its counters, before block 13's rewrite
# ended: the block half written and still marked unsure.
echo "13 0 0 0 $(cut -d' ' -f5 "$D/mem/beat.state")" > "$D/mem/beat.state"
head -c 1000 /dev/zero > "$D/mem/blk.13"
: > "$D/mem/unsure.13"
beats 77
check "a rewrite cut short by a crash: a glitch at its check, not bad" \
	grep -q '^DSMIG-GUEST-GLITCH n=77 block=13 gen=13 (check: lost)$' "$D/out"
check "... and the heartbeat stays clean: bad=0" \
	grep -q '^DSMIG-GUEST-BEAT n=77 .* bad=0 glitch=1$' "$D/out"
