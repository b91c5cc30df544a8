/* Test guest: prints a greeting with its arguments, then sleeps for
 * "linger_ms=N" (default 0) and exits with "status=N" (default 0). Used by
 * the VMM's integration tests. */
#include "dsmig_guest.h"

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	uint64_t t0, deadline;

	if (vcpu != 0)
		return 0;
	t0 = hc_monotonic_ns();
	hc_sleep_until(t0 + 1000000);
	gprintf("hello from dsmig guest: abi %u, %u vcpus, %lu MiB, args '%s', slept %lu us\n",
		bi->abi_version, bi->nr_vcpus, bi->mem_size >> 20, bi->cmdline,
		(hc_monotonic_ns() - t0) / 1000);
	deadline = t0 + arg_u64(bi->cmdline, "linger_ms", 0) * 1000000;
	while (hc_sleep_until(deadline) < deadline)
		;
	return (int)arg_u64(bi->cmdline, "status", 0);
}
