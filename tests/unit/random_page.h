/* Test data for the page tests: a page of pseudo-random bytes (a 64-bit
 * LCG), the same for the same seed, which LZ4 cannot compress. */
#ifndef DSMIG_TESTS_RANDOM_PAGE_H
#define DSMIG_TESTS_RANDOM_PAGE_H

#include <stdint.h>

#include "dsm/wire.h"

static inline void fill_random(uint8_t *p, uint64_t seed)
{
	unsigned i;

	for (i = 0; i < STREAM_PAGE_SIZE; i++) {
		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		p[i] = (uint8_t)(seed >> 56);
	}
}

#endif /* DSMIG_TESTS_RANDOM_PAGE_H */
