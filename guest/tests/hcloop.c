/* Test guest: measures the hypercall round trip. Makes "n=N" (default
 * 20000) TIME hypercalls back to back and prints the mean time of one, as
 * the guest's own clock sees it ("hcloop: N calls, M ns each"); used by
 * docs/benchmarks.md to compare accelerators. */
#include "dsmig_guest.h"

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	uint64_t n = arg_u64(bi->cmdline, "n", 20000), i, t0, t1;

	if (vcpu != 0 || n == 0)
		return 0;
	t0 = hc_monotonic_ns();
	for (i = 0; i < n; i++)
		hc_monotonic_ns();
	t1 = hc_monotonic_ns();
	gprintf("hcloop: %lu calls, %lu ns each\n", n, (t1 - t0) / n);
	return 0;
}
