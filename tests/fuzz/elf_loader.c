/*
 * Fuzzing the guest image loader (src/vmm/elf_loader.c): the bytes are an
 * ELF file given to dsmig-vmm run. It is loaded into a 4 MiB guest RAM
 * (a memfd, no KVM needed); an image that loads must lie where the
 * loader promises: every segment inside [DSMIG_IMAGE_BASE, limit).
 */
#include <errno.h>

#include "dsmig_abi.h"
#include "fuzz.h"
#include "vmm/elf_loader.h"

#define RAM (4u << 20)

static struct guest_mem mem;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int rc = gmem_create(&mem, RAM, "fuzz-elf");

	if (rc) {
		errno = -rc;
		fuzz_die("gmem_create");
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_image img;
	char why[256];
	unsigned i;

	if (elf_load(data, size, &mem, RAM, &img, why, sizeof(why)))
		return 0;
	if (img.nr_segments > ELF_MAX_SEGMENTS || img.end > RAM)
		abort();
	for (i = 0; i < img.nr_segments; i++)
		if (img.seg[i].gpa < DSMIG_IMAGE_BASE || img.seg[i].gpa > RAM ||
		    img.seg[i].memsz > RAM - img.seg[i].gpa)
			abort();
	return 0;
}
