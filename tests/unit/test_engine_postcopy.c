/* Unit tests: post-copy readahead (how many pages a fault brings). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/postcopy.h"

static void test_first_fault_gets_the_minimum(void **state)
{
	struct postcopy_readahead ra = { 0 };

	assert_int_equal(postcopy_source_readahead(&ra, 1000), POSTCOPY_AHEAD_MIN);
}

/* A vCPU walking through a buffer faults just past the previous pages:
 * the readahead doubles each time, and stops at the maximum. */
static void test_forward_walk_doubles_to_the_maximum(void **state)
{
	struct postcopy_readahead ra = { 0 };
	uint64_t p = 5000;
	unsigned run = postcopy_source_readahead(&ra, p), expect = POSTCOPY_AHEAD_MIN;

	for (int i = 0; i < 6; i++) {
		p += run;
		expect = expect * 2 > POSTCOPY_AHEAD_MAX ? POSTCOPY_AHEAD_MAX : expect * 2;
		run = postcopy_source_readahead(&ra, p);
		assert_int_equal(run, expect);
	}
	assert_int_equal(run, POSTCOPY_AHEAD_MAX);
}

/* A fault elsewhere (behind, on the same page, or beyond reach) starts
 * over. After faults on 150 and 158 the run is 16, so 159..190 are in
 * reach. */
static void test_a_jump_resets(void **state)
{
	static const uint64_t jumps[] = { 100, 158, 191 };

	for (size_t i = 0; i < sizeof(jumps) / sizeof(jumps[0]); i++) {
		struct postcopy_readahead ra = { 0 };

		postcopy_source_readahead(&ra, 150);
		assert_int_equal(postcopy_source_readahead(&ra, 158), 2 * POSTCOPY_AHEAD_MIN);
		assert_int_equal(postcopy_source_readahead(&ra, jumps[i]), POSTCOPY_AHEAD_MIN);
	}
}

/* The window of "just past" is twice the run: the last page in reach
 * still doubles. */
static void test_edge_of_reach_still_doubles(void **state)
{
	struct postcopy_readahead ra = { 0 };

	postcopy_source_readahead(&ra, 0);
	assert_int_equal(postcopy_source_readahead(&ra, 2 * POSTCOPY_AHEAD_MIN), 2 * POSTCOPY_AHEAD_MIN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_fault_gets_the_minimum),
		cmocka_unit_test(test_forward_walk_doubles_to_the_maximum),
		cmocka_unit_test(test_a_jump_resets),
		cmocka_unit_test(test_edge_of_reach_still_doubles),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
