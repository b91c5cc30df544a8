/*
 * idle — models the paper's "idle OS" workload (Table 2): a guest OS with
 * nothing to run. Almost 0% vCPU; a small, hot set of pages plus a trickle
 * of background writes is all a migration has to chase.
 *
 * How: vCPU 0 sleeps from timer tick to timer tick (tick_ms). Each tick, like
 * a kernel's timer interrupt, it bumps jiffies and touches kpages "kernel"
 * pages: a jiffies page, a run-queue page, timer-wheel/slab pages (a header
 * and one rotating slot each). In the background (bg_rate pages/s) it
 * rewrites random pages of a self-verifying region, as daemons and the page
 * cache would. Every verify_s seconds it checks the region and the kernel
 * pages. Other vCPUs sleep.
 *
 * Args: tick_ms=10 kpages=4 bg_rate=2 (pages/s) region=4M verify_s=2 seed=1
 *       duration_ms=0 (0 = forever) inject_ms (corrupt a region page at
 *       that time, to test the checks). Progress = ticks.
 */
#include "dsmig_guest.h"
#include "counters.h"
#include "alloc.h"
#include "region.h"
#include "rng.h"
#include "workload.h"

#define KPAGE_WORDS (DSMIG_PAGE_SIZE / 8)
#define KPAGE_SALT  0x6b7061676573ull /* "kpages" */

struct idle {
	uint64_t tick_ns, verify_ns, bg_rate;
	unsigned kpages;
	uint64_t *kpage;     /* kpages pages, the "kernel's" hot pages */
	uint64_t jiffies;    /* ticks so far; the kernel pages must agree */
	uint64_t bg_credit;  /* background writes owed, in 1/1000 pages */
	struct region region;
	struct ticker ticker;
};

/* One timer tick: every kernel page gets a fresh header (jiffies, and a
 * value derived from it and the page number) and one rotating slot. */
static void kernel_tick(struct idle *w)
{
	uint64_t j = ++w->jiffies;

	for (unsigned k = 0; k < w->kpages; k++) {
		uint64_t *p = w->kpage + (uint64_t)k * KPAGE_WORDS;

		p[0] = j;
		p[1] = mix2(j, k ^ KPAGE_SALT);
		p[2 + (j + k * 61) % (KPAGE_WORDS - 2)] = j;
	}
}

static uint64_t kernel_verify(const struct idle *w)
{
	uint64_t bad = 0;

	for (unsigned k = 0; k < w->kpages; k++) {
		const volatile uint64_t *p = w->kpage + (uint64_t)k * KPAGE_WORDS;
		uint64_t want1 = mix2(w->jiffies, k ^ KPAGE_SALT);

		if (p[0] == w->jiffies && p[1] == want1)
			continue;
		if (!bad)
			gprintf("CORRUPT idle kernel page %u (gpa %p): jiffies %lu, check 0x%lx; expected %lu, 0x%lx\n",
				k, (const void *)p, p[0], p[1], w->jiffies, want1);
		bad++;
	}
	counters_selfcheck(bad);
	return bad;
}

static uint64_t verify_all(struct idle *w)
{
	return region_verify_all(&w->region) + kernel_verify(w);
}

int guest_main(const struct dsmig_boot_info *bi, unsigned vcpu)
{
	static struct idle w;
	uint64_t end_ns, next_tick, next_verify, inject_ns;

	if (vcpu != 0)
		wl_park();

	w.tick_ns = arg_u64(bi->cmdline, "tick_ms", 10) * NS_PER_MS;
	w.kpages = (unsigned)arg_u64(bi->cmdline, "kpages", 4);
	w.bg_rate = arg_u64(bi->cmdline, "bg_rate", 2);
	w.verify_ns = arg_u64(bi->cmdline, "verify_s", 2) * NS_PER_S;
	if (w.tick_ns == 0)
		w.tick_ns = NS_PER_MS;
	if (w.kpages == 0)
		w.kpages = 1;
	gprintf("idle: tick_ms=%lu kpages=%u bg_rate=%lu region=%luK verify_s=%lu vcpus=%u\n",
		w.tick_ns / NS_PER_MS, w.kpages, w.bg_rate,
		arg_u64(bi->cmdline, "region", 4 << 20) >> 10,
		w.verify_ns / NS_PER_S, bi->nr_vcpus);

	counters_init("idle");
	w.kpage = galloc_must((uint64_t)w.kpages * DSMIG_PAGE_SIZE,
			      DSMIG_PAGE_SIZE, "kernel pages");
	region_init(&w.region, "idle", arg_u64(bi->cmdline, "region", 4 << 20),
		    arg_u64(bi->cmdline, "seed", 1));
	kernel_tick(&w);

	ticker_init(&w.ticker, 0, w.tick_ns);
	end_ns = wl_end_ns(bi, w.ticker.now);
	next_tick = w.ticker.now + w.tick_ns;
	next_verify = w.ticker.now + w.verify_ns;
	inject_ns = wl_inject_ns(bi, w.ticker.now);
	while (w.ticker.now < end_ns) {
		ticker_sleep_until(&w.ticker, next_tick < end_ns ? next_tick : end_ns);
		if (w.ticker.now < next_tick)
			break;
		/* Catch up on ticks missed while we were not running (pause or
		 * migration), as a tickless kernel would: one call, jiffies += n. */
		while (next_tick <= w.ticker.now) {
			kernel_tick(&w);
			counters_progress(1);
			next_tick += w.tick_ns;
			w.bg_credit += w.bg_rate * (w.tick_ns / NS_PER_MS);
		}
		for (; w.bg_credit >= 1000; w.bg_credit -= 1000)
			region_rewrite_random(&w.region, 1);
		if (inject_ns && w.ticker.now >= inject_ns) {
			region_corrupt(&w.region, w.region.npages / 2);
			inject_ns = 0;
		}
		if (w.verify_ns && w.ticker.now >= next_verify) {
			verify_all(&w);
			next_verify = w.ticker.now + w.verify_ns;
		}
	}
	verify_all(&w);
	{
		char extra[96];

		gsnprintf(extra, sizeof(extra), "jiffies=%lu bg_writes=%lu",
			  w.jiffies, w.region.rewrites);
		return wl_finish(extra);
	}
}
