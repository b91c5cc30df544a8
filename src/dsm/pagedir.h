/*
 * The DSM page directory: one entry per guest page with its dirty history
 * over the last K sync rounds, its heat (how many of those rounds dirtied
 * it), the round it was last sent in, and whether the destination's copy
 * is valid. The paper's locality-aware selection lives here: a page
 * dirtied in at least `threshold` of the last `window` rounds is hot and
 * is held back to stop-and-copy; the rest is cold and is sent now.
 * Plain functions over bitmaps (one bit per page, 64-bit words), so that
 * they can be tested on synthetic dirty traces.
 */
#ifndef DSMIG_DSM_PAGEDIR_H
#define DSMIG_DSM_PAGEDIR_H

#include <stdint.h>

/* Page ownership: ranks of one side split guest RAM block-cyclically in
 * chunks of this many pages, page p going to the ((p / 64) mod N)-th of
 * N ranks (the engine's senders; the DSM benchmark's home ranks). */
#define PAGEDIR_CHUNK_PAGES 64u

/* The index (0 .. n-1) of the rank of n that owns page pfn. */
static inline uint64_t pagedir_owner(uint64_t pfn, uint64_t n)
{
	return (pfn / PAGEDIR_CHUNK_PAGES) % n;
}

#define PAGEDIR_MAX_WINDOW 16

struct pagedir {
	uint64_t npages, nwords;
	unsigned window, threshold;
	unsigned rounds;              /* sync rounds recorded */
	uint16_t *history;            /* bit 0: the latest sync round */
	uint32_t *sent_round;         /* round + 1 it was last sent in; 0: never */
	uint64_t *valid;              /* bitmap: destination copy is current */
};

/* Returns 0, or -1 for a bad window/threshold (1 <= threshold <= window <=
 * PAGEDIR_MAX_WINDOW) or out of memory. Every page starts invalid. */
int pagedir_init(struct pagedir *d, uint64_t npages, unsigned window,
	     unsigned threshold);
void pagedir_free(struct pagedir *d);

/* A sync round found these pages dirty: shift them into the history and
 * invalidate their destination copies. */
void pagedir_record_dirty(struct pagedir *d, const uint64_t *dirty);

/* The pages in sent now have a valid destination copy, as of round. */
void pagedir_mark_sent(struct pagedir *d, const uint64_t *sent, unsigned round);

/* Dirty rounds among the last `window` (0..window). */
unsigned pagedir_heat(const struct pagedir *d, uint64_t pfn);
int pagedir_is_hot(const struct pagedir *d, uint64_t pfn);
/* Would pfn be hot if the sync round being recorded next dirtied it? For
 * callers that see a round's pages one by one (a Xen stream) and decide
 * before the round's whole set is known. */
int pagedir_hot_if_dirty(const struct pagedir *d, uint64_t pfn);

/* Split the invalid pages: cold ones into send (the next round's set),
 * hot ones into hot (deferred to stop-and-copy); both bitmaps are
 * overwritten. Returns the number of cold pages; *nhot gets the hot count. */
uint64_t pagedir_select(const struct pagedir *d, uint64_t *send, uint64_t *hot,
		    uint64_t *nhot);

/* Every invalid page (the stop-and-copy set) into all. Returns the count. */
uint64_t pagedir_invalid(const struct pagedir *d, uint64_t *all);

#endif /* DSMIG_DSM_PAGEDIR_H */
