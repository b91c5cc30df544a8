/*
 * The DSM's hold-back store for a stream it does not choose the pages of
 * (a Xen migration stream: libxenguest picks each round's pages). Pages
 * arrive one by one, round by round; a page that would be hot with this
 * round's dirtying (pagedir.h: dirtied in at least `threshold` of the
 * last `window` rounds) is kept here, its older kept copy replaced, and
 * all kept pages go out once, at stop-and-copy. A page that goes out now
 * drops its kept copy, which is older. The store is bounded: past
 * cap_pages it keeps nothing more and the page goes now.
 * Rounds are the dirty rounds: the full first copy is not one, and is
 * not offered.
 */
#ifndef DSMIG_DSM_HOLDBACK_H
#define DSMIG_DSM_HOLDBACK_H

#include <stdint.h>

#include "dsm/pagedir.h"

#define HOLDBACK_PAGE_SIZE 4096u

struct holdback {
	struct pagedir dir;
	uint64_t *seen;             /* bitmap: pages seen this round */
	uint32_t *slot_of;          /* per page: its slot + 1, or 0 */
	uint64_t *word;             /* per slot: the caller's word (pfn, type) */
	uint64_t *pfn_of;           /* per slot: its page, or UINT64_MAX if free */
	uint8_t *data;              /* per slot: the page */
	uint32_t *free_slots, nfree;
	uint32_t cap, held;
	uint64_t npages;
};

/* Returns 0, or -1 (bad window/threshold, out of memory). */
int holdback_init(struct holdback *h, uint64_t npages, unsigned window,
		  unsigned threshold, uint32_t cap_pages);
void holdback_free(struct holdback *h);

/* Page pfn (pfn < npages) of the current round, with the caller's word
 * and its data. may_hold: 0 to never keep it (the first round, the final
 * one). Returns 1 if it is kept (data copied), 0 if it must go now. */
int holdback_offer(struct holdback *h, uint64_t pfn, uint64_t word,
		   const uint8_t *data, int may_hold);

/* The round ended: its pages enter the dirty history. */
void holdback_round_end(struct holdback *h);

/* Take up to max kept pages out, lowest pfn first: their words and data
 * pointers (valid until the next call that changes the store). Returns
 * how many were taken; they are no longer kept. */
uint32_t holdback_take(struct holdback *h, uint64_t *words, const uint8_t **data,
		       uint32_t max);

#endif /* DSMIG_DSM_HOLDBACK_H */
