/* Unit tests: the xen probe's arithmetic (probes/xen.h), without Xen. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "probes/xen.h"

static void test_state_string_as_xl_list(void **state)
{
	char s[XEN_STATE_LEN];

	xen_state_string(0, s);
	assert_string_equal(s, "------");
	xen_state_string(XEN_DOM_RUNNING, s);
	assert_string_equal(s, "r-----");
	xen_state_string(XEN_DOM_BLOCKED, s);
	assert_string_equal(s, "-b----");
	xen_state_string(XEN_DOM_PAUSED, s);
	assert_string_equal(s, "--p---");
	xen_state_string(XEN_DOM_SHUTDOWN, s);
	assert_string_equal(s, "---s--");
	xen_state_string(XEN_DOM_CRASHED, s);
	assert_string_equal(s, "----c-");
	xen_state_string(XEN_DOM_DYING, s);
	assert_string_equal(s, "-----d");
	xen_state_string(XEN_DOM_BLOCKED | XEN_DOM_PAUSED | XEN_DOM_SHUTDOWN | XEN_DOM_DYING, s);
	assert_string_equal(s, "-bps-d");
	xen_state_string(~0u, s);
	assert_string_equal(s, "rbpscd");
}

static void test_cpu_pct_from_two_samples(void **state)
{
	const uint64_t s = 1000000000ull;

	/* Half a second of CPU over one second of wall time. */
	assert_float_equal(xen_cpu_pct(10 * s, 10 * s + s / 2, 100 * s, 101 * s), 50.0, 1e-9);
	/* Two busy vCPUs over two seconds: xentop's 200. */
	assert_float_equal(xen_cpu_pct(0, 4 * s, 5 * s, 7 * s), 200.0, 1e-9);
	/* Idle. */
	assert_float_equal(xen_cpu_pct(3 * s, 3 * s, 0, s), 0.0, 0);
	/* No wall time, time backwards, counter backwards: 0, never inf. */
	assert_float_equal(xen_cpu_pct(0, s, 5 * s, 5 * s), 0.0, 0);
	assert_float_equal(xen_cpu_pct(0, s, 6 * s, 5 * s), 0.0, 0);
	assert_float_equal(xen_cpu_pct(2 * s, s, 0, s), 0.0, 0);
	/* Large counters keep their precision in the difference. */
	assert_float_equal(xen_cpu_pct(UINT64_MAX - s, UINT64_MAX - s / 4, 0, s), 75.0, 1e-6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_string_as_xl_list),
		cmocka_unit_test(test_cpu_pct_from_two_samples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
