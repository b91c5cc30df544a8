/*
 * Loader for dsmig guest images: freestanding x86-64 ELF executables
 * (ET_EXEC) carrying a .note.dsmig of the ABI version we speak. Every field
 * of the file is distrusted: offsets, sizes and addresses are checked
 * against the file and against guest RAM before anything is copied.
 */
#ifndef DSMIG_VMM_ELF_LOADER_H
#define DSMIG_VMM_ELF_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

#define ELF_MAX_SEGMENTS 16

/* One loaded segment, for page permissions. */
struct elf_segment {
	uint64_t gpa, memsz;
	int writable;
};

struct elf_image {
	uint64_t entry;
	uint64_t end;                       /* first byte after the image */
	unsigned nr_segments;
	struct elf_segment seg[ELF_MAX_SEGMENTS];
};

/* Validate the image in buf[0..image_len) and copy its PT_LOAD segments into guest
 * RAM at [DSMIG_IMAGE_BASE, limit). Returns 0, or -1 with a human-readable
 * reason in why[len] ("not an ELF file", "segment 2 overlaps ...", ...). */
int elf_load(const void *buf, size_t image_len, struct guest_mem *mem,
	     uint64_t limit, struct elf_image *img, char *why,
	     size_t len);

#endif /* DSMIG_VMM_ELF_LOADER_H */
