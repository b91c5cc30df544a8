/*
 * Aggregated page messages: the unit in which the engine's ranks move
 * guest pages (TAG_PAGES, docs/migration-stream.md). Several pages bound
 * for one rank travel in one message, as Grappa aggregates its updates,
 * but a whole page per record (the paper's change):
 *
 *   struct batch_hdr                    24 bytes
 *   struct page_rec[nr_records]         16 bytes each: pfn, kind, len
 *   payloads, in record order           each page encoded by pagecodec
 *
 * The wire structs are dsm/wire.h's and the encodings (zero, full,
 * LZ4, XOR delta) dsm/pagecodec.h's. Pure functions over a caller's
 * buffer: no MPI and no guest memory here. The packer encodes pages into
 * a batch; the receiver's side checks a whole message before anything of
 * it is used and then hands it out record by record.
 */
#ifndef DSMIG_DSM_BATCH_H
#define DSMIG_DSM_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "dsm/pagecodec.h"
#include "dsm/wire.h"

/* A batch being packed into buf. Records go right after the header;
 * payloads are staged after room for max records and moved down against
 * the records when the batch is sealed. */
struct batch {
	uint8_t *buf;           /* the caller's, batch_msg_max(max) bytes */
	unsigned max;           /* records per message */
	uint32_t round;         /* batch_hdr.round */
	unsigned nrec;          /* records in it */
	uint64_t filled;        /* payload bytes staged */
};

/* Bytes of the largest message of max records: the size of a buffer to
 * pack or to receive batches in. */
size_t batch_msg_max(unsigned max);

/* Start an empty batch of round `round` in buf (batch_msg_max(max) bytes,
 * max 1 .. STREAM_MAX_BATCH_PAGES; buf stays the caller's). */
void batch_start(struct batch *b, uint8_t *buf, unsigned max, uint32_t round);

/* Encode page (STREAM_PAGE_SIZE bytes; prev: the destination's current
 * copy, for a delta, or NULL) with o's encodings and append it as guest
 * page pfn. The batch must not be full (batch_full): seal it first.
 * Returns the record's kind (enum page_kind). */
uint32_t batch_add_page(struct batch *b, const struct pagecodec_opts *o, uint64_t pfn,
			const uint8_t *page, const uint8_t *prev);

/* Does the batch hold max records? */
static inline int batch_full(const struct batch *b)
{
	return b->nrec == b->max;
}

/* Finish the message: write the header and move the payloads against the
 * records. Returns the message's length (b->buf, valid until the next
 * batch_add_page), 0 for a batch without records, with its page data in
 * *payload_bytes (the rest is headers and records). The batch is empty
 * again afterwards, for the same round. */
size_t batch_seal(struct batch *b, uint64_t *payload_bytes);

/* What a receiver accepts. */
struct batch_rules {
	uint32_t round;         /* batch_hdr.round must be this */
	unsigned max;           /* at most this many records */
	uint64_t npages;        /* every pfn below this */
	int allow_delta;        /* PAGE_DELTA records: only where the receiver
				   holds the copy they were made against */
};

/* Take one record: rec and its payload (rec->len bytes) are checked and
 * stay the message's. Returns 0, or -1 to stop unpacking. */
typedef int (*batch_install_fn)(void *arg, const struct page_rec *rec,
				const uint8_t *payload);

/* Check the message msg (len bytes, as received) completely against r:
 * magic, version, round, a record count of 1 .. r->max, records and
 * payloads exactly filling the message, every pfn below r->npages, every
 * kind/len pair valid and every LZ4 or delta payload decoding to exactly
 * one page (trial-decoded). Only then hand each record to install, in
 * order. Returns the number of records, or -1 (invalid message: install
 * was never called; or install returned -1). */
long batch_unpack(const uint8_t *msg, size_t len, const struct batch_rules *r,
		  batch_install_fn install, void *arg);

#endif /* DSMIG_DSM_BATCH_H */
