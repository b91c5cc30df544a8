/* --verify of carried migrations: one chunk's fold (carry.h). */
#include <xxhash.h>

#include "engine/carry.h"

uint64_t carry_verify_fold(const uint64_t *page_hash, uint64_t first,
			   const uint64_t *skip, unsigned nskip)
{
	uint64_t h[CARRY_VERIFY_CHUNK];
	unsigned i, k;

	for (i = 0; i < CARRY_VERIFY_CHUNK; i++) {
		h[i] = page_hash[i];
		for (k = 0; k < nskip; k++)
			if (skip[k] == first + i)
				h[i] = first + i;
	}
	return XXH3_64bits(h, sizeof(h));
}
