/*
 * Aggregated page messages (see batch.h): packing pages into a batch, and
 * the receiver's check of a whole batch before it is unpacked.
 */
#include <string.h>

#include "dsm/batch.h"

size_t batch_msg_max(unsigned max)
{
	return sizeof(struct batch_hdr) + max * (sizeof(struct page_rec) + PAGECODEC_MAX);
}

void batch_start(struct batch *b, uint8_t *buf, unsigned max, uint32_t round)
{
	*b = (struct batch) { .buf = buf, .max = max, .round = round };
}

/* Where payloads wait until the batch is sealed: after max records. */
static uint8_t *batch_staged(const struct batch *b)
{
	return b->buf + sizeof(struct batch_hdr) + b->max * sizeof(struct page_rec);
}

uint32_t batch_add_page(struct batch *b, const struct pagecodec_opts *o, uint64_t pfn,
			const uint8_t *page, const uint8_t *prev)
{
	struct page_rec *recs = (struct page_rec *)(b->buf + sizeof(struct batch_hdr));
	uint32_t kind, len;

	len = pagecodec_encode(o, page, prev, batch_staged(b) + b->filled, &kind);
	recs[b->nrec].pfn = pfn;
	recs[b->nrec].kind = kind;
	recs[b->nrec].len = len;
	b->filled += len;
	b->nrec++;
	return kind;
}

size_t batch_seal(struct batch *b, uint64_t *payload_bytes)
{
	struct batch_hdr *h = (struct batch_hdr *)b->buf;
	size_t rec_bytes = sizeof(*h) + b->nrec * sizeof(struct page_rec);
	size_t len = rec_bytes + b->filled;

	*payload_bytes = b->filled;
	if (!b->nrec)
		return 0;
	h->magic = STREAM_MAGIC;
	h->version = STREAM_VERSION;
	h->pad = 0;
	h->round = b->round;
	h->nr_records = b->nrec;
	h->payload_bytes = b->filled;
	memmove(b->buf + rec_bytes, batch_staged(b), b->filled);
	b->nrec = 0;
	b->filled = 0;
	return len;
}

/* Check a whole batch before using any of it (compressed payloads are
 * decoded to a scratch page as part of the check). Returns 0 or -1. */
static int batch_check(const uint8_t *msg, size_t len, const struct batch_rules *r)
{
	const struct batch_hdr *h = (const struct batch_hdr *)msg;
	const struct page_rec *recs = (const struct page_rec *)(h + 1);
	uint64_t start, i, payload = 0;
	uint8_t scratch[STREAM_PAGE_SIZE];

	if (len < sizeof(*h) || h->magic != STREAM_MAGIC ||
	    h->version != STREAM_VERSION || h->round != r->round ||
	    h->nr_records == 0 || h->nr_records > r->max)
		return -1;
	start = sizeof(*h) + (uint64_t)h->nr_records * sizeof(*recs);
	if (start > len || h->payload_bytes != len - start)
		return -1;
	for (i = 0; i < h->nr_records; i++) {
		uint32_t k = recs[i].kind, l = recs[i].len;

		if (recs[i].pfn >= r->npages || l > PAGECODEC_MAX ||
		    l > h->payload_bytes - payload)
			return -1;
		if ((k == PAGE_ZERO && l != 0) || (k == PAGE_FULL && l != STREAM_PAGE_SIZE) ||
		    (k == PAGE_DELTA && !r->allow_delta) ||
		    ((k == PAGE_LZ4 || k == PAGE_DELTA) &&
		     pagecodec_decode(PAGE_LZ4, msg + start + payload, l, scratch)) ||
		    k > PAGE_DELTA)
			return -1;
		payload += l;
	}
	return payload == h->payload_bytes ? 0 : -1;
}

long batch_unpack(const uint8_t *msg, size_t len, const struct batch_rules *r,
		  batch_install_fn install, void *arg)
{
	const struct batch_hdr *h = (const struct batch_hdr *)msg;
	const struct page_rec *recs = (const struct page_rec *)(h + 1);
	uint64_t off, i;

	if (batch_check(msg, len, r))
		return -1;
	off = sizeof(*h) + (uint64_t)h->nr_records * sizeof(*recs);
	for (i = 0; i < h->nr_records; i++) {
		if (install(arg, &recs[i], msg + off))
			return -1;
		off += recs[i].len;
	}
	return (long)h->nr_records;
}
