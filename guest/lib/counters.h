/*
 * The workload counter block (struct dsmig_counters, dsmig_abi.h) and the
 * heartbeat ticker that keeps it fresh.
 *
 * There is one block per guest, guest_counters, in guest memory. vCPU 0
 * calls counters_init() once; the VMM then reads the block whenever it
 * reports statistics. Every field is updated with atomic 64-bit stores, so
 * any vCPU may update it and the VMM never sees a torn value.
 *
 * Heartbeat: each tick increments heartbeat, sets heartbeat_ns to the
 * guest monotonic time and folds the gap since that vCPU's previous tick
 * into max_gap_ns. A pause or a migration's downtime shows up as one long
 * gap (plus at most one tick period).
 */
#ifndef DSMIG_GUEST_COUNTERS_H
#define DSMIG_GUEST_COUNTERS_H

#include <stdint.h>
#include "dsmig_abi.h"

extern struct dsmig_counters guest_counters;

/* Fill in magic and workload name and register the block with the VMM.
 * Call once, from vCPU 0, before the first tick. */
void counters_init(const char *workload);

/* Count n more units of workload progress (any vCPU). */
void counters_progress(uint64_t n);

/* One heartbeat from vCPU vcpu at guest monotonic time now_ns. */
void counters_tick(unsigned vcpu, uint64_t now_ns);

/* Record the result of one full verification: a clean one adds 1 to
 * selfcheck_pass; bad_pages (if any) are added to selfcheck_fail. */
void counters_selfcheck(uint64_t bad_pages);

/* Count errors that are not pages (e.g. a bad HTTP response). */
void counters_fail(uint64_t n);

/* Add pages to region_pages (region_init does this for its region). */
void counters_add_region_pages(uint64_t n);

/* Atomic 64-bit read of a counter field, for summaries. */
static inline uint64_t counters_read(const uint64_t *field)
{
	return __atomic_load_n(field, __ATOMIC_RELAXED);
}

/*
 * A per-vCPU ticker: knows the time (t->now, refreshed only by hypercalls)
 * and ticks the heartbeat once per period while its vCPU sleeps or polls.
 * Hypercalls cost tens of microseconds, so CPU-bound code calls
 * ticker_update() every millisecond or so, not in inner loops.
 */
struct ticker {
	unsigned vcpu;
	uint64_t period_ns;
	uint64_t now;        /* guest monotonic ns at the last hypercall */
	uint64_t next_tick;  /* tick when now reaches this */
};

/* Read the clock and tick once. */
void ticker_init(struct ticker *t, unsigned vcpu, uint64_t period_ns);

/* Read the clock; tick if a period has passed. Returns t->now. */
uint64_t ticker_update(struct ticker *t);

/* For CPU-bound loops that run `*batch` units between clock reads: after
 * a batch that began at `before`, double or halve *batch so that a batch
 * takes about one tick period, whatever a unit costs. */
void ticker_pace(const struct ticker *t, uint64_t before, uint64_t *batch);

/* Sleep until deadline_ns, waking to tick once per period. The VMM may end
 * a sleep early (pause, migration); this loops on the returned time, so it
 * returns only when deadline_ns has passed. Returns t->now. */
uint64_t ticker_sleep_until(struct ticker *t, uint64_t deadline_ns);

/* For a vCPU that owns the NIC: as ticker_sleep_until, but returns early,
 * with *ready set (DSMIG_POLL_NET), as soon as a received frame waits
 * (DSMIG_HC_POLL). *ready is 0 when it returns because deadline_ns passed.
 * Returns t->now. */
uint64_t ticker_poll_until(struct ticker *t, uint64_t deadline_ns,
			   uint64_t *ready);

#endif /* DSMIG_GUEST_COUNTERS_H */
