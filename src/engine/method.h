/*
 * Migration methods: what each pre-copy round sends, and what is left for
 * stop-and-copy. One ops table per method; source.c calls it round by
 * round and knows nothing of hot pages.
 *
 *   precopy  Xen's: every page dirtied during a round is sent in the next.
 *   dsm      the paper's: a page directory tracks each page's dirty history;
 *            hot pages (dirtied in most of the last K rounds) are held back
 *            and sent once, in stop-and-copy; the vCPU and device state go
 *            first in the final phase.
 *   dsm-pull dsm's rounds, but no stop-and-copy of pages: the destination
 *            resumes after the state and fetches what it lacks on demand
 *            while the rest is pushed: the pages after each fault, then hot
 *            pages first (postcopy.h).
 */
#ifndef DSMIG_ENGINE_METHOD_H
#define DSMIG_ENGINE_METHOD_H

#include <stdint.h>

#include "dsm/pagedir.h"

struct method_ctx {
	uint64_t npages, nwords;
	uint64_t *pending;          /* precopy: the set chosen but not yet sent;
				       dsm: the hot pages held back */
	struct pagedir dir;   /* dsm */
};

struct method {
	const char *name;
	int state_first;            /* send vCPU/device state before the final pages */
	int postcopy;               /* the final set is pulled after resume */
	int halfway_sync;           /* round 0 (all RAM) syncs dirty pages at
				       its middle too: two looks at the pages
				       the guest rewrites within one round */

	/* Set up for npages pages; window/threshold are the dsm heat
	 * parameters. Returns 0 or -1. */
	int (*init)(struct method_ctx *m, uint64_t npages, unsigned window,
		    unsigned threshold);
	/* The pages in set went to the destination in round `round`. */
	void (*sent)(struct method_ctx *m, const uint64_t *set, unsigned round);
	/* The sync after a round found dirty pages dirty, and one halfway
	 * through it found halfway (NULL if there was none). Write the next
	 * round's set into set and return its size; *held is the number of
	 * pages the method holds back for stop-and-copy. */
	uint64_t (*next)(struct method_ctx *m, const uint64_t *halfway, const uint64_t *dirty,
			 uint64_t *set, uint64_t *held);
	/* The source is paused and dirty is its last sync. Write the
	 * stop-and-copy set and return its size. */
	uint64_t (*final)(struct method_ctx *m, const uint64_t *dirty, uint64_t *set);
	/* Post-copy methods: write the pages of set into order, in the order
	 * to push them, and return their number. */
	uint64_t (*push_order)(struct method_ctx *m, const uint64_t *set, uint64_t *order);
	void (*fini)(struct method_ctx *m);
};

/* The method called name, or NULL. */
const struct method *method_find(const char *name);

#endif /* DSMIG_ENGINE_METHOD_H */
