/*
 * Test guest for pause/resume: every vCPU spins storing over its own buffer
 * (buf bytes, default 256K), with no hypercalls but a time tick about
 * every tick_ms (default 10) for the heartbeat. While the VM is paused the
 * heartbeat stops; max_gap_ns then shows the pause. Progress = passes over
 * a buffer, all vCPUs together.
 *
 * Args: buf=256K tick_ms=10 duration_ms=0 (0 = forever; then vCPU 0 ends
 * the VM when the time is up and prints "spin done: ...").
 */
#include "dsmig_guest.h"
#include "alloc.h"
#include "counters.h"
#include "workload.h"

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	static uint32_t ready;
	uint64_t size = arg_u64(bi->cmdline, "buf", 256 << 10) & ~(uint64_t)7;
	uint64_t tick_ns = arg_u64(bi->cmdline, "tick_ms", 10) * NS_PER_MS;
	uint64_t *buf, end_ns, batch = 1, pass = 0;
	struct ticker t;

	if (size == 0)
		size = 8;
	if (vcpu == 0) {
		gprintf("spin: vcpus=%u buf=%luK tick_ms=%lu\n", bi->nr_vcpus,
			size >> 10, tick_ns / NS_PER_MS);
		counters_init("spin");
		wl_flag_raise(&ready);
	} else {
		wl_wait_flag(&ready, 1);
	}
	buf = galloc_must(size, DSMIG_PAGE_SIZE, "spin buffer");
	ticker_init(&t, vcpu, tick_ns ? tick_ns : NS_PER_MS);
	end_ns = wl_end_ns(bi, t.now);
	while (t.now < end_ns) {
		uint64_t before = t.now;

		for (uint64_t b = 0; b < batch; b++, pass++)
			for (uint64_t i = 0; i < size / 8; i++)
				((volatile uint64_t *)buf)[i] = pass + i;
		counters_progress(batch);
		ticker_update(&t);
		ticker_pace(&t, before, &batch);
	}
	if (vcpu != 0)
		wl_park();
	return wl_finish(NULL);
}
