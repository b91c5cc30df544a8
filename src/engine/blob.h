/*
 * The engine's packed blobs: the vCPU/device state (TAG_STATE) and the
 * missing-page bitmap of post-copy (TAG_MISSING) travel as a struct
 * blob_hdr (engine/stream.h) and the blob, LZ4-compressed when that is
 * smaller, with an XXH3-64 of the blob, as LZ4 has no checksum of its own.
 * Pages travel differently: dsm/batch.h.
 */
#ifndef DSMIG_ENGINE_BLOB_H
#define DSMIG_ENGINE_BLOB_H

#include <stddef.h>

/* A blob on the wire (the vCPU/device state, TAG_STATE; the missing-page
 * bitmap, TAG_MISSING): a struct blob_hdr, then the blob, LZ4-compressed
 * when compress is set and that is smaller.
 * Returns a malloc'd message and its length in *out_len, or NULL. */
void *blob_pack(int compress, const void *blob, size_t len, size_t *out_len);

/* Check and unpack such a message into a malloc'd blob. Returns its
 * length, or -1 (bad header, larger than BLOB_MAX_BYTES, or a body that
 * does not decode to a blob with the header's hash). */
long blob_unpack(const void *msg, size_t len, void **blob);

#endif /* DSMIG_ENGINE_BLOB_H */
