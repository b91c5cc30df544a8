/*
 * Deterministic pseudo-random numbers for workloads: splitmix64's mixer (to
 * derive seeds from several inputs) and xorshift64* (the generator). Not for
 * anything but reproducible test data.
 */
#ifndef DSMIG_GUEST_RNG_H
#define DSMIG_GUEST_RNG_H

#include <stdint.h>

/* A good 64-bit bijective mix (splitmix64's finaliser). */
static inline uint64_t mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Combine two values into one well-mixed value (order matters). */
static inline uint64_t mix2(uint64_t a, uint64_t b)
{
	return mix64(a * 0x9e3779b97f4a7c15ull + mix64(b));
}

/* xorshift64*: state must never be 0 (rng_seed makes sure). */
static inline uint64_t rng_seed(uint64_t seed)
{
	uint64_t s = mix64(seed);

	return s ? s : 0x9e3779b97f4a7c15ull;
}

static inline uint64_t rng_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* Uniform in [0, n) (n > 0), by multiply-shift. */
static inline uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(state) * n) >> 64);
}

#endif /* DSMIG_GUEST_RNG_H */
