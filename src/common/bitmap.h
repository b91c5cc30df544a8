/*
 * Page bitmaps: one bit per page in 64-bit words, the shape KVM's dirty
 * log, the engine's round sets and the DSM directory all share.
 */
#ifndef DSMIG_COMMON_BITMAP_H
#define DSMIG_COMMON_BITMAP_H

#include <stdint.h>

/* Words needed for n bits. */
static inline uint64_t bitmap_words(uint64_t n) { return (n + 63) / 64; }

static inline int bitmap_test(const uint64_t *map, uint64_t i)
{
	return (map[i / 64] >> (i % 64)) & 1;
}

static inline void bitmap_set(uint64_t *map, uint64_t i)
{
	map[i / 64] |= 1ull << (i % 64);
}

static inline void bitmap_clear(uint64_t *map, uint64_t i)
{
	map[i / 64] &= ~(1ull << (i % 64));
}

/* Set bits in the first nwords words. */
static inline uint64_t bitmap_weight(const uint64_t *map, uint64_t nwords)
{
	uint64_t i, n = 0;

	for (i = 0; i < nwords; i++)
		n += (uint64_t)__builtin_popcountll(map[i]);
	return n;
}

#endif /* DSMIG_COMMON_BITMAP_H */
