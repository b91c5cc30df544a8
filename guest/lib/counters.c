/* The counter block and heartbeat ticker (see counters.h). */
#include "counters.h"
#include "dsmig_guest.h"

struct dsmig_counters guest_counters __attribute__((aligned(64)));

/* Monotonic time of each vCPU's last tick; 0 = none yet. */
static uint64_t last_tick_ns[DSMIG_MAX_VCPUS];

static void atomic_max(uint64_t *p, uint64_t v)
{
	uint64_t cur = __atomic_load_n(p, __ATOMIC_RELAXED);

	while (v > cur &&
	       !__atomic_compare_exchange_n(p, &cur, v, 0, __ATOMIC_RELAXED,
					    __ATOMIC_RELAXED))
		;
}

static void atomic_add(uint64_t *p, uint64_t n)
{
	__atomic_fetch_add(p, n, __ATOMIC_RELAXED);
}

void counters_init(const char *workload)
{
	size_t n = strlen(workload);

	if (n >= DSMIG_WORKLOAD_NAME_MAX)
		n = DSMIG_WORKLOAD_NAME_MAX - 1;
	memset(guest_counters.workload, 0, sizeof(guest_counters.workload));
	memcpy(guest_counters.workload, workload, n);
	__atomic_store_n(&guest_counters.magic, DSMIG_COUNTERS_MAGIC,
			 __ATOMIC_RELEASE);
	hc_counters(&guest_counters);
}

void counters_progress(uint64_t n)
{
	atomic_add(&guest_counters.progress, n);
}

/* A new stall epoch in the boot info (a migration began): the first vCPU
 * to see it restarts stall_max_ns. */
static void stall_epoch_follow(void)
{
	uint64_t epoch = __atomic_load_n(&guest_boot_info->stall_epoch, __ATOMIC_RELAXED);
	uint64_t seen = __atomic_load_n(&guest_counters.stall_epoch, __ATOMIC_RELAXED);

	if (epoch != seen &&
	    __atomic_compare_exchange_n(&guest_counters.stall_epoch, &seen, epoch, 0,
					__ATOMIC_RELAXED, __ATOMIC_RELAXED))
		__atomic_store_n(&guest_counters.stall_max_ns, 0, __ATOMIC_RELAXED);
}

void counters_tick(unsigned vcpu, uint64_t now_ns)
{
	stall_epoch_follow();
	if (vcpu < DSMIG_MAX_VCPUS) {
		uint64_t last = last_tick_ns[vcpu];

		if (last && now_ns > last) {
			atomic_max(&guest_counters.max_gap_ns, now_ns - last);
			atomic_max(&guest_counters.stall_max_ns, now_ns - last);
		}
		last_tick_ns[vcpu] = now_ns;
	}
	atomic_add(&guest_counters.heartbeat, 1);
	atomic_max(&guest_counters.heartbeat_ns, now_ns);
}

void counters_selfcheck(uint64_t bad_pages)
{
	if (bad_pages)
		atomic_add(&guest_counters.selfcheck_fail, bad_pages);
	else
		atomic_add(&guest_counters.selfcheck_pass, 1);
}

void counters_fail(uint64_t n)
{
	atomic_add(&guest_counters.selfcheck_fail, n);
}

void counters_add_region_pages(uint64_t n)
{
	atomic_add(&guest_counters.region_pages, n);
}

/* ---- ticker ------------------------------------------------------------------ */
static void ticker_poll(struct ticker *t)
{
	if (t->now >= t->next_tick) {
		counters_tick(t->vcpu, t->now);
		t->next_tick = t->now + t->period_ns;
	}
}

void ticker_init(struct ticker *t, unsigned vcpu, uint64_t period_ns)
{
	t->vcpu = vcpu;
	t->period_ns = period_ns ? period_ns : 1;
	t->now = hc_monotonic_ns();
	t->next_tick = t->now;
	ticker_poll(t);
}

uint64_t ticker_update(struct ticker *t)
{
	t->now = hc_monotonic_ns();
	ticker_poll(t);
	return t->now;
}

uint64_t ticker_sleep_until(struct ticker *t, uint64_t deadline_ns)
{
	while (t->now < deadline_ns) {
		uint64_t wake = deadline_ns < t->next_tick ? deadline_ns
							   : t->next_tick;

		t->now = hc_sleep_until(wake);
		ticker_poll(t);
	}
	return t->now;
}

uint64_t ticker_poll_until(struct ticker *t, uint64_t deadline_ns,
			   uint64_t *ready)
{
	*ready = 0;
	while (t->now < deadline_ns && !(*ready & DSMIG_POLL_NET)) {
		uint64_t wake = deadline_ns < t->next_tick ? deadline_ns
							   : t->next_tick;

		t->now = hc_poll_until(wake, ready);
		ticker_poll(t);
	}
	return t->now;
}

void ticker_pace(const struct ticker *t, uint64_t before, uint64_t *batch)
{
	if (t->now - before < t->period_ns / 2 && *batch < (1u << 20))
		*batch *= 2;
	else if (t->now - before > t->period_ns * 2 && *batch > 1)
		*batch /= 2;
}
