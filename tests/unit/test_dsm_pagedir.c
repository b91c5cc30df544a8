/* Unit tests: the DSM directory's heat tracking and hot/cold selection on
 * synthetic dirty traces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dsm/pagedir.h"

#define NPAGES 200
#define NWORDS ((NPAGES + 63) / 64)

static void set(uint64_t *m, uint64_t p) { m[p / 64] |= 1ull << (p % 64); }
static int isset(const uint64_t *m, uint64_t p) { return (m[p / 64] >> (p % 64)) & 1; }

static void test_bad_parameters(void **state)
{
	struct pagedir d;

	assert_int_equal(pagedir_init(&d, NPAGES, 3, 0), -1);
	assert_int_equal(pagedir_init(&d, NPAGES, 3, 4), -1);
	assert_int_equal(pagedir_init(&d, NPAGES, 17, 2), -1);
	assert_int_equal(pagedir_init(&d, NPAGES, 3, 2), 0);
	pagedir_free(&d);
}

static void test_everything_starts_invalid_and_cold(void **state)
{
	struct pagedir d;
	uint64_t send[NWORDS], hot[NWORDS], nhot, all[NWORDS];

	assert_int_equal(pagedir_init(&d, NPAGES, 3, 2), 0);
	assert_int_equal(pagedir_select(&d, send, hot, &nhot), NPAGES);
	assert_int_equal(nhot, 0);
	assert_int_equal(pagedir_invalid(&d, all), NPAGES);
	assert_false(isset(all, NPAGES));   /* no bits past the last page */
	pagedir_mark_sent(&d, send, 0);
	assert_int_equal(pagedir_select(&d, send, hot, &nhot), 0);
	assert_int_equal(pagedir_invalid(&d, all), 0);
	assert_int_equal(d.sent_round[5], 1);
	pagedir_free(&d);
}

/* Trace: page 10 is dirtied every round (a frame buffer), page 20 once,
 * page 30 every other round. With K=3, threshold 2. */
static void test_trace(void **state)
{
	struct pagedir d;
	uint64_t send[NWORDS], hot[NWORDS], all[NWORDS], nhot, dirty[NWORDS];
	unsigned r;

	assert_int_equal(pagedir_init(&d, NPAGES, 3, 2), 0);
	pagedir_select(&d, send, hot, &nhot);
	pagedir_mark_sent(&d, send, 0);
	for (r = 1; r <= 5; r++) {
		memset(dirty, 0, sizeof(dirty));
		set(dirty, 10);
		if (r == 1)
			set(dirty, 20);
		if (r % 2)
			set(dirty, 30);
		pagedir_record_dirty(&d, dirty);
		pagedir_select(&d, send, hot, &nhot);
		if (r == 1) {
			/* one round of history: nothing is hot yet */
			assert_int_equal(nhot, 0);
			assert_true(isset(send, 10) && isset(send, 20) && isset(send, 30));
		}
		if (r >= 2)
			assert_true(isset(hot, 10) && !isset(send, 10));
		if (r == 3) {
			/* 30 was dirtied in rounds 1 and 3: 2 of the last 3 */
			assert_true(isset(hot, 30));
			assert_int_equal(pagedir_heat(&d, 30), 2);
		}
		if (r == 4) {
			/* 30 was deferred while hot; not dirtied in round 4, it
			 * has cooled down (1 of 3) and is sent cold. */
			assert_int_equal(pagedir_heat(&d, 30), 1);
			assert_true(isset(send, 30));
		}
		assert_false(isset(send, 20) && r > 1);   /* sent once, never dirty again */
		pagedir_mark_sent(&d, send, r);
	}
	/* Stop-and-copy sends everything still invalid: the hot page 10. */
	assert_true(pagedir_invalid(&d, all) >= 1);
	assert_true(isset(all, 10));
	assert_false(isset(all, 20));
	pagedir_free(&d);
}

static void test_window_limits_memory(void **state)
{
	struct pagedir d;
	uint64_t dirty[NWORDS] = { 0 }, clean[NWORDS] = { 0 };

	assert_int_equal(pagedir_init(&d, NPAGES, 2, 2), 0);
	set(dirty, 7);
	pagedir_record_dirty(&d, dirty);
	pagedir_record_dirty(&d, dirty);
	assert_true(pagedir_is_hot(&d, 7));
	pagedir_record_dirty(&d, clean);
	assert_false(pagedir_is_hot(&d, 7));   /* only the last 2 rounds count */
	assert_int_equal(pagedir_heat(&d, 7), 1);
	pagedir_free(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_parameters),
		cmocka_unit_test(test_everything_starts_invalid_and_cold),
		cmocka_unit_test(test_trace),
		cmocka_unit_test(test_window_limits_memory),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
