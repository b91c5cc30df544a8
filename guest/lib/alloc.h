/*
 * Bump allocator over the guest heap [boot_info->heap_start, heap_end).
 * Memory is never freed: workloads allocate their data once at start. Safe
 * to call from several vCPUs at once (one atomic cursor). The memory is
 * whatever guest RAM holds (zero on a fresh VM); callers initialise it.
 */
#ifndef DSMIG_GUEST_ALLOC_H
#define DSMIG_GUEST_ALLOC_H

#include <stddef.h>
#include <stdint.h>

/* Returns size bytes aligned to align (a power of two, at least 1), or NULL
 * when the heap is exhausted (the heap is left as it was). */
void *galloc(size_t size, size_t align);

/* galloc for setup code that cannot go on without the memory: on failure
 * prints "out of guest memory" naming what, and ends the VM with status 3. */
void *galloc_must(size_t size, size_t align, const char *what);

/* Bytes still free in the heap. */
size_t galloc_free(void);

#endif /* DSMIG_GUEST_ALLOC_H */
