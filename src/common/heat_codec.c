/* The page-heat map's encoding (see heat_codec.h). */
#include <string.h>

#include "common/heat_codec.h"

unsigned heat_geometry(uint64_t npages, uint64_t *ppc)
{
	uint64_t per = (npages + HEAT_MAX_CELLS - 1) / HEAT_MAX_CELLS;

	*ppc = per ? per : 1;
	return (unsigned)((npages + *ppc - 1) / *ppc);
}

uint8_t heat_level(uint64_t dirty, uint64_t pages, unsigned window)
{
	uint64_t max = pages * window;

	if (!dirty || !max)
		return 0;
	if (dirty >= max)
		return HEAT_MAX_LEVEL;
	return (uint8_t)((dirty * HEAT_MAX_LEVEL + max - 1) / max);
}

void heat_hex_encode(const uint8_t *levels, unsigned n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	unsigned i;

	for (i = 0; i < n; i++)
		out[i] = digits[levels[i] & 0xf];
	out[n] = '\0';
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int heat_hex_decode(const char *hex, unsigned n, uint8_t *levels)
{
	unsigned i;

	if (strlen(hex) != n)
		return -1;
	for (i = 0; i < n; i++) {
		int v = hex_value(hex[i]);

		if (v < 0)
			return -1;
		levels[i] = (uint8_t)v;
	}
	return 0;
}

int heat_state_check(const char *state, unsigned n)
{
	unsigned i;

	if (strlen(state) != n)
		return -1;
	for (i = 0; i < n; i++)
		if (!state[i] || !strchr(HEAT_STATES, state[i]))
			return -1;
	return 0;
}
