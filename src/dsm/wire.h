/*
 * The DSM's page messages on the wire (TAG_PAGES, docs/migration-stream.md):
 * a struct batch_hdr, then nr_records struct page_rec, then their payloads
 * in record order, each page encoded as its record's enum page_kind says
 * (dsm/pagecodec.h). Fixed-width little-endian fields, explicit padding.
 * The magic and version are the whole migration stream's: the engine's
 * other messages (engine/stream.h, which includes this) carry them too.
 */
#ifndef DSMIG_DSM_WIRE_H
#define DSMIG_DSM_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define STREAM_MAGIC   0x474d5344u   /* "DSMG" */
#define STREAM_VERSION 1
#define STREAM_PAGE_SIZE 4096u
#define STREAM_MAX_BATCH_PAGES 256

/* Header of a TAG_PAGES message: records, then their payloads. */
struct batch_hdr {
	uint32_t magic;
	uint16_t version;
	uint16_t pad;
	uint32_t round;
	uint32_t nr_records;
	uint64_t payload_bytes;
};

enum page_kind {
	PAGE_ZERO = 0,      /* all zero: no payload */
	PAGE_FULL = 1,      /* STREAM_PAGE_SIZE bytes of payload */
	PAGE_LZ4 = 2,       /* LZ4 block that decodes to one page */
	PAGE_DELTA = 3,     /* LZ4 block of (new XOR the destination's copy) */
};

struct page_rec {
	uint64_t pfn;
	uint32_t kind;      /* enum page_kind */
	uint32_t len;       /* payload bytes of this record */
};

_Static_assert(sizeof(struct batch_hdr) == 24, "batch_hdr layout");
_Static_assert(sizeof(struct page_rec) == 16, "page_rec layout");
_Static_assert(offsetof(struct batch_hdr, round) == 8, "batch_hdr layout");
_Static_assert(offsetof(struct batch_hdr, payload_bytes) == 16, "batch_hdr layout");
_Static_assert(offsetof(struct page_rec, kind) == 8, "page_rec layout");
_Static_assert(offsetof(struct page_rec, len) == 12, "page_rec layout");

#endif /* DSMIG_DSM_WIRE_H */
