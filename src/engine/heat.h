/*
 * Rank 0's page-heat map: the "heat" telemetry record (docs/telemetry.md)
 * of the dsm methods. Once per round, before its pages go, the map folds
 * the page directory's dirty history and the round's sets into at most
 * HEAT_MAX_CELLS cells (common/heat_codec.h) and writes one record; in
 * dsm-pull's post-copy it writes the pages the destination still lacks
 * and the cells it faulted on, at most every HEAT_POSTCOPY_MS. Fixed-size
 * arrays only: no allocation per round or per page.
 */
#ifndef DSMIG_ENGINE_HEAT_H
#define DSMIG_ENGINE_HEAT_H

#include <stdint.h>

#include "common/heat_codec.h"
#include "dsm/pagedir.h"
#include "engine/telemetry.h"

#define HEAT_POSTCOPY_MS 250

struct heat_map {
	int on;                          /* 0: a method without a page directory */
	uint64_t npages, ppc;
	unsigned cells, round;
	uint8_t level[HEAT_MAX_CELLS];   /* the latest round's dirty heat */
	char state[HEAT_MAX_CELLS + 1];
	uint64_t faulted[HEAT_MAX_CELLS / 64];   /* cells faulted since the last record */
	uint64_t last_ns;                /* post-copy: the last record (monotonic) */
};

/* Start a map of npages pages, on only if d is a page directory in use. */
void heat_map_init(struct heat_map *h, const struct pagedir *d, uint64_t npages);

/* Round `round` is about to send the pages of send; held (NULL: none) are
 * the hot pages held back. Writes one record. */
void heat_map_round(struct heat_map *h, struct telemetry *t, unsigned round,
		    const struct pagedir *d, const uint64_t *send, const uint64_t *held);

/* Post-copy: the destination asked for page pfn. */
void heat_map_fault(struct heat_map *h, uint64_t pfn);

/* Post-copy: missing are the pages not yet sent. Writes a record if
 * HEAT_POSTCOPY_MS passed since the last one, or if force. */
void heat_map_postcopy(struct heat_map *h, struct telemetry *t, const uint64_t *missing,
		       int force);

#endif /* DSMIG_ENGINE_HEAT_H */
