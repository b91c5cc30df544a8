/*
 * What a migration of this VM would have to move, measured all the time
 * so that it can be predicted before one starts (docs/control-protocol.md,
 * query-footprint): the pages the guest dirtied in each of its last
 * FOOTPRINT_WINDOWS windows of at least a second (the dirty log's
 * DIRTY_RATE consumer), and what its memory costs on the wire (its zero
 * pages, and its other pages as the engine's page codec would encode a
 * sample of them in round 0).
 */
#ifndef DSMIG_VMM_FOOTPRINT_H
#define DSMIG_VMM_FOOTPRINT_H

#include <stdint.h>

#include "vmm/dirty_log.h"
#include "vmm/guest_mem.h"

/* The windows kept: the last three, as the dsm method's default page
 * history (a page dirtied in 2 of its last 3 rounds is hot). */
#define FOOTPRINT_WINDOWS 3
#define FOOTPRINT_HOT_THRESHOLD 2
#define FOOTPRINT_WINDOW_NS 1000000000ull

struct footprint {
	uint64_t nr_words;
	uint64_t *win[FOOTPRINT_WINDOWS];   /* closed windows' pages, a ring */
	uint64_t win_ns[FOOTPRINT_WINDOWS]; /* their lengths */
	unsigned head, closed;              /* next slot; windows closed, at
					       most FOOTPRINT_WINDOWS */
	uint64_t t0;                        /* the open window's start, 0:
					       none opened yet */
	/* The content scan, kept FOOTPRINT_CONTENT_NS (it reads all RAM). */
	uint64_t content_ns;                /* when it ran; 0: never */
	uint64_t zero_pages, sample_pages, sample_bytes;
};

/* What query-footprint answers. */
struct footprint_view {
	double dirty_pps;           /* the last window's pages per second; < 0: none */
	unsigned windows;           /* closed windows the next three count over */
	double window_s;            /* their mean length */
	uint64_t hot_pages;         /* dirtied in FOOTPRINT_HOT_THRESHOLD of them */
	uint64_t ws_pages;          /* dirtied in any of them */
	int has_content;            /* the scan's numbers below are known */
	uint64_t zero_pages;        /* all-zero pages of RAM */
	uint64_t sample_pages;      /* non-zero pages encoded as a sample */
	uint64_t sample_bytes;      /* ... their bytes on the wire, records
				       included */
	uint64_t content_age_ns;
};

/* 0 or -ENOMEM. */
int footprint_init(struct footprint *f, uint64_t nr_pages);
void footprint_fini(struct footprint *f);

/* Close the open window if it is FOOTPRINT_WINDOW_NS old, taking its
 * pages from d's DIRTY_RATE consumer; the first call opens one. 0 or
 * -errno. */
int footprint_update(struct footprint *f, struct dirty_log *d, uint64_t now);

/* The last closed window's rate, pages per second; < 0 before one closed. */
double footprint_dirty_pps(const struct footprint *f);

/* Fill v from the windows; scan mem (nr_pages pages) for its content when
 * scan is set and the last scan is older than FOOTPRINT_CONTENT_NS, else
 * report the last scan (has_content 0 if none). Only scan RAM the VMM
 * may read without waiting: not a post-copy destination's. */
void footprint_read(struct footprint *f, const struct guest_mem *mem, int scan,
		    uint64_t now, struct footprint_view *v);

#endif /* DSMIG_VMM_FOOTPRINT_H */
