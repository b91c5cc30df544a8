/*
 * A self-verifying memory region: npages pages whose contents are a pure
 * function of (seed, page index, generation). The generation of every page
 * lives in a table in guest memory, and so does a checksum of every page.
 *
 * A page is correct when (1) its bytes equal what regenerating it from
 * (seed, index, gen[index]) gives, and (2) sum[index] equals the hash of its
 * bytes. Each page is thus checkable on its own, and a lost, stale or torn
 * page write (e.g. a page a migration failed to resend) is caught: its
 * contents no longer match its generation, or its checksum.
 *
 * Word 0 of every page holds REGION_PAGE_TAG ^ index and word 1 its
 * generation, so a misplaced page is recognisable in a dump.
 *
 * Ownership: one vCPU owns a region and is the only one to rewrite or
 * verify it; there is no locking.
 */
#ifndef DSMIG_GUEST_REGION_H
#define DSMIG_GUEST_REGION_H

#include <stddef.h>
#include <stdint.h>

#define REGION_PAGE_TAG ((uint64_t)0x5245474e00000000) /* "REGN" */

struct region {
	const char *name;   /* for console messages */
	uint64_t seed;
	size_t npages;
	unsigned char *base; /* npages * DSMIG_PAGE_SIZE, page-aligned */
	uint64_t *gen;       /* generation of each page */
	uint64_t *sum;       /* checksum of each page */
	uint64_t rng;        /* picks pages for region_rewrite_random */
	uint64_t rewrites;   /* page rewrites so far */
};

/* Allocate bytes (rounded up to pages; at least one page) from the heap
 * and write every page at generation 0. Adds the pages to the counter
 * block's region_pages. Ends the VM (status 3) if the heap is too small. */
void region_init(struct region *r, const char *name, uint64_t bytes,
		 uint64_t seed);

/* Bump page's generation and regenerate it, then update its checksum. */
void region_rewrite(struct region *r, size_t page);

/* region_rewrite on n pages chosen at random. */
void region_rewrite_random(struct region *r, unsigned n);

/* For tests of the checking itself: flip bits in one word of page behind
 * the tables' back, as a lost or torn write would. */
void region_corrupt(struct region *r, size_t page);

/* Check one page; returns 1 if it is bad. With report != 0, prints one
 * console line describing what is wrong. */
int region_verify_page(const struct region *r, size_t page, int report);

/* Check every page, report the first bad one and the total on the console,
 * record the result with counters_selfcheck(). Returns the bad page count. */
size_t region_verify_all(const struct region *r);

#endif /* DSMIG_GUEST_REGION_H */
