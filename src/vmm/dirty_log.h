/*
 * Dirty-page logging for guest RAM. The accelerator keeps the log (KVM's
 * dirty log of its memory slot; write-protection of the ptrace vCPUs'
 * mappings) and gives it away read-and-cleared in one call, but several
 * consumers want it (statistics, the migration engine), so every harvest
 * ORs the accelerator's pages into each consumer's own accumulator; a
 * consumer takes (reads and clears) only its own.
 */
#ifndef DSMIG_VMM_DIRTY_LOG_H
#define DSMIG_VMM_DIRTY_LOG_H

#include <pthread.h>
#include <stdint.h>

#include "common/bitmap.h"

enum dirty_consumer {
	DIRTY_STATS,      /* query-stats: pages dirtied since the last query */
	DIRTY_MIGRATION,  /* dirty-sync: pages dirtied since the last sync */
	DIRTY_RATE,       /* query-stats' dirty_pps: pages dirtied in a
			     window of at least a second */
	DIRTY_NR_CONSUMERS,
};

/* OR the pages written since the last call into bitmap (nr_words words,
 * zeroed by the caller) and start over: 0 or -errno. */
typedef int (*dirty_fetch_fn)(void *opaque, uint64_t *bitmap);

/* Every harvest write-protects what the guest wrote since the last one, so
 * that it faults once on each such page it writes next: about 3 us a page
 * on our nested KVM, 25 ms for a guest that rewrites 32 MiB at full speed.
 * So the statistics' consumers take what the last harvest saw if it is at
 * most this old, and do not harvest again for themselves; the migration
 * always harvests (it must have every page written before its call). */
#define DIRTY_STATS_MAX_AGE_NS 1000000000ull

struct dirty_log {
	dirty_fetch_fn fetch;            /* NULL: only dirty_log_mark's pages */
	uint64_t harvested_ns;           /* time_mono_ns() of the last harvest */
	void *opaque;
	uint64_t nr_pages;
	uint64_t nr_words;               /* 64-bit words per bitmap */
	uint64_t *scratch;               /* fetch target */
	uint64_t *acc[DIRTY_NR_CONSUMERS];
	pthread_mutex_t lock;
};

int dirty_log_init(struct dirty_log *d, uint64_t nr_pages, dirty_fetch_fn fetch,
		   void *opaque);
void dirty_log_fini(struct dirty_log *d);

/* Record that the VMM itself wrote [gpa, gpa+len): accelerators log only
 * the guest's own writes, so every write the VMM makes into guest RAM (e.g. a
 * hypercall's results) must be marked here or a migration would miss it. */
void dirty_log_mark(struct dirty_log *d, uint64_t gpa, uint64_t len);

/* Pull the accelerator's log into every accumulator. Returns 0 or -errno. */
int dirty_log_harvest(struct dirty_log *d);

/* Harvest (for DIRTY_STATS and DIRTY_RATE only if the last harvest is
 * older than DIRTY_STATS_MAX_AGE_NS), then count (and clear) the
 * consumer's accumulated pages. Returns the count, or -errno. */
int64_t dirty_log_take_count(struct dirty_log *d, enum dirty_consumer who);

/* Harvest as dirty_log_take_count, then move the consumer's accumulated
 * bitmap into dst (nr_words words) and clear it. Returns the number of
 * dirty pages, or -errno. */
int64_t dirty_log_take_bitmap(struct dirty_log *d, enum dirty_consumer who,
			      uint64_t *dst);

#endif /* DSMIG_VMM_DIRTY_LOG_H */
