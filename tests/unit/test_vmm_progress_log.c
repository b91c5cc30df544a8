/*
 * Unit tests: the VMM's recent progress samples (vmm/progress_log.c):
 * oldest first, the oldest dropped once the ring is full, everything
 * dropped when the counter goes back or the log is cleared.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/progress_log.h"

/* Sample i of the JSON array: its time and progress. */
static void sample_at(json_t *a, size_t i, uint64_t *t, uint64_t *p)
{
	json_t *s = json_array_get(a, i);

	assert_int_equal(json_array_size(s), 2);
	*t = (uint64_t)json_integer_value(json_array_get(s, 0));
	*p = (uint64_t)json_integer_value(json_array_get(s, 1));
}

static void test_oldest_first_and_bounded(void **state)
{
	struct progress_log l;
	uint64_t t, p, i;
	json_t *a;

	progress_log_clear(&l);
	a = progress_log_json(&l);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
	for (i = 0; i < PROGRESS_LOG_LEN + 5; i++)
		progress_log_add(&l, 1000 + i, 10 * i);
	a = progress_log_json(&l);
	assert_int_equal(json_array_size(a), PROGRESS_LOG_LEN);
	sample_at(a, 0, &t, &p);
	assert_int_equal(t, 1005);               /* the 5 oldest were dropped */
	assert_int_equal(p, 50);
	sample_at(a, PROGRESS_LOG_LEN - 1, &t, &p);
	assert_int_equal(t, 1000 + PROGRESS_LOG_LEN + 4);
	json_decref(a);
}

static void test_counter_back_drops_older(void **state)
{
	struct progress_log l;
	uint64_t t, p;
	json_t *a;

	progress_log_clear(&l);
	progress_log_add(&l, 1, 500);
	progress_log_add(&l, 2, 600);
	progress_log_add(&l, 3, 7);              /* the workload started again */
	progress_log_add(&l, 4, 9);
	a = progress_log_json(&l);
	assert_int_equal(json_array_size(a), 2);
	sample_at(a, 0, &t, &p);
	assert_int_equal(t, 3);
	assert_int_equal(p, 7);
	json_decref(a);
	progress_log_clear(&l);
	a = progress_log_json(&l);
	assert_int_equal(json_array_size(a), 0);
	json_decref(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oldest_first_and_bounded),
		cmocka_unit_test(test_counter_back_drops_older),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
