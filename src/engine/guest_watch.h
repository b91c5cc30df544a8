/*
 * What the guest lives through during a migration, judged from its
 * counter block as the engine samples it (hv_stats): the longest time its
 * heartbeat stood still (the "stale" heartbeat: guest clock minus the last
 * tick's time, at each sample) and the degraded time (how long its
 * progress rate, over a trailing window, stayed below half the rate
 * before the migration). Pure arithmetic over snapshots; no I/O, no
 * threads. Rank 0 feeds the source's samples up to the pause, adds the
 * downtime as a stop, then feeds the destination's samples (their host
 * clock is another one: guest_watch_stop restarts the window).
 */
#ifndef DSMIG_ENGINE_GUEST_WATCH_H
#define DSMIG_ENGINE_GUEST_WATCH_H

#include <stdint.h>

#include "hv/hv.h"

#define GUEST_WATCH_RING 256
#define GUEST_WATCH_WINDOW_MIN_NS 100000000ull    /* 100 ms */
#define GUEST_WATCH_WINDOW_MAX_NS 1000000000ull   /* 1 s */
/* Units of progress the window should hold at the rate before. */
#define GUEST_WATCH_WINDOW_UNITS 20

struct guest_watch_point {
	uint64_t t_ns;          /* host monotonic time of the snapshot */
	uint64_t progress;
};

struct guest_watch {
	double rate_before;     /* progress per second before; <= 0: unknown */
	uint64_t window_ns;     /* the trailing window the rate is taken over */
	struct guest_watch_point ring[GUEST_WATCH_RING];
	unsigned head, count;   /* ring[head] is the next slot */
	uint64_t degraded_ns;
	uint64_t stale_max_ns;  /* longest heartbeat standstill seen */
};

/* Start watching a guest whose rate before the migration was rate_before
 * (units of progress per second; <= 0 if unknown: no degraded time). */
void guest_watch_init(struct guest_watch *w, double rate_before);

/* One snapshot of a running guest. Snapshots without counters are
 * ignored; time must not go backwards within one host's run. */
void guest_watch_sample(struct guest_watch *w, const struct hv_stats *st);

/* The guest was stopped for stop_ns (the switch-over: paused on the
 * source to running on the destination): all of it is degraded; the
 * next samples come from another host's clock. */
void guest_watch_stop(struct guest_watch *w, uint64_t stop_ns);

/* Is a degraded time known (a rate before, and a window's worth of
 * samples seen)? */
int guest_watch_has_degraded(const struct guest_watch *w);

#endif /* DSMIG_ENGINE_GUEST_WATCH_H */
