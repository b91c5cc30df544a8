/*
 * Fewer bytes on a thin link: how one page is encoded on the wire.
 * Zero pages travel as a bare record; other pages as they are, LZ4
 * compressed, or as a delta against the copy the destination already has
 * (the XOR of old and new, LZ4 compressed: the idea of QEMU's XBZRLE, as
 * pages sent again usually differ in a few bytes). The encoder picks the
 * smallest; the decoder checks everything before touching the page.
 */
#ifndef DSMIG_ENGINE_PAGECODEC_H
#define DSMIG_ENGINE_PAGECODEC_H

#include <stddef.h>
#include <stdint.h>

#include "engine/stream.h"

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

/* A blob on the wire (the vCPU/device state, TAG_STATE; the missing-page
 * bitmap, TAG_MISSING): a struct blob_hdr, then the blob, LZ4-compressed
 * when compress is set and that is smaller.
 * Returns a malloc'd message and its length in *out_len, or NULL. */
void *pagecodec_pack_blob(int compress, const void *blob, size_t len, size_t *out_len);

/* Check and unpack such a message into a malloc'd blob. Returns its
 * length, or -1 (bad header, larger than BLOB_MAX_BYTES, or a body that
 * does not decode to a blob with the header's hash). */
long pagecodec_unpack_blob(const void *msg, size_t len, void **blob);

#endif /* DSMIG_ENGINE_PAGECODEC_H */
