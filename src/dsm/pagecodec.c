/* Page encodings on the wire (see pagecodec.h). */
#include <lz4.h>
#include <string.h>

#include "common/log.h"
#include "dsm/pagecodec.h"

_Static_assert(PAGECODEC_MAX >= LZ4_COMPRESSBOUND(STREAM_PAGE_SIZE), "LZ4 bound");

int pagecodec_is_zero(const uint8_t *p)
{
	const uint64_t *w = (const uint64_t *)p;
	unsigned i;

	for (i = 0; i < STREAM_PAGE_SIZE / 8; i++)
		if (w[i])
			return 0;
	return 1;
}

uint32_t pagecodec_encode(const struct pagecodec_opts *o, const uint8_t *page,
			  const uint8_t *prev, uint8_t *out, uint32_t *kind)
{
	uint8_t tmp[PAGECODEC_MAX], x[STREAM_PAGE_SIZE];
	uint32_t best = STREAM_PAGE_SIZE;
	int n, i;

	if (pagecodec_is_zero(page)) {
		*kind = PAGE_ZERO;
		return 0;
	}
	*kind = PAGE_FULL;
	if (o->delta && prev) {
		for (i = 0; i < (int)STREAM_PAGE_SIZE; i++)
			x[i] = page[i] ^ prev[i];
		n = LZ4_compress_default((const char *)x, (char *)out, STREAM_PAGE_SIZE,
					 PAGECODEC_MAX);
		if (n > 0 && (uint32_t)n < best) {
			best = (uint32_t)n;
			*kind = PAGE_DELTA;
		}
	}
	if (o->compress) {
		n = LZ4_compress_default((const char *)page, (char *)tmp, STREAM_PAGE_SIZE,
					 PAGECODEC_MAX);
		if (n > 0 && (uint32_t)n < best) {
			best = (uint32_t)n;
			*kind = PAGE_LZ4;
			memcpy(out, tmp, best);
		}
	}
	if (*kind == PAGE_FULL)
		memcpy(out, page, STREAM_PAGE_SIZE);
	return best;
}

int pagecodec_decode(uint32_t kind, const uint8_t *payload, uint32_t len, uint8_t *dst)
{
	uint8_t tmp[STREAM_PAGE_SIZE];
	int n, i;

	switch (kind) {
	case PAGE_ZERO:
		if (len)
			return -1;
		memset(dst, 0, STREAM_PAGE_SIZE);
		return 0;
	case PAGE_FULL:
		if (len != STREAM_PAGE_SIZE)
			return -1;
		memcpy(dst, payload, STREAM_PAGE_SIZE);
		return 0;
	case PAGE_LZ4:
	case PAGE_DELTA:
		if (len == 0 || len > PAGECODEC_MAX)
			return -1;
		n = LZ4_decompress_safe((const char *)payload, (char *)tmp, (int)len,
					STREAM_PAGE_SIZE);
		if (n != (int)STREAM_PAGE_SIZE)
			return -1;
		if (kind == PAGE_LZ4) {
			memcpy(dst, tmp, STREAM_PAGE_SIZE);
		} else {
			for (i = 0; i < (int)STREAM_PAGE_SIZE; i++)
				dst[i] ^= tmp[i];
		}
		return 0;
	}
	return -1;
}

double pagecodec_speed(const uint8_t *const *pages, int n)
{
	uint8_t out[PAGECODEC_MAX];
	uint64_t t0, dt;
	int i;

	if (n <= 0)
		return 0;
	t0 = time_mono_ns();
	for (i = 0; i < n; i++)
		LZ4_compress_default((const char *)pages[i], (char *)out, STREAM_PAGE_SIZE,
				     PAGECODEC_MAX);
	dt = time_mono_ns() - t0;
	return dt ? (double)n * STREAM_PAGE_SIZE * 1e9 / (double)dt : 1e12;
}
