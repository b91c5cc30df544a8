/*
 * Guest RAM: one memfd mapped into the VMM, starting at guest-physical 0.
 * Other processes on the host (engine ranks) map the same memfd.
 *
 * gmem_ptr() is the ONLY way VMM code turns a guest-supplied address into a
 * pointer: it checks [gpa, gpa+len) against RAM with overflow-safe
 * arithmetic and returns NULL when any byte falls outside.
 */
#ifndef DSMIG_VMM_GUEST_MEM_H
#define DSMIG_VMM_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define GMEM_MIN_SIZE (4ull << 20)
#define GMEM_MAX_SIZE (3ull << 30)  /* hypercall args carry 32-bit GPAs */

struct guest_mem {
	int fd;           /* the memfd */
	uint8_t *base;    /* VMM mapping of all of RAM */
	uint64_t size;    /* bytes, a multiple of the page size */
};

/* Create and map size bytes of zeroed RAM. Returns 0 or -errno (-EINVAL for a
 * size outside [GMEM_MIN_SIZE, GMEM_MAX_SIZE] or not page-aligned). */
int gmem_create(struct guest_mem *m, uint64_t size, const char *name);

void gmem_destroy(struct guest_mem *m);

/* Pointer to [gpa, gpa+len) or NULL if any of it lies outside RAM.
 * len 0 is valid for any gpa <= size. */
void *gmem_ptr(const struct guest_mem *m, uint64_t gpa, uint64_t len);

#endif /* DSMIG_VMM_GUEST_MEM_H */
