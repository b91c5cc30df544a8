/* Unit tests: the DSM's hold-back store for pages chosen by someone else
 * (dsm/holdback), on synthetic rounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dsm/holdback.h"

#define NPAGES 256

static uint8_t page_of(uint64_t pfn, unsigned round)
{
	return (uint8_t)(pfn * 7 + round + 1);
}

/* Offer pfns[0..n) in round `round`; returns how many were kept. */
static unsigned offer_round(struct holdback *h, const uint64_t *pfns, unsigned n,
			    unsigned round, int may_hold)
{
	uint8_t data[HOLDBACK_PAGE_SIZE];
	unsigned i, kept = 0;

	for (i = 0; i < n; i++) {
		memset(data, page_of(pfns[i], round), sizeof(data));
		kept += (unsigned)holdback_offer(h, pfns[i], pfns[i] | (1ull << 60), data, may_hold);
	}
	holdback_round_end(h);
	return kept;
}

/* window 3, threshold 2: a page is kept from its second dirty round in
 * three on; the latest copy is what comes out, lowest pfn first. */
static void test_hot_pages_kept_latest_copy_out(void **state)
{
	static const uint64_t hot[] = { 40, 7, 99 }, cold[] = { 5 };
	struct holdback h;
	uint64_t words[8];
	const uint8_t *data[8];
	unsigned round, n;

	assert_int_equal(holdback_init(&h, NPAGES, 3, 2, 16), 0);
	/* Round 1: first dirtying of each in the window: not hot yet. */
	assert_int_equal(offer_round(&h, hot, 3, 1, 1), 0);
	assert_int_equal(offer_round(&h, cold, 1, 1, 1), 0);
	/* Rounds 2 and 3: hot, kept; the cold page dirtied once more is not. */
	for (round = 2; round <= 3; round++) {
		assert_int_equal(offer_round(&h, hot, 3, round, 1), 3);
		assert_int_equal(h.held, 3);
	}
	n = holdback_take(&h, words, data, 8);
	assert_int_equal(n, 3);
	assert_int_equal(h.held, 0);
	assert_int_equal(words[0] & 0xff, 7);
	assert_int_equal(words[1] & 0xff, 40);
	assert_int_equal(words[2] & 0xff, 99);
	assert_int_equal(words[0] >> 60, 1);
	assert_int_equal(data[1][100], page_of(40, 3));
	assert_int_equal(holdback_take(&h, words, data, 8), 0);
	holdback_free(&h);
}

/* A kept page that must go now (the final round, or cold again) drops its
 * kept copy, which is older. */
static void test_sent_page_drops_kept_copy(void **state)
{
	static const uint64_t p[] = { 3 };
	struct holdback h;
	uint64_t words[2];
	const uint8_t *data[2];

	assert_int_equal(holdback_init(&h, NPAGES, 2, 2, 4), 0);
	offer_round(&h, p, 1, 1, 1);
	assert_int_equal(offer_round(&h, p, 1, 2, 1), 1);
	assert_int_equal(h.held, 1);
	assert_int_equal(offer_round(&h, p, 1, 3, 0), 0);   /* may not hold */
	assert_int_equal(h.held, 0);
	assert_int_equal(holdback_take(&h, words, data, 2), 0);
	holdback_free(&h);
}

/* Past the cap nothing more is kept: the page goes at once. */
static void test_cap(void **state)
{
	uint64_t pfns[6] = { 1, 2, 3, 4, 5, 6 };
	struct holdback h;

	assert_int_equal(holdback_init(&h, NPAGES, 2, 1, 4), 0);
	assert_int_equal(offer_round(&h, pfns, 6, 1, 1), 4);
	assert_int_equal(h.held, 4);
	/* The kept ones are replaced in place; the others still go. */
	assert_int_equal(offer_round(&h, pfns, 6, 2, 1), 4);
	holdback_free(&h);
}

static void test_bad_parameters(void **state)
{
	struct holdback h;

	assert_int_equal(holdback_init(&h, NPAGES, 2, 3, 4), -1);
	assert_int_equal(holdback_init(&h, NPAGES, 0, 0, 4), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hot_pages_kept_latest_copy_out),
		cmocka_unit_test(test_sent_page_drops_kept_copy),
		cmocka_unit_test(test_cap),
		cmocka_unit_test(test_bad_parameters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
