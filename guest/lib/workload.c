/* Run control shared by the workloads (see workload.h). */
#include "workload.h"
#include "counters.h"
#include "dsmig_guest.h"

uint64_t wl_end_ns(const struct dsmig_boot_info *bi, uint64_t start_ns)
{
	uint64_t ms = arg_u64(bi->cmdline, "duration_ms", 0);

	if (ms == 0 || ms > (UINT64_MAX - start_ns) / NS_PER_MS)
		return UINT64_MAX;
	return start_ns + ms * NS_PER_MS;
}

uint64_t wl_inject_ns(const struct dsmig_boot_info *bi, uint64_t start_ns)
{
	uint64_t ms = arg_u64(bi->cmdline, "inject_ms", UINT64_MAX);

	if (ms == UINT64_MAX || ms > (UINT64_MAX - start_ns) / NS_PER_MS)
		return 0;
	return start_ns + ms * NS_PER_MS;
}

void wl_park(void)
{
	uint64_t now = hc_monotonic_ns();

	for (;;)
		now = hc_sleep_until(now + NS_PER_S);
}

void wl_wait_flag(const uint32_t *flag, uint32_t want)
{
	uint64_t now = hc_monotonic_ns();

	while (__atomic_load_n(flag, __ATOMIC_ACQUIRE) < want)
		now = hc_sleep_until(now + NS_PER_MS);
}

void wl_flag_raise(uint32_t *flag)
{
	__atomic_fetch_add(flag, 1, __ATOMIC_RELEASE);
}

int wl_finish(const char *extra)
{
	const struct dsmig_counters *c = &guest_counters;
	uint64_t fail = counters_read(&c->selfcheck_fail);

	gprintf("%s done: progress=%lu selfcheck_fail=%lu selfcheck_pass=%lu max_gap_us=%lu%s%s\n",
		c->workload, counters_read(&c->progress), fail,
		counters_read(&c->selfcheck_pass),
		counters_read(&c->max_gap_ns) / 1000, extra && *extra ? " " : "",
		extra ? extra : "");
	return fail ? 1 : 0;
}
