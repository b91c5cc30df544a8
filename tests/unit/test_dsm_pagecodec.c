/* Unit tests: page encodings round-trip, pick the smallest, and refuse
 * corrupt payloads without touching the page. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dsm/pagecodec.h"
#include "random_page.h"

static uint8_t page[STREAM_PAGE_SIZE], prev[STREAM_PAGE_SIZE], dst[STREAM_PAGE_SIZE];
static uint8_t out[PAGECODEC_MAX];

static void test_zero_and_full(void **state)
{
	struct pagecodec_opts o = { 0, 0 };
	uint32_t kind, len;

	memset(page, 0, sizeof(page));
	len = pagecodec_encode(&o, page, NULL, out, &kind);
	assert_int_equal(kind, PAGE_ZERO);
	assert_int_equal(len, 0);
	memset(dst, 0xaa, sizeof(dst));
	assert_int_equal(pagecodec_decode(kind, out, len, dst), 0);
	assert_memory_equal(dst, page, sizeof(page));

	fill_random(page, 1);
	len = pagecodec_encode(&o, page, NULL, out, &kind);
	assert_int_equal(kind, PAGE_FULL);
	assert_int_equal(len, STREAM_PAGE_SIZE);
	assert_int_equal(pagecodec_decode(kind, out, len, dst), 0);
	assert_memory_equal(dst, page, sizeof(page));
}

static void test_compressible_page(void **state)
{
	struct pagecodec_opts o = { 1, 0 };
	uint32_t kind, len;
	unsigned i;

	for (i = 0; i < STREAM_PAGE_SIZE; i++)
		page[i] = (uint8_t)("source text "[i % 12]);
	len = pagecodec_encode(&o, page, NULL, out, &kind);
	assert_int_equal(kind, PAGE_LZ4);
	assert_true(len < 200);
	memset(dst, 0, sizeof(dst));
	assert_int_equal(pagecodec_decode(kind, out, len, dst), 0);
	assert_memory_equal(dst, page, sizeof(page));

	/* Random data does not compress: sent as it is. */
	fill_random(page, 2);
	pagecodec_encode(&o, page, NULL, out, &kind);
	assert_int_equal(kind, PAGE_FULL);
}

static void test_delta_of_a_small_change(void **state)
{
	struct pagecodec_opts o = { 1, 1 };
	uint32_t kind, len;

	fill_random(prev, 3);
	memcpy(page, prev, sizeof(page));
	page[100] ^= 0xff;
	page[3000] = 7;
	len = pagecodec_encode(&o, page, prev, out, &kind);
	assert_int_equal(kind, PAGE_DELTA);
	assert_true(len < 64);
	memcpy(dst, prev, sizeof(dst));          /* the destination's copy */
	assert_int_equal(pagecodec_decode(kind, out, len, dst), 0);
	assert_memory_equal(dst, page, sizeof(page));
	/* Without a previous copy, no delta. */
	pagecodec_encode(&o, page, NULL, out, &kind);
	assert_int_not_equal(kind, PAGE_DELTA);
}

static void test_corrupt_payloads_refused(void **state)
{
	struct pagecodec_opts o = { 1, 0 };
	uint8_t keep[STREAM_PAGE_SIZE];
	uint32_t kind, len;
	unsigned i;

	for (i = 0; i < STREAM_PAGE_SIZE; i++)
		page[i] = (uint8_t)(i / 64);
	len = pagecodec_encode(&o, page, NULL, out, &kind);
	assert_int_equal(kind, PAGE_LZ4);
	fill_random(dst, 4);
	memcpy(keep, dst, sizeof(keep));
	assert_int_equal(pagecodec_decode(PAGE_LZ4, out, len - 3, dst), -1);   /* truncated */
	assert_int_equal(pagecodec_decode(PAGE_ZERO, out, 1, dst), -1);
	assert_int_equal(pagecodec_decode(PAGE_FULL, out, 100, dst), -1);
	assert_int_equal(pagecodec_decode(PAGE_LZ4, out, 0, dst), -1);
	assert_int_equal(pagecodec_decode(PAGE_LZ4, out, PAGECODEC_MAX + 1, dst), -1);
	assert_int_equal(pagecodec_decode(9, out, len, dst), -1);
	memset(out, 0xff, sizeof(out));                                       /* garbage */
	assert_int_equal(pagecodec_decode(PAGE_DELTA, out, 200, dst), -1);
	assert_memory_equal(dst, keep, sizeof(keep));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_and_full),
		cmocka_unit_test(test_compressible_page),
		cmocka_unit_test(test_delta_of_a_small_change),
		cmocka_unit_test(test_corrupt_payloads_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
