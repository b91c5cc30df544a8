/*
 * The guest's progress over the last second and a half: its workload's
 * progress counter (guest/dsmig_abi.h), sampled by the control thread
 * every PROGRESS_LOG_TICK_MS while the VM runs, and given out by
 * query-stats (progress_samples). A migration takes its baseline rate,
 * the rate it compares the guest's during and after with, from these
 * samples: from before it was asked for, instead of waiting for a window
 * of its own while mpirun starts (docs/control-protocol.md).
 *
 * Only the control thread touches a log: no lock.
 */
#ifndef DSMIG_VMM_PROGRESS_LOG_H
#define DSMIG_VMM_PROGRESS_LOG_H

#include <jansson.h>
#include <stdint.h>

#define PROGRESS_LOG_TICK_MS 100
#define PROGRESS_LOG_LEN     16      /* 1.5 s of ticks */

struct progress_log {
	uint64_t time_ns[PROGRESS_LOG_LEN];
	uint64_t progress[PROGRESS_LOG_LEN];
	unsigned next, n;               /* the next slot, how many are held */
};

/* A sample: the VMM's monotonic clock and the counter then. A counter
 * that went back (the workload started again) drops the older samples. */
void progress_log_add(struct progress_log *l, uint64_t time_ns, uint64_t progress);

/* Forget every sample (the VM stopped running, or keeps no counters). */
void progress_log_clear(struct progress_log *l);

/* The samples, oldest first, as [[time_ns, progress], ...]; NULL if out
 * of memory. */
json_t *progress_log_json(const struct progress_log *l);

#endif /* DSMIG_VMM_PROGRESS_LOG_H */
