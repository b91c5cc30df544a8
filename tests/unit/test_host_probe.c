/* Unit tests: the host probe's parsers (probes/host.h), which read this
 * machine's /proc and, streamed over ssh, another host's: the cpu line,
 * the CPU % between two samples, and MemTotal/MemAvailable. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "probes/host.h"

static void test_cpu_line(void **state)
{
	uint64_t busy = 0, total = 0;

	(void)state;
	assert_int_equal(host_cpu_parse("cpu  100 5 50 800 20 3 2 0 0 0", &busy, &total), 0);
	assert_int_equal(total, 980);
	assert_int_equal(busy, 160);          /* all but idle 800 and iowait 20 */
	/* Four fields are the least a kernel gives. */
	assert_int_equal(host_cpu_parse("cpu 1 2 3 4", &busy, &total), 0);
	assert_int_equal(total, 10);
	assert_int_equal(busy, 6);
	assert_int_equal(host_cpu_parse("cpu0 1 2 3 4", &busy, &total), -1);
	assert_int_equal(host_cpu_parse("cpu 1 2", &busy, &total), -1);
	assert_int_equal(host_cpu_parse("MemTotal: 5 kB", &busy, &total), -1);
	assert_int_equal(host_cpu_parse("", &busy, &total), -1);
}

static void test_cpu_pct(void **state)
{
	(void)state;
	assert_true(host_cpu_pct(0, 0, 50, 100) < 0);          /* no earlier sample */
	assert_float_equal(host_cpu_pct(100, 1000, 150, 1100), 50.0, 1e-9);
	assert_true(host_cpu_pct(100, 1000, 150, 1000) < 0);   /* total did not move */
	assert_true(host_cpu_pct(100, 1000, 90, 1100) < 0);    /* busy went back */
	assert_float_equal(host_cpu_pct(0, 1000, 100, 1100), 100.0, 1e-9);
}

static void test_meminfo(void **state)
{
	struct host_mem m = { 0 };
	int64_t used = -1, total = -1;

	(void)state;
	host_mem_line(&m, "MemTotal:       1000 kB");
	assert_int_equal(host_mem_result(&m, &used, &total), -1);   /* no MemAvailable yet */
	host_mem_line(&m, "MemFree:         100 kB");
	host_mem_line(&m, "MemAvailable:    250 kB");
	assert_int_equal(host_mem_result(&m, &used, &total), 0);
	assert_int_equal(total, 1000 * 1024);
	assert_int_equal(used, 750 * 1024);

	m = (struct host_mem){ 0 };
	host_mem_line(&m, "MemTotal: 100 kB");
	host_mem_line(&m, "MemAvailable: 200 kB");             /* more than there is */
	assert_int_equal(host_mem_result(&m, &used, &total), -1);

	m = (struct host_mem){ 0 };
	host_mem_line(&m, "MemTotal: 99999999999999999 kB");  /* past any machine */
	host_mem_line(&m, "MemAvailable: 1 kB");
	assert_int_equal(host_mem_result(&m, &used, &total), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_line),
		cmocka_unit_test(test_cpu_pct),
		cmocka_unit_test(test_meminfo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
