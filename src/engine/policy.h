/*
 * When to stop pre-copy: a callback over per-round statistics, as in
 * libxenguest's precopy_policy. Xen's rules (tools/libs/guest/xg_sr_save.c:
 * at most SPP_MAX_ITERATIONS rounds, stop below SPP_TARGET_DIRTY_COUNT dirty
 * pages; their values are the migration request's defaults, common/migreq.h),
 * plus one Xen does not have: stop when the guest dirties pages faster than
 * we send them (no convergence).
 */
#ifndef DSMIG_ENGINE_POLICY_H
#define DSMIG_ENGINE_POLICY_H

#include <stdint.h>

enum precopy_decision {
	PRECOPY_CONTINUE,
	PRECOPY_STOP_AND_COPY,
};

/* Why the policy stopped, for telemetry. */
enum precopy_stop_reason {
	STOP_NONE,
	STOP_MAX_ITERATIONS,
	STOP_FEW_DIRTY,
	STOP_NO_CONVERGENCE,
	STOP_ONLY_HOT_LEFT,
};

struct precopy_stats {
	unsigned iteration;        /* rounds completed (round 0 = the full copy) */
	uint64_t dirty_count;      /* pages the next round would send */
	uint64_t held;             /* pages held back for stop-and-copy (dsm) */
	double dirty_rate;         /* pages/s dirtied during the last round */
	double send_rate;          /* pages/s sent during the last round */
};

struct precopy_params {
	unsigned max_iterations;
	uint64_t target_dirty;
	int stop_on_no_convergence;
};

enum precopy_decision precopy_decide(const struct precopy_params *p,
				     const struct precopy_stats *s,
				     enum precopy_stop_reason *why);

const char *precopy_stop_reason_name(enum precopy_stop_reason r);

#endif /* DSMIG_ENGINE_POLICY_H */
