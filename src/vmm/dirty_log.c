/* The dirty log's per-consumer accumulators (see dirty_log.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/bitmap.h"
#include "common/log.h"
#include "vmm/dirty_log.h"

/* How old a harvest each consumer accepts (dirty_log.h). */
static const uint64_t max_age_ns[DIRTY_NR_CONSUMERS] = {
	[DIRTY_STATS] = DIRTY_STATS_MAX_AGE_NS,
	[DIRTY_MIGRATION] = 0,
	[DIRTY_RATE] = DIRTY_STATS_MAX_AGE_NS,
};

int dirty_log_init(struct dirty_log *d, uint64_t nr_pages, dirty_fetch_fn fetch,
		   void *opaque)
{
	unsigned i;

	memset(d, 0, sizeof(*d));
	d->fetch = fetch;
	d->opaque = opaque;
	d->nr_pages = nr_pages;
	d->nr_words = bitmap_words(nr_pages);
	d->scratch = calloc(d->nr_words, sizeof(uint64_t));
	if (!d->scratch)
		goto nomem;
	for (i = 0; i < DIRTY_NR_CONSUMERS; i++) {
		d->acc[i] = calloc(d->nr_words, sizeof(uint64_t));
		if (!d->acc[i])
			goto nomem;
	}
	pthread_mutex_init(&d->lock, NULL);
	return 0;
nomem:
	dirty_log_fini(d);
	return -ENOMEM;
}

void dirty_log_fini(struct dirty_log *d)
{
	unsigned i;

	free(d->scratch);
	for (i = 0; i < DIRTY_NR_CONSUMERS; i++)
		free(d->acc[i]);
	memset(d, 0, sizeof(*d));
}

void dirty_log_mark(struct dirty_log *d, uint64_t gpa, uint64_t len)
{
	uint64_t pfn, last;
	unsigned i;

	if (!len)
		return;
	last = (gpa + len - 1) / 4096;
	pthread_mutex_lock(&d->lock);
	for (pfn = gpa / 4096; pfn <= last && pfn < d->nr_pages; pfn++)
		for (i = 0; i < DIRTY_NR_CONSUMERS; i++)
			bitmap_set(d->acc[i], pfn);
	pthread_mutex_unlock(&d->lock);
}

static int harvest_locked(struct dirty_log *d)
{
	uint64_t w;
	unsigned i;
	int rc;

	if (!d->fetch)
		return 0;
	memset(d->scratch, 0, d->nr_words * sizeof(uint64_t));
	rc = d->fetch(d->opaque, d->scratch);
	if (rc)
		return rc;
	d->harvested_ns = time_mono_ns();
	for (i = 0; i < DIRTY_NR_CONSUMERS; i++)
		for (w = 0; w < d->nr_words; w++)
			d->acc[i][w] |= d->scratch[w];
	return 0;
}

int dirty_log_harvest(struct dirty_log *d)
{
	int rc;

	pthread_mutex_lock(&d->lock);
	rc = harvest_locked(d);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Harvest (if who needs one), then count, optionally copy out, and clear
 * who's bitmap. */
static int64_t dirty_log_take(struct dirty_log *d, enum dirty_consumer who,
			      uint64_t *dst)
{
	int64_t n;
	int rc;

	pthread_mutex_lock(&d->lock);
	if (!max_age_ns[who] || !d->harvested_ns ||
	    time_mono_ns() - d->harvested_ns >= max_age_ns[who]) {
		rc = harvest_locked(d);
		if (rc) {
			pthread_mutex_unlock(&d->lock);
			return rc;
		}
	}
	if (dst)
		memcpy(dst, d->acc[who], d->nr_words * sizeof(uint64_t));
	n = (int64_t)bitmap_weight(d->acc[who], d->nr_words);
	memset(d->acc[who], 0, d->nr_words * sizeof(uint64_t));
	pthread_mutex_unlock(&d->lock);
	return n;
}

int64_t dirty_log_take_count(struct dirty_log *d, enum dirty_consumer who)
{
	return dirty_log_take(d, who, NULL);
}

int64_t dirty_log_take_bitmap(struct dirty_log *d, enum dirty_consumer who,
			      uint64_t *dst)
{
	return dirty_log_take(d, who, dst);
}

