/*
 * Test guest for the SLEEP hypercall's clock: vCPU 0 sleeps in steps of
 * "sleep_ms" (default 50) and, after each return, compares the now_ns the
 * call returned with a TIME reading taken right after it. A pause (or a
 * migration) that catches the vCPU asleep must not leave it a reading
 * from before the pause: a difference over "stale_ms" (default 20) is
 * counted as stale. Every "report_ms" (default 200) it prints
 * "sleepclock: N sleeps, S stale, worst W us" so a test can read it.
 */
#include "dsmig_guest.h"

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	uint64_t step = arg_u64(bi->cmdline, "sleep_ms", 50) * 1000000ull;
	uint64_t stale_ns = arg_u64(bi->cmdline, "stale_ms", 20) * 1000000ull;
	uint64_t report_ns = arg_u64(bi->cmdline, "report_ms", 200) * 1000000ull;
	uint64_t sleeps = 0, stale = 0, worst = 0, next_report;

	if (vcpu != 0) {
		for (;;)
			hc_sleep_until(~0ull);
	}
	next_report = hc_monotonic_ns() + report_ns;
	for (;;) {
		uint64_t returned = hc_sleep_until(hc_monotonic_ns() + step);
		uint64_t now = hc_monotonic_ns();
		uint64_t lag = now > returned ? now - returned : 0;

		sleeps++;
		if (lag > worst)
			worst = lag;
		if (lag > stale_ns)
			stale++;
		if (now >= next_report) {
			gprintf("sleepclock: %lu sleeps, %lu stale, worst %lu us\n",
				sleeps, stale, worst / 1000);
			next_report = now + report_ns;
		}
	}
}
