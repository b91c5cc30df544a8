/* The DSM's hold-back store for pages chosen by someone else (holdback.h). */
#include <stdlib.h>
#include <string.h>

#include "common/bitmap.h"
#include "dsm/holdback.h"

int holdback_init(struct holdback *h, uint64_t npages, unsigned window,
		  unsigned threshold, uint32_t cap_pages)
{
	uint32_t i;

	memset(h, 0, sizeof(*h));
	if (pagedir_init(&h->dir, npages, window, threshold))
		return -1;
	h->npages = npages;
	h->cap = cap_pages;
	h->seen = calloc(bitmap_words(npages), sizeof(uint64_t));
	h->slot_of = calloc(npages, sizeof(uint32_t));
	h->word = calloc(cap_pages ? cap_pages : 1, sizeof(uint64_t));
	h->pfn_of = calloc(cap_pages ? cap_pages : 1, sizeof(uint64_t));
	h->free_slots = calloc(cap_pages ? cap_pages : 1, sizeof(uint32_t));
	h->data = malloc((size_t)(cap_pages ? cap_pages : 1) * HOLDBACK_PAGE_SIZE);
	if (!h->seen || !h->slot_of || !h->word || !h->pfn_of || !h->free_slots || !h->data) {
		holdback_free(h);
		return -1;
	}
	for (i = 0; i < cap_pages; i++) {
		h->free_slots[i] = cap_pages - 1 - i;
		h->pfn_of[i] = UINT64_MAX;
	}
	h->nfree = cap_pages;
	return 0;
}

void holdback_free(struct holdback *h)
{
	pagedir_free(&h->dir);
	free(h->seen);
	free(h->slot_of);
	free(h->word);
	free(h->pfn_of);
	free(h->free_slots);
	free(h->data);
	memset(h, 0, sizeof(*h));
}

static void release(struct holdback *h, uint64_t pfn)
{
	uint32_t s = h->slot_of[pfn] - 1;

	h->slot_of[pfn] = 0;
	h->pfn_of[s] = UINT64_MAX;
	h->free_slots[h->nfree++] = s;
	h->held--;
}

int holdback_offer(struct holdback *h, uint64_t pfn, uint64_t word,
		   const uint8_t *data, int may_hold)
{
	uint32_t s;

	bitmap_set(h->seen, pfn);
	if (!may_hold || !pagedir_hot_if_dirty(&h->dir, pfn) ||
	    (!h->slot_of[pfn] && !h->nfree)) {
		if (h->slot_of[pfn])
			release(h, pfn);
		return 0;
	}
	if (!h->slot_of[pfn]) {
		s = h->free_slots[--h->nfree];
		h->slot_of[pfn] = s + 1;
		h->pfn_of[s] = pfn;
		h->held++;
	}
	s = h->slot_of[pfn] - 1;
	h->word[s] = word;
	memcpy(h->data + (size_t)s * HOLDBACK_PAGE_SIZE, data, HOLDBACK_PAGE_SIZE);
	return 1;
}

void holdback_round_end(struct holdback *h)
{
	pagedir_record_dirty(&h->dir, h->seen);
	memset(h->seen, 0, bitmap_words(h->npages) * sizeof(uint64_t));
}

static int by_pfn(const void *a, const void *b, void *arg)
{
	const uint64_t *pfn_of = arg;
	uint64_t x = pfn_of[*(const uint32_t *)a], y = pfn_of[*(const uint32_t *)b];

	return x < y ? -1 : x > y;
}

uint32_t holdback_take(struct holdback *h, uint64_t *words, const uint8_t **data,
		       uint32_t max)
{
	uint32_t s, n = 0, i, *order;

	if (!h->held || !max)
		return 0;
	order = malloc(h->held * sizeof(*order));
	if (!order)
		return 0;
	for (s = 0; s < h->cap; s++)
		if (h->pfn_of[s] != UINT64_MAX)
			order[n++] = s;
	qsort_r(order, n, sizeof(*order), by_pfn, h->pfn_of);
	if (n > max)
		n = max;
	for (i = 0; i < n; i++) {
		s = order[i];
		words[i] = h->word[s];
		data[i] = h->data + (size_t)s * HOLDBACK_PAGE_SIZE;
		release(h, h->pfn_of[s]);
	}
	free(order);
	return n;
}
