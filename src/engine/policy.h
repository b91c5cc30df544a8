/*
 * When to stop pre-copy: a callback over per-round statistics, as in
 * libxenguest's precopy_policy. Xen's rules (tools/libs/guest/xg_sr_save.c:
 * at most SPP_MAX_ITERATIONS rounds, stop below SPP_TARGET_DIRTY_COUNT dirty
 * pages; their values are the migration request's defaults, common/migreq.h),
 * plus two Xen does not have: stop when the guest dirties pages faster than
 * we send them (no convergence), and QEMU's: stop when the pages left (the
 * held-back hot pages too) would
 * take at most downtime_target_ns to send at the last round's rate of
 * pages with data (zero pages cost next to nothing; counting them would
 * make round 0, which sends all of RAM, look fast).
 */
#ifndef DSMIG_ENGINE_POLICY_H
#define DSMIG_ENGINE_POLICY_H

#include <stdint.h>

#include "common/migreq.h"

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
	STOP_DOWNTIME_TARGET,
};

struct precopy_stats {
	unsigned iteration;        /* rounds completed (round 0 = the full copy) */
	uint64_t dirty_count;      /* pages the next round would send */
	uint64_t held;             /* pages held back for stop-and-copy (dsm) */
	double dirty_rate;         /* pages/s dirtied during the last round */
	double send_rate;          /* pages/s sent during the last round */
	double data_send_rate;     /* of which pages with data (not zero) */
};

struct precopy_params {
	unsigned max_iterations;
	uint64_t target_dirty;
	int stop_on_no_convergence;
	uint64_t downtime_target_ns;  /* 0: no such rule */
};

/* The policy a migration request asks for (the engine's, and the
 * console's prediction of it). */
struct precopy_params precopy_params_of(const struct migreq *r);

enum precopy_decision precopy_decide(const struct precopy_params *p,
				     const struct precopy_stats *s,
				     enum precopy_stop_reason *why);

const char *precopy_stop_reason_name(enum precopy_stop_reason r);

#endif /* DSMIG_ENGINE_POLICY_H */
