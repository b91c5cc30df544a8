/* The migration methods' ops tables (see method.h). */
#include <stdlib.h>
#include <string.h>

#include "common/bitmap.h"
#include "engine/method.h"

/* ---- precopy --------------------------------------------------------- */

static int precopy_init(struct method_ctx *m, uint64_t npages, unsigned window,
			unsigned threshold)
{
	memset(m, 0, sizeof(*m));
	m->npages = npages;
	m->nwords = bitmap_words(npages);
	m->pending = calloc(m->nwords, sizeof(*m->pending));
	return m->pending ? 0 : -1;
}

static void precopy_sent(struct method_ctx *m, const uint64_t *set, unsigned round)
{
	memset(m->pending, 0, m->nwords * sizeof(*m->pending));
}

static uint64_t precopy_next(struct method_ctx *m, const uint64_t *halfway,
			     const uint64_t *dirty, uint64_t *set, uint64_t *held)
{
	uint64_t i;

	for (i = 0; i < m->nwords; i++)
		set[i] = dirty[i] | (halfway ? halfway[i] : 0);
	memcpy(m->pending, set, m->nwords * sizeof(*set));
	*held = 0;
	return bitmap_weight(set, m->nwords);
}

static uint64_t precopy_final(struct method_ctx *m, const uint64_t *dirty, uint64_t *set)
{
	uint64_t i;

	/* The set chosen after the last round was never sent: add it. */
	for (i = 0; i < m->nwords; i++)
		set[i] = m->pending[i] | dirty[i];
	return bitmap_weight(set, m->nwords);
}

static void precopy_fini(struct method_ctx *m)
{
	free(m->pending);
	m->pending = NULL;
}

/* ---- dsm ----------------------------------------------------------------- */

static int dsm_init(struct method_ctx *m, uint64_t npages, unsigned window,
		    unsigned threshold)
{
	if (precopy_init(m, npages, window, threshold))
		return -1;
	return pagedir_init(&m->dir, npages, window, threshold);
}

static void dsm_sent(struct method_ctx *m, const uint64_t *set, unsigned round)
{
	pagedir_mark_sent(&m->dir, set, round);
}

static uint64_t dsm_next(struct method_ctx *m, const uint64_t *halfway,
			 const uint64_t *dirty, uint64_t *set, uint64_t *held)
{
	/* Two syncs of one round: a page in both was rewritten within half
	 * a round, so it counts twice towards its heat. */
	if (halfway)
		pagedir_record_dirty(&m->dir, halfway);
	pagedir_record_dirty(&m->dir, dirty);
	/* m->pending holds the hot pages here. */
	return pagedir_select(&m->dir, set, m->pending, held);
}

static uint64_t dsm_final(struct method_ctx *m, const uint64_t *dirty, uint64_t *set)
{
	pagedir_record_dirty(&m->dir, dirty);
	return pagedir_invalid(&m->dir, set);
}

/* Hot pages first: the guest was writing them when it stopped, so it is
 * likely to touch them first on the destination. */
static uint64_t dsm_push_order(struct method_ctx *m, const uint64_t *set, uint64_t *order)
{
	uint64_t pfn, n = 0;
	int hot;

	for (hot = 1; hot >= 0; hot--)
		for (pfn = 0; pfn < m->npages; pfn++)
			if (bitmap_test(set, pfn) && !!pagedir_is_hot(&m->dir, pfn) == hot)
				order[n++] = pfn;
	return n;
}

static void dsm_fini(struct method_ctx *m)
{
	pagedir_free(&m->dir);
	precopy_fini(m);
}

static const struct method methods[] = {
	{
		.name = "precopy", .state_first = 0,
		.init = precopy_init, .sent = precopy_sent, .next = precopy_next,
		.final = precopy_final, .fini = precopy_fini,
	},
	{
		.name = "dsm", .state_first = 1, .halfway_sync = 1,
		.init = dsm_init, .sent = dsm_sent, .next = dsm_next,
		.final = dsm_final, .fini = dsm_fini,
	},
	{
		.name = "dsm-pull", .state_first = 1, .postcopy = 1, .halfway_sync = 1,
		.init = dsm_init, .sent = dsm_sent, .next = dsm_next,
		.final = dsm_final, .push_order = dsm_push_order, .fini = dsm_fini,
	},
};

const struct method *method_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
		if (!strcmp(methods[i].name, name))
			return &methods[i];
	return NULL;
}
