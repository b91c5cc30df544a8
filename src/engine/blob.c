/* Packed blobs on the wire (see blob.h). */
#include <lz4.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "engine/blob.h"
#include "engine/stream_auth.h"
#include "engine/stream.h"

void *blob_pack(int compress, const void *blob, size_t len, size_t *out_len)
{
	struct blob_hdr h = { .magic = STREAM_MAGIC, .raw_len = len,
			       .xxh3 = XXH3_64bits(blob, len) };
	int bound = LZ4_compressBound((int)len), n = 0;
	uint8_t *msg;

	if (len > BLOB_MAX_BYTES)
		return NULL;
	msg = malloc(sizeof(h) + (size_t)(bound > (int)len ? bound : (int)len) +
		     STREAM_AUTH_TAG_BYTES);
	if (!msg)
		return NULL;
	if (compress)
		n = LZ4_compress_default(blob, (char *)msg + sizeof(h), (int)len, bound);
	if (n > 0 && (size_t)n < len) {
		h.lz4 = 1;
		*out_len = sizeof(h) + (size_t)n;
	} else {
		memcpy(msg + sizeof(h), blob, len);
		*out_len = sizeof(h) + len;
	}
	memcpy(msg, &h, sizeof(h));
	*out_len = stream_auth_seal(msg, *out_len);
	return msg;
}

long blob_unpack(const void *msg, size_t len, void **blob)
{
	struct blob_hdr h;
	long checked = stream_auth_open(msg, len);
	size_t body;
	char *out;

	if (checked < 0 || (size_t)checked < sizeof(h))
		return -1;
	len = (size_t)checked;
	body = len - sizeof(h);
	memcpy(&h, msg, sizeof(h));
	if (h.magic != STREAM_MAGIC || h.lz4 > 1 || h.raw_len > BLOB_MAX_BYTES ||
	    (!h.lz4 && body != h.raw_len))
		return -1;
	out = malloc(h.raw_len ? h.raw_len : 1);
	if (!out)
		return -1;
	if (!h.lz4)
		memcpy(out, (const char *)msg + sizeof(h), body);
	else if (LZ4_decompress_safe((const char *)msg + sizeof(h), out, (int)body,
				     (int)h.raw_len) != (int)h.raw_len) {
		free(out);
		return -1;
	}
	if (XXH3_64bits(out, h.raw_len) != h.xxh3) {
		free(out);
		return -1;
	}
	*blob = out;
	return (long)h.raw_len;
}
