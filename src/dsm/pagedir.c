/* The DSM page directory and the hot/cold selection (see pagedir.h). */
#include <stdlib.h>
#include <string.h>

#include "common/bitmap.h"
#include "dsm/pagedir.h"

int pagedir_init(struct pagedir *d, uint64_t npages, unsigned window,
	     unsigned threshold)
{
	memset(d, 0, sizeof(*d));
	if (threshold < 1 || threshold > window || window > PAGEDIR_MAX_WINDOW)
		return -1;
	d->npages = npages;
	d->nwords = bitmap_words(npages);
	d->window = window;
	d->threshold = threshold;
	d->history = calloc(npages, sizeof(*d->history));
	d->sent_round = calloc(npages, sizeof(*d->sent_round));
	d->valid = calloc(d->nwords, sizeof(*d->valid));
	if (!d->history || !d->sent_round || !d->valid) {
		pagedir_free(d);
		return -1;
	}
	return 0;
}

void pagedir_free(struct pagedir *d)
{
	free(d->history);
	free(d->sent_round);
	free(d->valid);
	memset(d, 0, sizeof(*d));
}

void pagedir_record_dirty(struct pagedir *d, const uint64_t *dirty)
{
	uint64_t p;

	for (p = 0; p < d->npages; p++)
		d->history[p] = (uint16_t)((d->history[p] << 1) | bitmap_test(dirty, p));
	for (p = 0; p < d->nwords; p++)
		d->valid[p] &= ~dirty[p];
	d->rounds++;
}

void pagedir_mark_sent(struct pagedir *d, const uint64_t *sent, unsigned round)
{
	uint64_t p;

	for (p = 0; p < d->nwords; p++)
		d->valid[p] |= sent[p];
	for (p = 0; p < d->npages; p++)
		if (bitmap_test(sent, p))
			d->sent_round[p] = round + 1;
}

unsigned pagedir_heat(const struct pagedir *d, uint64_t pfn)
{
	unsigned mask = (1u << d->window) - 1;

	return (unsigned)__builtin_popcount(d->history[pfn] & mask);
}

int pagedir_is_hot(const struct pagedir *d, uint64_t pfn)
{
	return pagedir_heat(d, pfn) >= d->threshold;
}

int pagedir_hot_if_dirty(const struct pagedir *d, uint64_t pfn)
{
	unsigned mask = (1u << d->window) - 1;

	return (unsigned)__builtin_popcount(((d->history[pfn] << 1) | 1u) & mask) >=
	       d->threshold;
}

uint64_t pagedir_select(const struct pagedir *d, uint64_t *send, uint64_t *hot,
		    uint64_t *nhot)
{
	uint64_t p, cold = 0;

	memset(send, 0, d->nwords * sizeof(*send));
	memset(hot, 0, d->nwords * sizeof(*hot));
	*nhot = 0;
	for (p = 0; p < d->npages; p++) {
		if (bitmap_test(d->valid, p))
			continue;
		if (pagedir_is_hot(d, p)) {
			bitmap_set(hot, p);
			(*nhot)++;
		} else {
			bitmap_set(send, p);
			cold++;
		}
	}
	return cold;
}

uint64_t pagedir_invalid(const struct pagedir *d, uint64_t *all)
{
	uint64_t p, n = 0;

	for (p = 0; p < d->nwords; p++) {
		all[p] = ~d->valid[p];
		if (p == d->nwords - 1 && d->npages % 64)
			all[p] &= (1ull << (d->npages % 64)) - 1;
		n += (uint64_t)__builtin_popcountll(all[p]);
	}
	return n;
}
