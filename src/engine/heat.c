/* Rank 0's page-heat map records (see heat.h). */
#include <string.h>

#include "common/bitmap.h"
#include "common/log.h"
#include "engine/heat.h"

void heat_map_init(struct heat_map *h, const struct pagedir *d, uint64_t npages)
{
	memset(h, 0, sizeof(*h));
	h->on = d->history != NULL && npages > 0;
	h->npages = npages;
	h->cells = heat_geometry(npages, &h->ppc);
}

/* Set a cell's state unless it has one of higher priority (HEAT_STATES). */
static void mark(struct heat_map *h, unsigned cell, char st)
{
	static const char order[] = HEAT_STATES;

	if (strchr(order, st) < strchr(order, h->state[cell]))
		h->state[cell] = st;
}

static void clear_states(struct heat_map *h)
{
	memset(h->state, HEAT_DONE, h->cells);
	h->state[h->cells] = '\0';
}

/* Write the record: the map's levels and states and the counts given. */
static void emit(struct heat_map *h, struct telemetry *t, uint64_t held,
		 uint64_t to_send, uint64_t missing)
{
	char dirty[HEAT_MAX_CELLS + 1];
	json_t *faults = json_array(), *f;
	unsigned c;

	if (!faults)
		return;
	for (c = 0; c < h->cells && json_array_size(faults) < HEAT_MAX_FAULTS; c++)
		if (bitmap_test(h->faulted, c) && json_array_append_new(faults, json_integer(c)))
			break;
	memset(h->faulted, 0, sizeof(h->faulted));
	heat_hex_encode(h->level, h->cells, dirty);
	f = json_pack("{s:i, s:i, s:I, s:s, s:s, s:I, s:I, s:I, s:o}",
		      "round", (int)h->round, "cells", (int)h->cells,
		      "pages_per_cell", (json_int_t)h->ppc, "dirty", dirty, "state", h->state,
		      "held_pages", (json_int_t)held, "to_send_pages", (json_int_t)to_send,
		      "missing_pages", (json_int_t)missing, "faults", faults);
	if (!f) {
		log_warn("heat map: cannot build the record of round %u", h->round);
		return;
	}
	telemetry_emit(t, "heat", f);
}

void heat_map_round(struct heat_map *h, struct telemetry *t, unsigned round,
		    const struct pagedir *d, const uint64_t *send, const uint64_t *held)
{
	uint64_t pfn, sum = 0, nheld = 0, nsend = 0;

	if (!h->on)
		return;
	h->round = round;
	clear_states(h);
	for (pfn = 0; pfn < h->npages; pfn++) {
		unsigned cell = (unsigned)(pfn / h->ppc);

		sum += pagedir_heat(d, pfn);
		if (held && bitmap_test(held, pfn)) {
			nheld++;
			mark(h, cell, HEAT_HELD);
		} else if (bitmap_test(send, pfn)) {
			nsend++;
			mark(h, cell, HEAT_TO_SEND);
		}
		if (pfn + 1 == h->npages || (pfn + 1) % h->ppc == 0) {
			h->level[cell] = heat_level(sum, pfn % h->ppc + 1, d->window);
			sum = 0;
		}
	}
	emit(h, t, nheld, nsend, 0);
}

void heat_map_fault(struct heat_map *h, uint64_t pfn)
{
	if (h->on && pfn < h->npages)
		bitmap_set(h->faulted, pfn / h->ppc);
}

void heat_map_postcopy(struct heat_map *h, struct telemetry *t, const uint64_t *missing,
		       int force)
{
	uint64_t pfn, n = 0, now = time_mono_ns();

	if (!h->on || (!force && now - h->last_ns < HEAT_POSTCOPY_MS * 1000000ull))
		return;
	h->last_ns = now;
	clear_states(h);
	for (pfn = 0; pfn < h->npages; pfn++)
		if (bitmap_test(missing, pfn)) {
			n++;
			mark(h, (unsigned)(pfn / h->ppc), HEAT_MISSING);
		}
	emit(h, t, 0, 0, n);
}
