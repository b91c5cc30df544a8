/*
 * Before a migration is launched: what each method would cost (total
 * time, downtime, bytes), from what the VM's VMM measured of it
 * (query-footprint: its dirty rate, working set, hot pages, zero pages
 * and the encoded size of a sample of the rest) and the link's rate, run
 * through the engine's own estimate (engine/estimate.h) and stop policy.
 * The console's dialog shows it for every method and records the chosen
 * one in the migration's start record; `dsmig predict` prints it.
 */
#ifndef DSMIG_UI_PREDICT_H
#define DSMIG_UI_PREDICT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "common/migreq.h"
#include "engine/estimate.h"

/* query-footprint's answer (docs/control-protocol.md). */
struct vm_footprint {
	uint64_t mem_pages, zero_pages, sample_pages, sample_bytes;
	uint64_t ws_pages, hot_pages;
	double dirty_pps;           /* < 0: no window closed yet */
	double window_s;
	unsigned windows;
	int has_content;            /* zero_pages and the sample are known */
};

/* The fixed cost of a switch-over beyond its pages (the state, pause and
 * resume; with dsm-pull also arming post-copy), as measured here:
 * bench/results/estimate.md. */
#define PREDICT_SWITCH_S 0.010
#define PREDICT_POSTCOPY_SWITCH_S 0.030

/* Read query-footprint's answer into f; 0, or -1 if it is not one. */
int predict_footprint_json(json_t *ans, struct vm_footprint *f);

/* Predict r's migration (its method, cap and stop policy) of a VM with
 * footprint f. Returns 0, or -1 with why it cannot ("uncapped: no link
 * rate to predict from", "the VMM has measured under 3 seconds"). */
int predict_migration(const struct vm_footprint *f, const struct migreq *r,
		      struct estimate_before_out *out, char *why, size_t len);

#endif /* DSMIG_UI_PREDICT_H */
