/* Token bucket (see ratelimit.h). */
#include <time.h>

#include "common/log.h"
#include "engine/ratelimit.h"

void ratelimit_init(struct ratelimit *rl, double rate_bps, double burst_bytes,
		    uint64_t now_ns)
{
	rl->rate = rate_bps / 8.0;
	rl->burst = burst_bytes;
	rl->tokens = burst_bytes;
	rl->last_ns = now_ns;
}

uint64_t ratelimit_charge(struct ratelimit *rl, uint64_t bytes, uint64_t now_ns)
{
	if (rl->rate <= 0)
		return 0;
	if (now_ns > rl->last_ns) {
		rl->tokens += (double)(now_ns - rl->last_ns) * rl->rate / 1e9;
		if (rl->tokens > rl->burst)
			rl->tokens = rl->burst;
		rl->last_ns = now_ns;
	}
	rl->tokens -= (double)bytes;
	if (rl->tokens >= 0)
		return 0;
	return (uint64_t)(-rl->tokens / rl->rate * 1e9);
}

void ratelimit_take(struct ratelimit *rl, uint64_t bytes)
{
	uint64_t wait = ratelimit_charge(rl, bytes, time_mono_ns());
	struct timespec ts = { .tv_sec = (time_t)(wait / 1000000000u),
			       .tv_nsec = (long)(wait % 1000000000u) };

	while (wait && nanosleep(&ts, &ts) != 0)
		;
}
