/*
 * A sliding-window rate meter: feed it a growing byte counter with the time
 * of each reading, get back bits per second over (about) the last window.
 * Used by the console for the network probe's throughput; no allocation,
 * no clock of its own (the caller passes the time, so tests can too).
 */
#ifndef DSMIG_PROBES_RATE_H
#define DSMIG_PROBES_RATE_H

#include <stdint.h>

/* Readings kept; at 10 Hz a 1 s window needs 11, the rest is headroom for
 * faster callers (when full, the oldest reading goes and the window is
 * shorter than asked for). */
#define RATE_METER_SLOTS 64

struct rate_sample {
	uint64_t t_ns;
	uint64_t bytes;
};

struct rate_meter {
	uint64_t window_ns;
	unsigned first, count;          /* ring of readings, oldest first */
	struct rate_sample s[RATE_METER_SLOTS];
};

/* Start empty, averaging over window_ns (e.g. 1000000000 for 1 s). */
void rate_meter_init(struct rate_meter *m, uint64_t window_ns);

/* Record that the counter read `bytes` at `now_ns` (any monotonic clock)
 * and return the rate in bit/s between the oldest reading still in the
 * window and this one. The window keeps exactly one reading at or before
 * now_ns - window_ns, so the rate covers at least the window once there is
 * that much history, and the whole gap when readings are sparse. Returns 0
 * for the first reading. A counter that went backwards (a probe reopened)
 * or a clock that did not advance restarts the meter from this reading. */
double rate_meter_update(struct rate_meter *m, uint64_t bytes, uint64_t now_ns);

#endif /* DSMIG_PROBES_RATE_H */
