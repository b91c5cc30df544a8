/*
 * Token bucket on bytes sent: what the engine's --bandwidth cap is. Every
 * message a rank sends passes through ratelimit_take() first.
 */
#ifndef DSMIG_ENGINE_RATELIMIT_H
#define DSMIG_ENGINE_RATELIMIT_H

#include <stdint.h>

struct ratelimit {
	double rate;          /* bytes per second; 0 = unlimited */
	double burst;         /* bucket size, bytes */
	double tokens;
	uint64_t last_ns;
};

/* rate_bps in bits per second (0 = unlimited). */
void ratelimit_init(struct ratelimit *rl, double rate_bps, double burst_bytes,
		    uint64_t now_ns);

/* Charge bytes sent at now_ns; returns how long to wait (ns) before sending
 * them so that the average rate stays at the cap. The bucket may go into
 * debt, which later calls pay off. */
uint64_t ratelimit_charge(struct ratelimit *rl, uint64_t bytes, uint64_t now_ns);

/* ratelimit_charge, then sleep for the returned time. */
void ratelimit_take(struct ratelimit *rl, uint64_t bytes);

#endif /* DSMIG_ENGINE_RATELIMIT_H */
