/* Unit tests: the VM's migration footprint (vmm/footprint). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/footprint.h"

#define PAGES 256
#define SEC 1000000000ull

/* Mark pages first..last (inclusive) dirty, as the VMM's own writes. */
static void dirty(struct dirty_log *d, unsigned first, unsigned last)
{
	dirty_log_mark(d, (uint64_t)first * 4096, (uint64_t)(last - first + 1) * 4096);
}

/* Three windows: pages 0-9 in all, 10-19 in one, 20-29 in two: hot are
 * those in 2 of 3 (0-9, 20-29), the working set all 30; the rate is the
 * last window's. A window shorter than a second stays open. */
static void test_windows(void **state)
{
	struct footprint f;
	struct footprint_view v;
	struct dirty_log d;
	struct guest_mem none = { 0 };

	assert_int_equal(dirty_log_init(&d, PAGES, NULL, NULL), 0);
	assert_int_equal(footprint_init(&f, PAGES), 0);
	assert_true(footprint_dirty_pps(&f) < 0);
	dirty(&d, 200, 255);                       /* before the first window: not counted */
	assert_int_equal(footprint_update(&f, &d, 1 * SEC), 0);
	dirty(&d, 0, 9);
	dirty(&d, 20, 29);
	assert_int_equal(footprint_update(&f, &d, 1 * SEC + SEC / 2), 0);   /* still open */
	assert_true(footprint_dirty_pps(&f) < 0);
	assert_int_equal(footprint_update(&f, &d, 2 * SEC), 0);
	assert_true(footprint_dirty_pps(&f) > 19.99 && footprint_dirty_pps(&f) < 20.01);
	dirty(&d, 0, 19);
	assert_int_equal(footprint_update(&f, &d, 3 * SEC), 0);
	dirty(&d, 0, 9);
	dirty(&d, 20, 29);
	assert_int_equal(footprint_update(&f, &d, 5 * SEC), 0);   /* a two-second window */
	assert_true(footprint_dirty_pps(&f) > 9.99 && footprint_dirty_pps(&f) < 10.01);
	footprint_read(&f, &none, 0, 5 * SEC, &v);
	assert_int_equal(v.windows, 3);
	assert_true(v.window_s > 1.333 && v.window_s < 1.334);
	assert_int_equal(v.ws_pages, 30);
	assert_int_equal(v.hot_pages, 20);
	assert_int_equal(v.has_content, 0);
	/* A fourth window pushes the first out: 0-19, then 0-9 and 20-29,
	 * then 100: only 0-9 are in two. */
	dirty(&d, 100, 100);
	assert_int_equal(footprint_update(&f, &d, 6 * SEC), 0);
	footprint_read(&f, &none, 0, 6 * SEC, &v);
	assert_int_equal(v.ws_pages, 31);
	assert_int_equal(v.hot_pages, 10);
	footprint_fini(&f);
	dirty_log_fini(&d);
}

/* The content scan: zero pages counted; non-zero ones sampled as round 0
 * encodes them (a page of one repeated byte compresses far below 4 KiB;
 * random bytes do not), each with its 16-byte record. */
static void test_content(void **state)
{
	struct guest_mem mem;
	struct footprint f;
	struct footprint_view v;
	uint32_t x = 1;
	unsigned i;

	assert_int_equal(gmem_create(&mem, 1024 * 4096, "fp-test"), 0);
	assert_int_equal(footprint_init(&f, 1024), 0);
	memset(mem.base + 10 * 4096, 'a', 4096);
	for (i = 0; i < 4096; i++) {
		x = x * 1103515245 + 12345;
		mem.base[20 * 4096 + i] = (uint8_t)(x >> 16);
	}
	footprint_read(&f, &mem, 1, SEC, &v);
	assert_int_equal(v.has_content, 1);
	assert_int_equal(v.zero_pages, 1022);
	assert_int_equal(v.sample_pages, 2);
	assert_true(v.sample_bytes > 4096 + 32 && v.sample_bytes < 4096 + 32 + 200);
	/* Reused, not rescanned, within 5 s. */
	memset(mem.base + 30 * 4096, 'b', 4096);
	footprint_read(&f, &mem, 1, 2 * SEC, &v);
	assert_int_equal(v.zero_pages, 1022);
	assert_int_equal(v.content_age_ns, SEC);
	footprint_read(&f, &mem, 1, 7 * SEC, &v);
	assert_int_equal(v.zero_pages, 1021);
	footprint_fini(&f);
	gmem_destroy(&mem);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
