/* Guest-side hypercall wrappers (see dsmig_abi.h for each call's contract). */
#include "dsmig_guest.h"

void hc_puts(const char *s, size_t len)
{
	while (len > 0) {
		size_t n = len > DSMIG_PUTS_MAX ? DSMIG_PUTS_MAX : len;
		struct dsmig_hc_puts a = { .data = (uintptr_t)s, .len = n };

		hc_call(DSMIG_HC_PUTS, &a);
		s += n;
		len -= n;
	}
}

uint64_t hc_monotonic_ns(void)
{
	struct dsmig_hc_time t = { 0 };

	hc_call(DSMIG_HC_TIME, &t);
	return t.monotonic_ns;
}

uint64_t hc_wall_ns(void)
{
	struct dsmig_hc_time t = { 0 };

	hc_call(DSMIG_HC_TIME, &t);
	return t.wall_ns;
}

uint64_t hc_sleep_until(uint64_t deadline_ns)
{
	struct dsmig_hc_sleep s = { .deadline_ns = deadline_ns };

	hc_call(DSMIG_HC_SLEEP, &s);
	return s.now_ns;
}

void hc_counters(struct dsmig_counters *c)
{
	struct dsmig_hc_counters a = { .counters = (uintptr_t)c };

	hc_call(DSMIG_HC_COUNTERS, &a);
}

void hc_net_info(struct dsmig_hc_net_info *out)
{
	struct dsmig_hc_net_info a = { 0 };

	hc_call(DSMIG_HC_NET_INFO, &a);
	*out = a;
}

uint64_t hc_net_write(const void *frame, size_t len)
{
	struct dsmig_hc_net_write a = { .data = (uintptr_t)frame, .len = len };

	hc_call(DSMIG_HC_NET_WRITE, &a);
	return a.ret;
}

uint64_t hc_net_read(void *buf, size_t cap, size_t *len)
{
	struct dsmig_hc_net_read a = { .data = (uintptr_t)buf, .len = cap };

	hc_call(DSMIG_HC_NET_READ, &a);
	*len = a.ret == DSMIG_NET_OK ? a.len : 0;
	return a.ret;
}

uint64_t hc_poll_until(uint64_t deadline_ns, uint64_t *ready)
{
	struct dsmig_hc_poll a = { .deadline_ns = deadline_ns };

	hc_call(DSMIG_HC_POLL, &a);
	*ready = a.ready;
	return a.now_ns;
}

void hc_exit(int status)
{
	struct dsmig_hc_exit a = { .status = (uint64_t)status };

	hc_call(DSMIG_HC_EXIT, &a);
	for (;;)
		cpu_relax();
}
