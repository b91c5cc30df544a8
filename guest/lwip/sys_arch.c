/*
 * What lwIP needs from the platform with NO_SYS=1: a millisecond clock
 * (sys_now, from the guest's monotonic clock, which survives migration) and
 * random numbers (LWIP_RAND, arch/cc.h).
 */
#include "dsmig_guest.h"
#include "rng.h"
#include "lwip/sys.h"

u32_t sys_now(void)
{
	return (u32_t)(hc_monotonic_ns() / 1000000u);
}

uint32_t dsmig_lwip_rand(void)
{
	static uint64_t state;

	if (!state)
		state = rng_seed(hc_monotonic_ns() ^ hc_wall_ns());
	return (uint32_t)(rng_next(&state) >> 32);
}
