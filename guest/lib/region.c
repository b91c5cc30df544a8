/* Self-verifying region (see region.h). Page contents: two header words,
 * then xorshift64* output seeded from (seed, index, generation). */
#include "region.h"
#include "alloc.h"
#include "counters.h"
#include "dsmig_guest.h"
#include "hash.h"
#include "rng.h"

#define WORDS_PER_PAGE (DSMIG_PAGE_SIZE / 8)

static uint64_t *page_words(const struct region *r, size_t page)
{
	return (uint64_t *)(r->base + page * DSMIG_PAGE_SIZE);
}

/* The state every word after the header derives from. */
static uint64_t page_state(const struct region *r, size_t page, uint64_t gen)
{
	return rng_seed(mix2(mix2(r->seed, page), gen));
}

static void page_fill(const struct region *r, size_t page, uint64_t gen)
{
	uint64_t *w = page_words(r, page);
	uint64_t s = page_state(r, page, gen);

	w[0] = REGION_PAGE_TAG ^ page;
	w[1] = gen;
	for (size_t i = 2; i < WORDS_PER_PAGE; i++)
		w[i] = rng_next(&s);
}

/* First word index where the page differs from its expected contents, or
 * WORDS_PER_PAGE if none; *expect gets the expected word. */
static size_t page_first_diff(const struct region *r, size_t page,
			      uint64_t gen, uint64_t *expect)
{
	const volatile uint64_t *w = page_words(r, page);
	uint64_t s = page_state(r, page, gen);

	*expect = REGION_PAGE_TAG ^ page;
	if (w[0] != *expect)
		return 0;
	*expect = gen;
	if (w[1] != *expect)
		return 1;
	for (size_t i = 2; i < WORDS_PER_PAGE; i++) {
		*expect = rng_next(&s);
		if (w[i] != *expect)
			return i;
	}
	return WORDS_PER_PAGE;
}

static uint64_t page_sum(const struct region *r, size_t page)
{
	return hash64(page_words(r, page), DSMIG_PAGE_SIZE, r->seed);
}

void region_init(struct region *r, const char *name, uint64_t bytes,
		 uint64_t seed)
{
	size_t n = (size_t)((bytes + DSMIG_PAGE_SIZE - 1) / DSMIG_PAGE_SIZE);

	if (n == 0)
		n = 1;
	r->name = name;
	r->seed = seed;
	r->npages = n;
	r->base = galloc_must(n * DSMIG_PAGE_SIZE, DSMIG_PAGE_SIZE, name);
	r->gen = galloc_must(n * sizeof(uint64_t), 64, name);
	r->sum = galloc_must(n * sizeof(uint64_t), 64, name);
	r->rng = rng_seed(seed ^ 0x726e67ull);
	r->rewrites = 0;
	for (size_t i = 0; i < n; i++) {
		r->gen[i] = 0;
		page_fill(r, i, 0);
		r->sum[i] = page_sum(r, i);
	}
	counters_add_region_pages(n);
}

void region_rewrite(struct region *r, size_t page)
{
	uint64_t gen = r->gen[page] + 1;

	r->gen[page] = gen;
	page_fill(r, page, gen);
	r->sum[page] = page_sum(r, page);
	r->rewrites++;
}

void region_rewrite_random(struct region *r, unsigned n)
{
	while (n--)
		region_rewrite(r, (size_t)rng_below(&r->rng, r->npages));
}

void region_corrupt(struct region *r, size_t page)
{
	uint64_t *w = page_words(r, page);

	w[WORDS_PER_PAGE / 2] ^= 0x10001ull;
	gprintf("inject: corrupted region '%s' page %lu (gpa %p) on purpose\n",
		r->name, (uint64_t)page, (void *)w);
}

int region_verify_page(const struct region *r, size_t page, int report)
{
	uint64_t gen = r->gen[page];
	uint64_t expect;
	size_t diff = page_first_diff(r, page, gen, &expect);
	uint64_t actual_sum = page_sum(r, page);

	if (diff == WORDS_PER_PAGE && actual_sum == r->sum[page])
		return 0;
	if (report) {
		const uint64_t *w = page_words(r, page);

		if (diff < WORDS_PER_PAGE)
			gprintf("CORRUPT region '%s' page %lu/%lu (gpa 0x%lx) gen %lu: word %lu is 0x%lx, expected 0x%lx (page header: tag^index 0x%lx, gen %lu); checksum stored 0x%lx actual 0x%lx\n",
				r->name, (uint64_t)page, (uint64_t)r->npages,
				(uint64_t)(uintptr_t)w, gen, (uint64_t)diff,
				w[diff], expect, w[0] ^ REGION_PAGE_TAG, w[1],
				r->sum[page], actual_sum);
		else
			gprintf("CORRUPT region '%s' page %lu/%lu (gpa 0x%lx) gen %lu: contents right but checksum stored 0x%lx, actual 0x%lx\n",
				r->name, (uint64_t)page, (uint64_t)r->npages,
				(uint64_t)(uintptr_t)w, gen, r->sum[page],
				actual_sum);
	}
	return 1;
}

size_t region_verify_all(const struct region *r)
{
	size_t bad = 0;

	for (size_t i = 0; i < r->npages; i++)
		bad += (size_t)region_verify_page(r, i, bad == 0);
	if (bad)
		gprintf("CORRUPT region '%s': %lu of %lu pages bad\n", r->name,
			(uint64_t)bad, (uint64_t)r->npages);
	counters_selfcheck(bad);
	return bad;
}
