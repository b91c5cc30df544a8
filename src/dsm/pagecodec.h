/*
 * Fewer bytes on a thin link: how one page is encoded on the wire.
 * Zero pages travel as a bare record; other pages as they are, LZ4
 * compressed, or as a delta against the copy the destination already has
 * (the XOR of old and new, LZ4 compressed: the idea of QEMU's XBZRLE, as
 * pages sent again usually differ in a few bytes). The encoder picks the
 * smallest; the decoder checks everything before touching the page.
 * These are the encodings of the DSM's page messages (dsm/wire.h,
 * dsm/batch.h).
 */
#ifndef DSMIG_DSM_PAGECODEC_H
#define DSMIG_DSM_PAGECODEC_H

#include <stdint.h>

#include "dsm/wire.h"

/* Worst-case encoded size of one page (LZ4's bound for 4 KiB). */
#define PAGECODEC_MAX 4200

struct pagecodec_opts {
	int compress;     /* try LZ4 */
	int delta;        /* try XOR+LZ4 against prev when given */
};

/* Encode page (and, for a delta, prev: the destination's current copy, or
 * NULL). Writes the payload to out (PAGECODEC_MAX bytes) and returns its
 * length, with the record kind in *kind (enum page_kind). */
uint32_t pagecodec_encode(const struct pagecodec_opts *o, const uint8_t *page,
			  const uint8_t *prev, uint8_t *out, uint32_t *kind);

/* Apply a record to dst (the destination's copy of the page). Returns 0, or
 * -1 if kind/len are invalid or the payload does not decode to exactly one
 * page; dst is then untouched. */
int pagecodec_decode(uint32_t kind, const uint8_t *payload, uint32_t len, uint8_t *dst);

/* Is the page all zero bytes? */
int pagecodec_is_zero(const uint8_t *page);

/* Bytes of input the compressor handles per second on this machine,
 * measured on the given pages (n of them); 0 if n is 0. */
double pagecodec_speed(const uint8_t *const *pages, int n);

#endif /* DSMIG_DSM_PAGECODEC_H */
