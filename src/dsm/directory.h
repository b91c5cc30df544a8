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
#ifndef DSMIG_DSM_DIRECTORY_H
#define DSMIG_DSM_DIRECTORY_H

#include <stdint.h>

#define DIR_MAX_WINDOW 16
#define DIR_DEFAULT_WINDOW 3      /* K: rounds of history */
#define DIR_DEFAULT_THRESHOLD 2   /* hot: dirtied in >= 2 of the last 3 */

struct dsm_directory {
	uint64_t npages, nwords;
	unsigned window, threshold;
	unsigned rounds;              /* sync rounds recorded */
	uint16_t *history;            /* bit 0: the latest sync round */
	uint32_t *sent_round;         /* round + 1 it was last sent in; 0: never */
	uint64_t *valid;              /* bitmap: destination copy is current */
};

/* Returns 0, or -1 for a bad window/threshold (1 <= threshold <= window <=
 * DIR_MAX_WINDOW) or out of memory. Every page starts invalid. */
int dir_init(struct dsm_directory *d, uint64_t npages, unsigned window,
	     unsigned threshold);
void dir_free(struct dsm_directory *d);

/* A sync round found these pages dirty: shift them into the history and
 * invalidate their destination copies. */
void dir_record_dirty(struct dsm_directory *d, const uint64_t *dirty);

/* The pages in sent now have a valid destination copy, as of round. */
void dir_mark_sent(struct dsm_directory *d, const uint64_t *sent, unsigned round);

/* Dirty rounds among the last `window` (0..window). */
unsigned dir_heat(const struct dsm_directory *d, uint64_t pfn);
int dir_is_hot(const struct dsm_directory *d, uint64_t pfn);

/* Split the invalid pages: cold ones into send (the next round's set),
 * hot ones into hot (deferred to stop-and-copy); both bitmaps are
 * overwritten. Returns the number of cold pages; *nhot gets the hot count. */
uint64_t dir_select(const struct dsm_directory *d, uint64_t *send, uint64_t *hot,
		    uint64_t *nhot);

/* Every invalid page (the stop-and-copy set) into all. Returns the count. */
uint64_t dir_invalid(const struct dsm_directory *d, uint64_t *all);

#endif /* DSMIG_DSM_DIRECTORY_H */
