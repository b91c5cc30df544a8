/* Unit tests: guest RAM creation and the checked accessor (sizes: test_units). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/guest_mem.h"

static void test_create_rejects_bad_sizes(void **state)
{
	struct guest_mem m;

	assert_int_equal(gmem_create(&m, 1 << 20, "t"), -EINVAL);
	assert_int_equal(gmem_create(&m, (64 << 20) + 1, "t"), -EINVAL);
	assert_int_equal(gmem_create(&m, GMEM_MAX_SIZE + 4096, "t"), -EINVAL);
	assert_int_equal(m.fd, -1);
}

static void test_create_zeroed_and_shared(void **state)
{
	struct guest_mem m;
	uint8_t *p;

	assert_int_equal(gmem_create(&m, 4 << 20, "t"), 0);
	assert_true(m.fd >= 0);
	p = gmem_ptr(&m, (4 << 20) - 1, 1);
	assert_non_null(p);
	assert_int_equal(*p, 0);
	gmem_destroy(&m);
	assert_int_equal(m.fd, -1);
}

static void test_ptr_bounds(void **state)
{
	struct guest_mem m;

	assert_int_equal(gmem_create(&m, 4 << 20, "t"), 0);
	assert_ptr_equal(gmem_ptr(&m, 0, 4 << 20), m.base);
	assert_ptr_equal(gmem_ptr(&m, 4 << 20, 0), m.base + (4 << 20));
	assert_null(gmem_ptr(&m, 4 << 20, 1));
	assert_null(gmem_ptr(&m, (4 << 20) - 8, 9));
	assert_null(gmem_ptr(&m, 1ull << 40, 8));
	/* gpa + len wraps around 2^64: must not pass. */
	assert_null(gmem_ptr(&m, 4096, UINT64_MAX - 100));
	assert_null(gmem_ptr(&m, UINT64_MAX, 2));
	gmem_destroy(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_rejects_bad_sizes),
		cmocka_unit_test(test_create_zeroed_and_shared),
		cmocka_unit_test(test_ptr_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
