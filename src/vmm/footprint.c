/* The VM's migration footprint, measured continuously (see footprint.h). */
#include <errno.h>
#include <stdlib.h>

#include "dsmig_abi.h"
#include "common/bitmap.h"
#include "dsm/pagecodec.h"
#include "vmm/footprint.h"

/* How long a content scan is reused, and how many non-zero pages it
 * encodes as the sample (spread evenly over RAM). */
#define FOOTPRINT_CONTENT_NS 5000000000ull
#define FOOTPRINT_SAMPLE_PAGES 256

int footprint_init(struct footprint *f, uint64_t nr_pages)
{
	unsigned i;

	*f = (struct footprint){ .nr_words = bitmap_words(nr_pages) };
	for (i = 0; i < FOOTPRINT_WINDOWS; i++) {
		f->win[i] = calloc(f->nr_words, sizeof(uint64_t));
		if (!f->win[i]) {
			footprint_fini(f);
			return -ENOMEM;
		}
	}
	return 0;
}

void footprint_fini(struct footprint *f)
{
	unsigned i;

	for (i = 0; i < FOOTPRINT_WINDOWS; i++) {
		free(f->win[i]);
		f->win[i] = NULL;
	}
}

int footprint_update(struct footprint *f, struct dirty_log *d, uint64_t now)
{
	unsigned slot = f->head;
	int64_t n;

	if (f->t0 && now - f->t0 < FOOTPRINT_WINDOW_NS)
		return 0;
	n = dirty_log_take_bitmap(d, DIRTY_RATE, f->win[slot]);
	if (n < 0)
		return (int)n;
	/* The first call only opens the window: what it took predates it. */
	if (f->t0) {
		f->win_ns[slot] = now - f->t0;
		f->head = (slot + 1) % FOOTPRINT_WINDOWS;
		f->closed += f->closed < FOOTPRINT_WINDOWS;
	}
	f->t0 = now;
	return 0;
}

double footprint_dirty_pps(const struct footprint *f)
{
	unsigned last = (f->head + FOOTPRINT_WINDOWS - 1) % FOOTPRINT_WINDOWS;

	if (!f->closed)
		return -1;
	return (double)bitmap_weight(f->win[last], f->nr_words) * 1e9 / (double)f->win_ns[last];
}

/* Pages dirtied in at least FOOTPRINT_HOT_THRESHOLD (hot) and in any (ws)
 * of the closed windows. */
static void count_windows(const struct footprint *f, uint64_t *hot, uint64_t *ws)
{
	uint64_t w, bit;
	unsigned i;

	*hot = *ws = 0;
	for (w = 0; w < f->nr_words; w++) {
		uint64_t any = 0;

		for (i = 0; i < f->closed; i++)
			any |= f->win[i][w];
		*ws += (uint64_t)__builtin_popcountll(any);
		for (bit = 0; any && bit < 64; bit++) {
			unsigned seen = 0;

			if (!(any & (1ull << bit)))
				continue;
			for (i = 0; i < f->closed; i++)
				seen += !!(f->win[i][w] & (1ull << bit));
			*hot += seen >= FOOTPRINT_HOT_THRESHOLD;
		}
	}
}

/* Zero pages of RAM, and a sample of the others encoded as round 0 sends
 * them (LZ4 when smaller, no delta: the destination has nothing yet). */
static void scan_content(struct footprint *f, const struct guest_mem *mem, uint64_t now)
{
	struct pagecodec_opts opts = { .compress = 1 };
	uint64_t nr_pages = mem->size / DSMIG_PAGE_SIZE, pfn, step;
	static uint8_t out[PAGECODEC_MAX];

	f->zero_pages = f->sample_pages = f->sample_bytes = 0;
	for (pfn = 0; pfn < nr_pages; pfn++)
		f->zero_pages += pagecodec_is_zero(mem->base + pfn * DSMIG_PAGE_SIZE);
	step = (nr_pages - f->zero_pages) / FOOTPRINT_SAMPLE_PAGES + 1;
	for (pfn = 0; pfn < nr_pages && f->sample_pages < FOOTPRINT_SAMPLE_PAGES; pfn += step) {
		const uint8_t *page = mem->base + pfn * DSMIG_PAGE_SIZE;
		uint32_t kind;

		if (pagecodec_is_zero(page))
			continue;
		f->sample_bytes += sizeof(struct page_rec) +
				   pagecodec_encode(&opts, page, NULL, out, &kind);
		f->sample_pages++;
	}
	f->content_ns = now;
}

void footprint_read(struct footprint *f, const struct guest_mem *mem, int scan,
		    uint64_t now, struct footprint_view *v)
{
	uint64_t span = 0;
	unsigned i;

	*v = (struct footprint_view){ .dirty_pps = footprint_dirty_pps(f), .windows = f->closed };
	for (i = 0; i < f->closed; i++)
		span += f->win_ns[i];
	v->window_s = f->closed ? (double)span / 1e9 / f->closed : 0;
	count_windows(f, &v->hot_pages, &v->ws_pages);
	if (scan && (!f->content_ns || now - f->content_ns >= FOOTPRINT_CONTENT_NS))
		scan_content(f, mem, now);
	if (!f->content_ns)
		return;
	v->has_content = 1;
	v->zero_pages = f->zero_pages;
	v->sample_pages = f->sample_pages;
	v->sample_bytes = f->sample_bytes;
	v->content_age_ns = now - f->content_ns;
}
