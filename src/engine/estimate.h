/*
 * What is left of a pre-copy migration, re-predicted after every round
 * from what that round measured (bytes per page, pages sent and dirtied
 * per second): the rounds the stop policy (policy.h) would still run,
 * the bytes they and the final round would send, when the destination
 * would run, the downtime that final round would cost, and the downtime
 * if the source were paused now. The engine's "estimate" telemetry
 * (docs/telemetry.md) and the progress that `dsmig migrate` and the
 * console show (percent of the predicted final bytes, never backwards).
 */
#ifndef DSMIG_ENGINE_ESTIMATE_H
#define DSMIG_ENGINE_ESTIMATE_H

#include <stdint.h>

#include "engine/policy.h"

struct estimate_in {
	uint64_t bytes_done;        /* the rounds' bytes so far */
	unsigned iteration;         /* rounds completed */
	uint64_t next_pages;        /* pages the next round would send */
	uint64_t held;              /* pages held back for the final round (dsm) */
	double bytes_per_page;      /* as the last round sent its non-zero pages
				       (codecs included) */
	double send_pps;            /* pages/s a later round sends (the link's
				       byte rate over bytes_per_page) */
	double dirty_pps;           /* distinct pages/s dirtied during it */
	double dirty_pps_1s;        /* ... over the VMM's last second (0: unknown) */
	uint64_t working_set;       /* the most pages a round has had to send
				       (not counting the held ones) */
	double ws_span_s;           /* > 1: instead, working_set is the distinct
				       pages dirtied over this many seconds,
				       and a round of d seconds dirties what
				       the line through (1 s, dirty_pps_1s)
				       and (ws_span_s, working_set) gives */
	uint64_t max_pages;         /* ... at most (guest RAM); 0: no bound */
	int postcopy;               /* the final set is pulled after the resume */
};

struct estimate_out {
	uint64_t final_bytes;       /* the rounds' bytes at the end */
	unsigned rounds;            /* rounds in all, the final one included */
	double until_resume_s;      /* from now until the destination runs */
	double downtime_s;          /* the final round's transfer (0: post-copy) */
	double downtime_now_s;      /* the same if the source paused now */
};

/* Fills out; returns 0, or -1 (out untouched) if the last round measured
 * nothing to predict from (no pages or no time). */
int estimate_precopy(const struct precopy_params *p, const struct estimate_in *in,
		     struct estimate_out *out);

/* Before a migration starts: what the VMM measured of the guest
 * (query-footprint, docs/control-protocol.md) and the link. */
struct estimate_before_in {
	uint64_t mem_pages, zero_pages;
	double page_bytes;          /* a non-zero page on the wire in round 0
				       (the sample's mean, its record included) */
	double zero_bytes;          /* a zero page (its record) */
	double dirty_pps;           /* distinct pages dirtied in a second */
	uint64_t ws_pages;          /* ... in span_s seconds */
	double span_s;
	uint64_t hot_pages;         /* dirtied in 2 of 3 seconds: what dsm
				       would hold back */
	double link_Bps;            /* bytes per second the engine may send */
	int dsm;                    /* the method holds hot pages back */
	int postcopy;               /* ... and pulls them after the resume */
	double switch_s;            /* the switch-over's own cost (state,
				       pause, resume), beyond the pages */
};

struct estimate_before_out {
	double total_s;             /* start to the destination complete */
	double downtime_s;          /* source paused to destination running */
	uint64_t bytes;             /* pages, rounds and post-copy */
	unsigned rounds;
};

/* Predict a whole migration; 0, or -1 (out untouched) without a link
 * rate or a page cost to predict from. */
int estimate_before(const struct precopy_params *p, const struct estimate_before_in *in,
		    struct estimate_before_out *out);

/* The progress to show: percent of the predicted final bytes, held at
 * least at the last value shown (prev) and below 100 until done. */
double estimate_percent(double prev, uint64_t bytes_done, uint64_t final_bytes);

#endif /* DSMIG_ENGINE_ESTIMATE_H */
