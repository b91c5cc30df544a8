/*
 * KVM dirty-page logging for guest RAM (one memory slot with
 * KVM_MEM_LOG_DIRTY_PAGES). KVM's log is read-and-cleared by one ioctl, but
 * several consumers want it (statistics now, the migration engine later), so
 * every harvest ORs KVM's bitmap into each consumer's own accumulator; a
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
	DIRTY_NR_CONSUMERS,
};

struct dirty_log {
	int vm_fd;
	uint32_t slot;
	uint64_t nr_pages;
	uint64_t nr_words;               /* 64-bit words per bitmap */
	uint64_t *scratch;               /* KVM_GET_DIRTY_LOG target */
	uint64_t *acc[DIRTY_NR_CONSUMERS];
	pthread_mutex_t lock;
};

int dirty_log_init(struct dirty_log *d, int vm_fd, uint32_t slot,
		   uint64_t nr_pages);
void dirty_log_fini(struct dirty_log *d);

/* Record that the VMM itself wrote [gpa, gpa+len): KVM logs only the
 * guest's own writes, so every write the VMM makes into guest RAM (e.g. a
 * hypercall's results) must be marked here or a migration would miss it. */
void dirty_log_mark(struct dirty_log *d, uint64_t gpa, uint64_t len);

/* Pull KVM's log into every accumulator. Returns 0 or -errno. */
int dirty_log_harvest(struct dirty_log *d);

/* Harvest, then count (and clear) the consumer's accumulated pages.
 * Returns the count, or -errno. */
int64_t dirty_log_take_count(struct dirty_log *d, enum dirty_consumer who);

/* Harvest, then move the consumer's accumulated bitmap into dst (nr_words
 * words) and clear it. Returns the number of dirty pages, or -errno. */
int64_t dirty_log_take_bitmap(struct dirty_log *d, enum dirty_consumer who,
			      uint64_t *dst);

#endif /* DSMIG_VMM_DIRTY_LOG_H */
