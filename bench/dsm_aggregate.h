/*
 * The DSM benchmark's Grappa-style update aggregation (bench/dsm.c only:
 * the engine's own aggregated page messages are src/dsm/batch.h), with a
 * message-size parameter, and the receiving side's reassembly. Grappa moves remote updates as small
 * (32-byte) messages; the paper's change moves whole 4 KiB pages, and
 * batching puts several pages in one transfer. An aggregator takes page
 * updates bound for one destination rank and emits messages of the
 * configured shape through a caller's send callback, counting messages and
 * bytes; a reassembler validates those messages and writes the pieces into
 * the destination's RAM, tracking which pages are complete. No MPI here:
 * the caller's callback decides how a message travels.
 *
 * A message (all fields little-endian, fixed width; spec in docs/dsm.md):
 *
 *   struct dsm_msg_hdr                  16 bytes
 *   struct dsm_piece[nr_pieces]         16 bytes each: pfn, offset, len
 *   payloads, in piece order            nr_pieces * unit bytes
 *
 * Each piece is `unit` bytes of one page at a unit-aligned offset. The
 * three configurations the paper compares:
 *   { .unit = 32,   .batch = 1 }   Grappa: a page is 128 messages
 *   { .unit = 4096, .batch = 1 }   the paper: one page per message
 *   { .unit = 4096, .batch = N }   batched: N pages per message
 */
#ifndef DSMIG_BENCH_DSM_AGGREGATE_H
#define DSMIG_BENCH_DSM_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>

#define DSM_AGG_MAGIC      0x414d5344u   /* "DSMA" */
#define DSM_AGG_VERSION    1
#define DSM_AGG_PAGE_SIZE  4096u
#define DSM_AGG_GRAPPA_UNIT 32u          /* Grappa's message payload */
#define DSM_AGG_MAX_PIECES 256           /* per message */

struct dsm_msg_hdr {
	uint32_t magic;        /* DSM_AGG_MAGIC */
	uint16_t version;      /* DSM_AGG_VERSION */
	uint16_t nr_pieces;    /* 1 .. DSM_AGG_MAX_PIECES */
	uint32_t unit;         /* payload bytes of every piece */
	uint32_t pad;          /* 0 */
};

struct dsm_piece {
	uint64_t pfn;          /* guest page */
	uint32_t offset;       /* byte offset in the page, a multiple of unit */
	uint32_t len;          /* == unit */
};

_Static_assert(sizeof(struct dsm_msg_hdr) == 16, "dsm_msg_hdr layout");
_Static_assert(sizeof(struct dsm_piece) == 16, "dsm_piece layout");

struct dsm_agg_config {
	uint32_t unit;         /* a power of two from 32 to 4096 */
	uint32_t batch;        /* pieces per message, 1 .. DSM_AGG_MAX_PIECES */
};

/* Bytes of the largest message of a configuration (a receive buffer size),
 * or 0 if the configuration is invalid. */
size_t dsm_agg_msg_max(const struct dsm_agg_config *cfg);

/* Send one message to dst. msg is the aggregator's buffer: the callback is
 * done with it when it returns (MPI_Send semantics). Returns 0, or -1 to
 * make the aggregator fail. */
typedef int (*dsm_send_fn)(void *ctx, int dst, const void *msg, size_t len);

/* Counters of an aggregator: what went to its send callback. */
struct dsm_agg_stats {
	uint64_t pages;          /* page updates taken */
	uint64_t messages;       /* messages sent */
	uint64_t payload_bytes;  /* page data */
	uint64_t header_bytes;   /* message headers and piece descriptors */
};

struct dsm_agg {
	struct dsm_agg_config cfg;
	int dst;
	dsm_send_fn send;
	void *ctx;
	uint8_t *buf;            /* the message being filled */
	unsigned npieces;        /* pieces in it */
	struct dsm_agg_stats st;
};

/* Set up an aggregator for updates bound for rank dst. Returns 0, or -1
 * (logged) for a bad configuration or no memory. */
int dsm_agg_init(struct dsm_agg *a, const struct dsm_agg_config *cfg, int dst,
		 dsm_send_fn send, void *ctx);

/* Take a page update: DSM_AGG_PAGE_SIZE bytes at page for guest page pfn.
 * The page is copied; full messages are sent at once. A page must not be
 * added twice between flushes (the reassembler rejects the duplicate).
 * Returns 0, or -1 if a send failed. */
int dsm_agg_add_page(struct dsm_agg *a, uint64_t pfn, const void *page);

/* Send the partly filled message, if any. Returns 0 or -1. */
int dsm_agg_flush(struct dsm_agg *a);

/* Release the buffer (pending pieces are dropped: flush first). */
void dsm_agg_destroy(struct dsm_agg *a);

/* The receiver: writes validated pieces into mem (npages pages) and
 * tracks, per page, which pieces of the current update have arrived. A
 * page is complete when all of its DSM_AGG_PAGE_SIZE / unit pieces have;
 * its tracking then starts over for a later update. */
struct dsm_reasm {
	uint8_t *mem;
	uint64_t npages;
	uint32_t unit;
	uint64_t (*have)[2];     /* per page: pieces of the current update */
	uint64_t pages_done;     /* pages completed */
	uint64_t pieces;         /* pieces written */
};

/* mem holds npages (> 0) pages and stays the caller's. Returns 0, or -1
 * (logged) for a bad unit or size, or no memory. */
int dsm_reasm_init(struct dsm_reasm *r, void *mem, uint64_t npages,
		   uint32_t unit);

/* Validate a whole message, then apply it. Rejected, with nothing
 * written: wrong magic, version, unit or padding; no pieces or too many;
 * a length that is not exactly header + descriptors + payloads; a pfn
 * outside RAM; an offset not unit-aligned or past the page; a len other
 * than unit; a piece that the page's current update already has (also
 * twice in one message). Returns the number of pages this message
 * completed, or -1. */
int dsm_reasm_apply(struct dsm_reasm *r, const void *msg, size_t len);

/* Pages with some, but not all, pieces of an update. */
uint64_t dsm_reasm_partial(const struct dsm_reasm *r);

void dsm_reasm_free(struct dsm_reasm *r);

#endif /* DSMIG_BENCH_DSM_AGGREGATE_H */
