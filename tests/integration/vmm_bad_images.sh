#!/bin/bash
# Bad guest images: each gets a clear error and exit status 3, no crash.
. "$(dirname "$0")/lib.sh"
require_vms
d=$DSMIG_RUNTIME_DIR

# expect_image_error FILE PATTERN NAME
expect_image_error() {
	local err rc
	err=$("$VMM" run "$1" --name bad 2>&1 >/dev/null)
	rc=$?
	if [ "$rc" -eq 3 ] && grep -q "$2" <<<"$err"; then
		ok "$3"
	else
		not_ok "$3 (exit $rc: $err)"
	fi
}

head -c 4096 /dev/urandom >"$d/garbage.elf"
expect_image_error "$d/garbage.elf" "not an ELF file" "random bytes"
: >"$d/empty.elf"
expect_image_error "$d/empty.elf" "not an ELF file" "empty file"
head -c 100 "$GUESTS/test-hello.elf" >"$d/trunc-hdr.elf"
expect_image_error "$d/trunc-hdr.elf" "truncated" "image cut inside the program headers"
# Cut 16 bytes into the first loadable segment's file data.
off=$(readelf -lW "$GUESTS/test-hello.elf" | awk '$1 == "LOAD" { print $2; exit }')
head -c $((off + 16)) "$GUESTS/test-hello.elf" >"$d/trunc-data.elf"
expect_image_error "$d/trunc-data.elf" "beyond the end of the file" "image cut inside a segment"
expect_image_error /bin/true "not a static executable" "a dynamic Linux program"
expect_image_error /nonexistent/image.elf "No such file" "missing file"
expect_image_error /tmp "cannot read image" "a directory"

# A dsmig image whose ABI note says version 99.
printf '\006\000\000\000\004\000\000\000\001\155\163\144DSMIG\000\000\000\143\000\000\000' >"$d/note99"
objcopy --update-section .note.dsmig="$d/note99" "$GUESTS/test-hello.elf" "$d/abi99.elf"
expect_image_error "$d/abi99.elf" "guest ABI 99" "an image of another ABI version"
objcopy --remove-section .note.dsmig "$GUESTS/test-hello.elf" "$d/nonote.elf" 2>/dev/null
expect_image_error "$d/nonote.elf" "not a dsmig guest image" "an image without the dsmig note"
